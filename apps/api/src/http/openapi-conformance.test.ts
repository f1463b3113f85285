import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { SEED_BANK, type SeededUser, seedUserData } from '../../test/support/fixtures';
import { DocumentValidator, takeAnswerMismatches } from '../../test/support/openapi-conformance';
import { createTestApp } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { TenantsService } from '../tenants/tenants.service';
import { OPENAPI_PATHS } from './openapi';

// The check every test's answers go through (test/support/openapi-conformance.setup.ts): it
// accepts the app's real answers and names what does not match the document.
describe('answers checked against the OpenAPI document', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let doc: OpenAPIObject;
  let user: SeededUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db, { banks: [SEED_BANK] });
    const tenant = await app.get(TenantsService).bootstrap('Conformance');
    user = await seedUserData(app, tenant.tenant.id, 'conformance-user');
    doc = (await app.inject({ method: 'GET', url: OPENAPI_PATHS.json })).json<OpenAPIObject>();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const accounts = (): Promise<{ statusCode: number }> => app.inject({ method: 'GET', url: '/api/v2/bankaccount', headers: { authorization: `Bearer ${user.token}` } });

  it('accepts a real answer with nullable fields and refs (null and non-null)', async () => {
    expect((await accounts()).statusCode).toBe(200);
    await app.get(DataSource).query('UPDATE bank_accounts SET transaction_sync_status = NULL, consent_id = NULL WHERE id = $1', [user.accountId]);
    expect((await accounts()).statusCode).toBe(200);
    expect(takeAnswerMismatches()).toEqual([]);
  });

  it('names a value the document does not allow, from an answer of the running app', async () => {
    await app.get(DataSource).query(`UPDATE bank_accounts SET transaction_sync_status = 'Completed' WHERE id = $1`, [user.accountId]);
    expect((await accounts()).statusCode).toBe(200);
    const found = takeAnswerMismatches();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^GET \/api\/v2\/bankaccount → 200 application\/json: \/0\/transactionSyncStatus must be equal to one of the allowed values .*\(was "Completed"\)/);
  });

  it('names an undeclared status, an undeclared media type and a problem type the operation does not declare', () => {
    const validator = new DocumentValidator(doc);
    expect(validator.check({ method: 'GET', path: '/api/v2/bankaccount', status: 418, contentType: 'application/json', body: '{}' })).toEqual([expect.stringMatching(/^GET \/api\/v2\/bankaccount → 418: status not declared/)]);
    expect(validator.check({ method: 'GET', path: '/api/v2/bankaccount', status: 200, contentType: 'text/plain', body: 'x' })).toEqual([expect.stringMatching(/media type text\/plain not declared/)]);
    const conflict = JSON.stringify({ type: 'https://kinko.dev/problems/login-in-progress', title: 'x', status: 409 });
    expect(validator.check({ method: 'POST', path: '/api/v2/tenant/users', status: 409, contentType: 'application/problem+json', body: conflict })).toEqual([expect.stringMatching(/\/type must be equal to one of the allowed values/)]);
    expect(validator.check({ method: 'GET', path: '/not/documented', status: 200, contentType: 'application/json', body: '{}' })).toEqual([]);
  });
});
