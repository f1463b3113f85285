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
import { runTransaction } from '../database/transaction';

/** What the scheduler decided for one connection. */
export interface ScheduledRefresh {
  readonly connectionId: string;
  /** `started`: a background session was created; `deferred`: an account's unattended budget is spent until `notBefore`; `skipped`: startSync left it out. */
  readonly decision: 'started' | 'deferred' | 'skipped';
  readonly sessionId?: string;
  readonly notBefore?: Date;
  readonly reason?: string;
}

/** Due connections planned in one transaction (one candidates query, one budget read, one insert of each kind, one job insert, one update of their next refresh). */
export const SCHEDULER_BATCH = 500;

/**
 * The connections the scheduler may start: not deactivated, not running, not suspended, not
 * waiting for the user. Read from `connections` for each due candidate ({@link SCHEDULER_CANDIDATES_SQL}):
 * a due connection that is not schedulable is looked at again an interval on.
 */
export const SCHEDULABLE_CONNECTION_SQL = `NOT c.deactivated
      AND c.aggregation_status NOT LIKE 'running.%' AND c.aggregation_status NOT LIKE 'suspended.%'
      AND c.aggregation_status NOT LIKE 'auth.%' AND c.aggregation_status NOT IN ('inactive', 'guest.intervention.required')`;

/**
 * The planning query: the connections whose due time (`connection_schedules.next_refresh_at`)
 * has come ($1: now; $2: the batch), due longest first — one range scan of the index
 * `ix_connection_schedules_due`, reading only due connections, so a batch costs the same whatever
 * the number of connections (test/sync/scheduler-plan.test.ts). Only a connection with a grant
 * has a schedule row (kept by the triggers on `connection_secrets`, migration ConnectionSchedules):
 * no secret is probed per candidate. Each candidate's connection row is read by its primary key,
 * with whether it is schedulable ({@link SCHEDULABLE_CONNECTION_SQL}). Both rows locked for the
 * batch's transaction, skipping connections another transaction holds (another scheduler's batch,
 * a user's sync being started: the connection row, which startSync locks too). Every candidate
 * gets a later due time in the same transaction ({@link SCHEDULER_NEXT_REFRESH_SQL}), so the
 * next batch finds the next ones — in `connection_schedules` only: planning writes no row
 * version or index entry of `connections` (test/sync/scheduler-writes.test.ts).
 */
export const SCHEDULER_CANDIDATES_SQL = `SELECT c.id, c.tenant_id, c.user_id, c.connector_id, c.aggregation_status, c.deactivated, true AS has_grant,
      (${SCHEDULABLE_CONNECTION_SQL}) AS schedulable
    FROM connection_schedules s JOIN connections c ON c.id = s.connection_id
    WHERE s.next_refresh_at <= $1
    ORDER BY s.next_refresh_at, s.connection_id LIMIT $2
    FOR UPDATE OF s, c SKIP LOCKED`;

/** The parameters of {@link SCHEDULER_CANDIDATES_SQL}: due at `now`, a batch of `batch`. */
export const schedulerCandidatesParams = (now: Date, batch: number): unknown[] => [now, batch];

/** When each connection of a batch is due again ($1: ids, $2: instants), by the primary key of its schedule row. */
const SCHEDULER_NEXT_REFRESH_SQL = `UPDATE connection_schedules s SET next_refresh_at = v.next_at
    FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, next_at) WHERE s.connection_id = v.id`;

/**
 * Plans background refreshes (the user not present). A round takes the connections that are
 * active, not running, with a grant and due (`connection_schedules.next_refresh_at`: a connection with a grant has a row), in batches of
 * {@link SCHEDULER_BATCH} (up to `schedulerRoundLimit` a round; what a round leaves due, the
 * next takes first), and starts a `scheduler` sync of each whose every active account still has unattended budget
 * ({@link RefreshQuotas}: the domain's `unattendedAccessBudget` over the `unattended_accesses`
 * ledger, with the connector's `unattendedAccessesPerDay`, PSD2's 4 by default). Connections
 * with a spent account are deferred to the instant the budget allows again. Each connection a
 * batch takes is due again ({@link nextRefreshOf}): once started, or left out (not schedulable
 * — deactivated, running, suspended, waiting for the user —, or by startSync: consent expired,
 * needs the user, unknown connector), `refreshIntervalMinutes` later; deferred, when its budget allows; left alone because a session of it is recent or
 * running, `refreshIntervalMinutes` after that session was created (so a user's own sync
 * counts, as before). A batch is one
 * transaction holding its connections locked: its candidates, their budgets, their consents
 * read at once, their sessions and jobs inserted at once ({@link SyncService.startLocked}), their
 * next refresh written at once; two processes planning at once take different connections and
 * never start one twice (and startLocked still leaves alone a connection with a session pending,
 * running or younger than the interval). The worker
 * records each access in the ledger when it reads the account (and re-checks the budget
 * there, under a row lock). User-initiated syncs are not unattended: they are neither counted
 * nor limited.
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
    const decisions: ScheduledRefresh[] = [];
    let taken = 0;
    while (taken < this.settings.schedulerRoundLimit) {
      const size = Math.min(SCHEDULER_BATCH, this.settings.schedulerRoundLimit - taken);
      const batch = await this.planBatch(now, size);
      decisions.push(...batch.decisions);
      taken += batch.taken;
      // Fewer than asked: none due is left (or other schedulers hold them).
      if (batch.taken < size) break;
    }
    if (decisions.length > 0) this.logger.log(`planned: ${decisions.filter((d) => d.decision === 'started').length} started, ${decisions.filter((d) => d.decision === 'deferred').length} deferred`);
    return decisions;
  }

  /**
   * When a connection the batch took at `now` is due again: started or left out, one refresh
   * interval on; deferred, when its budget allows; busy, one interval after its newest session
   * was created. Always after `now`: a round never takes a connection twice.
   */
  private nextRefreshOf(now: Date, outcome: { readonly deferredUntil?: Date; readonly newestSessionAt?: Date }): Date {
    const interval = this.settings.refreshIntervalMinutes * 60_000;
    const at = outcome.deferredUntil?.getTime() ?? (outcome.newestSessionAt ? outcome.newestSessionAt.getTime() + interval : now.getTime() + interval);
    return new Date(Math.max(at, now.getTime() + 1));
  }

  /** One batch in one transaction: its candidates (locked), their budgets at once, then {@link SyncService.startLocked}, then when each is due again. */
  private async planBatch(now: Date, size: number): Promise<{ decisions: ScheduledRefresh[]; taken: number }> {
    const dueBefore = new Date(now.getTime() - this.settings.refreshIntervalMinutes * 60_000);
    return runTransaction(this.dataSource, async (m) => {
      // The batch's commit does not wait for its WAL to reach the disk: that WAL grows with the
      // connections (a planned row's entries in the indexes led by random UUIDs land on pages not
      // written since the last checkpoint: full page images) while the batch's CPU does not. A
      // crash can lose the last batches committed (≤ 3 × wal_writer_delay), whole: not planned, due
      // still, the next round plans them. Nothing can build on one before it is on disk — the worker
      // takes a job in a transaction of its own that commits synchronously, flushing the WAL up to it.
      await m.query(`SET LOCAL synchronous_commit = off`);
      // Candidates across tenants: a system task, not a user-facing query.
      const candidates = (await m.query(SCHEDULER_CANDIDATES_SQL, schedulerCandidatesParams(now, size))) as Array<LockedConnection & { schedulable: boolean }>;
      // Not schedulable or of an unregistered connector: nothing to start (and no decision), looked at again an interval on.
      const known = candidates.filter((c) => c.schedulable && this.connectors.has(c.connector_id));
      const quotas = await this.quotas.ofTenantsConnections(known.map((c) => ({ id: c.id, tenantId: c.tenant_id, connectorId: c.connector_id })), now, m);
      const decisions: ScheduledRefresh[] = [];
      const startable: LockedConnection[] = [];
      const next = new Map(candidates.map((c) => [c.id, this.nextRefreshOf(now, {})] as const));
      for (const c of known) {
        const quota = quotas.get(c.id);
        const notBefore = quota && quota.remaining === 0 ? quota.nextRefreshPossibleAt : undefined;
        if (notBefore) {
          decisions.push({ connectionId: c.id, decision: 'deferred', notBefore });
          next.set(c.id, this.nextRefreshOf(now, { deferredUntil: notBefore }));
          this.metrics.accessBudgetRefused('scheduler');
        } else startable.push(c);
      }
      const started = await this.sync.startLocked(m, startable, { requestedBy: 'scheduler' }, dueBefore);
      for (const b of started.busy) next.set(b.connectionId, this.nextRefreshOf(now, { newestSessionAt: b.newestSessionAt }));
      const sessionOf = new Map(started.started.map((x) => [x.connectionId, x.sessionId] as const));
      const reasonOf = new Map(started.skipped.map((x) => [x.connectionId, x.reason] as const));
      for (const c of startable) {
        const sessionId = sessionOf.get(c.id);
        const reason = reasonOf.get(c.id);
        if (sessionId) decisions.push({ connectionId: c.id, decision: 'started', sessionId });
        else if (reason) decisions.push({ connectionId: c.id, decision: 'skipped', reason });
      }
      if (next.size > 0) await m.query(SCHEDULER_NEXT_REFRESH_SQL, [[...next.keys()], [...next.values()]]);
      return { decisions, taken: candidates.length };
    });
  }
}
