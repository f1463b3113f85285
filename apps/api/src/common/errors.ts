/**
 * Errors services throw. They say what went wrong in the app's terms; the HTTP edge
 * (http/problem.filter.ts) maps each `code` to one problem+json type. Services never throw
 * HTTP exceptions.
 */
export type ErrorCode = 'validation' | 'unauthorized' | 'forbidden' | 'not-found' | 'conflict' | 'bank-error' | 'service-unavailable' | 'link-page-only' | 'invalid-cursor' | 'cursor-unusable';

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

/** The request conflicts with the current state (e.g. a duplicate external id). */
export class ConflictError extends KinkoError {
  readonly code = 'conflict';
  constructor(message: string) {
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
