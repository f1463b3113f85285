import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AppUnderTest, BankEntry } from '../env/app';
import { BENCH_BANK_CODE, BENCH_BANK_ID } from '../env/bank-world';
import { duration, int } from '../progress';
import type { FigureResult } from '../results';
import type { Scenario } from './types';

type Size = 'small' | 'large';
const SIZES: readonly Size[] = ['small', 'large'];

/**
 * The bank the seeded connections belong to. No worker runs in this scenario, so it is
 * never called: the planning round only decides and queues (a session row and its job).
 */
const PLAN_BANK: BankEntry = {
  bankId: BENCH_BANK_ID,
  connector: 'bank-common-api',
  bankCode: BENCH_BANK_CODE,
  bankName: 'Bench Bank',
  baseUrl: 'http://127.0.0.1:9',
  apiKey: 'bench-api-key',
  password: 'bench-client-secret',
};

interface PlanState {
  readonly databases: Readonly<Record<Size, string>>;
  /** How long the first run's hook took to seed each database (later runs find it seeded). */
  readonly seedSeconds: Partial<Record<Size, number>>;
}

interface PlanPass {
  readonly ms: number;
  readonly started: number;
  readonly deferred: number;
  readonly skipped: number;
}

const database = (size: Size): string => `bench_scheduler_${size}`;

/** The app's default `schedulerRoundLimit` (the most connections a round takes). */
const APP_ROUND_LIMIT = 5_000;

/**
 * The round limit the hook runs the app with: its default, or less when every round of every
 * run (the warm-up included) would not find connections due in the small database otherwise.
 */
const roundLimit = (small: number, passes: number, runs: number): number => Math.min(APP_ROUND_LIMIT, Math.floor(small / ((passes + 1) * runs)));

/** Runs the app's scheduler hook to completion and reads its result line. */
async function drive<T>(app: AppUnderTest, job: Record<string, unknown>, cwd: string): Promise<T> {
  const out = await app.script(app.schedulerDriver, [JSON.stringify(job)], cwd);
  const line = out.split('\n').find((l) => l.startsWith('BENCH-RESULT '));
  if (!line) throw new Error(`the scheduler driver printed no result:\n${out.slice(-1000)}`);
  return JSON.parse(line.slice('BENCH-RESULT '.length)) as T;
}

/**
 * Scenario — flat costs as the tenant grows, the scheduler: one planning round of the app's
 * scheduler with 100,000 vs 1,000,000 connections due. Cost per planned connection and the
 * planning process's peak memory must not grow with the connections.
 */
export const schedulerPlanScenario: Scenario<PlanState> = {
  id: 'scheduler-plan',
  title: 'Flat costs: scheduler planning round at 100k vs 1M connections',
  method: [
    'Setup: two databases; in each, by the hook below before its first rounds (untimed), connections inserted directly (generate_series: one user, one connection of the bench bank in status success and its grant secret row each — the grant adds its schedule row, due since the status changed —, status changes spread one second apart), every one due for a background refresh; VACUUM ANALYZE, CHECKPOINT.',
    "Per run and size (the order alternates): the app's scheduler hook (apps/api/test/support/bench-scheduler-driver.ts, run from its source as a child process) boots the app's module (no HTTP listener, no worker) and runs its own planning round (SyncScheduler.planRound: up to schedulerRoundLimit due connections — the app's 5,000, or fewer when the small database would run out of due connections over every round of every run — in batches of 500, each one transaction: its candidates locked (one range scan of the due index of connection_schedules over the due connections, each connection read by its primary key), their unattended budgets, consents and sessions read at once, their sessions, stage rows and queue jobs inserted at once, when each is due again written at once) one untimed warm-up round, then the timed rounds. Every timed round must start sessions, or the run fails.",
    'Cost per planned connection = the timed rounds\' wall time ÷ the sessions they started; memory = the hook process\'s peak resident set (getrusage maxRSS, boot included; the resident set after boot is in the details).',
  ],
  parameters: (s) => ({
    smallConnections: s.schedulerPlan.small,
    largeConnections: s.schedulerPlan.large,
    timedRounds: s.schedulerPlan.passes,
    roundLimit: roundLimit(s.schedulerPlan.small, s.schedulerPlan.passes, s.runs),
    batch: 500,
  }),
  figures: [
    {
      id: 'cost',
      label: 'Planning round: time per planned connection, large deployment',
      unit: 'ms',
      floorLabel: 'the same, small deployment',
      floorUnit: 'ms',
      target: { text: '≤ 1.2× (flat)', comparator: '<=', threshold: 1.2 },
    },
    {
      id: 'memory',
      label: 'Planning process peak memory, large deployment',
      unit: 'MiB',
      floorLabel: 'the same, small deployment',
      floorUnit: 'MiB',
      target: { text: '≤ 1.2× (flat)', comparator: '<=', threshold: 1.2 },
    },
  ],

  async prerequisite(ctx) {
    if (!ctx.app) return `the app is not available (${ctx.appMissing ?? 'unknown'})`;
    if (!fs.existsSync(ctx.app.schedulerDriver)) return `the app has no scheduler hook (${path.relative(ctx.app.root, ctx.app.schedulerDriver)} is missing)`;
    return null;
  },

  async setup(ctx) {
    const databases = {} as Record<Size, string>;
    for (const size of SIZES) databases[size] = await ctx.freshDatabase(database(size));
    return { databases, seedSeconds: {} };
  },

  async run(ctx, state, runIndex) {
    const app = ctx.app;
    if (!app) throw new Error('no app');
    const s = ctx.sizes.schedulerPlan;
    const measured = {} as Record<Size, { perConnectionMs: number; peakRssMiB: number; bootRssMiB: number; started: number; roundMs: number }>;
    const order: Size[] = runIndex % 2 === 0 ? ['small', 'large'] : ['large', 'small'];
    for (const size of order) {
      // The hook seeds the database first (untimed; only the first run inserts), then boots the app and plans.
      const r = await drive<{ seeded?: { connections: number; inserted: number; elapsedMs: number }; passes: PlanPass[]; peakRssBytes: number; rssAfterBootBytes: number }>(
        app,
        { command: 'plan', databaseUrl: state.databases[size], connections: s[size], passes: s.passes + 1, bank: PLAN_BANK, roundLimit: roundLimit(s.small, s.passes, ctx.sizes.runs) },
        ctx.workDir,
      );
      if (r.seeded?.connections !== s[size]) throw new Error(`${size}: the database holds ${r.seeded?.connections ?? 0} connections, not ${s[size]}`);
      if (r.seeded.inserted > 0) {
        state.seedSeconds[size] = r.seeded.elapsedMs / 1000;
        ctx.progress.step(`seeded ${int(r.seeded.inserted)} connections in ${duration(r.seeded.elapsedMs)}`);
      }
      const timed = r.passes.slice(1);
      const started = timed.reduce((n, p) => n + p.started, 0);
      const ms = timed.reduce((n, p) => n + p.ms, 0);
      if (timed.length !== s.passes || timed.some((p) => p.started === 0)) throw new Error(`${size}: a timed round started no session (${JSON.stringify(r.passes)})`);
      measured[size] = { perConnectionMs: ms / started, peakRssMiB: r.peakRssBytes / 2 ** 20, bootRssMiB: r.rssAfterBootBytes / 2 ** 20, started, roundMs: ms / timed.length };
      ctx.progress.step(`run ${runIndex + 1}, ${int(s[size])} connections: ${int(started)} planned in ${timed.length} rounds, ${(ms / started).toFixed(2)} ms each, peak RSS ${measured[size].peakRssMiB.toFixed(0)} MiB`);
    }
    const { small, large } = measured;
    return {
      figures: { cost: { value: large.perConnectionMs, floor: small.perConnectionMs }, memory: { value: large.peakRssMiB, floor: small.peakRssMiB } },
      details: {
        smallConnections: s.small,
        largeConnections: s.large,
        roundLimit: roundLimit(s.small, s.passes, ctx.sizes.runs),
        smallSeedS: state.seedSeconds.small ?? 0,
        largeSeedS: state.seedSeconds.large ?? 0,
        smallRoundMs: small.roundMs,
        largeRoundMs: large.roundMs,
        smallPlanned: small.started,
        largePlanned: large.started,
        smallPerConnectionMs: small.perConnectionMs,
        largePerConnectionMs: large.perConnectionMs,
        smallPeakRssMiB: small.peakRssMiB,
        largePeakRssMiB: large.peakRssMiB,
        smallBootRssMiB: small.bootRssMiB,
        largeBootRssMiB: large.bootRssMiB,
      },
    };
  },

  async teardown(ctx) {
    for (const size of SIZES) await ctx.postgres.dropDatabase(database(size));
  },

  explain(figures: readonly FigureResult[], details) {
    const d = details[details.length - 1] ?? {};
    const notes = [
      `Last run: a round of up to ${int(d['roundLimit'] ?? 0)} took ${(d['smallRoundMs'] ?? 0).toFixed(0)} ms at ${int(d['smallConnections'] ?? 0)} connections and ${(d['largeRoundMs'] ?? 0).toFixed(0)} ms at ${int(d['largeConnections'] ?? 0)} (${(d['smallPerConnectionMs'] ?? 0).toFixed(2)} vs ${(d['largePerConnectionMs'] ?? 0).toFixed(2)} ms per planned connection); the planning process peaked at ${(d['smallPeakRssMiB'] ?? 0).toFixed(0)} vs ${(d['largePeakRssMiB'] ?? 0).toFixed(0)} MiB (${(d['smallBootRssMiB'] ?? 0).toFixed(0)} vs ${(d['largeBootRssMiB'] ?? 0).toFixed(0)} MiB once booted). One round per minute (the app's default schedulerIntervalMs) plans at most ${int(APP_ROUND_LIMIT)} connections (schedulerRoundLimit): ${int(APP_ROUND_LIMIT * 60 * 24)} a day per scheduler process, and processes planning at once take different connections.`,
    ];
    for (const f of figures.filter((x) => !x.met))
      notes.push(
        f.id === 'cost'
          ? `The planning round costs ${f.ratio.median.toFixed(2)}× more per connection at the large size: its candidates query (SCHEDULER_CANDIDATES_SQL, test/sync/scheduler-plan.test.ts checks its plan) or a batch's budget, consent, insert and update statements read more as the tables grow (random probes into the indexes of 1M-row tables miss PostgreSQL's shared buffers more often).`
          : `The planning process used ${f.ratio.median.toFixed(2)}× the memory at the large size: something the round loads grows with the connections.`,
      );
    return notes;
  },
};
