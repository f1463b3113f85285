/** How the HTTP helpers retry retryable failures. */
export interface RetryPolicy {
  /** Total attempts including the first (1 disables retries). */
  readonly maxAttempts: number;
  /** The backoff base: attempt n waits a random time in [0, min(maxDelayMs, baseDelayMs·2ⁿ⁻¹)]. */
  readonly baseDelayMs: number;
  /**
   * The longest single wait, Retry-After included. When the bank asks for longer, the call
   * gives up at once with a rate-limited / service-unavailable error carrying the wait.
   */
  readonly maxDelayMs: number;
}

/** Defaults: 3 attempts, 200 ms base, 10 s cap. */
export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 10_000 };

/** "Full jitter" exponential backoff for the wait after failed attempt `attempt` (1-based). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Parses a Retry-After header value: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Returns milliseconds from `now` (never negative) or undefined when absent or invalid.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // HTTP dates always name a weekday and GMT; Date.parse alone accepts far too much.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** RFC 9110 idempotent methods (a connector overrides per call, e.g. a rotating PUT /auth/token). */
export const isIdempotentMethod = (method: string): boolean => IDEMPOTENT.has(method.toUpperCase());

/** Statuses worth retrying: the request timed out, was throttled, or the bank failed transiently. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
