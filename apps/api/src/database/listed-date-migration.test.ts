import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { newId } from './ids';
import { ListedDate1795781700000 } from './migrations/1795781700000-ListedDate';
import { MIGRATIONS } from './migrations';

// Issue 17 (f): stored rows are listed under their transaction date (listed_date backfilled),
// a transaction date becomes optional, the value date is kept, and the keyset index moves to
// listed_date; down gives a dateless row its listed date back as transaction date.
describe('migration ListedDate', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db?.drop());

  it('backfills listed_date from transaction_date, allows a row without a transaction date, indexes (…, listed_date, bank_order, id); down restores', async () => {
    const runner = db.dataSource.createQueryRunner();
    try {
      const mine = MIGRATIONS.findIndex((m) => m === ListedDate1795781700000);
      expect(mine).toBeGreaterThan(0);
      for (const M of MIGRATIONS.slice(0, mine)) await new M().up(runner);
      const [tenantId, userId, connectionId, accountId] = [newId(), newId(), newId(), newId()];
      const q = (sql: string, params: unknown[] = []) => runner.query(sql, params) as Promise<Array<Record<string, unknown>>>;
      await q(`INSERT INTO tenants (id, name) VALUES ($1, 'm')`, [tenantId]);
      await q(`INSERT INTO users (id, tenant_id, external_id) VALUES ($1, $2, 'm')`, [userId, tenantId]);
      await q(`INSERT INTO connections (id, tenant_id, user_id, connector_id, bank_id, aggregation_status, aggregation_status_changed_at) VALUES ($1, $2, $3, 'x', 'x', 'success', now())`, [
        connectionId,
        tenantId,
        userId,
      ]);
      await q(`INSERT INTO bank_accounts (id, tenant_id, user_id, connection_id, bank_account_id, currency_code, import_date) VALUES ($1, $2, $3, $4, 'acc', 'EUR', now())`, [
        accountId,
        tenantId,
        userId,
        connectionId,
      ]);
      const insertOld = (btid: string, date: string) =>
        q(
          `INSERT INTO transactions (user_id, account_id, id, tenant_id, bank_transaction_id, kind, transaction_date, booking_date, amount_minor, currency_code, last_fetched_at)
            VALUES ($1, $2, $3, $4, $5, 'booked', $6, '2026-03-09', 100, 'EUR', now())`,
          [userId, accountId, newId(), tenantId, btid, date],
        );
      await insertOld('a', '2026-03-01');
      await insertOld('b', '2026-03-05');

      await new ListedDate1795781700000().up(runner);
      expect(await q(`SELECT bank_transaction_id AS id, transaction_date::text AS t, value_date::text AS v, listed_date::text AS l FROM transactions ORDER BY 1`)).toEqual([
        { id: 'a', t: '2026-03-01', v: null, l: '2026-03-01' },
        { id: 'b', t: '2026-03-05', v: null, l: '2026-03-05' },
      ]);
      await q(
        `INSERT INTO transactions (user_id, account_id, id, tenant_id, bank_transaction_id, kind, listed_date, amount_minor, currency_code, last_fetched_at)
          VALUES ($1, $2, $3, $4, 'pending:x', 'pending', '2026-03-10', -5, 'EUR', now())`,
        [userId, accountId, newId(), tenantId],
      );
      await expect(
        q(`INSERT INTO transactions (user_id, account_id, id, tenant_id, bank_transaction_id, kind, amount_minor, currency_code, last_fetched_at) VALUES ($1, $2, $3, $4, 'c', 'booked', 1, 'EUR', now())`, [
          userId,
          accountId,
          newId(),
          tenantId,
        ]),
      ).rejects.toThrow(/listed_date/);
      const indexes = async (column: string) =>
        ((await q(`SELECT indexdef FROM pg_indexes WHERE tablename = 'transactions' AND indexdef LIKE $1`, [`%(user_id, account_id, ${column}%`])) as Array<{ indexdef: string }>).map((i) =>
          i.indexdef.replace(/^.* USING btree /, ''),
        );
      expect(await indexes('listed_date')).toEqual(['(user_id, account_id, listed_date, bank_order, id)']);
      expect(await indexes('transaction_date')).toEqual([]);

      await new ListedDate1795781700000().down(runner);
      expect(await q(`SELECT bank_transaction_id AS id, transaction_date::text AS t FROM transactions ORDER BY 1`)).toEqual([
        { id: 'a', t: '2026-03-01' },
        { id: 'b', t: '2026-03-05' },
        { id: 'pending:x', t: '2026-03-10' },
      ]);
      expect(await indexes('transaction_date')).toEqual(['(user_id, account_id, transaction_date, bank_order, id)']);
    } finally {
      await runner.release();
    }
  });
});
