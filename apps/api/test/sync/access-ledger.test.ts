import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '../../src/database/ids';
import { takeUnattendedAccesses } from '../../src/sync/access-ledger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Issue 19 (STMT §3): the unattended-access ledger of a session's accounts is taken for all of
// them at once (their rows locked in one statement, their budgets read in one, the accesses taken in
// one), and stays race-free: two sessions taking the last access of the same accounts at the
// same time get it once per account.
describe('unattended-access ledger: several accounts at once', () => {
  let db: TestDatabase;
  const tenantId = newId();
  const userId = newId();
  const connectionId = newId();
  const accounts = [newId(), newId(), newId()];

  const newSession = async (): Promise<{ id: string; tenantId: string; userId: string }> => {
    const id = newId();
    await db.dataSource.query(`INSERT INTO sync_sessions (id, tenant_id, user_id, connection_id, status, requested_by) VALUES ($1, $2, $3, $4, 'running', 'scheduler')`, [
      id,
      tenantId,
      userId,
      connectionId,
    ]);
    return { id, tenantId, userId };
  };
  const ledger = async (): Promise<Array<{ account_id: string; session_id: string }>> =>
    (await db.dataSource.query(`SELECT account_id, session_id FROM unattended_accesses ORDER BY accessed_at, account_id`)) as Array<{ account_id: string; session_id: string }>;

  beforeAll(async () => {
    db = await createTestDatabase();
    const q = (sql: string, params: unknown[]): Promise<unknown> => db.dataSource.query(sql, params);
    await q(`INSERT INTO tenants (id, name) VALUES ($1, 'ledger')`, [tenantId]);
    await q(`INSERT INTO users (id, tenant_id, external_id) VALUES ($1, $2, 'ledger-user')`, [userId, tenantId]);
    await q(`INSERT INTO connections (id, tenant_id, user_id, connector_id, bank_id, aggregation_status, aggregation_status_changed_at) VALUES ($1, $2, $3, 'c', 'c', 'success', now())`, [
      connectionId,
      tenantId,
      userId,
    ]);
    await q(
      `INSERT INTO bank_accounts (id, tenant_id, user_id, connection_id, bank_account_id, currency_code, import_date) SELECT a, $1, $2, $3, 'b-' || a, 'JPY', now() FROM unnest($4::uuid[]) AS a`,
      [tenantId, userId, connectionId, accounts],
    );
  });
  afterAll(() => db?.drop());

  it('takes one access per account within the budget, again for free in the same session, and refuses past it with the next allowed instant', async () => {
    const now = new Date('2026-12-07T06:00:00Z');
    const first = await newSession();
    const taken = await db.dataSource.transaction((m) => takeUnattendedAccesses(m, first, accounts, now, 2));
    expect([...taken.values()]).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    // The same session again (a retried attempt): allowed, nothing new in the ledger.
    const again = await db.dataSource.transaction((m) => takeUnattendedAccesses(m, first, accounts, new Date(now.getTime() + 60_000), 2));
    expect([...again.values()].every((t) => t.allowed)).toBe(true);
    expect(await ledger()).toHaveLength(3);
    // A second session an hour later: the second access of the day (limit 2).
    const second = await newSession();
    const later = new Date(now.getTime() + 3_600_000);
    expect([...(await db.dataSource.transaction((m) => takeUnattendedAccesses(m, second, accounts, later, 2))).values()].every((t) => t.allowed)).toBe(true);
    // A third: refused for each account until the first access leaves the 24 h window.
    const third = await newSession();
    const refused = await db.dataSource.transaction((m) => takeUnattendedAccesses(m, third, accounts, new Date(later.getTime() + 60_000), 2));
    for (const id of accounts) expect(refused.get(id)).toEqual({ allowed: false, nextAllowedAt: new Date(now.getTime() + 86_400_000) });
    expect(await ledger()).toHaveLength(6);
  });

  it('is race-free: two sessions taking the last access of the same accounts at once get it once per account', async () => {
    await db.dataSource.query(`DELETE FROM unattended_accesses`);
    const [a, b] = [await newSession(), await newSession()];
    const now = new Date('2026-12-08T06:00:00Z');
    // Both hold their transaction open a moment after taking, so the two overlap.
    const take = (s: { id: string; tenantId: string; userId: string }): Promise<Map<string, { allowed: boolean }>> =>
      db.dataSource.transaction(async (m) => {
        const r = await takeUnattendedAccesses(m, s, [...accounts].reverse(), now, 1);
        await new Promise((resolve) => setTimeout(resolve, 200));
        return r;
      });
    const [ra, rb] = await Promise.all([take(a), take(b)]);
    for (const id of accounts) expect([ra.get(id)?.allowed, rb.get(id)?.allowed].filter(Boolean)).toHaveLength(1);
    const rows = await ledger();
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((r) => r.account_id))).toEqual(new Set(accounts));
  });

  // Issue 19 (STMT): the engine takes an unattended session's accesses in the accounts stage's
  // transaction, whose states statement updated the accounts' rows already (FOR NO KEY UPDATE
  // row locks): no lock statement of the ledger's own (`locked`), still race-free against a
  // taker that locks (FOR UPDATE) and against another that updated the rows first.
  it('is race-free when the caller\'s transaction updated the accounts\' rows before taking (no lock statement of its own)', async () => {
    for (const other of ['locking', 'updating'] as const) {
      await db.dataSource.query(`DELETE FROM unattended_accesses`);
      const [a, b] = [await newSession(), await newSession()];
      const now = new Date('2026-12-09T06:00:00Z');
      const take = (s: { id: string; tenantId: string; userId: string }, updated: boolean): Promise<Map<string, { allowed: boolean }>> =>
        db.dataSource.transaction(async (m) => {
          // As the engine's states statement does: the rows locked in id order first (a plain
          // UPDATE locks them in the heap's order, which a locker taking them in id order can
          // deadlock with — the test failed so once under load).
          if (updated) await m.query(`UPDATE bank_accounts a SET updated_at = now() FROM (SELECT id FROM bank_accounts WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE) o WHERE a.id = o.id`, [accounts]);
          const r = await takeUnattendedAccesses(m, s, accounts, now, 1, undefined, updated);
          await new Promise((resolve) => setTimeout(resolve, 200));
          return r;
        });
      const [ra, rb] = await Promise.all([take(a, true), take(b, other === 'updating')]);
      for (const id of accounts) expect([ra.get(id)?.allowed, rb.get(id)?.allowed].filter(Boolean)).toHaveLength(1);
      expect(await ledger()).toHaveLength(3);
    }
  });
});
