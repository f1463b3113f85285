import { Result } from 'effect';
import {
  type AggregationStatus,
  type ChallengeKind,
  type KnownAggregationStatus,
  invalidStatusForChallengeKind,
} from './aggregation-status';
import type { AccountSessionOutcome, SyncFailure } from './account-sync-state';
import { type Consent, type ConsentTransitionError, type InvalidationReason, revokeConsent } from './consent';
import { StatusEvent } from './status-transition';

// One decision for every outcome (issue 13): from where a connection is (the phase) and what
// happened (a bank error as a value, or success) to the one new state of the connection, its
// consent and its accounts, and whether to retry. Every writer applies a Decision; no other
// code maps an error onto a status.
//
// The domain imports effect only, so it cannot see the connector SDK's error schema. The
// errors are therefore described here structurally (`BankError`), and the SDK proves at
// compile time that its closed `ConnectorError` set and this union have the same tags and
// that each of its errors is a `BankError` (packages/connector-sdk/src/error-outcome.ts).
// `decide` switches over every tag with an exhaustive check: a new error kind in the SDK
// fails the SDK's type check until it is added here, and then `decide` fails to compile
// until the new kind is decided.

type Opt<T> = T | undefined;

/** The closed set of bank (connector) errors, as plain values (structurally the SDK's `ConnectorError`). */
export type BankError =
  | { readonly _tag: 'CredentialsInvalid'; readonly message: string }
  | { readonly _tag: 'ChallengeRequired'; readonly message: string; readonly challenge: { readonly kind: ChallengeKind } }
  | { readonly _tag: 'ChallengeAnswerInvalid'; readonly message: string; readonly challengeKind: ChallengeKind }
  | { readonly _tag: 'ChallengeTimedOut'; readonly message: string; readonly challengeKind: ChallengeKind }
  | { readonly _tag: 'LockedTemporary'; readonly message: string }
  | { readonly _tag: 'LockedPermanent'; readonly message: string }
  | { readonly _tag: 'InterventionRequired'; readonly message: string }
  | {
      readonly _tag: 'ServiceUnavailable';
      readonly message: string;
      readonly retryAfterMs?: Opt<number>;
      readonly httpStatus?: Opt<number>;
      readonly content?: Opt<string>;
    }
  | { readonly _tag: 'SessionConflict'; readonly message: string }
  | { readonly _tag: 'NetworkError'; readonly message: string; readonly code?: Opt<string> }
  | { readonly _tag: 'TemporaryError'; readonly message: string; readonly code?: Opt<string>; readonly httpStatus?: Opt<number>; readonly content?: Opt<string> }
  | { readonly _tag: 'PermanentError'; readonly message: string; readonly code?: Opt<string>; readonly httpStatus?: Opt<number>; readonly content?: Opt<string> }
  | { readonly _tag: 'Unsupported'; readonly message: string }
  | { readonly _tag: 'ConsentExpired'; readonly message: string; readonly httpStatus?: Opt<number>; readonly content?: Opt<string> }
  | { readonly _tag: 'ConsentRevoked'; readonly message: string; readonly httpStatus?: Opt<number>; readonly content?: Opt<string> }
  | {
      readonly _tag: 'RateLimited';
      readonly message: string;
      readonly retryAfterMs?: Opt<number>;
      readonly httpStatus?: Opt<number>;
      readonly content?: Opt<string>;
    }
  | { readonly _tag: 'MissingAccount'; readonly message: string; readonly bankAccountId: string }
  | { readonly _tag: 'SignatureError'; readonly message: string }
  | { readonly _tag: 'BankResponse'; readonly message: string; readonly status: number; readonly content: string };

/** The tag of a {@link BankError}. */
export type BankErrorTag = BankError['_tag'];

/** Every tag of {@link BankError} (the record makes the list complete and duplicate-free). */
export const bankErrorTags: readonly BankErrorTag[] = Object.keys({
  CredentialsInvalid: true,
  ChallengeRequired: true,
  ChallengeAnswerInvalid: true,
  ChallengeTimedOut: true,
  LockedTemporary: true,
  LockedPermanent: true,
  InterventionRequired: true,
  ServiceUnavailable: true,
  SessionConflict: true,
  NetworkError: true,
  TemporaryError: true,
  PermanentError: true,
  Unsupported: true,
  ConsentExpired: true,
  ConsentRevoked: true,
  RateLimited: true,
  MissingAccount: true,
  SignatureError: true,
  BankResponse: true,
} satisfies Record<BankErrorTag, true>) as BankErrorTag[];

/**
 * Where a bank error can be met:
 * - `connect`: the consent flow's redirect callback (the code exchange) or its start;
 * - `credentialLogin` / `challengeAnswer`: the credential login and an answer to its question;
 * - `auth`, `accounts`, `data`: a sync's stages (login/grant, the accounts list, one
 *   account's details, balances or transactions);
 * - `retriesExhausted`: the last attempt of a sync failed with this error and no retry is left.
 */
export type FailurePhase = 'connect' | 'credentialLogin' | 'challengeAnswer' | 'auth' | 'accounts' | 'data' | 'retriesExhausted';

/** Every {@link FailurePhase}. */
export const failurePhases: readonly FailurePhase[] = ['connect', 'credentialLogin', 'challengeAnswer', 'auth', 'accounts', 'data', 'retriesExhausted'];

/** What happened, in which phase. */
export type DecisionInput =
  | { readonly _tag: 'Failed'; readonly phase: FailurePhase; readonly error: BankError }
  /** A challenge waited unanswered past its deadline (the challenge sweeper). */
  | { readonly _tag: 'ChallengeTimedOut' }
  /** The user withdrew the consent (DELETE consent; the seed's DEAUTHORIZED). */
  | { readonly _tag: 'ConsentWithdrawn' }
  /** The consent's expirationDate passed (the seed's EXPIRED). */
  | { readonly _tag: 'ConsentExpired' };

/** Constructors of {@link DecisionInput}. */
export const DecisionInput = {
  failed: (phase: FailurePhase, error: BankError): DecisionInput => ({ _tag: 'Failed', phase, error }),
  challengeTimedOut: (): DecisionInput => ({ _tag: 'ChallengeTimedOut' }),
  consentWithdrawn: (): DecisionInput => ({ _tag: 'ConsentWithdrawn' }),
  consentExpired: (): DecisionInput => ({ _tag: 'ConsentExpired' }),
} as const;

/** The consent's change: its new status and why (previousStatus is the status it had, see {@link applyConsentDecision}). */
export interface ConsentDecision {
  readonly status: 'expired' | 'revokedByUser';
  readonly invalidationReason: Extract<InvalidationReason, 'Expired' | 'RevokedByUser'>;
}

/**
 * What happens to the connection's accounts:
 * - `unchanged`: nothing (the session's own outcomes, if any, stand);
 * - `account`: only the account the failed call was about takes `outcome` (the session goes on;
 *   with a retry, the other accounts go on and the account takes it once no retry is left);
 * - `unsettled`: every account the session did not settle takes `outcome`;
 * - `hide` true: the accounts are hidden (isActive false; data kept) — a withdrawn consent.
 */
export interface AccountsDecision {
  readonly scope: 'unchanged' | 'account' | 'unsettled';
  readonly outcome?: Extract<AccountSessionOutcome, { readonly _tag: 'missing' | 'failed' }>;
  readonly hide: boolean;
}

/** Whether to retry the attempt: not, at once (with the queue's backoff), or after the bank's wait. */
export type RetryDecision = { readonly _tag: 'no' } | { readonly _tag: 'now' } | { readonly _tag: 'after'; readonly ms: number };

/** The one decision for an outcome. */
export interface Decision {
  /** The connection's status event (applied with {@link nextAggregationStatus}); undefined: the status stays. */
  readonly event: StatusEvent | undefined;
  /** The consent's change; undefined: the consent stays. */
  readonly consent: ConsentDecision | undefined;
  readonly accounts: AccountsDecision;
  readonly retry: RetryDecision;
  /** The failure the session records (its `error` and the failed stage's), when there is one. */
  readonly failure: SyncFailure | undefined;
  /** The failure is the account's own (recorded on it; the session goes on), not the session's end. */
  readonly accountLevel: boolean;
}

/**
 * A bank error becomes a syncError of an account: the bank's own answer (status and
 * bounded content — a consent the bank says is expired or revoked included) is `aspspResponse`, a signature that did not verify `signature`, anything
 * else `internal` (`missingAccount` is an account outcome, see {@link decide}).
 */
export function failureOf(error: BankError): SyncFailure {
  switch (error._tag) {
    case 'SignatureError':
      return { errorType: 'signature', message: error.message };
    case 'BankResponse':
      return { errorType: 'aspspResponse', aspspResponse: { status: String(error.status), content: error.content }, message: error.message };
    case 'RateLimited':
      return { errorType: 'aspspResponse', aspspResponse: { status: String(error.httpStatus ?? 429), content: error.content ?? '' }, message: error.message };
    case 'ServiceUnavailable':
    case 'TemporaryError':
    case 'PermanentError':
    case 'ConsentExpired':
    case 'ConsentRevoked':
      return error.httpStatus === undefined
        ? { errorType: 'internal', message: error.message }
        : { errorType: 'aspspResponse', aspspResponse: { status: String(error.httpStatus), content: error.content ?? '' }, message: error.message };
    default:
      return { errorType: 'internal', message: error.message };
  }
}

const SYNC_PHASES: ReadonlySet<FailurePhase> = new Set(['auth', 'accounts', 'data']);
const INTERACTIVE_PHASES: ReadonlySet<FailurePhase> = new Set(['connect', 'credentialLogin', 'challengeAnswer']);

const none: RetryDecision = { _tag: 'no' };
const unchangedAccounts: AccountsDecision = { scope: 'unchanged', hide: false };

/**
 * The one decision for an outcome. Rules (SEEDS §1 statuses, §3 ERROR / EXPIRED / DEAUTHORIZED):
 * - auth errors, locks, intervention, session conflicts, permanent and unsupported errors end
 *   the run in their status, whatever the phase; accounts the session did not settle take
 *   the failure;
 * - a challenge the bank raises as an error during a sync waits for its answer
 *   (`suspended.*`, relayed by a new login); during a login, an answer or the connect flow
 *   there is no connector state to answer it with: `error.temporary`; when the retries are
 *   spent it can no longer be asked and ends as the matching `auth.creds.*.invalid`;
 * - network, temporary, rate-limit and Retry-After errors are retried during a sync (after
 *   the bank's wait when it gave one); interactive phases never retry, and when the retries
 *   are spent the run ends in the error's own status — a bank that keeps throttling
 *   (RateLimited) or is unavailable ends `error.service.unavailable` ("wait long"), with the
 *   bank's answer as the syncError; a temporary error of one account's data call (the data
 *   stage) is that account's: its siblings go on, and on the last attempt it is the
 *   account's own failure, not the session's (SEEDS §3: 1 of 3 accounts failing → that
 *   account `failed`, the others complete) — network errors, throttling and unavailability
 *   are the bank's, the whole session's;
 * - a consent the bank reports expired (EXPIRED) or revoked (DEAUTHORIZED) changes the
 *   consent (invalidationReason, previousStatus kept) and ends the run `auth.creds.invalid`
 *   (the user must authorise again); a revoked consent hides its accounts, whichever path
 *   the revocation came by — the bank's answer or the user's DELETE;
 * - account-level errors (the bank's answer, a signature, a missing account) during the
 *   data stage are the account's own (`aspspResponse`, `signature`, `missingAccount`) and
 *   the session goes on; met outside it (login, the accounts list) the data cannot be had:
 *   `error.unsupported`.
 */
export function decide(input: DecisionInput): Decision {
  switch (input._tag) {
    case 'ChallengeTimedOut':
      return { event: StatusEvent.answerTimedOut(), consent: undefined, accounts: unchangedAccounts, retry: none, failure: undefined, accountLevel: false };
    case 'ConsentWithdrawn':
      return {
        event: StatusEvent.deactivated(),
        consent: { status: 'revokedByUser', invalidationReason: 'RevokedByUser' },
        accounts: { scope: 'unchanged', hide: true },
        retry: none,
        failure: undefined,
        accountLevel: false,
      };
    case 'ConsentExpired':
      return { event: undefined, consent: { status: 'expired', invalidationReason: 'Expired' }, accounts: unchangedAccounts, retry: none, failure: undefined, accountLevel: false };
    case 'Failed':
      return decideFailure(input.phase, input.error);
  }
}

function decideFailure(phase: FailurePhase, error: BankError): Decision {
  const failure = failureOf(error);
  const inSync = SYNC_PHASES.has(phase);
  const ends = (status: AggregationStatus, extra: Partial<Decision> = {}): Decision => ({
    event: StatusEvent.failed(status),
    consent: undefined,
    accounts: { scope: 'unsettled', outcome: { _tag: 'failed', failure }, hide: false },
    retry: none,
    failure,
    accountLevel: false,
    ...extra,
  });
  // Retried during a sync; its status once the retries are spent (or at once, interactively).
  const retried = (status: KnownAggregationStatus, retry: RetryDecision): Decision =>
    inSync ? { event: undefined, consent: undefined, accounts: unchangedAccounts, retry, failure, accountLevel: false } : ends(status);
  // The account's own failure during the data stage; elsewhere the data cannot be had.
  const accountOwn = (outcome: NonNullable<AccountsDecision['outcome']>): Decision =>
    phase === 'data'
      ? { event: undefined, consent: undefined, accounts: { scope: 'account', outcome, hide: false }, retry: none, failure, accountLevel: true }
      : ends('error.unsupported', { accounts: { scope: 'unsettled', outcome, hide: false } });
  const consentGone = (consent: ConsentDecision, hide: boolean): Decision =>
    ends('auth.creds.invalid', { consent, accounts: { scope: 'unsettled', outcome: { _tag: 'failed', failure }, hide } });
  switch (error._tag) {
    case 'CredentialsInvalid':
      return ends('auth.creds.invalid');
    case 'ChallengeRequired':
      // A sync's re-login relays the question (suspended.*); a login or answer that gets it as an
      // error has no connector state to answer it with (error.temporary); once the retries are
      // spent it can no longer be asked: as if unanswered.
      if (INTERACTIVE_PHASES.has(phase)) return ends('error.temporary');
      return phase === 'retriesExhausted'
        ? ends(invalidStatusForChallengeKind(error.challenge.kind))
        : { event: StatusEvent.challengeRaised(error.challenge.kind), consent: undefined, accounts: unchangedAccounts, retry: none, failure, accountLevel: false };
    case 'ChallengeAnswerInvalid':
      return ends(invalidStatusForChallengeKind(error.challengeKind));
    case 'ChallengeTimedOut':
      return ends(invalidStatusForChallengeKind(error.challengeKind));
    case 'LockedTemporary':
      return ends('auth.creds.locked.temporary');
    case 'LockedPermanent':
      return ends('auth.creds.locked.permanent');
    case 'InterventionRequired':
      return ends('guest.intervention.required');
    case 'ServiceUnavailable':
      return error.retryAfterMs === undefined ? ends('error.service.unavailable') : retried('error.service.unavailable', { _tag: 'after', ms: error.retryAfterMs });
    case 'SessionConflict':
      return ends('error.session');
    case 'NetworkError':
      return retried('error.network', { _tag: 'now' });
    case 'TemporaryError':
      // The bank failing one account's data call (a 5xx after the HTTP retries) is that
      // account's: retried, and once no retry is left the account alone fails with it.
      return phase === 'data'
        ? { ...retried('error.temporary', { _tag: 'now' }), accounts: { scope: 'account', outcome: { _tag: 'failed', failure }, hide: false } }
        : retried('error.temporary', { _tag: 'now' });
    case 'PermanentError':
      return ends('error.permanent');
    case 'Unsupported':
      return ends('error.unsupported');
    case 'ConsentExpired':
      return consentGone({ status: 'expired', invalidationReason: 'Expired' }, false);
    case 'ConsentRevoked':
      return consentGone({ status: 'revokedByUser', invalidationReason: 'RevokedByUser' }, true);
    case 'RateLimited':
      return retried('error.service.unavailable', error.retryAfterMs === undefined ? { _tag: 'now' } : { _tag: 'after', ms: error.retryAfterMs });
    case 'MissingAccount':
      return accountOwn({ _tag: 'missing' });
    case 'SignatureError':
    case 'BankResponse':
      return accountOwn({ _tag: 'failed', failure });
    default:
      return absurd(error);
  }
}

// A new error kind makes this call fail to type-check until it is decided above.
function absurd(error: never): never {
  throw new Error(`undecided bank error ${JSON.stringify(error)}`);
}

/**
 * The statuses a connection can be in when an input is decided in a phase: a login or a
 * sync is under way (`running.*`), a challenge waits (`suspended.*`) for the timeout, any
 * settled status for a consent change. Used by the property tests and by the store's checks.
 */
export function statusesOfPhase(input: DecisionInput): readonly AggregationStatus[] {
  const waiting: AggregationStatus[] = ['suspended.missing-answer.auth.security', 'suspended.missing-answer.auth.otp', 'suspended.missing-answer.auth.captcha', 'suspended.missing-answer.auth.puzzle'];
  switch (input._tag) {
    case 'ChallengeTimedOut':
      return waiting;
    case 'ConsentWithdrawn':
      return ['success', 'auth.creds.invalid', 'error.temporary', 'error.permanent', 'guest.intervention.required'];
    case 'ConsentExpired':
      return ['success', 'running.data', 'auth.creds.invalid', 'inactive'];
    case 'Failed':
      switch (input.phase) {
        case 'connect':
        case 'credentialLogin':
        case 'challengeAnswer':
        case 'auth':
          return ['running.auth'];
        case 'accounts':
        case 'data':
          return ['running.data'];
        case 'retriesExhausted':
          return ['running.auth', 'running.data', 'running.intelligence'];
      }
  }
}

/**
 * The consent after a decision's consent change: revoked (DEAUTHORIZED) through the
 * domain's {@link revokeConsent}, expired with reason Expired; `previousStatus` keeps the
 * status it had. A consent already final (expired, rejected, revoked) stays as it is.
 */
export function applyConsentDecision(consent: Consent, change: ConsentDecision): Result.Result<Consent, ConsentTransitionError> {
  if (consent.status !== 'valid' && consent.status !== 'received') return Result.succeed(consent);
  if (change.status === 'revokedByUser') return revokeConsent(consent);
  return Result.succeed({ ...consent, status: 'expired', invalidationReason: change.invalidationReason, previousStatus: consent.status });
}
