import { processMemoryBytes } from '../env/app';
import { appPrerequisite, type BenchBank, assertAllCompleted, connectUsers, countRows, startApp, startBenchBank, waitForSessions } from '../env/bank-world';
import { duration, int } from '../progress';
import type { FigureResult } from '../results';
import type { Scenario } from './types';

interface MemoryState {
  readonly bank: BenchBank;
}

type Size = 'small' | 'large';
const LOGIN: Record<Size, string> = { small: 'mem-small', large: 'mem-large' };

/**
 * Scenario 5 — memory: the peak resident set of a worker process syncing one account of
 * the small size, and of another syncing one account of the large size. Flat = the large
 * history costs (almost) no more memory than the small one.
 */
export const memoryScenario: Scenario<MemoryState> = {
  id: 'memory',
  title: 'Worker memory vs history size',
  method: [
    'Per run and size: a user with one account of that many transactions (sandbox, no latency) is connected through the API (`serve` with KINKO_WORKER=false), which queues its first sync (the whole history); then one `worker` process is started as the app\'s `worker` script starts it (`node [its Node flags, e.g. the heap budget] dist/main.js worker`, apps/api/package.json), runs that session alone, and is stopped.',
    "Peak RSS = the worker's VmHWM (/proc/<pid>/status) read when its session has finished, before it is stopped; VmRSS is also sampled every 100 ms (details). The floor is the same figure for the small account, measured in the same run by a process started the same way.",
  ],
  parameters: (s) => ({ smallAccountTransactions: s.memory.small, largeAccountTransactions: s.memory.large, historyDays: s.memory.historyDays }),
  figures: [
    {
      id: 'peak-rss',
      label: 'Worker peak RSS, large account',
      unit: 'MiB',
      floorLabel: 'worker peak RSS, small account',
      floorUnit: 'MiB',
      target: { text: '≤ 1.2× (flat)', comparator: '<=', threshold: 1.2 },
    },
  ],

  prerequisite: appPrerequisite,

  async setup(ctx) {
    const s = ctx.sizes.memory;
    const bank = await startBenchBank(
      [
        { id: LOGIN.small, accounts: [{ transactions: s.small, historyDays: s.historyDays }] },
        { id: LOGIN.large, accounts: [{ transactions: s.large, historyDays: s.historyDays }] },
      ],
      { maxHistoryDays: 1460 },
    );
    return { bank };
  },

  async run(ctx, state, runIndex) {
    const s = ctx.sizes.memory;
    const app = ctx.app;
    if (!app) throw new Error('no app');
    const databaseUrl = await ctx.freshDatabase('bench_memory');
    const api = await startApp(ctx, databaseUrl, state.bank, { worker: false, name: `memory-${runIndex}` });
    const measured: Partial<Record<Size, { peak: number; sampledMax: number; ready: number; ms: number }>> = {};
    try {
      for (const size of ['small', 'large'] as const) {
        const [user] = await connectUsers(api, [LOGIN[size]], ctx.progress, 1);
        if (!user) throw new Error('not connected');
        const worker = await app.worker(api.config);
        const ready = processMemoryBytes(worker.pid, 'VmRSS') ?? 0;
        let sampledMax = ready;
        const sampler = setInterval(() => {
          sampledMax = Math.max(sampledMax, processMemoryBytes(worker.pid, 'VmRSS') ?? 0);
        }, 100);
        try {
          ctx.progress.step(`run ${runIndex + 1}: worker syncing one account of ${int(s[size])} transactions…`);
          const outcome = await waitForSessions(databaseUrl, user.connected.sessionIds, ctx.progress, 3 * 3600_000);
          assertAllCompleted(outcome, `${size} account sync`);
          const peak = worker.peakRssBytes();
          if (peak === undefined) throw new Error('could not read the worker’s VmHWM');
          measured[size] = { peak, sampledMax, ready, ms: outcome.spanMs };
          ctx.progress.step(`run ${runIndex + 1}: ${size} account synced in ${duration(outcome.spanMs)}, worker peak RSS ${(peak / 2 ** 20).toFixed(1)} MiB`);
        } finally {
          clearInterval(sampler);
          await worker.stop();
        }
        const stored = await countRows(databaseUrl, `SELECT count(*)::text AS n FROM transactions t JOIN bank_accounts a ON a.id = t.account_id WHERE a.user_id = $1`, [user.user.userId]);
        if (stored !== s[size]) throw new Error(`the ${size} account sync stored ${stored} of ${s[size]} transactions`);
      }
    } finally {
      await api.stop();
      await ctx.postgres.dropDatabase('bench_memory');
    }
    const small = measured.small;
    const large = measured.large;
    if (!small || !large) throw new Error('a size did not run');
    const mib = (b: number): number => b / 2 ** 20;
    return {
      figures: { 'peak-rss': { value: mib(large.peak), floor: mib(small.peak) } },
      details: {
        smallPeakMiB: mib(small.peak),
        largePeakMiB: mib(large.peak),
        smallSampledMaxMiB: mib(small.sampledMax),
        largeSampledMaxMiB: mib(large.sampledMax),
        smallReadyRssMiB: mib(small.ready),
        largeReadyRssMiB: mib(large.ready),
        smallSyncS: small.ms / 1000,
        largeSyncS: large.ms / 1000,
        largeRowsPerS: s.large / (large.ms / 1000),
      },
    };
  },

  async teardown(_ctx, state) {
    await state.bank.close();
  },

  explain(figures: readonly FigureResult[], details) {
    const f = figures[0];
    if (!f || f.met) return [];
    const d = details[details.length - 1] ?? {};
    return [
      `Peak RSS grew ${f.ratio.median.toFixed(2)}× from the small to the large account (last run ${(d['smallPeakMiB'] ?? 0).toFixed(1)} → ${(d['largePeakMiB'] ?? 0).toFixed(1)} MiB; ${(d['largeReadyRssMiB'] ?? 0).toFixed(1)} MiB when the worker was ready; highest 100 ms sample ${(d['largeSampledMaxMiB'] ?? 0).toFixed(1)} MiB; the large sync took ${(d['largeSyncS'] ?? 0).toFixed(0)} s at ${int(d['largeRowsPerS'] ?? 0)} rows/s).`,
      'What this run cannot tell: whether the growth is memory held for the whole history (pages or rows kept until the account settles, a query reading every row) or garbage V8 collects lazily over a longer run. Next step: the same sync with a capped heap (`NODE_OPTIONS=--max-old-space-size=…` on the worker) or a heap snapshot at its peak.',
    ];
  },
};
