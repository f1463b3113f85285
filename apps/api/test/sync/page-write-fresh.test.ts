import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Transaction } from '@kinko/connector-sdk';
import type { EntityManager } from 'typeorm';
import { FetchOrder } from '../../src/sync/bank-order';
import { type AccountKey, FetchedRows, type LoggedChanges, type PageWrite, writeTransactionPage } from '../../src/sync/transaction-writer';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { seedAccounts, tx, window } from '../support/writer-world';

// Issue 19 (PostgreSQL's CPU per row of the first sync): a fetch that began on an account holding
// no row writes its pages of ids it has not written yet with a plain INSERT — no speculative
// insertion (the arbiter's probe, a speculative lock and a confirm WAL record per row) — and
// upserts as before as soon as a page may hold a stored row: an account with rows before the
// fetch, an id the fetch (any of its kinds) already wrote. The rows, the counts and the change
// feed's log are those of the upsert. The path taken is read from the WAL the page wrote: one
// Heap/HEAP_CONFIRM record per row the upsert inserted, none for a plain INSERT.
describe('a first sync writes its pages without the upsert, and upserts any page that may hold a stored row', () => {
  let db: TestDatabase;
  let keys: AccountKey[];
  const booked = window('booked', '2026-02-01', '2026-03-01');
  const pending = window('pending', '2026-02-01', '2026-03-01');
  const day = (i: number): string => `2026-02-${String((i % 28) + 1).padStart(2, '0')}`;
  const page = (prefix: string, from: number, size: number, amount = -100): Transaction[] =>
    Array.from({ length: size }, (_, i) => tx(`${prefix}-${from + i}`, 'booked', day(from + i), amount - from - i, `row ${from + i}`, { balanceAfterMinor: BigInt(10_000 + from + i) }));

  interface Written {
    readonly result: PageWrite;
    readonly logged: Record<string, number>;
    /** Heap/HEAP_CONFIRM records in the page's WAL: one per row an upsert inserted. */
    readonly confirms: number;
  }

  /** One page in its own transaction, with the WAL records it wrote (read once it committed: the WAL is the cluster's, so by the transaction's id). */
  const write = async (key: AccountKey, w: typeof booked, items: readonly Transaction[], fetch: { stamp: Date; order: FetchOrder; rows?: FetchedRows; stampsRead?: boolean }): Promise<Written> => {
    const { lsn, xid, result, logged } = await db.dataSource.transaction(async (m: EntityManager) => {
      const [at] = (await m.query(`SELECT pg_current_wal_insert_lsn()::text AS lsn, pg_current_xact_id()::text AS xid`)) as [{ lsn: string; xid: string }];
      const changes: LoggedChanges = new Map();
      return { ...at, result: await writeTransactionPage(m, key, w, items, { ...fetch, logged: changes }), logged: Object.fromEntries(changes) };
    });
    const [{ n }] = (await db.dataSource.query(
      `SELECT count(*)::int AS n FROM pg_get_wal_block_info($1::pg_lsn, pg_current_wal_flush_lsn()) WHERE resource_manager = 'Heap' AND record_type = 'HEAP_CONFIRM' AND xid::text = $2`,
      [lsn, xid],
    )) as [{ n: number }];
    return { result, logged, confirms: n };
  };

  /** The account's rows as stored (what a listing and the feed read), by bank id. */
  const stored = async (key: AccountKey): Promise<unknown[]> =>
    db.dataSource.query(
      `SELECT bank_transaction_id, kind, transaction_date::text, listed_date::text, amount_minor::text, description, balance_after_minor::text, bank_order::text
         FROM transactions WHERE user_id = $1 AND account_id = $2 ORDER BY bank_transaction_id`,
      [key.userId, key.accountId],
    );
  const feed = async (key: AccountKey): Promise<unknown[]> =>
    db.dataSource.query(`SELECT change, kind, count(*)::int AS n FROM transaction_changes WHERE user_id = $1 AND account_id = $2 GROUP BY 1, 2 ORDER BY 1, 2`, [key.userId, key.accountId]);

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.dataSource.query(`CREATE EXTENSION IF NOT EXISTS pg_walinspect`);
    keys = await seedAccounts(db, 'fresh pages', ['plain', 'upserted', 'kinds', 'held']);
  });
  afterAll(() => db?.drop());

  it('three pages of a first sync: plain INSERTs, with the rows, counts and log an upsert writes', async () => {
    const [plain, upserted] = keys as [AccountKey, AccountKey];
    const pages = [page('r', 0, 200), page('r', 200, 200), page('r', 400, 100)];
    const stamp = new Date();
    const fresh = { stamp, order: new FetchOrder(), rows: new FetchedRows() };
    const before = { stamp, order: new FetchOrder() };
    for (const items of pages) {
      const a = await write(plain, booked, items, fresh);
      const b = await write(upserted, booked, items, before);
      expect(a.confirms).toBe(0);
      expect(b.confirms).toBe(items.length);
      expect(a.result).toEqual({ inserted: items.length, updated: 0, unchanged: 0 });
      expect(a.result).toEqual(b.result);
      expect(a.logged).toEqual({ 'booked.added': items.length });
      expect(a.logged).toEqual(b.logged);
    }
    expect(await stored(plain)).toHaveLength(500);
    expect(await stored(plain)).toEqual(await stored(upserted));
    expect(await feed(plain)).toEqual([{ change: 'added', kind: 'booked', n: 500 }]);
  });

  it('a page repeating an id the fetch wrote, of its kind or another, is upserted: no unique violation, the row updated', async () => {
    const [, , kinds] = keys as [AccountKey, AccountKey, AccountKey];
    const stamp = new Date();
    const rows = new FetchedRows(); // one for the kinds of the fetch
    const bookedFetch = { stamp, order: new FetchOrder(), rows };
    const pendingFetch = { stamp, order: new FetchOrder(), rows };
    expect((await write(kinds, booked, page('k', 0, 3), bookedFetch)).confirms).toBe(0);
    expect((await write(kinds, pending, [tx('p-1', 'pending', day(5), -7)], pendingFetch)).confirms).toBe(0);
    // The pending row booked on a later page, with a new row: the page is upserted.
    const later = await write(kinds, booked, [tx('p-1', 'booked', day(6), -7), ...page('k', 3, 2)], bookedFetch);
    expect(later.confirms).toBe(2);
    expect(later.result).toEqual({ inserted: 2, updated: 1, unchanged: 0 });
    expect(later.logged).toEqual({ 'booked.added': 2, 'booked.modified': 1 });
    // A page of ids it has not written is plain again.
    const next = await write(kinds, booked, page('k', 5, 2), bookedFetch);
    expect(next.confirms).toBe(0);
    expect(next.result).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    expect(((await stored(kinds)) as Array<{ bank_transaction_id: string; kind: string }>).map((r) => `${r.bank_transaction_id}:${r.kind}`)).toEqual([
      'k-0:booked',
      'k-1:booked',
      'k-2:booked',
      'k-3:booked',
      'k-4:booked',
      'k-5:booked',
      'k-6:booked',
      'p-1:booked',
    ]);
  });

  it('an account holding rows before the fetch: every page upserted, a re-fetched row unchanged', async () => {
    const [, , , held] = keys as [AccountKey, AccountKey, AccountKey, AccountKey];
    await write(held, booked, page('h', 0, 2), { stamp: new Date(), order: new FetchOrder() });
    const fetch = { stamp: new Date(), order: new FetchOrder(), rows: new FetchedRows() };
    const first = await write(held, booked, page('n', 0, 3), fetch);
    expect(first.confirms).toBe(3);
    expect(first.result).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
    const again = await write(held, booked, [...page('h', 0, 2), ...page('n', 3, 1)], { stamp: fetch.stamp, order: new FetchOrder(), rows: fetch.rows, stampsRead: false });
    expect(again.confirms).toBe(1);
    expect(again.result).toEqual({ inserted: 1, updated: 0, unchanged: 2 });
  });
});
