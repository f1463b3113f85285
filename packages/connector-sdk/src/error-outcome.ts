import type { ChallengeKind, KnownAggregationStatus } from '@kinko/domain';
import type { ConnectorError } from './errors';

/**
 * The seed's `syncError.errorType` values an account-level failure records (seed 3).
 * `internal` is Kinko's own failure and never comes from a connector error.
 */
export type AccountSyncErrorType = 'internal' | 'aspspResponse' | 'signature' | 'missingAccount';

/**
 * Where one connector error lands:
 * - `connection`: the connection's aggregation status;
 * - `consent`: the consent's status (seed scenarios EXPIRED and DEAUTHORIZED);
 * - `account`: the account's `syncError` (seed scenario ERROR), with the bank's answer when
 *   there is one.
 */
export type ErrorOutcome =
  | { readonly scope: 'connection'; readonly status: KnownAggregationStatus }
  | { readonly scope: 'consent'; readonly consentStatus: 'expired' | 'revokedByUser' }
  | {
      readonly scope: 'account';
      readonly syncErrorType: Exclude<AccountSyncErrorType, 'internal'>;
      readonly aspspResponse?: { readonly status: string; readonly content: string };
    };

/**
 * A table with one handler per tag of the union `E`. Used for every per-error table so that
 * adding an error without handling it fails to type-check (see test/types).
 */
export type OutcomeTable<E extends { readonly _tag: string }, R> = {
  readonly [K in E['_tag']]: (error: Extract<E, { readonly _tag: K }>) => R;
};

const connection = (status: KnownAggregationStatus): ErrorOutcome => ({ scope: 'connection', status });
const waiting = (kind: ChallengeKind): KnownAggregationStatus => `suspended.missing-answer.auth.${kind}`;
const invalidAnswer = (kind: ChallengeKind): KnownAggregationStatus => `auth.creds.${kind}.invalid`;

/** The one mapping from connector errors to their outcome. */
export const errorOutcomeTable: OutcomeTable<ConnectorError, ErrorOutcome> = {
  CredentialsInvalid: () => connection('auth.creds.invalid'),
  ChallengeRequired: (e) => connection(waiting(e.challenge.kind)),
  ChallengeAnswerInvalid: (e) => connection(invalidAnswer(e.challengeKind)),
  // Seed: an unanswered challenge times out into the matching auth.creds.*.invalid.
  ChallengeTimedOut: (e) => connection(invalidAnswer(e.challengeKind)),
  LockedTemporary: () => connection('auth.creds.locked.temporary'),
  LockedPermanent: () => connection('auth.creds.locked.permanent'),
  InterventionRequired: () => connection('guest.intervention.required'),
  ServiceUnavailable: () => connection('error.service.unavailable'),
  SessionConflict: () => connection('error.session'),
  NetworkError: () => connection('error.network'),
  TemporaryError: () => connection('error.temporary'),
  PermanentError: () => connection('error.permanent'),
  Unsupported: () => connection('error.unsupported'),
  ConsentExpired: () => ({ scope: 'consent', consentStatus: 'expired' }),
  ConsentRevoked: () => ({ scope: 'consent', consentStatus: 'revokedByUser' }),
  RateLimited: (e) => ({ scope: 'account', syncErrorType: 'aspspResponse', aspspResponse: { status: String(e.httpStatus ?? 429), content: e.content ?? '' } }),
  MissingAccount: () => ({ scope: 'account', syncErrorType: 'missingAccount' }),
  SignatureError: () => ({ scope: 'account', syncErrorType: 'signature' }),
  BankResponse: (e) => ({
    scope: 'account',
    syncErrorType: 'aspspResponse',
    aspspResponse: { status: String(e.status), content: e.content },
  }),
};

// One generic dispatcher: TypeScript cannot correlate `table[e._tag]` with `e` by itself.
function dispatch<R>(table: OutcomeTable<ConnectorError, R>, error: ConnectorError): R {
  const handler = table[error._tag] as (e: ConnectorError) => R;
  return handler(error);
}

/** The aggregation status, consent outcome or account outcome a connector error maps onto. */
export const errorOutcome = (error: ConnectorError): ErrorOutcome => dispatch(errorOutcomeTable, error);

/** Whether retrying soon can help, and how long to wait first when the bank said so. */
export interface RetryAdvice {
  readonly retryable: boolean;
  readonly afterMs?: number;
}

/**
 * A Retry-After up to this long counts as "short": a service-unavailable error that short is
 * retried; a longer one means maintenance (seed: "refreshing soon will not help").
 */
export const SHORT_RETRY_AFTER_MS = 60_000;

const never: RetryAdvice = { retryable: false };
const now: RetryAdvice = { retryable: true };

/** Per error: can the app retry the operation soon? */
export const retryAdviceTable: OutcomeTable<ConnectorError, RetryAdvice> = {
  CredentialsInvalid: () => never,
  ChallengeRequired: () => never,
  ChallengeAnswerInvalid: () => never,
  ChallengeTimedOut: () => never,
  LockedTemporary: () => never,
  LockedPermanent: () => never,
  InterventionRequired: () => never,
  ServiceUnavailable: (e) =>
    e.retryAfterMs !== undefined && e.retryAfterMs <= SHORT_RETRY_AFTER_MS ? { retryable: true, afterMs: e.retryAfterMs } : never,
  // The other session has to end first; an immediate retry would collide again.
  SessionConflict: () => never,
  NetworkError: () => now,
  TemporaryError: () => now,
  PermanentError: () => never,
  Unsupported: () => never,
  ConsentExpired: () => never,
  ConsentRevoked: () => never,
  RateLimited: (e) => (e.retryAfterMs !== undefined ? { retryable: true, afterMs: e.retryAfterMs } : now),
  MissingAccount: () => never,
  SignatureError: () => never,
  BankResponse: () => never,
};

/** Retry advice for one error (see {@link retryAdviceTable}). */
export const retryAdvice = (error: ConnectorError): RetryAdvice => dispatch(retryAdviceTable, error);

/** True for network, temporary, rate-limited and briefly-unavailable errors; false for auth and consent errors. */
export const isRetryable = (error: ConnectorError): boolean => retryAdvice(error).retryable;
