import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CalendarDate } from '@kinko/domain';
import { Client } from 'pg';
import { FetchOrder } from '../../src/sync/bank-order';
import { type AccountKey, BANK_BALANCES_SQL, DERIVED_BALANCES_SQL, bankBalancesStatement, deriveAccountsDailyBalances, deriveDailyBalances, writeBankBalances, writeTransactionPage } from '../../src/sync/transaction-writer';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { rowsRead, seedAccounts, tx, window } from '../support/writer-world';

// Issue 19 (costs flat as the history grows): every sync derives the daily balances of the
// days it fetched from the stored booked rows carrying the bank's balance after them — the last
// one before the range and each day's last one within it. Those reads must not grow with the
// stored history, whether the bank reports a balance after each transaction or none (the bench's
// bank: before, the backward walk visited the whole booked history to find nothing, and with
// balances read and sorted every row before the range: its ORDER BY named the text alias).

const DAY_MS = 86_400_000;
const dayOf = (ms: number): CalendarDate => new Date(ms).toISOString().slice(0, 10) as CalendarDate;
const LAST = Date.parse('2026-03-01T00:00:00Z');
/** The balance after the history's row `j` (0 = the oldest), when the bank reports one. */
const balanceAfter = (j: number): bigint => BigInt(50_000 + 7 * j);

describe('daily balances: a few rows read, whatever the history', () => {
  let db: TestDatabase;
  let accounts: Record<'small' | 'large' | 'smallBare' | 'largeBare', AccountKey>;

  /** `size` booked rows, one a day up to 2026-03-01, with the balance after each or without. */
  async function history(key: AccountKey, size: number, withBalance: boolean): Promise<void> {
    const start = LAST - (size - 1) * DAY_MS;
    for (let i = 0; i < size; i += 1_000) {
      const page = Array.from({ length: Math.min(1_000, size - i) }, (_, k) =>
        tx(`h-${i + k}`, 'booked', dayOf(start + (i + k) * DAY_MS), -7, undefined, withBalance ? { balanceAfterMinor: balanceAfter(i + k) } : {}),
      );
      await db.dataSource.transaction((m) => writeTransactionPage(m, key, window('booked', dayOf(start), '2026-03-01'), page, { stamp: new Date(), order: new FetchOrder() }));
    }
  }

  /**
   * Derives 2026-02-27..2026-03-04 (the last three days of the history and three after it): the
   * days derived, the stored series, the rows of `transactions` read and the statements that read them.
   */
  async function derive(key: AccountKey): Promise<{ days: number; series: Array<{ date: string; balance: string }>; read: number; reads: number }> {
    const original = Client.prototype.query;
    let reads = 0;
    const { days, read } = await db.dataSource.transaction(async (m) => {
      const before = await rowsRead(m);
      (Client.prototype as unknown as { query: unknown }).query = function (this: Client, ...args: unknown[]): unknown {
        const q = args[0] as string | { text?: string } | undefined;
        if (/^\(?SELECT .* FROM transactions /s.test(typeof q === 'string' ? q : (q?.text ?? ''))) reads += 1;
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      };
      try {
        const days = await deriveDailyBalances(m, key, { from: '2026-02-27' as CalendarDate, to: '2026-03-04' as CalendarDate }, 'JPY');
        return { days, read: (await rowsRead(m)) - before };
      } finally {
        (Client.prototype as unknown as { query: unknown }).query = original;
      }
    });
    const series = (await db.dataSource.query(`SELECT date::text AS date, balance_minor::text AS balance FROM daily_balances WHERE account_id = $1 ORDER BY date`, [key.accountId])) as Array<{
      date: string;
      balance: string;
    }>;
    return { days, series, read, reads };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const [small, large, smallBare, largeBare] = (await seedAccounts(db, 'daily balance work', ['small', 'large', 'small-bare', 'large-bare'])) as AccountKey[];
    accounts = { small: small as AccountKey, large: large as AccountKey, smallBare: smallBare as AccountKey, largeBare: largeBare as AccountKey };
    await history(accounts.small, 100, true);
    await history(accounts.large, 5_000, true);
    await history(accounts.smallBare, 100, false);
    await history(accounts.largeBare, 5_000, false);
    await db.dataSource.query('ANALYZE transactions');
  }, 120_000);
  afterAll(() => db?.drop());

  it('derives each day from the last balance on or before it, reading as few rows with 5,000 stored as with 100', async () => {
    for (const [key, size] of [
      [accounts.small, 100],
      [accounts.large, 5_000],
    ] as const) {
      const last = size - 1;
      const { days, series, read, reads } = await derive(key);
      expect(days).toBe(6);
      // The last three rows' balances, then the last one carried over the days without rows.
      const b = (j: number): string => balanceAfter(j).toString();
      expect(series).toEqual([
        { date: '2026-02-27', balance: b(last - 2) },
        { date: '2026-02-28', balance: b(last - 1) },
        { date: '2026-03-01', balance: b(last) },
        { date: '2026-03-02', balance: b(last) },
        { date: '2026-03-03', balance: b(last) },
        { date: '2026-03-04', balance: b(last) },
      ]);
      // The range's three rows and the one before it.
      expect(read).toBeLessThanOrEqual(4);
      // …read by one statement (issue 19, STMT: two before, one round trip per account and session).
      expect(reads).toBe(1);
    }
  });

  // Issue 19 (SQL): a session's intelligence stage derives its accounts together — one read of
  // their rows and one write of their days whatever the number of accounts (two statements per
  // account before) — each account's days as derived on its own, from its own first day.
  it('derives several accounts in one read and one write, each from its own first day', async () => {
    const original = Client.prototype.query;
    const sent: string[] = [];
    const days = await db.dataSource.transaction(async (m) => {
      (Client.prototype as unknown as { query: unknown }).query = function (this: Client, ...args: unknown[]): unknown {
        const q = args[0] as string | { text?: string } | undefined;
        sent.push(typeof q === 'string' ? q : (q?.text ?? ''));
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      };
      try {
        return await deriveAccountsDailyBalances(
          m,
          accounts.small,
          [
            { accountId: accounts.small.accountId, from: '2026-02-20' as CalendarDate, currency: 'JPY' },
            { accountId: accounts.large.accountId, from: '2026-02-27' as CalendarDate, currency: 'JPY' },
            { accountId: accounts.largeBare.accountId, from: '2026-02-27' as CalendarDate, currency: 'JPY' },
          ],
          '2026-03-04' as CalendarDate,
        );
      } finally {
        (Client.prototype as unknown as { query: unknown }).query = original;
      }
    });
    expect(sent).toHaveLength(2);
    expect(Object.fromEntries(days)).toEqual({ [accounts.small.accountId]: 13, [accounts.large.accountId]: 6, [accounts.largeBare.accountId]: 0 });
    const series = async (key: AccountKey): Promise<string[]> =>
      ((await db.dataSource.query(`SELECT date::text || '=' || balance_minor::text AS d FROM daily_balances WHERE account_id = $1 AND date >= '2026-02-20' ORDER BY date`, [key.accountId])) as Array<{ d: string }>).map((r) => r.d);
    const b = (j: number): string => balanceAfter(j).toString();
    // The small account's rows are one a day up to 03-01 (row 99), then its last balance carried.
    const small = Array.from({ length: 10 }, (_, i) => `${dayOf(LAST - (9 - i) * DAY_MS)}=${b(90 + i)}`);
    expect(await series(accounts.small)).toEqual([...small, ...['2026-03-02', '2026-03-03', '2026-03-04'].map((d) => `${d}=${b(99)}`)]);
    expect(await series(accounts.large)).toEqual([`2026-02-27=${b(4997)}`, `2026-02-28=${b(4998)}`, ...['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04'].map((d) => `${d}=${b(4999)}`)]);
    expect(await series(accounts.largeBare)).toEqual([]);
  });

  it('reads no row of an account whose bank reports no balance after its transactions, whatever its history', async () => {
    const s = await derive(accounts.smallBare);
    const l = await derive(accounts.largeBare);
    expect([s.days, l.days]).toEqual([0, 0]);
    expect([s.series, l.series]).toEqual([[], []]);
    // Before: 4,995 rows of the large account (every booked row before the range, filtered one by one).
    expect([s.read, l.read]).toEqual([0, 0]);
    expect([s.reads, l.reads]).toEqual([1, 1]);
  });
});

// Issue 19 (PostgreSQL's CPU per row of the first sync): on a first sync no day of the account is
// stored, and the upsert's speculative insertion (a conflict pre-check, a speculative token and a
// confirm WAL record per row) bought nothing. The write probes the primary key over the batch's
// span once and inserts plainly then: 2 WAL records a new day (the row and its key), not 3.
describe('daily balances: a first write pays no ON CONFLICT', () => {
  let db: TestDatabase;
  let keys: AccountKey[];
  const days = (n: number): string[] => Array.from({ length: n }, (_, i) => dayOf(LAST - i * DAY_MS));

  /** The statement's WAL records (EXPLAIN ANALYZE, WAL; rolled back) and the days it inserted. */
  async function walRecords(sql: string, params: unknown[]): Promise<number> {
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      const [row] = (await runner.query(`EXPLAIN (ANALYZE, WAL, FORMAT JSON) ${sql}`, params)) as Array<{ 'QUERY PLAN': Array<{ Plan: { 'WAL Records': number } }> }>;
      return row?.['QUERY PLAN'][0]?.Plan['WAL Records'] ?? -1;
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    keys = await seedAccounts(db, 'first balances', ['derived', 'bank', 'stored']);
  });
  afterAll(() => db?.drop());

  // Issue 19 (SQL): the balances stage writes what the bank reported for every account of the
  // session with its end (one statement, was one per account): each account's pages in order, a
  // day reported again by a later page taking that page's balance, as writing them in turn did.
  it('writes several accounts\' reported balances in one statement, a later page\'s day over an earlier one\'s', async () => {
    const [a, b] = (await seedAccounts(db, 'bank balances together', ['a', 'b'])) as [AccountKey, AccountKey];
    const day = (date: string, minor: number) => ({ date: date as CalendarDate, balanceMinor: BigInt(minor), currency: 'JPY' as never });
    const statement = bankBalancesStatement(a, [
      { accountId: a.accountId, balances: [day('2026-03-01', 1), day('2026-03-02', 2)] },
      { accountId: b.accountId, balances: [day('2026-03-01', 10)] },
      { accountId: a.accountId, balances: [day('2026-03-02', 3), day('2026-03-03', 4)] },
    ]);
    if (!statement) throw new Error('no statement');
    await db.dataSource.query(statement.text, [...statement.values]);
    const stored = (await db.dataSource.query(`SELECT account_id, date::text || '=' || balance_minor::text || '/' || source AS d FROM daily_balances WHERE account_id = ANY($1) ORDER BY date`, [[a.accountId, b.accountId]])) as Array<{
      account_id: string;
      d: string;
    }>;
    expect(stored.filter((r) => r.account_id === a.accountId).map((r) => r.d)).toEqual(['2026-03-01=1/bank', '2026-03-02=3/bank', '2026-03-03=4/bank']);
    expect(stored.filter((r) => r.account_id === b.accountId).map((r) => r.d)).toEqual(['2026-03-01=10/bank']);
    expect(bankBalancesStatement(a, [{ accountId: a.accountId, balances: [] }])).toBeUndefined();
  });

  it('writes 2 WAL records a day when none of the days is stored (the upsert wrote 3), and upserts when one is', async () => {
    const [derived, bank, stored] = keys as [AccountKey, AccountKey, AccountKey];
    const ds = days(1_000);
    const balances = ds.map((_, i) => String(1_000 + i));
    // The owner, each account with its span, then each day's account, date, balance and currency.
    const params = (key: AccountKey, dates: readonly string[], values: readonly string[]) => {
      const lo = dates.reduce((a, b) => (b < a ? b : a));
      const hi = dates.reduce((a, b) => (b > a ? b : a));
      return [key.tenantId, key.userId, [key.accountId], [lo], [hi], dates.map(() => key.accountId), dates, values, dates.map(() => 'JPY')];
    };
    const derivedParams = (key: AccountKey) => params(key, ds, balances);
    const bankParams = (key: AccountKey) => params(key, ds, balances);
    const fresh = await walRecords(DERIVED_BALANCES_SQL, derivedParams(derived));
    const freshBank = await walRecords(BANK_BALANCES_SQL, bankParams(bank));
    expect(fresh / 1_000).toBeLessThan(2.05);
    expect(freshBank / 1_000).toBeLessThan(2.05);
    // One day of the span stored (a bank balance): the same batch goes through the upsert — the
    // stored day is kept (bank over derived), the others are inserted speculatively.
    await db.dataSource.transaction((m) => writeBankBalances(m, stored, [{ date: ds[500] as CalendarDate, balanceMinor: 7n, currency: 'JPY' as never }]));
    const upserted = await walRecords(DERIVED_BALANCES_SQL, derivedParams(stored));
    expect(upserted / 999).toBeGreaterThanOrEqual(2.9);
    // Through the writer: a first write (plain), then a second of the same days (upsert: a changed day rewritten).
    const write = (values: number[]) =>
      db.dataSource.transaction((m) => writeBankBalances(m, bank, ds.slice(0, 3).map((date, i) => ({ date: date as CalendarDate, balanceMinor: BigInt(values[i] ?? 0), currency: 'JPY' as never }))));
    const series = async () => (await db.dataSource.query(`SELECT date::text AS date, balance_minor::int AS b FROM daily_balances WHERE account_id = $1 ORDER BY date`, [bank.accountId])) as Array<{ date: string; b: number }>;
    await write([10, 20, 30]);
    expect(await series()).toEqual([{ date: '2026-02-27', b: 30 }, { date: '2026-02-28', b: 20 }, { date: '2026-03-01', b: 10 }]);
    await write([10, 25, 30]);
    expect(await series()).toEqual([{ date: '2026-02-27', b: 30 }, { date: '2026-02-28', b: 25 }, { date: '2026-03-01', b: 10 }]);
    // Issue 19 (PG): days stored as they would stay are left out of the upsert — ON CONFLICT DO
    // UPDATE locked each (a WAL record) before its WHERE kept it: the same bank balances again,
    // and derived ones for days the bank reported, write nothing; a changed day is still written.
    const three = ds.slice(0, 3);
    const bankAgain = params(bank, three, ['10', '25', '30']);
    expect(await walRecords(BANK_BALANCES_SQL, bankAgain)).toBe(0);
    expect(await walRecords(DERIVED_BALANCES_SQL, params(bank, three, ['1', '2', '3']))).toBe(0);
    expect(await walRecords(BANK_BALANCES_SQL, params(bank, three, ['10', '26', '30']))).toBeGreaterThan(0);
    await write([10, 25, 31]);
    expect(await series()).toEqual([{ date: '2026-02-27', b: 31 }, { date: '2026-02-28', b: 25 }, { date: '2026-03-01', b: 10 }]);
  });
});
