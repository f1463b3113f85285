import { Pool, defaults, type PoolClient, type PoolConfig } from 'pg';
import { WriteHoldingClient } from './write-holding-client';

/** The app's database pool size when nothing sizes it (a process that runs sync sessions takes one per session: sessionPoolSize). */
export const DEFAULT_POOL_SIZE = 10;

/** What the app's pool of database connections did since it was created (for metrics). */
export interface PoolUsage {
  /** Connections handed out (every statement outside a transaction, every transaction). */
  readonly checkouts: number;
  /** Of those, the ones that had to wait for a connection (none was idle and the pool was full). */
  readonly waited: number;
  /** Time from asking for a connection to getting it, over every checkout, in seconds. */
  readonly waitSeconds: number;
  /** Time connections were checked out (from handed out to released), in seconds. */
  readonly heldSeconds: number;
  /** Callers waiting for a connection right now (none while a connection is idle). */
  readonly waiting: number;
  /** Connections open right now, and of them the idle ones. */
  readonly open: number;
  readonly idle: number;
  /** The pool's size. */
  readonly max: number;
}

type ConnectCallback = (err: Error | undefined, client: PoolClient | undefined, done: (release?: unknown) => void) => void;

/**
 * pg's Pool that counts how long its callers waited for a connection and how long they held
 * one ({@link PoolUsage}): a pool smaller than the work that needs it shows as waits (sessions
 * queue for a connection), a pool larger than needed as connections held a small share of the
 * time. The app's data source is built on it (TypeORM's `driver` option: pg with this Pool);
 * the metrics read it at each scrape.
 */
export class MeasuredPool extends Pool {
  private checkouts = 0;
  private waited = 0;
  private waitMs = 0;
  private heldMs = 0;
  private readonly since = new WeakMap<PoolClient, number>();

  constructor(config?: PoolConfig) {
    // Its connections are WriteHoldingClients (a transaction's BEGIN leaves with its first
    // statement, transaction.ts) unless the config names a Client of its own.
    super({ Client: WriteHoldingClient, ...config });
    this.on('acquire', (client) => this.since.set(client, performance.now()));
    this.on('release', (_err, client) => {
      const at = this.since.get(client);
      if (at === undefined) return;
      this.since.delete(client);
      this.heldMs += performance.now() - at;
    });
  }

  override connect(): Promise<PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<PoolClient> | void {
    const asked = performance.now();
    // Whether this caller will queue: no idle connection and no room for a new one.
    const queued = this.idleCount === 0 && this.totalCount >= (this.options.max ?? 10);
    const got = (): void => {
      this.checkouts += 1;
      if (queued) this.waited += 1;
      this.waitMs += performance.now() - asked;
    };
    if (!callback) {
      return super.connect().then((client) => {
        got();
        return client;
      });
    }
    super.connect((err, client, done) => {
      if (!err) got();
      callback(err, client, done);
    });
  }

  /** Counters since the pool was created, and its state now. */
  usage(): PoolUsage {
    return {
      checkouts: this.checkouts,
      waited: this.waited,
      waitSeconds: this.waitMs / 1000,
      heldSeconds: this.heldMs / 1000,
      // pg queues even a caller that an idle connection will serve on the next tick: that one is
      // not waiting (a scrape's own query would read as a wait on an idle pool).
      waiting: Math.max(0, this.waitingCount - this.idleCount),
      open: this.totalCount,
      idle: this.idleCount,
      max: this.options.max ?? 10,
    };
  }
}

/** TypeORM's postgres `driver`: what it takes of pg (its Pool and defaults), with {@link MeasuredPool} as the Pool. */
export const measuredPg = { Pool: MeasuredPool, defaults };
