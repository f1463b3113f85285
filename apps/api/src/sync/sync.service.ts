import { Inject, Injectable } from '@nestjs/common';
import {
  type SyncStage as DomainStage,
  type StageStatusView,
  aggregationStatusGroup,
  evaluateConsent,
  parseAggregationStatus,
  sessionDetails,
  sessionStatusDetails,
  sessionStatusView,
  stageStatusView,
  syncStages,
} from '@kinko/domain';
import { DataSource, type EntityManager } from 'typeorm';
import { NotFoundError } from '../common/errors';
import { newId } from '../database/ids';
import { preparedQuery } from '../database/prepared-sql';
import { ConnectorClients } from './connector-clients';
import { currentConsent, currentConsents, type StoredConsent } from './consent-store';
import { applyConsentExpiry } from './outcome-store';
import { type NewSession, findSessionRow, insertSession, insertSessions, loadDomainSession } from './session-store';
import { SYNC_CLOCK, type SyncClock } from './sync-clock';
import { SyncQueue } from './sync-queue';
import { psuParameters, publicParameters } from './session-psu';
import type {
  SkippedConnection,
  StartSyncResult,
  SyncOptions,
  SyncRequestedBy,
  SyncScope,
  SyncSessionViews,
  SyncTarget,
} from './sync.types';
import { runTransaction } from '../database/transaction';

export type * from './sync.types';

interface ConnectionRow {
  id: string;
  connector_id: string;
  aggregation_status: string;
  deactivated: boolean;
  has_grant: boolean;
}

/** A connection its caller's transaction holds locked (`FOR UPDATE`), with its owner: {@link SyncService.startLocked}. */
export interface LockedConnection extends ConnectionRow {
  tenant_id: string;
  user_id: string;
}

/** What {@link SyncService.startLocked} did with each connection it was given. */
export interface StartLockedResult {
  readonly started: ReadonlyArray<{ readonly connectionId: string; readonly sessionId: string }>;
  readonly skipped: readonly SkippedConnection[];
  /** Connections left alone: a session of theirs is pending or running (or was created after `sessionsSince`); when the newest of those sessions was created. */
  readonly busy: ReadonlyArray<{ readonly connectionId: string; readonly newestSessionAt: Date }>;
}

/**
 * Starts syncs and reads their sessions — the contract between the sync engine and the
 * user API (`POST /api/v2/bank/…/sync`, `GET /api/v2/bankaccount?RefreshActiveAccounts=true`,
 * `GET /api/v2/bank/session/{id}…`).
 *
 * A sync creates one session per connection and enqueues its job (pg-boss) in ONE database
 * transaction: either both exist or neither. The worker (SyncWorker) runs it.
 *
 * Related services other features use: `GrantVault.storeGranted` (store a grant the
 * connect flow obtained, with its expiry and SCA instant — the format the worker reads) and
 * `ConnectorClients.client(connectorId)` (the configured connector client, audited).
 */
@Injectable()
export class SyncService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: SyncQueue,
    private readonly connectors: ConnectorClients,
    @Inject(SYNC_CLOCK) private readonly clock: SyncClock,
  ) {}

  /**
   * Starts a sync of the target's connections. Per connection, in one transaction: skipped
   * (deactivated, no grant, consent expired — then marked expired with reason Expired —
   * or not active, an unknown connector, or for the scheduler one that needs the user), or
   * joined to its session already pending/running, or a new session plus its job.
   * `{ connectionIds }` naming a connection that is not the user's → {@link NotFoundError}.
   */
  async startSync(scope: SyncScope, target: SyncTarget, options: SyncOptions): Promise<StartSyncResult> {
    const now = this.clock.now();
    return runTransaction(this.dataSource, async (manager) => {
      const connections = await this.lockTargetConnections(manager, scope, target);
      const sessionIds: string[] = [];
      const skipped: SkippedConnection[] = [];
      for (const c of connections) {
        const running = await preparedQuery<{ id: string }>(
          manager,
          `SELECT id FROM sync_sessions WHERE connection_id = $1 AND tenant_id = $2 AND user_id = $3 AND finished_at IS NULL ORDER BY created_at DESC LIMIT 1`,
          [c.id, scope.tenantId, scope.userId],
        );
        if (running[0]) {
          sessionIds.push(running[0].id);
          continue;
        }
        const reason = await this.skipReason(manager, scope, c, options.requestedBy, now, () => currentConsent(manager, scope, c.id, true));
        if (reason) {
          skipped.push({ connectionId: c.id, reason });
          continue;
        }
        const sessionId = newId(now.getTime());
        await insertSession(manager, {
          id: sessionId,
          tenantId: scope.tenantId,
          userId: scope.userId,
          connectionId: c.id,
          requestedBy: options.requestedBy,
          parameters: { daysBack: options.daysBack ?? null, scaJustPerformed: options.scaJustPerformed ?? false, ...psuParameters(options.requestedBy, options.psu) },
          createdAt: now,
        });
        await this.queue.enqueue(manager, { sessionId, tenantId: scope.tenantId, userId: scope.userId, connectionId: c.id });
        sessionIds.push(sessionId);
      }
      return { sessionIds, skipped };
    });
  }

  /**
   * {@link startSync} for many connections, of any users, that the caller's transaction
   * `manager` already holds locked (the scheduler's batch): in a few statements for the whole
   * batch — the sessions pending or running (or created after `sessionsSince`) read at once
   * (those connections are left alone), the consents at once, the same skip reasons, the
   * sessions and their stage rows in two multi-row inserts, their jobs in one.
   */
  async startLocked(manager: EntityManager, connections: readonly LockedConnection[], options: SyncOptions, sessionsSince?: Date): Promise<StartLockedResult> {
    if (connections.length === 0) return { started: [], skipped: [], busy: [] };
    const now = this.clock.now();
    const busy = new Map(
      (
        (await manager.query(
          `SELECT connection_id, max(created_at) AS newest FROM sync_sessions WHERE connection_id = ANY($1::uuid[]) AND (finished_at IS NULL OR created_at > $2) GROUP BY connection_id`,
          [connections.map((c) => c.id), sessionsSince ?? new Date(0)],
        )) as Array<{ connection_id: string; newest: Date }>
      ).map((r) => [r.connection_id, r.newest] as const),
    );
    const free = connections.filter((c) => !busy.has(c.id));
    const consents = await currentConsents(manager, free.map((c) => ({ tenantId: c.tenant_id, userId: c.user_id, connectionId: c.id })), true);
    const skipped: SkippedConnection[] = [];
    const sessions: NewSession[] = [];
    for (const c of free) {
      const scope = { tenantId: c.tenant_id, userId: c.user_id };
      const reason = await this.skipReason(manager, scope, c, options.requestedBy, now, () => Promise.resolve(consents.get(c.id) ?? null));
      if (reason) {
        skipped.push({ connectionId: c.id, reason });
        continue;
      }
      sessions.push({
        id: newId(now.getTime()),
        ...scope,
        connectionId: c.id,
        requestedBy: options.requestedBy,
        parameters: { daysBack: options.daysBack ?? null, scaJustPerformed: options.scaJustPerformed ?? false, ...psuParameters(options.requestedBy, options.psu) },
        createdAt: now,
      });
    }
    await insertSessions(manager, sessions);
    await this.queue.enqueueMany(manager, sessions.map((x) => ({ sessionId: x.id, tenantId: x.tenantId, userId: x.userId, connectionId: x.connectionId })));
    return {
      started: sessions.map((x) => ({ connectionId: x.connectionId, sessionId: x.id })),
      skipped,
      busy: [...busy].map(([connectionId, newestSessionAt]) => ({ connectionId, newestSessionAt })),
    };
  }

  /** A session of the user in every view; {@link NotFoundError} for any other id (another user's included). */
  async getSession(scope: SyncScope, sessionId: string): Promise<SyncSessionViews> {
    // One snapshot: the session row (its error) and its stages are written in one transaction
    // by the engine; read apart, a finished session could show the error of an earlier attempt.
    const { row, session } = await runTransaction(this.dataSource, 'REPEATABLE READ', async (manager) => {
      const found = await findSessionRow(manager, scope, sessionId);
      if (!found) throw new NotFoundError('Session');
      return { row: found, session: await loadDomainSession(manager, found) };
    });
    const stages = Object.fromEntries(syncStages.map((s) => [s, stageStatusView(session, s)])) as Record<DomainStage, StageStatusView>;
    return {
      session,
      details: sessionDetails(session),
      status: sessionStatusView(session),
      stages,
      statusDetails: sessionStatusDetails(session),
      requestedBy: row.requestedBy as SyncRequestedBy,
      parameters: publicParameters(row.parameters),
      error: row.error,
    };
  }

  private async lockTargetConnections(manager: EntityManager, scope: SyncScope, target: SyncTarget): Promise<ConnectionRow[]> {
    const select = `SELECT c.id, c.connector_id, c.aggregation_status, c.deactivated,
        EXISTS (SELECT 1 FROM connection_secrets s WHERE s.connection_id = c.id AND s.kind = 'grant') AS has_grant
      FROM connections c WHERE c.tenant_id = $1 AND c.user_id = $2`;
    const order = ` ORDER BY c.created_at, c.id FOR UPDATE OF c`;
    if ('connectionIds' in target) {
      const ids = [...new Set(target.connectionIds)];
      // Named prepared statements (every session the API starts takes its connection's lock here).
      const rows = await preparedQuery<ConnectionRow>(manager, `${select} AND c.id = ANY($3::uuid[])${order}`, [scope.tenantId, scope.userId, ids]);
      if (rows.length !== ids.length) throw new NotFoundError('Connection');
      return rows;
    }
    if ('bankId' in target) {
      return preparedQuery<ConnectionRow>(manager, `${select} AND c.bank_id = $3${order}`, [scope.tenantId, scope.userId, target.bankId]);
    }
    return preparedQuery<ConnectionRow>(manager, `${select}${order}`, [scope.tenantId, scope.userId]);
  }

  /** Why a connection is not synced, if it is not; `readConsent` reads its current consent (locked) when it matters. */
  private async skipReason(
    manager: EntityManager,
    scope: SyncScope,
    c: ConnectionRow,
    requestedBy: SyncRequestedBy,
    now: Date,
    readConsent: () => Promise<StoredConsent | null>,
  ): Promise<SkippedConnection['reason'] | undefined> {
    if (c.deactivated || c.aggregation_status === 'inactive') return 'inactive';
    if (!this.connectors.has(c.connector_id)) return 'unknown-connector';
    if (!c.has_grant) return 'no-grant';
    const stored = await readConsent();
    if (stored) {
      // An expiry noticed here is stored by the one store (the decision for ConsentExpired).
      const consent = evaluateConsent(stored.consent, now).status === stored.consent.status ? stored.consent : ((await applyConsentExpiry(manager, scope, stored.id, now))?.consent ?? stored.consent);
      if (consent.status === 'expired') return 'consent-expired';
      if (consent.status !== 'valid') return 'consent-not-active';
    }
    // The scheduler does not retry what only the user can fix (credentials, challenges, the bank's own pages).
    const group = aggregationStatusGroup(parseAggregationStatus(c.aggregation_status));
    if (requestedBy === 'scheduler' && (group === 'auth-error' || group === 'waiting' || group === 'intervention-required')) return 'needs-user';
    return undefined;
  }
}
