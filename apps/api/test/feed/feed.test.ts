import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SeededUser } from '../support/fixtures';
import { PROBLEM_MEDIA_TYPE, problemType } from '../../src/http/problem';
import { FetchOrder } from '../../src/sync/bank-order';
import { type AccountKey, writeTransactionPage } from '../../src/sync/transaction-writer';
import { FEED_PAGE_SQL } from '../../src/transactions/transaction-feed.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { apply, bankTx, caughtUp, createFeedHarness, drain, entries, type FeedHarness, feedPage, get, listing, seedFeedUser, startFeedWorld, syncAccount, type View, yearWindow } from './harness';

const cursorOf = (body: object): string => Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');

// GET /api/v2/transactions/sync over real HTTP (loopback) and real PostgreSQL: what each
// change of the writer shows, the cursor's guarantees and errors, the commit-order gap.
describe('transactions change feed', () => {
  let db: TestDatabase;
  let h: FeedHarness;
  let user: SeededUser;
  let accounts: AccountKey[];
  let other: SeededUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ h, user, accounts, other } = await startFeedWorld('feed', 2, db));
  });
  afterAll(async () => {
    await h?.close();
    await db?.drop();
  });

  const ids = (m: ReadonlyMap<string, View>) => [...m.keys()].sort();
  const accountIds = () => accounts.map((a) => a.accountId);

  it('from an empty cursor replays the listing, then shows each change of a sync: added, modified, removed (deleted, or superseded with its successor)', async () => {
    await caughtUp(h.db.dataSource);
    const replica = new Map<string, View>();
    let cursor = await drain(h.base, user.token, replica, undefined, 1);
    expect(entries(replica)).toEqual(entries(await listing(h.base, user.token, accountIds())));
    // The fixture's superseded pending row is not there; its successor is.
    expect(replica.has(user.pendingTransactionId)).toBe(false);
    expect(replica.has(user.bookedTransactionId)).toBe(true);
    // An empty cursor is the beginning too.
    expect((await feedPage(h.base, user.token, '', 500)).added.map((t) => t.id).sort()).toEqual(ids(replica));

    const key = accounts[1] as AccountKey;
    await syncAccount(h.db.dataSource, key, {
      booked: [bankTx('b1', 'booked', '2026-03-01', -1200)],
      pending: [bankTx('p-ref', 'pending', '2026-03-02', -500, { bankReference: 'R-1' }), bankTx('p-gone', 'pending', '2026-03-03', -300)],
    });
    await caughtUp(h.db.dataSource);
    let page = await feedPage(h.base, user.token, cursor, 100);
    expect(page.added.map((t) => t.bankTransactionId).sort()).toEqual(['b1', 'p-gone', 'p-ref']);
    expect(page.added.every((t) => t.accountId === key.accountId)).toBe(true);
    expect(page.modified).toEqual([]);
    expect(page.removed).toEqual([]);
    expect(page.hasMore).toBe(false);
    apply(replica, page);
    cursor = page.nextCursor;
    const idOf = (btid: string) => [...replica.values()].find((t) => t.bankTransactionId === btid)?.id;
    const pRef = idOf('p-ref') as string;
    const pGone = idOf('p-gone') as string;

    // Nothing changed: a page with nothing, and the same cursor keeps working.
    await syncAccount(h.db.dataSource, key, {
      booked: [bankTx('b1', 'booked', '2026-03-01', -1200)],
      pending: [bankTx('p-ref', 'pending', '2026-03-02', -500, { bankReference: 'R-1' }), bankTx('p-gone', 'pending', '2026-03-03', -300)],
    });
    await caughtUp(h.db.dataSource);
    page = await feedPage(h.base, user.token, cursor, 100);
    expect([page.added, page.modified, page.removed]).toEqual([[], [], []]);
    expect(page.nextCursor).toBe(cursor);

    // The bank corrects b1's amount, books the pending p-ref (same reference) and drops p-gone.
    await syncAccount(h.db.dataSource, key, {
      booked: [bankTx('b1', 'booked', '2026-03-01', -1250), bankTx('b-ref', 'booked', '2026-03-04', -500, { bankReference: 'R-1' })],
      pending: [],
    });
    await caughtUp(h.db.dataSource);
    page = await feedPage(h.base, user.token, cursor, 100);
    const bRef = page.added.find((t) => t.bankTransactionId === 'b-ref');
    expect(page.added.map((t) => t.bankTransactionId)).toEqual(['b-ref']);
    expect(page.modified.map((t) => [t.bankTransactionId, t.amount.amountMinor])).toEqual([['b1', '-1250']]);
    expect(page.removed.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [
        { id: pRef, accountId: key.accountId, successorId: bRef?.id },
        { id: pGone, accountId: key.accountId, successorId: null },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    apply(replica, page);
    expect(entries(replica)).toEqual(entries(await listing(h.base, user.token, accountIds())));
    // Another user's feed shows their own transactions only.
    const theirs = new Map<string, View>();
    await drain(h.base, other.token, theirs, undefined, 500);
    expect(entries(theirs)).toEqual(entries(await listing(h.base, other.token, [other.accountId])));
  });

  it('never skips a change whose transaction commits after a later-started one (the outbox gap): it waits for it, then shows both', async () => {
    await caughtUp(h.db.dataSource);
    const replica = new Map<string, View>();
    let cursor = await drain(h.base, user.token, replica, undefined, 500);
    // T1 writes first (the smaller transaction id and sequence numbers) and stays open.
    const t1 = h.db.dataSource.createQueryRunner();
    await t1.connect();
    await t1.startTransaction();
    await writeTransactionPage(t1.manager, accounts[0] as AccountKey, yearWindow('booked'), [bankTx('slow', 'booked', '2026-05-01', 100)], { stamp: new Date(), order: new FetchOrder() });
    // T2 writes after it and commits first.
    await syncAccount(h.db.dataSource, accounts[2] as AccountKey, { booked: [bankTx('fast', 'booked', '2026-05-02', 200)], pending: [] });
    const listed = await listing(h.base, user.token, accountIds());
    expect([...listed.values()].some((t) => t.bankTransactionId === 'fast')).toBe(true);

    // While T1 is open the feed goes no further than before T1: T2's change waits, and the cursor does not pass T1.
    const during = await feedPage(h.base, user.token, cursor, 500);
    expect([during.added, during.modified, during.removed]).toEqual([[], [], []]);
    expect(during.nextCursor).toBe(cursor);
    cursor = during.nextCursor;

    await t1.commitTransaction();
    await t1.release();
    await caughtUp(h.db.dataSource);
    const after = await feedPage(h.base, user.token, cursor, 500);
    expect(after.added.map((t) => t.bankTransactionId)).toEqual(['slow', 'fast']);
    apply(replica, after);
    expect(entries(replica)).toEqual(entries(await listing(h.base, user.token, accountIds())));
  });

  it('pages by count with hasMore; cursors survive a restart of the app', async () => {
    await caughtUp(h.db.dataSource);
    const replica = new Map<string, View>();
    const first = await feedPage(h.base, user.token, undefined, 2);
    expect(first.added.length + first.modified.length + first.removed.length).toBeLessThanOrEqual(2);
    expect(first.hasMore).toBe(true);
    apply(replica, first);

    await h.close();
    h = await createFeedHarness(db);
    await drain(h.base, user.token, replica, first.nextCursor, 3);
    expect(entries(replica)).toEqual(entries(await listing(h.base, user.token, accountIds())));
  });

  it('refuses a cursor it did not return (400 invalid-cursor) and one it cannot serve (410 cursor-unusable); a bad count is a validation problem', async () => {
    const { nextCursor } = await feedPage(h.base, user.token, undefined, 1);
    const decoded = JSON.parse(Buffer.from(nextCursor, 'base64url').toString('utf8')) as { v: number; x: string; s: string };
    const cases: Array<[string, number, string]> = [
      ['not-a-cursor', 400, 'invalid-cursor'],
      [cursorOf({ v: 1, x: 'abc', s: '1' }), 400, 'invalid-cursor'],
      [cursorOf({ v: 1, x: '99999999999999999999', s: '1' }), 400, 'invalid-cursor'],
      [cursorOf({ hello: 1 }), 400, 'invalid-cursor'],
      // An older format, a position this database never had (a future transaction id), a change that is not the user's.
      [cursorOf({ ...decoded, v: 0 }), 410, 'cursor-unusable'],
      [cursorOf({ ...decoded, x: String(BigInt(decoded.x) + 1_000_000_000n) }), 410, 'cursor-unusable'],
      [cursorOf({ ...decoded, s: String(BigInt(decoded.s) + 1_000_000n) }), 410, 'cursor-unusable'],
    ];
    for (const [cursor, status, kind] of cases) {
      const res = await get(h.base, user.token, `/api/v2/transactions/sync?cursor=${encodeURIComponent(cursor)}`);
      expect([cursor, res.status, res.contentType.split(';')[0], (res.body as { type: string }).type]).toEqual([cursor, status, PROBLEM_MEDIA_TYPE, problemType(kind as 'invalid-cursor')]);
    }
    // Another user's cursor names no change of theirs.
    const res = await get(h.base, other.token, `/api/v2/transactions/sync?cursor=${nextCursor}`);
    expect([res.status, (res.body as { type: string }).type]).toEqual([410, problemType('cursor-unusable')]);
    for (const count of ['0', '501', 'x']) {
      const bad = await get(h.base, user.token, `/api/v2/transactions/sync?count=${count}`);
      expect([bad.status, (bad.body as { type: string }).type]).toEqual([400, problemType('validation')]);
    }
    expect((await fetch(`${h.base}/api/v2/transactions/sync`)).status).toBe(401);
  });

  it('survives deleting a user (their log goes with them) and logs the removal of a deleted account', async () => {
    const { user: gone } = await seedFeedUser(h, 'feed-gone', 1);
    await h.db.dataSource.query(`DELETE FROM users WHERE id = $1`, [gone.userId]);
    expect(await h.db.dataSource.query(`SELECT count(*)::int AS n FROM transaction_changes WHERE user_id = $1`, [gone.userId])).toEqual([{ n: 0 }]);

    await caughtUp(h.db.dataSource);
    const replica = new Map<string, View>();
    const cursor = await drain(h.base, user.token, replica, undefined, 500);
    await h.db.dataSource.query(`DELETE FROM bank_accounts WHERE id = $1`, [accounts[2]?.accountId]);
    await caughtUp(h.db.dataSource);
    const page = await feedPage(h.base, user.token, cursor, 500);
    expect(page.removed.length).toBeGreaterThan(0);
    expect(page.removed.every((r) => r.accountId === accounts[2]?.accountId && r.successorId === null)).toBe(true);
    apply(replica, page);
    accounts = accounts.slice(0, 2);
    expect(entries(replica)).toEqual(entries(await listing(h.base, user.token, accountIds())));
  });

  it('is described by the OpenAPI document', async () => {
    const doc = (await (await fetch(`${h.base}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string }>; responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }> }>>;
      components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
    };
    const op = doc.paths['/api/v2/transactions/sync']?.['get'];
    // The query, and the tenant equivalent's header (the API key acting as the user).
    expect(op?.parameters.map((p) => [p.name.toLowerCase(), p.in]).sort()).toEqual([
      ['count', 'query'],
      ['cursor', 'query'],
      ['kinko-acting-as-user', 'header'],
    ]);
    expect(op?.responses['200']?.content?.['application/json']?.schema.$ref).toBe('#/components/schemas/TransactionsSyncPage');
    expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '410']));
    expect(Object.keys(doc.components.schemas['TransactionsSyncPage']?.properties ?? {}).sort()).toEqual(['added', 'hasMore', 'modified', 'nextCursor', 'removed']);
    expect(Object.keys(doc.components.schemas['RemovedTransactionView']?.properties ?? {}).sort()).toEqual(['accountId', 'id', 'successorId']);
  });

  it('reads a page through the (user_id, txid, seq) index whatever the history: no scan, no sort, the same blocks read at 10k and 100k changes', async () => {
    const { user: big, accounts: [key] } = await seedFeedUser(h, 'feed-big', 0);
    const bulk = (from: number, to: number) =>
      h.db.dataSource.query(
        `INSERT INTO transactions (user_id, account_id, id, tenant_id, bank_transaction_id, kind, transaction_date, listed_date, amount_minor, currency_code, description, last_fetched_at)
         SELECT $1, $2, gen_random_uuid(), $3, 'bulk-' || i, 'booked', DATE '2026-01-01' + (i % 300), DATE '2026-01-01' + (i % 300), -i, 'JPY', 'bulk', now() FROM generate_series($4::int, $5::int) AS i`,
        [key?.userId, key?.accountId, key?.tenantId, from, to],
      );
    const runner = h.db.dataSource.createQueryRunner();
    await runner.connect();
    // The blocks a page reads: in the feed's index, and in all (the index, then each row's primary-key lookup).
    const costOfPage = async (): Promise<{ feedIndex: number; total: number }> => {
      // A cursor in the middle of the user's feed: the position after their 5000th change.
      const [mid] = (await runner.query(`SELECT txid::text AS txid, seq::text AS seq FROM transaction_changes WHERE user_id = $1 ORDER BY txid, seq OFFSET 4999 LIMIT 1`, [big.userId])) as Array<{
        txid: string;
        seq: string;
      }>;
      // Ids and decimal digits only: written into EXECUTE as literals (EXPLAIN EXECUTE takes no bind parameters).
      const args = [big.userId, big.tenantId, mid?.txid, mid?.seq, '101'].map((v) => `'${String(v)}'`).join(', ');
      const cost = { feedIndex: 0, total: 0 };
      const blocks = (n: PlanNode | undefined) => (n?.['Shared Hit Blocks'] ?? 0) + (n?.['Shared Read Blocks'] ?? 0);
      // The app runs the page as a prepared statement: both the custom and the generic plan.
      for (const mode of ['force_custom_plan', 'force_generic_plan']) {
        await runner.query(`SET plan_cache_mode = ${mode}`);
        await runner.query(`PREPARE feed_page AS ${FEED_PAGE_SQL}`);
        const [explained] = (await runner.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE feed_page(${args})`)) as Array<{
          'QUERY PLAN': Array<{ Plan: PlanNode }>;
        }>;
        const plan = explained?.['QUERY PLAN'][0];
        await runner.query(`DEALLOCATE feed_page`);
        const nodes = flatten(plan?.Plan as PlanNode);
        expect(nodes.filter((n) => /^(Seq Scan|Sort|Incremental Sort|Bitmap|Gather)/.test(n['Node Type']))).toEqual([]);
        const feedScan = nodes.filter((n) => n['Relation Name'] === 'transaction_changes');
        expect(feedScan.map((n) => [n['Node Type'], n['Index Name']])).toEqual([['Index Scan', 'ix_transaction_changes_user_id_txid_seq']]);
        expect(nodes.filter((n) => n['Relation Name'] === 'transactions').map((n) => n['Index Name'])).toEqual(['pk_transactions']);
        expect(plan?.Plan['Actual Rows']).toBe(101);
        cost.feedIndex = Math.max(cost.feedIndex, blocks(feedScan[0]));
        cost.total = Math.max(cost.total, blocks(plan?.Plan));
      }
      await runner.query(`RESET plan_cache_mode`);
      return cost;
    };
    try {
      await bulk(1, 10_000);
      await runner.query(`ANALYZE transactions; ANALYZE transaction_changes`);
      const small = await costOfPage();
      await bulk(10_001, 100_000);
      await runner.query(`ANALYZE transactions; ANALYZE transaction_changes`);
      const large = await costOfPage();
      // Ten times the history: the feed's index reads the same few blocks (a B-tree level more at
      // most); each of the page's 101 rows is one primary-key lookup, whose tree may be a level
      // deeper — logarithmic, where a scan of the account would read thousands of blocks.
      expect(large.feedIndex).toBeLessThanOrEqual(small.feedIndex + 2);
      expect(large.total).toBeLessThanOrEqual(small.total + 101 + 10);
    } finally {
      await runner.release();
    }
  });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}
const flatten = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(flatten)];
