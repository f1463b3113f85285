import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service';
import { ConnectorClients } from './connector-clients';
import { feedRetentionCutoff, pruneFeedLog } from '../transactions/feed-retention';
import { ConsentExpiryWarnings } from './consent-expiry-warnings';
import { RefreshQuotas } from './refresh-quota';
import { erasePsuOfFinishedSessions } from './session-psu';
import { SYNC_CLOCK, type SyncClock } from './sync-clock';
import { LOCK_SPACE, SyncLocks } from './sync-locks';
import { SYNC_SETTINGS, type SyncSettings } from './sync-options';
import { SyncService } from './sync.service';

/** What the scheduler decided for one connection. */
export interface ScheduledRefresh {
  readonly connectionId: string;
  /** `started`: a background session was created; `deferred`: an account's unattended budget is spent until `notBefore`; `skipped`: startSync left it out. */
  readonly decision: 'started' | 'deferred' | 'skipped';
  readonly sessionId?: string;
  readonly notBefore?: Date;
  readonly reason?: string;
}

const BATCH = 200;

/**
 * The planning query: connections due for a background refresh ($1: sessions created after it
 * are recent; $2: the batch), oldest status change first — through the index on
 * aggregation_status_changed_at, so a round stops at the batch whatever the number of
 * connections (migration SchedulerPlanIndex; test/sync/scheduler-plan.test.ts).
 */
export const SCHEDULER_CANDIDATES_SQL = `SELECT c.id, c.tenant_id, c.user_id, c.connector_id FROM connections c
    WHERE NOT c.deactivated
      AND c.aggregation_status NOT LIKE 'running.%' AND c.aggregation_status NOT LIKE 'suspended.%'
      AND c.aggregation_status NOT LIKE 'auth.%' AND c.aggregation_status NOT IN ('inactive', 'guest.intervention.required')
      AND EXISTS (SELECT 1 FROM connection_secrets s WHERE s.connection_id = c.id AND s.kind = 'grant')
      AND NOT EXISTS (SELECT 1 FROM sync_sessions s WHERE s.connection_id = c.id AND (s.finished_at IS NULL OR s.created_at > $1))
    ORDER BY c.aggregation_status_changed_at LIMIT $2`;

/**
 * Plans background refreshes (the user not present). A round — one process at a time,
 * under an advisory lock — takes connections that are active, not running, whose last
 * session is older than `refreshIntervalMinutes`, and starts a `scheduler` sync of each
 * whose every active account still has unattended budget ({@link RefreshQuotas}: the
 * domain's `unattendedAccessBudget` over the `unattended_accesses` ledger, with the
 * connector's `unattendedAccessesPerDay`, PSD2's 4 by default). Connections with a spent account are
 * deferred to the instant the budget allows again. The worker records each access in the
 * ledger when it reads the account (and re-checks the budget there, under a row lock).
 * User-initiated syncs are not unattended: they are neither counted nor limited.
 */
@Injectable()
export class SyncScheduler {
  private readonly logger = new Logger('SyncScheduler');

  constructor(
    private readonly dataSource: DataSource,
    private readonly sync: SyncService,
    private readonly connectors: ConnectorClients,
    private readonly quotas: RefreshQuotas,
    private readonly expiryWarnings: ConsentExpiryWarnings,
    private readonly locks: SyncLocks,
    @Inject(SYNC_CLOCK) private readonly clock: SyncClock,
    @Inject(SYNC_SETTINGS) private readonly settings: SyncSettings,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * One planning round: background refreshes, then the consent-expiry warnings due
   * ({@link ConsentExpiryWarnings}), the change feed's log pruned past its retention
   * (`feedRetentionDays`, {@link pruneFeedLog}) and the user's IP address and user agent erased
   * from the sessions finished `psuRetentionMinutes` ago ({@link erasePsuOfFinishedSessions});
   * empty when another process is planning right now.
   */
  async planRound(): Promise<ScheduledRefresh[]> {
    const singleton = await this.locks.tryHoldSingleton(LOCK_SPACE.scheduler, 'scheduler');
    if (!singleton) return [];
    try {
      const plan = await this.plan();
      await this.expiryWarnings.round().catch((e: unknown) => this.logger.error(`consent-expiry warnings: ${e instanceof Error ? e.message : String(e)}`));
      await pruneFeedLog(this.dataSource.manager, feedRetentionCutoff(this.clock.now(), this.settings.feedRetentionDays)).catch((e: unknown) => this.logger.error(`feed pruning: ${e instanceof Error ? e.message : String(e)}`));
      await erasePsuOfFinishedSessions(this.dataSource.manager, new Date(this.clock.now().getTime() - this.settings.psuRetentionMinutes * 60_000)).catch((e: unknown) => this.logger.error(`PSU retention: ${e instanceof Error ? e.message : String(e)}`));
      return plan;
    } finally {
      await singleton.release();
    }
  }

  private async plan(): Promise<ScheduledRefresh[]> {
    const now = this.clock.now();
    const dueBefore = new Date(now.getTime() - this.settings.refreshIntervalMinutes * 60_000);
    // Candidates across tenants: a system task, not a user-facing query.
    const candidates = (await this.dataSource.query(
      SCHEDULER_CANDIDATES_SQL,
      [dueBefore, BATCH],
    )) as Array<{ id: string; tenant_id: string; user_id: string; connector_id: string }>;
    const decisions: ScheduledRefresh[] = [];
    for (const c of candidates) {
      if (!this.connectors.has(c.connector_id)) continue;
      const quota = (await this.quotas.ofConnections(c.tenant_id, [{ id: c.id, connectorId: c.connector_id }], now)).get(c.id);
      const notBefore = quota && quota.remaining === 0 ? quota.nextRefreshPossibleAt : undefined;
      if (notBefore) {
        decisions.push({ connectionId: c.id, decision: 'deferred', notBefore });
        this.metrics.accessBudgetRefused('scheduler');
        continue;
      }
      const started = await this.sync.startSync({ tenantId: c.tenant_id, userId: c.user_id }, { connectionIds: [c.id] }, { requestedBy: 'scheduler' });
      const sessionId = started.sessionIds[0];
      const skipped = started.skipped[0];
      decisions.push(sessionId ? { connectionId: c.id, decision: 'started', sessionId } : { connectionId: c.id, decision: 'skipped', ...(skipped ? { reason: skipped.reason } : {}) });
    }
    if (decisions.length > 0) this.logger.log(`planned: ${decisions.filter((d) => d.decision === 'started').length} started, ${decisions.filter((d) => d.decision === 'deferred').length} deferred`);
    return decisions;
  }
}
