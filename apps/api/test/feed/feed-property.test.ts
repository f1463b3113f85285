import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Transaction as BankApiTransaction } from '@kinko/connector-sdk';
import fc from 'fast-check';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { apply, bankTx, caughtUp, createFeedHarness, drain, entries, type FeedHarness, feedPage, listing, seedFeedUser, syncAccount, type View } from './harness';

// What the bank lists for one item i in one sync of an account: a pending p<i> and/or a booked
// b<i>, both carrying the bank reference R<i> — so a pending that is gone while its booked row is
// there is superseded (linked to it), and a pending gone without one is deleted (DeleteIfNotFetched).
// Amounts are -(1000·(i+1) + change): only p<i> and b<i> can be paired by amount; a sync may change them.
const item = fc.record({
  pending: fc.option(fc.constantFrom(0, 7), { nil: undefined }),
  booked: fc.option(fc.constantFrom(0, 7, 9), { nil: undefined }),
  day: fc.constantFrom('2026-03-01', '2026-03-02'),
});
// One sync: what is listed, and how long each of its transactions waits before it commits.
const sync = fc.record({ items: fc.array(item, { minLength: 5, maxLength: 5 }), pauses: fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 3, maxLength: 3 }) });
const scenario = fc.record({
  // Three accounts (three connections) of one user, each synced several times; the accounts' syncs run concurrently.
  syncs: fc.array(fc.array(sync, { minLength: 1, maxLength: 4 }), { minLength: 3, maxLength: 3 }),
  readCount: fc.integer({ min: 1, max: 6 }),
  readPause: fc.integer({ min: 0, max: 5 }),
  replayCount: fc.integer({ min: 1, max: 50 }),
});

const fetchedOf = (items: ReadonlyArray<{ readonly pending: number | undefined; readonly booked: number | undefined; readonly day: string }>) => {
  const booked: BankApiTransaction[] = [];
  const pending: BankApiTransaction[] = [];
  items.forEach((it, i) => {
    const base = -1000 * (i + 1);
    if (it.pending !== undefined) pending.push(bankTx(`p${i}`, 'pending', it.day, base - it.pending, { bankReference: `R${i}` }));
    if (it.booked !== undefined) booked.push(bankTx(`b${i}`, 'booked', it.day, base - it.booked, { bankReference: `R${i}` }));
  });
  return { booked, pending };
};

// The feed's whole point (issue 14 §1): syncs of several connections commit in any order while
// a reader pages the feed; the reader never skips a change. At the end, both the reader's copy
// and a replay from an empty cursor are exactly the listing: same ids, same amounts and fields,
// none twice, none missing — pending → booked supersedes and deletions included. Real writer
// functions, real PostgreSQL, real HTTP over loopback.
describe('transactions change feed under concurrent writers', () => {
  let db: TestDatabase;
  let h: FeedHarness;
  beforeAll(async () => {
    db = await createTestDatabase();
    h = await createFeedHarness(db);
  });
  afterAll(async () => {
    await h?.close();
    await db?.drop();
  });

  it('a reader paging concurrently, and a replay from an empty cursor, reproduce the listing exactly', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        run += 1;
        const { user, accounts } = await seedFeedUser(h, `prop-${run}`, 2);
        const live = new Map<string, View>();
        let cursor: string | undefined;
        let writing = true;
        const writers = Promise.all(
          accounts.map(async (key, a) => {
            for (const step of s.syncs[a] ?? []) {
              let p = 0;
              await syncAccount(h.db.dataSource, key, fetchedOf(step.items), () => sleep(step.pauses[p++ % step.pauses.length] ?? 0));
            }
          }),
        ).finally(() => {
          writing = false;
        });
        const reader = (async () => {
          while (writing) {
            const page = await feedPage(h.base, user.token, cursor, s.readCount);
            apply(live, page);
            cursor = page.nextCursor;
            await sleep(s.readPause);
          }
        })();
        await Promise.all([writers, reader]);
        await caughtUp(h.db.dataSource);
        await drain(h.base, user.token, live, cursor, s.readCount);

        const expected = await listing(
          h.base,
          user.token,
          accounts.map((k) => k.accountId),
        );
        expect(entries(live)).toEqual(entries(expected));
        const replay = new Map<string, View>();
        await drain(h.base, user.token, replay, undefined, s.replayCount);
        expect(entries(replay)).toEqual(entries(expected));
      }),
      { numRuns: Number(process.env['KINKO_FEED_RUNS'] ?? 15) },
    );
    // The runs did exercise both kinds of removal: supersedes and deletions.
    const [done] = (await h.db.dataSource.query(
      `SELECT (SELECT count(*)::int FROM transactions WHERE linked_booked_id IS NOT NULL AND bank_transaction_id LIKE 'p%') AS superseded,
              (SELECT count(*)::int FROM transaction_changes c WHERE change = 'removed') AS deleted`,
    )) as Array<{ superseded: number; deleted: number }>;
    expect(done?.superseded).toBeGreaterThan(0);
    expect(done?.deleted).toBeGreaterThan(0);
  }, 300_000);
});
