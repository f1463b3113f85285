import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DailyBalance } from '@kinko/connector-sdk';
import type { CalendarDate } from '@kinko/domain';
import type { EntityManager } from 'typeorm';
import { newId } from '../../src/database/ids';
import { FetchOrder } from '../../src/sync/bank-order';
import { type AccountKey, writeBankBalances, writeTransactionPage } from '../../src/sync/transaction-writer';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { JPY, seedAccounts, tx, window } from '../support/writer-world';

// Issue 19 (PostgreSQL's CPU per row of the first sync): the account of the rows a statement
// writes into `transactions` and `daily_balances` is checked once per statement, not once per row
// (the foreign keys to bank_accounts ran an SPI lookup and a FOR KEY SHARE lock of the same account
// for every row: ~12 of ~50 µs of PostgreSQL CPU per inserted transaction, measured with each
// alternative on a page of 200 rows). What the keys guaranteed still holds (migration
// AccountRowsCheckedPerStatement): a row of a missing account is refused with the key's error, and
// an account's rows go with it.

const DAY_MS = 86_400_000;
const LAST = Date.parse('2026-03-01T00:00:00Z');
const dayOf = (ms: number): CalendarDate => new Date(ms).toISOString().slice(0, 10) as CalendarDate;

/** Index and sequential scans of `bank_accounts` in the current database transaction so far. */
async function accountScans(m: EntityManager): Promise<number> {
  const [r] = (await m.query(`SELECT (COALESCE(idx_scan, 0) + COALESCE(seq_scan, 0))::int AS n FROM pg_stat_xact_user_tables WHERE relname = 'bank_accounts'`)) as Array<{ n: number }>;
  return r?.n ?? 0;
}

const page = (prefix: string, size: number) => Array.from({ length: size }, (_, i) => tx(`${prefix}-${i}`, 'booked', dayOf(LAST - i * DAY_MS), -100, `row ${i}`, { balanceAfterMinor: BigInt(10_000 - i) }));
const balances = (size: number): DailyBalance[] => Array.from({ length: size }, (_, i) => ({ date: dayOf(LAST - i * DAY_MS), balanceMinor: BigInt(1_000 + i), currency: JPY }));

describe("the rows' account is checked per statement, and its rows go with it", () => {
  let db: TestDatabase;
  const count = async (table: 'transactions' | 'daily_balances', accountId: string): Promise<number> =>
    ((await db.dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE account_id = $1`, [accountId])) as Array<{ n: number }>)[0]?.n ?? -1;
  /** PostgreSQL's error code and constraint of a failed write (TypeORM's wrapper or the driver's own error), or `{}` when it succeeded. */
  const refusal = async (write: Promise<unknown>): Promise<{ code?: string; constraint?: string }> => {
    try {
      await write;
      return {};
    } catch (e) {
      const { code, constraint } = ((e as { driverError?: unknown }).driverError ?? e) as { code?: string; constraint?: string };
      return { code, constraint };
    }
  };
  const sqlState = (sql: string, params: unknown[]) => refusal(db.dataSource.query(sql, params));

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('reads the account once per page of new rows, whatever its size (was once per row)', async () => {
    const [small, large] = (await seedAccounts(db, 'scans', ['small', 'large'])) as [AccountKey, AccountKey];
    const scans = async (key: AccountKey, write: (m: EntityManager) => Promise<unknown>): Promise<number> =>
      db.dataSource.transaction(async (m) => {
        const before = await accountScans(m);
        await write(m);
        return (await accountScans(m)) - before;
      });
    const w = (key: AccountKey, size: number) => (m: EntityManager) =>
      writeTransactionPage(m, key, window('booked', dayOf(LAST - size * DAY_MS), '2026-03-01'), page('p', size), { stamp: new Date(), order: new FetchOrder() });
    const pageOf10 = await scans(small, w(small, 10));
    const pageOf200 = await scans(large, w(large, 200));
    expect(await count('transactions', large.accountId)).toBe(200);
    expect(pageOf10).toBeLessThanOrEqual(1);
    expect(pageOf200).toBe(pageOf10);
    const days10 = await scans(small, (m) => writeBankBalances(m, small, balances(10)));
    const days200 = await scans(large, (m) => writeBankBalances(m, large, balances(200)));
    expect(await count('daily_balances', large.accountId)).toBe(200);
    expect(days10).toBeLessThanOrEqual(1);
    expect(days200).toBe(days10);
  });

  it("refuses rows of an account that does not exist, or not the user's, with the key's error", async () => {
    const [mine] = (await seedAccounts(db, 'mine', ['mine'])) as [AccountKey];
    const [theirs] = (await seedAccounts(db, 'theirs', ['theirs'])) as [AccountKey];
    const strangers: AccountKey[] = [
      { ...mine, accountId: newId() }, // no such account
      { ...mine, accountId: theirs.accountId }, // another user's account
    ];
    for (const key of strangers) {
      const write = db.dataSource.transaction((m) => writeTransactionPage(m, key, window('booked', '2026-02-01', '2026-03-01'), page('x', 3), { stamp: new Date(), order: new FetchOrder() }));
      expect(await refusal(write)).toEqual({ code: '23503', constraint: 'fk_transactions_tenant_id_user_id_account_id' });
      expect(await refusal(db.dataSource.transaction((m) => writeBankBalances(m, key, balances(2))))).toEqual({ code: '23503', constraint: 'fk_daily_balances_tenant_id_user_id_account_id' });
    }
    expect(await count('transactions', theirs.accountId)).toBe(0);
    // A statement mixing a known and an unknown account is refused whole.
    await db.dataSource.transaction((m) => writeTransactionPage(m, mine, window('booked', '2026-02-01', '2026-03-01'), page('ok', 2), { stamp: new Date(), order: new FetchOrder() }));
    const mixed = await sqlState(
      `INSERT INTO transactions (user_id, account_id, id, tenant_id, bank_transaction_id, kind, transaction_date, listed_date, amount_minor, currency_code, last_fetched_at)
        SELECT $1, a, gen_random_uuid(), $2, 'm-' || a, 'booked', '2026-03-01', '2026-03-01', 1, 'JPY', now() FROM unnest($3::uuid[]) AS a`,
      [mine.userId, mine.tenantId, [mine.accountId, newId()]],
    );
    expect(mixed).toEqual({ code: '23503', constraint: 'fk_transactions_tenant_id_user_id_account_id' });
    expect(await count('transactions', mine.accountId)).toBe(2);
    // Moving a row to another user's account, or an account's keys while it has rows: refused.
    expect(await sqlState(`UPDATE transactions SET account_id = $2 WHERE account_id = $1`, [mine.accountId, theirs.accountId])).toEqual({
      code: '23503',
      constraint: 'fk_transactions_tenant_id_user_id_account_id',
    });
    expect((await sqlState(`UPDATE bank_accounts SET user_id = $2 WHERE id = $1`, [mine.accountId, theirs.userId])).code).toBe('23503');
  });

  it("deletes an account's transactions and daily balances with it, and truncates them with it", async () => {
    const [gone, kept] = (await seedAccounts(db, 'deleted', ['gone', 'kept'])) as [AccountKey, AccountKey];
    for (const key of [gone, kept]) {
      await db.dataSource.transaction((m) => writeTransactionPage(m, key, window('booked', '2026-02-01', '2026-03-01'), page('d', 5), { stamp: new Date(), order: new FetchOrder() }));
      await db.dataSource.transaction((m) => writeBankBalances(m, key, balances(4)));
    }
    await db.dataSource.query(`DELETE FROM bank_accounts WHERE id = $1`, [gone.accountId]);
    expect([await count('transactions', gone.accountId), await count('daily_balances', gone.accountId)]).toEqual([0, 0]);
    expect([await count('transactions', kept.accountId), await count('daily_balances', kept.accountId)]).toEqual([5, 4]);
    // Through the tenant (tenant → user → connection → account, each a cascade).
    await db.dataSource.query(`DELETE FROM tenants WHERE id = $1`, [kept.tenantId]);
    expect([await count('transactions', kept.accountId), await count('daily_balances', kept.accountId)]).toEqual([0, 0]);
    // TRUNCATE … CASCADE from the tenants (the ingest bench's reset) empties both.
    const [again] = (await seedAccounts(db, 'truncated', ['again'])) as [AccountKey];
    await db.dataSource.transaction((m) => writeTransactionPage(m, again, window('booked', '2026-02-01', '2026-03-01'), page('t', 3), { stamp: new Date(), order: new FetchOrder() }));
    await db.dataSource.transaction((m) => writeBankBalances(m, again, balances(2)));
    await db.dataSource.query(`TRUNCATE tenants CASCADE`);
    const [left] = (await db.dataSource.query(`SELECT (SELECT count(*) FROM transactions)::int AS t, (SELECT count(*) FROM daily_balances)::int AS d`)) as Array<{ t: number; d: number }>;
    expect(left).toEqual({ t: 0, d: 0 });
  });
});
