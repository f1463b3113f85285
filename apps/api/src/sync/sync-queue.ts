import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import PgBoss from 'pg-boss';
import type { EntityManager } from 'typeorm';
import { isDatabaseUnavailable } from '../database/database-unavailable';
import { preparedQuery, statementNamer } from '../database/prepared-sql';
import { SYNC_OPTIONS, SYNC_SETTINGS, type SyncModuleOptions, type SyncSettings } from './sync-options';

/** What a sync job carries: the session to run (its id is also the job's id). */
export interface SyncJobData {
  readonly sessionId: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly connectionId: string;
}

/** Queue of sync sessions to run. */
export const SYNC_QUEUE = 'kinko-sync';
/** Where jobs go once their retries are spent (a handler marks their sessions failed). */
export const SYNC_DEAD_LETTER_QUEUE = 'kinko-sync-dead';

/** Tries of {@link SyncQueue.ensureQueue} when PostgreSQL reports a deadlock or serialization failure. */
const ENSURE_QUEUE_ATTEMPTS = 5;

/**
 * Where a transaction counts the jobs it queued to start now (its query runner's `data`): once
 * it commits, the workers of this process that are idle fetch them at once (sync-worker.ts)
 * rather than at their next poll.
 */
export const QUEUED_SYNC_JOBS = 'kinko.queuedSyncJobs';

/**
 * The channel on which a transaction that queued sessions to start now announces them, at its
 * commit (PostgreSQL NOTIFY is delivered on commit, never for a rollback): idle workers of
 * every other process fetch them at once instead of at their next poll. Named after the
 * queue's table and queue. The payload is `<sender>:<jobs>`; a process ignores its own
 * (its workers are woken by the commit itself).
 */
export function queuedChannel(queueSchema: string): string {
  return `${queueSchema}.job:${SYNC_QUEUE}`;
}

/**
 * pg-boss's `db` option over a TypeORM transaction: the job row commits or rolls back with it.
 * Its statements (a job's INSERT) run as named prepared statements on the transaction's
 * connection (preparedQuery): pg-boss's texts are constants of its schema.
 */
export function transactionalDb(manager: EntityManager): PgBoss.Db {
  if (!manager.queryRunner) throw new Error('transactionalDb needs the manager of a running transaction');
  return {
    executeSql: async (text: string, values: unknown[] | undefined) => ({ rows: await preparedQuery(manager, text, values ?? []) }),
  };
}

// pg-boss's statements with parameters (a job's fetch, complete, fail, send): a bounded set of
// constant texts of its schema. Beyond this many distinct texts, a statement runs unnamed.
const MAX_BOSS_STATEMENTS = 200;

/**
 * pg-boss's `db` on a pool of the queue's own, its statements with parameters as named prepared
 * statements: each pooled connection parses a statement once and, after its first executions,
 * reuses its generic plan — pg-boss's own pool sends every statement unnamed, parsed and planned
 * on every call (a job's fetch ~0.2 ms and complete ~0.1 ms of planning). Statements without
 * parameters (its migrations and maintenance, some of several statements, which a prepared
 * statement cannot hold) run unnamed, as pg-boss runs them.
 */
export function preparedBossDb(pool: Pool): PgBoss.Db {
  const nameOf = statementNamer('kinko_boss', MAX_BOSS_STATEMENTS);
  return {
    executeSql: async (text: string, values: unknown[] | undefined) => {
      if (values === undefined || values.length === 0) return pool.query(text);
      const name = nameOf(text);
      return name === undefined ? pool.query(text, values) : pool.query({ name, text, values });
    },
  };
}

/**
 * The connections pg-boss runs on (its `db`: {@link preparedBossDb}):
 * - a generic plan for every statement: its fetch (`LIMIT $2`) and complete (`IN (SELECT
 *   UNNEST($2::uuid[]))`) look cheaper planned for their values than generically (a limit and an
 *   array of unknown size), so PostgreSQL's default would plan them again on every call. Their
 *   generic plans are the same index scans (the job table's partition of the queue's name chosen
 *   when they run);
 * - commits that do not wait for their WAL to reach the disk (synchronous_commit off): a job's
 *   fetch, complete, fail and pg-boss's maintenance write only the queue's own bookkeeping, which
 *   no user or tenant is shown, and each waited ~1.5 ms for a flush (~0.1 ms of PostgreSQL's CPU).
 *   A crash loses at most the last ≤ 3 × wal_writer_delay of them, whole, and the queue recovers
 *   what they did: a lost fetch leaves its job to be fetched again (and any commit of the session
 *   it started — synchronous, its WAL after the fetch's — makes the fetch durable first); a lost
 *   complete or fail leaves the job active until it expires, then retried, and the engine answers
 *   a finished session's job without running it (`already-finished`). A job's send is written by
 *   the caller's transaction (transactionalDb), which commits as the caller's does.
 */
export function bossPool(databaseUrl: string, max = 4): Pool {
  return new Pool({
    connectionString: databaseUrl,
    application_name: 'kinko-queue',
    max,
    // A connection idle for 5 minutes is closed (pg's default: 10 s). Opening one costs ~6 ms of
    // PostgreSQL's CPU (authentication, a new backend, its catalog caches; ~0.4 ms for the same
    // first statements on an open one) and its prepared statements are parsed and planned again:
    // with the default, the connections of a burst of jobs were reopened at every next burst.
    idleTimeoutMillis: 300_000,
    options: '-c plan_cache_mode=force_generic_plan -c synchronous_commit=off',
  });
}

/**
 * The sync job queue: pg-boss 10 in its own schema of the app's database, so every API
 * and worker process shares it. Jobs are created inside the caller's transaction (the
 * session row and its job commit together). Retries with exponential backoff, then the
 * dead-letter queue.
 */
@Injectable()
export class SyncQueue implements OnModuleInit, BeforeApplicationShutdown {
  private instance: PgBoss | undefined;
  /** pg-boss's connections (its `db`: preparedBossDb). */
  private pool: Pool | undefined;
  private readonly logger = new Logger('SyncQueue');
  /** This process's tag in the payload of {@link queuedChannel}. */
  private readonly sender = randomUUID();
  private readonly notifySql: string;
  /**
   * pg-boss settles a job (complete/fail) right after its handler without awaiting it: if
   * PostgreSQL goes away at that moment, the rejection is unhandled and Node ends the
   * process. That one case is logged instead (the watchdog settles the job once the
   * database is back); any other unhandled rejection still ends the process.
   */
  private readonly onUnhandledRejection = (reason: unknown): void => {
    if (!isDatabaseUnavailable(reason)) throw reason;
    this.logger.warn(`the database was unavailable while a job was settled (${reason instanceof Error ? reason.message : String(reason)}); the watchdog settles it later`);
  };

  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: SyncModuleOptions,
    @Inject(SYNC_SETTINGS) private readonly settings: SyncSettings,
  ) {
    this.notifySql = `SELECT pg_notify('${queuedChannel(settings.queueSchema).replace(/'/g, "''")}', $1)`;
  }

  /** The running pg-boss instance. */
  get boss(): PgBoss {
    if (!this.instance) throw new Error('the sync queue is not started');
    return this.instance;
  }

  async onModuleInit(): Promise<void> {
    const pool = bossPool(this.options.databaseUrl);
    pool.on('error', (e) => this.logger.error(`pg-boss: ${e.message}`));
    this.pool = pool;
    const boss = new PgBoss({
      db: preparedBossDb(pool),
      schema: this.settings.queueSchema,
      migrate: true,
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: 60,
    });
    boss.on('error', (e) => this.logger.error(`pg-boss: ${e.message}`));
    process.on('unhandledRejection', this.onUnhandledRejection);
    await boss.start();
    this.instance = boss;
    const retry = { retryLimit: this.settings.retryLimit, retryDelay: this.settings.retryDelaySeconds, retryBackoff: true };
    await this.ensureQueue(SYNC_DEAD_LETTER_QUEUE, { name: SYNC_DEAD_LETTER_QUEUE, policy: 'standard', retryLimit: 5, retryDelay: 5, retryBackoff: true });
    await this.ensureQueue(SYNC_QUEUE, { name: SYNC_QUEUE, policy: 'standard', ...retry, expireInSeconds: this.settings.expireInSeconds, deadLetter: SYNC_DEAD_LETTER_QUEUE });
  }

  /**
   * Creates the queue, or updates its options when it exists (every process does so at boot).
   * Processes booting at once take turns: pg-boss creates a table per queue and attaches it to
   * its shared job table, so two creating different queues at once can deadlock. The turn is a
   * transaction-scoped advisory lock held on a connection of its own (pg-boss's statements run
   * on its pool meanwhile); a deadlock or serialization failure that still happens is retried
   * after a short backoff. Any other error rejects with the queue's name.
   */
  async ensureQueue(name: string, options: PgBoss.Queue): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.inQueueTurn(async () => {
          if (await this.boss.getQueue(name)) await this.boss.updateQueue(name, options);
          else await this.boss.createQueue(name, options);
        });
        return;
      } catch (e) {
        const code = (e as { code?: unknown } | null)?.code;
        if (attempt < ENSURE_QUEUE_ATTEMPTS && (code === '40P01' || code === '40001')) {
          this.logger.warn(`pg-boss queue "${name}": ${e instanceof Error ? e.message : String(e)}; retrying (attempt ${attempt + 1})`);
          await new Promise((r) => setTimeout(r, 50 * 2 ** attempt + Math.random() * 50));
          continue;
        }
        throw new Error(`could not create or update the pg-boss queue "${name}" in schema ${this.settings.queueSchema}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    }
  }

  /** Runs `work` while holding this queue schema's queue-creation lock (across processes). */
  private async inQueueTurn(work: () => Promise<void>): Promise<void> {
    const c = new Client({ connectionString: this.options.databaseUrl, application_name: 'kinko-queue-create' });
    await c.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`kinko.queues.${this.settings.queueSchema}`]);
      await work();
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
  }

  /** Enqueues a session's job inside the caller's transaction (`manager` of `dataSource.transaction`). */
  async enqueue(manager: EntityManager, job: SyncJobData, startAfter?: Date): Promise<void> {
    const id = await this.boss.send(SYNC_QUEUE, { ...job }, { id: job.sessionId, db: transactionalDb(manager), ...(startAfter ? { startAfter } : {}) });
    if (id === null) throw new Error(`the sync job of session ${job.sessionId} was not created`);
    if (startAfter) return;
    await this.announce(manager, 1);
  }

  /** Enqueues many sessions' jobs (to start now) in one statement inside the caller's transaction, as {@link enqueue} does one. */
  async enqueueMany(manager: EntityManager, jobs: readonly SyncJobData[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.insert(
      jobs.map((job) => ({ id: job.sessionId, name: SYNC_QUEUE, data: { ...job } })),
      { db: transactionalDb(manager) },
    );
    await this.announce(manager, jobs.length);
  }

  /** Jobs queued to start now by the caller's transaction: counted for this process's workers, announced to the others' at commit. */
  private async announce(manager: EntityManager, jobs: number): Promise<void> {
    const data = manager.queryRunner?.data as Record<string, number | undefined> | undefined;
    if (data) data[QUEUED_SYNC_JOBS] = (data[QUEUED_SYNC_JOBS] ?? 0) + jobs;
    await preparedQuery(manager, this.notifySql, [`${this.sender}:${jobs}`]);
  }

  /**
   * Listens (one connection of its own, re-opened when it breaks) for sessions other
   * processes queue to start now: `onQueued(jobs)` at each of their commits. Resolves once
   * listening; call the returned function to stop.
   */
  async listenForQueued(onQueued: (jobs: number) => void): Promise<() => Promise<void>> {
    const channel = queuedChannel(this.settings.queueSchema);
    let client: Client | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const open = async (): Promise<void> => {
      const c = new Client({ connectionString: this.options.databaseUrl, application_name: 'kinko-queue-listen' });
      c.on('notification', (msg) => {
        if (msg.channel !== channel || !msg.payload) return;
        const sep = msg.payload.lastIndexOf(':');
        if (msg.payload.slice(0, sep) === this.sender) return;
        const jobs = Number(msg.payload.slice(sep + 1));
        if (Number.isInteger(jobs) && jobs > 0) onQueued(jobs);
      });
      c.on('error', (e) => {
        if (stopped || client !== c) return;
        this.logger.warn(`queue listener: ${e.message}; listening again in 1 s`);
        client = undefined;
        void c.end().catch(() => undefined);
        reopen(1_000);
      });
      try {
        await c.connect();
        await c.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
      } catch (e) {
        await c.end().catch(() => undefined);
        throw e;
      }
      if (stopped) {
        await c.end();
        return;
      }
      client = c;
    };
    const reopen = (ms: number): void => {
      retry = setTimeout(() => {
        if (stopped) return;
        open().then(
          // Sessions queued while the connection was down: the workers look now.
          () => onQueued(1),
          (e: unknown) => {
            this.logger.warn(`queue listener: ${e instanceof Error ? e.message : String(e)}; retrying in 5 s`);
            reopen(5_000);
          },
        );
      }, ms);
      retry.unref();
    };
    await open();
    return async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    };
  }

  async beforeApplicationShutdown(): Promise<void> {
    const boss = this.instance;
    this.instance = undefined;
    process.off('unhandledRejection', this.onUnhandledRejection);
    // Workers stop first (SyncWorker); jobs still active are failed by pg-boss → retried elsewhere.
    await boss?.stop({ graceful: true, timeout: 5_000, wait: true });
    // pg-boss closes only a pool of its own making.
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }
}
