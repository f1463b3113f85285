import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { NotFoundError } from '../common/errors';
import { Connection } from '../connections/connection.entity';
import { Consent } from '../connections/consent.entity';
import { Tenant } from '../tenants/tenant.entity';
import { User } from '../users/user.entity';
import { newId } from './ids';
import { ScopedData, type UserScope } from './scoped-data';

describe('ScopedData', () => {
  let db: TestDatabase;
  let data: ScopedData;
  const tenantA = newId();
  const tenantB = newId();
  const a1: UserScope = { tenantId: tenantA, userId: newId() };
  const a2: UserScope = { tenantId: tenantA, userId: newId() };
  const b1: UserScope = { tenantId: tenantB, userId: newId() };
  const connectionOf = new Map<string, string>();

  beforeAll(async () => {
    db = await createTestDatabase();
    data = new ScopedData(db.dataSource);
    await db.dataSource.getRepository(Tenant).insert([
      { id: tenantA, name: 'A' },
      { id: tenantB, name: 'B' },
    ]);
    for (const [scope, name] of [[a1, 'a1'], [a2, 'a2'], [b1, 'b1']] as const) {
      await data.forTenant(User, scope).insert({ id: scope.userId, externalId: name });
      const id = newId();
      connectionOf.set(name, id);
      await data.forUser(Connection, scope).insert({ id, connectorId: 'c', bankId: 'c', aggregationStatus: 'success', aggregationStatusChangedAt: new Date() });
    }
  });
  afterAll(() => db?.drop());

  it('reads only the scope’s rows', async () => {
    expect((await data.forUser(Connection, a1).find()).map((c) => c.id)).toEqual([connectionOf.get('a1')]);
    expect(await data.forTenant(User, { tenantId: tenantA }).count()).toBe(2);
    expect(await data.forUser(Connection, a1).findOne({ id: connectionOf.get('a2') as string })).toBeNull();
    await expect(data.forUser(Connection, a1).get({ id: connectionOf.get('b1') as string })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('cannot be widened by the caller’s own where clause', async () => {
    // The scope's columns override whatever the caller passes, in every OR branch.
    const sneaky = await data.forUser(Connection, a1).find({ where: [{ tenantId: tenantB }, { userId: b1.userId }] });
    expect(sneaky.map((c) => c.id)).toEqual([connectionOf.get('a1')]);
  });

  it('updates and deletes nothing outside the scope', async () => {
    const b1Connection = connectionOf.get('b1') as string;
    expect(await data.forUser(Connection, a1).update({ id: b1Connection }, { aggregationStatus: 'error.temporary' })).toBe(0);
    expect(await data.forUser(Connection, a1).delete({ id: b1Connection })).toBe(0);
    await expect(data.forUser(Connection, a1).updateOne({ id: b1Connection }, { deactivated: true })).rejects.toBeInstanceOf(NotFoundError);
    const untouched = await data.forUser(Connection, b1).get({ id: b1Connection });
    expect(untouched.aggregationStatus).toBe('success');
    expect(untouched.deactivated).toBe(false);
  });

  it('never moves a row to another scope on update', async () => {
    const id = connectionOf.get('a1') as string;
    await data.forUser(Connection, a1).update({ id }, { userId: b1.userId, tenantId: tenantB, aggregationStatus: 'running.auth' } as never);
    const row = await data.forUser(Connection, a1).get({ id });
    expect(row.aggregationStatus).toBe('running.auth');
    expect(row.userId).toBe(a1.userId);
  });

  it('stamps inserts with the scope', async () => {
    const id = newId();
    await data.forUser(Connection, a2).insert({ id, tenantId: tenantB, userId: b1.userId, connectorId: 'c', bankId: 'c', aggregationStatus: 'inactive', aggregationStatusChangedAt: new Date() } as never);
    const row = await data.forUser(Connection, a2).get({ id });
    expect([row.tenantId, row.userId]).toEqual([a2.tenantId, a2.userId]);
  });

  it('scopes query builders', async () => {
    const rows = await data.forUser(Connection, b1).queryBuilder('c').andWhere('c.connectorId = :id', { id: 'c' }).getMany();
    expect(rows.map((r) => r.userId)).toEqual([b1.userId]);
  });

  it('runs transactions with scoped repositories inside them', async () => {
    const id = newId();
    await expect(
      data.transaction(async (tx) => {
        await tx.forUser(Connection, b1).insert({ id, connectorId: 'c', bankId: 'c', aggregationStatus: 'inactive', aggregationStatusChangedAt: new Date() });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await data.forUser(Connection, b1).exists({ id })).toBe(false);
  });

  it('refuses an empty scope instead of querying without it', () => {
    expect(() => data.forUser(Connection, { tenantId: tenantA, userId: '' })).toThrow(/scope.userId/);
    expect(() => data.forTenant(User, { tenantId: undefined as unknown as string })).toThrow(/scope.tenantId/);
  });
});

describe('ScopedRepository typing', () => {
  it('takes plain partial rows, JSON columns included', async () => {
    const db = await createTestDatabase();
    try {
      const data = new ScopedData(db.dataSource);
      const tenantId = newId();
      const scope = { tenantId, userId: newId() };
      await db.dataSource.getRepository(Tenant).insert({ id: tenantId, name: 'T' });
      await data.forTenant(User, scope).insert({ id: scope.userId, externalId: 'u' });
      const connectionId = newId();
      await data.forUser(Connection, scope).insert({ id: connectionId, connectorId: 'c', bankId: 'c', aggregationStatus: 'success', aggregationStatusChangedAt: new Date() });
      const id = newId();
      await data.forUser(Consent, scope).insert({ id, connectionId, status: 'valid', createDate: new Date(), maxHistoryDays: 90, scope: { accounts: ['a1'], balances: true } });
      await data.forUser(Consent, scope).update({ id }, { scope: { accounts: [] }, lastScaAt: new Date() });
      expect((await data.forUser(Consent, scope).get({ id })).scope).toEqual({ accounts: [] });
      // The check constraint holds: at most 1460 days of history.
      await expect(data.forUser(Consent, scope).update({ id }, { maxHistoryDays: 2000 })).rejects.toThrow(/ck_consents_max_history_days/);
    } finally {
      await db.drop();
    }
  });
});
