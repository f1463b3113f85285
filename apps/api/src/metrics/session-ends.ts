import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager, type EntitySubscriberInterface, type TransactionCommitEvent, type TransactionRollbackEvent } from 'typeorm';
import { preparedQuery } from '../database/prepared-sql';
import { ENDED_SESSIONS, type EndedReport, type EndedSession } from '../sync/session-store';
import { MetricsService } from './metrics.service';

interface EndedRow {
  readonly status: string;
  readonly connector_id: string;
  readonly aggregation_status: string;
  readonly error: EndedReport['error'];
  readonly stages: Array<EndedReport['stages'][number]> | null;
}

/**
 * Reports a sync session that ended: one log line (`sync session ended`: session, connection,
 * connector, session status, the connection's aggregation status, the connector's error tag
 * when the session failed) and the session and stage metrics. The one place every session end
 * passes through: a subscriber of the data source, it reports the sessions a transaction ended
 * (noted by sync/session-store.ts) once that transaction commits — in whichever process ended
 * them (a worker, or the API process), each exactly once. Reads what was committed, unless the
 * transaction that ended the session noted its report (what it wrote: sync/session-store.ts).
 */
@Injectable()
export class SessionEnds implements EntitySubscriberInterface {
  private readonly logger = new Logger('SyncSession');

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
  ) {
    dataSource.subscribers.push(this);
  }

  /**
   * The outermost commit of a transaction that ended sessions: report them. The read runs on the
   * connection that just committed (TypeORM calls this before it releases it): a read on the
   * pool here would wait for a second connection while holding the first, and with as many
   * sessions ending at once as the pool has connections, every one of them would wait for
   * another until the pool's connect timeout.
   */
  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    if (event.queryRunner.isTransactionActive) return; // a savepoint released: not committed yet
    const runner = event.queryRunner;
    for (const ended of takeEnded(runner.data)) {
      if (ended.report) this.publish(ended.sessionId, ended.tenantId, ended.report);
      else await this.report(ended.sessionId, ended.tenantId, runner.isReleased ? this.dataSource.manager : runner.manager);
    }
  }

  /** A rolled-back transaction ended nothing. */
  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) takeEnded(event.queryRunner.data);
  }

  /**
   * Reports the session if it has ended; never throws (a report must not fail a job). `manager`:
   * where its one read runs (default the pool), a named prepared statement (one per session:
   * parsed and planned once per connection, not on every call).
   */
  async report(sessionId: string, tenantId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    try {
      const rows = await preparedQuery<EndedRow>(
        manager,
        `SELECT s.status, s.error, c.connector_id, c.aggregation_status,
                (SELECT json_agg(json_build_object('stage', st.stage, 'seconds', EXTRACT(EPOCH FROM st.finished_at - st.started_at), 'error', st.error) ORDER BY st.started_at)
                   FROM sync_stages st WHERE st.session_id = s.id AND st.tenant_id = s.tenant_id AND st.started_at IS NOT NULL) AS stages
           FROM sync_sessions s JOIN connections c ON c.id = s.connection_id AND c.tenant_id = s.tenant_id
          WHERE s.id = $1 AND s.tenant_id = $2 AND s.finished_at IS NOT NULL`,
        [sessionId, tenantId],
      );
      const row = rows[0];
      if (!row) return;
      this.publish(sessionId, tenantId, { status: row.status, connectorId: row.connector_id, aggregationStatus: row.aggregation_status, error: row.error, stages: row.stages ?? [] });
    } catch (e) {
      this.logger.warn(`session ${sessionId}: its end could not be reported (${e instanceof Error ? e.name : 'error'})`);
    }
  }

  /** The report's log line and metrics; never throws. */
  private publish(sessionId: string, tenantId: string, report: EndedReport): void {
    try {
      const failedStage = report.stages.find((s) => s.error !== null);
      const errorTag = report.error?.errorTag ?? report.error?.connectorError?._tag ?? failedStage?.error?.aspspResponse?.code ?? failedStage?.error?.errorType ?? null;
      this.metrics.sessionEnded(
        report.connectorId,
        report.status,
        report.stages.filter((s): s is typeof s & { seconds: number } => s.seconds !== null && s.stage !== 'finished').map((s) => ({ stage: s.stage, seconds: Number(s.seconds) })),
      );
      const line = { msg: 'sync session ended', sessionId, tenantId, connector: report.connectorId, status: report.status, aggregationStatus: report.aggregationStatus, errorTag };
      if (report.status === 'completed') this.logger.log(line);
      else this.logger.warn(line);
    } catch (e) {
      this.logger.warn(`session ${sessionId}: its end could not be reported (${e instanceof Error ? e.name : 'error'})`);
    }
  }
}

/** The sessions noted on a transaction's data, removed from it. */
function takeEnded(data: Record<string, unknown>): EndedSession[] {
  const ended = (data[ENDED_SESSIONS] as EndedSession[] | undefined) ?? [];
  delete data[ENDED_SESSIONS];
  return ended;
}
