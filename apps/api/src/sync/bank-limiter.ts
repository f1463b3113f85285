import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { statementNamer } from '../database/prepared-sql';
import { LOCK_SPACE } from './sync-locks';
import { SYNC_OPTIONS, SYNC_SETTINGS, type SyncModuleOptions, type SyncSettings } from './sync-options';

/** The limits one connector's manifest sets for requests to its bank. */
export interface BankLimits {
  readonly maxConcurrency: number;
  readonly requestsPerSecond: number;
}

/** No bank request slot became free in time: the attempt is given up and retried later. */
export class BankSlotTimeoutError extends Error {
  override readonly name = 'BankSlotTimeoutError';
}

/** What the limiter did (for metrics and the benchmark). */
export interface BankLimiterStats {
  /** Requests let through. */
  readonly acquired: number;
  /** Limiter queries sent (slot tries, rate reservations, releases). */
  readonly queries: number;
  /** Time those queries took (round trips, not counting waits for the limiter connection), ms. */
  readonly overheadMs: number;
  /** Time spent pausing between slot tries or for the rate, ms. */
  readonly waitedMs: number;
  /**
   * Time from asking to run a request to sending it, summed over the requests, ms: in line
   * behind this process's other callers, for a slot, for the rate, and the limiter's own queries.
   */
  readonly delayedMs: number;
  /** Time request slots were in use (from a request's slot taken to given back), summed, ms. */
  readonly heldMs: number;
}

/** A stable prepared-statement name per distinct limiter statement text. */
const statementName = statementNamer('kinko_bank_limiter');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits `ms`, or less if `until` settles first. */
const sleepUnless = (ms: number, until: Promise<unknown>): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    until.then(done, done);
  });

/**
 * Tries the slots `$3` of connector `$2`, in that order, and locks the first one free: its number,
 * or no row. The filter runs row by row under the LIMIT (no sort), so no slot after the one locked
 * is tried (and none is locked but that one). A slot's key is the one the unlock uses.
 */
const TRY_SLOTS_SQL = `SELECT slot FROM unnest($3::int[]) AS slot WHERE pg_try_advisory_lock($1, hashtext($2 || ':' || slot)) LIMIT 1`;

/** How long a slot this process no longer uses stays locked for its next request (no unlock, no lock query). */
export const SLOT_LINGER_MS = 50;
/** A slot locked longer than this is unlocked at its next release (another process may be waiting for it). */
export const SLOT_MAX_HOLD_MS = 1_000;
/** Most rate tokens one reservation takes for this process's next requests (at most a quarter of the burst). */
export const RATE_BATCH_MAX = 16;
/** How long reserved rate tokens stay usable after their reservation (the burst allowed is lowered by as many intervals). */
export const RATE_TOKEN_TTL_MS = 50;

/**
 * Per-bank request limits that hold across every worker process:
 *
 * - **Concurrency** — a semaphore of `maxConcurrency` slots, each a PostgreSQL advisory lock
 *   keyed by (connector, slot) held by this process's limiter connection while a request is
 *   in flight; the slots it does not hold are tried by one statement per round. A crashed process's connection closes and its slots are free at once.
 *   (Advisory locks are re-entrant per connection, so the process also tracks the slots it
 *   holds and only tries the others.)
 * - **Rate** — a GCRA token bucket: one row per connector (`sync_rate_limits.tat`, the
 *   theoretical arrival time), advanced by a single UPDATE per reservation (one request, or a
 *   batch this process spends at once) that returns how long to wait; bursts of up to a fifth
 *   of a second's worth of requests pass at once.
 *
 * Costs one rate reservation per batch of requests and no slot query while this process
 * keeps the bank busy: a finished request hands its slot to the next local caller waiting
 * for one, or keeps it locked for {@link SLOT_LINGER_MS} for the next request of this process (a session's next
 * page, another account); an idle slot is unlocked after that, and a slot held for longer
 * than {@link SLOT_MAX_HOLD_MS} is unlocked at its next release, so other processes get their
 * turn. An idle bank costs three queries for a lone request (lock, rate, unlock).
 */
@Injectable()
export class BankLimiter implements BeforeApplicationShutdown {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly held = new Map<string, Set<number>>();
  /** Per connector: slots still locked by this process but not in use, and their unlock timers. */
  private readonly idle = new Map<string, Map<number, NodeJS.Timeout>>();
  /** Per connector and slot: when this process locked it. */
  private readonly lockedAt = new Map<string, Map<number, number>>();
  /** Per connector: rate tokens this process reserved and has not spent, usable until `until` (ms). */
  private readonly tokens = new Map<string, { left: number; until: number }>();
  /** Per connector: the batch reservation under way (callers of this process wait for it rather than reserve their own). */
  private readonly reserving = new Map<string, Promise<void>>();
  private readonly logger = new Logger('BankLimiter');
  private stats = { acquired: 0, queries: 0, overheadMs: 0, waitedMs: 0, delayedMs: 0, heldMs: 0 };
  /** Per connector: the caller whose turn it is to look for a slot (the others wait in line, without polling). */
  private readonly line = new Map<string, Promise<void>>();
  /** Per connector: the callers waiting for a slot in this process, oldest first. */
  private readonly waiters = new Map<string, Array<{ resolve: (slot: number) => void; handed: boolean }>>();
  private closed = false;

  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: SyncModuleOptions,
    @Inject(SYNC_SETTINGS) private readonly settings: SyncSettings,
  ) {}

  /** Counters since start. */
  statistics(): BankLimiterStats {
    return { ...this.stats };
  }

  /** Runs one bank request within the connector's limits (waits for a slot and for the rate). */
  async run<T>(connectorId: string, limits: BankLimits, request: () => Promise<T>): Promise<T> {
    const asked = performance.now();
    const slot = await this.acquireSlot(connectorId, limits.maxConcurrency);
    const taken = performance.now();
    try {
      await this.awaitRate(connectorId, limits.requestsPerSecond);
      this.stats.acquired += 1;
      this.stats.delayedMs += performance.now() - asked;
      return await request();
    } finally {
      this.stats.heldMs += performance.now() - taken;
      await this.releaseSlot(connectorId, slot);
    }
  }

  private async acquireSlot(connectorId: string, max: number): Promise<number> {
    const kept = this.takeIdle(connectorId, max);
    if (kept !== undefined) return kept;
    // One caller per connector and process polls the database; the others queue behind it.
    // A slot released while callers wait here is handed to the first of them directly
    // (still locked by this process), saving its unlock and the next caller's lock queries.
    const waiter = { resolve: (_slot: number): void => undefined, handed: false };
    const handed = new Promise<number>((resolve) => {
      waiter.resolve = (slot) => {
        waiter.handed = true;
        resolve(slot);
      };
    });
    const waiters = this.waiters.get(connectorId) ?? [];
    this.waiters.set(connectorId, waiters);
    waiters.push(waiter);
    const previous = this.line.get(connectorId) ?? Promise.resolve();
    let done!: () => void;
    const turn = new Promise<void>((resolve) => (done = resolve));
    const tail = previous.then(() => turn);
    this.line.set(connectorId, tail);
    try {
      const first = await Promise.race([previous.then(() => undefined), handed]);
      if (first !== undefined) return first;
      if (waiter.handed) return await handed;
      const polled = await this.pollSlot(connectorId, max, () => waiter.handed, handed);
      return polled >= 0 ? polled : await handed;
    } catch (e) {
      if (waiter.handed) return await handed;
      throw e;
    } finally {
      const i = waiters.indexOf(waiter);
      if (i >= 0) waiters.splice(i, 1);
      done();
      if (this.line.get(connectorId) === tail) this.line.delete(connectorId);
    }
  }

  /**
   * Tries the free slots until one is locked; returns -1 as soon as `handedOver()` (a slot was given
   * to this caller meanwhile: `handed` resolves). Its pause between two rounds ends as soon as a
   * slot is handed over: the caller looking for a slot is the first in line, so a slot this
   * process releases goes to it, and must not stay idle for the rest of the pause.
   */
  private async pollSlot(connectorId: string, max: number, handedOver: () => boolean, handed: Promise<number>): Promise<number> {
    const started = Date.now();
    let pause = 5;
    for (;;) {
      if (handedOver()) return -1;
      const mine = this.held.get(connectorId) ?? new Set<number>();
      this.held.set(connectorId, mine);
      // Start at a random slot so processes do not all fight over slot 0.
      const offset = Math.floor(Math.random() * max);
      const free: number[] = [];
      for (let i = 0; i < max; i += 1) {
        const slot = (offset + i) % max;
        if (!mine.has(slot)) free.push(slot);
      }
      if (free.length > 0) {
        // Reserved locally during the round trip (a concurrent caller skips them); the slots this
        // process does not hold are tried in that order by ONE statement, which stops at the first
        // it locks (one query per round, not one per slot).
        for (const slot of free) mine.add(slot);
        let slot: number | undefined;
        try {
          const rows = await this.query<{ slot: number }>(TRY_SLOTS_SQL, [LOCK_SPACE.connectorSlot, connectorId, free]);
          slot = rows[0]?.slot;
        } finally {
          for (const other of free) if (other !== slot) mine.delete(other);
        }
        if (slot !== undefined) {
          this.lockedAtOf(connectorId).set(slot, Date.now());
          if (!handedOver()) return slot;
          await this.releaseSlot(connectorId, slot);
          return -1;
        }
        if (handedOver()) return -1;
      }
      if (Date.now() - started > this.settings.slotWaitMs) throw new BankSlotTimeoutError(`no request slot for ${connectorId} within ${this.settings.slotWaitMs} ms`);
      const wait = pause + Math.random() * pause;
      this.stats.waitedMs += wait;
      await sleepUnless(wait, handed);
      pause = Math.min(pause * 2, 50);
    }
  }

  /** A slot this process keeps locked and does not use (a lower one first), if any: no query. */
  private takeIdle(connectorId: string, max: number): number | undefined {
    const idle = this.idle.get(connectorId);
    if (!idle || idle.size === 0) return undefined;
    for (const [slot, timer] of idle) {
      clearTimeout(timer);
      idle.delete(slot);
      // A slot beyond a lowered limit is not reused (it is unlocked instead).
      if (slot < max) return slot;
      void this.unlockSlot(connectorId, slot);
    }
    return undefined;
  }

  private lockedAtOf(connectorId: string): Map<number, number> {
    const m = this.lockedAt.get(connectorId) ?? new Map<number, number>();
    this.lockedAt.set(connectorId, m);
    return m;
  }

  private async releaseSlot(connectorId: string, slot: number): Promise<void> {
    const next = this.waiters.get(connectorId)?.find((w) => !w.handed);
    if (next) {
      // Still locked by this process: the next local caller uses it (the limit holds, one request per slot).
      next.resolve(slot);
      return;
    }
    const since = this.lockedAt.get(connectorId)?.get(slot);
    if (!this.closed && this.client && since !== undefined && Date.now() - since < SLOT_MAX_HOLD_MS) {
      // Kept locked a moment for this process's next request; unlocked if none comes.
      const idle = this.idle.get(connectorId) ?? new Map<number, NodeJS.Timeout>();
      this.idle.set(connectorId, idle);
      const timer = setTimeout(() => {
        if (idle.get(slot) !== timer) return;
        idle.delete(slot);
        void this.unlockSlot(connectorId, slot);
      }, SLOT_LINGER_MS);
      timer.unref();
      idle.set(slot, timer);
      return;
    }
    await this.unlockSlot(connectorId, slot);
  }

  private async unlockSlot(connectorId: string, slot: number): Promise<void> {
    this.lockedAt.get(connectorId)?.delete(slot);
    try {
      await this.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_SPACE.connectorSlot, `${connectorId}:${slot}`]);
    } catch (e) {
      this.logger.warn(`could not release a request slot of ${connectorId}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.held.get(connectorId)?.delete(slot);
    }
  }

  /**
   * Waits for the rate. One reservation takes a batch of k tokens (k ≤ a quarter of the burst,
   * at most {@link RATE_BATCH_MAX}) as if k requests arrived at once, with the burst it may use
   * lowered by the intervals in {@link RATE_TOKEN_TTL_MS} (≤ a quarter of the burst): this
   * process spends them within that time of the reservation, so a request spent late is one
   * the lowered burst left room for, and no second sees more than `requestsPerSecond` + the
   * burst. Unspent tokens expire (capacity left unused, never exceeded). A bank too slow for a
   * batch (burst < 8) costs one reservation per request, as before.
   */
  private async awaitRate(connectorId: string, rps: number): Promise<void> {
    const intervalMs = 1000 / rps;
    const burst = Math.max(1, Math.ceil(rps / 5));
    const batch = Math.max(1, Math.min(RATE_BATCH_MAX, Math.floor(burst / 4)));
    if (batch === 1) return this.reserveRate(connectorId, intervalMs, burst, 1);
    for (;;) {
      const kept = this.tokens.get(connectorId);
      if (kept && kept.left > 0 && Date.now() < kept.until) {
        kept.left -= 1;
        return;
      }
      const pending = this.reserving.get(connectorId);
      if (pending) {
        await pending.catch(() => undefined);
        continue;
      }
      const reservation = this.reserveRate(connectorId, intervalMs, burst, batch).finally(() => this.reserving.delete(connectorId));
      this.reserving.set(connectorId, reservation);
      await reservation;
    }
  }

  /** One reservation of `batch` tokens (the GCRA row); waits until they may be spent, then keeps a batch's for this process. */
  private async reserveRate(connectorId: string, intervalMs: number, burst: number, batch: number): Promise<void> {
    const reservedAt = Date.now();
    const rows = await this.query<{ ahead_ms: string }>(
      `INSERT INTO sync_rate_limits (connector_id, tat) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
       ON CONFLICT (connector_id) DO UPDATE SET tat = GREATEST(sync_rate_limits.tat, clock_timestamp()) + $2 * interval '1 millisecond'
       RETURNING (EXTRACT(EPOCH FROM (tat - clock_timestamp())) * 1000)::text AS ahead_ms`,
      [connectorId, batch * intervalMs],
    );
    const allowance = batch > 1 ? burst - Math.ceil(RATE_TOKEN_TTL_MS / intervalMs) : burst;
    const wait = Number(rows[0]?.ahead_ms ?? 0) - allowance * intervalMs;
    if (wait > 0) {
      this.stats.waitedMs += wait;
      await sleep(wait);
    }
    if (batch > 1) this.tokens.set(connectorId, { left: batch, until: reservedAt + Math.max(0, wait) + RATE_TOKEN_TTL_MS });
  }

  /**
   * Runs one query on the limiter connection (serialised: one connection, one query at a
   * time), as a named prepared statement: the limiter's three statements are parsed and
   * planned once per connection, not once per bank request.
   */
  private query<R>(text: string, values: unknown[]): Promise<R[]> {
    const run = async (): Promise<R[]> => {
      const client = await this.connection();
      const t = performance.now();
      try {
        return (await client.query({ name: statementName(text), text, values })).rows as R[];
      } catch (e) {
        // A broken connection lost every slot it held: start over with a new one.
        if (!this.client || (e as { code?: string }).code === undefined) this.drop();
        throw e;
      } finally {
        this.stats.queries += 1;
        this.stats.overheadMs += performance.now() - t;
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private connection(): Promise<Client> {
    if (this.closed) return Promise.reject(new Error('the bank limiter is closed'));
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new Client({ connectionString: this.options.databaseUrl, application_name: 'kinko-bank-limiter' });
      client.on('error', (e) => {
        this.logger.warn(`limiter connection: ${e.message}`);
        this.drop();
      });
      await client.connect();
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Forgets the slots kept idle (their locks go with the connection, or are released by the caller). */
  private forgetIdle(): void {
    for (const idle of this.idle.values()) for (const timer of idle.values()) clearTimeout(timer);
    this.idle.clear();
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    this.forgetIdle();
    this.lockedAt.clear();
    this.held.clear();
    void client?.end().catch(() => undefined);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    // The connection's end releases every lock, the idle slots' too.
    this.forgetIdle();
    await this.queue.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
