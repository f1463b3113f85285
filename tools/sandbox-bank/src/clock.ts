/**
 * Time for the sandboxes. Every "now" a sandbox needs (today's date, token expiry,
 * Retry-After dates) comes from a {@link Clock}, so tests can pin or move time.
 */

/** Returns the current instant. The default is the real time. */
export type Clock = () => Date;

/** The real clock. */
export const systemClock: Clock = () => new Date();

/** A clock that only moves when told to (tests); call it like any {@link Clock}. */
export interface ManualClock extends Clock {
  /** Moves the clock to `instant`. */
  set(instant: Date | string): void;
  /** Moves the clock forward by `ms` milliseconds (negative moves back). */
  advance(ms: number): void;
}

/** Creates a {@link ManualClock} standing at `start` (a Date or an ISO 8601 string). */
export function manualClock(start: Date | string): ManualClock {
  let now = toInstant(start);
  const clock = (() => new Date(now)) as ManualClock;
  clock.set = (instant) => {
    now = toInstant(instant);
  };
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}

/**
 * A clock that starts at `start` and then runs at real speed (the demo's `--today`):
 * the data stay anchored to a chosen day while tokens still expire in real time.
 */
export function offsetClock(start: Date | string, real: Clock = systemClock): Clock {
  const offset = toInstant(start) - real().getTime();
  return () => new Date(real().getTime() + offset);
}

function toInstant(value: Date | string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : value.getTime();
  if (Number.isNaN(ms)) throw new Error(`not an instant: ${String(value)}`);
  return ms;
}
