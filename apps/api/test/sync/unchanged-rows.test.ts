import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FetchOrder } from '../../src/sync/bank-order';
import { type AccountKey, stampsRead, writeTransactionPage } from '../../src/sync/transaction-writer';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { seedAccounts, tx, window } from '../support/writer-world';

// Issue 19 (PostgreSQL CPU per sync session): every re-sync fetches its window's rows again.
// When nothing reads their fetch stamp afterwards (a bank without a kind deleted when not
// fetched: the complete reconciliation never runs), an unchanged row is not rewritten — no new
// row version, index entries, WAL or feed entry — and is counted unchanged; a changed row is
// written as before. Where the stamp is read (pending, hold… deleted when not fetched, and the
// booked rows they are paired with), or a later page may still reverse a row's order key, every
// row is stamped as before.

interface Stored {
  bank_transaction_id: string;
  amount: string;
  stamp: Date;
  version: string;
  bank_order: number;
}

describe('page writes: an unchanged row is not rewritten when its stamp is not read', () => {
  let db: TestDatabase;
  let keys: AccountKey[];
  const stored = async (key: AccountKey): Promise<Map<string, Stored>> => {
    const rows = (await db.dataSource.query(
      `SELECT bank_transaction_id, amount_minor::text AS amount, last_fetched_at AS stamp, xmin::text AS version, bank_order::int AS bank_order FROM transactions WHERE user_id = $1 AND account_id = $2`,
      [key.userId, key.accountId],
    )) as Stored[];
    return new Map(rows.map((r) => [r.bank_transaction_id, r]));
  };
  const logged = async (key: AccountKey): Promise<number> =>
    ((await db.dataSource.query(`SELECT count(*)::int AS n FROM transaction_changes WHERE account_id = $1`, [key.accountId])) as Array<{ n: number }>)[0]?.n ?? -1;

  beforeAll(async () => {
    db = await createTestDatabase();
    keys = await seedAccounts(db, 'unchanged rows', ['not read', 'read', 'reversed']);
  });
  afterAll(() => db?.drop());

  it('stamps are read for the kinds deleted when not fetched and for booked rows beside them, never without such a kind', () => {
    expect([stampsRead('booked', []), stampsRead('pending', []), stampsRead('booked', ['pending']), stampsRead('pending', ['pending']), stampsRead('hold', ['pending'])]).toEqual([
      false,
      false,
      true,
      true,
      false,
    ]);
  });

  const march = window('booked', '2026-03-01', '2026-03-05');
  const page = [tx('a', 'booked', '2026-03-01', -100), tx('b', 'booked', '2026-03-02', -200), tx('c', 'booked', '2026-03-03', -300)];
  const write = (key: AccountKey, items: typeof page, stamp: Date, read: boolean | undefined, order = new FetchOrder()) =>
    db.dataSource.transaction((m) => writeTransactionPage(m, key, march, items, read === undefined ? { stamp, order } : { stamp, order, stampsRead: read }));

  it('without a reader of the stamp: unchanged rows keep their version and stamp, a changed one is rewritten; no feed entry for the unchanged ones', async () => {
    const key = keys[0] as AccountKey;
    const first = new Date('2026-03-05T01:00:00Z');
    expect(await write(key, page, first, false)).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
    const before = await stored(key);
    const logs = await logged(key);
    const again = new Date('2026-03-05T02:00:00Z');
    expect(await write(key, page, again, false)).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
    expect(await stored(key)).toEqual(before);
    // b corrected by the bank, d new; a retry of the same page changes nothing more.
    const next = [page[0], { ...page[1], amountMinor: -250n }, page[2], tx('d', 'booked', '2026-03-04', -400)] as typeof page;
    const third = new Date('2026-03-05T03:00:00Z');
    expect(await write(key, next, third, false)).toEqual({ inserted: 1, updated: 1, unchanged: 2 });
    expect(await write(key, next, new Date('2026-03-05T04:00:00Z'), false)).toEqual({ inserted: 0, updated: 0, unchanged: 4 });
    const after = await stored(key);
    expect(after.get('a')).toEqual(before.get('a'));
    expect(after.get('c')).toEqual(before.get('c'));
    expect([after.get('b')?.amount, after.get('b')?.stamp, after.get('d')?.stamp]).toEqual(['-250', third, third]);
    expect((await logged(key)) - logs).toBe(2); // b modified, d added
  });

  it('with a reader of the stamp (and by default): every fetched row is stamped, unchanged ones counted unchanged', async () => {
    const key = keys[1] as AccountKey;
    await write(key, page, new Date('2026-03-05T01:00:00Z'), true);
    const again = new Date('2026-03-05T02:00:00Z');
    expect(await write(key, page, again, true)).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
    expect([...(await stored(key)).values()].map((r) => r.stamp)).toEqual([again, again, again]);
    const third = new Date('2026-03-05T03:00:00Z');
    expect(await write(key, page, third, undefined)).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
    expect([...(await stored(key)).values()].map((r) => r.stamp)).toEqual([third, third, third]);
  });

  it('stamps the rows a later page may still reverse: a day re-fetched unchanged before the fetch shows the bank lists newest first', async () => {
    const key = keys[2] as AccountKey;
    // A first fetch of one day (newest first, but nothing tells): keyed oldest first.
    const day = [tx('x', 'booked', '2026-03-03', -1), tx('y', 'booked', '2026-03-03', -2)];
    await write(key, day, new Date('2026-03-05T01:00:00Z'), false);
    expect([...(await stored(key)).values()].map((r) => [r.bank_transaction_id, r.bank_order]).sort()).toEqual([
      ['x', 0],
      ['y', 1],
    ]);
    // The next fetch lists the same day unchanged, then an older day on its next page: newest first.
    const order = new FetchOrder();
    const stamp = new Date('2026-03-05T02:00:00Z');
    await write(key, day, stamp, false, order);
    await write(key, [tx('w', 'booked', '2026-03-02', -3)], stamp, false, order);
    expect([...(await stored(key)).values()].map((r) => [r.bank_transaction_id, r.bank_order]).sort()).toEqual([
      ['w', 0],
      ['x', 0],
      ['y', -1],
    ]);
  });
});
