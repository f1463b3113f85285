import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Clock } from '@kinko/connector-sdk';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { SEED_BANK, type SeededTenant, seedTenant } from '../../test/support/fixtures';
import { createTestApp } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { OPENAPI_PATHS } from '../http/openapi';
import { BankAccount } from './bank-account.entity';

type Schema = { properties?: Record<string, { deprecated?: boolean; $ref?: string; allOf?: unknown[] }>; required?: string[] };

// GET /api/v2/bankaccount over seeded rows (no bank involved), and its OpenAPI contract.
describe('bank accounts (the seed’s account object)', () => {
  let now = new Date('2026-11-21T00:00:00Z');
  const clock: Clock = { now: () => now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let tenant: SeededTenant;
  let doc: OpenAPIObject;
  const list = (query = '', headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: `/api/v2/bankaccount${query}`, headers: { authorization: `Bearer ${tenant.users[0].token}`, ...headers } });

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db, { clock, banks: [SEED_BANK] });
    tenant = await seedTenant(app, 'accounts');
    doc = (await app.inject({ method: 'GET', url: OPENAPI_PATHS.json })).json<OpenAPIObject>();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('lists only the caller’s active accounts, in the seed’s shape, with the connection’s status label', async () => {
    const [alice] = tenant.users;
    const res = await list('', { 'accept-language': 'en' });
    expect(res.statusCode).toBe(200);
    const [account, ...rest] = res.json<Array<Record<string, unknown>>>();
    expect(rest).toEqual([]);
    expect(account).toMatchObject({
      id: alice.accountId,
      connectionId: alice.connectionId,
      bankId: SEED_BANK.bankId,
      consent: {
        bank: { id: SEED_BANK.bankId, name: 'Seed Bank', officialName: 'Seed Bank' },
        bankSwiftCode: null,
        externalId: `consent-${alice.externalId}`,
        id: alice.consentId,
        invalidationReason: null,
        previousStatus: 'received',
        status: 'valid',
        userId: alice.userId,
        userScope: 'aisp',
      },
      consentId: alice.consentId,
      consentStatus: 'active',
      currencyCode: 'JPY',
      errorMessage: null,
      externalConsents: [{ consentId: alice.consentId, externalConsentId: `consent-${alice.externalId}`, purposes: ['bank-common-api'] }],
      generateNotifications: false,
      hasImage: false,
      holderInfo: `Holder ${alice.externalId}`,
      holderType: 'individual',
      isActive: true,
      isBusiness: false,
      lastSession: { id: alice.sessionId, consent: { id: alice.consentId, status: 'valid' } },
      lastTransactionDate: '2026-11-20',
      providerType: 'api',
      raw: { branch_code: '001' },
      retrievedName: '普通預金',
      secondaryIdentifiers: [{ type: 'accountNumber', value: '*****67' }],
      syncError: null,
      syncOffline: true,
      syncStatus: 'active',
      type: '普通',
      typeName: 'Ordinary deposit',
      userName: `Holder ${alice.externalId}`,
      aggregationStatus: 'success',
    });
    // Every field of the seed's example is there.
    for (const field of ['consent', 'consentId', 'consentStatus', 'currencyCode', 'errorMessage', 'externalConsents', 'failureMessageId', 'generateNotifications', 'hasImage', 'holderInfo', 'holderType', 'iban', 'id', 'importDate', 'isActive', 'isBusiness', 'lastSession', 'lastSessionStatus', 'lastSyncDate', 'lastTransactionDate', 'manualHolderInfo', 'manualRelation', 'providerType', 'raw', 'relations', 'retrievedName', 'secondaryIdentifiers', 'syncError', 'syncExecutionId', 'syncOffline', 'syncStatus', 'transactionSyncDate', 'transactionSyncStatus', 'type', 'typeName', 'userName']) {
      expect(account).toHaveProperty(field);
    }
    expect(String(account?.aggregationStatusLabel)).toMatch(/^Updated /);
  });

  it('shows the account’s syncError as the seed writes it', async () => {
    const [alice] = tenant.users;
    const syncError = { aspspResponse: { content: 'some_error_message', status: 'badRequest' }, errorType: 'aspspResponse' as const, executionId: '5bc6494c-b5d0-4178-a2ce-d1d59c382674', message: "'Generic error'" };
    await app.get(DataSource).getRepository(BankAccount).update({ id: alice.accountId }, { syncError, syncStatus: 'failed', transactionSyncStatus: 'partiallyFailed' });
    const [account] = (await list()).json<Array<Record<string, unknown>>>();
    expect(account).toMatchObject({ syncError, syncStatus: 'failed', transactionSyncStatus: 'partiallyFailed', errorMessage: "'Generic error'", failureMessageId: syncError.executionId });
  });

  it('an expired consent shows invalidationReason Expired (stored, previous status kept); its accounts stay listed', async () => {
    const [alice] = tenant.users;
    now = new Date(now.getTime() + 200 * 86_400_000); // the seeded consent runs 90 days
    const [account] = (await list()).json<Array<Record<string, unknown>>>();
    expect(account).toMatchObject({ id: alice.accountId, consentStatus: 'inactive', isActive: true, consent: { status: 'expired', invalidationReason: 'Expired', previousStatus: 'valid' } });
    expect(await app.get(DataSource).query(`SELECT status, invalidation_reason, previous_status FROM consents WHERE id = $1`, [alice.consentId])).toEqual([
      { status: 'expired', invalidation_reason: 'Expired', previous_status: 'valid' },
    ]);
  });

  it('RefreshActiveAccounts takes true or false only', async () => {
    expect((await list('?RefreshActiveAccounts=false')).statusCode).toBe(200);
    const bad = await list('?RefreshActiveAccounts=yes');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: Array<{ field: string }> }>().errors.map((e) => e.field)).toEqual(['RefreshActiveAccounts']);
    const refreshed = await list('?RefreshActiveAccounts=true');
    expect(refreshed.statusCode).toBe(200);
    // The only connection's consent has expired: nothing was started.
    expect(refreshed.headers['kinko-sync-session-ids']).toBe('');
  });

  it('OpenAPI: the seed’s endpoints are documented, and the obsolete fields are marked deprecated (and still required)', () => {
    const operations: Array<[string, string]> = [
      ['get', '/api/v2/bankaccount'],
      ['post', '/api/v2/bank/{bankId}/sync'],
      ['post', '/api/v2/bank/{idType}/{idValue}/sync'],
      ['get', '/api/v2/bank/session/{sessionId}'],
      ['get', '/api/v2/bank/session/{sessionId}/status'],
      ['get', '/api/v2/bank/session/{sessionId}/stage/{stage}/status'],
      ['get', '/api/v2/bank/session/{sessionId}/status/details'],
      ['delete', '/api/v2/consents/{consentId}'],
      ['get', '/api/v2/consents'],
      ['get', '/api/v2/connections'],
      ['post', '/api/v2/connections/{connectionId}/deactivate'],
      ['post', '/api/v2/connections/{connectionId}/reactivate'],
      ['delete', '/api/v2/connections/{connectionId}'],
      ['get', '/api/v2/accounts/{accountId}/transactions'],
      ['get', '/api/v2/accounts/{accountId}/balances'],
      ['post', '/api/v2/connect/{bankId}'],
      ['get', '/api/v2/connect/callback'],
      ['get', '/api/v2/banks'],
      ['get', '/api/v2/tenant/banks'],
    ];
    const missing = operations.filter(([method, path]) => (doc.paths[path] as Record<string, unknown> | undefined)?.[method] === undefined);
    expect(missing).toEqual([]);

    const schema = doc.components?.schemas?.['BankAccountView'] as Schema;
    const deprecated = Object.entries(schema.properties ?? {}).filter(([, p]) => p.deprecated === true).map(([name]) => name).sort();
    expect(deprecated).toEqual(['consentId', 'consentStatus', 'isActive', 'lastSession', 'lastSessionStatus']);
    expect(schema.required).toEqual(expect.arrayContaining(deprecated));
    const query = (doc.paths['/api/v2/bankaccount'] as Record<string, { parameters: Array<{ name: string }> }>)['get']?.parameters.map((p) => p.name);
    expect(query).toEqual(expect.arrayContaining(['RefreshActiveAccounts', 'lang']));
  });
});
