import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { newId } from './ids';
import { ConnectFlows1795590000000 } from './migrations/1795590000000-ConnectFlows';
import { MIGRATIONS } from './migrations';

// Issue 13 §4: the redirect flow's rows were "link sessions", the words of the Link pages'
// browser sessions; they become connect flows — stored rows, constraint names and the audit
// targets of their bank calls included — and back again.
describe('migration ConnectFlows', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db?.drop());

  it('renames link_sessions to connect_flows with its rows, constraints, index and audit targets; down restores them', async () => {
    const runner = db.dataSource.createQueryRunner();
    try {
      const mine = MIGRATIONS.findIndex((m) => m === ConnectFlows1795590000000);
      expect(mine).toBeGreaterThan(0);
      for (const M of MIGRATIONS.slice(0, mine)) await new M().up(runner);
      const [tenantId, userId, flowId] = [newId(), newId(), newId()];
      const q = (sql: string, params: unknown[] = []) => runner.query(sql, params) as Promise<Array<Record<string, unknown>>>;
      await q(`INSERT INTO tenants (id, name) VALUES ($1, 'm')`, [tenantId]);
      await q(`INSERT INTO users (id, tenant_id, external_id) VALUES ($1, $2, 'm')`, [userId, tenantId]);
      await q(
        `INSERT INTO link_sessions (id, tenant_id, user_id, bank_id, connector_id, state_hash, redirect_uri, status, expires_at)
          VALUES ($1, $2, $3, 'b', 'c', 'h', 'http://127.0.0.1/cb', 'pending', now())`,
        [flowId, tenantId, userId],
      );
      await q(`INSERT INTO audit_log (tenant_id, actor, action, target) VALUES ($1, 'a', 'bank.call', $2), ($1, 'a', 'bank.call', 'connection:x'), ($1, 'a', 'other', 'link_sessionx')`, [
        tenantId,
        `link_session:${flowId}`,
      ]);
      const names = async (table: string) =>
        (await q(`SELECT conname AS n FROM pg_constraint WHERE conrelid = $1::regclass UNION SELECT indexname FROM pg_indexes WHERE tablename = $2 ORDER BY 1`, [table, table])).map((r) => r['n']);
      const before = await names('link_sessions');
      const targets = async () => (await q(`SELECT target FROM audit_log ORDER BY id`)).map((r) => r['target']);

      await new ConnectFlows1795590000000().up(runner);
      expect(await q(`SELECT to_regclass('link_sessions') AS t`)).toEqual([{ t: null }]);
      expect(await q(`SELECT id, status FROM connect_flows`)).toEqual([{ id: flowId, status: 'pending' }]);
      expect(await names('connect_flows')).toEqual(before.map((n) => String(n).replace('link_sessions', 'connect_flows')).sort());
      expect(await targets()).toEqual([`connect_flow:${flowId}`, 'connection:x', 'link_sessionx']);

      await new ConnectFlows1795590000000().down(runner);
      expect(await q(`SELECT id FROM link_sessions`)).toEqual([{ id: flowId }]);
      expect(await names('link_sessions')).toEqual(before);
      expect(await targets()).toEqual([`link_session:${flowId}`, 'connection:x', 'link_sessionx']);
    } finally {
      await runner.release();
    }
  });
});
