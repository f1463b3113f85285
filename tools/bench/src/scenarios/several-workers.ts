import { Client } from 'pg';
import type { AppProcess } from '../env/app';
import {
  BENCH_BANK_ID,
  type BenchBank,
  type ConnectedUser,
  type RunningApp,
  assertAllCompleted,
  appPrerequisite,
  connectAndSyncUsers,
  sandboxAccountIds,
  startApp,
  startBenchBank,
  waitForSessions,
} from '../env/bank-world';
import { InFlightProxy } from '../env/in-flight-proxy';
import { inParallel } from '../env/kinko-client';
import { duration, int } from '../progress';
import type { FigureResult } from '../results';
import { ALLOWED_CONCURRENCY } from './full-sync';
import type { Scenario } from './types';

interface WorkersState {
  readonly bank: BenchBank;
  readonly proxy: InFlightProxy;
  readonly app: RunningApp;
  readonly databaseUrl: string;
  readonly users: readonly ConnectedUser[];
  readonly accounts: readonly string[];
}

interface Variant {
  readonly workers: number;
  readonly sessions: number;
  readonly spanS: number;
  readonly perS: number;
  readonly peakInFlight: number;
  readonly requests: number;
}

const WORKER_COUNTS = [1, 2] as const;

/**
 * Exactly once, from the database: one queue job per session, completed without a retry,
 * and one session per connection in the round. Throws with what it found otherwise.
 */
async function assertRanOnce(client: Client, sessionIds: readonly string[], connections: number): Promise<void> {
  const read = async (): Promise<{ n: string; completed: string; retried: string } | undefined> =>
    (
      await client.query<{ n: string; completed: string; retried: string }>(
        `SELECT count(*)::text AS n, count(*) FILTER (WHERE state = 'completed')::text AS completed, count(*) FILTER (WHERE retry_count > 0)::text AS retried
           FROM pgboss.job WHERE id = ANY($1::uuid[])`,
        [sessionIds],
      )
    ).rows[0];
  // A worker marks the job completed just after the session's own commit: wait (bounded) for the last ones.
  let j = await read();
  for (const deadline = Date.now() + 30_000; Number(j?.completed) < sessionIds.length && Date.now() < deadline; j = await read()) await new Promise((r) => setTimeout(r, 200));
  const perConnection = await client.query<{ n: string }>(`SELECT count(DISTINCT connection_id)::text AS n FROM sync_sessions WHERE id = ANY($1::uuid[])`, [sessionIds]);
  const distinct = Number(perConnection.rows[0]?.n ?? 0);
  if (Number(j?.n) !== sessionIds.length || Number(j?.completed) !== sessionIds.length || Number(j?.retried) !== 0 || distinct !== connections || sessionIds.length !== connections)
    throw new Error(
      `a session ran more than once or not at all: ${sessionIds.length} sessions for ${connections} connections (${distinct} distinct), queue jobs ${j?.n ?? 0} (completed ${j?.completed ?? 0}, retried ${j?.retried ?? 0})`,
    );
}

/**
 * Scenario — several workers on one queue (reported; no target on 2 cores): the same
 * re-syncs run by one worker process, then by two. Throughput of each; every session run
 * once; never more requests in flight at the bank than the connector's manifest allows.
 */
export const severalWorkersScenario: Scenario<WorkersState> = {
  id: 'several-workers',
  title: 'Several workers: 1 vs 2 worker processes on one queue',
  method: [
    "Setup: users at the sandbox bank with 3 accounts each, connected through the API (`serve` with KINKO_WORKER=false) and fully synced by a worker, untimed. The workers measured reach the bank through a loopback proxy of the bench that counts the requests in flight (from arrival to the answer sent back: inside the app's limiter slot, around the bank's work); `serve` does not.",
    "Per run, with 1 then 2 `worker` processes (started as the app's `worker` script starts them, on the same database and queue; the order alternates per run): one new transaction on every account, the sandbox latency set, the workers started, then every user asks for a sync through the API (POST /api/v2/bank/{bankId}/sync); throughput = sessions ÷ (first session start to last finish, sync_sessions); the workers are stopped.",
    `Checked in every run, or it fails: every session completed, each one's queue job completed once without a retry (pgboss.job), one session per connection. Reported: the most requests in flight at the proxy against the ${ALLOWED_CONCURRENCY} the connector manifest allows (maxConcurrency, the limiter's bound across processes).`,
  ],
  parameters: (s) => ({
    users: s.severalWorkers.users,
    accountsPerUser: s.severalWorkers.accountsPerUser,
    historyDays: s.severalWorkers.historyDays,
    transactionsPerDay: s.severalWorkers.perDay,
    latencyMs: s.severalWorkers.latencyMs,
    allowedConcurrency: ALLOWED_CONCURRENCY,
  }),
  figures: [
    {
      id: 'throughput',
      label: 'Sessions per second with 2 workers',
      unit: 'sessions/s',
      floorLabel: 'with 1 worker',
      floorUnit: 'sessions/s',
      target: { text: 'reported, no target on 2 cores (ratio ≥ 0)', comparator: '>=', threshold: 0 },
    },
    {
      id: 'in-flight',
      label: 'Most requests in flight at the bank, 2 workers',
      unit: 'requests',
      floorLabel: "the manifest's maxConcurrency",
      floorUnit: 'requests',
      target: { text: '≤ the bank’s limit (≤ 1.0×)', comparator: '<=', threshold: 1 },
    },
  ],

  prerequisite: appPrerequisite,

  async setup(ctx) {
    const s = ctx.sizes.severalWorkers;
    const appUnderTest = ctx.app;
    if (!appUnderTest) throw new Error('no app');
    const logins = Array.from({ length: s.users }, (_, i) => `workers-${String(i).padStart(5, '0')}`);
    const bank = await startBenchBank(logins.map((id) => ({ id, accounts: s.accountsPerUser, transactionsPerAccount: s.perDay * s.historyDays, historyDays: s.historyDays })));
    let proxy: InFlightProxy | undefined;
    let app: RunningApp | undefined;
    let worker: AppProcess | undefined;
    try {
      proxy = await InFlightProxy.start(bank.entry.baseUrl);
      const databaseUrl = await ctx.freshDatabase('bench_several_workers');
      app = await startApp(ctx, databaseUrl, bank, { worker: false, name: 'several-workers' });
      worker = await appUnderTest.worker(app.config);
      const users = await connectAndSyncUsers(app, databaseUrl, logins, ctx.progress);
      await worker.stop();
      const accounts = sandboxAccountIds(bank, logins);
      return { bank, proxy, app, databaseUrl, users, accounts };
    } catch (e) {
      await worker?.stop();
      await app?.stop();
      await proxy?.close();
      await bank.close();
      throw e;
    }
  },

  async run(ctx, state, runIndex) {
    const s = ctx.sizes.severalWorkers;
    const appUnderTest = ctx.app;
    if (!appUnderTest) throw new Error('no app');
    const knobs = state.bank.bank.knobs;
    const viaProxy = { KINKO_BANKS: JSON.stringify([{ ...state.bank.entry, baseUrl: state.proxy.url }]) };
    const order = runIndex % 2 === 0 ? [...WORKER_COUNTS] : [...WORKER_COUNTS].reverse();
    const variants = new Map<number, Variant>();
    const client = new Client({ connectionString: state.databaseUrl, application_name: 'kinko-bench' });
    await client.connect();
    try {
      for (const count of order) {
        for (const accountId of state.accounts) knobs.insertTransaction(accountId, { amount: 3_000 + runIndex, description: `bench workers ${runIndex}` });
        const workers: AppProcess[] = [];
        try {
          for (let i = 0; i < count; i += 1) workers.push(await appUnderTest.worker(state.app.config, viaProxy));
          knobs.faults.setLatency(s.latencyMs);
          state.bank.sandbox.requestLog.clear();
          state.proxy.reset();
          const sessionIds = (await inParallel(state.users, 8, (u) => state.app.client.syncBank(u.user, BENCH_BANK_ID))).flat();
          const outcome = await waitForSessions(state.databaseUrl, sessionIds, ctx.progress, 3600_000);
          knobs.faults.setLatency(0);
          assertAllCompleted(outcome, `${count}-worker re-sync`);
          await assertRanOnce(client, sessionIds, state.users.length);
          const { peak, requests } = state.proxy.stats();
          const logged = state.bank.bank.requests().length;
          if (requests !== logged) throw new Error(`${logged} requests reached the bank but ${requests} went through the proxy: a worker bypassed it`);
          const spanS = outcome.spanMs / 1000;
          variants.set(count, { workers: count, sessions: sessionIds.length, spanS, perS: sessionIds.length / spanS, peakInFlight: peak, requests });
          ctx.progress.step(`run ${runIndex + 1}, ${count} worker(s): ${int(sessionIds.length)} sessions in ${duration(outcome.spanMs)}, ${int(requests)} requests, at most ${peak} in flight`);
        } finally {
          knobs.faults.setLatency(0);
          for (const w of workers) await w.stop();
        }
      }
    } finally {
      await client.end();
    }
    const one = variants.get(1);
    const two = variants.get(2);
    if (!one || !two) throw new Error('a variant did not run');
    return {
      figures: { throughput: { value: two.perS, floor: one.perS }, 'in-flight': { value: two.peakInFlight, floor: ALLOWED_CONCURRENCY } },
      details: {
        sessions: one.sessions,
        oneWorkerSpanS: one.spanS,
        twoWorkersSpanS: two.spanS,
        oneWorkerSessionsPerS: one.perS,
        twoWorkersSessionsPerS: two.perS,
        oneWorkerPeakInFlight: one.peakInFlight,
        twoWorkersPeakInFlight: two.peakInFlight,
        oneWorkerRequests: one.requests,
        twoWorkersRequests: two.requests,
        allowedConcurrency: ALLOWED_CONCURRENCY,
      },
    };
  },

  async teardown(ctx, state) {
    await state.app.stop();
    await state.proxy.close();
    await state.bank.close();
    await ctx.postgres.dropDatabase('bench_several_workers');
  },

  explain(_figures: readonly FigureResult[], details) {
    const d = details[details.length - 1] ?? {};
    return [
      `Last run: ${int(d['sessions'] ?? 0)} sessions in ${(d['oneWorkerSpanS'] ?? 0).toFixed(2)} s with 1 worker (${(d['oneWorkerSessionsPerS'] ?? 0).toFixed(1)}/s, at most ${d['oneWorkerPeakInFlight'] ?? 0} requests in flight) and ${(d['twoWorkersSpanS'] ?? 0).toFixed(2)} s with 2 (${(d['twoWorkersSessionsPerS'] ?? 0).toFixed(1)}/s, at most ${d['twoWorkersPeakInFlight'] ?? 0} in flight; ${d['allowedConcurrency'] ?? 0} allowed); every session ran once (queue jobs completed without a retry). On 2 cores shared with PostgreSQL and the sandbox, a second worker process adds little CPU to share: this is reported, not a target.`,
    ];
  },
};
