import { Client } from 'pg';
import type { AppProcess } from '../env/app';
import {
  type BenchBank,
  type RunningApp,
  type SessionsOutcome,
  assertAllCompleted,
  type PollAnswer,
  appPrerequisite,
  connectAndSyncUsers,
  pollDatabase,
  sandboxAccountIds,
  profileDetails,
  profileSessions,
  startApp,
  startBenchBank,
  waitForSessions,
} from '../env/bank-world';
import { type Progress, duration, int } from '../progress';
import type { FigureResult } from '../results';
import { untracked } from '../env/postgres';
import { ALLOWED_CONCURRENCY, networkFloorFigure, networkFloorS as networkFloorOf, sessionMissEvidence, startCostWindow } from '../evidence';
import type { Scenario } from './types';

interface DailyRefreshState {
  readonly bank: BenchBank;
  readonly app: RunningApp;
  readonly worker: AppProcess;
  readonly databaseUrl: string;
  readonly connections: number;
  /** The sandbox account ids of every user. */
  readonly accounts: readonly string[];
}

/**
 * How often the bench's worker runs the scheduler's planning round (KINKO_SYNC
 * schedulerIntervalMs; the app's default is 60 s). Only the wait before the first round
 * changes: the figure is timed from the first session the scheduler created.
 */
export const BENCH_SCHEDULER_INTERVAL_MS = 1_000;

/**
 * "A day passes" for the connections of a database: every sync session, every unattended
 * access and every connection's next planned refresh (`connection_schedules.next_refresh_at`, which the scheduler
 * sets when it sees a connection) is moved 24 hours into the past (set-up, not timed). The
 * scheduler then finds each connection due (its next refresh passed, its last session older
 * than refreshIntervalMinutes) and each account with its whole unattended budget for the day.
 */
export async function ageByOneDay(client: Client): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(
      `UPDATE sync_sessions SET created_at = created_at - interval '24 hours', started_at = started_at - interval '24 hours', finished_at = finished_at - interval '24 hours'`,
    );
    await client.query(`UPDATE unattended_accesses SET accessed_at = accessed_at - interval '24 hours'`);
    await client.query(`UPDATE connection_schedules SET next_refresh_at = next_refresh_at - interval '24 hours' WHERE next_refresh_at > '-infinity'`);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  }
}

/**
 * Waits until the scheduler has created a session for `connections` connections after `since`
 * (the database's clock) and every one of them has finished; their ids.
 */
export async function waitForScheduledSessions(databaseUrl: string, since: Date, connections: number, progress: Progress, timeoutMs: number): Promise<string[]> {
  const look = async (client: Client): Promise<PollAnswer> => {
    const r = await client.query<{ created: string; finished: string }>(
      `SELECT count(DISTINCT connection_id)::text AS created, count(*) FILTER (WHERE finished_at IS NOT NULL)::text AS finished
         FROM sync_sessions WHERE requested_by = 'scheduler' AND created_at > $1`,
      [since],
    );
    const created = Number(r.rows[0]?.created ?? 0);
    const finished = Number(r.rows[0]?.finished ?? 0);
    return {
      done: created >= connections && finished >= created,
      progress: `scheduler: ${int(created)} of ${int(connections)} connections started, ${int(finished)} finished…`,
      late: `the scheduler started ${created} of ${connections} connections' refresh and ${finished} finished within ${duration(timeoutMs)}`,
    };
  };
  return pollDatabase(databaseUrl, progress, timeoutMs, look, async (client) => {
    const ids = await client.query<{ id: string }>(`SELECT id FROM sync_sessions WHERE requested_by = 'scheduler' AND created_at > $1`, [since]);
    return ids.rows.map((row) => row.id);
  });
}

/** First creation (the scheduler's first decision) to last finish of a set of sessions, in ms. */
async function spanFromCreation(client: Client, sessionIds: readonly string[]): Promise<number> {
  const r = await client.query<{ ms: string }>(`SELECT (EXTRACT(EPOCH FROM (max(finished_at) - min(created_at))) * 1000)::text AS ms FROM sync_sessions WHERE id = ANY($1::uuid[])`, [sessionIds]);
  return Number(r.rows[0]?.ms ?? 0);
}

/**
 * Scenario — the daily refresh, unattended: users × 3 accounts fully synced, then a day
 * passes and the scheduler (not the API) starts every connection's background refresh,
 * run by one worker process as deployed, against the sandbox bank at 20 ms per request.
 * Wall time vs the network floor; per refreshed account the requests, the CPU of the worker,
 * of PostgreSQL and of the bank, and the accounts one core refreshes per hour.
 */
export const dailyRefreshScenario: Scenario<DailyRefreshState> = {
  id: 'daily-refresh',
  title: 'Daily refresh, unattended (the scheduler)',
  method: [
    "Setup: users at the sandbox bank with 3 accounts each; the app as `serve` with KINKO_WORKER=false (no scheduler in the API process) and one `worker` process started as the app's `worker` script starts it (its Node flags), with KINKO_SYNC schedulerIntervalMs " +
      `${BENCH_SCHEDULER_INTERVAL_MS} ms instead of the default 60 s (only the wait before the first planning round changes; the refresh interval, batch and budget are the app's). Every user is created and connected through the API (redirect flow) and that worker runs the first full syncs, untimed.`,
    'Per run (set-up, untimed): one new transaction is booked on every account (sandbox knob); "a day passes" — every sync session, every unattended access and every connection’s next planned refresh is moved 24 hours into the past in the database (the scheduler then finds every connection due and every account with its whole unattended budget); the sandbox latency is set and its request log cleared.',
    "Measured: the worker's scheduler plans the refreshes on its own and the worker runs them. Wall time = the first session the scheduler created to the last session's finish (sync_sessions); every connection must get one `scheduler` session, every session must complete and every account must be recorded in the unattended-access ledger, or the run fails.",
    `Floor = network floor = requests the sandbox logged × latency ÷ ${ALLOWED_CONCURRENCY} (the connector manifest's maxConcurrency). CPU over the same window: the worker process (/proc/<pid>/stat), PostgreSQL (its postmaster's process tree), the bank (the bench process, which runs the sandbox); accounts one core refreshes per hour = accounts ÷ (worker + PostgreSQL CPU-s) × 3600. Database statements over the same window: pg_stat_statements of the app's database (top-level, BEGIN/COMMIT included; the bench's own queries are not tracked). The worker's waits over the same window, from its own /metrics (KINKO_WORKER_HTTP_PORT, scraped at the window's start and end): time waiting for a pooled database connection, from asking for a bank request to sending it (the limiter), bank requests' durations and their slots' time in use, its event loop's delay; and from /proc/<pid>/schedstat the time its main thread (and the bench process's, which runs the sandbox) waited for a core.`,
  ],
  parameters: (s) => ({
    users: s.dailyRefresh.users,
    accountsPerUser: s.dailyRefresh.accountsPerUser,
    historyDays: s.dailyRefresh.historyDays,
    transactionsPerDay: s.dailyRefresh.perDay,
    latencyMs: s.dailyRefresh.latencyMs,
    allowedConcurrency: ALLOWED_CONCURRENCY,
    schedulerIntervalMs: BENCH_SCHEDULER_INTERVAL_MS,
  }),
  figures: [networkFloorFigure('wall-time', 'Daily refresh wall time')],

  prerequisite: appPrerequisite,

  async setup(ctx) {
    const s = ctx.sizes.dailyRefresh;
    const appUnderTest = ctx.app;
    if (!appUnderTest) throw new Error('no app');
    const logins = Array.from({ length: s.users }, (_, i) => `daily-${String(i).padStart(5, '0')}`);
    const bank = await startBenchBank(logins.map((id) => ({ id, accounts: s.accountsPerUser, transactionsPerAccount: s.perDay * s.historyDays, historyDays: s.historyDays })));
    let app: RunningApp | undefined;
    let worker: AppProcess | undefined;
    try {
      const databaseUrl = await ctx.freshDatabase('bench_daily_refresh');
      app = await startApp(ctx, databaseUrl, bank, { worker: false, name: 'daily-refresh' });
      worker = await appUnderTest.worker(app.config, { KINKO_SYNC: JSON.stringify({ schedulerIntervalMs: BENCH_SCHEDULER_INTERVAL_MS }) });
      const users = await connectAndSyncUsers(app, databaseUrl, logins, ctx.progress);
      const accounts = sandboxAccountIds(bank, logins);
      return { bank, app, worker, databaseUrl, connections: users.length, accounts };
    } catch (e) {
      await worker?.stop();
      await app?.stop();
      await bank.close();
      throw e;
    }
  },

  async run(ctx, state, runIndex) {
    const s = ctx.sizes.dailyRefresh;
    const knobs = state.bank.bank.knobs;
    const client = new Client({ connectionString: state.databaseUrl, application_name: 'kinko-bench' });
    await client.connect();
    try {
      await untracked(client);
      for (const accountId of state.accounts) knobs.insertTransaction(accountId, { amount: 2_000 + runIndex, description: `bench daily refresh ${runIndex}` });
      const since = (await client.query<{ now: Date }>('SELECT now() AS now')).rows[0]?.now;
      if (!since) throw new Error('no database time');
      knobs.faults.setLatency(s.latencyMs);
      state.bank.sandbox.requestLog.clear();
      const costs = await startCostWindow(ctx, state.databaseUrl, state.worker);
      await ageByOneDay(client);
      ctx.progress.step(`run ${runIndex + 1}: a day has passed for ${int(state.connections)} connections; waiting for the scheduler…`);
      let sessionIds: string[];
      let outcome: SessionsOutcome;
      try {
        sessionIds = await waitForScheduledSessions(state.databaseUrl, since, state.connections, ctx.progress, 600_000);
        outcome = await waitForSessions(state.databaseUrl, sessionIds, ctx.progress, 60_000);
      } finally {
        knobs.faults.setLatency(0);
      }
      const cost = await costs.stop();
      if (!state.worker.running) throw new Error(`the worker exited:\n${state.worker.output()}`);
      assertAllCompleted(outcome, 'daily refresh');
      if (sessionIds.length !== state.connections) throw new Error(`the scheduler created ${sessionIds.length} sessions for ${state.connections} connections (one each expected)`);
      const ledger = await client.query<{ n: string }>('SELECT count(DISTINCT account_id)::text AS n FROM unattended_accesses WHERE session_id = ANY($1::uuid[])', [sessionIds]);
      const accounts = Number(ledger.rows[0]?.n ?? 0);
      if (accounts !== state.accounts.length) throw new Error(`${accounts} of ${state.accounts.length} accounts were recorded as refreshed unattended`);
      const wallS = (await spanFromCreation(client, sessionIds)) / 1000;
      const requests = state.bank.bank.requests().length;
      const networkFloorS = networkFloorOf(requests, s.latencyMs);
      const workerCpuS = cost['workerCpuS'];
      const postgresCpuS = cost['postgresCpuS'];
      const bankCpuS = cost['sandboxCpuS'] ?? 0;
      const profile = await profileSessions(state.databaseUrl, sessionIds);
      ctx.progress.step(
        `run ${runIndex + 1}: ${int(sessionIds.length)} sessions, ${int(accounts)} accounts, ${int(requests)} requests in ${wallS.toFixed(2)} s (sessions started to finished ${duration(outcome.spanMs)}); network floor ${networkFloorS.toFixed(2)} s → ratio ${(wallS / networkFloorS).toFixed(2)}`,
      );
      return {
        figures: { 'wall-time': { value: wallS, floor: networkFloorS } },
        details: {
          sessions: sessionIds.length,
          accounts,
          latencyMs: s.latencyMs,
          requests,
          requestsPerAccount: requests / accounts,
          requestsPerSession: requests / sessionIds.length,
          networkFloorS,
          wallS,
          startedToFinishedS: outcome.spanMs / 1000,
          ...cost,
          bankCpuMsPerAccount: (1000 * bankCpuS) / accounts,
          ...(workerCpuS !== undefined ? { workerCpuMsPerAccount: (1000 * workerCpuS) / accounts } : {}),
          ...(postgresCpuS !== undefined ? { postgresCpuMsPerAccount: (1000 * postgresCpuS) / accounts } : {}),
          ...(ctx.app?.defaultSessionConcurrency() !== undefined ? { allowedSessions: ctx.app.defaultSessionConcurrency() ?? 0 } : {}),
          ...(workerCpuS !== undefined && postgresCpuS !== undefined && workerCpuS + postgresCpuS > 0 ? { accountsPerCoreHour: (accounts / (workerCpuS + postgresCpuS)) * 3600 } : {}),
          ...profileDetails('', profile),
        },
      };
    } finally {
      await client.end();
    }
  },

  async teardown(ctx, state) {
    await state.worker.stop();
    await state.app.stop();
    await state.bank.close();
    await ctx.postgres.dropDatabase('bench_daily_refresh');
  },

  explain(figures: readonly FigureResult[], details) {
    const d = details[details.length - 1] ?? {};
    const f = figures[0];
    const per = (key: string): string => (d[key] !== undefined ? `${(d[key] ?? 0).toFixed(1)} ms` : 'not measured');
    const notes = [
      `Per refreshed account (last run, ${int(d['accounts'] ?? 0)} accounts): ${(d['requestsPerAccount'] ?? 0).toFixed(2)} requests, worker CPU ${per('workerCpuMsPerAccount')}, PostgreSQL CPU ${per('postgresCpuMsPerAccount')}, bank (sandbox) CPU ${per('bankCpuMsPerAccount')}; one core refreshes ${
        d['accountsPerCoreHour'] !== undefined ? int(d['accountsPerCoreHour'] ?? 0) : 'an unmeasured number of'
      } accounts per hour (accounts ÷ (worker + PostgreSQL CPU-s) × 3600: the bank's CPU is not the deployment's).`,
    ];
    if (f && !f.met) {
      const wall = d['wallS'] ?? 0;
      notes.push(
        `Daily refresh at ${f.ratio.median.toFixed(2)}× its network floor: last run ${int(d['requests'] ?? 0)} requests (${(d['requestsPerSession'] ?? 0).toFixed(1)} per session) in ${wall.toFixed(2)} s vs ${(d['networkFloorS'] ?? 0).toFixed(2)} s at ${ALLOWED_CONCURRENCY} requests in flight allowed.`,
        ...sessionMissEvidence(d, {
          prefix: '',
          wallS: wall,
          floorS: d['networkFloorS'] ?? 0,
          threshold: f.target.threshold,
          sessions: d['sessions'] ?? 0,
          requestsPerSession: d['requestsPerSession'] ?? 0,
          latencyMs: d['latencyMs'] ?? 0,
          allowedSessions: d['allowedSessions'],
          beforeFirstSessionS: wall - (d['startedToFinishedS'] ?? wall),
        }),
      );
    }
    return notes;
  },
};
