import {
  type AggregationStatus,
  type BankError,
  type BankErrorTag,
  DecisionInput,
  type KnownAggregationStatus,
  decide,
  isKnownAggregationStatus,
  statusForChallengeKind,
} from '@kinko/domain';
import { type ConnectorError, connectorErrorTags } from './errors';

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

/**
 * Proof, checked by the type-checker, that the SDK's closed error set is the domain's
 * {@link BankError} set: the same tags, and every ConnectorError a BankError. A new error
 * kind fails to compile here until the domain's `decide` decides it (issue 13).
 */
type SameTags = [ConnectorError['_tag']] extends [BankErrorTag] ? ([BankErrorTag] extends [ConnectorError['_tag']] ? true : false) : false;
const sameTags: SameTags = true;
void sameTags;
/** A connector error as the domain's decision sees it (no copy: the same value). */
export const asBankError = (error: ConnectorError): BankError => error;

const fromKnown = (status: AggregationStatus): KnownAggregationStatus => {
  if (!isKnownAggregationStatus(status)) throw new Error(`the decision gave an unknown status ${status}`);
  return status;
};

/**
 * A view of the domain's one decision ({@link decide}) in the shape connectors know: the
 * consent change, the account's own outcome when the data stage met it, else the
 * connection status it leads to (a raised challenge's waiting status; a retried error's
 * status once the retries are spent). No mapping of its own.
 */
function outcomeOf(error: ConnectorError): ErrorOutcome {
  const d = decide(DecisionInput.failed('data', asBankError(error)));
  if (d.consent) return { scope: 'consent', consentStatus: d.consent.status };
  const own = d.accountLevel ? d.accounts.outcome : undefined;
  if (own?._tag === 'missing') return { scope: 'account', syncErrorType: 'missingAccount' };
  if (own?._tag === 'failed' && own.failure.errorType === 'aspspResponse') return { scope: 'account', syncErrorType: 'aspspResponse', aspspResponse: own.failure.aspspResponse };
  if (own?._tag === 'failed' && own.failure.errorType === 'signature') return { scope: 'account', syncErrorType: 'signature' };
  if (d.event?._tag === 'ChallengeRaised') return { scope: 'connection', status: statusForChallengeKind(d.event.kind) };
  const end = d.event ?? decide(DecisionInput.failed('retriesExhausted', asBankError(error))).event;
  if (end?._tag !== 'Failed') throw new Error(`the decision for ${error._tag} ends in no status`);
  return { scope: 'connection', status: fromKnown(end.status) };
}

const everyTag = <R>(f: (error: ConnectorError) => R): OutcomeTable<ConnectorError, R> =>
  Object.fromEntries(connectorErrorTags.map((tag) => [tag, f])) as unknown as OutcomeTable<ConnectorError, R>;

/** The outcome of each connector error: derived from the domain's decision (see {@link outcomeOf}). */
export const errorOutcomeTable: OutcomeTable<ConnectorError, ErrorOutcome> = everyTag(outcomeOf);

// One generic dispatcher: TypeScript cannot correlate `table[e._tag]` with `e` by itself.
function dispatch<R>(table: OutcomeTable<ConnectorError, R>, error: ConnectorError): R {
  const handler = table[error._tag] as (e: ConnectorError) => R;
  return handler(error);
}

/** The aggregation status, consent outcome or account outcome a connector error leads to (the domain's decision). */
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

/**
 * Per error: can the app retry the operation soon? The domain's decision says whether and
 * when a sync retries; "soon" adds that a wait the bank gave for being unavailable longer
 * than {@link SHORT_RETRY_AFTER_MS} is maintenance, not a short pause.
 */
function adviceOf(error: ConnectorError): RetryAdvice {
  const retry = decide(DecisionInput.failed('data', asBankError(error))).retry;
  switch (retry._tag) {
    case 'no':
      return { retryable: false };
    case 'now':
      return { retryable: true };
    case 'after':
      return error._tag === 'ServiceUnavailable' && retry.ms > SHORT_RETRY_AFTER_MS ? { retryable: false } : { retryable: true, afterMs: retry.ms };
  }
}

/** Per error: can the app retry the operation soon? (see {@link adviceOf}) */
export const retryAdviceTable: OutcomeTable<ConnectorError, RetryAdvice> = everyTag(adviceOf);

/** Retry advice for one error (see {@link retryAdviceTable}). */
export const retryAdvice = (error: ConnectorError): RetryAdvice => dispatch(retryAdviceTable, error);

/** True for network, temporary, rate-limited and briefly-unavailable errors; false for auth and consent errors. */
export const isRetryable = (error: ConnectorError): boolean => retryAdvice(error).retryable;
