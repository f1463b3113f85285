import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { newId } from './ids';
import { ConnectionBankId1795740000000 } from './migrations/1795740000000-ConnectionBankId';
import { MIGRATIONS } from './migrations';

// Issue 13 §4: a connection's bank is its bankId, always — no connectorId fallback where it is
// read. Stored rows without one take their connector id (what the fallback answered), and
// the column becomes required; down makes it optional again.
describe('migration ConnectionBankId', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db?.drop());

  it('names every stored connection by its bank (null → its connector id), then requires bank_id; down allows null again', async () => {
    const runner = db.dataSource.createQueryRunner();
    try {
      const mine = MIGRATIONS.findIndex((m) => m === ConnectionBankId1795740000000);
      expect(mine).toBeGreaterThan(0);
      for (const M of MIGRATIONS.slice(0, mine)) await new M().up(runner);
      const [tenantId, userId, old, named] = [newId(), newId(), newId(), newId()];
      const q = (sql: string, params: unknown[] = []) => runner.query(sql, params) as Promise<Array<Record<string, unknown>>>;
      await q(`INSERT INTO tenants (id, name) VALUES ($1, 'm')`, [tenantId]);
      await q(`INSERT INTO users (id, tenant_id, external_id) VALUES ($1, $2, 'm')`, [userId, tenantId]);
      const insert = (id: string, bankId: string | null) =>
        q(`INSERT INTO connections (id, tenant_id, user_id, connector_id, bank_id, aggregation_status, aggregation_status_changed_at) VALUES ($1, $2, $3, 'bank-common-api', $4, 'success', now())`, [
          id,
          tenantId,
          userId,
          bankId,
        ]);
      await insert(old, null);
      await insert(named, 'bca-0001');

      await new ConnectionBankId1795740000000().up(runner);
      expect(await q(`SELECT id, bank_id FROM connections ORDER BY bank_id`)).toEqual([
        { id: old, bank_id: 'bank-common-api' },
        { id: named, bank_id: 'bca-0001' },
      ]);
      await expect(insert(newId(), null)).rejects.toThrow(/bank_id/);

      await new ConnectionBankId1795740000000().down(runner);
      await insert(newId(), null);
      expect(await q(`SELECT count(*)::int AS n FROM connections WHERE bank_id IS NULL`)).toEqual([{ n: 1 }]);
    } finally {
      await runner.release();
    }
  });
});
