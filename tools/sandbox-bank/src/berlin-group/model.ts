/**
 * What a Berlin Group NextGenPSD2 1.3.12 sandbox bank holds: PSUs with accounts (booked and
 * pending transactions, an opening balance), consents with their status, validity and daily
 * frequency, and the OAuth codes and tokens of the OAuth SCA approach.
 */
import type { IsoDate } from '../calendar';

/** One transaction as the bank keeps it; amounts in minor units (cents), + in, − out. */
export interface BerlinGroupTransaction {
  readonly transactionId: string;
  readonly amountMinor: bigint;
  /** Booked: the booking date (what the bank filters booked items by). */
  readonly bookingDate?: IsoDate;
  /** The value date (reported when set; a pending item's is the expected one, and may be absent). */
  readonly valueDate?: IsoDate;
  /**
   * The day the item entered the bank's books: what pending items are filtered by, never
   * reported (the spec: "the entry date, which may not be transparent"); the value date, else
   * the booking date, when unset.
   */
  readonly entryDate?: IsoDate;
  readonly remittanceInformationUnstructured: string;
  readonly creditorName?: string;
  readonly debtorName?: string;
  readonly entryReference?: string;
}

/** The day a pending item is filtered by: its entry date, else its value date, else its booking date. */
export function entryDayOf(t: BerlinGroupTransaction): IsoDate {
  const day = t.entryDate ?? t.valueDate ?? t.bookingDate;
  if (day === undefined) throw new RangeError(`sandbox transaction ${t.transactionId} has no date at all`);
  return day;
}

/** One account of a PSU. */
export interface BerlinGroupAccount {
  readonly resourceId: string;
  readonly iban: string;
  readonly currency: string;
  readonly name: string;
  readonly product: string;
  readonly cashAccountType: string;
  /** The balance before the first booked transaction. */
  readonly openingBalanceMinor: bigint;
  readonly booked: BerlinGroupTransaction[];
  readonly pending: BerlinGroupTransaction[];
}

/** One PSU: online-banking login and password, and accounts. */
export interface BerlinGroupUser {
  readonly login: string;
  readonly password: string;
  readonly accounts: BerlinGroupAccount[];
}

/** The consent statuses of NextGenPSD2 1.3.12 (consentStatus). */
export type BerlinGroupConsentStatus = 'received' | 'rejected' | 'valid' | 'revokedByPsu' | 'expired' | 'terminatedByTpp' | 'partiallyAuthorised';

/** One consent as the bank keeps it. */
export interface BerlinGroupConsent {
  readonly consentId: string;
  status: BerlinGroupConsentStatus;
  readonly recurringIndicator: boolean;
  readonly validUntil: IsoDate;
  readonly frequencyPerDay: number;
  readonly combinedServiceIndicator: boolean;
  readonly access: Readonly<Record<string, unknown>>;
  readonly redirectUri: string;
  readonly nokRedirectUri: string | undefined;
  /** The PSU who authorised it (after SCA). */
  login?: string;
  lastActionDate: IsoDate;
  /** Unattended accesses (no PSU-IP-Address) per account per day: `${date}/${resourceId}` → count. */
  readonly usage: Map<string, number>;
  /** The endpoints (balances, transactions) the current unattended access of each `${date}/${resourceId}` has read. */
  readonly accessReads: Map<string, Set<string>>;
}

/** An OAuth token pair of one consent (the OAuth SCA approach: data calls carry the bearer token). */
export interface BerlinGroupToken {
  readonly consentId: string;
  readonly kind: 'access' | 'refresh';
  revoked: boolean;
}

/** An authorisation code waiting for the token request. */
export interface BerlinGroupCode {
  readonly consentId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  used: boolean;
}

/** Formats minor units (2 decimals) as the spec's `amount` string, e.g. -12.3 → "-12.30". */
export function amountText(minor: bigint): string {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const units = abs / 100n;
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${units}.${cents}`;
}
