import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { offlineOpenApiDocument, openApiDocumentText } from '../../src/cli/openapi-document';
import { OPENAPI_PATHS } from '../../src/http/openapi';
import { createTestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// CI drift check (issue 15 §2): @kinko/client is generated from a committed snapshot of the
// OpenAPI document (packages/client/openapi.json). The snapshot is built without a database
// or a server (src/cli/openapi-document.ts), must equal what the API serves, and must equal
// what the code produces now — else `pnpm --filter @kinko/client run generate` was not run.
const SNAPSHOT = join(__dirname, '..', '..', '..', '..', 'packages', 'client', 'openapi.json');

describe('the OpenAPI snapshot of @kinko/client', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('the document built without a database is the one the API serves', async () => {
    const served = await app.inject({ method: 'GET', url: OPENAPI_PATHS.json });
    expect(served.statusCode).toBe(200);
    expect(await offlineOpenApiDocument()).toEqual(served.json());
  });

  it('packages/client/openapi.json is the document the code produces now (run `pnpm --filter @kinko/client run generate`)', async () => {
    const committed = readFileSync(SNAPSHOT, 'utf8');
    const now = openApiDocumentText(await offlineOpenApiDocument());
    const a = committed.split('\n');
    const b = now.split('\n');
    const first = a.findIndex((line, i) => line !== b[i]);
    expect({ firstDifferentLine: first === -1 && a.length === b.length ? null : first + 1, committed: a[first], now: b[first] }).toEqual({ firstDifferentLine: null, committed: undefined, now: undefined });
  });
});
