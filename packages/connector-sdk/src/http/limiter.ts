import { systemClock, type Clock } from '../clock';

/** Limits one connector's calls within one process (the app adds cross-process limits). */
export interface RequestLimiter {
  /** Waits for a free slot and the next start time; call the returned function when done. */
  acquire(): Promise<() => void>;
}

/** Requests per second from which starts are spaced per window of {@link startsPerWindow} rather than one by one. */
const WINDOWS_PER_SECOND = 50;

/**
 * How many requests may start within one window of 1/{@link WINDOWS_PER_SECOND} s: one below
 * 100 requests per second (each start spaced by 1/requestsPerSecond), else the rate's share of
 * a 20 ms window.
 */
export const startsPerWindow = (requestsPerSecond: number): number => Math.max(1, Math.floor(requestsPerSecond / WINDOWS_PER_SECOND));

/**
 * At most `maxConcurrency` requests in flight, and starts spaced by the rate: any
 * {@link startsPerWindow} starts in a row span at least a window (a whole fraction of a second
 * holding no more than the rate's share), measured between actual starts (rather than a bucket:
 * a bank's "10 per second" is never exceeded in any one-second window, and a stalled event loop
 * releases at most one window's starts at once, never a bunch of pre-booked ones). Below 100
 * requests per second that is one start per interval of 1/requestsPerSecond. A faster bank
 * (500 per second: 10 starts per 20 ms) lets a window's starts pass together instead of each
 * waiting on a timer of its own behind the previous one: on a busy event loop each such timer
 * fired late, and the wait counted in every request's time under the app's bank slot.
 * Waiters are served in order.
 */
export function createRequestLimiter(options: {
  readonly maxConcurrency: number;
  readonly requestsPerSecond: number;
  readonly clock?: Clock;
}): RequestLimiter {
  const clock = options.clock ?? systemClock;
  const perWindow = startsPerWindow(options.requestsPerSecond);
  // One start per interval; or windows of whole milliseconds (the clock's), at most as many per second as
  // requestsPerSecond holds windows' starts, so that no second holds more than requestsPerSecond starts.
  const windowMs = perWindow === 1 ? 1000 / options.requestsPerSecond : Math.ceil(1000 / Math.floor(options.requestsPerSecond / perWindow));
  let inFlight = 0;
  /** The last `perWindow` actual starts (a ring: `oldest` is the next to be replaced). */
  const starts: number[] = [];
  let oldest = 0;
  let gate: Promise<void> = Promise.resolve();
  const waiting: Array<() => void> = [];

  const release = (): void => {
    inFlight -= 1;
    const next = waiting.shift();
    if (next) {
      inFlight += 1;
      next();
    }
  };

  return {
    async acquire() {
      if (inFlight < options.maxConcurrency) inFlight += 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      // Starts pass one at a time; each measures from the previous real start.
      const turn = gate.then(async () => {
        // The start `perWindow` starts ago must be a window old.
        const wait = starts.length < perWindow ? 0 : (starts[oldest] as number) + windowMs - clock.now().getTime();
        if (wait > 0) await clock.sleep(wait);
        const now = clock.now().getTime();
        if (starts.length < perWindow) starts.push(now);
        else {
          starts[oldest] = now;
          oldest = (oldest + 1) % perWindow;
        }
      });
      gate = turn;
      await turn;
      let released = false;
      return () => {
        if (!released) {
          released = true;
          release();
        }
      };
    },
  };
}
