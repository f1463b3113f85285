import { type ConnectorError, errorOutcome, retryAdvice } from '@kinko/connector-sdk';
import type { AggregationStatus, SyncFailure } from '@kinko/domain';

/** The seed's syncError content for one connector error. */
export function toSyncFailure(error: ConnectorError): SyncFailure {
  const outcome = errorOutcome(error);
  if (outcome.scope === 'account' && outcome.syncErrorType === 'signature') return { errorType: 'signature', message: error.message };
  if (outcome.scope === 'account' && outcome.aspspResponse) return { errorType: 'aspspResponse', aspspResponse: outcome.aspspResponse, message: error.message };
  // The bank's own answer (5xx, 429, 503…): its status and its bounded, redacted content.
  if ((error._tag === 'TemporaryError' || error._tag === 'PermanentError' || error._tag === 'ServiceUnavailable' || error._tag === 'RateLimited') && error.httpStatus !== undefined) {
    return { errorType: 'aspspResponse', aspspResponse: { status: String(error.httpStatus), content: error.content ?? '' }, message: error.message };
  }
  return { errorType: 'internal', message: error.message };
}

/**
 * The session's overall deadline (`sessionDeadlineMs`) passed: the bank call under way is
 * abandoned and the session ends with `error.temporary`.
 */
export class SessionDeadlineError extends Error {
  override readonly name = 'SessionDeadlineError';
  constructor(readonly deadlineMs: number) {
    super(`the session did not finish within its deadline of ${Math.round(deadlineMs / 1000)} s (the bank did not answer in time)`);
  }
}

/** A failure of Kinko itself (not the bank's), as a syncError. */
export const internalFailure = (message: string): SyncFailure => ({ errorType: 'internal', message });

/**
 * The attempt must be given up and retried later (pg-boss retry with backoff): the bank
 * answered with a retryable error after the HTTP client's own retries, or no request slot
 * became free. Stage progress is kept; the retry resumes.
 */
export class RetryableSyncError extends Error {
  override readonly name = 'RetryableSyncError';
  constructor(
    message: string,
    /** The connector error behind it, when there is one. */
    readonly connectorError?: ConnectorError,
  ) {
    super(message);
  }
}

/** The connection's run lock was lost (its database connection broke): this attempt stops here; it is retried. */
export class RunLockLostError extends RetryableSyncError {
  constructor() {
    super('the connection run lock was lost (the database connection holding it broke)');
  }
}

/**
 * The session cannot go on: the connection must change status (an auth error, the bank
 * refusing for good…), or the consent is no longer valid. Not retried.
 */
export class FatalSyncError extends Error {
  override readonly name = 'FatalSyncError';
  constructor(
    readonly failure: SyncFailure,
    /** The connection's failure status, or undefined to leave the status as it is. */
    readonly status: AggregationStatus | undefined,
    /** The consent outcome, when the bank said the consent is gone. */
    readonly consent?: 'expired' | 'revokedByUser',
  ) {
    super(failure.message);
  }
}

/**
 * How an error met while fetching is handled: retry the attempt, end the session (with the
 * connection's new status or the consent's), or record it on the account and go on.
 */
export type ErrorDisposition =
  | { readonly kind: 'retry'; readonly error: RetryableSyncError }
  | { readonly kind: 'fatal'; readonly error: FatalSyncError }
  | { readonly kind: 'account'; readonly failure: SyncFailure };

/**
 * Classifies a connector error with the SDK's tables: retryable (retryAdvice) or carrying the
 * bank's Retry-After → retry;
 * connection-scope (errorOutcome) → fatal with that status; consent-scope → fatal with the
 * consent change and `auth.creds.invalid` (the user must authorise again); account-scope →
 * recorded on the account. `accountLevel` false (the accounts list) turns an account-scope
 * error into a fatal `error.unsupported` (logged in, but the data cannot be obtained).
 */
export function dispositionOf(error: ConnectorError, accountLevel: boolean): ErrorDisposition {
  // The bank said when to come back: the worker waits that long, or ends the session and schedules the next one after it.
  if (bankRetryAfterMs(error) !== undefined || retryAdvice(error).retryable) return { kind: 'retry', error: new RetryableSyncError(`${error._tag}: ${error.message}`, error) };
  const outcome = errorOutcome(error);
  const failure = toSyncFailure(error);
  switch (outcome.scope) {
    case 'connection':
      return { kind: 'fatal', error: new FatalSyncError(failure, outcome.status) };
    case 'consent':
      return { kind: 'fatal', error: new FatalSyncError(failure, 'auth.creds.invalid', outcome.consentStatus) };
    case 'account':
      return accountLevel ? { kind: 'account', failure } : { kind: 'fatal', error: new FatalSyncError(failure, 'error.unsupported') };
  }
}

/** The wait the bank asked for (Retry-After of a 429 or 503), when it did. */
export function bankRetryAfterMs(error: ConnectorError | undefined): number | undefined {
  if (error?._tag === 'RateLimited' || error?._tag === 'ServiceUnavailable') return error.retryAfterMs;
  return undefined;
}
