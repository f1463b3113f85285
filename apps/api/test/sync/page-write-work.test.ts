import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CalendarDate } from '@kinko/domain';
import type { EntityManager } from 'typeorm';
import { FetchOrder } from '../../src/sync/bank-order';
import { type AccountKey, writeTransactionPage } from '../../src/sync/transaction-writer';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { seedAccounts, tx, window } from '../support/writer-world';

const DAY_MS = 86_400_000;
const dayOf = (ms: number): CalendarDate => new Date(ms).toISOString().slice(0, 10) as CalendarDate;

/** Index entries of `transactions` read so far in the current transaction. */
async function entriesRead(m: EntityManager): Promise<number> {
  const [r] = (await m.query(`SELECT COALESCE(sum(pg_stat_get_xact_tuples_returned(indexrelid)), 0)::int AS n FROM pg_index WHERE indrelid = 'transactions'::regclass`)) as Array<{
    n: number;
  }>;
  return r?.n ?? 0;
}

// Issue 19 (the first sync's cost per row): a page none of whose rows is stored is written by a
// plain INSERT, after one lookup of the unique key per fetched id; a page with a stored row by the
// upsert. The lookups read no entry of the account's other rows, whatever its history and the
// plan (generic plans forced), and the counts and the change feed's rows are the upsert's.
describe('page write: new rows by a plain insert, stored ones by the upsert', () => {
  let db: TestDatabase;
  let small: AccountKey;
  let large: AccountKey;
  const bookedWindow = window('booked', '2020-01-01', '2026-12-31');

  /** `size` booked rows before 2026-01-01, written in pages of 1,000. */
  async function history(key: AccountKey, size: number): Promise<void> {
    const start = Date.parse('2026-01-01T00:00:00Z') - size * DAY_MS;
    for (let i = 0; i < size; i += 1_000) {
      const page = Array.from({ length: Math.min(1_000, size - i) }, (_, k) => tx(`h-${i + k}`, 'booked', dayOf(start + (i + k) * DAY_MS), -100 - ((i + k) % 50)));
      await db.dataSource.transaction((m) => writeTransactionPage(m, key, bookedWindow, page, { stamp: new Date(), order: new FetchOrder() }));
    }
  }

  /** Writes `page` with generic plans; what it returned, the index entries it read, and the feed rows it logged (change → count). */
  async function write(key: AccountKey, page: ReturnType<typeof tx>[]) {
    return db.dataSource.transaction(async (m) => {
      await m.query('SET LOCAL plan_cache_mode = force_generic_plan');
      const before = await entriesRead(m);
      const result = await writeTransactionPage(m, key, bookedWindow, page, { stamp: new Date(), order: new FetchOrder() });
      const read = (await entriesRead(m)) - before;
      const logged = (await m.query(
        `SELECT change, count(*)::int AS n, count(DISTINCT transaction_id)::int AS rows FROM transaction_changes WHERE account_id = $1 AND txid = pg_current_xact_id()::text::bigint GROUP BY change ORDER BY change`,
        [key.accountId],
      )) as Array<{ change: string; n: number; rows: number }>;
      return { result, read, logged };
    });
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    [small, large] = (await seedAccounts(db, 'page write work', ['small', 'large'])) as [AccountKey, AccountKey];
    await history(small, 50);
    await history(large, 5_000);
    await db.dataSource.query('ANALYZE transactions');
  });
  afterAll(() => db?.drop());

  it('a page of new rows: all inserted, each logged once as added, and no index entry of the stored history read', async () => {
    const page = (prefix: string) => Array.from({ length: 200 }, (_, i) => tx(`${prefix}-${i}`, 'booked', dayOf(Date.parse('2026-02-01T00:00:00Z') + (i % 20) * DAY_MS), -10 - i, undefined, { balanceAfterMinor: BigInt(i) }));
    const onSmall = await write(small, page('new'));
    const onLarge = await write(large, page('new'));
    for (const w of [onSmall, onLarge]) {
      expect(w.result).toEqual({ inserted: 200, updated: 0, unchanged: 0 });
      expect(w.logged).toEqual([{ change: 'added', n: 200, rows: 200 }]);
      expect(w.read).toBe(0);
    }
    const [stored] = (await db.dataSource.query(`SELECT count(*)::int AS n FROM transactions WHERE account_id = $1 AND bank_transaction_id LIKE 'new-%'`, [large.accountId])) as Array<{ n: number }>;
    expect(stored?.n).toBe(200);
  });

  it('a page with a stored row: the upsert — new, changed and unchanged rows counted as before, only the written ones logged', async () => {
    const page = [
      tx('h-10', 'booked', dayOf(Date.parse('2026-01-01T00:00:00Z') - 4_990 * DAY_MS), -110), // stored as it is
      tx('h-11', 'booked', dayOf(Date.parse('2026-01-01T00:00:00Z') - 4_989 * DAY_MS), -999), // stored, amount changed
      tx('fresh-1', 'booked', '2026-03-01', -5), // new
      tx('fresh-1', 'booked', '2026-03-01', -6), // the same id again: the last one wins
    ];
    const w = await write(large, page);
    expect(w.result).toEqual({ inserted: 1, updated: 1, unchanged: 1 });
    expect(w.logged).toEqual([
      { change: 'added', n: 1, rows: 1 },
      { change: 'modified', n: 1, rows: 1 },
    ]);
    const rows = (await db.dataSource.query(`SELECT bank_transaction_id AS id, amount_minor::int AS amount FROM transactions WHERE account_id = $1 AND bank_transaction_id IN ('h-11', 'fresh-1') ORDER BY 1`, [
      large.accountId,
    ])) as Array<{ id: string; amount: number }>;
    expect(rows).toEqual([
      { id: 'fresh-1', amount: -6 },
      { id: 'h-11', amount: -999 },
    ]);
    // Written again as it is now: nothing new, nothing changed.
    expect((await write(large, page)).result).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
  });
});
