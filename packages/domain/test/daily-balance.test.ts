import fc from 'fast-check';
import {
  addDays,
  calendarDate,
  dailyBalances,
  listedDateOf,
  daysBetween,
  type BankTransaction,
  type CalendarDate,
  type CurrencyCode,
  type TransactionId,
  type TransactionKind,
} from '../src';

const JPY = 'JPY' as CurrencyCode;
const d = calendarDate;

const booked = (id: string, date: string, balanceAfterMinor: bigint | null, over: Partial<BankTransaction> = {}): BankTransaction => ({
  bankTransactionId: id as TransactionId,
  kind: 'booked',
  transactionDate: d(date),
  bookingDate: d(date),
  amountMinor: -100n,
  currency: JPY,
  description: id,
  balanceAfterMinor,
  ...over,
});

const series = (rows: ReturnType<typeof dailyBalances>) => rows.map((r) => [r.date, r.balanceMinor]);

describe('daily balances', () => {
  it("each day ends with its last transaction's balance; quiet days carry the previous day's", () => {
    const transactions = [
      booked('a', '2020-06-02', 1000n),
      booked('b', '2020-06-02', 900n),
      booked('c', '2020-06-04', 1500n),
    ];
    expect(series(dailyBalances({ transactions, from: d('2020-06-01'), to: d('2020-06-05') }))).toEqual([
      ['2020-06-01', null],
      ['2020-06-02', 900n],
      ['2020-06-03', 900n],
      ['2020-06-04', 1500n],
      ['2020-06-05', 1500n],
    ]);
  });

  it('orders by date first, then by the bank order (oldest or newest first)', () => {
    const shuffled = [booked('late', '2020-06-03', 300n), booked('early-1', '2020-06-02', 100n), booked('early-2', '2020-06-02', 200n)];
    expect(series(dailyBalances({ transactions: shuffled, from: d('2020-06-02'), to: d('2020-06-03') }))).toEqual([
      ['2020-06-02', 200n],
      ['2020-06-03', 300n],
    ]);
    const newestFirst = [booked('x2', '2020-06-02', 200n), booked('x1', '2020-06-02', 100n)];
    expect(series(dailyBalances({ transactions: newestFirst, from: d('2020-06-02'), to: d('2020-06-02'), bankOrder: 'newestFirst' }))).toEqual([
      ['2020-06-02', 200n],
    ]);
  });

  it('transactions before the range set the starting balance; otherwise the opening balance, else unknown', () => {
    const before = [booked('old-1', '2020-05-20', 70n), booked('old-2', '2020-05-20', 75n), booked('old-0', '2020-05-10', 50n)];
    expect(series(dailyBalances({ transactions: before, from: d('2020-06-01'), to: d('2020-06-01'), openingBalanceMinor: 1n }))).toEqual([['2020-06-01', 75n]]);
    const newestFirst = [booked('n2', '2020-05-20', 80n), booked('n1', '2020-05-20', 60n)];
    expect(series(dailyBalances({ transactions: newestFirst, from: d('2020-06-01'), to: d('2020-06-01'), bankOrder: 'newestFirst' }))).toEqual([['2020-06-01', 80n]]);
    expect(series(dailyBalances({ transactions: [], from: d('2020-06-01'), to: d('2020-06-02'), openingBalanceMinor: 0n }))).toEqual([
      ['2020-06-01', 0n],
      ['2020-06-02', 0n],
    ]);
  });

  it('ignores pending-like kinds and transactions without a balance', () => {
    const transactions = [
      booked('a', '2020-06-01', 500n),
      booked('p', '2020-06-02', 999n, { kind: 'pending' }),
      booked('h', '2020-06-02', 998n, { kind: 'hold' }),
      booked('nb', '2020-06-02', null),
    ];
    expect(series(dailyBalances({ transactions, from: d('2020-06-01'), to: d('2020-06-02') }))).toEqual([
      ['2020-06-01', 500n],
      ['2020-06-02', 500n],
    ]);
  });

  it('places a transaction by its booking date by default, by transaction date on request', () => {
    const t = [booked('a', '2020-06-01', 10n, { transactionDate: d('2020-06-01'), bookingDate: d('2020-06-03') })];
    expect(series(dailyBalances({ transactions: t, from: d('2020-06-01'), to: d('2020-06-03') }))).toEqual([
      ['2020-06-01', null],
      ['2020-06-02', null],
      ['2020-06-03', 10n],
    ]);
    expect(series(dailyBalances({ transactions: t, from: d('2020-06-01'), to: d('2020-06-01'), dateField: 'transactionDate' }))).toEqual([['2020-06-01', 10n]]);
    const noBookingDate = [booked('b', '2020-06-02', 20n, { bookingDate: null })];
    expect(series(dailyBalances({ transactions: noBookingDate, from: d('2020-06-02'), to: d('2020-06-02') }))).toEqual([['2020-06-02', 20n]]);
  });

  it('is empty when the range is reversed, one day when it is a single day', () => {
    expect(dailyBalances({ transactions: [], from: d('2020-06-02'), to: d('2020-06-01') })).toEqual([]);
    expect(dailyBalances({ transactions: [], from: d('2020-06-02'), to: d('2020-06-02') })).toHaveLength(1);
  });

  it('property: one entry per day of the inclusive range, each the balance after the latest booked transaction up to that day', () => {
    const base = d('2020-01-01');
    const rowArb = fc.record({
      day: fc.integer({ min: 0, max: 40 }),
      balance: fc.option(fc.bigInt({ min: -10_000n, max: 10_000n }), { freq: 5 }),
      kind: fc.constantFrom<TransactionKind>('booked', 'booked', 'booked', 'pending'),
    });
    fc.assert(
      fc.property(
        fc.array(rowArb, { maxLength: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 30 }),
        fc.option(fc.bigInt({ min: 0n, max: 100n })),
        fc.boolean(),
        (rows, fromDay, length, opening, newestFirst) => {
          const transactions = rows.map((r, i) => booked(`t${i}`, addDays(base, r.day), r.balance, { kind: r.kind }));
          const from = addDays(base, fromDay);
          const to = addDays(from, length);
          const result = dailyBalances({ transactions, from, to, openingBalanceMinor: opening, bankOrder: newestFirst ? 'newestFirst' : 'oldestFirst' });
          expect(result).toHaveLength(length + 1);
          // Oracle: sort by (date, bank position) and take the last one on or before each day.
          const ordered = transactions
            .map((t, i) => ({ t, pos: newestFirst ? -i : i }))
            .filter(({ t }) => t.kind === 'booked' && t.balanceAfterMinor !== null)
            .sort((a, b) => (listedDateOf(a.t) < listedDateOf(b.t) ? -1 : listedDateOf(a.t) > listedDateOf(b.t) ? 1 : a.pos - b.pos));
          const expected = result.map((_, i) => {
            const day: CalendarDate = addDays(from, i);
            const upTo = ordered.filter(({ t }) => listedDateOf(t) <= day);
            return { date: day, balanceMinor: upTo.length > 0 ? (upTo[upTo.length - 1]?.t.balanceAfterMinor ?? null) : (opening ?? null) };
          });
          expect(result).toEqual(expected);
          expect(daysBetween(from, result[result.length - 1]?.date ?? from)).toBe(length);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
