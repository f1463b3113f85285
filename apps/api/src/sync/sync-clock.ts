/**
 * The clock the sync engine and scheduler read "now" from (sessions, consent expiry, date
 * windows, the unattended-access budget). Injected so tests can fix today; the domain never
 * reads the clock itself.
 */
export interface SyncClock {
  now(): Date;
}

/** Injection token of the {@link SyncClock}. */
export const SYNC_CLOCK = Symbol('kinko.sync-clock');

/** The real clock. */
export const systemSyncClock: SyncClock = { now: () => new Date() };

/** A clock fixed at `instant` that tests can move (`set`, `advance`). */
export function fixedSyncClock(instant: Date): SyncClock & { set(d: Date): void; advance(ms: number): void } {
  let t = instant.getTime();
  return {
    now: () => new Date(t),
    set: (d: Date) => {
      t = d.getTime();
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}
