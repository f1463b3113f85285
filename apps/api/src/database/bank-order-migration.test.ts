import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { newId } from './ids';
import { BankOrderWithinDay1795410000000 } from './migrations/1795410000000-BankOrderWithinDay';
import { MIGRATIONS } from './migrations';

// The migration on a database holding rows of the old meaning of bank_order (the place in
// the whole fetch that last returned the row): within each day they keep their relative order
// — that fetch, then that place — now numbered 0, 1, 2… per day, as a bigint.
describe('migration BankOrderWithinDay', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db?.drop());

  it('renumbers stored rows within their day, keeping their order, and indexes (…, transaction_date, bank_order, id)', async () => {
    const runner = db.dataSource.createQueryRunner();
    try {
      const mine = MIGRATIONS.findIndex((m) => m === BankOrderWithinDay1795410000000);
      expect(mine).toBeGreaterThan(0);
      for (const M of MIGRATIONS.slice(0, mine)) await new M().up(runner);
      const [tenantId, userId, connectionId, accountId] = [newId(), newId(), newId(), newId()];
      const q = (sql: string, params: unknown[]) => runner.query(sql, params);
      await q(`INSERT INTO tenants (id, name) VALUES ($1, 'm')`, [tenantId]);
      await q(`INSERT INTO users (id, tenant_id, external_id) VALUES ($1, $2, 'm')`, [userId, tenantId]);
      await q(`INSERT INTO connections (id, tenant_id, user_id, connector_id, aggregation_status, aggregation_status_changed_at) VALUES ($1, $2, $3, 'x', 'success', now())`, [
        connectionId,
        tenantId,
        userId,
      ]);
      await q(`INSERT INTO bank_accounts (id, tenant_id, user_id, connection_id, bank_account_id, currency_code, import_date) VALUES ($1, $2, $3, $4, 'acc', 'JPY', now())`, [
        accountId,
        tenantId,
        userId,
        connectionId,
      ]);
      // [bank id, date, fetched at, place in that fetch]: a full fetch, then an overlapping one.
      const rows: Array<[string, string, string, number]> = [
        ['a1', '2026-03-01', '2026-03-02T00:00:00Z', 0],
        ['a2', '2026-03-01', '2026-03-02T00:00:00Z', 1],
        ['b1', '2026-03-02', '2026-03-02T00:00:00Z', 2],
        ['b2', '2026-03-02', '2026-03-03T00:00:00Z', 0],
        ['b3', '2026-03-02', '2026-03-03T00:00:00Z', 1],
        ['c1', '2026-03-03', '2026-03-03T00:00:00Z', 2],
      ];
      for (const [btid, date, at, place] of rows) {
        await q(
          `INSERT INTO transactions (user_id, account_id, id, tenant_id, bank_transaction_id, kind, transaction_date, amount_minor, currency_code, last_fetched_at, bank_order)
            VALUES ($1, $2, $3, $4, $5, 'booked', $6, 100, 'JPY', $7, $8)`,
          [userId, accountId, newId(), tenantId, btid, date, at, place],
        );
      }
      await new BankOrderWithinDay1795410000000().up(runner);
      const after = (await runner.query(`SELECT bank_transaction_id AS id, bank_order::text AS o FROM transactions WHERE account_id = $1 ORDER BY bank_transaction_id`, [accountId])) as Array<{
        id: string;
        o: string;
      }>;
      expect(after).toEqual([
        { id: 'a1', o: '0' },
        { id: 'a2', o: '1' },
        { id: 'b1', o: '0' },
        { id: 'b2', o: '1' },
        { id: 'b3', o: '2' },
        { id: 'c1', o: '0' },
      ]);
      const column = (await runner.query(`SELECT data_type FROM information_schema.columns WHERE table_name = 'transactions' AND column_name = 'bank_order'`, [])) as Array<{ data_type: string }>;
      expect(column).toEqual([{ data_type: 'bigint' }]);
      const indexes = (await runner.query(`SELECT indexdef FROM pg_indexes WHERE tablename = 'transactions' AND indexdef LIKE '%transaction_date%'`, [])) as Array<{ indexdef: string }>;
      expect(indexes.map((i) => i.indexdef.replace(/^.* USING btree /, ''))).toEqual(['(user_id, account_id, transaction_date, bank_order, id)']);
      // And back down.
      await new BankOrderWithinDay1795410000000().down(runner);
      const down = (await runner.query(`SELECT indexdef FROM pg_indexes WHERE tablename = 'transactions' AND indexdef LIKE '%transaction_date%'`, [])) as Array<{ indexdef: string }>;
      expect(down.map((i) => i.indexdef.replace(/^.* USING btree /, ''))).toEqual(['(user_id, account_id, transaction_date, id)']);
    } finally {
      await runner.release();
    }
  });
});
