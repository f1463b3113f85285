import { Schema } from 'effect';

/** The 23 aggregation statuses of the seed (seeds/aggregation-status.ja.txt), in its order. */
export const KnownAggregationStatus = Schema.Literals([
  'running.auth',
  'running.data',
  'running.intelligence',
  'success',
  'guest.intervention.required',
  'inactive',
  'suspended.missing-answer.auth.security',
  'suspended.missing-answer.auth.otp',
  'suspended.missing-answer.auth.captcha',
  'suspended.missing-answer.auth.puzzle',
  'auth.creds.invalid',
  'auth.creds.security.invalid',
  'auth.creds.otp.invalid',
  'auth.creds.captcha.invalid',
  'auth.creds.puzzle.invalid',
  'auth.creds.locked.temporary',
  'auth.creds.locked.permanent',
  'error.service.unavailable',
  'error.session',
  'error.network',
  'error.temporary',
  'error.permanent',
  'error.unsupported',
]);
/** One of the 23 aggregation statuses the seed defines. */
export type KnownAggregationStatus = typeof KnownAggregationStatus.Type;

/** The kinds of challenge a bank can put in the way of a login. */
export const ChallengeKind = Schema.Literals(['security', 'otp', 'captcha', 'puzzle']);
/** A kind of login challenge. */
export type ChallengeKind = typeof ChallengeKind.Type;
