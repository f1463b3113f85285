import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CalendarDate } from '@kinko/domain';
import { latestStoredDates } from '../../src/sync/account-store';
import { FetchOrder } from '../../src/sync/bank-order';
import { type AccountKey, DATE_COLUMNS, writeTransactionPage } from '../../src/sync/transaction-writer';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { rowsRead, seedAccounts, tx, window } from '../support/writer-world';

// Issue 19 (an incremental sync costs the same after 4 years as after 1): every incremental
// session asks, per account and kind, for the latest stored date on the kind's filter date — the
// start of its next window. That read must not grow with the stored history.

const DAY_MS = 86_400_000;
const dayOf = (ms: number): CalendarDate => new Date(ms).toISOString().slice(0, 10) as CalendarDate;
const LAST = Date.parse('2026-03-01T00:00:00Z');

describe("the windows' latest stored dates: a few index entries, whatever the history", () => {
  let db: TestDatabase;
  let small: AccountKey;
  let large: AccountKey;
  let smallBare: AccountKey;
  let largeBare: AccountKey;

  /** `size` booked rows, one a day up to 2026-03-01, and (unless `pending` is false) two pending rows of February. */
  async function history(key: AccountKey, size: number, pending = true): Promise<void> {
    const start = LAST - (size - 1) * DAY_MS;
    for (let i = 0; i < size; i += 1_000) {
      const page = Array.from({ length: Math.min(1_000, size - i) }, (_, k) => tx(`h-${i + k}`, 'booked', dayOf(start + (i + k) * DAY_MS), -100));
      await db.dataSource.transaction((m) => writeTransactionPage(m, key, window('booked', dayOf(start), '2026-03-01'), page, { stamp: new Date(), order: new FetchOrder() }));
    }
    if (pending) {
      const rows = [tx('p-1', 'pending', '2026-02-10', -5), tx('p-2', 'pending', '2026-02-20', -6)];
      await db.dataSource.transaction((m) => writeTransactionPage(m, key, window('pending', '2026-02-01', '2026-03-01'), rows, { stamp: new Date(), order: new FetchOrder() }));
    }
    await db.dataSource.query('ANALYZE transactions');
  }

  /** The latest booked and pending transaction dates of `key`, and the rows of `transactions` the read fetched. */
  async function latest(key: AccountKey): Promise<{ dates: Map<string, string>; read: number }> {
    return db.dataSource.transaction(async (m) => {
      const before = await rowsRead(m);
      const dates = await latestStoredDates(m, key.userId, [
        { accountId: key.accountId, kind: 'booked', column: DATE_COLUMNS.transactionDate },
        { accountId: key.accountId, kind: 'pending', column: DATE_COLUMNS.transactionDate },
      ]);
      return { dates, read: (await rowsRead(m)) - before };
    });
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    [small, large, smallBare, largeBare] = (await seedAccounts(db, 'latest dates', ['small', 'large', 'small-bare', 'large-bare'])) as [AccountKey, AccountKey, AccountKey, AccountKey];
    await history(small, 100);
    await history(large, 5_000);
    await history(smallBare, 100, false);
    await history(largeBare, 5_000, false);
  }, 120_000);
  afterAll(() => db?.drop());

  it('answers the latest transaction date of each kind, reading as few rows with 5,000 stored as with 100', async () => {
    const s = await latest(small);
    const l = await latest(large);
    expect(s.dates.get(`${small.accountId}/booked`)).toBe('2026-03-01');
    expect(l.dates.get(`${large.accountId}/booked`)).toBe('2026-03-01');
    expect(s.dates.get(`${small.accountId}/pending`)).toBe('2026-02-20');
    expect(l.dates.get(`${large.accountId}/pending`)).toBe('2026-02-20');
    // The backward walk of the keyset index stops at the first row of the kind: the newest booked
    // row, and the pending one behind the booked rows of the ten days after it. max() over the
    // transaction date read every row of the account (5,002 for the large one).
    expect(s.read).toBeLessThan(20);
    expect(l.read).toBeLessThanOrEqual(s.read + 2);
  });

  // A kind the account has no rows of (a bank listing pending transactions, an account that never
  // had one): the walk through the keyset index looked for it on every row of the account
  // (5,000 here), on every incremental sync; through the partial index of the kinds other than
  // booked (migration NotBookedKindIndex) it finds none at once.
  it('answers nothing for a kind the account has none of, reading as few rows with 5,000 stored as with 100', async () => {
    const s = await latest(smallBare);
    const l = await latest(largeBare);
    expect([...s.dates]).toEqual([[`${smallBare.accountId}/booked`, '2026-03-01']]);
    expect([...l.dates]).toEqual([[`${largeBare.accountId}/booked`, '2026-03-01']]);
    expect(s.read).toBeLessThan(5);
    expect(l.read).toBeLessThanOrEqual(s.read);
  });
});

// The same read right after bulk first syncs, before autovacuum's ANALYZE has seen their rows: with
// statistics missing (never analyzed) or stale (analyzed while the table was empty), PostgreSQL
// believed an account holds a row or two and, once the table is large (here ~10,000 pages of other
// users' rows), planned the booked walk as a bitmap scan of all the account's rows and a sort —
// 5,000 rows read for the large account; the bench's long history: 16 ms a session, 4,467 blocks
// for 3 accounts of 1,460 rows. Through the partial index whose predicate is the query's filter
// (migration BookedDatedIndex) no plan is cheaper than its backward walk at any row estimate.
describe("the windows' latest stored dates with statistics missing or stale", () => {
  /** `size` booked rows, one a day up to 2026-03-01, written as the first sync writes them (pages of 1,000). */
  async function bulk(db: TestDatabase, key: AccountKey, size: number): Promise<void> {
    const start = LAST - (size - 1) * DAY_MS;
    for (let i = 0; i < size; i += 1_000) {
      const page = Array.from({ length: Math.min(1_000, size - i) }, (_, k) => tx(`h-${i + k}`, 'booked', dayOf(start + (i + k) * DAY_MS), -100));
      await db.dataSource.transaction((m) => writeTransactionPage(m, key, window('booked', dayOf(start), '2026-03-01'), page, { stamp: new Date(), order: new FetchOrder() }));
    }
  }

  /**
   * The latest booked date of `key` (asked 7 times, past the prepared statement's switch to a
   * generic plan), the rows of `transactions` the last ask fetched, and the generic plans the
   * connection's prepared statement ran (issue 19, PG: its pairs are a VALUES list, so the generic
   * plan is not costed for an array of 100 and is kept; with arrays it was planned on every call).
   */
  async function latestBooked(db: TestDatabase, key: AccountKey): Promise<{ latest: string | undefined; read: number; genericPlans: number }> {
    return db.dataSource.transaction(async (m) => {
      const pairs = [{ accountId: key.accountId, kind: 'booked', column: DATE_COLUMNS.transactionDate }];
      for (let i = 0; i < 6; i += 1) await latestStoredDates(m, key.userId, pairs);
      const before = await rowsRead(m);
      const dates = await latestStoredDates(m, key.userId, pairs);
      const read = (await rowsRead(m)) - before;
      const plans = (await m.query(`SELECT generic_plans::int AS n FROM pg_prepared_statements WHERE statement LIKE '%AS v(account_id, kind)%'`)) as Array<{ n: number }>;
      return { latest: dates.get(`${key.accountId}/booked`), read, genericPlans: plans.reduce((n, r) => n + r.n, 0) };
    });
  }

  /** A fresh database (ANALYZEd while empty when `analyzeEmpty`) filled as bulk first syncs fill it, never analyzed after. */
  async function afterBulkSyncs(analyzeEmpty: boolean): Promise<{ small: { latest: string | undefined; read: number; genericPlans: number }; large: { latest: string | undefined; read: number; genericPlans: number } }> {
    const db = await createTestDatabase();
    try {
      if (analyzeEmpty) await db.dataSource.query('ANALYZE transactions');
      const [small, large, ...others] = (await seedAccounts(db, 'bulk', ['small', 'large', ...Array.from({ length: 40 }, (_, i) => `other-${i}`)])) as AccountKey[];
      // Other users' histories: 40 accounts of 1,000 rows with long descriptions (~10,000 pages).
      await db.dataSource.query(
        `INSERT INTO transactions (user_id, account_id, id, tenant_id, bank_transaction_id, kind, transaction_date, listed_date, amount_minor, currency_code, description, last_fetched_at)
          SELECT $1, a.id, gen_random_uuid(), $2, 'o-' || d, 'booked', date '2026-03-01' - d, date '2026-03-01' - d, -100, 'JPY', repeat('x', 1500), now()
            FROM unnest($3::uuid[]) AS a(id), generate_series(0, 999) AS d`,
        [others[0]?.userId, others[0]?.tenantId, others.map((o) => o.accountId)],
      );
      await bulk(db, small as AccountKey, 100);
      await bulk(db, large as AccountKey, 5_000);
      return { small: await latestBooked(db, small as AccountKey), large: await latestBooked(db, large as AccountKey) };
    } finally {
      await db.drop();
    }
  }

  it.each([
    ['never analyzed', false],
    ['analyzed while empty', true],
  ])('reads as few rows with 5,000 stored as with 100 when the table was %s', async (_, analyzeEmpty) => {
    const { small, large } = await afterBulkSyncs(analyzeEmpty);
    expect([small.latest, large.latest]).toEqual(['2026-03-01', '2026-03-01']);
    expect(small.read).toBeLessThan(5);
    expect(large.read).toBeLessThanOrEqual(small.read);
    expect(small.genericPlans).toBeGreaterThanOrEqual(1);
    expect(large.genericPlans).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
