import { dateInZone, type CalendarDate } from '@kinko/domain';

/** Time as a connector sees it: injected so tests can control it. */
export interface Clock {
  /** The current instant. */
  now(): Date;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** Today's date at the bank (in the manifest's time zone). */
export const todayAt = (clock: Clock, timeZone: string): CalendarDate => dateInZone(clock.now(), timeZone);
