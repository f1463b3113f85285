/**
 * Properties of the on-demand ledger: however a window is paged, the pages put together
 * are the window's listing; summaries agree with listings; balances chain.
 */
import fc from 'fast-check';
import { dayNumber, fromDayNumber } from '../src/calendar';
import { AccountLedger, isPayday } from '../src/generator/ledger';
import { corporateAccount, creditCardAccount, personalAccount, timeDepositAccount } from '../src/generator/japanese';
import type { LedgerProfile } from '../src/generator/profile';

const ANCHOR = dayNumber('2020-06-01');
const profiles: readonly LedgerProfile[] = [personalAccount, corporateAccount, timeDepositAccount, creditCardAccount];

const ledgerArb = fc.record({
  profile: fc.constantFrom(...profiles),
  transactions: fc.integer({ min: 0, max: 3_000 }),
  historyDays: fc.integer({ min: 1, max: 400 }),
  opening: fc.integer({ min: 0, max: 5_000_000 }),
  seed: fc.string({ maxLength: 8 }),
});

function ledgerOf(p: { profile: LedgerProfile; transactions: number; historyDays: number; opening: number; seed: string }): AccountLedger {
  const card = p.profile === creditCardAccount;
  return new AccountLedger({
    seed: p.seed,
    accountId: 'ACC',
    profile: p.profile,
    firstDay: ANCHOR - p.historyDays,
    historyDays: p.historyDays,
    transactions: p.transactions,
    openingBalance: card ? 0 : p.opening,
    targetBalance: card ? -80_000 : Math.max(p.opening, 100_000),
    ongoing: true,
  });
}

describe('AccountLedger', () => {
  it('lists exactly the configured number of transactions before the anchor date, oldest first, balances chained', () => {
    fc.assert(
      fc.property(ledgerArb, (p) => {
        const ledger = ledgerOf(p);
        const plan = ledger.plan(ANCHOR - 10_000, ANCHOR, ANCHOR);
        expect(plan.total).toBe(p.transactions);
        const all = ledger.slice(plan, 0, plan.total);
        const s = ledger.summary(plan);
        // Plain loops, one assertion: per-item expect() would dominate the run time.
        let balance = s.balanceBefore;
        const broken: string[] = [];
        let previous = '';
        for (const e of all) {
          if (e.balance !== balance + e.amount) broken.push(`${e.id}: balance`);
          const key = e.date + String(e.secondsOfDay).padStart(5, '0');
          if (key < previous) broken.push(`${e.id}: order`);
          if (p.profile === creditCardAccount ? e.balance > 0 : e.balance < 0) broken.push(`${e.id}: sign`);
          previous = key;
          balance = e.balance;
        }
        expect(broken).toEqual([]);
        expect(balance).toBe(s.balanceAfter);
      }),
      { numRuns: 40 },
    );
  });

  it('gives the same window listing whatever the page size, and summaries that match the listing', () => {
    fc.assert(
      fc.property(ledgerArb, fc.integer({ min: 1, max: 97 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 300 }), (p, size, back, len) => {
        const ledger = ledgerOf(p);
        const from = ANCHOR - back;
        const plan = ledger.plan(from, from + len, ANCHOR);
        const whole = ledger.slice(plan, 0, plan.total);
        const paged = [];
        for (let lo = 0; lo < plan.total; lo += size) paged.push(...ledger.slice(plan, lo, lo + size));
        expect(paged).toEqual(whole);
        expect(new Set(whole.map((e) => e.id)).size).toBe(whole.length);
        expect(whole.filter((e) => e.date < fromDayNumber(from) || e.date > fromDayNumber(from + len))).toEqual([]);
        const s = ledger.summary(plan);
        expect(s.count).toBe(whole.length);
        expect(s.inflow).toBe(whole.filter((e) => e.amount > 0).reduce((n, e) => n + e.amount, 0));
        expect(s.outflow).toBe(whole.filter((e) => e.amount < 0).reduce((n, e) => n + e.amount, 0));
        expect(s.balanceAfter - s.balanceBefore).toBe(s.inflow + s.outflow);
        const days = ledger.dailyBalances(plan, 0, plan.days);
        expect(days).toHaveLength(plan.days);
        if (days.length > 0) expect(days[days.length - 1]?.balance).toBe(s.balanceAfter);
      }),
      { numRuns: 60 },
    );
  });

  it('regenerates identical data from a fresh ledger (nothing depends on what was read before)', () => {
    fc.assert(
      fc.property(ledgerArb, fc.integer({ min: 0, max: 300 }), (p, back) => {
        const a = ledgerOf(p);
        const b = ledgerOf(p);
        a.slice(a.plan(ANCHOR - 400, ANCHOR, ANCHOR), 0, 50); // reading elsewhere first changes nothing
        const planA = a.plan(ANCHOR - back, ANCHOR, ANCHOR);
        const planB = b.plan(ANCHOR - back, ANCHOR, ANCHOR);
        expect(a.slice(planA, 0, 100)).toEqual(b.slice(planB, 0, 100));
      }),
      { numRuns: 30 },
    );
  });

  it('keeps its index to a few numbers per day, however many transactions there are', () => {
    const small = ledgerOf({ profile: corporateAccount, transactions: 10, historyDays: 1460, opening: 1e7, seed: 's' });
    const large = ledgerOf({ profile: corporateAccount, transactions: 2_000_000, historyDays: 1460, opening: 1e7, seed: 's' });
    const planSmall = small.plan(ANCHOR - 1460, ANCHOR, ANCHOR);
    const planLarge = large.plan(ANCHOR - 1460, ANCHOR, ANCHOR);
    expect(planLarge.total).toBe(2_000_000);
    expect(large.indexBytes()).toBe(small.indexBytes());
    expect(large.indexBytes()).toBeLessThan(200_000);
    expect(large.workDone().walked).toBe(0);
    large.slice(planLarge, 1_234_567, 1_234_767);
    expect(large.workDone().walked).toBeLessThan(200 + 3 * (2_000_000 / 1460) * 2);
    expect(planSmall.total).toBe(10);
  });

  it('books salary on the 25th, or the Friday before when the 25th is a weekend', () => {
    expect(isPayday(dayNumber('2020-05-25'))).toBe(true); // Monday
    expect(isPayday(dayNumber('2020-04-24'))).toBe(true); // Friday; the 25th is a Saturday
    expect(isPayday(dayNumber('2020-04-25'))).toBe(false);
    expect(isPayday(dayNumber('2019-08-23'))).toBe(true); // Friday; the 25th is a Sunday
    expect(isPayday(dayNumber('2020-05-24'))).toBe(false);
  });

  it('refuses inserted transactions in the future or before the history', () => {
    const l = ledgerOf({ profile: personalAccount, transactions: 10, historyDays: 30, opening: 100_000, seed: 'x' });
    expect(() => l.insert({ date: '2020-06-02', secondsOfDay: 0, amount: 1, description: 'x' }, ANCHOR)).toThrow(/future/);
    expect(() => l.insert({ date: '2020-01-01', secondsOfDay: 0, amount: 1, description: 'x' }, ANCHOR)).toThrow(/before/);
    expect(() => l.insert({ date: '2020-06-01', secondsOfDay: 0, amount: 0, description: 'x' }, ANCHOR)).toThrow(/non-zero/);
  });
});
