import type { Connector, ConnectorClient, ConnectorError, ConnectorManifest } from '@kinko/connector-sdk';
import type { CalendarDate, SyncSession as DomainSession } from '@kinko/domain';
import { Result } from 'effect';
import type { AccountProgress } from './account-progress';
import type { StoredAccount } from './account-store';
import type { SealedRow } from '../secrets/secrets.service';
import type { StoredConsent } from './consent-store';
import type { StoredGrant, UsableGrant } from './grant-vault';
import type { SessionRow, StoredAccountResult } from './session-store';
import { RunLockLostError, SessionDeadlineError } from './sync-failures';

// One session's run as the sync engine works it (issue 13 §6): what it holds (the session,
// the grant, the accounts and their typed progress) and what bounds it (deadline, run lock).

/** One account's work within a run: the account, its typed progress and its stage results. */
export interface AccountRun {
  readonly account: StoredAccount;
  progress: AccountProgress;
  results: StoredAccountResult[];
  /** One of its data calls failed on this, the last, attempt with a retryable error the retries did not cure (not stored). */
  retriesSpent?: ConnectorError;
}

export const DAY_MS = 86_400_000;
/** A domain move's result, or its failure thrown. */
export const orThrow = <A, E>(r: Result.Result<A, E>): A => {
  if (Result.isFailure(r)) throw r.failure instanceof Error ? r.failure : new Error(String(r.failure));
  return r.success;
};

/** Everything one session's run works with. */
export class SessionRun {
  session: DomainSession;
  grant: UsableGrant | undefined;
  /** The grant record as the run read it before the auth stage (the auth stage opens it, refreshed if it must be). */
  storedGrant: StoredGrant | undefined;
  accounts: AccountRun[] = [];
  /** The connection's stored accounts as the run's first read found them (the accounts stage's `known`). */
  storedAccounts: readonly StoredAccount[] = [];
  /** The connection's connector id as stored (connections.connector_id), read with the session. */
  connectorId = '';
  /**
   * Whether the connection's status moves may have more to write than their statement: an enabled
   * webhook endpoint of the tenant subscribed to their events (read with the session), or a move
   * of this run refused alone (connection-status.ts). Else its moves are sent without a transaction.
   */
  statusWebhooks = true;
  /** The connection's grant, still sealed, as the run's first read found it (null: none stored); the auth stage opens it. */
  sealedGrant: { readonly row: SealedRow | null } | undefined;
  /** Set when one account's work hit a fatal or retryable error (not that account's own): the others stop between pages. */
  abort: Error | undefined;
  private refreshing: Promise<void> | undefined;
  private forcedOnce = false;

  constructor(
    readonly row: SessionRow,
    session: DomainSession,
    readonly connector: Connector,
    readonly client: ConnectorClient,
    readonly consent: StoredConsent | null,
    readonly now: Date,
    readonly today: CalendarDate,
    readonly limits: RunLimits,
  ) {
    this.session = session;
  }

  /** Why the run must stop now (deadline passed, run lock lost), if it must. */
  stopReason(): Error | undefined {
    if (this.limits.lockLost?.aborted) return new RunLockLostError();
    if (this.limits.deadlineAt !== undefined && Date.now() >= this.limits.deadlineAt) return new SessionDeadlineError(this.limits.deadlineMs ?? 0);
    return undefined;
  }

  get manifest(): ConnectorManifest {
    return this.connector.manifest;
  }

  get scope(): { tenantId: string; userId: string } {
    return { tenantId: this.row.tenantId, userId: this.row.userId };
  }

  get ids(): { tenantId: string; userId: string; connectionId: string; sessionId: string } {
    return { ...this.scope, connectionId: this.row.connectionId, sessionId: this.row.id };
  }

  /** Refreshes the grant once per attempt when the bank refused it (shared by the accounts' flows). */
  forceRefreshOnce(refresh: () => Promise<void>): Promise<void> | undefined {
    if (this.refreshing) return this.refreshing;
    if (this.forcedOnce) return undefined;
    this.forcedOnce = true;
    this.refreshing = refresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }
}

/** What bounds one attempt of a session (the worker's). */
export interface RunLimits {
  /** Wall-clock instant (ms) of the session's overall deadline. */
  readonly deadlineAt?: number;
  /**
   * When this attempt started (ms), for a deadline counted from the session's first attempt:
   * the run replaces `at` with the first attempt's start an earlier attempt noted on the
   * session row (read with the session), and the deadline is `at + deadlineMs`.
   */
  readonly firstAttempt?: { at: number };
  /** The deadline's length, for the message. */
  readonly deadlineMs?: number;
  /** Aborted when the connection's run lock is lost. */
  readonly lockLost?: AbortSignal;
  /** No retry is left after this attempt: one account's retryable error becomes that account's failure. */
  readonly lastAttempt?: boolean;
}
