import { systemClock, type Clock } from '../clock';

/** Limits one connector's calls within one process (the app adds cross-process limits). */
export interface RequestLimiter {
  /** Waits for a free slot and the next start time; call the returned function when done. */
  acquire(): Promise<() => void>;
}

/**
 * At most `maxConcurrency` requests in flight, and each start at least 1/requestsPerSecond
 * after the previous one actually started (spacing rather than a bucket: a bank's "10 per
 * second" is never exceeded in any one-second window, and a stalled event loop cannot
 * release a bunch of pre-booked starts at once). Waiters are served in order.
 */
export function createRequestLimiter(options: {
  readonly maxConcurrency: number;
  readonly requestsPerSecond: number;
  readonly clock?: Clock;
}): RequestLimiter {
  const clock = options.clock ?? systemClock;
  const interval = 1000 / options.requestsPerSecond;
  let inFlight = 0;
  let lastStart = Number.NEGATIVE_INFINITY;
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
        const wait = lastStart + interval - clock.now().getTime();
        if (wait > 0) await clock.sleep(wait);
        lastStart = clock.now().getTime();
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
