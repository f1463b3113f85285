import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { MetricsService } from '../../src/metrics/metrics.service';
import { SyncScheduler } from '../../src/sync/sync-scheduler';
import { SyncService } from '../../src/sync/sync.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { BANK_CODE, type Connected, type SharedClock, bankUser, connectUser, credentialsOf, sharedClock, startSandbox, startWorker, syncApp, waitForSession } from './harness';

const HOUR = 3_600_000;

describe('background refresh scheduler: the unattended-access budget', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let clock: SharedClock;
  let ds: DataSource;
  let c: Connected;
  const user = bankUser('sleeper', [{ transactions: 40, historyDays: 30 }, { transactions: 15, historyDays: 20 }]);
  const ledger = async (): Promise<Array<{ account_id: string; accessed_at: Date; session_id: string }>> =>
    (await ds.query(
      `SELECT u.account_id, u.accessed_at, u.session_id FROM unattended_accesses u JOIN bank_accounts a ON a.id = u.account_id WHERE a.connection_id = $1 ORDER BY u.accessed_at, u.account_id`,
      [c.connectionId],
    )) as Array<{ account_id: string; accessed_at: Date; session_id: string }>;

  beforeAll(async () => {
    clock = sharedClock('2026-03-10T00:00:00Z');
    db = await createTestDatabase();
    sandbox = await startSandbox([user], { clock: clock.sandbox });
    // Refresh as often as every 30 minutes if the budget allowed it: the budget must be what stops it.
    app = await syncApp(db, sandbox, { clock, sync: { refreshIntervalMinutes: 30 } });
    ds = app.get(DataSource);
    await startWorker(app);
    c = await connectUser(app, sandbox, credentialsOf(user), { now: clock.now() });
    // The user's first sync (present, SCA): not an unattended access.
    const first = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    await waitForSession(app, c.scope, first.sessionIds[0] as string);
  });
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('plans at most 4 background syncs per account in 24 h, records each in the ledger, and defers the 5th to when the budget allows', async () => {
    const scheduler = app.get(SyncScheduler);
    expect(await ledger()).toEqual([]); // the user's own sync is not counted
    const start = clock.now().getTime();
    // Nothing due yet: the last session is younger than the refresh interval. The scheduler looks
    // again one interval (30 min) after that session was created, not before.
    expect(await scheduler.planRound()).toEqual([]);
    const [row] = (await ds.query(
      `SELECT c.next_refresh_at, (SELECT max(s.created_at) FROM sync_sessions s WHERE s.connection_id = c.connection_id) AS last FROM connection_schedules c WHERE c.connection_id = $1`,
      [c.connectionId],
    )) as Array<{ next_refresh_at: Date; last: Date }>;
    expect(row!.next_refresh_at.getTime()).toBe(row!.last.getTime() + 30 * 60_000);
    for (let i = 1; i <= 4; i += 1) {
      clock.advance(HOUR);
      const plan = await scheduler.planRound();
      expect(plan).toHaveLength(1);
      expect(plan[0]).toMatchObject({ connectionId: c.connectionId, decision: 'started' });
      const views = await waitForSession(app, c.scope, plan[0]?.sessionId as string);
      expect(views.status.status).toBe('completed');
      expect(views.requestedBy).toBe('scheduler');
    }
    const rows = await ledger();
    expect(rows).toHaveLength(8); // 2 accounts × 4 accesses
    expect(new Set(rows.map((r) => r.accessed_at.getTime()))).toEqual(new Set([1, 2, 3, 4].map((h) => start + h * HOUR)));

    clock.advance(HOUR);
    const fifth = await scheduler.planRound();
    expect(fifth).toEqual([{ connectionId: c.connectionId, decision: 'deferred', notBefore: new Date(start + HOUR + 24 * HOUR) }]);
    expect(await app.get(MetricsService).render()).toContain('kinko_access_budget_refusals_total{where="scheduler"} 1\n'); // counted (issue 20 §2)
    expect(await ledger()).toHaveLength(8);

    // Even a scheduler session started behind the planner's back reads no account beyond the budget.
    sandbox.requestLog.clear();
    const forced = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'scheduler' });
    await waitForSession(app, c.scope, forced.sessionIds[0] as string);
    expect(sandbox.requestLog.entries({ bank: BANK_CODE, operation: 'GET /transactions' })).toEqual([]);
    expect(sandbox.requestLog.entries({ bank: BANK_CODE, operation: 'GET /balances' })).toEqual([]);
    expect(await ledger()).toHaveLength(8);
    // Refused in the session, one per account, counted where it was refused (issue 20 §2).
    expect(await app.get(MetricsService).render()).toContain('kinko_access_budget_refusals_total{where="engine"} 2\n');
    // Every session that ended so far is counted once (the user's, four planned, the forced one).
    const counted = (await app.get(MetricsService).render()).split('\n').filter((l) => l.startsWith('kinko_sync_sessions_total{')).reduce((n, l) => n + Number(l.split(' ')[1]), 0);
    expect(counted).toBe(6);

    // Once the first access is 24 h old, the budget has room again.
    clock.set(new Date(start + HOUR + 24 * HOUR));
    const later = await scheduler.planRound();
    expect(later).toMatchObject([{ connectionId: c.connectionId, decision: 'started' }]);
    await waitForSession(app, c.scope, later[0]?.sessionId as string);
    expect(await ledger()).toHaveLength(10);
  });
});
