/**
 * The sandbox's refusals: an HTTP status the spec lists for the operation and a stable
 * `code` in the spec's Error body (`{ responseHeader, code, message }`). The spec defines
 * the statuses and the body shape but no code values; these codes are the sandbox's own,
 * documented in the README so connectors can map them (consent expired vs revoked, SCA
 * required, signature…).
 */

/** Every error code the PolishAPI sandbox answers with, and the status it comes with. */
export const POLISH_API_ERRORS = {
  /** 400: a required field is missing or malformed (the message names it). */
  VALIDATION_ERROR: 400,
  /** 400: X-REQUEST-ID is missing, not a UUID, or differs from `requestHeader.requestId`. */
  INVALID_REQUEST_ID: 400,
  /** 400: X-JWS-SIGNATURE is missing or not a detached compact JWS (`header..signature`). */
  MISSING_SIGNATURE: 400,
  /** 422: the detached JWS does not verify (unknown `kid`, wrong key, altered body, forbidden `alg`). */
  INVALID_SIGNATURE: 422,
  /** 400: `redirect_uri` is not one the client registered (exact match). */
  INVALID_REDIRECT_URI: 400,
  /** 422: `scope_details.consentId` was already used by this client. */
  CONSENT_ID_IN_USE: 422,
  /** 422: `scope_details.scopeTimeLimit` is not in the future. */
  INVALID_SCOPE_TIME_LIMIT: 422,
  /** 400: unknown, expired or already used authorization code or refresh token (OAuth `invalid_grant`). */
  INVALID_GRANT: 400,
  /** 401: missing, unknown or revoked access token, or one issued to another client. */
  TOKEN_INVALID: 401,
  /** 401: the access token's lifetime is over (refresh it). */
  TOKEN_EXPIRED: 401,
  /** 401: the consent reached its `scopeTimeLimit` (a new consent is needed). */
  CONSENT_EXPIRED: 401,
  /** 401: the consent was deleted (deleteConsent) or rejected by the PSU. */
  CONSENT_REVOKED: 401,
  /** 403: the consent does not grant this operation for this account. */
  PRIVILEGE_NOT_GRANTED: 403,
  /** 403: the account is no longer available (closed or blocked; a knob). */
  ACCOUNT_UNAVAILABLE: 403,
  /** 403: the request reaches further back than the unattended limit (90 days) without fresh SCA. */
  SCA_REQUIRED: 403,
  /** 403: the request reaches further back than the consent's `maxAllowedHistoryLong`. */
  HISTORY_LIMIT_EXCEEDED: 403,
  /** 403: a `scopeUsageLimit: single` privilege was already used. */
  USAGE_LIMIT_EXCEEDED: 403,
  /** 400: the pageId is unknown, expired, or was issued for other filters (dates must stay fixed while paging). */
  INVALID_PAGE_ID: 400,
  /** 400: no item with this itemId on the account. */
  ITEM_NOT_FOUND: 400,
  /** 429: too many requests (the unattended-access limit, or an injected fault); see Retry-After. */
  TOO_MANY_REQUESTS: 429,
  /** 404: no such path. */
  NOT_FOUND: 404,
  /** 405: the path exists but only for POST. */
  METHOD_NOT_ALLOWED: 405,
  /** 406: the client does not accept application/json (or UTF-8). */
  NOT_ACCEPTABLE: 406,
  /** 415: the body is not application/json. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** 500: an internal error (or an injected fault). */
  INTERNAL_ERROR: 500,
  /** 501: the operation or scope is not offered by this sandbox (PIS, CAF, authorizeExt, exchange_token). */
  NOT_IMPLEMENTED: 501,
  /** 503: the bank is unavailable (an injected fault). */
  SERVICE_UNAVAILABLE: 503,
} as const;

/** One of {@link POLISH_API_ERRORS}' codes. */
export type PolishApiErrorCode = keyof typeof POLISH_API_ERRORS;

/** A refusal raised while handling a request; the HTTP layer turns it into the spec's Error body. */
export class PolishApiError extends Error {
  /** The HTTP status. */
  readonly status: number;

  /** `headers` are added to the answer (e.g. Retry-After). */
  constructor(
    readonly code: PolishApiErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.status = POLISH_API_ERRORS[code];
  }
}

const STATUS_CODES: Readonly<Record<number, PolishApiErrorCode>> = {
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_ERROR',
  501: 'NOT_IMPLEMENTED',
  503: 'SERVICE_UNAVAILABLE',
};

/** The error code for an answer that has only a status (an injected fault): a generic one, or `HTTP_<status>`. */
export function codeForStatus(status: number): string {
  return STATUS_CODES[status] ?? `HTTP_${status}`;
}
