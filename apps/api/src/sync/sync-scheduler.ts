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
import { type LockedConnection, SyncService } from './sync.service';

/** What the scheduler decided for one connection. */
export interface ScheduledRefresh {
  readonly connectionId: string;
  /** `started`: a background session was created; `deferred`: an account's unattended budget is spent until `notBefore`; `skipped`: startSync left it out. */
  readonly decision: 'started' | 'deferred' | 'skipped';
  readonly sessionId?: string;
  readonly notBefore?: Date;
  readonly reason?: string;
}

/** Due connections planned in one transaction (one candidates query, one budget read, one insert of each kind, one job insert). */
export const SCHEDULER_BATCH = 500;

/** Where the keyset walk starts: before every connection. */
const FIRST_KEY = { at: '-infinity', id: '00000000-0000-0000-0000-000000000000' } as const;
type Key = { readonly at: string; readonly id: string };

/**
 * The planning query: connections due for a background refresh ($1: sessions created after it
 * are recent; $2: the batch), oldest status change first, after the keyset ($3, $4: the last
 * one the walk took) — through the index on aggregation_status_changed_at, so a batch stops at
 * its size whatever the number of connections (migration SchedulerPlanIndex;
 * test/sync/scheduler-plan.test.ts). Locked for the batch's transaction, skipping connections
 * another transaction holds (another scheduler's batch, a user's sync being started). The key
 * comes back as text: a JS Date would drop the microseconds and the walk would stall on them.
 */
export const SCHEDULER_CANDIDATES_SQL = `SELECT c.id, c.tenant_id, c.user_id, c.connector_id, c.aggregation_status, c.deactivated, true AS has_grant,
      c.aggregation_status_changed_at::text AS key_at
    FROM connections c
    WHERE NOT c.deactivated
      AND c.aggregation_status NOT LIKE 'running.%' AND c.aggregation_status NOT LIKE 'suspended.%'
      AND c.aggregation_status NOT LIKE 'auth.%' AND c.aggregation_status NOT IN ('inactive', 'guest.intervention.required')
      AND EXISTS (SELECT 1 FROM connection_secrets s WHERE s.connection_id = c.id AND s.kind = 'grant')
      AND NOT EXISTS (SELECT 1 FROM sync_sessions s WHERE s.connection_id = c.id AND (s.finished_at IS NULL OR s.created_at > $1))
      AND c.aggregation_status_changed_at >= $3::timestamptz AND (c.aggregation_status_changed_at, c.id) > ($3::timestamptz, $4::uuid)
    ORDER BY c.aggregation_status_changed_at, c.id LIMIT $2
    FOR UPDATE OF c SKIP LOCKED`;

/** The first parameters of {@link SCHEDULER_CANDIDATES_SQL}: due before `dueBefore`, the first batch of `batch`. */
export const schedulerCandidatesParams = (dueBefore: Date, batch: number, after: Key = FIRST_KEY): unknown[] => [dueBefore, batch, after.at, after.id];

/**
 * Plans background refreshes (the user not present). A round walks the connections that are
 * active, not running, whose last session is older than `refreshIntervalMinutes`, in batches
 * of {@link SCHEDULER_BATCH} (keyset order; up to `schedulerRoundLimit` a round; the next round
 * goes on where it stopped, from the start once the walk reached the end), and starts a
 * `scheduler` sync of each whose every active account still has unattended budget
 * ({@link RefreshQuotas}: the domain's `unattendedAccessBudget` over the `unattended_accesses`
 * ledger, with the connector's `unattendedAccessesPerDay`, PSD2's 4 by default). Connections
 * with a spent account are deferred to the instant the budget allows again. A batch is one
 * transaction holding its connections locked: its candidates, their budgets, their consents
 * read at once, their sessions and jobs inserted at once ({@link SyncService.startLocked}); two
 * processes planning at once take different connections and never start one twice. The worker
 * records each access in the ledger when it reads the account (and re-checks the budget
 * there, under a row lock). User-initiated syncs are not unattended: they are neither counted
 * nor limited.
 */
@Injectable()
export class SyncScheduler {
  private readonly logger = new Logger('SyncScheduler');
  /** Where this process's walk stopped (the last connection a full batch took), if it did not reach the end. */
  private resumeAfter: Key | undefined;

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
   * One planning round: background refreshes (in any number of processes at once), then — in
   * one process at a time, under an advisory lock — the consent-expiry warnings due
   * ({@link ConsentExpiryWarnings}), the change feed's log pruned past its retention
   * (`feedRetentionDays`, {@link pruneFeedLog}) and the user's IP address and user agent erased
   * from the sessions finished `psuRetentionMinutes` ago ({@link erasePsuOfFinishedSessions}).
   */
  async planRound(): Promise<ScheduledRefresh[]> {
    const plan = await this.plan();
    const singleton = await this.locks.tryHoldSingleton(LOCK_SPACE.scheduler, 'scheduler');
    if (!singleton) return plan;
    try {
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
    const decisions: ScheduledRefresh[] = [];
    let taken = 0;
    while (taken < this.settings.schedulerRoundLimit) {
      const size = Math.min(SCHEDULER_BATCH, this.settings.schedulerRoundLimit - taken);
      const batch = await this.planBatch(now, dueBefore, size, this.resumeAfter ?? FIRST_KEY);
      decisions.push(...batch.decisions);
      taken += batch.taken;
      // The walk reached the end: the next round starts again from the oldest.
      this.resumeAfter = batch.last && batch.taken === size ? batch.last : undefined;
      if (!this.resumeAfter) break;
    }
    if (decisions.length > 0) this.logger.log(`planned: ${decisions.filter((d) => d.decision === 'started').length} started, ${decisions.filter((d) => d.decision === 'deferred').length} deferred`);
    return decisions;
  }

  /** One batch in one transaction: its candidates (locked), their budgets at once, then {@link SyncService.startLocked}. */
  private async planBatch(now: Date, dueBefore: Date, size: number, after: Key): Promise<{ decisions: ScheduledRefresh[]; taken: number; last?: Key }> {
    return this.dataSource.transaction(async (m) => {
      // Candidates across tenants: a system task, not a user-facing query.
      const candidates = (await m.query(SCHEDULER_CANDIDATES_SQL, schedulerCandidatesParams(dueBefore, size, after))) as Array<LockedConnection & { key_at: string }>;
      const lastRow = candidates[candidates.length - 1];
      const last = lastRow ? { at: lastRow.key_at, id: lastRow.id } : undefined;
      const known = candidates.filter((c) => this.connectors.has(c.connector_id));
      const quotas = await this.quotas.ofTenantsConnections(known.map((c) => ({ id: c.id, tenantId: c.tenant_id, connectorId: c.connector_id })), now, m);
      const decisions: ScheduledRefresh[] = [];
      const startable: LockedConnection[] = [];
      for (const c of known) {
        const quota = quotas.get(c.id);
        const notBefore = quota && quota.remaining === 0 ? quota.nextRefreshPossibleAt : undefined;
        if (notBefore) {
          decisions.push({ connectionId: c.id, decision: 'deferred', notBefore });
          this.metrics.accessBudgetRefused('scheduler');
        } else startable.push(c);
      }
      const started = await this.sync.startLocked(m, startable, { requestedBy: 'scheduler' }, dueBefore);
      const sessionOf = new Map(started.started.map((x) => [x.connectionId, x.sessionId] as const));
      const reasonOf = new Map(started.skipped.map((x) => [x.connectionId, x.reason] as const));
      for (const c of startable) {
        const sessionId = sessionOf.get(c.id);
        const reason = reasonOf.get(c.id);
        if (sessionId) decisions.push({ connectionId: c.id, decision: 'started', sessionId });
        else if (reason) decisions.push({ connectionId: c.id, decision: 'skipped', reason });
      }
      return { decisions, taken: candidates.length, ...(last ? { last } : {}) };
    });
  }
}
