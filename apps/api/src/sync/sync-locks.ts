import { setMaxListeners } from 'node:events';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { Pool, type PoolClient } from 'pg';
import { statementNamer } from '../database/prepared-sql';
import { SYNC_OPTIONS, type SyncModuleOptions } from './sync-options';

// The run lock's two statements (take, release), named once per text.
const runStatementName = statementNamer('kinko_run_lock');

/** Advisory-lock key spaces (the first int of PostgreSQL's two-int advisory locks). */
export const LOCK_SPACE = {
  /** A connection's session is being run (held for the whole run). */
  connectionRun: 0x4b4e0001,
  /** One slot of a connector's concurrency limit. */
  connectorSlot: 0x4b4e0002,
  /** The scheduler's planning round (one process at a time). */
  scheduler: 0x4b4e0003,
} as const;

/**
 * Connections of the lock pool: the run-lock connection, the scheduler's and the watchdog's
 * singletons, the watchdog's check of a job's run lock, and one to spare.
 */
export const LOCK_POOL_SIZE = 5;

/**
 * How long a released run lock stays locked before its unlock is sent on its own: the next
 * run-lock statement of the process (the next session's lock) carries every unlock waiting by
 * then, and a session of the same connection starting here meanwhile takes it back with no
 * statement. One statement per session instead of two while sessions follow one another.
 */
export const RUN_UNLOCK_LINGER_MS = 20;

// The run-lock connection's two statements: the lock of one connection's run with the unlocks
// waiting by then ($3, none or several), and those unlocks on their own.
const TRY_RUN_LOCK_SQL = `SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok, (SELECT count(*) FROM unnest($3::text[]) AS k WHERE pg_advisory_unlock($1, hashtext(k)))::int AS unlocked`;
const RUN_UNLOCKS_SQL = `SELECT count(*)::int AS unlocked FROM unnest($2::text[]) AS k WHERE pg_advisory_unlock($1, hashtext(k))`;

/** A held lock; release it once (releasing twice is harmless). */
export interface HeldLock {
  release(): Promise<void>;
  /**
   * Aborted when the connection holding the lock broke (PostgreSQL stopped or restarted, the
   * network dropped): the lock is gone with it, so the work it guarded must stop.
   */
  readonly lost: AbortSignal;
}

/** A pool client with an 'error' listener while checked out; `broken` aborts when its connection breaks. */
type LockConnection = PoolClient & { readonly broken: AbortSignal; readonly breakOff: (e: Error) => void };

/**
 * PostgreSQL advisory locks on a small pool of its own (so a held lock never takes a
 * connection the app's queries need). A session-level advisory lock lives as long as the
 * connection holding it: when a worker process dies, PostgreSQL drops its connections and
 * every lock it held is free at once — which is how the watchdog tells a dead worker from a
 * slow one.
 *
 * The run locks of all the sessions a process runs are held by ONE connection of the pool
 * (taken and released by short queries on it), so a worker's connections do not grow with
 * its `concurrency`: the pool is that connection, the scheduler's and the watchdog's
 * singletons and the watchdog's checks ({@link LOCK_POOL_SIZE}). Advisory locks are
 * re-entrant per connection, so the process also tracks the run locks it holds.
 */
@Injectable()
export class SyncLocks implements BeforeApplicationShutdown {
  readonly pool: Pool;
  private readonly logger = new Logger('SyncLocks');
  /** The connection holding this process's run locks (taken when the first one is), and the connections whose run lock it holds. */
  private runClient: LockConnection | undefined;
  private runConnecting: Promise<LockConnection> | undefined;
  private readonly runLocks = new Set<string>();
  /** Run locks released whose unlock is not sent yet (still held by the run-lock connection, and in `runLocks`), and the timer that sends them. */
  private readonly unlocking = new Set<string>();
  private unlockTimer: NodeJS.Timeout | undefined;
  /** The queries on the run-lock connection, one after another (a pg client runs one at a time). */
  private runQueries: Promise<unknown> = Promise.resolve();
  private shuttingDown = false;

  constructor(@Inject(SYNC_OPTIONS) options: SyncModuleOptions) {
    this.pool = new Pool({ connectionString: options.databaseUrl, max: LOCK_POOL_SIZE, application_name: 'kinko-sync-locks', idleTimeoutMillis: 30_000 });
    this.pool.on('error', (e) => this.logger.warn(`lock pool: ${e.message}`));
  }

  /**
   * Takes the run lock of a connection (held by the process's run-lock connection until
   * released); null when another process (or this one) runs a session of the connection
   * right now. `lost` aborts when that connection breaks (every run lock of the process is
   * gone with it).
   */
  async tryHoldConnectionRun(connectionId: string): Promise<HeldLock | null> {
    if (this.unlocking.has(connectionId) && this.runClient && !this.runClient.broken.aborted) {
      // Released by this process a moment ago and not unlocked yet: still held, taken back.
      this.unlocking.delete(connectionId);
      return this.heldRun(this.runClient, connectionId);
    }
    if (this.runLocks.has(connectionId)) return null;
    this.runLocks.add(connectionId);
    let held = false;
    let client: LockConnection | undefined;
    try {
      client = await this.runLockConnection();
      const r = await this.onRunConnection(client, TRY_RUN_LOCK_SQL, (unlocks) => [LOCK_SPACE.connectionRun, connectionId, unlocks]);
      held = r?.rows[0]?.ok === true;
    } catch (e) {
      if (client) this.dropRunConnection(client, e);
      throw e;
    } finally {
      if (!held) this.forgetRunLock(connectionId);
    }
    if (!held || !client) return null;
    return this.heldRun(client, connectionId);
  }

  /**
   * The run lock of `connectionId`, held by `holder`. Its release unlocks it with the run-lock
   * connection's next statement, or on its own after {@link RUN_UNLOCK_LINGER_MS} (at once when
   * the process shuts down: its connection's end releases it).
   */
  private heldRun(holder: LockConnection, connectionId: string): HeldLock {
    let released = false;
    return {
      lost: holder.broken,
      release: () => {
        if (released) return Promise.resolve();
        released = true;
        if (holder.broken.aborted || this.runClient !== holder || this.shuttingDown) {
          // Gone with its connection (or going: the shutdown drops it once no run lock is left).
          this.forgetRunLock(connectionId);
          return Promise.resolve();
        }
        this.unlocking.add(connectionId);
        if (!this.unlockTimer) {
          this.unlockTimer = setTimeout(() => void this.sendUnlocks(), RUN_UNLOCK_LINGER_MS);
          this.unlockTimer.unref();
        }
        return Promise.resolve();
      },
    };
  }

  /** The unlocks still waiting, in a statement of their own (the timer's). */
  private async sendUnlocks(): Promise<void> {
    this.unlockTimer = undefined;
    const client = this.runClient;
    if (!client || this.unlocking.size === 0) return;
    try {
      await this.onRunConnection(client, RUN_UNLOCKS_SQL, (unlocks) => (unlocks.length > 0 ? [LOCK_SPACE.connectionRun, unlocks] : undefined));
    } catch (e) {
      // The connection failed: its locks are gone anyway; throw it away.
      this.dropRunConnection(client, e);
    }
  }

  /**
   * One query on the run-lock connection, after those already sent: a named prepared statement
   * (the lock and the unlocks of every session, parsed and planned once on the connection).
   * `params` is given the unlocks waiting when the query is sent (they go with it, and are
   * forgotten once it is answered); undefined: nothing to send.
   */
  private onRunConnection(client: LockConnection, sql: string, params: (unlocks: string[]) => unknown[] | undefined): Promise<{ rows: Array<{ ok?: boolean }> } | undefined> {
    const result = this.runQueries.then(async () => {
      const unlocks = [...this.unlocking];
      const values = params(unlocks);
      if (!values) return undefined;
      this.unlocking.clear();
      try {
        return await client.query<{ ok?: boolean }>({ name: runStatementName(sql), text: sql, values });
      } finally {
        // Unlocked, or gone with the connection that failed (the caller drops it).
        for (const id of unlocks) this.forgetRunLock(id);
      }
    });
    this.runQueries = result.catch(() => undefined);
    return result;
  }

  private forgetRunLock(connectionId: string): void {
    this.runLocks.delete(connectionId);
    if (this.shuttingDown && this.runLocks.size === 0 && this.runClient) this.dropRunConnection(this.runClient);
  }

  /** The process's run-lock connection; a new one once the last one broke. */
  private async runLockConnection(): Promise<LockConnection> {
    const current = this.runClient;
    if (current && !current.broken.aborted) return current;
    if (current) this.dropRunConnection(current);
    this.runConnecting ??= this.connect()
      .then((c) => {
        // Every session run here listens to it (its `lost`).
        setMaxListeners(0, c.broken);
        this.runClient = c;
        return c;
      })
      .finally(() => {
        this.runConnecting = undefined;
      });
    return this.runConnecting;
  }

  /** Gives the run-lock connection back to the pool as broken (closed): every run lock on it is released by PostgreSQL. */
  private dropRunConnection(client: LockConnection, e?: unknown): void {
    if (this.runClient !== client) return;
    this.runClient = undefined;
    // The released locks waiting for their unlock go with the connection.
    const released = [...this.unlocking];
    this.unlocking.clear();
    for (const id of released) this.runLocks.delete(id);
    if (e !== undefined) client.breakOff(e instanceof Error ? e : new Error(String(e)));
    client.release(true);
  }

  /** Whether some live process holds the connection's run lock (checked without keeping it). */
  async isConnectionRunLocked(connectionId: string): Promise<boolean> {
    const client = await this.connect();
    try {
      await client.query('BEGIN');
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok', [LOCK_SPACE.connectionRun, connectionId]);
      await client.query('COMMIT');
      return r.rows[0]?.ok !== true;
    } finally {
      client.release();
    }
  }

  /** Takes a transaction-free, cluster-wide "only one of us" lock (e.g. the scheduler's round); null when taken. */
  async tryHoldSingleton(space: number, key: string): Promise<HeldLock | null> {
    const client = await this.connect();
    let held = false;
    try {
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [space, key]);
      held = r.rows[0]?.ok === true;
    } finally {
      if (!held) client.release();
    }
    return held ? this.holding(client, () => client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [space, key])) : null;
  }

  /**
   * A pool client with an 'error' listener for as long as it is checked out. pg emits
   * 'error' on a checked-out client whose connection breaks (PostgreSQL stopped: "Connection
   * terminated unexpectedly"); with no listener that is an unhandled 'error' event, which
   * ends the process. The pool's own listener covers idle clients only.
   */
  private async connect(): Promise<LockConnection> {
    const client = await this.pool.connect();
    const broken = new AbortController();
    const onError = (e: Error): void => {
      if (broken.signal.aborted) return;
      this.logger.warn(`lock connection broke: ${e.message}`);
      broken.abort(e);
    };
    client.on('error', onError);
    const release = client.release.bind(client);
    // Detach the listener when the client goes back to the pool (or is destroyed).
    client.release = (err?: Error | boolean) => {
      client.off('error', onError);
      // A broken connection must not go back to the pool.
      return release(broken.signal.aborted ? true : err);
    };
    return Object.assign(client, { broken: broken.signal, breakOff: onError });
  }

  private holding(client: LockConnection, unlock: () => Promise<unknown>): HeldLock {
    let released = false;
    return {
      lost: client.broken,
      release: async () => {
        if (released) return;
        released = true;
        if (client.broken.aborted) {
          client.release(true);
          return;
        }
        try {
          await unlock();
          client.release();
        } catch (e) {
          // A broken connection lost its locks anyway: throw it away.
          client.release(e instanceof Error ? e : true);
        }
      },
    };
  }

  async beforeApplicationShutdown(): Promise<void> {
    // The run-lock connection goes once the sessions still running here released their locks (the pool's end waits for it).
    this.shuttingDown = true;
    if (this.unlockTimer) clearTimeout(this.unlockTimer);
    this.unlockTimer = undefined;
    // The released locks waiting for their unlock: the connection's end unlocks them.
    for (const id of [...this.unlocking]) {
      this.unlocking.delete(id);
      this.forgetRunLock(id);
    }
    if (this.runLocks.size === 0 && this.runClient) this.dropRunConnection(this.runClient);
    await this.pool.end();
  }
}
