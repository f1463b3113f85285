/**
 * PolishAPI records as the SDK's types: amounts as signed integer minor units, dates as
 * calendar dates in the bank's zone (Europe/Warsaw), ids that stay stable and unique.
 *
 * Identity. PolishAPI has one `itemId` per item, and a pending transfer, a hold or a scheduled
 * payment keeps it when it books (the bank moves the item from one list to another). The
 * transaction id is therefore `<kind>:<itemId>` — unique per account even at banks that number
 * each list on its own — and `bankReference` is the bare `itemId`, which the domain's
 * reconciliation uses to link a pending-like row to the booked row it became.
 */
import { Result } from 'effect';
import {
  TransactionId,
  bankLocalDate,
  parseAmount,
  parseCurrencyCode,
  type CalendarDate,
  type CurrencyCode,
  type TransactionKind,
} from '@kinko/domain';
import type { Account, AccountType, Transaction } from '@kinko/connector-sdk';
import type { AccountBaseInfo, AccountInfo, ItemInfo } from './wire';

/** Why a record could not be read (the caller turns it into `PermanentError` unexpected_body). */
export class RecordError {
  constructor(readonly message: string) {}
}

const UNSIGNED = /^\d+(\.\d+)?$/;
const SIGNED = /^-?\d+(\.\d+)?$/;

/** A decimal amount string of the spec as minor units of `currency`. */
export function amountMinor(text: string, currency: CurrencyCode, signed: boolean): bigint | RecordError {
  if (!(signed ? SIGNED : UNSIGNED).test(text.trim())) return new RecordError(`amount "${text.slice(0, 40)}" is not a ${signed ? '' : 'unsigned '}decimal`);
  const parsed = parseAmount(text.trim(), currency);
  return Result.isSuccess(parsed) ? parsed.success.amountMinor : new RecordError(parsed.failure.message);
}

/** A bank date or date-time as the calendar date in `timeZone` (the domain's `bankLocalDate`). */
export function calendarDateOf(text: string, timeZone: string): CalendarDate | RecordError {
  const d = bankLocalDate(text, timeZone);
  return Result.isSuccess(d) ? d.success : new RecordError(d.failure.message);
}

// The domain's bankLocalDate grammar: YYYY-MM-DD, then optionally THH:MM[:SS[.fraction]] and Z or ±HH[:]MM.
const BANK_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const realDate = (y: number, m: number, d: number): boolean => {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
};

/**
 * A reader of bank dates for one zone with the same rules and results as the domain's
 * `bankLocalDate` (a test compares them), but building the zone's Intl formatter once: the
 * domain builds two per call (~0.5 ms), which made a 100 000-item fetch spend most of its
 * time there. Anything outside the common shapes goes to the domain function itself.
 */
export function createBankDateReader(timeZone: string): (text: string) => CalendarDate | RecordError {
  const formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return (text) => {
    const m = BANK_TIMESTAMP.exec(text.trim());
    if (!m) return calendarDateOf(text, timeZone);
    const [, y = '', mo = '', d = '', hh, mm, ss = '00', frac = '', offset] = m;
    if (!realDate(Number(y), Number(mo), Number(d))) return calendarDateOf(text, timeZone);
    const date = `${y}-${mo}-${d}` as CalendarDate;
    if (hh !== undefined && (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59)) return calendarDateOf(text, timeZone);
    if (offset === undefined) return date; // no offset: the bank's own wall-clock date
    if (offset !== 'Z' && (Number(offset.slice(1, 3)) > 23 || Number(offset.slice(-2)) > 59)) return calendarDateOf(text, timeZone);
    const zone = offset === 'Z' ? 'Z' : `${offset.slice(0, 3)}:${offset.slice(-2)}`;
    return formatter.format(new Date(`${date}T${hh}:${mm}:${ss}${frac.slice(0, 4)}${zone}`)) as CalendarDate;
  };
}

/**
 * The instant of a bank timestamp in ms, for ordering the bank's stamps among themselves (a
 * stamp without offset is read as UTC wall-clock: compared only with the same bank's stamps);
 * undefined for a plain date or an unreadable text.
 */
export function instantOf(text: string): number | undefined {
  const m = BANK_TIMESTAMP.exec(text.trim());
  if (!m || m[4] === undefined) return undefined;
  const [, y = '', mo = '', d = '', hh = '', mm = '', ss = '00', frac = '', offset] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mm), Number(ss), Math.floor(Number(`0${frac || '.0'}`) * 1000));
  if (offset === undefined || offset === 'Z') return Number.isFinite(wall) ? wall : undefined;
  const minutes = Number(offset.slice(1, 3)) * 60 + Number(offset.slice(-2));
  const at = wall - (offset.startsWith('-') ? -1 : 1) * minutes * 60_000;
  return Number.isFinite(at) ? at : undefined;
}

/**
 * The bank's own order of one listing's items, as the SDK's `bankSequence` (greater is later):
 * the booking instant of a booked item (else its trade instant) in ms × 1000, plus the item's
 * rank among the items listed at the same instant in the list's chronological direction —
 * PolishAPI lists newest first unless the instants show otherwise. Absolute, so a later fetch
 * (whose window may cut a trade day, done lists being filtered by booking date at some banks)
 * gives the same item the same sequence. Undefined for an item without a time of day.
 * Create one per fetch and feed it the items in list order.
 */
export function itemSequencer(): (item: ItemInfo, kind: TransactionKind) => number | undefined {
  let first: number | undefined;
  let newestFirst = true;
  let known = false;
  const atInstant = new Map<number, number>();
  return (item, kind) => {
    const text = kind === 'booked' ? (item.bookingDate ?? item.tradeDate) : item.tradeDate;
    const instant = text === undefined ? undefined : instantOf(text);
    if (instant === undefined) return undefined;
    first ??= instant;
    if (!known && instant !== first) {
      known = true;
      newestFirst = instant < first;
    }
    const rank = Math.min(atInstant.get(instant) ?? 0, 999);
    atInstant.set(instant, rank + 1);
    return instant * 1000 + (newestFirst ? -rank : rank);
  };
}

/** A currency code the domain knows (its exponent decides the minor units). */
export function currencyOf(text: string): CurrencyCode | RecordError {
  const c = parseCurrencyCode(text.trim().toUpperCase());
  return Result.isSuccess(c) ? c.success : new RecordError(`unknown currency "${text.slice(0, 8)}"`);
}

const firstLine = (p: { readonly nameAddress?: { readonly value?: readonly string[] } } | undefined): string | undefined => {
  const line = p?.nameAddress?.value?.[0]?.trim();
  return line === undefined || line === '' || line === '-' ? undefined : line;
};

/** The transaction id of an item of a kind (see the file comment). */
export const transactionIdOf = (kind: TransactionKind, itemId: string): TransactionId => TransactionId.make(`${kind}:${itemId}`);

/** One list item as a transaction of `kind`. */
export function toTransaction(
  item: ItemInfo,
  kind: TransactionKind,
  context: { readonly readDate: (text: string) => CalendarDate | RecordError; readonly currency: CurrencyCode },
): Transaction | RecordError {
  if (item.itemId === '') return new RecordError('an item without itemId');
  const currency = item.currency === undefined || item.currency === '' ? context.currency : currencyOf(item.currency);
  if (currency instanceof RecordError) return currency;
  const magnitude = amountMinor(item.amount, currency, false);
  if (magnitude instanceof RecordError) return magnitude;
  // Amounts are unsigned; the direction is transactionCategory. Holds have none: they block money (DEBIT).
  const category = item.transactionCategory ?? (kind === 'hold' ? 'DEBIT' : undefined);
  if (category !== 'CREDIT' && category !== 'DEBIT') return new RecordError(`item ${item.itemId}: transactionCategory must be CREDIT or DEBIT`);
  const dateText = item.tradeDate ?? (kind === 'booked' ? item.bookingDate : kind === 'rejected' ? item.rejectionDate : undefined);
  if (dateText === undefined) return new RecordError(`item ${item.itemId} has no tradeDate`);
  const transactionDate = context.readDate(dateText);
  if (transactionDate instanceof RecordError) return transactionDate;
  let bookingDate: CalendarDate | undefined;
  if (item.bookingDate !== undefined) {
    const b = context.readDate(item.bookingDate);
    if (b instanceof RecordError) return b;
    bookingDate = b;
  }
  let balanceAfterMinor: bigint | undefined;
  if (item.postTransactionBalance !== undefined) {
    const b = amountMinor(item.postTransactionBalance, currency, true);
    if (b instanceof RecordError) return b;
    balanceAfterMinor = b;
  }
  const counterpartyName = category === 'DEBIT' ? firstLine(item.recipient) : firstLine(item.sender);
  return {
    bankTransactionId: transactionIdOf(kind, item.itemId),
    kind,
    transactionDate,
    ...(bookingDate !== undefined ? { bookingDate } : {}),
    amountMinor: category === 'DEBIT' ? -magnitude : magnitude,
    currency,
    description: item.description ?? item.transactionType ?? '',
    ...(balanceAfterMinor !== undefined ? { balanceAfterMinor } : {}),
    bankReference: item.itemId,
    ...(counterpartyName !== undefined ? { counterpartyName } : {}),
  };
}

const IBAN = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/;

/** The SDK's account type from the bank's type code and names (codes are the bank's own; names are Polish). */
export function accountTypeOf(code: string | undefined, ...names: ReadonlyArray<string | undefined>): AccountType {
  const c = (code ?? '').toUpperCase();
  const text = names.filter((n): n is string => n !== undefined).join(' ').toLowerCase();
  // "Rachunek oszczędnościowo-rozliczeniowy" (ROR) is a current account despite "oszczędnościow".
  if (c === 'ROR' || c === 'CUR' || c === 'CACC' || /rozliczeniow|bieżąc|biezac|osobist|firmow|current/.test(text)) return 'current';
  if (c === 'SAV' || c === 'SVGS' || /oszczędnoś|oszczednos|saving/.test(text)) return 'savings';
  if (/lokat|deposit/.test(text)) return 'timeDeposit';
  if (/kart|card/.test(text)) return 'creditCard';
  if (/kredyt|pożyczk|pozyczk|loan/.test(text)) return 'loan';
  if (/inwest|makler|invest|brokerage/.test(text)) return 'investment';
  return 'other';
}

/** An account from its getAccounts entry and its getAccount details. */
export function toAccount(base: AccountBaseInfo, info: AccountInfo): Account | RecordError {
  const currency = currencyOf(info.currency);
  if (currency instanceof RecordError) return currency;
  const typeName = base.accountTypeName ?? info.accountTypeName;
  const description = base.accountType?.description ?? info.accountType?.description;
  const number = base.accountNumber;
  const electronic = number.replace(/\s+/g, '').toUpperCase();
  const holderName = firstLine(info);
  return {
    bankAccountId: number,
    number,
    name: info.accountNameClient ?? typeName ?? description ?? number,
    type: accountTypeOf(base.accountType?.code ?? info.accountType?.code, typeName, description),
    currency,
    ...(typeName !== undefined ? { bankAccountType: typeName } : {}),
    ...(info.accountHolderType === 'individual' ? { ownerType: 'personal' as const } : info.accountHolderType === 'corporation' ? { ownerType: 'business' as const } : {}),
    ...(IBAN.test(electronic) ? { iban: electronic } : {}),
    ...(holderName !== undefined ? { holderName } : {}),
  };
}
