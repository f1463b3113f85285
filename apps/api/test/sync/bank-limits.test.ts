import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { BankLimiter, RATE_BATCH_MAX, SLOT_LINGER_MS } from '../../src/sync/bank-limiter';
import { LOCK_SPACE } from '../../src/sync/sync-locks';
import { SyncService } from '../../src/sync/sync.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type CountingProxy, startCountingProxy } from './counting-proxy';
import { BANK_CODE, type Connected, bankUser, connectUser, credentialsOf, startSandbox, startWorker, syncApp, waitForSession } from './harness';

const MAX_CONCURRENCY = 3;
const REQUESTS_PER_SECOND = 40;

// Two app instances (separate pools, separate limiter connections: two processes as far as
// PostgreSQL can tell), each with 4 workers × 3 accounts in parallel, against one bank
// whose manifest allows 3 requests in flight and 40 per second. A proxy in front of the
// sandbox sees what the bank sees.
describe('per-bank limits hold across worker processes', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let proxy: CountingProxy;
  let a: NestFastifyApplication;
  let b: NestFastifyApplication;
  const users = Array.from({ length: 6 }, (_, i) => bankUser(`limit${i}`, [{ transactions: 300, historyDays: 80 }, { transactions: 250, historyDays: 80 }, { transactions: 10, historyDays: 40 }]));

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox(users);
    proxy = await startCountingProxy(sandbox.url(BANK_CODE));
    const options = { baseUrl: proxy.url, limits: { maxConcurrency: MAX_CONCURRENCY, requestsPerSecond: REQUESTS_PER_SECOND } };
    a = await syncApp(db, sandbox, options);
    b = await syncApp(db, sandbox, options);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await proxy?.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('never more requests in flight than maxConcurrency, never faster than requestsPerSecond (+ the burst), and every sync completes', async () => {
    const connected: Connected[] = [];
    for (const u of users) connected.push(await connectUser(a, sandbox, credentialsOf(u)));
    sandbox.bank(BANK_CODE).knobs.faults.setLatency(25);
    proxy.reset();
    await startWorker(a);
    await startWorker(b);
    const started = Date.now();
    const sessions = await Promise.all(
      connected.map(async (c, i) => {
        const app = i % 2 === 0 ? a : b;
        const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
        return { c, id: sessionIds[0] as string };
      }),
    );
    for (const s of sessions) expect((await waitForSession(a, s.c.scope, s.id, 90_000)).status.status).toBe('completed');
    const elapsed = Date.now() - started;

    expect(proxy.maxInFlight()).toBeLessThanOrEqual(MAX_CONCURRENCY);
    expect(proxy.maxInFlight()).toBeGreaterThanOrEqual(2); // the limit is used, not just obeyed by running one at a time
    const starts = proxy.starts().sort((x, y) => x - y);
    const burst = Math.ceil(REQUESTS_PER_SECOND / 5);
    let worstSecond = 0;
    for (let i = 0, j = 0; i < starts.length; i += 1) {
      while ((starts[i] as number) - (starts[j] as number) >= 1_000) j += 1;
      worstSecond = Math.max(worstSecond, i - j + 1);
    }
    expect(worstSecond).toBeLessThanOrEqual(REQUESTS_PER_SECOND + burst);
    // Both processes did the work.
    const limiterA = a.get(BankLimiter).statistics();
    const limiterB = b.get(BankLimiter).statistics();
    expect(limiterA.acquired).toBeGreaterThan(0);
    expect(limiterB.acquired).toBeGreaterThan(0);
    const requests = limiterA.acquired + limiterB.acquired;
    // Every acquisition is a request the bank received: none is spent on the pull after a
    // list's last page, which sends nothing (the SDK marks that page: isLastPage).
    expect(requests).toBe(starts.length);
    const queriesPerRequest = (limiterA.queries + limiterB.queries) / requests;
    process.stdout.write(
      `bank limits under contention: ${starts.length} bank requests in ${elapsed} ms; max in flight ${proxy.maxInFlight()}/${MAX_CONCURRENCY}; ` +
        `busiest second ${worstSecond}/${REQUESTS_PER_SECOND}(+${burst}); ${queriesPerRequest.toFixed(1)} limiter queries per request\n`,
    );
  });

  // Speed belongs to tools/bench; here only the deterministic cost: the number of queries.
  const slotLocks = async (connectorId: string): Promise<number> => {
    const rows = (await a.get(DataSource).query(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid::bigint IN (SELECT (hashtext($2 || ':' || i) & 4294967295::bigint) FROM generate_series(0, 9) i)`,
      [LOCK_SPACE.connectorSlot, connectorId],
    )) as Array<{ n: number }>;
    return rows[0]?.n ?? 0;
  };

  it('costs one rate reservation per batch of requests and no slot query while the process keeps the bank busy; an idle slot is unlocked after the linger', async () => {
    const limiter = a.get(BankLimiter);
    const before = limiter.statistics();
    const n = 300;
    for (let i = 0; i < n; i += 1) await limiter.run('overhead-probe', { maxConcurrency: 4, requestsPerSecond: 1_000_000 }, () => Promise.resolve());
    const after = limiter.statistics();
    // One rate reservation per RATE_BATCH_MAX requests; the slot is locked again (and unlocked) only once per SLOT_MAX_HOLD_MS.
    const perRequest = (after.queries - before.queries) / n;
    expect(perRequest).toBeGreaterThanOrEqual(1 / RATE_BATCH_MAX);
    expect(perRequest).toBeLessThan(1 / RATE_BATCH_MAX + 0.1);
    // Kept for the next request a moment at most, then unlocked: another process may have it.
    expect(await slotLocks('overhead-probe')).toBeLessThanOrEqual(1);
    await new Promise((r) => setTimeout(r, SLOT_LINGER_MS * 4));
    expect(await slotLocks('overhead-probe')).toBe(0);
  });

  it('a process waiting for a slot another process holds tries all the free ones in one query per round, and takes the one freed', async () => {
    const limits = { maxConcurrency: 10, requestsPerSecond: 1_000_000 };
    // Process a holds all 10 slots (its requests in flight until released).
    let releaseA!: () => void;
    const held = new Promise<void>((r) => (releaseA = r));
    let inFlight = 0;
    let allIn!: () => void;
    const allHeld = new Promise<void>((r) => (allIn = r));
    const aRuns = Array.from({ length: 10 }, () =>
      a.get(BankLimiter).run('slot-probe', limits, async () => {
        if ((inFlight += 1) === 10) allIn();
        await held;
      }),
    );
    await allHeld;
    expect(await slotLocks('slot-probe')).toBe(10);
    const limiter = b.get(BankLimiter);
    const before = limiter.statistics().queries;
    let ran = false;
    const bRun = limiter.run('slot-probe', limits, () => {
      ran = true;
      return Promise.resolve();
    });
    await new Promise((r) => setTimeout(r, 150));
    // Several rounds in 150 ms, each ONE query for the 10 slots (one query per slot and round before: 10 at least).
    const waiting = limiter.statistics().queries - before;
    expect(ran).toBe(false);
    expect(waiting).toBeGreaterThanOrEqual(1);
    expect(waiting).toBeLessThan(10);
    releaseA();
    await Promise.all(aRuns);
    await bRun;
    expect(ran).toBe(true);
    await new Promise((r) => setTimeout(r, SLOT_LINGER_MS * 4)); // idle slots unlocked before the next test
    expect(await slotLocks('slot-probe')).toBe(0);
  });

  it('batched rate reservations of two processes together never pass requestsPerSecond + the burst in any second', async () => {
    const RPS = 100;
    const burst = Math.ceil(RPS / 5);
    const starts: number[] = [];
    const fire = (app: NestFastifyApplication): Promise<void[]> =>
      Promise.all(
        Array.from({ length: 150 }, () =>
          app.get(BankLimiter).run('rate-probe', { maxConcurrency: 50, requestsPerSecond: RPS }, async () => {
            starts.push(Date.now());
            await new Promise((r) => setTimeout(r, 5));
          }),
        ),
      );
    const begun = Date.now();
    await Promise.all([fire(a), fire(b)]);
    const elapsed = Date.now() - begun;
    starts.sort((x, y) => x - y);
    let worstSecond = 0;
    for (let i = 0, j = 0; i < starts.length; i += 1) {
      while ((starts[i] as number) - (starts[j] as number) >= 1_000) j += 1;
      worstSecond = Math.max(worstSecond, i - j + 1);
    }
    process.stdout.write(`rate probe: 300 requests at ${RPS}/s in ${elapsed} ms, busiest second ${worstSecond}/${RPS}(+${burst})\n`);
    expect(worstSecond).toBeLessThanOrEqual(RPS + burst);
    // The rate was the limit: 300 requests cannot pass in less than (300 − the burst) ÷ RPS seconds.
    expect(elapsed).toBeGreaterThanOrEqual(((300 - burst) / RPS) * 1000 * 0.95);
    await new Promise((r) => setTimeout(r, SLOT_LINGER_MS * 4)); // its idle slots unlocked before the next test counts queries
  });

  it('a lone request to an idle bank costs three queries (slot lock, rate, unlock); one right after it none', async () => {
    const limiter = a.get(BankLimiter);
    const limits = { maxConcurrency: 2, requestsPerSecond: 1_000 };
    const before = limiter.statistics().queries;
    await limiter.run('lone-probe', limits, () => Promise.resolve());
    expect(limiter.statistics().queries - before).toBe(2); // locked, rate reserved; the slot is kept a moment
    expect(await slotLocks('lone-probe')).toBe(1);
    await limiter.run('lone-probe', limits, () => Promise.resolve());
    expect(limiter.statistics().queries - before).toBe(2); // the kept slot, a token of the reserved batch
    await new Promise((r) => setTimeout(r, SLOT_LINGER_MS * 4));
    expect(limiter.statistics().queries - before).toBe(3); // unlocked after the linger
    expect(await slotLocks('lone-probe')).toBe(0);
  });

  it("a slot this process releases while every slot is its own goes to the caller looking for one at once, not after that caller's pause", async () => {
    const limiter = a.get(BankLimiter);
    const limits = { maxConcurrency: 1, requestsPerSecond: 1_000_000 };
    let finishFirst!: () => void;
    let firstStarted!: () => void;
    const first = limiter.run('handover-probe', limits, () => {
      firstStarted();
      return new Promise<void>((resolve) => (finishFirst = resolve));
    });
    await new Promise<void>((resolve) => (firstStarted = resolve));
    // The pauses of the caller that looks for a slot never end from here on (timers frozen;
    // PostgreSQL's I/O and promises run): only the hand-over of the released slot can start it.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'Date', 'performance', 'hrtime'] });
    let secondStarted = false;
    const second = limiter.run('handover-probe', limits, () => {
      secondStarted = true;
      return Promise.resolve();
    });
    try {
      const turns = (n: number): Promise<void> => (n === 0 ? Promise.resolve() : new Promise<void>((r) => setImmediate(r)).then(() => turns(n - 1)));
      await turns(20); // the second caller has found every slot taken (by this process) and pauses
      expect(secondStarted).toBe(false);
      finishFirst();
      const bound = performance.now() + 5_000;
      while (!secondStarted && performance.now() < bound) await turns(1);
      expect(secondStarted).toBe(true);
      await Promise.all([first, second]);
    } finally {
      jest.useRealTimers();
    }
    await new Promise((r) => setTimeout(r, SLOT_LINGER_MS * 4));
  });
});
