import * as fs from 'node:fs';

/**
 * What an app process says about its own waits, read from its Prometheus `/metrics` (the
 * worker's KINKO_WORKER_HTTP_PORT, the API's KINKO_METRICS_PORT) and from the kernel
 * (/proc/<pid>/schedstat), over a timed window: the first scrape starts the window (it also
 * resets prom-client's event-loop delay histogram), the second ends it.
 */

/** The samples of a Prometheus text exposition, by series (name and labels as written). */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    if (at <= 0) continue;
    const value = Number(line.slice(at + 1));
    if (Number.isFinite(value)) out.set(line.slice(0, at), value);
  }
  return out;
}

/** The sum of every series of metric `name` (whatever its labels); undefined when there is none. */
export function metricSum(samples: ReadonlyMap<string, number>, name: string): number | undefined {
  let sum: number | undefined;
  for (const [series, value] of samples) if (series === name || series.startsWith(`${name}{`)) sum = (sum ?? 0) + value;
  return sum;
}

/** GET `<url>/metrics`, parsed; undefined when the process does not answer. */
export async function scrapeMetrics(url: string): Promise<Map<string, number> | undefined> {
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return res.ok ? parsePrometheus(await res.text()) : undefined;
  } catch {
    return undefined;
  }
}

/** Seconds the process's main thread (the event loop) has waited on a run queue for a core (/proc/<pid>/schedstat); undefined when unreadable. */
export function runQueueSeconds(pid: number): number | undefined {
  try {
    const waited = Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/)[1]);
    return Number.isFinite(waited) ? waited / 1e9 : undefined;
  } catch {
    return undefined;
  }
}

/** Counters whose window difference is a detail: detail name → metric. */
const COUNTERS: ReadonlyArray<readonly [string, string]> = [
  ['poolCheckouts', 'kinko_db_pool_checkouts_total'],
  ['poolWaits', 'kinko_db_pool_waits_total'],
  ['poolWaitS', 'kinko_db_pool_wait_seconds_total'],
  ['poolHeldS', 'kinko_db_pool_held_seconds_total'],
  ['limiterRequests', 'kinko_bank_limiter_requests_total'],
  ['limiterDelayS', 'kinko_bank_limiter_delay_seconds_total'],
  ['limiterSlotHeldS', 'kinko_bank_limiter_slot_held_seconds_total'],
  ['limiterQueries', 'kinko_bank_limiter_queries_total'],
  ['limiterQueryS', 'kinko_bank_limiter_query_seconds_total'],
  ['bankCalls', 'kinko_bank_call_duration_seconds_count'],
  ['bankCallS', 'kinko_bank_call_duration_seconds_sum'],
];

/**
 * prom-client's event-loop sampling interval (collectDefaultMetrics' eventLoopMonitoringPrecision,
 * the app's default): monitorEventLoopDelay records the time between two of its timer's runs, so
 * an idle loop reads this; the delay is what exceeds it.
 */
export const EVENT_LOOP_RESOLUTION_MS = 10;

/**
 * The window's details from its two scrapes: each counter's difference (see {@link COUNTERS}),
 * the pool's size, and the event loop's delay over the window (prom-client's
 * monitorEventLoopDelay histogram, reset by the first scrape: its mean, p99 and max beyond
 * {@link EVENT_LOOP_RESOLUTION_MS}, in ms).
 */
export function metricsWindow(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, name] of COUNTERS) {
    const a = metricSum(after, name);
    if (a !== undefined) out[`${prefix}${key}`] = a - (metricSum(before, name) ?? 0);
  }
  const max = after.get('kinko_db_pool_connections{state="max"}');
  if (max !== undefined) out[`${prefix}poolMax`] = max;
  for (const [key, name] of [
    ['eventLoopDelayMeanMs', 'kinko_nodejs_eventloop_lag_mean_seconds'],
    ['eventLoopDelayP99Ms', 'kinko_nodejs_eventloop_lag_p99_seconds'],
    ['eventLoopDelayMaxMs', 'kinko_nodejs_eventloop_lag_max_seconds'],
  ] as const) {
    const v = after.get(name);
    if (v !== undefined) out[`${prefix}${key}`] = Math.max(0, 1000 * v - EVENT_LOOP_RESOLUTION_MS);
  }
  return out;
}
