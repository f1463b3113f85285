import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { type ConnectorError, isConnectorError } from '@kinko/connector-sdk';
import { StatusEvent, type SyncFailure } from '@kinko/domain';
import type PgBoss from 'pg-boss';
import { DataSource, type EntitySubscriberInterface, type TransactionCommitEvent, type TransactionRollbackEvent } from 'typeorm';
import { isDatabaseUnavailable } from '../database/database-unavailable';
import { newId } from '../database/ids';
import { MetricsService } from '../metrics/metrics.service';
import { findSessionRow, insertSession, loadDomainSession } from './session-store';
import { SYNC_CLOCK, type SyncClock } from './sync-clock';
import { SyncEngine, type RunLimits, type RunOutcome } from './sync-engine';
import { RetryableSyncError, bankRetryAfterMs, exhaustedStatusOf, internalFailure, toSyncFailure } from './sync-failures';
import { LOCK_SPACE, SyncLocks } from './sync-locks';
import { SYNC_SETTINGS, type SyncSettings } from './sync-options';
import { QUEUED_SYNC_JOBS, SYNC_DEAD_LETTER_QUEUE, SYNC_QUEUE, SyncQueue, type SyncJobData } from './sync-queue';
import { SyncScheduler } from './sync-scheduler';
import { runTransaction } from '../database/transaction';

/**
 * The polling interval of each pg-boss worker of the sync queue (s): a backstop only, since the
 * process polls once per `pollingIntervalSeconds` and wakes them (see `start`).
 */
const IDLE_SLOT_POLL_SECONDS = 60;

/** What the worker remembers on a session between attempts (sync_sessions.error while retrying). */
interface RetryNote {
  readonly retrying: true;
  readonly attempt: number;
  readonly errorTag: string | null;
  readonly message: string;
  /** Wall-clock ms when the session's first attempt started (its deadline counts from there). */
  readonly firstAttemptAt?: number;
  /** The bank's answer behind the failure (syncError), when it was the bank's. */
  readonly failure?: SyncFailure;
  /**
   * The whole connector error behind the failure (a plain JSON value: no secrets by the SDK's
   * contract), so that the dead-letter handler decides the status with the domain's one
   * decision rather than from the tag alone.
   */
  readonly connectorError?: ConnectorError;
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
  /** The pg-boss workers of the sync queue here, and those running a session now. */
  private readonly workerIds: string[] = [];
  private readonly busyWorkers = new Set<string>();
  /** Stops listening for sessions other processes queue. */
  private unlisten: (() => Promise<void>) | undefined;
  /** Wakes idle workers when a transaction of this process that queued sessions commits. */
  private readonly onCommit: EntitySubscriberInterface = {
    afterTransactionCommit: (event: TransactionCommitEvent) => {
      if (event.queryRunner.isTransactionActive) return; // a savepoint released: not committed yet
      this.wake(takeQueued(event.queryRunner.data));
    },
    afterTransactionRollback: (event: TransactionRollbackEvent) => {
      if (!event.queryRunner.isTransactionActive) takeQueued(event.queryRunner.data);
    },
  };

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: SyncQueue,
    private readonly engine: SyncEngine,
    private readonly locks: SyncLocks,
    private readonly scheduler: SyncScheduler,
    @Inject(SYNC_SETTINGS) private readonly settings: SyncSettings,
    @Inject(SYNC_CLOCK) private readonly clock: SyncClock,
    private readonly metrics: MetricsService,
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
    // One poll of the queue per polling interval for the whole process, whatever its
    // `concurrency`: the pg-boss workers sleep for a long interval of their own and are woken
    // (notifyWorker) by the process's poll timer (one idle worker), by a worker that just took
    // a session (the next idle one: queued sessions are taken one after another at once), by a
    // commit here or a NOTIFY from another process that queued sessions, and by their own
    // session's end.
    const slotOptions = { ...options, pollingIntervalSeconds: Math.max(IDLE_SLOT_POLL_SECONDS, this.settings.pollingIntervalSeconds) };
    for (let i = 0; i < this.settings.concurrency; i += 1) {
      // pg-boss waits out the rest of its polling interval after a job, even with jobs queued:
      // a slot that frees up fetches the next session at once (only an empty fetch waits).
      const worker: { id?: string } = {};
      worker.id = await boss.work<SyncJobData>(SYNC_QUEUE, slotOptions, (jobs) => {
        if (worker.id !== undefined) this.busyWorkers.add(worker.id);
        this.wake(1);
        return this.track(this.handle(jobs)).finally(() => {
          if (worker.id === undefined) return;
          this.busyWorkers.delete(worker.id);
          if (this.running) boss.notifyWorker(worker.id);
        });
      });
      this.workerIds.push(worker.id);
    }
    // Sessions queued by this process (the scheduler, the API beside the worker) start at once,
    // and so do those other processes queue (their commit's NOTIFY).
    this.dataSource.subscribers.push(this.onCommit);
    this.unlisten = await this.queue.listenForQueued((jobs) => this.wake(jobs));
    this.every(this.settings.pollingIntervalSeconds * 1_000, () => {
      this.wake(1);
      return Promise.resolve();
    });
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
    const i = this.dataSource.subscribers.indexOf(this.onCommit);
    if (i >= 0) this.dataSource.subscribers.splice(i, 1);
    this.workerIds.length = 0;
    this.busyWorkers.clear();
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await unlisten?.();
    const boss = this.queue.boss;
    await boss.offWork(SYNC_QUEUE);
    await boss.offWork(SYNC_DEAD_LETTER_QUEUE);
    await Promise.race([Promise.allSettled([...this.active, this.watchdogRound]), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  /** Up to `jobs` idle workers fetch now instead of at their next poll. */
  private wake(jobs: number): void {
    if (jobs <= 0 || !this.running) return;
    const idle = this.workerIds.filter((id) => !this.busyWorkers.has(id)).slice(0, jobs);
    for (const id of idle) this.queue.boss.notifyWorker(id);
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

  /**
   * One job: the session, under its connection's run lock, within the session's deadline
   * (counted from its first attempt). A bank's Retry-After within what is left of the
   * deadline is waited here, then the session resumes; a longer one ends the session now
   * and schedules the next one after it. Throws to let pg-boss retry.
   */
  private async handle(jobs: PgBoss.JobWithMetadata<SyncJobData>[]): Promise<RunOutcome | undefined> {
    const job = jobs[0];
    if (!job) return undefined;
    const data = job.data;
    const lock = await this.locks.tryHoldConnectionRun(data.connectionId);
    if (!lock) {
      // Another live worker runs this connection (a slow attempt of this very job): try later.
      throw new RetryableSyncError(`connection ${data.connectionId} is being synced by another worker`);
    }
    // The session's first attempt: this one, unless the run finds an earlier attempt's note on
    // the session row it reads anyway (the deadline counts from there; no read of its own).
    const firstAttempt = { at: Date.now() };
    try {
      const limits: RunLimits = {
        firstAttempt,
        deadlineMs: this.settings.sessionDeadlineMs,
        lockLost: lock.lost,
        lastAttempt: job.retryCount >= job.retryLimit,
      };
      for (;;) {
        try {
          // A session that ended is logged and counted as its transaction commits (metrics/session-ends.ts).
          return await this.engine.run(data, limits);
        } catch (e) {
          const wait = e instanceof RetryableSyncError ? bankRetryAfterMs(e.connectorError) : undefined;
          if (wait === undefined || !(e instanceof RetryableSyncError) || !e.connectorError) throw e;
          if (Date.now() + wait >= firstAttempt.at + this.settings.sessionDeadlineMs) {
            await this.endUntilRetryAfter(data, e.connectorError, wait);
            return 'finished';
          }
          this.logger.warn(`session ${data.sessionId}: the bank asked to wait ${wait} ms; resuming after it`);
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    } catch (e) {
      const tag = e instanceof RetryableSyncError ? (e.connectorError?._tag ?? null) : null;
      const failure = e instanceof RetryableSyncError && e.connectorError ? toSyncFailure(e.connectorError) : undefined;
      const connectorError = e instanceof RetryableSyncError ? e.connectorError : undefined;
      const note: RetryNote = {
        retrying: true,
        attempt: job.retryCount + 1,
        errorTag: tag,
        message: e instanceof Error ? e.message : String(e),
        firstAttemptAt: firstAttempt.at,
        ...(failure ? { failure } : {}),
        ...(connectorError ? { connectorError } : {}),
      };
      this.logger.warn(`session ${data.sessionId} attempt ${note.attempt}/${job.retryLimit + 1} failed: ${note.message}`);
      if (job.retryCount < job.retryLimit) this.metrics.syncRetried();
      // PostgreSQL is unreachable (or was, and the run lock went with it): pg-boss settles the
      // job right after this handler without waiting on it, and that write would fail with no
      // one to catch it. Hand the job back once the database answers again.
      if (lock.lost.aborted || isDatabaseUnavailable(e)) await this.untilDatabaseAnswers();
      await this.dataSource
        .query(`UPDATE sync_sessions SET error = $3::jsonb WHERE id = $1 AND tenant_id = $2 AND finished_at IS NULL`, [data.sessionId, data.tenantId, JSON.stringify(note)])
        .catch(() => undefined);
      throw e instanceof Error ? e : new Error(String(e));
    } finally {
      await lock.release();
    }
  }

  /**
   * The bank asked for a wait longer than the session may last: the session ends now with
   * the bank's answer (syncError aspspResponse) and the status of its error, and the next
   * session of the connection is queued to start after the wait (same requester, same
   * parameters). Until then a sync request joins that queued session.
   */
  private async endUntilRetryAfter(data: SyncJobData, error: NonNullable<RetryableSyncError['connectorError']>, waitMs: number): Promise<void> {
    const scope = { tenantId: data.tenantId, userId: data.userId };
    const row = await findSessionRow(this.dataSource.manager, scope, data.sessionId);
    if (!row || row.finishedAt) return;
    const session = await loadDomainSession(this.dataSource.manager, row);
    await this.engine.endWithFailure(row, session, toSyncFailure(error), StatusEvent.failed(exhaustedStatusOf(error)), undefined, error);
    const now = this.clock.now();
    const startAfter = new Date(Date.now() + waitMs);
    const nextId = newId(now.getTime());
    await runTransaction(this.dataSource, async (m) => {
      await insertSession(m, { id: nextId, ...scope, connectionId: data.connectionId, requestedBy: row.requestedBy, parameters: row.parameters, createdAt: now });
      await this.queue.enqueue(m, { sessionId: nextId, ...scope, connectionId: data.connectionId }, startAfter);
    });
    this.logger.warn(`session ${data.sessionId}: the bank asked to wait ${Math.round(waitMs / 1000)} s (beyond the session's deadline); session ${nextId} starts after ${startAfter.toISOString()}`);
  }

  /** A job whose retries are spent: its session ends failed, the connection takes the last error's status. */
  private async handleDeadLetter(jobs: PgBoss.JobWithMetadata<SyncJobData>[]): Promise<void> {
    try {
      for (const job of jobs) {
        this.metrics.syncDeadLettered();
        await this.failSession(job.data, 'retries spent');
      }
    } catch (e) {
      if (isDatabaseUnavailable(e)) await this.untilDatabaseAnswers();
      throw e;
    }
  }

  /** Waits (polling, bounded by the worker stopping) until PostgreSQL answers a query again. */
  private async untilDatabaseAnswers(): Promise<void> {
    for (let wait = 250; this.running; wait = Math.min(wait * 2, 5_000)) {
      try {
        await this.dataSource.query('SELECT 1');
        return;
      } catch (e) {
        if (!isDatabaseUnavailable(e)) return;
      }
      await new Promise((r) => setTimeout(r, wait));
    }
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
      // The domain's decision for the last error once no retry is left (Kinko's own failure: error.temporary).
      const lastError = isConnectorError(note?.connectorError) ? note.connectorError : undefined;
      const status = exhaustedStatusOf(lastError);
      const message = `${why}${note?.attempt ? ` after ${note.attempt} attempts` : ''}${note?.message ? `: ${note.message}` : ''}`;
      const session = await loadDomainSession(this.dataSource.manager, row);
      // The last bank answer when there was one (aspspResponse), else Kinko's own failure.
      const failure: SyncFailure = note?.failure ? { ...note.failure, message } : internalFailure(message);
      await this.engine.endWithFailure(row, session, failure, StatusEvent.failed(status), undefined, lastError);
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
        // The note keeps the first attempt's start (the session's deadline counts from it).
        await this.dataSource.query(`UPDATE sync_sessions SET error = $3::jsonb || jsonb_strip_nulls(jsonb_build_object('firstAttemptAt', error->'firstAttemptAt')) WHERE id = $1 AND tenant_id = $2 AND finished_at IS NULL`, [
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

/** The number of sessions a transaction queued to start now, removed from its data. */
function takeQueued(data: Record<string, unknown>): number {
  const n = data[QUEUED_SYNC_JOBS];
  delete data[QUEUED_SYNC_JOBS];
  return typeof n === 'number' ? n : 0;
}
