import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { ConnectorClients } from '../../src/sync/connector-clients';
import { GrantVault } from '../../src/sync/grant-vault';
import { SyncService } from '../../src/sync/sync.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { BANK_CODE, BANK_ID, type SharedClock, bankUser, connectUser, credentialsOf, sharedClock, startSandbox, startWorker, syncApp, waitForSession } from './harness';

const HOURS_2 = 2 * 3_600_000;

// Two app instances on one database stand for two processes: separate pools, separate
// connector clients (each with its own in-process single-flight), one shared grant row.
describe('grant refresh: one refresh in flight per connection across processes', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let a: NestFastifyApplication;
  let b: NestFastifyApplication;
  let clock: SharedClock;
  const user = bankUser('rotator', [{ transactions: 60, historyDays: 30 }, { transactions: 20, historyDays: 10 }]);
  const puts = () => sandbox.requestLog.entries({ bank: BANK_CODE, operation: 'PUT /auth/token' });

  beforeAll(async () => {
    clock = sharedClock('2026-03-10T03:00:00Z');
    db = await createTestDatabase();
    sandbox = await startSandbox([user], { clock: clock.sandbox });
    a = await syncApp(db, sandbox, { clock });
    b = await syncApp(db, sandbox, { clock });
    await startWorker(a);
    await startWorker(b);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('20 concurrent syncs of a connection whose access token expired: exactly one PUT /auth/token, every sync succeeds', async () => {
    const c = await connectUser(a, sandbox, credentialsOf(user), { now: clock.now() });
    clock.advance(HOURS_2); // the access token (60 min) is dead at the bank and by its stored expiry
    sandbox.requestLog.clear();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user' })),
    );
    expect(results.every((r) => r.sessionIds.length === 1 && r.skipped.length === 0)).toBe(true);
    const sessionIds = [...new Set(results.map((r) => r.sessionIds[0] as string))];
    for (const id of sessionIds) expect((await waitForSession(a, c.scope, id)).status.status).toBe('completed');
    expect(puts()).toHaveLength(1);
    expect(puts()[0]?.status).toBe(200);
    // The data calls after it used the new token (none was refused).
    expect(sandbox.requestLog.entries({ bank: BANK_CODE }).filter((e) => e.status === 401)).toEqual([]);
    const status = (await a.get(DataSource).query(`SELECT aggregation_status FROM connections WHERE id = $1`, [c.connectionId])) as unknown[];
    expect(status).toEqual([{ aggregation_status: 'success' }]);
  });

  it('20 concurrent grant reads in two processes at expiry: one refresh at the bank, everyone gets the refreshed grant', async () => {
    const c = await connectUser(a, sandbox, credentialsOf(user), { now: clock.now() });
    clock.advance(HOURS_2);
    sandbox.requestLog.clear();
    const usable = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const app = i % 2 === 0 ? a : b;
        const clients = app.get(ConnectorClients);
        return app.get(GrantVault).usable(c.scope, c.connectionId, clients.connector(BANK_ID), clients.client(BANK_ID), { now: clock.now(), marginMs: 60_000 });
      }),
    );
    expect(puts()).toHaveLength(1);
    const ok = usable.map((u) => (u.ok ? u.value : undefined));
    expect(ok.every((u) => u !== undefined)).toBe(true);
    expect(new Set(ok.map((u) => u?.record.id)).size).toBe(1);
    expect(ok.filter((u) => u?.refreshed)).toHaveLength(1);
    // The refreshed grant works at the bank.
    const clients = a.get(ConnectorClients);
    const first = ok[0];
    if (!first) throw new Error('no grant');
    const accounts = clients.client(BANK_ID).accounts(first.grant)[Symbol.asyncIterator]();
    const page = await accounts.next();
    expect(page.value?.ok).toBe(true);
    await accounts.return?.();
    // Refreshes are audited; the grant stays encrypted (no token in any row's text).
    const audited = (await a.get(DataSource).query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'grant.refresh' AND target = $1`, [`connection:${c.connectionId}`])) as Array<{ n: number }>;
    expect(audited[0]?.n).toBe(1);
  });
});

describe('grant refused by the bank before its stored expiry', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  const user = bankUser('early', [{ transactions: 50, historyDays: 20 }]);
  // The bank's clock runs ahead of ours: its access token is dead while our record says it is valid.
  const bankClock = sharedClock('2026-03-10T03:00:00Z');
  const appClock = sharedClock('2026-03-10T03:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox([user], { clock: bankClock.sandbox });
    app = await syncApp(db, sandbox, { clock: appClock });
    await startWorker(app);
  });
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('refreshes once on the 401 and completes the sync with the new token', async () => {
    const c = await connectUser(app, sandbox, credentialsOf(user), { now: appClock.now() });
    bankClock.advance(HOURS_2);
    sandbox.requestLog.clear();
    const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    const views = await waitForSession(app, c.scope, sessionIds[0] as string);
    expect(views.status.status).toBe('completed');
    const log = sandbox.requestLog.entries({ bank: BANK_CODE });
    expect(log.filter((e) => e.operation === 'PUT /auth/token' && e.status === 200)).toHaveLength(1);
    // The data call refused once; (the connector's cached system token had expired at the bank too: it renews it itself.)
    expect(log.filter((e) => e.status === 401 && !String(e.operation).includes('/auth/')).map((e) => e.operation)).toEqual(['GET /accounts']);
    const counts = (await app.get(DataSource).query(`SELECT count(*)::int AS n FROM transactions WHERE user_id = $1`, [c.scope.userId])) as Array<{ n: number }>;
    expect(counts[0]?.n).toBe(sandbox.truth.summary(BANK_CODE, sandbox.truth.accounts(BANK_CODE, 'early')[0]?.accountId as string, { from: '2025-01-01', to: sandbox.truth.today(BANK_CODE) }).count);
  });
});
