import { Schema } from 'effect';
import { ChallengeKind } from '@kinko/domain';
import { Challenge } from './challenge';

// Errors are plain, JSON-friendly values with a `_tag` (not Error subclasses): they cross
// the connector boundary as values, are persisted by the app (syncError) and travel through
// the job queue; a stack trace would add nothing but a place for secrets to hide.

const message = Schema.String;
const retryAfterMs = Schema.Number.pipe(Schema.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0)));
/** Machine-readable detail of SDK-raised errors (see {@link SdkErrorCode}); connectors may use their own. */
const code = Schema.optional(Schema.String);
/** The bank's HTTP status, when the error is the bank's answer. */
const httpStatus = Schema.optional(Schema.Int);
/** What the bank's answer said: bounded and redacted (see `bankContent`), for syncError.aspspResponse. */
const content = Schema.optional(Schema.String);

/**
 * The closed set of failures a connector can report. Each maps onto one aggregation status
 * or one account/consent outcome ({@link errorOutcome}). Build them with {@link ConnectorErrors}.
 */
export const ConnectorError = Schema.Union([
  // → aggregation statuses (the connection)
  Schema.TaggedStruct('CredentialsInvalid', { message }),
  Schema.TaggedStruct('ChallengeRequired', { message, challenge: Challenge }),
  Schema.TaggedStruct('ChallengeAnswerInvalid', { message, challengeKind: ChallengeKind }),
  Schema.TaggedStruct('ChallengeTimedOut', { message, challengeKind: ChallengeKind }),
  Schema.TaggedStruct('LockedTemporary', { message }),
  Schema.TaggedStruct('LockedPermanent', { message }),
  Schema.TaggedStruct('InterventionRequired', { message }),
  Schema.TaggedStruct('ServiceUnavailable', { message, retryAfterMs: Schema.optional(retryAfterMs), httpStatus, content }),
  Schema.TaggedStruct('SessionConflict', { message }),
  Schema.TaggedStruct('NetworkError', { message, code }),
  Schema.TaggedStruct('TemporaryError', { message, code, httpStatus, content }),
  Schema.TaggedStruct('PermanentError', { message, code, httpStatus, content }),
  Schema.TaggedStruct('Unsupported', { message }),
  // → consent outcomes
  Schema.TaggedStruct('ConsentExpired', { message, httpStatus, content }),
  Schema.TaggedStruct('ConsentRevoked', { message, httpStatus, content }),
  // → account outcomes
  Schema.TaggedStruct('RateLimited', { message, retryAfterMs: Schema.optional(retryAfterMs), httpStatus, content }),
  Schema.TaggedStruct('MissingAccount', { message, bankAccountId: Schema.String }),
  Schema.TaggedStruct('SignatureError', { message }),
  Schema.TaggedStruct('BankResponse', { message, status: Schema.Int, content: Schema.String }),
]);
/** One failure of a connector call. */
export type ConnectorError = typeof ConnectorError.Type;

/** The tag of a {@link ConnectorError}. */
export type ConnectorErrorTag = ConnectorError['_tag'];

/** The variant of {@link ConnectorError} with the given tag. */
export type ConnectorErrorOf<K extends ConnectorErrorTag> = Extract<ConnectorError, { readonly _tag: K }>;

/** Every tag of {@link ConnectorError}, in declaration order. */
export const connectorErrorTags: readonly ConnectorErrorTag[] = Object.keys({
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
} satisfies Record<ConnectorErrorTag, true>) as ConnectorErrorTag[];

/** True when `u` is a well-formed {@link ConnectorError} (used to police the boundary). */
export const isConnectorError: (u: unknown) => u is ConnectorError = Schema.is(ConnectorError);

/**
 * Codes the SDK puts in `code` of the errors it raises itself, so callers (and the
 * conformance kit) can tell "our own timeout" from "a bank 5xx" without parsing messages.
 */
export const SdkErrorCode = {
  /** The total timeout of a call elapsed (seed: "our own timeout" → error.temporary). */
  timeout: 'timeout',
  /** The TCP/TLS connection could not be set up within the connect timeout. */
  connectTimeout: 'connect_timeout',
  /** The connection was refused, reset or dropped. */
  connectionFailed: 'connection_failed',
  /** The bank kept answering a retryable status (5xx, 408) until the attempts ran out. */
  bankStatus: 'bank_status',
  /** A request or redirect targeted a host outside the manifest's allowed hosts. */
  hostNotAllowed: 'host_not_allowed',
  /** A redirect pointed outside the allowed hosts, or there were too many. */
  redirectBlocked: 'redirect_blocked',
  /** The body was not parseable (e.g. truncated JSON). */
  malformedBody: 'malformed_body',
  /** The body parsed but did not have the shape the connector expects. */
  unexpectedBody: 'unexpected_body',
  /** The body exceeded the size limit. */
  bodyTooLarge: 'body_too_large',
  /** The connector threw instead of returning an error value. */
  unexpectedException: 'unexpected_exception',
  /** The connector returned something the contract does not allow. */
  contractViolation: 'contract_violation',
  /** The caller passed an invalid request (e.g. a window whose start is after its end). */
  invalidRequest: 'invalid_request',
  /** A grant or challenge state did not decode with the connector's schema. */
  invalidGrant: 'invalid_grant',
} as const;
/** A code the SDK itself puts on errors. */
export type SdkErrorCode = (typeof SdkErrorCode)[keyof typeof SdkErrorCode];

const MAX_MESSAGE = 500;
const MAX_CONTENT = 2000;
const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

type Options<K extends ConnectorErrorTag> = Omit<ConnectorErrorOf<K>, '_tag' | 'message'> & { readonly message?: string };

function make<K extends ConnectorErrorTag>(tag: K, defaultMessage: string) {
  return (options?: Options<K>): ConnectorErrorOf<K> => {
    const out: Record<string, unknown> = { _tag: tag };
    for (const [k, v] of Object.entries(options ?? {})) if (v !== undefined) out[k] = v;
    out.message = clip(options?.message ?? defaultMessage, MAX_MESSAGE);
    if (typeof out.content === 'string') out.content = clip(out.content, MAX_CONTENT);
    return Object.freeze(out) as ConnectorErrorOf<K>;
  };
}

// A fields-required variant for the tags whose extra fields are mandatory.
function makeRequired<K extends ConnectorErrorTag>(tag: K, defaultMessage: string) {
  const f = make(tag, defaultMessage);
  return (options: Options<K>): ConnectorErrorOf<K> => f(options);
}

/**
 * Constructors of {@link ConnectorError}s. Messages are for operators: never put tokens,
 * passwords, Authorization headers or full URLs with query strings in them. Messages are
 * clipped to 500 characters, `BankResponse.content` to 2000.
 */
export const ConnectorErrors = {
  /** Login failed: credentials wrong or changed at the bank, or forced re-authentication. */
  credentialsInvalid: make('CredentialsInvalid', 'the bank rejected the credentials'),
  /** The bank demands an answer to a challenge (during unattended work: the user must log in). */
  challengeRequired: makeRequired('ChallengeRequired', 'the bank requires an answer to a challenge'),
  /** The answer to a challenge was wrong. */
  challengeAnswerInvalid: makeRequired('ChallengeAnswerInvalid', 'the answer to the challenge was wrong'),
  /** The challenge was not answered in time. */
  challengeTimedOut: makeRequired('ChallengeTimedOut', 'the challenge was not answered in time'),
  /** Access is locked for now (e.g. several logins in a short time). */
  lockedTemporary: make('LockedTemporary', 'access is temporarily locked at the bank'),
  /** The user is locked out and must contact the bank. */
  lockedPermanent: make('LockedPermanent', 'access is locked at the bank'),
  /** The user must act on the bank's own site (e.g. accept new terms). */
  interventionRequired: make('InterventionRequired', 'the user must act on the bank site'),
  /** Outside service hours or in maintenance. */
  serviceUnavailable: make('ServiceUnavailable', 'the bank service is unavailable'),
  /** Double login: another session is active. */
  sessionConflict: make('SessionConflict', 'another session is active at the bank'),
  /** The bank could not be reached. */
  network: make('NetworkError', 'the bank could not be reached'),
  /** Unexpected but temporary failure (bank slow, our own timeout, bank site changed…). */
  temporary: make('TemporaryError', 'temporary failure'),
  /** Unrecognised page/code/data: processing stopped to protect the system. */
  permanent: make('PermanentError', 'permanent failure'),
  /** Logged in, but the data cannot be obtained (bank-side restriction). */
  unsupported: make('Unsupported', 'the bank does not provide this data'),
  /** The consent (or its tokens) expired: the user must authorise again. */
  consentExpired: make('ConsentExpired', 'the consent has expired'),
  /** The user withdrew the consent (DEAUTHORIZED). */
  consentRevoked: make('ConsentRevoked', 'the consent was revoked'),
  /** The bank is throttling us; try again after `retryAfterMs`. */
  rateLimited: make('RateLimited', 'the bank is rate limiting requests'),
  /** An account the bank used to return is gone. */
  missingAccount: makeRequired('MissingAccount', 'the bank no longer returns this account'),
  /** A request or response signature did not verify. */
  signature: make('SignatureError', 'a signature did not verify'),
  /** The bank answered an account-level request with an error status. */
  bankResponse: makeRequired('BankResponse', 'the bank answered with an error'),
} as const;
