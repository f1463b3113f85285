import { type ConnectorError, asBankError } from '@kinko/connector-sdk';
import { type AggregationStatus, type Decision, DecisionInput, type FailurePhase, type SyncFailure, aggregationStatusGroup, decide, failureOf, statusForChallengeKind } from '@kinko/domain';

/** The seed's syncError content for one connector error (the domain's {@link failureOf}). */
export const toSyncFailure = (error: ConnectorError): SyncFailure => failureOf(asBankError(error));

/** The domain's one decision for a connector error met in a phase. */
export const decisionOf = (phase: FailurePhase, error: ConnectorError): Decision => decide(DecisionInput.failed(phase, asBankError(error)));

/** A connector error as a JSON value: its tag and its plain fields. */
export type ConnectorErrorJson = { readonly _tag: string } & Readonly<Record<string, string | number | boolean>>;

/**
 * The whole connector error as stored with a session's error (JSON-safe): its tag and every
 * plain field (message, code, httpStatus, the bank's bounded content, retryAfterMs,
 * bankAccountId, challengeKind…). A raised challenge keeps only its kind: its prompt, image
 * and connector state are the login's, never stored here. Connector messages carry no secrets
 * (SDK contract).
 */
export function connectorErrorJson(error: ConnectorError): ConnectorErrorJson {
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  if ('challenge' in error) fields['challengeKind'] = error.challenge.kind;
  return { ...fields, _tag: error._tag };
}

/**
 * What a refused interactive step (the redirect callback) answers, from the domain's decision:
 * a status the user must act on (an auth error, the bank's intervention pages) is `forbidden`
 * — the user declined or the bank refused the login; anything else is the bank failing
 * (`bank-error`, 502). The one place an outcome becomes an HTTP problem.
 */
export function refusalProblemOf(decision: Decision): 'forbidden' | 'bank-error' {
  const status = decision.event?._tag === 'Failed' ? decision.event.status : undefined;
  const group = status === undefined ? undefined : aggregationStatusGroup(status);
  return group === 'auth-error' || group === 'intervention-required' ? 'forbidden' : 'bank-error';
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

/**
 * One account's data call must be retried (a temporary error the domain decides is that
 * account's): the other accounts of the session go on (they finish their streams), then the
 * attempt is retried; on the last attempt it is the account's own failure instead.
 */
export class AccountRetryableSyncError extends RetryableSyncError {}

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
    /** The domain's decision behind it (its consent change, whether the accounts are hidden), when a bank error caused it. */
    readonly decision?: Decision,
    /** The connector error behind it, when a bank error caused it (stored whole with the session's error). */
    readonly connectorError?: ConnectorError,
  ) {
    super(failure.message);
  }
}

/**
 * How an error met while fetching is handled: retry the attempt, end the session (with the
 * connection's new status or the consent's), or record it on the account and go on
 * (`missing`: the bank no longer has the account — syncError missingAccount).
 */
export type ErrorDisposition =
  | { readonly kind: 'retry'; readonly error: RetryableSyncError }
  | { readonly kind: 'fatal'; readonly error: FatalSyncError }
  | { readonly kind: 'account'; readonly failure: SyncFailure; readonly missing?: true; readonly retriesSpent?: ConnectorError };

/**
 * A connector error met by a sync, as the domain decides it ({@link decide}): in the data
 * stage (`accountLevel`) or while logging in / listing the accounts. A retry (with the
 * bank's Retry-After when it gave one) goes back to the worker — one account's own
 * ({@link AccountRetryableSyncError}: the other accounts go on), or on the last attempt
 * (`lastAttempt`) that account's failure (with `retriesSpent`); an account's own failure is recorded on the
 * account; anything else ends the session with the decided status, consent change and
 * accounts' outcome.
 */
export function dispositionOf(error: ConnectorError, accountLevel: boolean, lastAttempt = false): ErrorDisposition {
  const d = decisionOf(accountLevel ? 'data' : 'accounts', error);
  const failure = d.failure ?? toSyncFailure(error);
  const accountOwn = d.accounts.scope === 'account';
  if (d.retry._tag !== 'no' && !(accountOwn && lastAttempt)) {
    const message = `${error._tag}: ${error.message}`;
    return { kind: 'retry', error: accountOwn ? new AccountRetryableSyncError(message, error) : new RetryableSyncError(message, error) };
  }
  if (accountOwn) {
    // A retryable error on the last attempt: the account's failure, and the error its retries did not cure (`retriesSpent`).
    const spent = d.retry._tag !== 'no' ? { retriesSpent: error } : {};
    return d.accounts.outcome?._tag === 'missing' ? { kind: 'account', failure, missing: true, ...spent } : { kind: 'account', failure, ...spent };
  }
  return { kind: 'fatal', error: new FatalSyncError(failure, statusOfEvent(d), d.consent?.status, d, error) };
}

/** The status a decision's event ends a run in: a failure's status, or a raised challenge's waiting status. */
function statusOfEvent(d: Decision): AggregationStatus | undefined {
  if (d.event?._tag === 'Failed') return d.event.status;
  if (d.event?._tag === 'ChallengeRaised') return statusForChallengeKind(d.event.kind);
  return undefined;
}

/** The wait the bank asked for (Retry-After of a 429 or 503) before a retry, as the domain decides it. */
export function bankRetryAfterMs(error: ConnectorError | undefined): number | undefined {
  if (!error) return undefined;
  const retry = decisionOf('data', error).retry;
  return retry._tag === 'after' ? retry.ms : undefined;
}

/**
 * The status a sync ends in when its retries are spent (or the bank's wait outlasts the
 * session) on this connector error: the domain's decision for `retriesExhausted` — e.g. a
 * bank that keeps throttling ends `error.service.unavailable`, not `error.temporary`.
 * Without a connector error (Kinko's own failure: a lost lock, a busy connection)
 * `error.temporary`.
 */
export function exhaustedStatusOf(error: ConnectorError | undefined): AggregationStatus {
  const event = error ? decisionOf('retriesExhausted', error).event : undefined;
  return event?._tag === 'Failed' ? event.status : 'error.temporary';
}

