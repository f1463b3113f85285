import type {
  SessionDetails,
  SessionStatusDetails,
  SessionStatusView,
  StageStatusView,
  SyncSession as DomainSyncSession,
  SyncStage as DomainSyncStage,
} from '@kinko/domain';
import type { PsuContext } from '@kinko/connector-sdk';
import type { SyncRequester } from './sync-session.entity';

/** The (tenant, user) a sync acts for. */
export interface SyncScope {
  readonly tenantId: string;
  readonly userId: string;
}

/**
 * Which connections to sync: the given ones, every one at one bank (`bankId` is the
 * connection's bank id, or its connector id when the connector serves one bank), or all of
 * the user's connections (`RefreshActiveAccounts=true`).
 */
export type SyncTarget = { readonly connectionIds: readonly string[] } | { readonly bankId: string } | { readonly all: true };

/** Who asked: the user (present, may just have done SCA), the tenant's backend, or the scheduler (unattended). */
export type SyncRequestedBy = SyncRequester;

/** How to sync. */
export interface SyncOptions {
  readonly requestedBy: SyncRequestedBy;
  /** The seed's daysBack: narrows the first fetch (never widens it). */
  readonly daysBack?: number | null;
  /** The user just performed strong customer authentication (the grant was just obtained). */
  readonly scaJustPerformed?: boolean;
  /**
   * The user in front of the request that started a `user` sync (IP address, user agent): kept
   * with the session request and passed to the connector's data calls as a present PSU.
   */
  readonly psu?: PsuContext;
}

/** Why a connection was not synced. */
export type SyncSkipReason =
  /** The user deactivated it. */
  | 'inactive'
  /** No stored grant (never connected, or disconnected). */
  | 'no-grant'
  /** Its consent has expired (the consent is marked expired when this is found). */
  | 'consent-expired'
  /** Its consent is revoked, rejected or not yet confirmed. */
  | 'consent-not-active'
  /** It needs the user first (an auth error or a pending challenge); a background sync would fail the same way. */
  | 'needs-user'
  /** Its connector is not registered in this deployment. */
  | 'unknown-connector';

/** A connection a sync request left out, and why. */
export interface SkippedConnection {
  readonly connectionId: string;
  readonly reason: SyncSkipReason;
}

/**
 * What {@link SyncService.startSync} did: one session id per connection synced (a
 * connection that already had a session pending or running contributes that session's
 * id: a sync is never started twice at once), and the connections left out.
 */
export interface StartSyncResult {
  readonly sessionIds: string[];
  readonly skipped: SkippedConnection[];
}

/**
 * A stored session in every shape the session endpoints serve, built by the domain's view
 * functions from the stored rows.
 */
export interface SyncSessionViews {
  /** The domain session (stages and per-account results). */
  readonly session: DomainSyncSession;
  /** `GET /api/v2/bank/session/{id}`. */
  readonly details: SessionDetails;
  /** `GET …/session/{id}/status`. */
  readonly status: SessionStatusView;
  /** `GET …/session/{id}/stage/{stage}/status`, per stage. */
  readonly stages: Readonly<Record<DomainSyncStage, StageStatusView>>;
  /** `GET …/session/{id}/status/details`. */
  readonly statusDetails: SessionStatusDetails;
  /** Who asked, and with which options. */
  readonly requestedBy: SyncRequestedBy;
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Why the session failed as a whole (job died, dead letter…), when it did. */
  readonly error: Readonly<Record<string, unknown>> | null;
}
