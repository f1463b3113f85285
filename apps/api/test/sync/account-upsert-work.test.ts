import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Account } from '@kinko/connector-sdk';
import { newId } from '../../src/database/ids';
import { accountsOfConnection, upsertAccounts } from '../../src/sync/account-store';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Issue 19 (PG): the accounts stage upserts the accounts the bank listed; an account listed as it
// is stored is not rewritten (no new row version: the accounts' states statement of the same
// transaction updates it once, without the foreign key checks PostgreSQL runs on an update of a
// row its own transaction wrote), and the stored rows come back all the same — changed, new and
// unchanged ones — as accountsOfConnection reads them. Real PostgreSQL; a row version is its xmin.
describe('the accounts stage\'s upsert of the listed accounts', () => {
  let db: TestDatabase;
  const tenantId = newId();
  const userId = newId();
  const scope = { tenantId, userId };
  const connectionId = newId();
  const JPY = 'JPY' as Account['currency'];
  const listed = (name2: string): Account[] => [
    { bankAccountId: 'acc-1', number: '****1111', name: 'Ordinary', type: 'current', currency: JPY, bankAccountType: '普通', ownerType: 'personal', branch: { code: '001' } },
    { bankAccountId: 'acc-2', number: '****2222', name: name2, type: 'savings', currency: JPY, holderName: 'TARO' },
  ];
  const versions = async (): Promise<Map<string, string>> =>
    new Map(
      ((await db.dataSource.query(`SELECT bank_account_id, xmin::text AS v FROM bank_accounts WHERE connection_id = $1`, [connectionId])) as Array<{ bank_account_id: string; v: string }>).map((r) => [
        r.bank_account_id,
        r.v,
      ]),
    );
  const upsert = (accounts: readonly Account[]) =>
    db.dataSource.transaction((m) => upsertAccounts(m, scope, { id: connectionId, consentId: null, providerType: 'bank' }, accounts, new Date('2026-12-07T06:00:00Z')));

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.dataSource.query(`INSERT INTO tenants (id, name) VALUES ($1, 'upsert')`, [tenantId]);
    await db.dataSource.query(`INSERT INTO users (id, tenant_id, external_id) VALUES ($1, $2, 'upsert-user')`, [userId, tenantId]);
    await db.dataSource.query(`INSERT INTO connections (id, tenant_id, user_id, connector_id, bank_id, aggregation_status, aggregation_status_changed_at) VALUES ($1, $2, $3, 'c', 'c', 'success', now())`, [
      connectionId,
      tenantId,
      userId,
    ]);
  });
  afterAll(() => db?.drop());

  it('writes new and changed accounts, leaves unchanged ones as they are, and returns every listed account as stored', async () => {
    const first = await upsert(listed('Savings'));
    expect(first.map((a) => a.bankAccountId)).toEqual(['acc-1', 'acc-2']);
    expect(first).toEqual((await accountsOfConnection(db.dataSource.manager, scope, connectionId)).sort((a, b) => a.bankAccountId.localeCompare(b.bankAccountId)));
    const before = await versions();

    // Listed again as stored: no row rewritten, the same rows returned.
    const again = await upsert(listed('Savings'));
    expect(await versions()).toEqual(before);
    expect(again).toEqual(first);

    // One renamed and one new: those two written, the unchanged one kept; all three returned in the bank's order.
    const changed = await upsert([...listed('Savings 2'), { bankAccountId: 'acc-3', number: '****3333', name: 'New', type: 'current', currency: 'USD' as Account['currency'] }]);
    const after = await versions();
    expect(after.get('acc-1')).toBe(before.get('acc-1'));
    expect(after.get('acc-2')).not.toBe(before.get('acc-2'));
    expect(after.has('acc-3')).toBe(true);
    expect(changed.map((a) => a.bankAccountId)).toEqual(['acc-1', 'acc-2', 'acc-3']);
    const stored = await accountsOfConnection(db.dataSource.manager, scope, connectionId);
    expect(changed).toEqual(['acc-1', 'acc-2', 'acc-3'].map((id) => stored.find((a) => a.bankAccountId === id)));
    const renamed = (await db.dataSource.query(`SELECT name FROM bank_accounts WHERE connection_id = $1 AND bank_account_id = 'acc-2'`, [connectionId])) as Array<{ name: string }>;
    expect(renamed[0]?.name).toBe('Savings 2');
  });
});
