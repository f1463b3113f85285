import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { createTestApp } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { SECURITY } from '../auth/auth.decorators';
import { OPENAPI_PATHS, OPENAPI_VERSION } from './openapi';
import { PROBLEMS, type ProblemKind, problemType } from './problem';
import { RouteCatalog } from './route-catalog';

describe('OpenAPI document and reference page', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let doc: OpenAPIObject;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db);
    const res = await app.inject({ method: 'GET', url: OPENAPI_PATHS.json });
    expect(res.statusCode).toBe(200);
    doc = res.json<OpenAPIObject>();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('is an OpenAPI 3 document describing every controller route', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.components?.securitySchemes ?? {}).sort()).toEqual(Object.values(SECURITY).sort());
    for (const route of app.get(RouteCatalog).routes()) {
      const operation = (doc.paths[route.path.replace(/:(\w+)/g, '{$1}')] as Record<string, { security?: unknown[] }> | undefined)?.[route.method.toLowerCase()];
      expect({ route: `${route.method} ${route.path}`, documented: operation !== undefined }).toEqual({ route: `${route.method} ${route.path}`, documented: true });
      if (route.auth === 'tenant') expect(operation?.security).toEqual(expect.arrayContaining([{ [SECURITY.apiKeyBearer]: [] }, { [SECURITY.apiKeyHeader]: [] }]));
      // A user route takes a user token; a read also the tenant's API key acting as the user.
      if (route.auth === 'user') {
        const apiKey = route.method === 'GET' ? [{ [SECURITY.apiKeyBearer]: [] }, { [SECURITY.apiKeyHeader]: [] }] : [];
        expect({ route: `${route.method} ${route.path}`, security: operation?.security }).toEqual({ route: `${route.method} ${route.path}`, security: [{ [SECURITY.userToken]: [] }, ...apiKey] });
      }
      if (route.auth === 'public') expect({ route: `${route.method} ${route.path}`, security: operation?.security }).toEqual({ route: `${route.method} ${route.path}`, security: [] });
    }
  });

  type Operation = { operationId?: string; security?: unknown[]; parameters?: Array<{ name: string; in: string; required?: boolean }>; responses: Record<string, { description?: string; content?: Record<string, { schema?: { $ref?: string; allOf?: Array<{ properties?: { type?: { enum?: string[] } } }> } }> }> };
  const operations = (): Array<[string, Operation]> =>
    Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item as Record<string, Operation>).map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]));
  // The problem types a response allows: the narrowed enum, or every type for the plain Problem schema.
  const problemTypes = (op: Operation | undefined, status: string): string[] => {
    const schema = op?.responses[status]?.content?.['application/problem+json']?.schema;
    if (schema?.$ref === '#/components/schemas/Problem') return (Object.keys(PROBLEMS) as ProblemKind[]).map(problemType);
    return schema?.allOf?.[1]?.properties?.type?.enum ?? [];
  };

  it('is OpenAPI 3.1 with a server, nullable fields as JSON Schema null types', () => {
    expect(doc.openapi).toBe(OPENAPI_VERSION);
    expect(doc.servers?.length).toBeGreaterThan(0);
    const account = doc.components?.schemas?.['BankAccountView'] as { properties: Record<string, { type?: unknown; anyOf?: unknown[]; nullable?: unknown }> };
    expect(account.properties['transactionSyncStatus']?.type).toEqual(['string', 'null']);
    expect(account.properties['consent']?.anyOf).toEqual([{ $ref: '#/components/schemas/AccountConsentView' }, { type: 'null' }]);
    expect(JSON.stringify(doc)).not.toContain('"nullable"');
  });

  it('names every operation with a unique camelCase operationId', () => {
    const ids = operations().map(([, op]) => op.operationId ?? '');
    expect(ids.filter((id) => !/^[a-z][A-Za-z0-9]*$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    const byId = Object.fromEntries(operations().map(([route, op]) => [op.operationId, route]));
    expect(byId['listBankAccounts']).toBe('GET /api/v2/bankaccount');
    expect(byId['startBankSync']).toBe('POST /api/v2/bank/{bankId}/sync');
    expect(byId['createUser']).toBe('POST /api/v2/tenant/users');
  });

  it('describes every response, and declares the problems every operation can answer', () => {
    const undescribed = operations().flatMap(([route, op]) => Object.entries(op.responses).filter(([, r]) => !r.description?.trim()).map(([status]) => `${route} ${status}`));
    expect(undescribed).toEqual([]);
    for (const [route, op] of operations()) {
      expect({ route, validation: problemTypes(op, '400') }).toEqual({ route, validation: expect.arrayContaining([problemType('validation'), problemType('malformed-request')]) });
      if ((op.security?.length ?? 0) > 0) {
        expect({ route, types: [...problemTypes(op, '401'), ...problemTypes(op, '429')] }).toEqual({ route, types: expect.arrayContaining([problemType('unauthorized'), problemType('rate-limited')]) });
      }
      if (/^(POST|PUT|PATCH|DELETE) /.test(route)) expect({ route, types: problemTypes(op, '415') }).toEqual({ route, types: [problemType('unsupported-media-type')] });
    }
    // An operation's own kinds stay beside the common ones.
    const byId = Object.fromEntries(operations().map(([, op]) => [op.operationId, op]));
    expect(problemTypes(byId['listTransactions'], '400')).toEqual(expect.arrayContaining([problemType('invalid-cursor'), problemType('validation')]));
  });

  it('shows an example in every JSON success answer (its schema, or a schema it refers to, carries one)', () => {
    const schemas = (doc.components?.schemas ?? {}) as Record<string, unknown>;
    const hasExample = (node: unknown, seen: Set<string>): boolean => {
      if (node === null || typeof node !== 'object') return false;
      const record = node as Record<string, unknown>;
      if ('example' in record || 'examples' in record) return true;
      if (typeof record['$ref'] === 'string') {
        const name = record['$ref'].split('/').pop() ?? '';
        if (seen.has(name)) return false;
        seen.add(name);
        return hasExample(schemas[name], seen);
      }
      return Object.values(record).some((value) => hasExample(value, seen));
    };
    const without = operations().flatMap(([route, op]) =>
      Object.entries(op.responses)
        .filter(([status, r]) => /^2/.test(status) && r.content?.['application/json'] !== undefined)
        .filter(([, r]) => !hasExample(r.content?.['application/json'], new Set()))
        .map(([status]) => `${route} ${status}`),
    );
    expect(without).toEqual([]);
  });

  it("declares the query parameters the bank sends to the callback, and the callback is public", () => {
    const callback = (doc.paths['/api/v2/connect/callback'] as Record<string, Operation>)['get'];
    expect(callback?.security).toEqual([]);
    expect(callback?.parameters?.filter((p) => p.in === 'query').map((p) => [p.name, p.required ?? false])).toEqual(
      expect.arrayContaining([['state', true], ['code', false], ['error', false], ['error_description', false]]),
    );
  });

  it('documents errors as application/problem+json', () => {
    const notFound = (doc.paths['/api/v2/tenant/users/{userId}'] as Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>)['get']?.responses['404'];
    expect(Object.keys(notFound?.content ?? {})).toEqual(['application/problem+json']);
    expect(doc.components?.schemas?.['Problem']).toBeDefined();
  });

  it('serves an interactive reference whose assets all come from this server', async () => {
    const page = await app.inject({ method: 'GET', url: OPENAPI_PATHS.docs });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    expect(refs.filter((r) => /^(https?:)?\/\//.test(r))).toEqual([]);
    for (const ref of refs) {
      const url = new URL(ref, `http://localhost${OPENAPI_PATHS.docs}`).pathname;
      expect({ url, status: (await app.inject({ method: 'GET', url })).statusCode }).toEqual({ url, status: 200 });
    }
    const init = await app.inject({ method: 'GET', url: `${OPENAPI_PATHS.docs}/swagger-ui-init.js` });
    expect(init.body).toContain('"validatorUrl": null');
  });
});
