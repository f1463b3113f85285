import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Transaction } from '@kinko/connector-sdk';
import type { EntityManager } from 'typeorm';
import { newId } from '../../src/database/ids';
import { addAccountCounts, saveAccountOutcome } from '../../src/sync/account-results';
import { FetchOrder } from '../../src/sync/bank-order';
import { type AccountKey, type LoggedChanges, writeTransactionPage } from '../../src/sync/transaction-writer';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { seedAccounts, tx, window } from '../support/writer-world';

// Issue 19 (the per-page counts): a page write counts the change feed's rows its statement
// logged from its own RETURNING, so a page's counts need not read the log again. What it counts
// must be exactly what the log holds for the transaction, in every case a page write meets: new
// rows, a re-fetch that changes nothing (rewritten for its stamp, or not rewritten), a changed
// amount, description or date, a pending row that comes back booked, a change of the bank's order
// only (not shown by the feed), a repeated id in a page.
describe("a page write's logged changes, counted from its RETURNING", () => {
  let db: TestDatabase;
  let key: AccountKey;
  let sessionId: string;
  const w = window('booked', '2026-03-01', '2026-03-20');
  const pw = window('pending', '2026-03-01', '2026-03-20');

  /** The feed's rows of the current transaction, per `kind.change`. */
  const inLog = async (m: EntityManager): Promise<Record<string, number>> => {
    const rows = (await m.query(
      `SELECT c.kind || '.' || c.change AS key, count(*)::int AS n FROM transaction_changes c WHERE c.user_id = $1 AND c.txid = pg_current_xact_id()::text::bigint GROUP BY 1 ORDER BY 1`,
      [key.userId],
    )) as Array<{ key: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.key, r.n]));
  };
  const stored = async (): Promise<Record<string, number>> =>
    ((await db.dataSource.query(`SELECT change_counts FROM sync_account_results WHERE session_id = $1 AND account_id = $2`, [sessionId, key.accountId])) as Array<{ change_counts: Record<string, number> }>)[0]
      ?.change_counts ?? {};

  beforeAll(async () => {
    db = await createTestDatabase();
    [key] = (await seedAccounts(db, 'logged counts', ['one'])) as [AccountKey];
    const [connection] = (await db.dataSource.query(`SELECT connection_id FROM bank_accounts WHERE id = $1`, [key.accountId])) as Array<{ connection_id: string }>;
    sessionId = newId();
    await db.dataSource.query(`INSERT INTO sync_sessions (id, tenant_id, user_id, connection_id, status, requested_by) VALUES ($1, $2, $3, $4, 'running', 'scheduler')`, [
      sessionId,
      key.tenantId,
      key.userId,
      connection?.connection_id,
    ]);
    await db.dataSource.query(`INSERT INTO sync_account_results (session_id, account_id, tenant_id, user_id, outcome, recorded_at) VALUES ($1, $2, $3, $4, '{}', now())`, [
      sessionId,
      key.accountId,
      key.tenantId,
      key.userId,
    ]);
  });
  afterAll(() => db?.drop());

  it('counts exactly the rows the log holds for the transaction, and the account row adds them as the log re-count did', async () => {
    const session = { id: sessionId, tenantId: key.tenantId, userId: key.userId };
    const base = [
      tx('a', 'booked', '2026-03-02', -100),
      tx('b', 'booked', '2026-03-03', -200),
      tx('c', 'booked', '2026-03-04', -300),
      tx('d', 'booked', '2026-03-04', -400),
    ];
    const pending = [tx('p', 'pending', '2026-03-05', -500), tx('q', 'pending', '2026-03-06', -600)];
    // Each step: the pages of one transaction, with the stamps read or not.
    const steps: Array<{ pages: Array<{ items: Transaction[]; window: typeof w }>; stampsRead: boolean; expected: Record<string, number> }> = [
      { pages: [{ items: base, window: w }, { items: pending, window: pw }], stampsRead: true, expected: { 'booked.added': 4, 'pending.added': 2 } },
      // The same rows again: rewritten for the stamp (stamps read) or not rewritten — nothing logged.
      { pages: [{ items: base, window: w }], stampsRead: true, expected: {} },
      { pages: [{ items: base, window: w }], stampsRead: false, expected: {} },
      // Amount, description, date changed; the bank's order within a day reversed only (not shown); a repeated id.
      {
        pages: [{ items: [tx('a', 'booked', '2026-03-02', -150), tx('b', 'booked', '2026-03-03', -200, 'B2'), tx('c', 'booked', '2026-03-05', -300), tx('d', 'booked', '2026-03-04', -400), tx('a', 'booked', '2026-03-02', -175)], window: w }],
        stampsRead: true,
        expected: { 'booked.modified': 3 },
      },
      { pages: [{ items: [tx('d', 'booked', '2026-03-04', -400), tx('e', 'booked', '2026-03-04', -1)], window: w }], stampsRead: false, expected: { 'booked.added': 1 } },
      // A pending row written again as booked (same id): its kind changed.
      { pages: [{ items: [tx('p', 'booked', '2026-03-05', -500)], window: w }], stampsRead: true, expected: { 'booked.modified': 1 } },
    ];
    const total: Record<string, number> = {};
    for (const step of steps) {
      const { logged, log } = await db.dataSource.transaction(async (m) => {
        const counted: LoggedChanges = new Map();
        const order = new FetchOrder();
        for (const page of step.pages) await writeTransactionPage(m, key, page.window, page.items, { stamp: new Date(), order, stampsRead: step.stampsRead, logged: counted });
        await addAccountCounts(m, session, key.accountId, 'transactions', { itemsWritten: 1 }, counted);
        return { logged: Object.fromEntries(counted), log: await inLog(m) };
      });
      expect(log).toEqual(step.expected);
      expect(logged).toEqual(log);
      for (const [k, n] of Object.entries(log)) total[k] = (total[k] ?? 0) + n;
      expect(await stored()).toEqual(total);
    }
  });

  it("the settlement's statement (a kind's last page) adds the counted changes as the log re-count did", async () => {
    const session = { id: sessionId, tenantId: key.tenantId, userId: key.userId };
    const before = await stored();
    const pages = [[tx('s1', 'booked', '2026-03-07', -10), tx('s2', 'booked', '2026-03-08', -20), tx('a', 'booked', '2026-03-02', -999)], [tx('s1', 'booked', '2026-03-07', -10)], [tx('h', 'pending', '2026-03-09', -5)]];
    const expected = { ...before };
    for (const items of pages) {
      const log = await db.dataSource.transaction(async (m) => {
        const counted: LoggedChanges = new Map();
        await writeTransactionPage(m, key, items[0]?.kind === 'pending' ? pw : w, items, { stamp: new Date(), order: new FetchOrder(), logged: counted });
        await saveAccountOutcome(m, session, key.accountId, { progress: { bankAccountId: 'one' } }, new Date(), { stage: 'transactions', delta: { itemsWritten: items.length }, tally: counted });
        const inTransaction = await inLog(m);
        expect(Object.fromEntries(counted)).toEqual(inTransaction);
        return inTransaction;
      });
      for (const [k, n] of Object.entries(log)) expected[k] = (expected[k] ?? 0) + n;
      expect(await stored()).toEqual(expected);
    }
    expect(expected).toEqual({ ...before, 'booked.added': (before['booked.added'] ?? 0) + 2, 'booked.modified': (before['booked.modified'] ?? 0) + 1, 'pending.added': (before['pending.added'] ?? 0) + 1 });
  });
});
