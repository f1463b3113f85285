import { type CalendarDate, fromDayNumber, toDayNumber } from './calendar-date';
import { listedDateOf, reportedDate } from './listed-date';
import type { BankTransaction } from './reconciliation';
import type { DateField } from './transaction-kind';

/** An account's balance at the end of one day, in the account's currency; null while unknown. */
export interface DailyBalance {
  readonly date: CalendarDate;
  readonly balanceMinor: bigint | null;
}

/** What daily balances are derived from. */
export interface DailyBalanceInput {
  /** The account's transactions in the order the bank listed them (any kinds; only booked ones with a balance count). */
  readonly transactions: readonly BankTransaction[];
  /** First and last day of the series, both included. */
  readonly from: CalendarDate;
  readonly to: CalendarDate;
  /** The balance before the earliest transaction given, when known; otherwise days before it are null. */
  readonly openingBalanceMinor?: bigint | null;
  /** How the bank orders transactions within a day: `oldestFirst` (default) or `newestFirst`. */
  readonly bankOrder?: 'oldestFirst' | 'newestFirst';
  /**
   * Which date places a transaction on a day: `bookingDate` (default, when the balance moves);
   * a transaction without that date (or for `entryDate`, never reported) is placed on its
   * listed date ({@link listedDateOf}).
   */
  readonly dateField?: DateField;
}

/**
 * The balance at the end of every day from `from` to `to` inclusive: the balance after the
 * day's last booked transaction (ordered by date, then by the bank's order), else the
 * previous day's balance. Transactions before `from` set the starting balance. Pending-like
 * kinds and transactions without `balanceAfterMinor` are ignored: they do not say what the
 * booked balance is. Empty when `from` is after `to`. O(n + days).
 */
export function dailyBalances(input: DailyBalanceInput): DailyBalance[] {
  const { from, to } = input;
  if (from > to) return [];
  const newestFirst = input.bankOrder === 'newestFirst';
  const field = input.dateField ?? 'bookingDate';
  const dateOf = (t: BankTransaction): CalendarDate => reportedDate(t, field) ?? listedDateOf(t);

  // The last transaction of each day wins; in newest-first order that is the first one seen.
  const lastOfDay = new Map<CalendarDate, bigint>();
  let carry: { date: CalendarDate; balance: bigint } | null = null;
  for (const t of input.transactions) {
    if (t.kind !== 'booked' || t.balanceAfterMinor === undefined || t.balanceAfterMinor === null) continue;
    const date = dateOf(t);
    if (date < from) {
      if (carry === null || date > carry.date || (date === carry.date && !newestFirst)) carry = { date, balance: t.balanceAfterMinor };
      continue;
    }
    if (!newestFirst || !lastOfDay.has(date)) lastOfDay.set(date, t.balanceAfterMinor);
  }

  const series: DailyBalance[] = [];
  let balance: bigint | null = carry?.balance ?? input.openingBalanceMinor ?? null;
  // Day by day as day numbers: one date string written per day, none parsed.
  for (let n = toDayNumber(from), last = toDayNumber(to); n <= last; n += 1) {
    const day = fromDayNumber(n);
    balance = lastOfDay.get(day) ?? balance;
    series.push({ date: day, balanceMinor: balance });
  }
  return series;
}
