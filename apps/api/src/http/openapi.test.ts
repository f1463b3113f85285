import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { createTestApp } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { SECURITY } from '../auth/auth.decorators';
import { OPENAPI_PATHS } from './openapi';
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
      if (route.auth === 'user') expect(operation?.security).toEqual([{ [SECURITY.userToken]: [] }]);
    }
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
