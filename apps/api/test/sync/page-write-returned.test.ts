import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EntityManager } from 'typeorm';
import { FetchOrder } from '../../src/sync/bank-order';
import { type AccountKey, type LoggedChanges, writeTransactionPage } from '../../src/sync/transaction-writer';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { seedAccounts, tx, window } from '../support/writer-world';

// Issue 19 (the page write's cost per row, worker and PostgreSQL): the page write sends back the
// stored version of each row that existed (for reconcile), and the rows it inserted as one row
// per kind — their number, and their ids only when some fetched row was not written — instead of
// one all-NULL row each (a first sync's page of 200 new rows came back as 200 rows the worker
// parsed). What the write reports is unchanged: inserted, updated, unchanged, and the logged changes.
describe('a page write sends back the stored versions, and its inserted rows summed per kind', () => {
  let db: TestDatabase;
  let key: AccountKey;
  const w = window('booked', '2026-03-01', '2026-03-31');
  const pw = window('pending', '2026-03-01', '2026-03-31');
  const day = (i: number): string => `2026-03-${String((i % 28) + 1).padStart(2, '0')}`;
  const page = (prefix: string, size: number, amount = -100) => Array.from({ length: size }, (_, i) => tx(`${prefix}-${i}`, 'booked', day(i), amount - i));

  /** Runs `write` in a transaction whose statements' result rows are counted (the page write's client, wrapped). */
  const counting = async <T>(write: (m: EntityManager) => Promise<T>): Promise<{ result: T; rows: number[] }> => {
    const rows: number[] = [];
    const result = await db.dataSource.transaction(async (m) => {
      const runner = m.queryRunner;
      if (!runner) throw new Error('no query runner in the transaction');
      const client = (await runner.connect()) as { query: (config: unknown) => Promise<{ rows: unknown[] }> };
      const wrapped: EntityManager = Object.create(m, {
        queryRunner: {
          value: {
            isReleased: false,
            connect: async () => ({
              query: async (config: unknown) => {
                const r = await client.query(config);
                rows.push(r.rows.length);
                return r;
              },
            }),
          },
        },
      });
      return write(wrapped);
    });
    return { result, rows };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    [key] = (await seedAccounts(db, 'returned rows', ['acc'])) as [AccountKey];
  });
  afterAll(() => db?.drop());

  it('200 new rows: one row back; a page mixing stored, changed and new rows: the stored ones and one row per kind inserted', async () => {
    const logged: LoggedChanges = new Map();
    const first = await counting((m) => writeTransactionPage(m, key, w, page('n', 200), { stamp: new Date(), order: new FetchOrder(), logged }));
    expect(first.result).toEqual({ inserted: 200, updated: 0, unchanged: 0 });
    expect(first.rows).toEqual([1]);
    expect(Object.fromEntries(logged)).toEqual({ 'booked.added': 200 });

    // Stamps not read: the unchanged stored rows are not rewritten (not sent back); the changed
    // ones are, with their stored versions; the new ones of two kinds come back as one row per kind.
    const mixed = [...page('n', 5).slice(0, 3), tx('n-3', 'booked', day(3), -999), tx('n-4', 'booked', day(4), -998), ...page('m', 4), tx('p-1', 'pending', day(9), -7)];
    const again: LoggedChanges = new Map();
    const second = await counting(async (m) => {
      const booked = await writeTransactionPage(m, key, w, mixed.slice(0, -1), { stamp: new Date(), order: new FetchOrder(), stampsRead: false, logged: again });
      const pending = await writeTransactionPage(m, key, pw, mixed.slice(-1), { stamp: new Date(), order: new FetchOrder(), stampsRead: false, logged: again });
      return { booked, pending };
    });
    expect(second.result).toEqual({ booked: { inserted: 4, updated: 2, unchanged: 3 }, pending: { inserted: 1, updated: 0, unchanged: 0 } });
    expect(second.rows).toEqual([2 + 1, 1]);
    expect(Object.fromEntries(again)).toEqual({ 'booked.modified': 2, 'booked.added': 4, 'pending.added': 1 });
  });
});
