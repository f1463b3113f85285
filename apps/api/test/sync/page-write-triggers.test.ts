import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EntityManager } from 'typeorm';
import { FetchOrder } from '../../src/sync/bank-order';
import { type AccountKey, writeTransactionPage } from '../../src/sync/transaction-writer';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { seedAccounts, tx, window } from '../support/writer-world';

// Issue 19 (the page write's fixed cost per statement): a page write of new rows runs ONE
// trigger function per statement — the change feed's log of the inserted rows and the check of
// their account together (migration TransactionsOneInsertTrigger) — whatever the page's size;
// the log it writes is the same: one 'added' row per inserted transaction, in the writing
// transaction, with the row's kind.
describe('a page write of new rows runs one trigger function per statement', () => {
  let db: TestDatabase;
  let key: AccountKey;
  const w = window('booked', '2026-02-01', '2026-03-01');
  const page = (prefix: string, size: number) => Array.from({ length: size }, (_, i) => tx(`${prefix}-${i}`, 'booked', `2026-02-${String((i % 28) + 1).padStart(2, '0')}`, -100 - i));

  /** The PL/pgSQL functions called, with their calls, as the backend's not yet reported counts say (they may include an earlier transaction's: compare two reads). */
  const calls = async (m: EntityManager): Promise<Record<string, number>> => {
    const rows = (await m.query(`SELECT funcname, calls::int AS calls FROM pg_stat_xact_user_functions ORDER BY funcname`)) as Array<{ funcname: string; calls: number }>;
    return Object.fromEntries(rows.map((r) => [r.funcname, r.calls]));
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    [key] = (await seedAccounts(db, 'one trigger', ['acc'])) as [AccountKey];
  });
  afterAll(() => db?.drop());

  it.each([1, 200])('a page of %i new rows: one call, and its rows logged as added by the transaction', async (size) => {
    const { fired, logged, txid } = await db.dataSource.transaction(async (m) => {
      await m.query(`SET LOCAL track_functions = 'pl'`);
      const before = await calls(m);
      const written = await writeTransactionPage(m, key, w, page(`p${size}`, size), { stamp: new Date(), order: new FetchOrder() });
      expect(written).toEqual({ inserted: size, updated: 0, unchanged: 0 });
      const [current] = (await m.query(`SELECT pg_current_xact_id()::text AS txid`)) as Array<{ txid: string }>;
      return {
        fired: Object.fromEntries(Object.entries(await calls(m)).map(([f, n]) => [f, n - (before[f] ?? 0)]).filter(([, n]) => n !== 0)),
        logged: (await m.query(`SELECT change, kind, txid::text AS txid, count(*)::int AS n FROM transaction_changes WHERE user_id = $1 AND account_id = $2 AND txid = pg_current_xact_id()::text::bigint GROUP BY 1, 2, 3`, [
          key.userId,
          key.accountId,
        ])) as Array<{ change: string; kind: string; txid: string; n: number }>,
        txid: current?.txid,
      };
    });
    expect(fired).toEqual({ transactions_inserted: 1 });
    expect(logged).toEqual([{ change: 'added', kind: 'booked', txid, n: size }]);
  });
});
