import { Schema } from 'effect';
import { ChallengeKind, CurrencyCode, DateField, TransactionKind } from '@kinko/domain';
import { isHostPattern } from './http/hosts';

const positiveInt = Schema.Number.pipe(Schema.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)));
const nonEmpty = Schema.String.pipe(Schema.check(Schema.isMinLength(1)));

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
}

/** The three languages every user-facing label comes in. */
export const LocalizedText = Schema.Struct({ ja: nonEmpty, en: nonEmpty, pl: nonEmpty });
/** A label in Japanese, English and Polish. */
export type LocalizedText = typeof LocalizedText.Type;

/** How the user authorises Kinko at the bank. */
export const AuthFlow = Schema.Literals(['redirect', 'credentials']);
/** How the user authorises Kinko at the bank. */
export type AuthFlow = typeof AuthFlow.Type;
/** Every AuthFlow, in the SDK's order (the API's enum is this list). */
export const authFlows: readonly AuthFlow[] = AuthFlow.literals;

const uniqueList = <S extends Schema.Codec<string, string>>(item: S) =>
  Schema.Array(item).pipe(Schema.check(Schema.isUnique()));

/** The limits a bank (and the law) put on access; the app plans windows and schedules with them. */
export const ConnectorLimits = Schema.Struct({
  /** The longest history the bank serves after SCA (≤ 1460 days). */
  maxHistoryDays: positiveInt.pipe(Schema.check(Schema.isLessThanOrEqualTo(1460))),
  /** The longest history without SCA (seed: 90 days). */
  unattendedHistoryDays: positiveInt,
  /** How long an SCA stays fresh (90 in the seed, 180 under the 2023 RTS amendment). */
  scaValidityDays: positiveInt,
  /** Unattended accesses per account per 24 h (PSD2 default: 4). */
  unattendedAccessesPerDay: positiveInt,
  /** Items per page the bank returns (e.g. 200 for the 銀行共通API). */
  pageSize: positiveInt,
  /** Concurrent requests to the bank from one process. */
  maxConcurrency: positiveInt,
  /** Request starts per second to the bank from one process. */
  requestsPerSecond: Schema.Number.pipe(Schema.check(Schema.isFinite(), Schema.isGreaterThan(0))),
  /**
   * How many days after today the `scheduled` window reaches (scheduled payments are dated
   * on their future execution day); {@link DEFAULT_SCHEDULED_HORIZON_DAYS} when absent, 0..1460.
   */
  scheduledHorizonDays: Schema.optional(Schema.Number.pipe(Schema.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(1460)))),
});
/** The limits a bank puts on access. */
export type ConnectorLimits = typeof ConnectorLimits.Type;

/** The default look-ahead of the `scheduled` window: a quarter, so monthly and quarterly standing orders show before they run. */
export const DEFAULT_SCHEDULED_HORIZON_DAYS = 90;

/** Days after today each kind's window reaches, from the manifest's limits (only `scheduled` looks ahead). */
export const horizonDaysOf = (limits: ConnectorLimits): { readonly scheduled: number } => ({
  scheduled: limits.scheduledHorizonDays ?? DEFAULT_SCHEDULED_HORIZON_DAYS,
});

/** What the bank can do: declared here, never discovered by calling methods. */
export const ConnectorCapabilities = Schema.Struct({
  accounts: Schema.Literal(true),
  balances: Schema.Boolean,
  /** The bank reports current balances (booked / available / reference date) instead of, or besides, a daily history. */
  currentBalances: Schema.optional(Schema.Boolean),
  /** The transaction kinds the bank reports (at least one). */
  transactions: uniqueList(TransactionKind).pipe(Schema.check(Schema.isMinLength(1))),
  /**
   * Kinds the bank returns together in one call (Berlin Group `bookingStatus=both`): the
   * connector then implements `transactionKinds`, and the app asks for these kinds with one
   * request per page instead of one fetch per kind. At least two reported kinds.
   */
  kindsPerCall: Schema.optional(uniqueList(TransactionKind).pipe(Schema.check(Schema.isMinLength(2)))),
  branches: Schema.Boolean,
  /** The challenges the connector can relay (empty for redirect flows: the bank asks them itself). */
  challenges: uniqueList(ChallengeKind),
});
/** What the bank can do. */
export type ConnectorCapabilities = typeof ConnectorCapabilities.Type;

const dateFields = Schema.Struct({
  booked: Schema.optional(DateField),
  pending: Schema.optional(DateField),
  hold: Schema.optional(DateField),
  scheduled: Schema.optional(DateField),
  rejected: Schema.optional(DateField),
  cancelled: Schema.optional(DateField),
});

const ManifestFields = Schema.Struct({
  /** Stable id, e.g. `bank-common-api` (lower-case, digits, dashes). */
  id: Schema.String.pipe(Schema.check(Schema.isPattern(/^[a-z][a-z0-9-]{1,62}$/))),
  displayName: LocalizedText,
  /** ISO 3166-1 alpha-2, e.g. JP, PL. */
  country: Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Z]{2}$/))),
  /** The bank's IANA time zone: its dates are calendar dates in this zone. */
  timeZone: Schema.String.pipe(Schema.check(Schema.makeFilter((z: string) => isTimeZone(z) || `not an IANA time zone: "${z}"`))),
  /** The currency of the bank's accounts unless an account says otherwise. */
  currency: CurrencyCode,
  authFlow: AuthFlow,
  capabilities: ConnectorCapabilities,
  limits: ConnectorLimits,
  /** Which date the bank filters each reported kind by (seed: configurable per type). */
  dateFieldByKind: dateFields,
  /** Kinds deleted when a complete fetch of their window no longer returns them (never `booked`). */
  deleteIfNotFetched: uniqueList(TransactionKind),
  /** The only hosts the connector may contact (see the README for the entry syntax). */
  allowedHosts: Schema.Array(Schema.String.pipe(Schema.check(Schema.makeFilter((h: string) => isHostPattern(h) || `not a host entry: "${h}"`)))).pipe(
    Schema.check(Schema.isMinLength(1)),
  ),
});

type Fields = typeof ManifestFields.Type;

function crossFieldProblems(m: Fields): string[] {
  const problems: string[] = [];
  if (m.limits.unattendedHistoryDays > m.limits.maxHistoryDays) problems.push('limits.unattendedHistoryDays exceeds limits.maxHistoryDays');
  for (const kind of m.capabilities.transactions) {
    if (m.dateFieldByKind[kind] === undefined) problems.push(`dateFieldByKind.${kind} is missing for a reported kind`);
  }
  for (const kind of TransactionKind.literals) {
    if (m.dateFieldByKind[kind] !== undefined && !m.capabilities.transactions.includes(kind)) {
      problems.push(`dateFieldByKind.${kind} is set for a kind the connector does not report`);
    }
  }
  for (const kind of m.capabilities.kindsPerCall ?? []) {
    if (!m.capabilities.transactions.includes(kind)) problems.push(`capabilities.kindsPerCall.${kind} is not a reported kind`);
  }
  for (const kind of m.deleteIfNotFetched) {
    if (kind === 'booked') problems.push('deleteIfNotFetched must not contain booked: booked transactions are never deleted');
    else if (!m.capabilities.transactions.includes(kind)) problems.push(`deleteIfNotFetched.${kind} is not a reported kind`);
  }
  if (m.authFlow === 'redirect' && m.capabilities.challenges.length > 0) {
    problems.push('a redirect connector cannot relay challenges: the bank asks them on its own pages');
  }
  return problems;
}

/**
 * The connector manifest (DESIGN.md §3), validated when the connector is defined. The
 * decoded form has branded values (`CurrencyCode`); connector authors write the encoded form
 * ({@link ConnectorManifestInput}) as a plain object literal.
 */
export const ConnectorManifest = ManifestFields.pipe(
  Schema.check(
    Schema.makeFilter((m: Fields) => {
      const problems = crossFieldProblems(m);
      return problems.length === 0 ? undefined : problems.join('; ');
    }),
  ),
);
/** A validated connector manifest. */
export type ConnectorManifest = typeof ConnectorManifest.Type;
/** A manifest as a connector author writes it (plain strings instead of branded values). */
export type ConnectorManifestInput = typeof ConnectorManifest.Encoded;

/** Thrown by {@link decodeManifest} (at definition time, never during a bank call). */
export class InvalidManifestError extends Error {
  override readonly name = 'InvalidManifestError';
}

/** Validates a manifest; throws {@link InvalidManifestError} listing every problem. */
export function decodeManifest(input: unknown): ConnectorManifest {
  const result = Schema.decodeUnknownResult(ConnectorManifest)(input, { errors: 'all' });
  if (result._tag === 'Success') return result.success;
  const id = typeof input === 'object' && input !== null && 'id' in input ? String(input.id) : '?';
  throw new InvalidManifestError(`invalid manifest for connector "${id}": ${result.failure.message}`);
}

/** The problems of a manifest (empty when it is valid), for tools and the conformance kit. */
export function manifestProblems(input: unknown): readonly string[] {
  try {
    decodeManifest(input);
    return [];
  } catch (e) {
    return [e instanceof Error ? e.message : String(e)];
  }
}
