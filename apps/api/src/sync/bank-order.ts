import type { Transaction as BankApiTransaction } from '@kinko/connector-sdk';
import { listedDateOf, ownListedDate, type CalendarDate } from '@kinko/domain';

/**
 * The domain's listed date ({@link listedDateOf}) of a fetched item: its own date, else
 * `seenOn` (the end of the window it came in). Without copying the item to add `seenOn` (a
 * spread per item cost more Node CPU than the page's whole reconcile).
 */
export const listedDayOf = (item: BankApiTransaction, seenOn: CalendarDate): CalendarDate => listedDateOf(ownListedDate(item) === null ? { seenOn } : item);

/** Which way a bank lists transactions: oldest first or newest first. */
export type ListDirection = 'oldestFirst' | 'newestFirst';

/** The order keys of one page (see {@link FetchOrder.page}). */
export interface PageOrder {
  /** One key per item of the page, in the page's order: greater is later within its day. */
  readonly keys: readonly number[];
  /**
   * The day whose rows written from earlier pages of this fetch must have their keys negated:
   * they were keyed before the fetch showed that the bank lists newest first.
   */
  readonly reverseDay?: string;
  /**
   * Whether a later page may still reverse this page's keys (the fetch has not shown which way
   * the bank lists, and it gives no sequence): the writer then stamps every row of the page
   * with the fetch's instant, by which that reversal finds them.
   */
  readonly reversible: boolean;
}

/**
 * The bank's order of one fetch's transactions within their day, as the `bank_order` key the
 * listing sorts by (date, then this key; greater is later). The bank's own sequence when the
 * connector gives one (`bankSequence`); otherwise the position among the day's transactions
 * in the order the bank listed them: 0, 1, 2… when it lists oldest first, 0, −1, −2… newest
 * first. Every fetch covers whole days, so a day re-fetched by a later, overlapping sync gets
 * the same keys for the same rows, and a row booked into it later is keyed after (oldest
 * first) or before (newest first) its neighbours, as the bank lists it.
 *
 * Which way the bank lists is read from the fetch itself: the first day that differs from
 * the first one listed says it; while the fetch has shown a single day only, a balance chain
 * between two neighbours (balance after + next amount = next balance after) says it; until
 * either does, oldest first is assumed, and the writer reverses the keys written so far when
 * the fetch later shows the opposite. One per fetch (a kind's window), fed its pages in order.
 */
export class FetchOrder {
  private direction: ListDirection | undefined;
  private firstDay: string | undefined;
  private readonly seenPerDay = new Map<string, number>();
  private sequenced = false;

  /** Keys for the next page of the fetch; `seenOn` is the day an item without a date of its own is listed under (its window's end). */
  page(items: readonly BankApiTransaction[], seenOn: CalendarDate): PageOrder {
    let reverseDay: string | undefined;
    const dayOf = (item: BankApiTransaction): string => listedDayOf(item, seenOn);
    if (this.direction === undefined && items.length > 0) {
      this.firstDay ??= dayOf(items[0] as BankApiTransaction);
      const learnt = directionOf(this.firstDay, items, dayOf);
      if (learnt !== undefined) {
        this.direction = learnt;
        if (learnt === 'newestFirst' && !this.sequenced && (this.seenPerDay.get(this.firstDay) ?? 0) > 0) reverseDay = this.firstDay;
      }
    }
    const sign = this.direction === 'newestFirst' ? -1 : 1;
    const keys = new Array<number>(items.length);
    for (let i = 0; i < items.length; i += 1) {
      const item = items[i] as BankApiTransaction;
      const day = dayOf(item);
      const k = this.seenPerDay.get(day) ?? 0;
      this.seenPerDay.set(day, k + 1);
      if (item.bankSequence !== undefined) this.sequenced = true;
      // 0 * -1 is -0: keep a plain 0.
      keys[i] = item.bankSequence ?? (k === 0 ? 0 : sign * k);
    }
    const reversible = this.direction === undefined && !this.sequenced;
    return reverseDay === undefined ? { keys, reversible } : { keys, reverseDay, reversible };
  }
}

/** The direction a page shows: a day other than the fetch's first, else a balance chain between same-day neighbours. */
function directionOf(firstDay: string, items: readonly BankApiTransaction[], dayOf: (item: BankApiTransaction) => string): ListDirection | undefined {
  for (const item of items) {
    const day = dayOf(item);
    if (day !== firstDay) return day > firstDay ? 'oldestFirst' : 'newestFirst';
  }
  for (let i = 1; i < items.length; i += 1) {
    const a = items[i - 1] as BankApiTransaction;
    const b = items[i] as BankApiTransaction;
    if (a.balanceAfterMinor === undefined || b.balanceAfterMinor === undefined) continue;
    const forward = a.balanceAfterMinor + b.amountMinor === b.balanceAfterMinor;
    const backward = b.balanceAfterMinor + a.amountMinor === a.balanceAfterMinor;
    if (forward !== backward) return forward ? 'oldestFirst' : 'newestFirst';
  }
  return undefined;
}
