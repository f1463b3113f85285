import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { problemType } from '../../src/http/problem';
import { MetricsService } from '../../src/metrics/metrics.service';
import { SyncService } from '../../src/sync/sync.service';
import { TenantsService } from '../../src/tenants/tenants.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { BANK_CODE, type Connected, type SharedClock, bankUser, connectUser, credentialsOf, sharedClock, startSandbox, startWorker, syncApp, waitForSession } from '../sync/harness';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// A background refresh asked by the tenant's backend (the user not present) counts against
// the unattended-access quota; once it is spent the request answers the refresh-quota-spent
// problem with the instant a refresh is possible again, and starts no session.
describe('tenant background refresh: refused for the unattended-access quota (HTTP over loopback)', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let clock: SharedClock;
  let ds: DataSource;
  let base: string;
  let apiKey: string;
  let c: Connected;
  const user = bankUser('quota', [{ transactions: 5, historyDays: 10 }, { transactions: 4, historyDays: 10 }]);

  const refresh = async (): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> => {
    const res = await fetch(`${base}/api/v2/tenant/users/${c.scope.userId}/connections/${c.connectionId}/sync`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  const sessions = async (): Promise<number> => Number(((await ds.query(`SELECT count(*)::int AS n FROM sync_sessions WHERE connection_id = $1`, [c.connectionId])) as Array<{ n: number }>)[0]?.n);
  const ledger = async (): Promise<number> =>
    Number(((await ds.query(`SELECT count(*)::int AS n FROM unattended_accesses u JOIN bank_accounts a ON a.id = u.account_id WHERE a.connection_id = $1`, [c.connectionId])) as Array<{ n: number }>)[0]?.n);

  beforeAll(async () => {
    clock = sharedClock('2026-05-04T06:00:00Z');
    db = await createTestDatabase();
    sandbox = await startSandbox([user], { clock: clock.sandbox });
    // The bank allows 2 unattended accesses per account a day.
    app = await syncApp(db, sandbox, { clock, limits: { unattendedAccessesPerDay: 2 } });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
    ds = app.get(DataSource);
    await startWorker(app);
    const boot = await app.get(TenantsService).bootstrap('Quota tenant');
    apiKey = boot.apiKey.apiKey;
    c = await connectUser(app, sandbox, credentialsOf(user), { now: clock.now(), tenantId: boot.tenant.id });
    const first = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    await waitForSession(app, c.scope, first.sessionIds[0] as string);
  });
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('counts each tenant refresh, then answers 429 refresh-quota-spent with nextRefreshPossibleAt and Retry-After instead of starting a session', async () => {
    expect(await ledger()).toBe(0); // the user's own sync is not unattended
    const firstAccess = clock.now();
    for (let i = 0; i < 2; i += 1) {
      if (i > 0) clock.advance(HOUR);
      const started = await refresh();
      expect(started.status).toBe(202);
      const views = await waitForSession(app, c.scope, started.body['sessionId'] as string);
      expect(views.requestedBy).toBe('tenant');
      expect(views.status.status).toBe('completed');
    }
    expect(await ledger()).toBe(4); // 2 accounts × 2 accesses

    clock.advance(HOUR);
    const before = await sessions();
    sandbox.requestLog.clear();
    const refused = await refresh();
    const next = new Date(firstAccess.getTime() + DAY);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ type: problemType('refresh-quota-spent'), status: 429, nextRefreshPossibleAt: next.toISOString() });
    expect(refused.headers.get('retry-after')).toBe(String((next.getTime() - clock.now().getTime()) / 1000));
    // Nothing started, nothing asked of the bank.
    expect(await sessions()).toBe(before);
    expect(sandbox.requestLog.entries({ bank: BANK_CODE })).toEqual([]);
    // The refusal is counted (issue 20 §2).
    expect(await app.get(MetricsService).render()).toContain('kinko_access_budget_refusals_total{where="refresh-route"} 1\n');

    // The user, present, is not limited by it.
    const own = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user' });
    await waitForSession(app, c.scope, own.sessionIds[0] as string);
    expect(await ledger()).toBe(4);

    // At that instant the quota allows a background refresh again.
    clock.set(next);
    const again = await refresh();
    expect(again.status).toBe(202);
    await waitForSession(app, c.scope, again.body['sessionId'] as string);
    expect(await ledger()).toBe(6);
  });

  it('answers 404 for a connection that is not the user’s, as every tenant route', async () => {
    const res = await fetch(`${base}/api/v2/tenant/users/${c.scope.userId}/connections/00000000-0000-7000-8000-000000000000/sync`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } });
    expect(res.status).toBe(404);
  });
});
