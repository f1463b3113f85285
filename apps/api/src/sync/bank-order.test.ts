import { describe, expect, it } from '@jest/globals';
import type { Transaction } from '@kinko/connector-sdk';
import { listedDateOf, type CalendarDate, type CurrencyCode, type TransactionId } from '@kinko/domain';
import { FetchOrder } from './bank-order';

const JPY = 'JPY' as CurrencyCode;

/** A chronological history: `perDay` transactions on each of `days` days from 2026-03-01, each balance after chaining on the previous. */
function history(days: number, perDay: number): Transaction[] {
  const out: Transaction[] = [];
  let balance = 100_000n;
  for (let d = 0; d < days; d += 1) {
    const date = `2026-03-${String(d + 1).padStart(2, '0')}` as CalendarDate;
    for (let i = 0; i < perDay; i += 1) {
      const amount = BigInt(((d * 7 + i * 13) % 9) * 100 - 450) || 10n;
      balance += amount;
      out.push({ bankTransactionId: `t${d}-${i}` as TransactionId, kind: 'booked', transactionDate: date, amountMinor: amount, currency: JPY, description: 'x', balanceAfterMinor: balance });
    }
  }
  return out;
}

/** Feeds `listed` to a new FetchOrder in pages of `size`; the key of every id, and the reversals asked for. */
function keysOf(listed: readonly Transaction[], size: number): { keys: Map<string, number>; reversed: string[] } {
  const order = new FetchOrder();
  const keys = new Map<string, number>();
  const reversed: string[] = [];
  for (let at = 0; at < listed.length; at += size) {
    const page = listed.slice(at, at + size);
    const result = order.page(page, '2026-12-31' as CalendarDate);
    if (result.reverseDay !== undefined) {
      reversed.push(result.reverseDay);
      for (const t of listed.slice(0, at)) if (listedDateOf(t) === result.reverseDay) keys.set(t.bankTransactionId, -(keys.get(t.bankTransactionId) as number));
    }
    page.forEach((t, i) => keys.set(t.bankTransactionId, result.keys[i] as number));
  }
  return { keys, reversed };
}

/** The ids sorted as the listing sorts them, oldest first: date, then key. */
const listingOrder = (txs: readonly Transaction[], keys: Map<string, number>): string[] =>
  [...txs]
    .sort((a, b) => (listedDateOf(a) < listedDateOf(b) ? -1 : listedDateOf(a) > listedDateOf(b) ? 1 : (keys.get(a.bankTransactionId) as number) - (keys.get(b.bankTransactionId) as number)))
    .map((t) => t.bankTransactionId);

describe('FetchOrder: the bank order within a day', () => {
  const all = history(6, 5);
  const ids = all.map((t) => t.bankTransactionId);

  it('oldest first: the place among the day’s rows, across page boundaries', () => {
    const { keys, reversed } = keysOf(all, 7);
    expect(reversed).toEqual([]);
    expect(all.slice(0, 5).map((t) => keys.get(t.bankTransactionId))).toEqual([0, 1, 2, 3, 4]);
    expect(all.slice(5, 10).map((t) => keys.get(t.bankTransactionId))).toEqual([0, 1, 2, 3, 4]);
    expect(listingOrder([...all].reverse(), keys)).toEqual(ids);
  });

  it('newest first: keys fall along the list, so sorting by them restores the bank’s chronology', () => {
    const { keys, reversed } = keysOf([...all].reverse(), 3);
    expect(reversed).toEqual([]);
    expect(listingOrder(all, keys)).toEqual(ids);
  });

  it('a re-fetch of whole days (an overlapping incremental window) gives every row the same key, a row booked later lands after its day’s others', () => {
    const full = keysOf(all, 4).keys;
    const tail = all.filter((t) => listedDateOf(t) >= '2026-03-04');
    const again = keysOf(tail, 4).keys;
    for (const t of tail) expect(again.get(t.bankTransactionId)).toBe(full.get(t.bankTransactionId));
    const late: Transaction = { ...(tail[tail.length - 1] as Transaction), bankTransactionId: 'late' as TransactionId, transactionDate: '2026-03-05' as CalendarDate };
    const withLate = [...tail.filter((t) => listedDateOf(t) <= '2026-03-05'), late, ...tail.filter((t) => listedDateOf(t) > '2026-03-05')];
    const newest = keysOf([...withLate].reverse(), 4).keys;
    const oldest = keysOf(withLate, 4).keys;
    expect(listingOrder(tail, newest).filter((id) => id !== 'late')).toEqual(listingOrder(tail, full));
    for (const keys of [newest, oldest]) {
      const day = listingOrder(withLate, keys).filter((id) => withLate.find((t) => t.bankTransactionId === id)?.transactionDate === '2026-03-05');
      expect(day[day.length - 1]).toBe('late');
    }
  });

  it('newest first shown only after pages of one day (no balances to tell): the rows keyed before are reversed', () => {
    const newestFirst = [...all].reverse().map(({ balanceAfterMinor: _, ...t }) => t);
    const { keys, reversed } = keysOf(newestFirst, 2); // pages 1–2 hold the last day only
    expect(reversed).toEqual(['2026-03-06']);
    expect(listingOrder(all, keys)).toEqual(ids);
  });

  it('a fetch of one day only: the balance chain says which way the bank lists', () => {
    const day = all.filter((t) => listedDateOf(t) === '2026-03-03');
    expect(listingOrder(day, keysOf([...day].reverse(), 10).keys)).toEqual(day.map((t) => t.bankTransactionId));
    expect(listingOrder(day, keysOf(day, 10).keys)).toEqual(day.map((t) => t.bankTransactionId));
  });

  it('the bank’s own sequence, when the connector gives one, is the key', () => {
    const sequenced = all.map((t, i) => ({ ...t, bankSequence: 1_000_000_000_000 + i }));
    const { keys, reversed } = keysOf([...sequenced].reverse(), 2);
    expect(reversed).toEqual([]);
    expect(keys.get('t0-0')).toBe(1_000_000_000_000);
    expect(listingOrder(sequenced, keys)).toEqual(ids);
  });
});
