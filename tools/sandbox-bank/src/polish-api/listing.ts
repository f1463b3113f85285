/**
 * Listing one account's items of one kind under the spec's filters, a page at a time.
 *
 * Done items come from the ledger, which pages without walking the history: the request's
 * dates become a window of booking days (trade dates precede bookings by at most the
 * account's booking lag), and a page scans that window from a cursor. The other kinds are
 * short in-memory lists. Filter semantics (all bounds inclusive):
 *
 * - `transactionDateFrom/To` bound the operation date (`tradeDate`) of every kind;
 * - `bookingDateFrom/To` bound the booking date of items that have one (done items); items
 *   without a booking date are not excluded by them, and holds ignore them as the spec says;
 * - `minAmount/maxAmount` bound the (unsigned) amount, `type` picks CREDIT or DEBIT;
 * - `itemIdFrom` starts the list, in its order, at that item (inclusive).
 */
import { dayNumber, type IsoDate } from '../calendar';
import type { ItemKind, ItemRecord } from './activity';
import type { PolishAccount } from './model';

/** The filters of one list request, already validated. */
export interface ItemQuery {
  readonly kind: ItemKind;
  readonly tradeFrom?: IsoDate;
  readonly tradeTo?: IsoDate;
  readonly bookingFrom?: IsoDate;
  readonly bookingTo?: IsoDate;
  /** Smallest unsigned amount, minor units. */
  readonly minAmount?: number;
  /** Largest unsigned amount, minor units. */
  readonly maxAmount?: number;
  readonly type?: 'CREDIT' | 'DEBIT';
  readonly itemIdFrom?: string;
}

/** Where a page starts. */
export interface ListCursor {
  /** Items of the underlying list already passed (done: ledger positions; others: filtered positions). */
  readonly offset: number;
  /** Whether `itemIdFrom` has been met on an earlier page. */
  readonly itemIdFromSeen: boolean;
}

/** The first page's cursor. */
export const FIRST_CURSOR: ListCursor = { offset: 0, itemIdFromSeen: false };

/** One page of items. */
export interface ItemPage {
  readonly items: readonly ItemRecord[];
  /** The next page's cursor, or null on the last page. */
  readonly next: ListCursor | null;
  /** Ledger transactions generated to answer (proves a page does not walk the history). */
  readonly generated: number;
}

/** The order of every list. */
export type ListOrder = 'newest-first' | 'oldest-first';

/** One page of `account`'s items matching `query`, starting at `cursor`. `today` is a day number. */
export function listItems(account: PolishAccount, query: ItemQuery, cursor: ListCursor, perPage: number, order: ListOrder, today: number): ItemPage {
  if (query.kind === 'done') return listDone(account, query, cursor, perPage, order, today);
  const activity = account.activity;
  const all =
    query.kind === 'pending'
      ? activity.pendingItems()
      : query.kind === 'hold'
        ? activity.holdItems()
        : query.kind === 'scheduled'
          ? activity.scheduledItems(today)
          : query.kind === 'rejected'
            ? activity.rejectedList()
            : activity.cancelledList();
  let list = all.filter((r) => matches(r, query)).sort(compareChronologically);
  if (order === 'newest-first') list.reverse();
  if (query.itemIdFrom !== undefined) {
    const at = list.findIndex((r) => r.itemId === query.itemIdFrom);
    list = at < 0 ? [] : list.slice(at);
  }
  const items = list.slice(cursor.offset, cursor.offset + perPage);
  const end = cursor.offset + items.length;
  return { items, next: end < list.length ? { offset: end, itemIdFromSeen: true } : null, generated: 0 };
}

/** Whether an item passes the filters (the done list also checks the trade date here, as its window is by booking day). */
export function matches(r: ItemRecord, q: ItemQuery): boolean {
  if (q.tradeFrom !== undefined && r.tradeDate < q.tradeFrom) return false;
  if (q.tradeTo !== undefined && r.tradeDate > q.tradeTo) return false;
  if (r.kind !== 'hold' && r.bookingDate !== undefined) {
    if (q.bookingFrom !== undefined && r.bookingDate < q.bookingFrom) return false;
    if (q.bookingTo !== undefined && r.bookingDate > q.bookingTo) return false;
  }
  const abs = Math.abs(r.amount);
  if (q.minAmount !== undefined && abs < q.minAmount) return false;
  if (q.maxAmount !== undefined && abs > q.maxAmount) return false;
  if (q.type === 'CREDIT' && r.amount < 0) return false;
  if (q.type === 'DEBIT' && r.amount > 0) return false;
  return true;
}

function compareChronologically(a: ItemRecord, b: ItemRecord): number {
  return a.tradeDate < b.tradeDate ? -1 : a.tradeDate > b.tradeDate ? 1 : a.tradeSeconds - b.tradeSeconds || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0);
}

const CHUNK = 128;

function listDone(account: PolishAccount, query: ItemQuery, cursor: ListCursor, perPage: number, order: ListOrder, today: number): ItemPage {
  const ledger = account.ledger;
  const lag = account.activity.maxTradeLag;
  const from = Math.max(dayOf(query.tradeFrom) ?? -Infinity, dayOf(query.bookingFrom) ?? -Infinity, dayNumber(ledger.firstDate()));
  const tradeTo = dayOf(query.tradeTo);
  const to = Math.min(tradeTo === undefined ? Infinity : tradeTo + lag, dayOf(query.bookingTo) ?? Infinity, today);
  const before = ledger.workDone().walked;
  if (from > to) return { items: [], next: null, generated: 0 };
  const plan = ledger.plan(from, to, today);
  const total = plan.total;
  const items: ItemRecord[] = [];
  let offset = cursor.offset;
  let seen = cursor.itemIdFromSeen || query.itemIdFrom === undefined;
  while (items.length < perPage && offset < total) {
    const size = Math.min(CHUNK, Math.max(perPage - items.length, 16));
    const entries =
      order === 'oldest-first' ? ledger.slice(plan, offset, Math.min(total, offset + size)) : ledger.slice(plan, Math.max(0, total - offset - size), total - offset).reverse();
    for (const entry of entries) {
      offset++;
      const record = account.activity.doneRecord(entry);
      if (!seen) {
        if (record.itemId !== query.itemIdFrom) continue;
        seen = true;
      }
      if (!matches(record, query)) continue;
      items.push(record);
      if (items.length === perPage) break;
    }
  }
  return { items, next: offset < total ? { offset, itemIdFromSeen: seen } : null, generated: ledger.workDone().walked - before };
}

function dayOf(date: IsoDate | undefined): number | undefined {
  return date === undefined ? undefined : dayNumber(date);
}

/** Every item of a kind matching the query, without paging (for the truth API and tests). */
export function listAll(account: PolishAccount, query: ItemQuery, order: ListOrder, today: number): ItemRecord[] {
  const out: ItemRecord[] = [];
  let cursor: ListCursor | null = FIRST_CURSOR;
  while (cursor) {
    const page = listItems(account, query, cursor, 1_000, order, today);
    out.push(...page.items);
    cursor = page.next;
  }
  return out;
}
