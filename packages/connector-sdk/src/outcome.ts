import type { ConnectorError } from './errors';

/** A successful result of a connector call. */
export interface Ok<T> {
  readonly ok: true;
  readonly value: T;
}

/** A failed result of a connector call: always one of the closed set of {@link ConnectorError}s. */
export interface Err {
  readonly ok: false;
  readonly error: ConnectorError;
}

/**
 * What every connector call returns: a value or a typed error, never a thrown exception.
 * `Err` carries no type parameter, so `if (!r.ok) return r;` forwards a failure from any call.
 */
export type Outcome<T> = Ok<T> | Err;

/** Wraps a value as a successful {@link Outcome}. */
export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });

/** The successful outcome of a call that returns nothing (e.g. revoke). */
export const okVoid: Ok<void> = Object.freeze({ ok: true, value: undefined });

/** Wraps a connector error as a failed {@link Outcome}. */
export const err = (error: ConnectorError): Err => ({ ok: false, error });
