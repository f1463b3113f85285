import { describe, expect, it } from '@jest/globals';
import { renderMarkdown } from '../src/markdown';
import type { ScenarioResult } from '../src/results';
import { summariseFigures } from '../src/runner';
import { dailyRefreshScenario } from '../src/scenarios/daily-refresh';
import { incrementalScenario } from '../src/scenarios/incremental';
import type { RunMeasurement, Scenario } from '../src/scenarios/types';
import { validResults } from './fixtures';

// The last run's details as the scenarios record them (only what explain reads). The daily
// refresh of the issue: 100 users × 3 accounts, 7 requests per session at 20 ms, 1.4 s floor.
const daily = (over: Record<string, number>): Record<string, number> => ({
  sessions: 100,
  accounts: 300,
  latencyMs: 20,
  requests: 700,
  requestsPerAccount: 700 / 300,
  requestsPerSession: 7,
  networkFloorS: 1.4,
  wallS: 9.67,
  startedToFinishedS: 9.17,
  workerCpuS: 3,
  postgresCpuS: 2,
  sandboxCpuS: 1,
  statements: 5_000,
  cores: 2,
  allowedSessions: 10,
  meanConcurrentSessions: 4.8,
  peakConcurrentSessions: 10,
  meanSessionS: 0.46,
  'stage.auth.meanS': 0.02,
  'stage.accounts.meanS': 0.05,
  'stage.transactions.meanS': 0.3,
  ...over,
});

function explained<S>(scenario: Scenario<S>, measurement: RunMeasurement): { notes: string[]; result: ScenarioResult } {
  const figures = summariseFigures(scenario as Scenario<unknown>, [measurement]);
  const details = { ...(measurement.details ?? {}) };
  const notes = [...scenario.explain(figures, [details])];
  const result: ScenarioResult = {
    id: scenario.id,
    title: scenario.title,
    status: 'ran',
    reason: null,
    runs: 1,
    durationMs: 1000,
    parameters: {},
    method: [...scenario.method],
    figures,
    details: [details],
    notes,
  };
  return { notes, result };
}

const dailyRun = (d: Record<string, number>): RunMeasurement => ({ figures: { 'wall-time': { value: d['wallS'] ?? 0, floor: d['networkFloorS'] ?? 0 } }, details: d });

describe('the daily refresh miss, with profile evidence', () => {
  it('gives per session the CPU of the worker, PostgreSQL and the sandbox, the statements and the sessions at once vs allowed, and reads it as dispatch-bound', () => {
    const { notes } = explained(dailyRefreshScenario, dailyRun(daily({})));
    const text = notes.join('\n');
    expect(text).toContain('Daily refresh at 6.91× its network floor');
    // 3 CPU-s ÷ 100 sessions = 30 ms; 2 → 20 ms; 1 → 10 ms; 5,000 statements ÷ 100 = 50.
    expect(text).toContain('per session worker CPU 30.0 ms, PostgreSQL CPU 20.0 ms, sandbox CPU 10.0 ms, 50.0 database statements');
    expect(text).toContain('4.8 sessions running at once on average (peak 10) of 10 a worker may run');
    expect(text).toContain('CPU budget: worker 3.0 + sandbox 1.0 + PostgreSQL 2.0 = 6.0 CPU-s (worker 30.0 ms and PostgreSQL 20.0 ms per session), which takes at least 3.0 s on 2 cores (31% of the wall time).');
    const reading = notes.find((n) => n.startsWith('Reading:')) ?? '';
    expect(reading).toContain('not CPU-bound (the measured work fills 31% of 2 cores over the wall)');
    // 10 requests allowed ÷ 6.91 = 1.4 in flight on average.
    expect(reading).toContain('1.4 of the 10 requests allowed were in flight on average');
    // 100 × 0.46 s ÷ 10 = 4.60 s instead of 100 × 0.46 ÷ 4.8 = 9.58 s.
    expect(reading).toContain('Dispatch-bound: 4.8 of the 10 sessions a worker may run were running on average; at 10 the same sessions would take 4.60 s instead of 9.58 s.');
    // 7 × 20 ms = 0.14 s of 0.46 s (30%).
    expect(reading).toContain("A session's 7.0 requests at 20 ms are 0.14 s if sent one after another, 30% of its 0.46 s; the other 0.32 s is the app's own work (50.0 statements per session) and waits.");
    expect(reading).toContain('0.50 s of the wall (5%) passed before the first session started');
  });

  it("says where the sessions' time went, per session, from the worker's metrics over the window, and nothing when they were not read", () => {
    const waits = {
      poolCheckouts: 4_000,
      poolWaits: 1_500,
      poolWaitS: 12,
      poolHeldS: 19.34,
      poolMax: 10,
      limiterRequests: 700,
      limiterDelayS: 3.5,
      limiterQueries: 250,
      limiterQueryS: 0.4,
      bankCalls: 700,
      bankCallS: 16.8,
      limiterSlotHeldS: 21.7,
      pgExecMsAll: 1_250,
      eventLoopDelayMeanMs: 2.25,
      eventLoopDelayP99Ms: 14.5,
      eventLoopDelayMaxMs: 31,
      workerRunQueueS: 1.234,
      windowS: 10.5,
      sandboxEventLoopDelayMeanMs: 3.25,
      sandboxEventLoopDelayP99Ms: 12,
      sandboxRunQueueS: 0.5,
    };
    const note = explained(dailyRefreshScenario, dailyRun(daily(waits))).notes.find((n) => n.startsWith("Where the sessions' time went")) ?? '';
    // ÷ 100 sessions: 12 s → 120.0 ms, 40 checkouts, 15 waited; 19.34 connection-s ÷ 9.67 s wall = 2.0 held.
    expect(note).toContain('per session: 120.0 ms waiting for a pooled database connection (40.0 checkouts, 15.0 of them waited; the pool of 10 had 2.0 connections checked out on average over the wall)');
    expect(note).toContain('35.0 ms from asking for a bank request to sending it (bank limiter: 2.5 queries, 4.0 ms of round trips)');
    // 16.8 s ÷ 700 = 24.0 ms per request, its slot 21.7 s ÷ 700 = 31.0 ms; 21.7 ÷ 9.67 s = 2.2 slots in use.
    expect(note).toContain('168.0 ms in 7.0 bank requests (their durations summed: 24.0 ms per request, whose request slot was in use 31.0 ms; the 10 slots were in use 2.2 on average over the wall)');
    expect(note).toContain('12.5 ms of PostgreSQL execution (all statements, pg_stat_statements)');
    expect(note).toContain('its event loop ran a ready callback 2.3 ms late on average (p99 14.5 ms, max 31.0 ms');
    expect(note).toContain('its main thread waited 1.23 s for a core (run queue, /proc schedstat) over the 10.50 s window');
    expect(note).toContain('The sandbox bank (the bench process, on the same cores): its event loop (whose timer is the bank\'s latency) ran late 3.3 ms on average (p99 12.0 ms); its main thread waited 0.50 s for a core.');
    expect(explained(dailyRefreshScenario, dailyRun(daily({}))).notes.join('\n')).not.toContain("Where the sessions' time went");
  });

  it("names PostgreSQL's costliest statements per session, costliest first, without their query ids", () => {
    const { notes } = explained(
      dailyRefreshScenario,
      dailyRun(daily({ 'pgExecMs:SELECT a FROM t#11': 120, 'pgCalls:SELECT a FROM t#11': 300, 'pgExecMs:UPDATE s SET n = n + 1#12': 480, 'pgCalls:UPDATE s SET n = n + 1#12': 200 })),
    );
    const top = notes.find((n) => n.startsWith("PostgreSQL's execution time by statement")) ?? '';
    // 480 ms ÷ 100 sessions = 4.80 ms in 2.0 calls; 120 ÷ 100 = 1.20 ms in 3.0 calls.
    expect(top).toContain('the costliest 2;');
    expect(top).toContain('per session: 4.80 ms in 2.0 × `UPDATE s SET n = n + 1`; 1.20 ms in 3.0 × `SELECT a FROM t`.');
  });

  it('reads a window whose work fills the cores as CPU-bound, with the CPU per session the target allows', () => {
    const reading = explained(dailyRefreshScenario, dailyRun(daily({ workerCpuS: 9, postgresCpuS: 7, sandboxCpuS: 2, meanConcurrentSessions: 9.5 }))).notes.find((n) => n.startsWith('Reading:')) ?? '';
    // 18 CPU-s ÷ 2 cores = 9.00 s of 9.67 s (93%); 1.5 × 1.4 s × 2 cores = 4.2 CPU-s = 42 ms per session vs 180 ms: 4.3×.
    expect(reading).toContain('Reading: CPU-bound — 18.0 CPU-s on 2 cores = 9.00 s of the 9.67 s wall (93%).');
    expect(reading).toContain('the cores offer 4.2 CPU-s = 42.0 ms per session against the 180.0 ms used: the CPU per session (worker, PostgreSQL, sandbox) must fall 4.3× to meet it');
  });

  it("reads a window whose bank request slots were nearly all in use as slot-bound, with the hold per request the target allows", () => {
    // The committed daily refresh: 700 requests, each slot held 31.3 ms (21.91 slot-s), over a 2.36 s wall: 9.3 slots in use.
    const slots = { wallS: 2.36, workerCpuS: 1.73, postgresCpuS: 1.7, sandboxCpuS: 0.37, meanConcurrentSessions: 16.4, allowedSessions: 20, bankCalls: 700, bankCallS: 20.65, limiterSlotHeldS: 21.91, workerRunQueueS: 0.7, sandboxRunQueueS: 0.46, windowS: 3.28 };
    const reading = explained(dailyRefreshScenario, dailyRun(daily(slots))).notes.find((n) => n.startsWith('Reading:')) ?? '';
    expect(reading).toContain("Reading: bound by the bank's request slots — the 10 slots were in use 9.3 on average over the 2.36 s wall, so more sessions at once cannot help.");
    // 21.91 s ÷ 700 = 31.3 ms; ÷ 10 slots = 2.19 s = 1.56× the 1.40 s floor.
    expect(reading).toContain('Each of the 700 requests held its slot 31.3 ms for a 20 ms answer: at full use the slots alone need 2.19 s (1.56× the 1.40 s floor).');
    // 1.5 × 20 ms × 9.28 ÷ 10 = 27.9 ms allowed: 3.4 ms less than the 31.3 held.
    expect(reading).toContain('Within 1.5× the floor, at 9.3 slots in use, a request may hold its slot 27.9 ms at most: 3.4 ms less than now.');
    expect(reading).toContain("The 11.3 ms per request beyond the bank's latency is CPU work under the slot");
    expect(reading).toContain("Over the 3.28 s window the worker's main thread waited 0.70 s for a core and the bank's 0.46 s (run queue).");
    // (1.73 + 1.70 + 0.37) CPU-s ÷ 2 cores ÷ 2.36 s = 81%.
    expect(reading).toContain('The measured work kept the 2 cores 81% busy');
    expect(reading).not.toContain('CPU-bound');
    expect(reading).not.toContain('scheduling');
    // The same window with the slots half used is not slot-bound: 10.95 slot-s ÷ 2.36 s = 4.6 in use.
    const half = explained(dailyRefreshScenario, dailyRun(daily({ ...slots, limiterSlotHeldS: 10.95 }))).notes.find((n) => n.startsWith('Reading:')) ?? '';
    expect(half).not.toContain("bound by the bank's request slots");
    expect(half).toContain('Reading: CPU-bound');
    expect(half).toContain('enough in total, so the time is lost in waits the sum does not show');
  });

  it('says when the statements or the allowed sessions were not measured instead of inventing them', () => {
    const d = daily({});
    delete d['statements'];
    delete d['allowedSessions'];
    const text = explained(dailyRefreshScenario, dailyRun(d)).notes.join('\n');
    expect(text).toContain('database statements not measured');
    expect(text).toContain('of an unknown number a worker may run');
    expect(text).not.toContain('Dispatch-bound');
  });

  it('compares the sessions at once with those that could run when there were fewer sessions than a worker may run', () => {
    const text = explained(dailyRefreshScenario, dailyRun(daily({ sessions: 5, meanConcurrentSessions: 4.1 }))).notes.join('\n');
    expect(text).toContain('4.1 sessions running at once on average (peak 10) of 5 that could run (a worker may run 10, there were 5)');
    expect(text).toContain('Sessions ran near the 5 allowed (4.1 on average)');
    expect(text).not.toContain('Dispatch-bound');
  });

  it('says when other processes kept the cores busy during the window', () => {
    const reading = explained(dailyRefreshScenario, dailyRun(daily({ machineBusyPercent: 100 }))).notes.find((n) => n.startsWith('Reading:')) ?? '';
    // 31% of the cores was the measured work: 69 points were other processes.
    expect(reading).toContain('But the machine was 100% busy, 69 points of it other processes than the worker, PostgreSQL and the sandbox');
    expect(explained(dailyRefreshScenario, dailyRun(daily({ machineBusyPercent: 40 }))).notes.join('\n')).not.toContain('But the machine was');
  });

  it('writes nothing about a miss when the target is met (only the per-account line)', () => {
    const notes = explained(dailyRefreshScenario, dailyRun(daily({ wallS: 2, startedToFinishedS: 1.9 }))).notes;
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^Per refreshed account/);
  });
});

describe('the incremental network-floor miss, with profile evidence', () => {
  const details = {
    shortSpanS: 3,
    longSpanS: 3.2,
    shortNetworkFloorS: 0.5,
    longNetworkFloorS: 0.52,
    shortRequestsPerSession: 7,
    longRequestsPerSession: 7.2,
    shortRequestsPerAccount: 2,
    longRequestsPerAccount: 2.1,
    shortSessions: 40,
    longSessions: 40,
    latencyMs: 20,
    cores: 2,
    allowedSessions: 10,
    'long.workerCpuS': 2,
    'long.workerKernelCpuS': 0.6,
    'long.postgresCpuS': 1.2,
    'long.sandboxCpuS': 0.4,
    'long.statements': 2_400,
    'long.meanConcurrentSessions': 9.1,
    'long.peakConcurrentSessions': 10,
    'long.meanSessionS': 0.7,
    'short.workerCpuS': 1.8,
    'short.postgresCpuS': 1,
    'short.sandboxCpuS': 0.4,
    'short.statements': 2_000,
    'short.meanConcurrentSessions': 9,
    'short.peakConcurrentSessions': 10,
    'short.meanSessionS': 0.66,
  };
  const run: RunMeasurement = {
    figures: {
      time: { value: 3.2, floor: 3 },
      'network-long': { value: 3.2, floor: 0.52 },
      'network-short': { value: 3, floor: 0.5 },
      'requests-long': { value: 2.1, floor: 2.1 },
      'requests-short': { value: 2, floor: 2 },
    },
    details,
  };

  it('explains each group from its own window: CPU, statements, sessions at once, the reading', () => {
    const { notes, result } = explained(incrementalScenario, run);
    const text = notes.join('\n');
    expect(text).toContain('Re-sync wall time, long history at 6.15× its network floor');
    // long: 2,400 statements ÷ 40 sessions = 60; worker 2 CPU-s ÷ 40 = 50 ms.
    // long: 0.6 of the worker's 2 CPU-s in the kernel = 15 ms per session; short: not measured, not said.
    expect(text).toContain('Profile (last run, 40 sessions): per session worker CPU 50.0 ms (15.0 ms of it in the kernel: its syscalls');
    expect(text).toContain('receiving side\'s TCP work), PostgreSQL CPU 30.0 ms, sandbox CPU 10.0 ms, 60.0 database statements');
    expect(text).toContain('Profile (last run, 40 sessions): per session worker CPU 45.0 ms, PostgreSQL CPU 25.0 ms, sandbox CPU 10.0 ms, 50.0 database statements');
    expect(text).toContain('CPU budget: worker 2.0 + sandbox 0.4 + PostgreSQL 1.2 = 3.6 CPU-s');
    // Near the allowed sessions: each session's length is the limit; 7.2 × 20 ms = 0.14 s of 0.70 s.
    expect(text).toContain('Sessions ran near the 10 allowed (9.1 on average)');
    expect(text).toContain("A session's 7.2 requests at 20 ms are 0.14 s if sent one after another, 21% of its 0.70 s");

    // BENCHMARKS.md carries them under "Misses and profile evidence".
    const results = validResults();
    const md = renderMarkdown({ ...results, scenarios: results.scenarios.map((s) => (s.id === 'incremental' ? result : s)) }, 'x.json');
    const misses = md.slice(md.indexOf('## Misses and profile evidence'));
    expect(misses).toContain('Missed: Re-sync wall time, long history at 6.15× its floor (target ≤ 1.5× the network floor).');
    expect(misses).toContain('CPU budget: worker 2.0 + sandbox 0.4 + PostgreSQL 1.2 = 3.6 CPU-s');
    expect(misses).toMatch(/Reading: not CPU-bound/);
  });
});
