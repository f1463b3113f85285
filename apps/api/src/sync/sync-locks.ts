import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { Pool, type PoolClient } from 'pg';
import { SYNC_OPTIONS, SYNC_SETTINGS, type SyncModuleOptions, type SyncSettings } from './sync-options';

/** Advisory-lock key spaces (the first int of PostgreSQL's two-int advisory locks). */
export const LOCK_SPACE = {
  /** A connection's session is being run (held for the whole run). */
  connectionRun: 0x4b4e0001,
  /** One slot of a connector's concurrency limit. */
  connectorSlot: 0x4b4e0002,
  /** The scheduler's planning round (one process at a time). */
  scheduler: 0x4b4e0003,
} as const;

/** A held lock; release it once (releasing twice is harmless). */
export interface HeldLock {
  release(): Promise<void>;
  /**
   * Aborted when the connection holding the lock broke (PostgreSQL stopped or restarted, the
   * network dropped): the lock is gone with it, so the work it guarded must stop.
   */
  readonly lost: AbortSignal;
}

/**
 * PostgreSQL advisory locks on a small pool of its own (so a held lock never takes a
 * connection the app's queries need). A session-level advisory lock lives as long as the
 * connection holding it: when a worker process dies, PostgreSQL drops its connections and
 * every lock it held is free at once — which is how the watchdog tells a dead worker from a
 * slow one.
 */
@Injectable()
export class SyncLocks implements BeforeApplicationShutdown {
  readonly pool: Pool;
  private readonly logger = new Logger('SyncLocks');

  constructor(@Inject(SYNC_OPTIONS) options: SyncModuleOptions, @Inject(SYNC_SETTINGS) settings: SyncSettings) {
    this.pool = new Pool({ connectionString: options.databaseUrl, max: settings.concurrency + 4, application_name: 'kinko-sync-locks', idleTimeoutMillis: 30_000 });
    this.pool.on('error', (e) => this.logger.warn(`lock pool: ${e.message}`));
  }

  /**
   * Takes the run lock of a connection (held on a dedicated connection until released);
   * null when another process (or this one) runs a session of the connection right now.
   */
  async tryHoldConnectionRun(connectionId: string): Promise<HeldLock | null> {
    const client = await this.connect();
    let held = false;
    try {
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_SPACE.connectionRun, connectionId]);
      held = r.rows[0]?.ok === true;
    } finally {
      if (!held) client.release();
    }
    if (!held) return null;
    return this.holding(client, () => client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_SPACE.connectionRun, connectionId]));
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
  private async connect(): Promise<PoolClient & { readonly broken: AbortSignal }> {
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
    return Object.assign(client, { broken: broken.signal });
  }

  private holding(client: PoolClient & { readonly broken: AbortSignal }, unlock: () => Promise<unknown>): HeldLock {
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
    await this.pool.end();
  }
}
