import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '../../src/database/ids';
import { accountsOfConnection } from '../../src/sync/account-store';
import { currentConsent, insertConsent } from '../../src/sync/consent-store';
import { insertSession, loadSessionForRun } from '../../src/sync/session-store';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Issue 19 (STMT): a run's first read takes the connection's current consent and its stored
// accounts with the session (one statement: the consent's and the accounts' own SELECTs were a
// round trip each per session). They must be what currentConsent and accountsOfConnection read —
// the newest consent, the accounts in their order, every field mapped the same way, instants to
// the millisecond — or none.
describe('a run\'s first read: the session, the connection\'s current consent and its accounts in one statement', () => {
  let db: TestDatabase;
  const tenantId = newId();
  const userId = newId();
  const scope = { tenantId, userId };

  const connection = async (): Promise<string> => {
    const id = newId();
    await db.dataSource.query(`INSERT INTO connections (id, tenant_id, user_id, connector_id, bank_id, aggregation_status, aggregation_status_changed_at) VALUES ($1, $2, $3, 'c', 'c', 'success', now())`, [
      id,
      tenantId,
      userId,
    ]);
    return id;
  };
  const session = async (connectionId: string): Promise<string> => {
    const id = newId();
    await insertSession(db.dataSource.manager, { id, tenantId, userId, connectionId, requestedBy: 'scheduler', parameters: {}, createdAt: new Date() });
    return id;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.dataSource.query(`INSERT INTO tenants (id, name) VALUES ($1, 'run load')`, [tenantId]);
    await db.dataSource.query(`INSERT INTO users (id, tenant_id, external_id) VALUES ($1, $2, 'run-load-user')`, [userId, tenantId]);
  });
  afterAll(() => db?.drop());

  it('reads the same current consent and accounts as currentConsent and accountsOfConnection (every field, instants included), and none for a connection without them', async () => {
    const withConsents = await connection();
    const m = db.dataSource.manager;
    // An older consent, then the current one with every optional field set (an unknown kind in its scope is dropped by the mapping).
    await insertConsent(m, scope, { id: newId(), connectionId: withConsents, status: 'valid', createDate: new Date('2026-01-01T00:00:00.123Z'), expirationDate: null, maxHistoryDays: 90, scope: {} });
    await insertConsent(m, scope, {
      id: newId(),
      connectionId: withConsents,
      status: 'expired',
      invalidationReason: 'Expired',
      previousStatus: 'valid',
      createDate: new Date('2026-06-01T09:08:07.654Z'),
      expirationDate: new Date('2026-09-01T01:02:03.456Z'),
      maxHistoryDays: 730,
      scope: { data: ['accounts', 'transactions'], transactionKinds: ['booked', 'nonsense'] },
      lastScaAt: new Date('2026-05-31T23:59:59.999Z'),
    });
    const loaded = await loadSessionForRun(m, scope, await session(withConsents));
    const expected = await currentConsent(m, scope, withConsents);
    expect(expected?.consent.status).toBe('expired');
    expect(loaded?.consent).toEqual(expected);
    expect(loaded?.consent?.consent.lastScaAt?.toISOString()).toBe('2026-05-31T23:59:59.999Z');
    expect(loaded?.consent?.storedExpiration?.toISOString()).toBe('2026-09-01T01:02:03.456Z');

    // The accounts: one never synced, one failed with its error, one inactive (in import order).
    await db.dataSource.query(
      `INSERT INTO bank_accounts (id, tenant_id, user_id, connection_id, bank_account_id, currency_code, import_date, is_active, sync_status, transaction_sync_status, last_sync_date, transaction_sync_date, sync_error, sync_execution_id)
       VALUES ($1, $4, $5, $6, 'b-1', 'JPY', '2026-01-01T00:00:00Z', true, 'active', NULL, NULL, NULL, NULL, NULL),
              ($2, $4, $5, $6, 'b-2', 'USD', '2026-01-02T00:00:00Z', true, 'failed', 'failed', '2026-06-01T10:11:12.345Z', '2026-06-01T10:11:13.678Z', $7::jsonb, $8),
              ($3, $4, $5, $6, 'b-3', 'JPY', '2026-01-03T00:00:00Z', false, 'active', 'completed', '2026-05-01T00:00:00.001Z', '2026-05-01T00:00:00.002Z', NULL, $8)`,
      [newId(), newId(), newId(), tenantId, userId, withConsents, JSON.stringify({ errorType: 'temporaryError', executionId: 'x' }), newId()],
    );
    const withAccounts = await loadSessionForRun(m, scope, await session(withConsents));
    const stored = await accountsOfConnection(m, scope, withConsents);
    expect(stored.map((a) => a.bankAccountId)).toEqual(['b-1', 'b-2', 'b-3']);
    expect(withAccounts?.accounts).toEqual(stored);
    expect(withAccounts?.accounts[1]?.state.lastSyncDate?.toISOString()).toBe('2026-06-01T10:11:12.345Z');

    const without = await connection();
    const bare = await loadSessionForRun(m, scope, await session(without));
    expect(await currentConsent(m, scope, without)).toBeNull();
    expect(bare?.consent).toBeNull();
    expect(bare?.accounts).toEqual([]);
    expect(bare?.row.connectionId).toBe(without);
  });
});
