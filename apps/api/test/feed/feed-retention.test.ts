import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { problemType } from '../../src/http/problem';
import { SyncScheduler } from '../../src/sync/sync-scheduler';
import type { AccountKey } from '../../src/sync/transaction-writer';
import type { SeededUser } from '../support/fixtures';
import { bankTx, caughtUp, drain, entries, type FeedHarness, feedPage, get, listing, startFeedWorld, syncAccount, type View } from './harness';

// The change feed's log is pruned past its retention (KINKO_SYNC feedRetentionDays, 90 by
// default) by the scheduler's round: a cursor from before the pruned horizon answers 410
// cursor-unusable (a removal it would need is gone: never a silent skip), and an empty cursor
// still reproduces the listing (the feed starts from a snapshot of the user's transactions).
// Real PostgreSQL, HTTP over loopback; the log's age is set directly (created_at − 100 days).
describe('transactions change feed: retention', () => {
  let h: FeedHarness;
  let user: SeededUser;
  let accounts: AccountKey[];
  let other: SeededUser;

  beforeAll(async () => {
    ({ h, user, accounts, other } = await startFeedWorld('retention', 1));
  });
  afterAll(async () => {
    await h?.close();
  });

  const q = <T>(sql: string, params: unknown[] = []): Promise<T[]> => h.db.dataSource.query(sql, params) as Promise<T[]>;
  const logOf = (userId: string) => q<{ change: string; n: number }>(`SELECT change, count(*)::int AS n FROM transaction_changes WHERE user_id = $1 GROUP BY change ORDER BY change`, [userId]);
  const accountIds = () => accounts.map((a) => a.accountId);
  const unusable = async (cursor: string) => {
    const res = await get(h.base, user.token, `/api/v2/transactions/sync?cursor=${cursor}`);
    return [res.status, (res.body as { type: string }).type];
  };

  it('prunes changes older than the retention in the scheduler round; older cursors are unusable; an empty cursor still replays the listing', async () => {
    const key = accounts[1] as AccountKey;
    await caughtUp(h.db.dataSource);
    const old = new Map<string, View>();
    const c0 = await drain(h.base, user.token, old, undefined, 500);
    await syncAccount(h.db.dataSource, key, { booked: [bankTx('b1', 'booked', '2026-03-01', -100), bankTx('b2', 'booked', '2026-03-02', -200)], pending: [bankTx('p-gone', 'pending', '2026-03-03', -300)] });
    await caughtUp(h.db.dataSource);
    const c1 = await drain(h.base, user.token, old, c0, 500);
    // The pending row goes (DeleteIfNotFetched): a removal a reader at c1 must see.
    await syncAccount(h.db.dataSource, key, { booked: [bankTx('b1', 'booked', '2026-03-01', -100), bankTx('b2', 'booked', '2026-03-02', -200)], pending: [] });
    await caughtUp(h.db.dataSource);
    expect((await feedPage(h.base, user.token, c1, 500)).removed).toHaveLength(1);

    // Everything so far is 100 days old; then one fresh change. The other user's log stays young.
    await q(`UPDATE transaction_changes SET created_at = created_at - interval '100 days' WHERE user_id = $1`, [user.userId]);
    await syncAccount(h.db.dataSource, key, { booked: [bankTx('b1', 'booked', '2026-03-01', -100), bankTx('b2', 'booked', '2026-03-02', -200), bankTx('b3', 'booked', '2026-03-04', -400)], pending: [] });
    const otherBefore = await logOf(other.userId);
    expect((await logOf(user.userId)).find((r) => r.change === 'removed')).toEqual({ change: 'removed', n: 1 });

    await h.app.get(SyncScheduler).planRound();

    // Only the fresh change is left; the horizon is recorded; the other user's log is untouched.
    expect(await logOf(user.userId)).toEqual([{ change: 'added', n: 1 }]);
    expect(await logOf(other.userId)).toEqual(otherBefore);
    const [horizon] = await q<{ txid: string | null }>(`SELECT feed_pruned_txid::text AS txid FROM users WHERE id = $1`, [user.userId]);
    expect(horizon?.txid).not.toBeNull();

    // Cursors from before the pruned horizon: 410, never a page without the removal.
    await caughtUp(h.db.dataSource);
    expect(await unusable(c1)).toEqual([410, problemType('cursor-unusable')]);
    expect(await unusable(c0)).toEqual([410, problemType('cursor-unusable')]);

    // An empty cursor: the user's transactions as they are (in pages), then the log after them — the listing exactly.
    const fresh = new Map<string, View>();
    const pages: number[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await feedPage(h.base, user.token, cursor, 2);
      pages.push(page.added.length);
      for (const t of [...page.added, ...page.modified]) fresh.set(t.id, t);
      for (const r of page.removed) fresh.delete(r.id);
      cursor = page.nextCursor;
      if (!page.hasMore) break;
    }
    expect(pages.length).toBeGreaterThan(2);
    expect(entries(fresh)).toEqual(entries(await listing(h.base, user.token, accountIds())));
    expect([...fresh.values()].map((t) => t.bankTransactionId)).toEqual(expect.arrayContaining(['b1', 'b2', 'b3']));
    expect([...fresh.values()].some((t) => t.bankTransactionId === 'p-gone')).toBe(false);

    // The cursor it ended with goes on: a later change comes, once.
    await syncAccount(h.db.dataSource, key, { booked: [bankTx('b1', 'booked', '2026-03-01', -100), bankTx('b2', 'booked', '2026-03-02', -200), bankTx('b3', 'booked', '2026-03-04', -400), bankTx('b4', 'booked', '2026-03-05', -500)], pending: [] });
    await caughtUp(h.db.dataSource);
    const later = await feedPage(h.base, user.token, cursor, 500);
    expect(later.added.map((t) => t.bankTransactionId)).toEqual(['b4']);
    expect(later.hasMore).toBe(false);

    // A snapshot cursor carrying another position than the one handed out is refused like any unusable cursor.
    const forged = Buffer.from(JSON.stringify({ v: 1, x: '1', s: '0', a: accountIds()[0], i: accountIds()[0] }), 'utf8').toString('base64url');
    expect(await unusable(forged)).toEqual([410, problemType('cursor-unusable')]);
  });
});
