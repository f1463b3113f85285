import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { UserTokensService } from '../../src/auth/user-tokens.service';
import { MetricsService } from '../../src/metrics/metrics.service';
import { SyncService } from '../../src/sync/sync.service';
import { readReply } from '../support/http-reply';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type CountingProxy, startCountingProxy } from './counting-proxy';
import { BANK_CODE, type Connected, bankUser, connectUser, credentialsOf, startSandbox, startWorker, syncApp, waitForSession } from './harness';

// Issue 19: the worker keeps its slots full. A slot that frees up takes the next queued
// session at once (pg-boss alone waits out the rest of its polling interval after every job,
// with sessions still queued), a session queued by this process wakes an idle worker, and one
// session's independent requests (its accounts) are in flight together, while the bank's
// maxConcurrency is never exceeded.
describe('sync worker: dispatch and overlap', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let proxy: CountingProxy;
  const users = Array.from({ length: 4 }, (_, i) => bankUser(`dispatch${i}`, [{ transactions: 30, historyDays: 30 }, { transactions: 20, historyDays: 30 }, { transactions: 10, historyDays: 30 }]));

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox(users);
    proxy = await startCountingProxy(sandbox.url(BANK_CODE));
  });
  afterAll(async () => {
    await proxy?.close();
    await sandbox?.close();
    await db?.drop();
  });

  const connectAll = async (app: NestFastifyApplication): Promise<Connected[]> => {
    const out: Connected[] = [];
    for (const u of users) out.push(await connectUser(app, sandbox, credentialsOf(u)));
    return out;
  };
  const startAll = (app: NestFastifyApplication, connected: readonly Connected[]): Promise<Array<{ c: Connected; id: string }>> =>
    Promise.all(
      connected.map(async (c) => {
        const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
        return { c, id: sessionIds[0] as string };
      }),
    );

  it('a slot that frees up starts the next queued session without waiting for the polling interval', async () => {
    const POLL_S = 8;
    // One slot, a long polling interval: four queued sessions run back to back.
    const app = await syncApp(db, sandbox, { sync: { concurrency: 1, pollingIntervalSeconds: POLL_S } });
    try {
      const connected = await connectAll(app);
      const sessions = await startAll(app, connected);
      await startWorker(app);
      for (const s of sessions) expect((await waitForSession(app, s.c.scope, s.id, 90_000)).status.status).toBe('completed');
      const rows = (await app.get(DataSource).query(`SELECT started_at, finished_at FROM sync_sessions WHERE id = ANY($1::uuid[]) ORDER BY started_at`, [sessions.map((s) => s.id)])) as Array<{
        started_at: Date;
        finished_at: Date;
      }>;
      expect(rows).toHaveLength(sessions.length);
      const gaps = rows.slice(1).map((r, i) => r.started_at.getTime() - (rows[i] as { finished_at: Date }).finished_at.getTime());
      process.stdout.write(`gaps between one session's end and the next one's start (one slot, ${POLL_S} s polling): ${gaps.join(', ')} ms\n`);
      // pg-boss's own loop would wait out the rest of the interval (≈ POLL_S s minus the session) between them.
      for (const gap of gaps) expect(gap).toBeLessThan(2_000);
    } finally {
      await app.close();
    }
  }, 120_000);

  it('a session queued while the workers are idle starts at once, not at their next poll', async () => {
    const POLL_S = 8;
    const app = await syncApp(db, sandbox, { sync: { concurrency: 2, pollingIntervalSeconds: POLL_S } });
    try {
      const connected = await connectAll(app);
      await startWorker(app);
      // Both workers fetched (nothing) and sleep until their next poll.
      await new Promise((r) => setTimeout(r, 1_000));
      const sessions = await startAll(app, connected.slice(0, 2));
      for (const s of sessions) expect((await waitForSession(app, s.c.scope, s.id, 90_000)).status.status).toBe('completed');
      const rows = (await app.get(DataSource).query(`SELECT created_at, started_at FROM sync_sessions WHERE id = ANY($1::uuid[])`, [sessions.map((s) => s.id)])) as Array<{
        created_at: Date;
        started_at: Date;
      }>;
      const waits = rows.map((r) => r.started_at.getTime() - r.created_at.getTime());
      process.stdout.write(`queued → started, idle workers with ${POLL_S} s polling: ${waits.join(', ')} ms\n`);
      for (const wait of waits) expect(wait).toBeLessThan(2_000);
    } finally {
      await app.close();
    }
  }, 120_000);

  it('a worker runs as many sessions at once as its concurrency, more than the bank allows requests, on one run-lock connection; the bank limit holds', async () => {
    const MAX = 2;
    const N = users.length;
    const app = await syncApp(db, sandbox, { baseUrl: proxy.url, limits: { maxConcurrency: MAX, requestsPerSecond: 1_000 }, sync: { concurrency: N, watchdogIntervalMs: 600_000 } });
    try {
      const connected = await connectAll(app);
      sandbox.bank(BANK_CODE).knobs.faults.setLatency(60);
      proxy.reset();
      await startWorker(app);
      const dataSource = app.get(DataSource);
      let lockConnections = 0;
      let watching = true;
      const watch = (async () => {
        while (watching) {
          const rows = (await dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'kinko-sync-locks' AND datname = current_database()`)) as Array<{ n: number }>;
          lockConnections = Math.max(lockConnections, rows[0]?.n ?? 0);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const sessions = await startAll(app, connected);
      for (const s of sessions) expect((await waitForSession(app, s.c.scope, s.id, 90_000)).status.status).toBe('completed');
      watching = false;
      await watch;
      const rows = (await dataSource.query(`SELECT started_at, finished_at FROM sync_sessions WHERE id = ANY($1::uuid[])`, [sessions.map((s) => s.id)])) as Array<{ started_at: Date; finished_at: Date }>;
      // The most sessions running at one instant (each session's [start, end]).
      const atOnce = Math.max(...rows.map((r) => rows.filter((o) => o.started_at <= r.started_at && o.finished_at > r.started_at).length));
      process.stdout.write(`concurrency ${N}: ${atOnce} sessions at once, ${proxy.maxInFlight()}/${MAX} requests in flight at most, ${lockConnections} lock-pool connection(s)\n`);
      expect(atOnce).toBe(N);
      expect(proxy.maxInFlight()).toBe(MAX);
      // Every running session's run lock is held by the process's one run-lock connection (not one connection each).
      expect(lockConnections).toBe(1);
    } finally {
      sandbox.bank(BANK_CODE).knobs.faults.setLatency(0);
      await app.close();
    }
  }, 120_000);

  it('an idle worker polls the queue once per polling interval, whatever its concurrency', async () => {
    const app = await syncApp(db, sandbox, { sync: { concurrency: 12, pollingIntervalSeconds: 0.5, watchdogIntervalMs: 600_000 } });
    const original = Client.prototype.query;
    let fetches = 0;
    try {
      await startWorker(app);
      // Every slot fetches once as it starts; then only the process's poll.
      await new Promise((r) => setTimeout(r, 1_000));
      (Client.prototype as unknown as { query: unknown }).query = function (this: Client, ...args: unknown[]): unknown {
        const q = args[0] as string | { text?: string; values?: unknown[] } | undefined;
        const text = typeof q === 'string' ? q : (q?.text ?? '');
        const values = (typeof q === 'string' ? args[1] : q?.values) as unknown[] | undefined;
        if (text.includes('FOR UPDATE SKIP LOCKED') && values?.[0] === 'kinko-sync') fetches += 1;
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      };
      await new Promise((r) => setTimeout(r, 3_000));
    } finally {
      (Client.prototype as unknown as { query: unknown }).query = original;
      await app.close();
    }
    process.stdout.write(`idle worker, concurrency 12, 0.5 s polling: ${fetches} fetches of the sync queue in 3 s\n`);
    // One per 0.5 s (6), not one per slot per 0.5 s (72).
    expect(fetches).toBeGreaterThanOrEqual(4);
    expect(fetches).toBeLessThanOrEqual(8);
  }, 60_000);

  it('a session queued by another process starts at once in an idle worker, not at its next poll', async () => {
    const POLL_S = 8;
    // Two processes as PostgreSQL sees them (own pools, own queue connections): `api` queues, `worker` runs.
    const api = await syncApp(db, sandbox);
    const worker = await syncApp(db, sandbox, { sync: { concurrency: 2, pollingIntervalSeconds: POLL_S, watchdogIntervalMs: 600_000 } });
    try {
      const connected = await connectAll(api);
      await startWorker(worker);
      // The worker's slots fetched (nothing) and sleep until its next poll.
      await new Promise((r) => setTimeout(r, 1_000));
      const sessions = await startAll(api, connected.slice(0, 2));
      for (const s of sessions) expect((await waitForSession(api, s.c.scope, s.id, 90_000)).status.status).toBe('completed');
      const rows = (await api.get(DataSource).query(`SELECT created_at, started_at FROM sync_sessions WHERE id = ANY($1::uuid[])`, [sessions.map((s) => s.id)])) as Array<{
        created_at: Date;
        started_at: Date;
      }>;
      const waits = rows.map((r) => r.started_at.getTime() - r.created_at.getTime());
      process.stdout.write(`queued by another process → started, idle worker with ${POLL_S} s polling: ${waits.join(', ')} ms\n`);
      expect(rows).toHaveLength(2);
      for (const wait of waits) expect(wait).toBeLessThan(2_000);
    } finally {
      await worker.close();
      await api.close();
    }
  }, 120_000);

  it("one session's requests for its accounts are in flight together, never more than the bank's maxConcurrency", async () => {
    const MAX = 2;
    const app = await syncApp(db, sandbox, { baseUrl: proxy.url, limits: { maxConcurrency: MAX, requestsPerSecond: 1_000 } });
    try {
      const connected = await connectAll(app);
      sandbox.bank(BANK_CODE).knobs.faults.setLatency(60);
      proxy.reset();
      await startWorker(app);
      // One session at a time: whatever overlaps belongs to that one session.
      for (const c of connected) {
        const [s] = await startAll(app, [c]);
        if (!s) throw new Error('no session started');
        expect((await waitForSession(app, s.c.scope, s.id, 90_000)).status.status).toBe('completed');
        expect(proxy.maxInFlight()).toBe(MAX);
        proxy.reset();
      }
    } finally {
      sandbox.bank(BANK_CODE).knobs.faults.setLatency(0);
      await app.close();
    }
  }, 120_000);

  it('with a database pool of one connection, sessions run to their end and each end is reported: nothing holds a pooled connection while it waits for another', async () => {
    // A statement sent on the pool while the same flow holds one of its connections (a nested
    // acquisition) waits here for ever (the pool's connect timeout): with as many sessions at once as
    // the pool has connections, that is what starved the pool at concurrency 40 (e59b69f).
    const app = await syncApp(db, sandbox, { poolSize: 1, sync: { concurrency: 3, watchdogIntervalMs: 600_000 } });
    try {
      const connected = await connectAll(app);
      await startWorker(app);
      const sessions = await startAll(app, connected);
      for (const s of sessions) expect((await waitForSession(app, s.c.scope, s.id, 90_000)).status.status).toBe('completed');
      // The end of each session is reported once its last transaction commits (metrics/session-ends.ts);
      // a report that waited for a second connection would be dropped when the pool gave up.
      const counted = (await app.get(MetricsService).render())
        .split('\n')
        .filter((l) => l.startsWith('kinko_sync_sessions_total{'))
        .reduce((n, l) => n + Number(l.split(' ')[1]), 0);
      expect(counted).toBe(sessions.length);
    } finally {
      await app.close();
    }
  }, 120_000);

  it('a worker running more sessions than its database pool has connections completes them all while the API in the same process answers over HTTP', async () => {
    // Concurrency above the pool size degrades to waiting for a connection in turn, never to a
    // pool where every holder waits for another (the API then answered 503 'database unavailable').
    const app = await syncApp(db, sandbox, { poolSize: 2, limits: { maxConcurrency: 10, requestsPerSecond: 1_000 }, sync: { concurrency: 8, watchdogIntervalMs: 600_000 } });
    try {
      await app.listen(0, '127.0.0.1');
      const base = await app.getUrl();
      const connected = await connectAll(app);
      sandbox.bank(BANK_CODE).knobs.faults.setLatency(20);
      await startWorker(app);
      const sessions = await startAll(app, connected);
      const statuses: number[] = [];
      await Promise.all(
        sessions.map(async (s) => {
          const token = (await app.get(UserTokensService).mint(s.c.scope)).token;
          for (;;) {
            const reply = await readReply(await fetch(`${base}/api/v2/bank/session/${s.id}/status`, { headers: { authorization: `Bearer ${token}` } }));
            statuses.push(reply.status);
            if (reply.status !== 200) throw new Error(`the API answered ${reply.status} while the worker ran: ${reply.text}`);
            const view = reply.json as { finishedAt: string | null; status: string };
            if (view.finishedAt) {
              expect(view.status).toBe('completed');
              return;
            }
          }
        }),
      );
      process.stdout.write(`concurrency 8 on a pool of 2: ${sessions.length} sessions completed, ${statuses.length} status reads over HTTP meanwhile, all 200\n`);
      expect(statuses.length).toBeGreaterThan(sessions.length);
    } finally {
      sandbox.bank(BANK_CODE).knobs.faults.setLatency(0);
      await app.close();
    }
  }, 120_000);
});
