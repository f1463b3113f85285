import { Result, Schema } from 'effect';
import { type CalendarDate, addDays } from './calendar-date';
import { ConsentId } from './ids';
import { TransactionKind } from './transaction-kind';

/**
 * Where a consent stands. `received`: asked for, not yet authorised at the bank; `valid`:
 * authorised (PolishAPI's "confirmed"); `expired`, `revokedByUser` (the seed's DEAUTHORIZED:
 * DELETE consent) and `rejected` (refused at the bank) are final.
 */
export const ConsentStatus = Schema.Literals(['received', 'valid', 'expired', 'revokedByUser', 'rejected']);
/** Where a consent stands. */
export type ConsentStatus = typeof ConsentStatus.Type;
/** Every ConsentStatus, in the domain's order (the API's enum is this list). */
export const consentStatuses: readonly ConsentStatus[] = ConsentStatus.literals;

/** Why a consent stopped being usable (the seed's `invalidationReason`). */
export const InvalidationReason = Schema.Literals(['Expired', 'RevokedByUser', 'Rejected']);
/** Why a consent stopped being usable. */
export type InvalidationReason = typeof InvalidationReason.Type;
/** Every InvalidationReason, in the domain's order (the API's enum is this list). */
export const invalidationReasons: readonly InvalidationReason[] = InvalidationReason.literals;

/** Which data a consent covers. */
export const ConsentDataScope = Schema.Literals(['accounts', 'balances', 'transactions']);
/** Which data a consent covers. */
export type ConsentDataScope = typeof ConsentDataScope.Type;

/** What a consent lets Kinko read: which data, and which kinds of transaction. */
export const ConsentScope = Schema.Struct({
  data: Schema.Array(ConsentDataScope),
  transactionKinds: Schema.Array(TransactionKind),
});
/** What a consent lets Kinko read. */
export type ConsentScope = typeof ConsentScope.Type;

/** Longest history a consent may reach back, in days: PSD2 banks allow at most 1460 (4 years). */
export const MAX_HISTORY_DAYS_LIMIT = 1460;

/** How many days of history a consent covers: an integer 1..1460. */
export const MaxHistoryDays = Schema.Number.pipe(
  Schema.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: MAX_HISTORY_DAYS_LIMIT })),
  Schema.brand('MaxHistoryDays'),
);
/** How many days of history a consent covers. */
export type MaxHistoryDays = typeof MaxHistoryDays.Type;

/** A user's consent to read their accounts at one bank. Instants are JS Dates (UTC). */
export const Consent = Schema.Struct({
  id: ConsentId,
  status: ConsentStatus,
  /** Set once the consent is no longer usable. */
  invalidationReason: Schema.optionalKey(InvalidationReason),
  /** The status before the last change, kept so a support person sees what it was (seed: "confirmed"). */
  previousStatus: Schema.optionalKey(ConsentStatus),
  createdAt: Schema.Date,
  expirationDate: Schema.Date,
  scope: ConsentScope,
  maxHistoryDays: MaxHistoryDays,
  /** When the user last performed strong customer authentication for this consent. */
  lastScaAt: Schema.optionalKey(Schema.Date),
});
/** A user's consent to read their accounts at one bank. */
export type Consent = typeof Consent.Type;

/** A consent change that its current status does not allow. */
export class ConsentTransitionError extends Schema.TaggedError<ConsentTransitionError>()('ConsentTransitionError', {
  from: ConsentStatus,
  message: Schema.String,
}) {}

const invalidate = (consent: Consent, status: ConsentStatus, reason: InvalidationReason): Consent => ({
  ...consent,
  status,
  invalidationReason: reason,
  previousStatus: consent.status,
});

/**
 * The consent as it stands at `now`: a received or valid consent whose expirationDate has
 * passed becomes `expired` (reason Expired, previousStatus kept). Anything else is returned
 * as it is, so evaluating twice changes nothing.
 */
export function evaluateConsent(consent: Consent, now: Date): Consent {
  const open = consent.status === 'valid' || consent.status === 'received';
  return open && now.getTime() >= consent.expirationDate.getTime() ? invalidate(consent, 'expired', 'Expired') : consent;
}

/** Whether the consent allows reading data at `now` (valid and not yet expired). */
export const isConsentActive = (consent: Consent, now: Date): boolean => evaluateConsent(consent, now).status === 'valid';

/** The bank confirmed the user's authorisation: received → valid. */
export function confirmConsent(consent: Consent): Result.Result<Consent, ConsentTransitionError> {
  if (consent.status !== 'received')
    return Result.fail(new ConsentTransitionError({ from: consent.status, message: `cannot confirm a ${consent.status} consent` }));
  return Result.succeed({ ...consent, status: 'valid', previousStatus: consent.status });
}

/** The user refused at the bank: received → rejected (reason Rejected). */
export function rejectConsent(consent: Consent): Result.Result<Consent, ConsentTransitionError> {
  if (consent.status !== 'received')
    return Result.fail(new ConsentTransitionError({ from: consent.status, message: `cannot reject a ${consent.status} consent` }));
  return Result.succeed(invalidate(consent, 'rejected', 'Rejected'));
}

/**
 * The user withdraws the consent (the seed's DEAUTHORIZED): received or valid → revokedByUser
 * (reason RevokedByUser, previousStatus kept). Revoking again returns it unchanged, like a
 * repeated DELETE; an expired or rejected consent cannot be revoked.
 */
export function revokeConsent(consent: Consent): Result.Result<Consent, ConsentTransitionError> {
  if (consent.status === 'revokedByUser') return Result.succeed(consent);
  if (consent.status === 'expired' || consent.status === 'rejected')
    return Result.fail(new ConsentTransitionError({ from: consent.status, message: `cannot revoke a ${consent.status} consent` }));
  return Result.succeed(invalidate(consent, 'revokedByUser', 'RevokedByUser'));
}

/** The first date of the history a consent covers: `today` minus its maximum history days. */
export const historyStartDate = (today: CalendarDate, maxHistoryDays: MaxHistoryDays): CalendarDate =>
  addDays(today, -maxHistoryDays);

// ---------------------------------------------------------------------------------------
// Strong customer authentication

/** Days an SCA stays fresh by default (the seed's 90; the 2023 RTS amendment allows 180 per bank). */
export const DEFAULT_SCA_VALIDITY_DAYS = 90;

const DAY_MS = 86_400_000;

/** A per-bank SCA validity in days: a whole number 1..180 (180 is the RTS maximum since 2023). */
export const ScaValidityDays = Schema.Number.pipe(Schema.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 180 })));
/** A per-bank SCA validity in days. */
export type ScaValidityDays = typeof ScaValidityDays.Type;

/** When an SCA performed at `lastScaAt` stops being fresh. */
export const scaExpiresAt = (lastScaAt: Date, validityDays: number = DEFAULT_SCA_VALIDITY_DAYS): Date =>
  new Date(lastScaAt.getTime() + validityDays * DAY_MS);

/**
 * Whether the last strong authentication is recent enough to read without a new one: fewer
 * than `validityDays` whole days (of 24 h) have passed. No SCA at all is never fresh.
 */
export function isScaFresh(lastScaAt: Date | undefined, now: Date, validityDays: number = DEFAULT_SCA_VALIDITY_DAYS): boolean {
  if (!Number.isInteger(validityDays) || validityDays < 1)
    throw new RangeError(`SCA validity must be a whole number of days ≥ 1, got ${validityDays}`);
  return lastScaAt !== undefined && now.getTime() < scaExpiresAt(lastScaAt, validityDays).getTime();
}

// ---------------------------------------------------------------------------------------
// Unattended access budget

/** Reads without the user present that PSD2 allows per account per 24 hours, unless the bank allows more. */
export const DEFAULT_UNATTENDED_ACCESSES_PER_DAY = 4;

/** The rolling window of the unattended-access budget. */
export const ACCESS_WINDOW_MS = DAY_MS;

/** Whether an unattended access may happen now, and if not, when the next one may. */
export interface AccessBudget {
  readonly allowed: boolean;
  /** Accesses left in the current rolling 24 h (0 when not allowed). */
  readonly remaining: number;
  /** `now` when allowed; otherwise the first instant at which an access is allowed again. */
  readonly nextAllowedAt: Date;
}

/**
 * The unattended-access budget of one account at `now`, from the instants of its previous
 * unattended accesses (any order; those older than 24 h are ignored). At most `limit`
 * accesses may fall in any rolling 24 h: an access at t counts until t + 24 h (exclusive).
 * When the budget is spent, the next access is allowed once enough old ones have left the
 * window — with exactly `limit` in it, the oldest one's instant + 24 h.
 */
export function unattendedAccessBudget(
  previousAccesses: readonly Date[],
  now: Date,
  limit: number = DEFAULT_UNATTENDED_ACCESSES_PER_DAY,
): AccessBudget {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`access limit must be a whole number ≥ 1, got ${limit}`);
  const t = now.getTime();
  const inWindow = previousAccesses
    .map((d) => d.getTime())
    .filter((a) => t - a < ACCESS_WINDOW_MS)
    .sort((a, b) => a - b);
  if (inWindow.length < limit) return { allowed: true, remaining: limit - inWindow.length, nextAllowedAt: now };
  // Once the access at this index leaves the window, fewer than `limit` remain in it.
  const release = inWindow[inWindow.length - limit] ?? t;
  return { allowed: false, remaining: 0, nextAllowedAt: new Date(release + ACCESS_WINDOW_MS) };
}
