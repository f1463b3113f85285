/**
 * The bank's own order (`bankSequence`): the booking instant of a done item (its rank among
 * items booked at the same instant breaking ties, in the list's chronological direction), so
 * that the app can list a day's transactions as the bank booked them.
 */
import { addDays, dateInZone, type TransactionKind } from '@kinko/domain';
import type { Transaction } from '@kinko/connector-sdk';
import { polishApi } from '../src';
import { instantOf, itemSequencer } from '../src/mapping';
import type { ItemInfo } from '../src/wire';
import { logIn, startPolishSandbox, type PolishSandbox } from './polish-sandbox';

const item = (itemId: string, bookingDate: string): ItemInfo => ({ itemId, amount: '1.00', tradeDate: bookingDate, bookingDate });
const sequences = (items: readonly ItemInfo[], kind: TransactionKind = 'booked'): Array<number | undefined> => {
  const sequenceOf = itemSequencer();
  return items.map((i) => sequenceOf(i, kind));
};

describe('itemSequencer', () => {
  it('reads instants with and without an offset, and none from a plain date', () => {
    expect(instantOf('2026-03-01T10:00:00+01:00')).toBe(Date.UTC(2026, 2, 1, 9));
    expect(instantOf('2026-03-01T10:00:00.250Z')).toBe(Date.UTC(2026, 2, 1, 10, 0, 0, 250));
    expect(instantOf('2026-03-01T10:00:00')).toBe(Date.UTC(2026, 2, 1, 10));
    expect(instantOf('2026-03-01')).toBeUndefined();
  });

  it('newest first (the default): later bookings get greater sequences, same-instant ones in the list reversed', () => {
    const listed = [item('c', '2026-03-01T12:00:00Z'), item('b2', '2026-03-01T10:00:00Z'), item('b1', '2026-03-01T10:00:00Z'), item('a', '2026-03-01T08:00:00Z')];
    const got = sequences(listed) as number[];
    // Chronological = ascending sequence: a, b1, b2, c.
    expect([...listed.keys()].sort((x, y) => (got[x] as number) - (got[y] as number)).map((i) => listed[i]?.itemId)).toEqual(['a', 'b1', 'b2', 'c']);
  });

  it('oldest first, as the instants show: same-instant ones keep the list order', () => {
    const listed = [item('a', '2026-03-01T08:00:00Z'), item('b1', '2026-03-01T10:00:00Z'), item('b2', '2026-03-01T10:00:00Z'), item('c', '2026-03-01T12:00:00Z')];
    const got = sequences(listed) as number[];
    expect(got[1]).toBeLessThan(got[2] as number);
    expect(got[0]).toBeLessThan(got[1] as number);
  });

  it('the same item gets the same sequence in another fetch (absolute instants); none without a time of day', () => {
    expect(sequences([item('x', '2026-03-02T09:30:00+01:00')])).toEqual(sequences([item('y', '2026-03-03T09:00:00Z'), item('x', '2026-03-02T09:30:00+01:00')]).slice(1));
    expect(sequences([item('d', '2026-03-01')])).toEqual([undefined]);
  });
});

describe('bankSequence from the PolishAPI sandbox', () => {
  let s: PolishSandbox;
  beforeAll(async () => {
    s = await startPolishSandbox({ type: 'basic' });
  });
  afterAll(() => s.close());

  it('every booked item has one, and in its order the balances after chain (the bank’s booking order)', async () => {
    const { client, grant } = await logIn(s, polishApi);
    const today = dateInZone(new Date(), 'Europe/Warsaw');
    const got: Transaction[] = [];
    for await (const page of client.transactions(grant, { bankAccountId: s.mainAccount, kind: 'booked', window: { from: addDays(today, -199), to: today } })) {
      if (!page.ok) throw new Error(`${page.error._tag}: ${page.error.message}`);
      got.push(...page.value.items);
    }
    expect(got.length).toBeGreaterThan(50);
    for (const t of got) expect(t.bankSequence).toBeDefined();
    const chronological = [...got].sort((a, b) => (a.bankSequence as number) - (b.bankSequence as number));
    for (let i = 1; i < chronological.length; i += 1) {
      const before = chronological[i - 1] as Transaction;
      const t = chronological[i] as Transaction;
      expect([t.bankTransactionId, (before.balanceAfterMinor as bigint) + t.amountMinor]).toEqual([t.bankTransactionId, t.balanceAfterMinor]);
    }
    await client.close();
  });
});
