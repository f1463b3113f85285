import type { CalendarDate } from './calendar-date';
import type { DateField } from './transaction-kind';

/** The dates a transaction may carry (absent and null are the same). */
export interface TransactionDates {
  /** When it happened (card payments, transfers); some banks do not report it (Berlin Group). */
  readonly transactionDate?: CalendarDate | null;
  /** When the bank posted it to the account. */
  readonly bookingDate?: CalendarDate | null;
  /** When the money became (or, for a pending item, is expected to become) available or ceased to be. */
  readonly valueDate?: CalendarDate | null;
  /**
   * Only for a transaction carrying none of the dates above (a bank filtering on a date it does
   * not report, `entryDate`): the last day of the window it was first fetched under.
   */
  readonly seenOn?: CalendarDate | null;
}

/** The date of a transaction a bank filters on, when the transaction reports it; null for `entryDate` (never reported) or a missing date. */
export function reportedDate(t: TransactionDates, field: DateField): CalendarDate | null {
  if (field === 'entryDate') return null;
  return t[field] ?? null;
}

/** The transaction's own date it is listed under: its transaction date, else booking date, else value date; null when it carries none. */
export const ownListedDate = (t: TransactionDates): CalendarDate | null => t.transactionDate ?? t.bookingDate ?? t.valueDate ?? null;

/**
 * THE date a transaction is listed under (listings, keyset paging, pending → booked matching,
 * daily balances): its transaction date, else its booking date, else its value date, else
 * (a bank filtering on an entry date it does not report) `seenOn`, the last day of the window
 * it was first fetched under — the latest its unknown entry date can be. Throws RangeError for
 * a transaction with no date at all (the connector SDK never lets one through).
 */
export function listedDateOf(t: TransactionDates): CalendarDate {
  const date = ownListedDate(t) ?? t.seenOn ?? null;
  if (date === null) throw new RangeError('a transaction without any date (transaction, booking, value date or the day it was seen on)');
  return date;
}

/**
 * Why a transaction of a kind filtered on `field` breaks the contract, or undefined: it must
 * carry the date its kind is filtered on, and it may lack a transaction date only when the
 * kind is filtered on another date (`bookingDate`, `valueDate`, or `entryDate`, which the
 * bank does not report: such an item may carry no date at all).
 */
export function missingDateProblem(t: TransactionDates, field: DateField): string | undefined {
  return field !== 'entryDate' && reportedDate(t, field) === null ? `no ${field}, the date its kind is filtered on` : undefined;
}
