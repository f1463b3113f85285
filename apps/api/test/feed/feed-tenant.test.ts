import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { problemType } from '../../src/http/problem';
import { TenantsService } from '../../src/tenants/tenants.service';
import type { AccountKey } from '../../src/sync/transaction-writer';
import type { SeededUser } from '../support/fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type FeedPage, bankTx, caughtUp, createFeedHarness, entries, type FeedHarness, feedPage, get, listing, seedFeedUser, syncAccount, type View } from './harness';

// The tenant equivalent of the change feed (issue 14 §1, issue 15's tenant API): the tenant's
// API key with `Kinko-Acting-As-User: <userId>` reads GET /api/v2/transactions/sync as the
// user's token does — the same pages, the same cursors either way — and a user of another
// tenant (or no user) answers 404. Real PostgreSQL, HTTP over loopback.
describe('transactions change feed: the tenant reads it with its API key', () => {
  let db: TestDatabase;
  let h: FeedHarness;
  let user: SeededUser;
  let accounts: AccountKey[];
  let foreignUserId: string;
  let foreignKey: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    h = await createFeedHarness(db);
    ({ user, accounts } = await seedFeedUser(h, 'tenant-feed-user', 1));
    const other = await h.app.get(TenantsService).bootstrap('Another tenant');
    foreignKey = other.apiKey.apiKey;
    const { user: foreign } = await seedFeedUser({ ...h, tenantId: other.tenant.id }, 'foreign-user', 0);
    foreignUserId = foreign.userId;
  });
  afterAll(async () => {
    await h?.close();
    await db?.drop();
  });

  const asTenant = (path: string, userId: string, key = h.apiKey) => get(h.base, key, path, { 'kinko-acting-as-user': userId });
  const tenantPage = async (cursor: string | undefined, count: number): Promise<FeedPage> => {
    const res = await asTenant(`/api/v2/transactions/sync?count=${count}${cursor !== undefined ? `&cursor=${cursor}` : ''}`, user.userId);
    expect(res.status).toBe(200);
    return res.body as FeedPage;
  };

  it('answers the pages the user token answers, and the cursors work either way', async () => {
    const key = accounts[1] as AccountKey;
    await syncAccount(h.db.dataSource, key, { booked: [bankTx('t1', 'booked', '2026-04-01', -100), bankTx('t2', 'booked', '2026-04-02', -200)], pending: [bankTx('tp', 'pending', '2026-04-03', -50)] });
    await caughtUp(h.db.dataSource);
    const byTenant = await tenantPage(undefined, 500);
    expect(byTenant).toEqual(await feedPage(h.base, user.token, undefined, 500));
    expect(byTenant.added.length).toBeGreaterThan(2);

    // A change after: the tenant's cursor read with the user's token, and the other way round.
    await syncAccount(h.db.dataSource, key, { booked: [bankTx('t1', 'booked', '2026-04-01', -100), bankTx('t2', 'booked', '2026-04-02', -200), bankTx('t3', 'booked', '2026-04-04', -300)], pending: [] });
    await caughtUp(h.db.dataSource);
    const next = await feedPage(h.base, user.token, byTenant.nextCursor, 500);
    expect(next.added.map((t) => t.bankTransactionId)).toEqual(['t3']);
    expect(next.removed.map((r) => r.accountId)).toEqual([key.accountId]);
    expect(await tenantPage(byTenant.nextCursor, 500)).toEqual(next);
    expect((await tenantPage(next.nextCursor, 500)).added).toEqual([]);

    const replica = new Map<string, View>();
    for (const t of [...byTenant.added, ...next.added]) replica.set(t.id, t);
    for (const r of next.removed) replica.delete(r.id);
    expect(entries(replica)).toEqual(entries(await listing(h.base, user.token, accounts.map((a) => a.accountId))));
  });

  it('answers 404 for a user of another tenant or no user, and for another tenant’s key acting as this user', async () => {
    for (const id of [foreignUserId, '01234567-89ab-7def-8123-456789abcdef']) {
      const res = await asTenant('/api/v2/transactions/sync', id);
      expect([res.status, (res.body as { type: string }).type]).toEqual([404, problemType('not-found')]);
    }
    const crossed = await asTenant('/api/v2/transactions/sync', user.userId, foreignKey);
    expect([crossed.status, (crossed.body as { type: string }).type]).toEqual([404, problemType('not-found')]);
    // This user's cursor, read as another tenant's user: not theirs to serve.
    const { nextCursor } = await tenantPage(undefined, 1);
    const other = await asTenant(`/api/v2/transactions/sync?cursor=${nextCursor}`, foreignUserId, foreignKey);
    expect([other.status, (other.body as { type: string }).type]).toEqual([410, problemType('cursor-unusable')]);
  });
});
