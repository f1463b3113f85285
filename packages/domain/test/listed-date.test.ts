import {
  calendarDate,
  dailyBalances,
  listedDateOf,
  missingDateProblem,
  reconcile,
  sameTransaction,
  type BankTransaction,
  type CurrencyCode,
  type ReconciliationWindow,
  type TransactionId,
} from '../src';

const EUR = 'EUR' as CurrencyCode;
const d = calendarDate;

const tx = (id: string, over: Partial<BankTransaction>): BankTransaction => ({
  bankTransactionId: id as TransactionId,
  kind: 'booked',
  amountMinor: -2_499n,
  currency: EUR,
  description: 'Kartenzahlung Online-Shop',
  ...over,
});

describe('listedDateOf: the one date a transaction is listed under', () => {
  it('is the transaction date, else the booking date, else the value date, else the day it was seen on', () => {
    const all = { transactionDate: d('2026-03-01'), bookingDate: d('2026-03-02'), valueDate: d('2026-03-03'), seenOn: d('2026-03-04') };
    expect(listedDateOf(all)).toBe('2026-03-01');
    expect(listedDateOf({ ...all, transactionDate: null })).toBe('2026-03-02');
    expect(listedDateOf({ valueDate: all.valueDate, seenOn: all.seenOn })).toBe('2026-03-03');
    expect(listedDateOf({ seenOn: all.seenOn })).toBe('2026-03-04');
  });

  it('throws for a transaction with no date at all', () => {
    expect(() => listedDateOf({ transactionDate: null })).toThrow(RangeError);
  });
});

describe('missingDateProblem: the date a kind is filtered on must be carried', () => {
  it('requires a transaction date when the kind is filtered on it', () => {
    expect(missingDateProblem({ bookingDate: d('2026-03-02') }, 'transactionDate')).toMatch(/no transactionDate/);
    expect(missingDateProblem({ transactionDate: d('2026-03-02') }, 'transactionDate')).toBeUndefined();
  });

  it('allows a missing transaction date when the kind is filtered on a date the item carries', () => {
    expect(missingDateProblem({ bookingDate: d('2026-03-02') }, 'bookingDate')).toBeUndefined();
    expect(missingDateProblem({ transactionDate: d('2026-03-02') }, 'bookingDate')).toMatch(/no bookingDate/);
    expect(missingDateProblem({ valueDate: d('2026-03-02') }, 'valueDate')).toBeUndefined();
    expect(missingDateProblem({}, 'valueDate')).toMatch(/no valueDate/);
  });

  it('allows no date at all when the bank filters on an entry date it does not report', () => {
    expect(missingDateProblem({}, 'entryDate')).toBeUndefined();
  });
});

describe('reconciliation of transactions without a transaction date', () => {
  const pendingWindow: ReconciliationWindow = { kind: 'pending', from: d('2026-02-01'), to: d('2026-03-10'), dateField: 'entryDate' };
  const bookedWindow: ReconciliationWindow = { kind: 'booked', from: d('2026-02-01'), to: d('2026-03-10'), dateField: 'bookingDate' };

  it('links a dateless pending row to its booked version by amount, listed date and description', () => {
    const pending = tx('pending:p-1', { kind: 'pending', seenOn: d('2026-03-08') });
    const booked = tx('booked:b-1', { bookingDate: d('2026-03-09'), valueDate: d('2026-03-08') });
    const result = reconcile({ stored: [pending], windows: [pendingWindow, bookedWindow], fetch: { complete: true, items: [booked] } });
    expect(result.links).toEqual([
      { pendingId: 'pending:p-1', bookedId: 'booked:b-1', evidence: { method: 'amountDateDescription', dateDifferenceDays: 1, amountDifferenceMinor: 0n, description: 'same', candidates: 1 } },
    ]);
    expect(result.deletions).toEqual(['pending:p-1']);
  });

  it('deletes a vanished entry-date row seen inside the window and keeps one seen before it', () => {
    const inside = tx('pending:in', { kind: 'pending', seenOn: d('2026-02-01'), amountMinor: -1n, description: 'a' });
    const before = tx('pending:out', { kind: 'pending', seenOn: d('2026-01-31'), amountMinor: -2n, description: 'b' });
    const result = reconcile({ stored: [inside, before], windows: [pendingWindow], fetch: { complete: true, items: [] } });
    expect(result.deletions).toEqual(['pending:in']);
  });

  it('deletes a vanished entry-date row whose expected value date lies after the window (its entry is no later than today)', () => {
    const future = tx('pending:future', { kind: 'pending', valueDate: d('2026-03-20') });
    const result = reconcile({ stored: [future], windows: [pendingWindow], fetch: { complete: true, items: [] } });
    expect(result.deletions).toEqual(['pending:future']);
  });

  it('sees no change when only the day seen on differs (it is the app\'s, not the bank\'s)', () => {
    const a = tx('pending:p', { kind: 'pending', seenOn: d('2026-03-08') });
    expect(sameTransaction(a, { ...a, seenOn: d('2026-03-09') })).toBe(true);
    expect(sameTransaction(a, { ...a, valueDate: d('2026-03-09') })).toBe(false);
    const dated = tx('booked:x', { transactionDate: d('2026-03-08') });
    expect(sameTransaction(dated, { ...dated, transactionDate: null })).toBe(false);
  });
});

describe('daily balances of transactions without a transaction date', () => {
  it('places a booked transaction without a transaction date on its booking date', () => {
    const rows = [
      tx('b1', { bookingDate: d('2026-03-02'), balanceAfterMinor: 1_000n }),
      tx('b2', { bookingDate: d('2026-03-04'), valueDate: d('2026-03-03'), balanceAfterMinor: 700n }),
    ];
    const series = dailyBalances({ transactions: rows, from: d('2026-03-02'), to: d('2026-03-04') }).map((r) => [r.date, r.balanceMinor]);
    expect(series).toEqual([
      ['2026-03-02', 1_000n],
      ['2026-03-03', 1_000n],
      ['2026-03-04', 700n],
    ]);
    const byListed = dailyBalances({ transactions: rows, from: d('2026-03-02'), to: d('2026-03-04'), dateField: 'valueDate' }).map((r) => [r.date, r.balanceMinor]);
    expect(byListed).toEqual([
      ['2026-03-02', 1_000n],
      ['2026-03-03', 700n],
      ['2026-03-04', 700n],
    ]);
  });
});
