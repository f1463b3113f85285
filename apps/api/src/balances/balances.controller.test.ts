import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { type SeededTenant, seedTenant } from '../../test/support/fixtures';
import { createTestApp } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { DailyBalance } from './daily-balance.entity';

describe('daily balances of an account', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let tenant: SeededTenant;
  const day = (i: number): string => new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
  const get = (query: string, accountId = tenant.users[0].accountId) =>
    app.inject({ method: 'GET', url: `/api/v2/accounts/${accountId}/balances${query}`, headers: { authorization: `Bearer ${tenant.users[0].token}` } });

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db);
    tenant = await seedTenant(app, 'balances');
    const [alice] = tenant.users;
    // 1,600 days (more than one answer holds), besides the seeded 2026-11-20.
    await app
      .get(DataSource)
      .getRepository(DailyBalance)
      .insert(Array.from({ length: 1600 }, (_, i) => ({ accountId: alice.accountId, date: day(i), tenantId: alice.tenantId, userId: alice.userId, balanceMinor: 10n ** 15n + BigInt(i), currencyCode: 'JPY', source: i % 2 ? 'bank' : 'derived' })));
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('answers a range oldest first, inclusive, with exact amounts', async () => {
    const res = await get(`?from=${day(10)}&to=${day(12)}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      accountId: tenant.users[0].accountId,
      currency: 'JPY',
      items: [10, 11, 12].map((i) => ({ date: day(i), balance: { amountMinor: (10n ** 15n + BigInt(i)).toString(), currency: 'JPY', amount: (10n ** 15n + BigInt(i)).toString() }, source: i % 2 ? 'bank' : 'derived' })),
    });
  });

  it('without bounds gives the latest 1461 days; refuses a wider or reversed range, naming the field', async () => {
    const all = (await get('')).json<{ items: Array<{ date: string }> }>().items;
    expect(all).toHaveLength(1461);
    expect(all[all.length - 1]?.date).toBe('2026-11-20');
    expect(all.map((b) => b.date)).toEqual([...all.map((b) => b.date)].sort());
    const wide = await get(`?from=${day(0)}&to=${day(1461)}`);
    expect([wide.statusCode, wide.json<{ errors: unknown }>().errors]).toEqual([400, [{ field: 'to', reason: 'a range spans at most 1461 days' }]]);
    const reversed = await get(`?from=${day(5)}&to=${day(4)}`);
    expect(reversed.json<{ errors: unknown }>().errors).toEqual([{ field: 'from', reason: 'from must not be after to' }]);
    expect((await get('?from=yesterday')).statusCode).toBe(400);
    expect((await get('', tenant.users[1].accountId)).statusCode).toBe(404);
  });
});
