import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { SEED_BANK, type SeededUser, seedTenant, seedUserData } from '../../test/support/fixtures';
import { createTestApp } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { BankAccount } from '../accounts/bank-account.entity';
import { Connection } from '../connections/connection.entity';
import { problemType } from '../http/problem';

// The seed's sync entry points and session reads. The seeded connections' connector
// (`bank-common-api`) is registered with an unreachable base URL and no worker runs, so
// sessions are created and queued but no bank is ever called.
describe('sync API', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let alice: SeededUser;
  let bob: SeededUser;
  const post = (user: SeededUser, url: string, body: unknown = {}) =>
    app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  const get = (user: SeededUser, url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${user.token}` } });
  const fieldsOf = (res: { json: <T>() => T }) => res.json<{ errors: Array<{ field: string }> }>().errors.map((e) => e.field);

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db, { banks: [SEED_BANK, { ...SEED_BANK, bankId: 'bank-common-api' }] });
    const tenant = await seedTenant(app, 'sync-api');
    [alice, bob] = tenant.users;
    await app.get(DataSource).getRepository(BankAccount).update({ id: alice.accountId }, { iban: 'PL47 1050 0028 2100 0023 0315 0001' });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('POST /api/v2/bank/{bankId}/sync starts a session per connection at the bank; a second request joins it', async () => {
    const first = await post(alice, `/api/v2/bank/${SEED_BANK.bankId}/sync`, { daysBack: 30 });
    expect(first.statusCode).toBe(202);
    const started = first.json<{ sessionId: string; sessionIds: string[]; skipped: unknown[] }>();
    expect(started).toEqual({ sessionId: started.sessionIds[0], sessionIds: [expect.any(String)], skipped: [] });
    const again = await post(alice, `/api/v2/bank/${SEED_BANK.bankId}/sync`);
    expect(again.json<{ sessionIds: string[] }>().sessionIds).toEqual(started.sessionIds);

    const session = await get(alice, `/api/v2/bank/session/${started.sessionId}`);
    expect(session.statusCode).toBe(200);
    expect(session.json()).toMatchObject({
      sessionId: started.sessionId,
      connectionId: alice.connectionId,
      status: 'pending',
      requestedBy: 'user',
      parameters: { daysBack: 30, scaJustPerformed: false },
      dataFetched: { accounts: 0, transactions: { fetched: 0, written: 0 } },
    });
    expect((await get(alice, `/api/v2/bank/session/${started.sessionId}/status`)).json()).toEqual({ sessionId: started.sessionId, status: 'pending', stage: 'auth', finishedAt: null });
    expect((await get(alice, `/api/v2/bank/session/${started.sessionId}/stage/auth/status`)).json()).toMatchObject({ stage: 'auth', status: 'pending', counts: { requestsMade: 0 }, failure: null });
    const details = await get(alice, `/api/v2/bank/session/${started.sessionId}/status/details`);
    expect(details.json<{ stages: Array<{ stage: string }> }>().stages.map((s) => s.stage)).toEqual(['auth', 'accounts', 'balances', 'transactions', 'transactionDetails', 'intelligence', 'finished']);
    const badStage = await get(alice, `/api/v2/bank/session/${started.sessionId}/stage/everything/status`);
    expect([badStage.statusCode, fieldsOf(badStage)]).toEqual([400, ['stage']]);
    // Another user's session is not found.
    expect((await get(bob, `/api/v2/bank/session/${started.sessionId}/status`)).statusCode).toBe(404);
  });

  it('POST /api/v2/bank/{idType}/{idValue}/sync resolves connectionId, accountId, consentId, iban and bankCode to the user’s connections', async () => {
    const byConnection = (await post(alice, `/api/v2/bank/connectionId/${alice.connectionId}/sync`)).json<{ sessionIds: string[] }>().sessionIds;
    for (const url of [
      `/api/v2/bank/accountId/${alice.accountId}/sync`,
      `/api/v2/bank/consentId/${alice.consentId}/sync`,
      '/api/v2/bank/iban/PL47105000282100002303150001/sync',
      '/api/v2/bank/iban/pl47%201050%200028%202100%200023%200315%200001/sync',
      '/api/v2/bank/bankCode/0001/sync',
    ]) {
      const res = await post(alice, url);
      expect([url, res.statusCode, res.json<{ sessionIds: string[] }>().sessionIds]).toEqual([url, 202, byConnection]);
    }
    for (const url of [
      `/api/v2/bank/connectionId/${bob.connectionId}/sync`,
      `/api/v2/bank/accountId/${bob.accountId}/sync`,
      '/api/v2/bank/iban/PL00000000000000000000000000/sync',
      '/api/v2/bank/bankCode/9999/sync',
      '/api/v2/bank/connectionId/not-a-uuid/sync',
      '/api/v2/bank/no-such-bank/sync',
    ]) {
      expect([url, (await post(alice, url)).statusCode]).toEqual([url, 404]);
    }
    const badType = await post(alice, `/api/v2/bank/accountNumber/123/sync`);
    expect([badType.statusCode, fieldsOf(badType)]).toEqual([400, ['idType']]);
  });

  it('validates the body: daysBack a whole number 1..1460 or null, nothing else', async () => {
    const url = `/api/v2/bank/${SEED_BANK.bankId}/sync`;
    for (const body of [{ daysBack: 0 }, { daysBack: 1461 }, { daysBack: 2.5 }, { daysBack: '30' }]) {
      const res = await post(alice, url, body);
      expect([JSON.stringify(body), res.statusCode, fieldsOf(res)]).toEqual([JSON.stringify(body), 400, ['daysBack']]);
    }
    const unknown = await post(alice, url, { days: 3 });
    expect([unknown.statusCode, fieldsOf(unknown)]).toEqual([400, ['days']]);
    expect((await post(alice, url, { daysBack: null })).statusCode).toBe(202);
  });

  it('POST /api/v2/bank/{bankId}/sync names a bank, never a connector: the connector id of the user’s connection (bank-common-api, here also a bank entry the user has no connection at) finds no connection (issue 13 §4)', async () => {
    const dave = await seedUserData(app, alice.tenantId, 'dave');
    const byConnector = await post(dave, '/api/v2/bank/bank-common-api/sync');
    expect(byConnector.statusCode).toBe(404);
    expect(byConnector.json<{ type: string }>().type).toBe(problemType('not-found'));
    expect((await post(dave, `/api/v2/bank/${SEED_BANK.bankId}/sync`)).statusCode).toBe(202);
  });

  it('answers 409 with the reason when nothing can be synced (the connection is inactive)', async () => {
    const carol = await seedUserData(app, alice.tenantId, 'carol');
    await app.get(DataSource).getRepository(Connection).update({ id: carol.connectionId }, { aggregationStatus: 'inactive', deactivated: true });
    const res = await post(carol, `/api/v2/bank/${SEED_BANK.bankId}/sync`);
    expect(res.statusCode).toBe(409);
    expect(res.json<{ type: string }>().type).toBe(problemType('connection-inactive'));
    expect(res.json<{ detail: string }>().detail).toBe(`No sync was started (connection ${carol.connectionId}: inactive).`);
  });
});
