import { expect } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { OPENAPI_PATHS } from '../../src/http/openapi';
import { PROBLEM_MEDIA_TYPE, PROBLEMS, type ProblemKind, problemType } from '../../src/http/problem';
import type { Settings } from '../../src/config/settings';
import { TenantsService } from '../../src/tenants/tenants.service';
import { type SeededUser, SEED_BANK, seedUserData } from '../support/fixtures';
import { createTestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** One operation of the app's OpenAPI document. */
export interface Operation {
  readonly method: string;
  /** OpenAPI path template, e.g. `/api/v2/accounts/{accountId}/transactions`. */
  readonly path: string;
  readonly pathParams: readonly string[];
  readonly queryParams: readonly string[];
  readonly hasBody: boolean;
  /** Each body field's JSON types, as the schema declares them (`['string', 'null']` for a nullable string; `['object']` when it names none). */
  readonly bodyFields: Readonly<Record<string, readonly string[]>>;
  /** A Link page for browsers (tag `link`: its answers, errors included, are text/html pages). */
  readonly htmlPage: boolean;
  /** Security scheme names (any one of them authenticates). */
  readonly security: readonly string[];
}

/** An app on its own database, a tenant (API key) and a seeded user (token, connection, account, transactions), its OpenAPI operations. */
export interface EdgeHarness {
  readonly db: TestDatabase;
  readonly app: NestFastifyApplication;
  readonly apiKey: string;
  readonly user: SeededUser;
  readonly operations: readonly Operation[];
  /** Headers that authenticate the operation (tenant key or user token; none for public routes). */
  authFor(operation: Operation): Record<string, string>;
  /** The operation's path with each parameter replaced (default: a real id of the seeded user where one fits). */
  pathOf(operation: Operation, values?: Record<string, string>): string;
  close(): Promise<void>;
}

/** Reads the operations of the served OpenAPI document. */
export function operationsOf(doc: OpenAPIObject): Operation[] {
  const operations: Operation[] = [];
  const schemas = (doc.components?.schemas ?? {}) as Record<string, { properties?: Record<string, { type?: string | string[] }> }>;
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item as Record<string, unknown>)) {
      const op = raw as {
        parameters?: Array<{ in: string; name: string }>;
        requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
        security?: Array<Record<string, unknown>>;
        tags?: string[];
      };
      const ref = op.requestBody?.content?.['application/json']?.schema?.$ref;
      const properties = ref !== undefined ? (schemas[ref.split('/').pop() as string]?.properties ?? {}) : {};
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        hasBody: op.requestBody !== undefined,
        bodyFields: Object.fromEntries(Object.entries(properties).map(([name, schema]) => [name, schema.type === undefined ? ['object'] : [schema.type].flat()])),
        security: (op.security ?? []).flatMap((s) => Object.keys(s)),
        htmlPage: (op.tags ?? []).includes('link'),
      });
    }
  }
  return operations;
}

export async function createEdgeHarness(settings?: Settings): Promise<EdgeHarness> {
  const db = await createTestDatabase();
  const app = await createTestApp(db, { banks: [SEED_BANK], ...(settings ? { settings } : {}) });
  const tenant = await app.get(TenantsService).bootstrap('Edge');
  const user = await seedUserData(app, tenant.tenant.id, 'edge-user');
  const res = await app.inject({ method: 'GET', url: OPENAPI_PATHS.json });
  expect(res.statusCode).toBe(200);
  const operations = operationsOf(res.json<OpenAPIObject>());
  const ids: Record<string, string> = {
    userId: user.userId,
    connectionId: user.connectionId,
    accountId: user.accountId,
    consentId: user.consentId,
    sessionId: user.sessionId,
    bankId: SEED_BANK.bankId,
    idType: 'connectionId',
    idValue: user.connectionId,
    stage: 'auth',
  };
  return {
    db,
    app,
    apiKey: tenant.apiKey.apiKey,
    user,
    operations,
    authFor: (operation): Record<string, string> =>
      operation.security.includes('userToken')
        ? { authorization: `Bearer ${user.token}` }
        : operation.security.length > 0
          ? { authorization: `Bearer ${tenant.apiKey.apiKey}` }
          : {},
    pathOf: (operation, values = {}) =>
      operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? encodeURIComponent(ids[name] ?? 'x')),
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

/** The parts of an HTTP answer the edge tests check. */
export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** Asserts an answer is a problem (of `kind` when given): its status, problem+json, a known `type`, no stack trace. */
export function expectProblem(answer: Answer, kind?: ProblemKind): { type: string; status: number; errors?: Array<{ field: string; reason: string }> } {
  expect(answer.contentType).toMatch(new RegExp(`^${PROBLEM_MEDIA_TYPE.replace('+', '\\+')}`));
  const body = JSON.parse(answer.body) as { type: string; status: number; title: string; errors?: Array<{ field: string; reason: string }> };
  expect(body.status).toBe(answer.status);
  expect((Object.keys(PROBLEMS) as ProblemKind[]).map((kind) => problemType(kind))).toContain(body.type);
  if (kind !== undefined) expect([answer.status, body.type]).toEqual([PROBLEMS[kind].status, problemType(kind)]);
  expect(answer.body).not.toMatch(/\bat .+\.(js|ts):\d+/);
  return body;
}

/** An `app.inject` answer as an {@link Answer}. */
export const answerOf = (res: { statusCode: number; headers: Record<string, unknown>; body: string }): Answer => ({
  status: res.statusCode,
  contentType: String(res.headers['content-type'] ?? ''),
  body: res.body,
});
