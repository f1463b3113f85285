import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import type { EntityManager } from 'typeorm';
import { isDatabaseUnavailable } from '../database/database-unavailable';
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

/**
 * Where a transaction counts the jobs it queued to start now (its query runner's `data`): once
 * it commits, the workers of this process that are idle fetch them at once (sync-worker.ts)
 * rather than at their next poll.
 */
export const QUEUED_SYNC_JOBS = 'kinko.queuedSyncJobs';

/** pg-boss's `db` option over a TypeORM transaction: the job row commits or rolls back with it. */
export function transactionalDb(manager: EntityManager): PgBoss.Db {
  const runner = manager.queryRunner;
  if (!runner) throw new Error('transactionalDb needs the manager of a running transaction');
  return {
    executeSql: async (text: string, values: unknown[]) => ({ rows: (await runner.query(text, values, true)).records as unknown[] }),
  };
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
  private readonly logger = new Logger('SyncQueue');
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
  ) {}

  /** The running pg-boss instance. */
  get boss(): PgBoss {
    if (!this.instance) throw new Error('the sync queue is not started');
    return this.instance;
  }

  async onModuleInit(): Promise<void> {
    const boss = new PgBoss({
      connectionString: this.options.databaseUrl,
      schema: this.settings.queueSchema,
      application_name: 'kinko-queue',
      max: 4,
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

  private async ensureQueue(name: string, options: PgBoss.Queue): Promise<void> {
    const existing = await this.boss.getQueue(name);
    try {
      if (!existing) await this.boss.createQueue(name, options);
      else await this.boss.updateQueue(name, options);
    } catch (e) {
      // Two processes starting at once: the other one created it.
      if (!(await this.boss.getQueue(name))) throw e;
    }
  }

  /** Enqueues a session's job inside the caller's transaction (`manager` of `dataSource.transaction`). */
  async enqueue(manager: EntityManager, job: SyncJobData, startAfter?: Date): Promise<void> {
    const id = await this.boss.send(SYNC_QUEUE, { ...job }, { id: job.sessionId, db: transactionalDb(manager), ...(startAfter ? { startAfter } : {}) });
    if (id === null) throw new Error(`the sync job of session ${job.sessionId} was not created`);
    const data = manager.queryRunner?.data as Record<string, number | undefined> | undefined;
    if (data && !startAfter) data[QUEUED_SYNC_JOBS] = (data[QUEUED_SYNC_JOBS] ?? 0) + 1;
  }

  /** Enqueues many sessions' jobs (to start now) in one statement inside the caller's transaction, as {@link enqueue} does one. */
  async enqueueMany(manager: EntityManager, jobs: readonly SyncJobData[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.insert(
      jobs.map((job) => ({ id: job.sessionId, name: SYNC_QUEUE, data: { ...job } })),
      { db: transactionalDb(manager) },
    );
    const data = manager.queryRunner?.data as Record<string, number | undefined> | undefined;
    if (data) data[QUEUED_SYNC_JOBS] = (data[QUEUED_SYNC_JOBS] ?? 0) + jobs.length;
  }

  async beforeApplicationShutdown(): Promise<void> {
    const boss = this.instance;
    this.instance = undefined;
    process.off('unhandledRejection', this.onUnhandledRejection);
    // Workers stop first (SyncWorker); jobs still active are failed by pg-boss → retried elsewhere.
    await boss?.stop({ graceful: true, timeout: 5_000, wait: true });
  }
}
