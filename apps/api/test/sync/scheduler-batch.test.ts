import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { SCHEDULER_BATCH, SyncScheduler, type ScheduledRefresh } from '../../src/sync/sync-scheduler';
import { bootSchedulerApp, seedConnections } from '../support/bench-scheduler-driver';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Issue 19: the scheduler plans a round in batches (SCHEDULER_BATCH due connections per
// transaction: candidates locked, their budgets, sessions and jobs each read or written at once).
// Real PostgreSQL and pg-boss; the connections are seeded directly (the bench hook's seeding:
// one user, one connection of the bank in status success and its grant each, all due). No
// worker runs: the sessions stay queued.

const BANK = {
  bankId: 'batch-0001',
  connector: 'bank-common-api',
  bankCode: '0001',
  bankName: 'Batch Bank',
  baseUrl: 'http://127.0.0.1:9',
  apiKey: 'batch-api-key',
  password: 'batch-client-secret',
};
const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('the scheduler plans a round in batches', () => {
  let db: TestDatabase;
  let client: Client;
  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await client.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
  const started = (plan: readonly ScheduledRefresh[]): string[] => plan.filter((d) => d.decision === 'started').map((d) => d.connectionId);

  it('two schedulers racing through one round start every due connection exactly once, several batches each, every session with its job', async () => {
    const due = 2 * SCHEDULER_BATCH + 150;
    await seedConnections({ databaseUrl: db.url, connections: due, bank: BANK });
    // Booted one after the other (two apps creating pg-boss's queues at once can deadlock at boot); they plan at once.
    const a = await bootSchedulerApp({ databaseUrl: db.url, bank: BANK });
    const b = await bootSchedulerApp({ databaseUrl: db.url, bank: BANK }).catch(async (e: unknown) => {
      await a.close();
      throw e;
    });
    try {
      const [planA, planB] = await Promise.all([a.app.get(SyncScheduler).planRound(), b.app.get(SyncScheduler).planRound()]);
      const startedA = started(planA);
      const startedB = started(planB);
      // Disjoint, and together every due connection: one round, not one batch of it.
      expect(startedA.filter((id) => startedB.includes(id))).toEqual([]);
      expect(new Set([...startedA, ...startedB]).size).toBe(due);
      expect(startedA.length + startedB.length).toBe(due);
      expect([...planA, ...planB].filter((d) => d.decision !== 'started')).toEqual([]);
      // In the database: one pending scheduler session per connection, its seven stages and its job.
      expect(await count(`SELECT count(*) AS n FROM sync_sessions WHERE requested_by = 'scheduler' AND status = 'pending'`)).toBe(due);
      expect(await count(`SELECT count(DISTINCT connection_id) AS n FROM sync_sessions`)).toBe(due);
      expect(await count(`SELECT count(*) AS n FROM sync_stages`)).toBe(due * 7);
      expect(await count(`SELECT count(*) AS n FROM pgboss.job j JOIN sync_sessions s ON s.id = j.id WHERE j.name = 'kinko-sync' AND j.state = 'created'`)).toBe(due);
      // The next round finds none due.
      expect(await Promise.all([a.app.get(SyncScheduler).planRound(), b.app.get(SyncScheduler).planRound()])).toEqual([[], []]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 240_000);

  it('the unattended budget holds across a batch: each connection with a spent account is deferred to when the ledger allows, the others start', async () => {
    // A fresh set of due connections: two days pass (the previous test's sessions are made old and finished, their next refresh has come).
    await client.query(`UPDATE sync_sessions SET created_at = created_at - interval '2 days', finished_at = now() - interval '2 days', status = 'completed'`);
    await client.query(`UPDATE connection_schedules SET next_refresh_at = next_refresh_at - interval '2 days'`);
    const connections = (await client.query<{ id: string; tenant_id: string; user_id: string }>(`SELECT id, tenant_id, user_id FROM connections ORDER BY aggregation_status_changed_at, id`)).rows;
    // Two active accounts per connection. Every third connection: its second account had its 4 accesses (the
    // bank-common-api budget) in the last 24 h; every third plus one: 3 (one left); the rest none.
    await client.query(
      `INSERT INTO bank_accounts (id, tenant_id, user_id, connection_id, bank_account_id, currency_code, import_date)
       SELECT gen_random_uuid(), c.tenant_id, c.user_id, c.id, 'acc-' || k, 'EUR', now() FROM connections c CROSS JOIN generate_series(1, 2) AS k`,
    );
    const now = Date.now();
    const spentAt = (i: number, k: number): number => now - 20 * HOUR + (i % 50) * 60_000 + k * HOUR;
    const ledger: unknown[][] = [];
    connections.forEach((c, i) => {
      const accesses = i % 3 === 0 ? 4 : i % 3 === 1 ? 3 : 0;
      for (let k = 0; k < accesses; k += 1) ledger.push([c.tenant_id, c.user_id, c.id, new Date(spentAt(i, k))]);
    });
    await client.query(
      `INSERT INTO unattended_accesses (tenant_id, user_id, account_id, accessed_at)
       SELECT t.tenant_id, t.user_id, a.id, t.at FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[]) AS t(tenant_id, user_id, connection_id, at)
         JOIN bank_accounts a ON a.connection_id = t.connection_id AND a.bank_account_id = 'acc-2'`,
      [ledger.map((r) => r[0]), ledger.map((r) => r[1]), ledger.map((r) => r[2]), ledger.map((r) => r[3])],
    );
    const booted = await bootSchedulerApp({ databaseUrl: db.url, bank: BANK });
    try {
      const plan = await booted.app.get(SyncScheduler).planRound();
      const byConnection = new Map(plan.map((d) => [d.connectionId, d] as const));
      expect(byConnection.size).toBe(connections.length);
      connections.forEach((c, i) => {
        const d = byConnection.get(c.id);
        // Spent: the next access is allowed 24 h after the oldest of the 4.
        if (i % 3 === 0) expect(d).toEqual({ connectionId: c.id, decision: 'deferred', notBefore: new Date(spentAt(i, 0) + DAY) });
        else expect(d).toMatchObject({ connectionId: c.id, decision: 'started' });
      });
      const deferred = connections.filter((_, i) => i % 3 === 0).map((c) => c.id);
      // No session for a deferred connection; one new one for each of the others.
      expect(await count(`SELECT count(*) AS n FROM sync_sessions WHERE finished_at IS NULL AND connection_id = ANY($1::uuid[])`, [deferred])).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM sync_sessions WHERE finished_at IS NULL`)).toBe(connections.length - deferred.length);
      // Each deferred connection is due again when its budget allows, each started one a refresh interval (6 h) on:
      // the next round reads none of them.
      const nextOf = new Map(
        (await client.query<{ id: string; next_refresh_at: Date }>(`SELECT connection_id AS id, next_refresh_at FROM connection_schedules`)).rows.map((r) => [r.id, r.next_refresh_at.getTime()] as const),
      );
      connections.forEach((c, i) => {
        if (i % 3 === 0) expect(nextOf.get(c.id)).toBe(spentAt(i, 0) + DAY);
        else expect(nextOf.get(c.id)).toBeGreaterThan(now + 6 * HOUR - 60_000);
      });
      expect(await booted.app.get(SyncScheduler).planRound()).toEqual([]);
    } finally {
      await booted.close();
    }
  }, 240_000);
});
