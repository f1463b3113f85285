import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Transaction } from '@kinko/connector-sdk';
import type { CalendarDate, CurrencyCode, TransactionId } from '@kinko/domain';
import type { EntityManager } from 'typeorm';
import { newId } from '../../src/database/ids';
import { FetchOrder } from '../../src/sync/bank-order';
import { type AccountKey, writeTransactionPage } from '../../src/sync/transaction-writer';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** Rows of `relation` the current database transaction has read so far (sequential scans and index fetches, foreign-key checks included). */
async function rowsRead(m: EntityManager, relation: string): Promise<number> {
  const [r] = (await m.query(`SELECT (COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0))::int AS n FROM pg_stat_xact_user_tables WHERE relname = $1`, [relation])) as Array<{
    n: number;
  }>;
  return r?.n ?? 0;
}

const page = (prefix: string, n: number): Transaction[] =>
  Array.from({ length: n }, (_, i) => ({
    bankTransactionId: `${prefix}-${i}` as TransactionId,
    kind: 'booked' as const,
    transactionDate: `2026-04-${String(1 + (i % 28)).padStart(2, '0')}` as CalendarDate,
    amountMinor: BigInt(-100 - i),
    currency: 'JPY' as CurrencyCode,
    description: `row ${i}`,
  }));
const april = Object.freeze({ kind: 'booked' as const, from: '2026-04-01' as CalendarDate, to: '2026-04-30' as CalendarDate, dateField: 'transactionDate' as const });

// Issue 19 (PostgreSQL work per statement): the change feed's log is written by a trigger for
// every written transaction. Its foreign key to users checked each logged row on its own (a
// lookup and a row lock on the user: a quarter of PostgreSQL's CPU per row in the ingest
// profile); without it (migration FeedLogUserCascade) a page write reads no user row, and a
// deleted user's or tenant's log still goes with them.
describe('change feed log: no per-row work on users, the log still goes with its user', () => {
  let db: TestDatabase;

  const seed = async (): Promise<AccountKey> => {
    const q = (sql: string, params: unknown[]) => db.dataSource.query(sql, params);
    const key = { tenantId: newId(), userId: newId(), accountId: newId() };
    const connectionId = newId();
    await q(`INSERT INTO tenants (id, name) VALUES ($1, 'feed log')`, [key.tenantId]);
    await q(`INSERT INTO users (id, tenant_id, external_id) VALUES ($1, $2, 'fl')`, [key.userId, key.tenantId]);
    await q(`INSERT INTO connections (id, tenant_id, user_id, connector_id, bank_id, aggregation_status, aggregation_status_changed_at) VALUES ($1, $2, $3, 'x', 'x', 'success', now())`, [
      connectionId,
      key.tenantId,
      key.userId,
    ]);
    await q(`INSERT INTO bank_accounts (id, tenant_id, user_id, connection_id, bank_account_id, currency_code, import_date) VALUES ($1, $2, $3, $4, 'acc', 'JPY', now())`, [
      key.accountId,
      key.tenantId,
      key.userId,
      connectionId,
    ]);
    return key;
  };
  const logged = async (userId: string): Promise<number> =>
    ((await db.dataSource.query(`SELECT count(*)::int AS n FROM transaction_changes WHERE user_id = $1`, [userId])) as Array<{ n: number }>)[0]?.n ?? -1;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('logs every row of a 500-row page without reading a user row per logged row', async () => {
    const key = await seed();
    const read = await db.dataSource.transaction(async (m) => {
      const before = await rowsRead(m, 'users');
      const w = await writeTransactionPage(m, key, april, page('p', 500), { stamp: new Date(), order: new FetchOrder() });
      expect(w.inserted).toBe(500);
      return (await rowsRead(m, 'users')) - before;
    });
    expect(await logged(key.userId)).toBe(500);
    // Before: 500 (one foreign-key check of the log per row).
    expect(read).toBe(0);
  });

  // Every re-sync writes its window's rows again (stamped fetched, keyed in the bank's order):
  // the log's UPDATE trigger logs the changed ones only. As a statement trigger it joined the
  // statement's old and new rows (a nested loop: 0.4 s for 1,000 rows); as a row trigger whose
  // WHEN drops an unchanged row (migration FeedLogChangedRowsOnly), its work grows with the page.
  it('logs nothing for a re-written unchanged page, one entry per changed row, in time linear in the page', async () => {
    const key = await seed();
    const write = async (rows: Transaction[]): Promise<number> => {
      const started = process.hrtime.bigint();
      await db.dataSource.transaction((m) => writeTransactionPage(m, key, april, rows, { stamp: new Date(), order: new FetchOrder() }));
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const small = page('s', 200);
    const large = page('l', 2_000);
    await write(small);
    await write(large);
    const logs = await logged(key.userId);
    expect(logs).toBe(2_200);
    // The quickest of three re-writes of each: ten times the rows, about ten times the time (before: about a hundred).
    const quickest = async (rows: Transaction[]): Promise<number> => Math.min(await write(rows), await write(rows), await write(rows));
    const [smallMs, largeMs] = [await quickest(small), await quickest(large)];
    expect(await logged(key.userId)).toBe(logs);
    expect(largeMs / smallMs).toBeLessThan(30);
    // One row of the large page changed, written twice (a retry): one 'modified' entry.
    const changed = large.map((t, i) => (i === 1_234 ? { ...t, amountMinor: t.amountMinor - 1n } : t));
    await write(changed);
    await write(changed);
    const entries = (await db.dataSource.query(
      `SELECT c.change, t.bank_transaction_id FROM transaction_changes c JOIN transactions t ON t.user_id = c.user_id AND t.account_id = c.account_id AND t.id = c.transaction_id
        WHERE c.user_id = $1 ORDER BY c.seq OFFSET $2`,
      [key.userId, logs],
    )) as Array<{ change: string; bank_transaction_id: string }>;
    expect(entries).toEqual([{ change: 'modified', bank_transaction_id: 'l-1234' }]);
  });

  it('deletes a deleted user’s log, and a deleted tenant’s users’ logs, and no one else’s', async () => {
    const [gone, kept, tenantGone] = [await seed(), await seed(), await seed()];
    for (const key of [gone, kept, tenantGone]) await db.dataSource.transaction((m) => writeTransactionPage(m, key, april, page('d', 20), { stamp: new Date(), order: new FetchOrder() }));
    expect([await logged(gone.userId), await logged(kept.userId), await logged(tenantGone.userId)]).toEqual([20, 20, 20]);
    await db.dataSource.query(`DELETE FROM users WHERE id = $1`, [gone.userId]);
    await db.dataSource.query(`DELETE FROM tenants WHERE id = $1`, [tenantGone.tenantId]);
    expect([await logged(gone.userId), await logged(kept.userId), await logged(tenantGone.userId)]).toEqual([0, 20, 0]);
  });
});
