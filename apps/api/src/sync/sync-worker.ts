import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { type AggregationStatus, StatusEvent } from '@kinko/domain';
import type PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { findSessionRow, loadDomainSession } from './session-store';
import { SyncEngine, type RunOutcome } from './sync-engine';
import { RetryableSyncError, internalFailure } from './sync-failures';
import { LOCK_SPACE, SyncLocks } from './sync-locks';
import { SYNC_SETTINGS, type SyncSettings } from './sync-options';
import { SYNC_DEAD_LETTER_QUEUE, SYNC_QUEUE, SyncQueue, type SyncJobData } from './sync-queue';
import { SyncScheduler } from './sync-scheduler';

/** What the worker remembers on a session between attempts (sync_sessions.error while retrying). */
interface RetryNote {
  readonly retrying: true;
  readonly attempt: number;
  readonly errorTag: string | null;
  readonly message: string;
}

/** What one watchdog round found and did. */
export interface WatchdogReport {
  /** Jobs whose worker died (active, run lock free): failed so that pg-boss retries them. */
  readonly orphanedJobs: string[];
  /** Sessions whose job is gone for good: marked failed. */
  readonly lostSessions: string[];
}

/**
 * Runs sync sessions from the queue in this process: `concurrency` pg-boss workers on the
 * sync queue (each session under its connection's run lock), one on the dead-letter queue
 * (marks sessions whose retries are spent as failed), the watchdog (finds jobs whose worker
 * died and sessions whose job is gone) and, when enabled, the scheduler of background
 * refreshes. Not started with the app: `start()` it (the server does; tests choose).
 */
@Injectable()
export class SyncWorker implements OnModuleDestroy {
  private readonly logger = new Logger('SyncWorker');
  private running = false;
  private readonly active = new Set<Promise<unknown>>();
  private timers: NodeJS.Timeout[] = [];
  private watchdogRound: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: SyncQueue,
    private readonly engine: SyncEngine,
    private readonly locks: SyncLocks,
    private readonly scheduler: SyncScheduler,
    @Inject(SYNC_SETTINGS) private readonly settings: SyncSettings,
  ) {}

  /** Whether the worker is started. */
  get started(): boolean {
    return this.running;
  }

  /** Starts taking jobs, the watchdog and (when `schedulerIntervalMs` > 0) the scheduler. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const boss = this.queue.boss;
    const options = { batchSize: 1, includeMetadata: true as const, pollingIntervalSeconds: this.settings.pollingIntervalSeconds };
    for (let i = 0; i < this.settings.concurrency; i += 1) {
      await boss.work<SyncJobData>(SYNC_QUEUE, options, (jobs) => this.track(this.handle(jobs)));
    }
    await boss.work<SyncJobData>(SYNC_DEAD_LETTER_QUEUE, options, (jobs) => this.track(this.handleDeadLetter(jobs)));
    this.every(this.settings.watchdogIntervalMs, () => {
      this.watchdogRound = this.watchdog().catch((e: unknown) => this.logger.error(`watchdog: ${e instanceof Error ? e.message : String(e)}`));
      return this.watchdogRound;
    });
    if (this.settings.schedulerIntervalMs > 0) {
      this.every(this.settings.schedulerIntervalMs, () => this.scheduler.planRound().catch((e: unknown) => this.logger.error(`scheduler: ${e instanceof Error ? e.message : String(e)}`)));
    }
  }

  /** Stops taking jobs and waits (bounded) for the sessions running here; what is left is retried elsewhere. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const boss = this.queue.boss;
    await boss.offWork(SYNC_QUEUE);
    await boss.offWork(SYNC_DEAD_LETTER_QUEUE);
    await Promise.race([Promise.allSettled([...this.active, this.watchdogRound]), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  private every(ms: number, task: () => Promise<unknown>): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || !this.running) return;
      busy = true;
      void task().finally(() => {
        busy = false;
      });
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.active.add(work);
    void work.then(
      () => this.active.delete(work),
      () => this.active.delete(work),
    );
    return work;
  }

  /** One job: the session, under its connection's run lock. Throws to let pg-boss retry. */
  private async handle(jobs: PgBoss.JobWithMetadata<SyncJobData>[]): Promise<RunOutcome | undefined> {
    const job = jobs[0];
    if (!job) return undefined;
    const data = job.data;
    const lock = await this.locks.tryHoldConnectionRun(data.connectionId);
    if (!lock) {
      // Another live worker runs this connection (a slow attempt of this very job): try later.
      throw new RetryableSyncError(`connection ${data.connectionId} is being synced by another worker`);
    }
    try {
      return await this.engine.run(data);
    } catch (e) {
      const tag = e instanceof RetryableSyncError ? (e.connectorError?._tag ?? null) : null;
      const note: RetryNote = { retrying: true, attempt: job.retryCount + 1, errorTag: tag, message: e instanceof Error ? e.message : String(e) };
      this.logger.warn(`session ${data.sessionId} attempt ${note.attempt}/${job.retryLimit + 1} failed: ${note.message}`);
      await this.dataSource
        .query(`UPDATE sync_sessions SET error = $3::jsonb WHERE id = $1 AND tenant_id = $2 AND finished_at IS NULL`, [data.sessionId, data.tenantId, JSON.stringify(note)])
        .catch(() => undefined);
      throw e instanceof Error ? e : new Error(String(e));
    } finally {
      await lock.release();
    }
  }

  /** A job whose retries are spent: its session ends failed, the connection takes the last error's status. */
  private async handleDeadLetter(jobs: PgBoss.JobWithMetadata<SyncJobData>[]): Promise<void> {
    for (const job of jobs) await this.failSession(job.data, 'retries spent');
  }

  /** Ends an unfinished session as failed (dead letter, or its job is gone). */
  async failSession(data: Pick<SyncJobData, 'sessionId' | 'tenantId' | 'userId' | 'connectionId'>, why: string): Promise<boolean> {
    const lock = await this.locks.tryHoldConnectionRun(data.connectionId);
    if (!lock) throw new RetryableSyncError(`connection ${data.connectionId} is busy; failing session ${data.sessionId} later`);
    try {
      const scope = { tenantId: data.tenantId, userId: data.userId };
      const row = await findSessionRow(this.dataSource.manager, scope, data.sessionId);
      if (!row || row.finishedAt) return false;
      const note = row.error as Partial<RetryNote> | null;
      const tag = note?.errorTag;
      const status = statusOfTag(tag);
      const message = `${why}${note?.attempt ? ` after ${note.attempt} attempts` : ''}${note?.message ? `: ${note.message}` : ''}`;
      const session = await loadDomainSession(this.dataSource.manager, row);
      await this.engine.endWithFailure(row, session, internalFailure(message), StatusEvent.failed(status));
      this.logger.warn(`session ${data.sessionId} failed: ${message}`);
      return true;
    } finally {
      await lock.release();
    }
  }

  /**
   * One watchdog round (one process at a time): jobs active for longer than the grace
   * period whose connection run lock is free belong to a dead worker → failed, so pg-boss
   * retries them now instead of at their expiry; unfinished sessions with no live job (and
   * none in the dead-letter queue) → failed.
   */
  async watchdog(): Promise<WatchdogReport> {
    const singleton = await this.locks.tryHoldSingleton(LOCK_SPACE.scheduler, 'watchdog');
    if (!singleton) return { orphanedJobs: [], lostSessions: [] };
    try {
      const schema = this.settings.queueSchema;
      const active = (await this.dataSource.query(
        `SELECT id, data FROM ${schema}.job WHERE name = $1 AND state = 'active' AND started_on < now() - $2 * interval '1 millisecond'`,
        [SYNC_QUEUE, this.settings.orphanGraceMs],
      )) as Array<{ id: string; data: SyncJobData }>;
      const orphanedJobs: string[] = [];
      for (const job of active) {
        if (await this.locks.isConnectionRunLocked(job.data.connectionId)) continue;
        // Re-check: the job may have ended while we looked.
        const still = (await this.dataSource.query(`SELECT 1 FROM ${schema}.job WHERE name = $1 AND id = $2 AND state = 'active'`, [SYNC_QUEUE, job.id])) as unknown[];
        if (still.length === 0) continue;
        await this.queue.boss.fail(SYNC_QUEUE, job.id, { message: 'the worker running this job died' });
        await this.dataSource.query(`UPDATE sync_sessions SET error = $3::jsonb WHERE id = $1 AND tenant_id = $2 AND finished_at IS NULL`, [
          job.data.sessionId,
          job.data.tenantId,
          JSON.stringify({ retrying: true, attempt: null, errorTag: null, message: 'the worker running this session died' }),
        ]);
        orphanedJobs.push(job.id);
      }
      const lost = (await this.dataSource.query(
        `SELECT s.id AS session_id, s.tenant_id, s.user_id, s.connection_id FROM sync_sessions s
          WHERE s.finished_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM ${schema}.job j WHERE j.name = $1 AND j.id = s.id AND j.state < 'completed')
            AND NOT EXISTS (SELECT 1 FROM ${schema}.job j WHERE j.name = $2 AND j.data->>'sessionId' = s.id::text AND j.state < 'completed')
          LIMIT 100`,
        [SYNC_QUEUE, SYNC_DEAD_LETTER_QUEUE],
      )) as Array<{ session_id: string; tenant_id: string; user_id: string; connection_id: string }>;
      const lostSessions: string[] = [];
      for (const s of lost) {
        try {
          const failed = await this.failSession({ sessionId: s.session_id, tenantId: s.tenant_id, userId: s.user_id, connectionId: s.connection_id }, 'its job is gone');
          if (failed) lostSessions.push(s.session_id);
        } catch (e) {
          if (!(e instanceof RetryableSyncError)) throw e;
        }
      }
      return { orphanedJobs, lostSessions };
    } finally {
      await singleton.release();
    }
  }
}

// The statuses of the retryable errors (the SDK's errorOutcome table, connection scope); others → error.temporary.
const RETRYABLE_STATUS: Readonly<Record<string, AggregationStatus>> = {
  NetworkError: 'error.network',
  TemporaryError: 'error.temporary',
  ServiceUnavailable: 'error.service.unavailable',
};

/** The connection status of the last retryable error (error.temporary when unknown). */
function statusOfTag(tag: string | null | undefined): AggregationStatus {
  return (tag ? RETRYABLE_STATUS[tag] : undefined) ?? 'error.temporary';
}
