import type { IsoDate, RequestLogEntry } from '@kinko/sandbox-bank';
import {
  BENCH_BANK_CODE,
  BENCH_BANK_ID,
  type BenchBank,
  type ConnectedUser,
  type RunningApp,
  assertAllCompleted,
  appPrerequisite,
  connectAndSyncUsers,
  sandboxAccountIds,
  countRows,
  profileDetails,
  profileSessions,
  stageSummary,
  startApp,
  startBenchBank,
  waitForSessions,
} from '../env/bank-world';
import { inParallel } from '../env/kinko-client';
import { duration, int } from '../progress';
import type { FigureResult } from '../results';
import { ALLOWED_CONCURRENCY, networkFloorFigure, networkFloorS as networkFloorOf, sessionMissEvidence, startCostWindow } from '../evidence';
import type { Scenario } from './types';

type Group = 'short' | 'long';

interface IncrementalState {
  readonly bank: BenchBank;
  readonly app: RunningApp;
  readonly databaseUrl: string;
  readonly users: Readonly<Record<Group, readonly ConnectedUser[]>>;
  /** The sandbox account ids of each group. */
  readonly accounts: Readonly<Record<Group, readonly string[]>>;
}

const PAGE_SIZE = 200;

const inFlightNote = (d: Readonly<Record<string, number>>): string => `${ALLOWED_CONCURRENCY} requests in flight allowed${d['latencyMs'] !== undefined ? `, ${d['latencyMs']} ms each` : ''}`;

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The fewest requests a window needs per account: for each distinct (operation, window)
 * the sandbox was asked for, ⌈items in the window ÷ page size⌉ (at least 1) — transactions
 * counted by the sandbox's truth, balances one per day of the window.
 */
export function minimumRequests(entries: readonly RequestLogEntry[], countTransactions: (accountId: string, from: string, to: string) => number, pageSize: number): Map<string, { made: number; minimum: number }> {
  const perAccount = new Map<string, { made: number; minimum: number; windows: Set<string> }>();
  for (const e of entries) {
    if (e.operation !== 'GET /transactions' && e.operation !== 'GET /balances') continue;
    const account = text(e.query['account_id']);
    const from = text(e.query['start_date']);
    const to = text(e.query['end_date']);
    if (!account || !from || !to) continue;
    const a = perAccount.get(account) ?? { made: 0, minimum: 0, windows: new Set<string>() };
    a.made += 1;
    const key = `${e.operation} ${from} ${to}`;
    if (!a.windows.has(key)) {
      a.windows.add(key);
      const items = e.operation === 'GET /transactions' ? countTransactions(account, from, to) : Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
      a.minimum += Math.max(1, Math.ceil(items / pageSize));
    }
    perAccount.set(account, a);
  }
  return new Map([...perAccount].map(([k, v]) => [k, { made: v.made, minimum: v.minimum }]));
}

/**
 * Scenario 3 — incremental sync: after one new transaction per account, a re-sync of
 * users with 1 year of history and of users with 4 years (same transactions per day): the
 * time must not grow with the history, and each account must cost only the requests its
 * window needs.
 */
export const incrementalScenario: Scenario<IncrementalState> = {
  id: 'incremental',
  title: 'Incremental sync: 1-year vs 4-year histories',
  method: [
    'Setup: two groups of users at the sandbox bank (bank limit maxHistoryDays 1460), one with the short history and one with the long one, the same transactions per day; all connected through the API and fully synced by the app (`serve` with its worker).',
    'Per run: one new transaction is booked on every account (sandbox knob), the sandbox latency is set, then every user of one group asks for a sync (POST /api/v2/bank/{bankId}/sync) and the group\'s wall time is first session start to last session finish (sync_sessions); then the other group (the order alternates per run).',
    `Network floor of a group's re-sync = requests the sandbox logged for it × latency ÷ ${ALLOWED_CONCURRENCY} (the connector manifest's maxConcurrency), as in the full sync.`,
    'Requests per account: GET /transactions and GET /balances requests naming the account in the sandbox request log, against the minimum = for each distinct window requested, ⌈items in that window (the sandbox truth) ÷ page size⌉, at least one. Per-session requests (token, accounts) are reported in the details.',
    "Evidence per group, over the same window: CPU of the app process (`serve` runs the worker here), of PostgreSQL (its postmaster's process tree) and of the bench process (the sandbox), the database statements (pg_stat_statements of the app's database, BEGIN/COMMIT included; the bench's polls are not tracked), the app process's waits from its own /metrics (KINKO_METRICS_PORT: pooled connections, the bank limiter, bank requests, event-loop delay) and its main thread's wait for a core (/proc/<pid>/schedstat), and sync_sessions / sync_stages for sessions at once and per-stage times.",
  ],
  parameters: (s) => ({
    usersPerHistory: s.incremental.usersPerHistory,
    accountsPerUser: s.incremental.accountsPerUser,
    shortHistoryDays: s.incremental.shortDays,
    longHistoryDays: s.incremental.longDays,
    transactionsPerDay: s.incremental.perDay,
    latencyMs: s.incremental.latencyMs,
  }),
  figures: [
    {
      id: 'time',
      label: 'Re-sync wall time, long history',
      unit: 's',
      floorLabel: 're-sync wall time, short history',
      floorUnit: 's',
      target: { text: '≤ 1.1× the short-history time', comparator: '<=', threshold: 1.1 },
    },
    networkFloorFigure('network-long', 'Re-sync wall time, long history'),
    networkFloorFigure('network-short', 'Re-sync wall time, short history'),
    {
      id: 'requests-long',
      label: 'Requests per account, long history',
      unit: 'requests',
      floorLabel: 'minimum the window needs',
      floorUnit: 'requests',
      target: { text: '= the minimum (≤ 1.0×)', comparator: '<=', threshold: 1 },
    },
    {
      id: 'requests-short',
      label: 'Requests per account, short history',
      unit: 'requests',
      floorLabel: 'minimum the window needs',
      floorUnit: 'requests',
      target: { text: '= the minimum (≤ 1.0×)', comparator: '<=', threshold: 1 },
    },
  ],

  prerequisite: appPrerequisite,

  async setup(ctx) {
    const s = ctx.sizes.incremental;
    const logins: Record<Group, string[]> = {
      short: Array.from({ length: s.usersPerHistory }, (_, i) => `inc-short-${i}`),
      long: Array.from({ length: s.usersPerHistory }, (_, i) => `inc-long-${i}`),
    };
    const days: Record<Group, number> = { short: s.shortDays, long: s.longDays };
    const bank = await startBenchBank(
      (['short', 'long'] as const).flatMap((g) => logins[g].map((id) => ({ id, accounts: s.accountsPerUser, transactionsPerAccount: s.perDay * days[g], historyDays: days[g] }))),
      { maxHistoryDays: 1460, pageSize: PAGE_SIZE },
    );
    let app: RunningApp | undefined;
    try {
      const databaseUrl = await ctx.freshDatabase('bench_incremental');
      app = await startApp(ctx, databaseUrl, bank, { worker: true, name: 'incremental' });
      const connected = await connectAndSyncUsers(app, databaseUrl, [...logins.short, ...logins.long], ctx.progress);
      const expected = s.usersPerHistory * s.accountsPerUser * s.perDay * (s.shortDays + s.longDays);
      const stored = await countRows(databaseUrl, 'SELECT count(*)::text AS n FROM transactions');
      if (stored < expected) throw new Error(`the initial syncs stored ${stored} of ${expected} transactions`);
      const users = { short: connected.filter((c) => c.login.startsWith('inc-short-')), long: connected.filter((c) => c.login.startsWith('inc-long-')) };
      const accounts = {
        short: sandboxAccountIds(bank, logins.short),
        long: sandboxAccountIds(bank, logins.long),
      };
      return { bank, app, databaseUrl, users, accounts };
    } catch (e) {
      await app?.stop();
      await bank.close();
      throw e;
    }
  },

  async run(ctx, state, runIndex) {
    const s = ctx.sizes.incremental;
    const knobs = state.bank.bank.knobs;
    const truth = state.bank.sandbox.truth;
    const result: Partial<Record<Group, { spanS: number; made: number; minimum: number; perSession: number; networkFloorS: number; sessions: number; profile: Record<string, number> }>> = {};
    const order: Group[] = runIndex % 2 === 0 ? ['short', 'long'] : ['long', 'short'];
    for (const group of order) {
      for (const accountId of state.accounts[group]) knobs.insertTransaction(accountId, { amount: 1_000 + runIndex, description: `bench incremental ${runIndex}` });
      knobs.faults.setLatency(s.latencyMs);
      state.bank.sandbox.requestLog.clear();
      // The app runs its worker in the API process (`serve`): that process's CPU is the worker's here.
      const costs = await startCostWindow(ctx, state.databaseUrl, state.app.api, `${group}.`);
      const sessionIds = (await inParallel(state.users[group], 8, (u) => state.app.client.syncBank(u.user, BENCH_BANK_ID))).flat();
      const outcome = await waitForSessions(state.databaseUrl, sessionIds, ctx.progress, 3600_000);
      const cost = await costs.stop();
      knobs.faults.setLatency(0);
      assertAllCompleted(outcome, `${group}-history re-sync`);
      const entries = state.bank.bank.requests();
      const perAccount = minimumRequests(entries, (account, from, to) => truth.summary(BENCH_BANK_CODE, account, { from: from as IsoDate, to: to as IsoDate }).count, PAGE_SIZE);
      const missing = state.accounts[group].filter((a) => !perAccount.has(a));
      if (missing.length > 0) throw new Error(`${missing.length} accounts of the ${group} group were not fetched`);
      let made = 0;
      let minimum = 0;
      for (const a of state.accounts[group]) {
        const v = perAccount.get(a);
        made += v?.made ?? 0;
        minimum += v?.minimum ?? 0;
      }
      const n = state.accounts[group].length;
      const profile = { ...profileDetails(`${group}.`, await profileSessions(state.databaseUrl, sessionIds)), ...cost };
      const networkFloorS = networkFloorOf(entries.length, s.latencyMs);
      result[group] = { spanS: outcome.spanMs / 1000, made: made / n, minimum: minimum / n, perSession: entries.length / sessionIds.length, networkFloorS, sessions: sessionIds.length, profile };
      ctx.progress.step(`run ${runIndex + 1}, ${group} history: ${int(sessionIds.length)} sessions in ${duration(outcome.spanMs)}, ${(made / n).toFixed(2)} requests per account (minimum ${(minimum / n).toFixed(2)})`);
    }
    const short = result.short;
    const long = result.long;
    if (!short || !long) throw new Error('a group did not run');
    return {
      figures: {
        time: { value: long.spanS, floor: short.spanS },
        'network-long': { value: long.spanS, floor: long.networkFloorS },
        'network-short': { value: short.spanS, floor: short.networkFloorS },
        'requests-long': { value: long.made, floor: long.minimum },
        'requests-short': { value: short.made, floor: short.minimum },
      },
      details: {
        shortSpanS: short.spanS,
        longSpanS: long.spanS,
        shortRequestsPerSession: short.perSession,
        longRequestsPerSession: long.perSession,
        latencyMs: s.latencyMs,
        shortNetworkFloorS: short.networkFloorS,
        longNetworkFloorS: long.networkFloorS,
        shortRequestsPerAccount: short.made,
        longRequestsPerAccount: long.made,
        shortSessions: short.sessions,
        longSessions: long.sessions,
        ...(ctx.app?.defaultSessionConcurrency() !== undefined ? { allowedSessions: ctx.app.defaultSessionConcurrency() ?? 0 } : {}),
        ...short.profile,
        ...long.profile,
      },
    };
  },

  async teardown(ctx, state) {
    await state.app.stop();
    await state.bank.close();
    await ctx.postgres.dropDatabase('bench_incremental');
  },

  explain(figures: readonly FigureResult[], details) {
    const notes: string[] = [];
    const d = details[details.length - 1] ?? {};
    for (const f of figures.filter((x) => !x.met)) {
      if (f.id === 'time')
        notes.push(
          `The long-history re-sync took ${f.ratio.median.toFixed(2)}× the short one (last run ${(d['longSpanS'] ?? 0).toFixed(2)} s vs ${(d['shortSpanS'] ?? 0).toFixed(2)} s) with ${(d['longRequestsPerAccount'] ?? 0).toFixed(2)} vs ${(d['shortRequestsPerAccount'] ?? 0).toFixed(2)} requests per account. Mean stage times, long: ${stageSummary(d, 'long.')}; short: ${stageSummary(d, 'short.')}. Sessions at once: long ${(d['long.meanConcurrentSessions'] ?? 0).toFixed(1)}, short ${(d['short.meanConcurrentSessions'] ?? 0).toFixed(1)} (queue polling adds up to a second between sessions, the same for both).`,
        );
      else if (f.id === 'network-long' || f.id === 'network-short') {
        const g = f.id === 'network-long' ? 'long' : 'short';
        notes.push(
          `${f.label} at ${f.ratio.median.toFixed(2)}× its network floor (last run ${(d[`${g}SpanS`] ?? 0).toFixed(2)} s vs ${(d[`${g}NetworkFloorS`] ?? 0).toFixed(2)} s, ${(d[`${g}RequestsPerSession`] ?? 0).toFixed(1)} requests per session at ${inFlightNote(d)}).`,
          ...sessionMissEvidence(d, {
            prefix: `${g}.`,
            wallS: d[`${g}SpanS`] ?? 0,
            floorS: d[`${g}NetworkFloorS`] ?? 0,
            threshold: f.target.threshold,
            sessions: d[`${g}Sessions`] ?? 0,
            requestsPerSession: d[`${g}RequestsPerSession`] ?? 0,
            latencyMs: d['latencyMs'] ?? 0,
            allowedSessions: d['allowedSessions'],
          }),
        );
      } else notes.push(`${f.label}: ${f.value.median.toFixed(2)} where the window needs ${f.floor.value.median.toFixed(2)} (${f.ratio.median.toFixed(2)}×): the worker asked for more pages or windows than the incremental window requires.`);
    }
    return notes;
  },
};
