import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '../../src/database/ids';
import { currentConsent, insertConsent } from '../../src/sync/consent-store';
import { insertSession, loadSessionForRun } from '../../src/sync/session-store';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Issue 19 (STMT): a run's first read takes the connection's current consent with the session
// (one statement: the consent's own SELECT was a round trip per session). It must be the very
// consent currentConsent reads — the newest one, every field mapped the same way, instants to
// the millisecond — or none.
describe('a run\'s first read: the session and the connection\'s current consent in one statement', () => {
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

  it('reads the same current consent as currentConsent (the newest; every field, instants included), and none for a connection without one', async () => {
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

    const without = await connection();
    const bare = await loadSessionForRun(m, scope, await session(without));
    expect(await currentConsent(m, scope, without)).toBeNull();
    expect(bare?.consent).toBeNull();
    expect(bare?.row.connectionId).toBe(without);
  });
});
