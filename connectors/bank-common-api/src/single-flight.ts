import type { Redacted } from 'effect';
import { ok, type Outcome } from '@kinko/connector-sdk';

/** A system token as obtained: the token and when to stop using it (ms since the epoch, by our clock). */
export interface ObtainedToken {
  readonly token: Redacted.Redacted<string>;
  readonly renewAt: number;
}

/** A system token handed to a caller; `fresh` when it was obtained for this call rather than taken from the cache. */
export interface SystemTokenUse {
  readonly token: Redacted.Redacted<string>;
  readonly fresh: boolean;
}

/**
 * The client's system token (POST /auth/system_token), cached until shortly before it
 * expires. Concurrent callers while none is cached share one request; a failed request
 * is not cached, so the next caller tries again.
 */
export class SystemTokenCache {
  private cached: ObtainedToken | undefined;
  private inflight: Promise<Outcome<ObtainedToken>> | undefined;

  constructor(
    private readonly obtain: () => Promise<Outcome<ObtainedToken>>,
    private readonly now: () => number,
  ) {}

  /** A usable system token: the cached one, or one obtained now (shared with concurrent callers). */
  async get(): Promise<Outcome<SystemTokenUse>> {
    const cached = this.cached;
    if (cached !== undefined && this.now() < cached.renewAt) return ok({ token: cached.token, fresh: false });
    if (this.inflight === undefined) {
      const flight = this.obtain().then((out) => {
        if (out.ok) this.cached = out.value;
        return out;
      });
      this.inflight = flight;
      // Cleared however it ends, so a failure is retried by the next caller.
      const clear = (): void => {
        if (this.inflight === flight) this.inflight = undefined;
      };
      flight.then(clear, clear);
    }
    const out = await this.inflight;
    return out.ok ? ok({ token: out.value.token, fresh: true }) : out;
  }

  /** Forgets `token` if it is the cached one (the bank stopped accepting it). */
  invalidate(token: Redacted.Redacted<string>): void {
    if (this.cached?.token === token) this.cached = undefined;
  }
}

/**
 * Runs at most one call per key at a time: callers with the same key while one runs get
 * its promise. Used for refreshes: the bank rotates refresh tokens, so two refreshes of one
 * grant would leave one caller with a dead pair.
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  /** The running call for `key`, or a new one started with `start`. */
  run(key: string, start: () => Promise<T>): Promise<T> {
    const running = this.running.get(key);
    if (running !== undefined) return running;
    const flight = start();
    this.running.set(key, flight);
    const clear = (): void => {
      if (this.running.get(key) === flight) this.running.delete(key);
    };
    flight.then(clear, clear);
    return flight;
  }

  /** Keys with a call running (for tests and diagnostics). */
  get size(): number {
    return this.running.size;
  }
}
