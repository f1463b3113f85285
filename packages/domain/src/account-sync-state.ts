import { Schema } from 'effect';
import { transactionKinds, type TransactionKind } from './transaction-kind';

// Casing: the seed's prose capitalises statuses ("Failed", "PartiallyFailed") while its
// JSON example writes lowerCamel ("active", "inProgress", "missingAccount", "badRequest").
// Kinko uses lowerCamel for every status value, so the API never mixes the two styles.

/**
 * Whether the account itself (its details and its balance) synced in the last session:
 * `active` when they were fetched, `failed` when they were not (seed 3a).
 */
export const AccountSyncStatus = Schema.Literals(['active', 'failed']);
/** Whether the account's details and balance synced in the last session. */
export type AccountSyncStatus = typeof AccountSyncStatus.Type;
/** Every AccountSyncStatus, in the domain's order (the API's enum is this list). */
export const accountSyncStatuses: readonly AccountSyncStatus[] = AccountSyncStatus.literals;

/**
 * How current the account's transaction history is (seed 3b): `completed` (every
 * transaction endpoint succeeded), `failed` (every one failed, or none could be called),
 * `partiallyFailed` (at least one failed, at least one succeeded), `inProgress` (a
 * session is fetching it now).
 */
export const TransactionSyncStatus = Schema.Literals(['completed', 'failed', 'partiallyFailed', 'inProgress']);
/** How current the account's transaction history is. */
export type TransactionSyncStatus = typeof TransactionSyncStatus.Type;
/** Every TransactionSyncStatus, in the domain's order (the API's enum is this list). */
export const transactionSyncStatuses: readonly TransactionSyncStatus[] = TransactionSyncStatus.literals;

/** The seed's `syncError.errorType` values. */
export const SyncErrorType = Schema.Literals(['internal', 'aspspResponse', 'signature', 'missingAccount']);
/** What kind of failure a `syncError` records. */
export type SyncErrorType = typeof SyncErrorType.Type;
/** Every SyncErrorType, in the domain's order (the API's enum is this list). */
export const syncErrorTypes: readonly SyncErrorType[] = SyncErrorType.literals;

/** What the bank (ASPSP) answered when it failed: its status (e.g. "badRequest" or "400") and body text. */
export const AspspResponse = Schema.Struct({ status: Schema.String, content: Schema.String });
/** The bank's failed answer. */
export type AspspResponse = typeof AspspResponse.Type;

/**
 * Why one call of a session failed, as the app hands it to the domain. `missingAccount` is
 * not among them: the domain derives it from the account not being returned.
 */
export const SyncFailure = Schema.Union([
  Schema.Struct({ errorType: Schema.Literal('aspspResponse'), aspspResponse: AspspResponse, message: Schema.String }),
  Schema.Struct({ errorType: Schema.Literals(['internal', 'signature']), message: Schema.String }),
]);
/** Why one call of a session failed. */
export type SyncFailure = typeof SyncFailure.Type;
/** The error types of a {@link SyncFailure}: every {@link SyncErrorType} but the derived `missingAccount`. */
export const syncFailureErrorTypes: readonly SyncFailure['errorType'][] = syncErrorTypes.filter((t): t is SyncFailure['errorType'] => t !== 'missingAccount');

/**
 * The seed's `syncError` on an account: the first failure of its last session.
 * `executionId` identifies the session execution (for support and logs); `aspspResponse`
 * is null unless the bank answered with an error.
 */
export const SyncError = Schema.Struct({
  errorType: SyncErrorType,
  aspspResponse: Schema.NullOr(AspspResponse),
  executionId: Schema.String,
  message: Schema.String,
});
/** The first failure of an account's last session. */
export type SyncError = typeof SyncError.Type;

/**
 * The sync state an account carries (the seed's account fields). Instants are UTC `Date`s
 * supplied by the caller; `transactionSyncStatus` is null until the first session.
 */
export const AccountSyncState = Schema.Struct({
  syncStatus: AccountSyncStatus,
  transactionSyncStatus: Schema.NullOr(TransactionSyncStatus),
  /** When the account's details and balance were last fetched successfully. */
  lastSyncDate: Schema.NullOr(Schema.Date),
  /** When every transaction endpoint last succeeded for the account (seed: last successful transaction sync). */
  transactionSyncDate: Schema.NullOr(Schema.Date),
  syncError: Schema.NullOr(SyncError),
  /** The execution id of the last session that touched the account. */
  syncExecutionId: Schema.NullOr(Schema.String),
  /** False once the user revoked the consent: the account is hidden, its data kept. */
  isActive: Schema.Boolean,
});
/** The sync state an account carries. */
export type AccountSyncState = typeof AccountSyncState.Type;

/** The state of an account that no session has touched yet. */
export const initialAccountSyncState: AccountSyncState = {
  syncStatus: 'active',
  transactionSyncStatus: null,
  lastSyncDate: null,
  transactionSyncDate: null,
  syncError: null,
  syncExecutionId: null,
  isActive: true,
};

/** The result of one call (balances, or one kind of transactions) for one account. */
export type EndpointOutcome = { readonly _tag: 'ok' } | { readonly _tag: 'failed'; readonly failure: SyncFailure };

/** The call succeeded. */
export const endpointOk: EndpointOutcome = { _tag: 'ok' };
/** The call failed for this reason. */
export const endpointFailed = (failure: SyncFailure): EndpointOutcome => ({ _tag: 'failed', failure });

/** The outcome of fetching one kind of transactions for one account. */
export interface TransactionKindOutcome {
  readonly kind: TransactionKind;
  readonly outcome: EndpointOutcome;
}

/**
 * What one session found for one account.
 * - `returned`: the bank listed the account and its details; then its balances and every
 *   transaction kind the session fetched (at least one) have their own outcome.
 * - `missing`: the accounts call succeeded but no longer lists this account.
 * - `failed`: the account could not be fetched (the accounts call failed, or this
 *   account's details did), so nothing else was fetched for it.
 */
export type AccountSessionOutcome =
  | {
      readonly _tag: 'returned';
      readonly balances: EndpointOutcome;
      readonly transactions: readonly [TransactionKindOutcome, ...TransactionKindOutcome[]];
    }
  | { readonly _tag: 'missing' }
  | { readonly _tag: 'failed'; readonly failure: SyncFailure };

/** The session applying its outcomes: when it ended and its execution id. */
export interface SessionStamp {
  readonly now: Date;
  readonly executionId: string;
}

/** Message recorded when the bank stops returning an account. */
export const missingAccountMessage = 'The bank no longer returns this account.';

const toSyncError = (failure: SyncFailure, executionId: string): SyncError => ({
  errorType: failure.errorType,
  aspspResponse: failure.errorType === 'aspspResponse' ? failure.aspspResponse : null,
  executionId,
  message: failure.message,
});

const kindOrder = new Map<TransactionKind, number>(transactionKinds.map((k, i) => [k, i]));

/**
 * Marks an account as being synced at the start of a session: its transaction history is
 * `inProgress`; everything else (dates, last error) stays until the session's outcome.
 */
export function startAccountSync(previous: AccountSyncState, executionId: string): AccountSyncState {
  return { ...previous, transactionSyncStatus: 'inProgress', syncExecutionId: executionId };
}

/**
 * The account's new sync state after one session (seed "ERROR" scenario):
 * - not returned → `syncStatus` failed, `syncError.errorType` missingAccount, dates kept;
 * - failed → `syncStatus` failed with that error, `lastSyncDate` kept (1 of 3 accounts failing
 *   touches only that one: the others get their own `returned` outcome);
 * - returned → `syncStatus` active and `lastSyncDate` = now when its balances were fetched
 *   (the seed's syncStatus covers "the account and its balance"), failed and kept otherwise;
 *   `transactionSyncStatus` completed (and `transactionSyncDate` = now) when every kind
 *   succeeded, failed when every kind failed, partiallyFailed in between.
 * When the account or its transactions could not be fetched at all, the history is not
 * current, so `transactionSyncStatus` is failed. `syncError` is the first failure (account,
 * balances, then kinds in `transactionKinds` order), null after a clean session.
 * `isActive` is never changed by a session (only by consent changes).
 */
export function applyAccountSessionOutcome(
  previous: AccountSyncState,
  outcome: AccountSessionOutcome,
  session: SessionStamp,
): AccountSyncState {
  const base = { ...previous, syncExecutionId: session.executionId };
  switch (outcome._tag) {
    case 'missing':
      return {
        ...base,
        syncStatus: 'failed',
        transactionSyncStatus: 'failed',
        syncError: { errorType: 'missingAccount', aspspResponse: null, executionId: session.executionId, message: missingAccountMessage },
      };
    case 'failed':
      return {
        ...base,
        syncStatus: 'failed',
        transactionSyncStatus: 'failed',
        syncError: toSyncError(outcome.failure, session.executionId),
      };
    case 'returned': {
      const balancesOk = outcome.balances._tag === 'ok';
      const kinds = [...outcome.transactions].sort((a, b) => (kindOrder.get(a.kind) ?? 0) - (kindOrder.get(b.kind) ?? 0));
      const failedKinds = kinds.filter((k) => k.outcome._tag === 'failed');
      const transactionSyncStatus: TransactionSyncStatus =
        failedKinds.length === 0 ? 'completed' : failedKinds.length === kinds.length ? 'failed' : 'partiallyFailed';
      const firstFailure =
        outcome.balances._tag === 'failed'
          ? outcome.balances.failure
          : failedKinds.map((k) => (k.outcome._tag === 'failed' ? k.outcome.failure : undefined)).find((f) => f !== undefined);
      return {
        ...base,
        syncStatus: balancesOk ? 'active' : 'failed',
        lastSyncDate: balancesOk ? session.now : previous.lastSyncDate,
        transactionSyncStatus,
        transactionSyncDate: transactionSyncStatus === 'completed' ? session.now : previous.transactionSyncDate,
        syncError: firstFailure === undefined ? null : toSyncError(firstFailure, session.executionId),
      };
    }
  }
}

/**
 * A change of the consent covering the account (seed "DEAUTHORIZED" and "EXPIRED"):
 * - `revoked`: the user withdrew consent → `isActive` false; the account is hidden but its
 *   data and sync fields are kept;
 * - `expired`: the consent's own status becomes invalid (see the consent model) while the
 *   account stays active and listed, as in the seed's example (consent invalid/Expired,
 *   `isActive: true`); it is simply no longer refreshed ({@link isAccountRefreshable});
 * - `granted`: a new consent covers the account again → `isActive` true.
 */
export function applyConsentChange(state: AccountSyncState, change: 'granted' | 'revoked' | 'expired'): AccountSyncState {
  switch (change) {
    case 'revoked':
      return { ...state, isActive: false };
    case 'granted':
      return { ...state, isActive: true };
    case 'expired':
      return state;
  }
}

/**
 * Whether a sync may include the account: the seed refreshes only active accounts whose
 * consent (token) is still usable.
 */
export const isAccountRefreshable = (state: AccountSyncState, consentUsable: boolean): boolean =>
  state.isActive && consentUsable;
