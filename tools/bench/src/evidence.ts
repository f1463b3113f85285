import * as os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BANK_COMMON_API_DEFAULT_LIMITS } from '@kinko/connector-bank-common-api';
import { type AppProcess, machineCpu } from './env/app';
import { EVENT_LOOP_RESOLUTION_MS, metricsWindow, runQueueSeconds, scrapeMetrics } from './env/app-metrics';
import { stageSummary } from './env/bank-world';
import type { FigureSpec, ScenarioContext } from './scenarios/types';

/**
 * The profile evidence the sync scenarios give for a miss, in one place: the network floor
 * and its figure, the costs of a timed window (CPU of the worker, PostgreSQL and the sandbox;
 * the statements the app ran), and the notes read from them (the CPU budget, the reading).
 */

/** The concurrency the 銀行共通API connector's manifest allows (the bench bank does not override it). */
export const ALLOWED_CONCURRENCY = BANK_COMMON_API_DEFAULT_LIMITS.maxConcurrency;

/** Requests the sandbox logged × latency ÷ the requests in flight the manifest allows, in s. */
export const networkFloorS = (requests: number, latencyMs: number): number => (requests * latencyMs) / ALLOWED_CONCURRENCY / 1000;

/** A wall time against the network floor, target ≤ 1.5× (issue 19: daily refresh, incremental). */
export function networkFloorFigure(id: string, label: string): FigureSpec {
  return { id, label, unit: 's', floorLabel: 'network floor', floorUnit: 's', target: { text: '≤ 1.5× the network floor', comparator: '<=', threshold: 1.5 } };
}

type Details = Readonly<Record<string, number>>;

/** A timed window's costs; `stop` answers them as details under `prefix`. */
export interface CostWindow {
  stop(): Promise<Record<string, number>>;
}

/**
 * Starts measuring a window: CPU of `worker` (/proc/<pid>/stat), of PostgreSQL (its
 * postmaster's process tree), of the bench process (the sandbox bank runs in it), how busy
 * the machine was, and the statements run in the app's database (pg_stat_statements; the
 * bench's own polls are not counted). Details: `<prefix>workerCpuS` (and of it, the kernel's
 * `workerKernelCpuS`), `postgresCpuS`,
 * `sandboxCpuS`, `machineBusyPercent`, `statements` and their execution time `pgExecMsAll`
 * (each when measured), and `cores`. From the worker's own `/metrics` (when it serves them) and
 * its main thread's schedstat, its waits: see {@link metricsWindow} (`poolWaitS`,
 * `limiterDelayS`, `bankCallS`, `eventLoopDelayMeanMs`…), `workerRunQueueS` and `windowS`; the
 * same two of the bench process, whose sandbox bank answers the worker (its 20 ms latency is a
 * timer of this event loop): `sandboxRunQueueS`, `sandboxEventLoopDelayMeanMs`, `sandboxEventLoopDelayP99Ms`.
 */
export async function startCostWindow(ctx: ScenarioContext, databaseUrl: string, worker: AppProcess | undefined, prefix = ''): Promise<CostWindow> {
  // The worker's metrics first: the scrape's own queue query is not in the window's statements.
  const metrics0 = worker?.metricsUrl ? await scrapeMetrics(worker.metricsUrl) : undefined;
  const statements = await ctx.postgres.statementCount(decodeURIComponent(new URL(databaseUrl).pathname.slice(1)));
  const cpu0 = machineCpu();
  const bench0 = process.cpuUsage();
  const worker0 = worker?.cpuSeconds();
  const workerKernel0 = worker?.kernelCpuSeconds();
  const postgres0 = ctx.postgres.cpuSeconds();
  const runQueue0 = worker ? runQueueSeconds(worker.pid) : undefined;
  const sandboxRunQueue0 = runQueueSeconds(process.pid);
  const sandboxLoop = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  sandboxLoop.enable();
  const started = performance.now();
  return {
    async stop() {
      const cpu1 = machineCpu();
      const bench1 = process.cpuUsage(bench0);
      const worker1 = worker?.cpuSeconds();
      const workerKernel1 = worker?.kernelCpuSeconds();
      const postgres1 = ctx.postgres.cpuSeconds();
      const runQueue1 = worker ? runQueueSeconds(worker.pid) : undefined;
      const sandboxRunQueue1 = runQueueSeconds(process.pid);
      sandboxLoop.disable();
      const windowS = (performance.now() - started) / 1000;
      const out: Record<string, number> = { cores: os.cpus().length, [`${prefix}sandboxCpuS`]: (bench1.user + bench1.system) / 1e6, [`${prefix}windowS`]: windowS };
      if (runQueue0 !== undefined && runQueue1 !== undefined) out[`${prefix}workerRunQueueS`] = runQueue1 - runQueue0;
      if (sandboxRunQueue0 !== undefined && sandboxRunQueue1 !== undefined) out[`${prefix}sandboxRunQueueS`] = sandboxRunQueue1 - sandboxRunQueue0;
      if (sandboxLoop.count > 0) {
        out[`${prefix}sandboxEventLoopDelayMeanMs`] = Math.max(0, sandboxLoop.mean / 1e6 - EVENT_LOOP_RESOLUTION_MS);
        out[`${prefix}sandboxEventLoopDelayP99Ms`] = Math.max(0, sandboxLoop.percentile(99) / 1e6 - EVENT_LOOP_RESOLUTION_MS);
      }
      if (worker0 !== undefined && worker1 !== undefined) out[`${prefix}workerCpuS`] = worker1 - worker0;
      if (workerKernel0 !== undefined && workerKernel1 !== undefined) out[`${prefix}workerKernelCpuS`] = workerKernel1 - workerKernel0;
      if (postgres0 !== undefined && postgres1 !== undefined) out[`${prefix}postgresCpuS`] = postgres1 - postgres0;
      if (cpu0 && cpu1 && cpu1.total > cpu0.total) out[`${prefix}machineBusyPercent`] = (100 * (cpu1.busy - cpu0.busy)) / (cpu1.total - cpu0.total);
      if (statements) {
        const counted = await statements();
        out[`${prefix}statements`] = counted.count;
        out[`${prefix}pgExecMsAll`] = counted.ms;
        // The costliest statements, keyed by their normalised text (details are numbers).
        for (const t of counted.top) {
          const text = statementKey(t.query, t.id);
          out[`${prefix}${PG_MS}${text}`] = t.ms;
          out[`${prefix}${PG_CALLS}${text}`] = t.calls;
        }
      }
      const metrics1 = worker?.metricsUrl && metrics0 ? await scrapeMetrics(worker.metricsUrl) : undefined;
      if (metrics0 && metrics1) Object.assign(out, metricsWindow(metrics0, metrics1, prefix));
      return out;
    },
  };
}

const PG_MS = 'pgExecMs:';
const PG_CALLS = 'pgCalls:';

/**
 * A statement's normalised text as a details key: whitespace collapsed; a long one keeps its
 * start and its FROM clause onward (statements sharing a column list stay told apart), and the
 * key ends with pg_stat_statements' query id after `#` (left out of the notes).
 */
const statementKey = (query: string, id: string): string => {
  const one = query.replace(/\s+/g, ' ').trim();
  const from = one.search(/ FROM /i);
  const text = one.length <= 200 ? one : from > 60 ? `${one.slice(0, 50)}…${one.slice(from, from + 150)}…` : `${one.slice(0, 199)}…`;
  return `${text}#${id}`;
};

/**
 * "PostgreSQL's execution time by statement: … per session" — the costliest statements of a
 * window (pg_stat_statements' total_exec_time; parse and plan time are not in it), or
 * undefined when none were measured.
 */
export function topStatementsNote(d: Details, per: { readonly unit: string; readonly count: number }, prefix = ''): string | undefined {
  const at = `${prefix}${PG_MS}`;
  const rows = Object.keys(d)
    .filter((k) => k.startsWith(at))
    .map((k) => ({ key: k.slice(at.length), ms: d[k] ?? 0, calls: d[`${prefix}${PG_CALLS}${k.slice(at.length)}`] ?? 0 }))
    .map((r) => ({ ...r, text: r.key.slice(0, r.key.lastIndexOf('#')) }))
    .sort((a, b) => b.ms - a.ms);
  if (rows.length === 0) return undefined;
  const n = Math.max(per.count, 1);
  return `PostgreSQL's execution time by statement (pg_stat_statements total_exec_time, the costliest ${rows.length}; waits for locks are in it, planning and the protocol's own work are not), per ${per.unit}: ${rows
    .map((r) => `${(r.ms / n).toFixed(2)} ms in ${(r.calls / n).toFixed(1)} × \`${r.text}\``)
    .join('; ')}.`;
}

/** Worker + sandbox + PostgreSQL CPU-s of a window, or undefined when PostgreSQL's was not measured. */
function totalCpu(d: Details, prefix: string): number | undefined {
  const postgres = d[`${prefix}postgresCpuS`];
  return postgres === undefined ? undefined : (d[`${prefix}workerCpuS`] ?? 0) + (d[`${prefix}sandboxCpuS`] ?? 0) + postgres;
}

/** The share of the wall time the measured CPU work fills on all cores (0 when PostgreSQL's CPU is unknown). */
export function cpuBoundShare(d: Details, wall: number, prefix = ''): number {
  const total = totalCpu(d, prefix);
  const cores = d['cores'] ?? 0;
  if (total === undefined || cores < 1 || wall <= 0) return 0;
  return total / cores / wall;
}

/**
 * "CPU budget: worker W + sandbox S + PostgreSQL P = T CPU-s (… per <unit>), which takes at
 * least T ÷ cores s on the cores (x% of the wall time)." Undefined without PostgreSQL's CPU.
 */
export function cpuBudgetNote(d: Details, wall: number, per: { readonly unit: string; readonly count: number; readonly scale: 'µs' | 'ms' }, prefix = ''): string | undefined {
  const total = totalCpu(d, prefix);
  const cores = d['cores'] ?? 0;
  if (total === undefined || cores < 1) return undefined;
  const worker = d[`${prefix}workerCpuS`] ?? 0;
  const sandbox = d[`${prefix}sandboxCpuS`] ?? 0;
  const postgres = d[`${prefix}postgresCpuS`] ?? 0;
  const k = per.scale === 'µs' ? 1e6 : 1e3;
  const each = (cpu: number): string => `${((k * cpu) / Math.max(per.count, 1)).toFixed(per.scale === 'µs' ? 0 : 1)} ${per.scale}`;
  return (
    `CPU budget: worker ${worker.toFixed(1)} + sandbox ${sandbox.toFixed(1)} + PostgreSQL ${postgres.toFixed(1)} = ${total.toFixed(1)} CPU-s ` +
    `(worker ${each(worker)} and PostgreSQL ${each(postgres)} per ${per.unit}), ` +
    `which takes at least ${(total / cores).toFixed(1)} s on ${cores} cores (${((100 * total) / cores / Math.max(wall, 1e-9)).toFixed(0)}% of the wall time).`
  );
}

/** What a session scenario's miss is measured against (its last run). */
export interface SessionMiss {
  /** Prefix of the window's and the profile's details (e.g. `long.`). */
  readonly prefix: string;
  readonly wallS: number;
  readonly floorS: number;
  readonly threshold: number;
  readonly sessions: number;
  readonly requestsPerSession: number;
  readonly latencyMs: number;
  /** Sessions one worker may run at once, when known. */
  readonly allowedSessions: number | undefined;
  /** Time of the wall before the first session started (the scheduler's planning), when measured. */
  readonly beforeFirstSessionS?: number;
}

const fixed = (v: number | undefined, digits: number, unit: string): string => (v === undefined ? 'not measured' : `${v.toFixed(digits)} ${unit}`);

/** " (x ms of it in the kernel: …)" after the worker's CPU, when its system time was measured. */
const kernelShare = (ms: number | undefined): string =>
  ms === undefined ? '' : ` (${ms.toFixed(1)} ms of it in the kernel: its syscalls, mostly socket writes to PostgreSQL and the bank, which on loopback carry the receiving side's TCP work)`;

/**
 * "Where the sessions' time went" — the worker's own waits over a window, per session: for a
 * pooled database connection, from asking for a bank request to sending it (the limiter: in
 * line, for a slot, for the rate, its queries), in bank requests (their durations summed: a
 * session's requests of several accounts overlap), PostgreSQL's execution of all the window's
 * statements; the event loop's delay and the main thread's wait for a core over the window.
 * Undefined when the worker's metrics were not read.
 */
export function sessionWaitsNote(d: Details, m: { readonly prefix: string; readonly sessions: number; readonly wallS: number }): string | undefined {
  const p = m.prefix;
  const v = (key: string): number | undefined => d[`${p}${key}`];
  if (v('poolCheckouts') === undefined && v('limiterRequests') === undefined && v('eventLoopDelayMeanMs') === undefined) return undefined;
  const n = Math.max(m.sessions, 1);
  const wall = Math.max(m.wallS, 1e-9);
  const ms = (key: string): string => `${((1000 * (v(key) ?? 0)) / n).toFixed(1)} ms`;
  const each = (key: string): string => ((v(key) ?? 0) / n).toFixed(1);
  const parts: string[] = [];
  if (v('poolCheckouts') !== undefined)
    parts.push(
      `${ms('poolWaitS')} waiting for a pooled database connection (${each('poolCheckouts')} checkouts, ${each('poolWaits')} of them waited; the pool of ${v('poolMax') ?? 'unknown size'} had ${((v('poolHeldS') ?? 0) / wall).toFixed(1)} connections checked out on average over the wall)`,
    );
  if (v('limiterRequests') !== undefined)
    parts.push(`${ms('limiterDelayS')} from asking for a bank request to sending it (bank limiter: ${each('limiterQueries')} queries, ${ms('limiterQueryS')} of round trips)`);
  if (v('bankCalls') !== undefined) {
    // A slot in use longer than its request's HTTP exchange: the worker's own work under the slot (building the request, decoding the answer) and its late callbacks.
    const calls = v('bankCalls') ?? 0;
    const held = v('limiterSlotHeldS');
    const perRequest = (s: number): string => `${((1000 * s) / Math.max(calls, 1)).toFixed(1)} ms`;
    parts.push(
      `${ms('bankCallS')} in ${each('bankCalls')} bank requests (their durations summed: ${perRequest(v('bankCallS') ?? 0)} per request${
        held === undefined ? '' : `, whose request slot was in use ${perRequest(held)}; the ${ALLOWED_CONCURRENCY} slots were in use ${(held / wall).toFixed(1)} on average over the wall`
      })`,
    );
  }
  if (v('pgExecMsAll') !== undefined) parts.push(`${((v('pgExecMsAll') ?? 0) / n).toFixed(1)} ms of PostgreSQL execution (all statements, pg_stat_statements)`);
  const loop: string[] = [];
  if (v('eventLoopDelayMeanMs') !== undefined)
    loop.push(
      `its event loop ran a ready callback ${(v('eventLoopDelayMeanMs') ?? 0).toFixed(1)} ms late on average (p99 ${(v('eventLoopDelayP99Ms') ?? 0).toFixed(1)} ms, max ${(v('eventLoopDelayMaxMs') ?? 0).toFixed(1)} ms; monitorEventLoopDelay beyond its 10 ms interval)`,
    );
  if (v('workerRunQueueS') !== undefined)
    loop.push(`its main thread waited ${(v('workerRunQueueS') ?? 0).toFixed(2)} s for a core (run queue, /proc schedstat) over the ${(v('windowS') ?? wall).toFixed(2)} s window`);
  const bank: string[] = [];
  if (v('sandboxEventLoopDelayMeanMs') !== undefined)
    bank.push(`its event loop (whose timer is the bank's latency) ran late ${(v('sandboxEventLoopDelayMeanMs') ?? 0).toFixed(1)} ms on average (p99 ${(v('sandboxEventLoopDelayP99Ms') ?? 0).toFixed(1)} ms)`);
  if (v('sandboxRunQueueS') !== undefined) bank.push(`its main thread waited ${(v('sandboxRunQueueS') ?? 0).toFixed(2)} s for a core`);
  return `Where the sessions' time went (last run, the worker's /metrics over the window), per session: ${parts.join(', ')}${loop.length > 0 ? `. The worker: ${loop.join('; ')}` : ''}${
    bank.length > 0 ? `. The sandbox bank (the bench process, on the same cores): ${bank.join('; ')}` : ''
  }.`;
}

/** Slots in use on average, as a share of those allowed, from which a window reads as bound by the bank's request slots. */
export const SLOT_BOUND_SHARE = 0.85;

/**
 * The reading of a window whose bank request slots were (nearly) all in use: the wall is the
 * requests × the time each held its slot ÷ the slots in use, so the target allows a hold of at
 * most threshold × latency × slots in use ÷ allowed per request; the hold beyond the bank's
 * latency is the worker's and the bank's work under the slot and their waits for a core.
 */
function slotBoundReading(a: {
  readonly calls: number;
  readonly slotHeldS: number;
  readonly slotsInUse: number;
  readonly latencyMs: number;
  readonly threshold: number;
  readonly floorS: number;
  readonly wallS: number;
  readonly d: Details;
  readonly prefix: string;
  readonly cores: number;
  readonly share: number | undefined;
}): string {
  const holdMs = (1000 * a.slotHeldS) / a.calls;
  const slotFloorS = a.slotHeldS / ALLOWED_CONCURRENCY;
  const allowedHoldMs = (a.threshold * a.latencyMs * a.slotsInUse) / ALLOWED_CONCURRENCY;
  const beyond = holdMs - a.latencyMs;
  const worker = a.d[`${a.prefix}workerRunQueueS`];
  const bank = a.d[`${a.prefix}sandboxRunQueueS`];
  const window = a.d[`${a.prefix}windowS`] ?? a.wallS;
  const waits =
    worker === undefined
      ? ''
      : ` Over the ${window.toFixed(2)} s window the worker's main thread waited ${worker.toFixed(2)} s for a core${bank === undefined ? '' : ` and the bank's ${bank.toFixed(2)} s`} (run queue).`;
  const busy = a.share === undefined ? '' : ` The measured work kept the ${a.cores} cores ${(100 * a.share).toFixed(0)}% busy (CPU budget above).`;
  return (
    `Reading: bound by the bank's request slots — the ${ALLOWED_CONCURRENCY} slots were in use ${a.slotsInUse.toFixed(1)} on average over the ${a.wallS.toFixed(2)} s wall, so more sessions at once cannot help. ` +
    `Each of the ${a.calls.toFixed(0)} requests held its slot ${holdMs.toFixed(1)} ms for a ${a.latencyMs} ms answer: at full use the slots alone need ${slotFloorS.toFixed(2)} s (${(slotFloorS / Math.max(a.floorS, 1e-9)).toFixed(2)}× the ${a.floorS.toFixed(2)} s floor). ` +
    `Within ${a.threshold}× the floor, at ${a.slotsInUse.toFixed(1)} slots in use, a request may hold its slot ${allowedHoldMs.toFixed(1)} ms at most${holdMs > allowedHoldMs ? `: ${(holdMs - allowedHoldMs).toFixed(1)} ms less than now` : ''}. ` +
    `The ${beyond.toFixed(1)} ms per request beyond the bank's latency is CPU work under the slot (the worker building the request and reading the answer, the bank answering it) and both processes' waits for a core on the shared cores.${waits}${busy} ` +
    'So the lever is the CPU per session of the worker, PostgreSQL and the bank on those cores, not concurrency.'
  );
}

/**
 * The evidence for a session scenario's miss: per session the CPU of the worker, PostgreSQL
 * and the sandbox and the statements; sessions at once against those allowed; the stages;
 * the CPU budget; and a reading computed from those numbers — bound by the bank's request
 * slots (nearly all in use: the hold per request is the limit), CPU-bound (the work fills the
 * cores), dispatch-bound (fewer sessions running than allowed) or bound by each session's
 * chain of requests and database work.
 */
export function sessionMissEvidence(d: Details, m: SessionMiss): string[] {
  const p = m.prefix;
  const n = Math.max(m.sessions, 1);
  const perSession = (key: string): number | undefined => (d[`${p}${key}`] === undefined ? undefined : (1000 * (d[`${p}${key}`] ?? 0)) / n);
  const statements = d[`${p}statements`];
  const statementsPerSession = statements === undefined ? undefined : statements / n;
  const meanConcurrent = d[`${p}meanConcurrentSessions`] ?? 0;
  const peak = d[`${p}peakConcurrentSessions`] ?? 0;
  const meanSession = d[`${p}meanSessionS`] ?? 0;
  // A worker may run `allowedSessions` at once, but never more than there are sessions.
  const allowed = m.allowedSessions === undefined ? undefined : Math.min(m.allowedSessions, m.sessions);
  const notes = [
    `Profile (last run, ${m.sessions} sessions): per session worker CPU ${fixed(perSession('workerCpuS'), 1, 'ms')}${kernelShare(perSession('workerKernelCpuS'))}, PostgreSQL CPU ${fixed(perSession('postgresCpuS'), 1, 'ms')}, sandbox CPU ${fixed(
      perSession('sandboxCpuS'),
      1,
      'ms',
    )}, ${statementsPerSession === undefined ? 'database statements not measured' : `${statementsPerSession.toFixed(1)} database statements (pg_stat_statements, BEGIN/COMMIT included)`}; ${meanConcurrent.toFixed(1)} sessions running at once on average (peak ${peak}) of ${
      allowed ?? 'an unknown number'
    } ${m.allowedSessions !== undefined && m.allowedSessions > m.sessions ? `that could run (a worker may run ${m.allowedSessions}, there were ${m.sessions})` : 'a worker may run'}; a session took ${meanSession.toFixed(2)} s — per stage: ${stageSummary(d, p) || 'no stage recorded'}.`,
  ];
  const waits = sessionWaitsNote(d, { prefix: p, sessions: m.sessions, wallS: m.wallS });
  if (waits) notes.push(waits);
  const budget = cpuBudgetNote(d, m.wallS, { unit: 'session', count: n, scale: 'ms' }, p);
  if (budget) notes.push(budget);
  const top = topStatementsNote(d, { unit: 'session', count: n }, p);
  if (top) notes.push(top);

  const cores = d['cores'] ?? 0;
  const total = totalCpu(d, p);
  const share = cpuBoundShare(d, m.wallS, p);
  const inFlight = m.wallS > 0 ? (ALLOWED_CONCURRENCY * m.floorS) / m.wallS : 0;
  const chain = (m.requestsPerSession * m.latencyMs) / 1000;
  const calls = d[`${p}bankCalls`];
  const slotHeldS = d[`${p}limiterSlotHeldS`];
  const slotsInUse = slotHeldS === undefined ? undefined : slotHeldS / Math.max(m.wallS, 1e-9);
  let reading: string;
  if (calls !== undefined && calls > 0 && slotHeldS !== undefined && slotsInUse !== undefined && slotsInUse >= SLOT_BOUND_SHARE * ALLOWED_CONCURRENCY) {
    reading = slotBoundReading({ calls, slotHeldS, slotsInUse, latencyMs: m.latencyMs, threshold: m.threshold, floorS: m.floorS, wallS: m.wallS, d, prefix: p, cores, share: total === undefined ? undefined : share });
  } else if (total !== undefined && share >= 0.8) {
    const offered = m.threshold * m.floorS * cores;
    reading =
      `Reading: CPU-bound — ${total.toFixed(1)} CPU-s on ${cores} cores = ${(total / cores).toFixed(2)} s of the ${m.wallS.toFixed(2)} s wall (${(100 * share).toFixed(0)}%). ` +
      `Within ${m.threshold}× the ${m.floorS.toFixed(2)} s floor the cores offer ${offered.toFixed(1)} CPU-s = ${((1000 * offered) / n).toFixed(1)} ms per session against the ${((1000 * total) / n).toFixed(1)} ms used: ` +
      (offered >= total
        ? 'enough in total, so the time is lost in waits the sum does not show (see where the sessions\' time went above), not in the CPU the work needs.'
        : `the CPU per session (worker, PostgreSQL, sandbox) must fall ${(total / offered).toFixed(1)}× to meet it on this machine.`);
  } else {
    const at = (k: number): number => (m.sessions * meanSession) / Math.max(k, 1e-9);
    const busy = d[`${p}machineBusyPercent`];
    const others = busy === undefined ? undefined : busy - 100 * share;
    const parts = [
      `Reading: ${total === undefined ? 'CPU not fully measured' : `not CPU-bound (the measured work fills ${(100 * share).toFixed(0)}% of ${cores} cores over the wall)`}; ${inFlight.toFixed(1)} of the ${ALLOWED_CONCURRENCY} requests allowed were in flight on average (${ALLOWED_CONCURRENCY} ÷ ${(m.wallS / Math.max(m.floorS, 1e-9)).toFixed(2)}).`,
    ];
    if (busy !== undefined && others !== undefined && busy >= 90 && others >= 50)
      parts.push(
        `But the machine was ${busy.toFixed(0)}% busy, ${others.toFixed(0)} points of it other processes than the worker, PostgreSQL and the sandbox: the sessions' time was largely waiting for a core, so this run's ratio overstates the miss (see the load average).`,
      );
    if (allowed !== undefined && meanConcurrent < 0.8 * allowed)
      parts.push(
        `Dispatch-bound: ${meanConcurrent.toFixed(1)} of the ${allowed} sessions a worker may run were running on average; at ${allowed} the same sessions would take ${at(allowed).toFixed(2)} s instead of ${at(meanConcurrent).toFixed(2)} s.`,
      );
    else parts.push(`Sessions ran near the ${allowed ?? meanConcurrent.toFixed(0)} allowed (${meanConcurrent.toFixed(1)} on average): each session's own length is the limit.`);
    parts.push(
      `A session's ${m.requestsPerSession.toFixed(1)} requests at ${m.latencyMs} ms are ${chain.toFixed(2)} s if sent one after another, ${((100 * chain) / Math.max(meanSession, 1e-9)).toFixed(0)}% of its ${meanSession.toFixed(2)} s; the other ${Math.max(0, meanSession - chain).toFixed(2)} s is the app's own work${
        statementsPerSession === undefined ? '' : ` (${statementsPerSession.toFixed(1)} statements per session)`
      } and waits.`,
    );
    if (m.beforeFirstSessionS !== undefined && m.beforeFirstSessionS > 0)
      parts.push(`${m.beforeFirstSessionS.toFixed(2)} s of the wall (${((100 * m.beforeFirstSessionS) / Math.max(m.wallS, 1e-9)).toFixed(0)}%) passed before the first session started (the planning round and the queue's pick-up).`);
    reading = parts.join(' ');
  }
  notes.push(reading);
  return notes;
}
