/**
 * Errors services throw. They say what went wrong in the app's terms; the HTTP edge
 * (http/problem.filter.ts) maps each `code` to one problem+json type. Services never throw
 * HTTP exceptions.
 */
export type ErrorCode = 'validation' | 'unauthorized' | 'forbidden' | 'not-found' | 'conflict' | 'bank-error' | 'service-unavailable' | 'link-page-only' | 'invalid-cursor' | 'cursor-unusable' | 'idempotency-key-reused' | 'idempotency-request-in-progress' | 'refresh-quota-spent' | 'rate-limited';

/** One invalid input: which field, and why. */
export interface FieldIssue {
  /** Dotted path of the field, e.g. `externalId` or `scope.accounts`. */
  readonly field: string;
  readonly reason: string;
}

/** Base of every error the app raises on purpose. */
export abstract class KinkoError extends Error {
  abstract readonly code: ErrorCode;
}

/** Input that breaks a rule (beyond what the edge validation catches). */
export class ValidationFailedError extends KinkoError {
  readonly code = 'validation';
  constructor(readonly issues: readonly FieldIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.reason}`).join('; '));
    this.name = 'ValidationFailedError';
  }
}

/** Missing or invalid credentials (API key or user token). */
export class UnauthorizedError extends KinkoError {
  readonly code = 'unauthorized';
  constructor(message = 'Authentication is required.') {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

/** Authenticated, but this caller may not do this. */
export class ForbiddenError extends KinkoError {
  readonly code = 'forbidden';
  constructor(message = 'Not allowed.') {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/**
 * The resource does not exist — or exists outside the caller's tenant/user, which must
 * look exactly the same.
 */
export class NotFoundError extends KinkoError {
  readonly code = 'not-found';
  constructor(readonly resource: string) {
    super(`${resource} not found.`);
    this.name = 'NotFoundError';
  }
}

/**
 * Why a request conflicts with the current state: each reason is its own problem `type` at the
 * HTTP edge (http/problem.ts `PROBLEMS`, same name), so clients never parse `detail`.
 */
export const CONFLICT_REASONS = [
  /** A user with this externalId exists in the tenant. */
  'external-id-taken',
  /** A sync request left every connection out, for reasons that differ between them. */
  'nothing-to-sync',
  /** The connection is deactivated (inactive): reactivate it first. */
  'connection-inactive',
  /** Reactivation asked of a connection that is not inactive. */
  'connection-not-inactive',
  /** A sync run of the connection is under way: wait for it to end. */
  'run-in-progress',
  /** The connection holds no grant (never connected, or disconnected): connect it again. */
  'not-connected',
  /** The connection's consent has expired: reconnect it. */
  'consent-expired',
  /** The connection's consent is revoked, rejected or not yet confirmed. */
  'consent-not-active',
  /** The connection cannot be reactivated (no valid consent or grant, or its earlier status is unknown): reconnect it. */
  'reconnect-required',
  /** The consent cannot be withdrawn in its current status. */
  'consent-not-withdrawable',
  /** The bank's connector package is not configured in this deployment. */
  'connector-not-configured',
  /** The bank logs in with credentials on the Link page, not with the redirect flow. */
  'credentials-flow-bank',
  /** The bank logs in with the redirect flow (POST /api/v2/connect/{bankId}), not with credentials. */
  'redirect-flow-bank',
  /** The bank's login form could not be read. */
  'login-form-unreadable',
  /** The connect start URL was already opened, or has expired. */
  'connect-link-used',
  /** The connect flow was already completed or abandoned. */
  'connect-flow-used',
  /** The connect flow has expired. */
  'connect-flow-expired',
  /** No credentials are stored for the connection: enter them again. */
  'credentials-missing',
  /** A login of the connection is under way. */
  'login-in-progress',
  /** The login ended (abandoned, disconnected) while the bank answered. */
  'login-abandoned',
  /** An answer for this challenge is already being passed to the bank. */
  'answer-in-progress',
  /** The connection is not waiting for an answer to a challenge. */
  'no-challenge-pending',
  /** The connection was disconnected: its challenge was dropped. */
  'connection-disconnected',
  /** The challenge has expired: log in again to get a new one. */
  'challenge-expired',
  /** The challenge can no longer be read (its key is gone): log in again. */
  'challenge-unreadable',
] as const;

/** One reason of {@link CONFLICT_REASONS}. */
export type ConflictReason = (typeof CONFLICT_REASONS)[number];

/** The caller's request limit (or its address's failed-authentication limit) is spent for now. */
export class RateLimitedError extends KinkoError {
  readonly code = 'rate-limited';
  constructor(
    message: string,
    /** Seconds until the limit's window ends (the answer's Retry-After). */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'RateLimitedError';
  }
}

/** An Idempotency-Key used again with another request (method, path or body). */
export class IdempotencyKeyReusedError extends KinkoError {
  readonly code = 'idempotency-key-reused';
  constructor() {
    super('This Idempotency-Key was used with another request; use a new key for a new request.');
    this.name = 'IdempotencyKeyReusedError';
  }
}

/** A request with the same Idempotency-Key is still being answered (elsewhere, maybe by another process). */
export class IdempotencyRequestInProgressError extends KinkoError {
  readonly code = 'idempotency-request-in-progress';
  constructor() {
    super('A request with this Idempotency-Key is still being answered; retry shortly.');
    this.name = 'IdempotencyRequestInProgressError';
  }
}

/**
 * A background (unattended) refresh the connection's unattended-access quota does not allow
 * yet: it becomes possible at `nextRefreshPossibleAt` (`retryAfterSeconds` from now).
 */
export class RefreshQuotaSpentError extends KinkoError {
  readonly code = 'refresh-quota-spent';
  constructor(
    readonly nextRefreshPossibleAt: Date,
    readonly retryAfterSeconds: number,
  ) {
    super(`The connection's unattended accesses for the rolling 24 hours are spent; the next background refresh is possible at ${nextRefreshPossibleAt.toISOString()}.`);
    this.name = 'RefreshQuotaSpentError';
  }
}

/** The request conflicts with the current state, for one {@link ConflictReason}. */
export class ConflictError extends KinkoError {
  readonly code = 'conflict';
  constructor(
    readonly reason: ConflictReason,
    message: string,
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** A dependency (the database) is not reachable right now. */
export class ServiceUnavailableError extends KinkoError {
  readonly code = 'service-unavailable';
  constructor(message = 'The service is temporarily unavailable.') {
    super(message);
    this.name = 'ServiceUnavailableError';
  }
}

/**
 * A bank refused or could not answer a call made for this request (login exchange,
 * revocation): the connector's typed error, described without any secret.
 */
export class BankCallError extends KinkoError {
  readonly code = 'bank-error';
  constructor(
    message: string,
    /** The connector error's tag, e.g. `CredentialsInvalid`, `ServiceUnavailable`. */
    readonly errorTag: string,
  ) {
    super(message);
    this.name = 'BankCallError';
  }
}

/**
 * The request is valid, but only a person on the Link page can do it (a puzzle challenge:
 * the seed says it cannot be answered through the API).
 */
export class LinkPageOnlyError extends KinkoError {
  readonly code = 'link-page-only';
  constructor(
    message: string,
    /** Where on the Link pages it can be done (a path). */
    readonly linkPath: string,
  ) {
    super(message);
    this.name = 'LinkPageOnlyError';
  }
}

/** A feed cursor that is not one the API returned (cannot be read). */
export class InvalidCursorError extends KinkoError {
  readonly code = 'invalid-cursor';
  constructor(message = 'The cursor is not a nextCursor this API returned; pass it back unchanged, or none to start from the beginning.') {
    super(message);
    this.name = 'InvalidCursorError';
  }
}

/**
 * A feed cursor the API returned but can no longer serve (its position is unknown here: another
 * user's, another database's, or no longer kept). Never skipped silently: start again from an
 * empty cursor.
 */
export class CursorUnusableError extends KinkoError {
  readonly code = 'cursor-unusable';
  constructor(message = 'The cursor can no longer be used; read the feed again from an empty cursor.') {
    super(message);
    this.name = 'CursorUnusableError';
  }
}
