import type { Clock } from '@kinko/connector-sdk';
import { DecisionInput, StatusEvent, decide } from '@kinko/domain';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Result } from 'effect';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditLog } from '../audit/audit-log.service';
import { InjectClock } from '../common/clock';
import { moveConnectionStatus } from '../connections/connection-status';
import { Connection } from '../connections/connection.entity';
import { ScopedData, type UserScope } from '../database/scoped-data';
import { ConnectionSecret } from '../secrets/connection-secret.entity';
import { AuthAttempt } from './auth-attempt.entity';
import { runTransaction } from '../database/transaction';

/** What one sweep did. */
export interface SweepResult {
  /** Challenges not answered in time: their connections moved to the matching `auth.creds.*.invalid`. */
  readonly timedOut: number;
  /** Bank calls whose process died: their connections moved to `error.temporary`. */
  readonly abandoned: number;
}

/** How often a running sweeper looks for expired attempts. */
export const DEFAULT_SWEEP_INTERVAL_MS = 5_000;

/**
 * Ends auth attempts that ran out of time, with the app's clock (tests move it): a challenge
 * not answered in time (KINKO_CHALLENGE_TIMEOUT_SECONDS) → domain `answerTimedOut` → the
 * matching `auth.creds.*.invalid`; a bank call whose process died → `error.temporary` (the
 * seed's "our own timeout"). A connection disconnected while its question waited (no
 * secret left) is deactivated once the question has timed out. Rows are claimed with
 * `FOR UPDATE SKIP LOCKED`, so any number of processes may sweep.
 */
@Injectable()
export class ChallengeSweeper implements OnApplicationShutdown {
  private readonly logger = new Logger('ChallengeSweeper');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    @InjectClock() private readonly clock: Clock,
  ) {}

  /** Sweeps every `intervalMs` until {@link stop} (the `serve` and `worker` commands start it). */
  start(intervalMs: number = DEFAULT_SWEEP_INTERVAL_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweepOnce()
        .catch((e: unknown) => this.logger.error(`sweep failed: ${e instanceof Error ? e.message : String(e)}`))
        .finally(() => {
          this.running = undefined;
        });
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the periodic sweep and waits for one under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** One sweep: every attempt expired at the clock's now. */
  async sweepOnce(): Promise<SweepResult> {
    let timedOut = 0;
    let abandoned = 0;
    for (;;) {
      const done = await this.sweepOne();
      if (done === undefined) break;
      if (done === 'timed-out') timedOut += 1;
      else abandoned += 1;
    }
    return { timedOut, abandoned };
  }

  private async sweepOne(): Promise<'timed-out' | 'abandoned' | undefined> {
    const now = this.clock.now();
    return runTransaction(this.dataSource, async (manager) => {
      // System-wide by design: expiry concerns every tenant. Each row is then handled in its own scope.
      const rows = (await manager.query(
        `SELECT id, tenant_id, user_id, connection_id, phase FROM auth_attempts WHERE expires_at <= $1 ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [now],
      )) as Array<{ id: string; tenant_id: string; user_id: string; connection_id: string; phase: 'bank' | 'waiting' }>;
      const row = rows[0];
      if (!row) return undefined;
      const scope: UserScope = { tenantId: row.tenant_id, userId: row.user_id };
      const tx = txData(this.dataSource, manager);
      const connection = await tx.forUser(Connection, scope).queryBuilder('c').andWhere('c.id = :id', { id: row.connection_id }).setLock('pessimistic_write').getOne();
      await tx.forUser(AuthAttempt, scope).delete({ id: row.id });
      if (!connection) return row.phase === 'waiting' ? 'timed-out' : 'abandoned';
      // An unanswered question: the domain's decision for a challenge timeout. A login left in
      // the middle of a bank call (its process died): Kinko's own failure, error.temporary.
      const event = (row.phase === 'waiting' ? decide(DecisionInput.challengeTimedOut()).event : undefined) ?? StatusEvent.failed('error.temporary');
      const moved = await moveConnectionStatus(tx, scope, connection, event, now);
      if (Result.isSuccess(moved) && !(await tx.forUser(ConnectionSecret, scope).exists({ connectionId: connection.id }))) {
        // Disconnected while the question waited: the deactivation the disconnect could not make then.
        await moveConnectionStatus(tx, scope, connection, StatusEvent.deactivated(), now, { deactivated: true });
      }
      await this.audit.record(
        {
          tenantId: scope.tenantId,
          actor: 'system:challenge-sweeper',
          action: row.phase === 'waiting' ? 'connection.challenge.timeout' : 'connection.login.abandoned',
          target: `connection:${connection.id}`,
          details: { status: Result.isSuccess(moved) ? moved.success : connection.aggregationStatus },
        },
        manager,
      );
      return row.phase === 'waiting' ? 'timed-out' : 'abandoned';
    });
  }
}

/** ScopedData bound to a transaction the sweeper opened itself. */
function txData(dataSource: DataSource, manager: EntityManager): ScopedData {
  return new (class extends ScopedData {
    protected override entityManager(): EntityManager {
      return manager;
    }
    override transaction<T>(work: (tx: ScopedData) => Promise<T>): Promise<T> {
      return work(this);
    }
  })(dataSource);
}
