import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CalendarDate, TransactionKind } from '@kinko/domain';
import { FetchOrder } from '../../src/sync/bank-order';
import { type AccountKey, BOOKED_CANDIDATES_SQL, OPEN_NOT_BOOKED_SQL, completeReconciliation, writeTransactionPage } from '../../src/sync/transaction-writer';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { rowsRead, seedAccounts, tx, window } from '../support/writer-world';

const DAY_MS = 86_400_000;
const dayOf = (ms: number): CalendarDate => new Date(ms).toISOString().slice(0, 10) as CalendarDate;


// Issue 19 (PostgreSQL work per statement; costs flat as the history grows): the complete
// reconciliation runs on every sync that fetched a deletable kind (pending, hold, scheduled).
// It reads the account's open non-booked rows, the booked candidates not yet some row's
// successor, links one and deletes another — and the self-reference's check on that delete
// ("is some row still linked to the deleted one?"). Through the partial indexes of migration
// SupersededIndex, the rows it reads do not depend on the booked history (before: the whole
// history for the open rows, again per candidate, and again per deleted row).
describe('complete reconciliation and deletes: partial indexes instead of the booked history', () => {
  let db: TestDatabase;
  const accounts: AccountKey[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    accounts.push(...(await seedAccounts(db, 'reconciliation work', ['small', 'large'])));
  });
  afterAll(() => db?.drop());

  /** A booked history of `size` rows before 2026-03-01, then one reconciliation of a pending list; the rows it read. */
  async function reconcileAfterHistory(key: AccountKey, size: number): Promise<{ read: number; result: { deleted: number; linked: number } }> {
    const start = Date.parse('2026-03-01T00:00:00Z') - size * DAY_MS;
    const old = new Date(Date.now() - 60_000);
    for (let i = 0; i < size; i += 1_000) {
      const page = Array.from({ length: Math.min(1_000, size - i) }, (_, k) => tx(`h-${i + k}`, 'booked', dayOf(start + (i + k) * DAY_MS), -100 - ((i + k) % 50)));
      await db.dataSource.transaction((m) => writeTransactionPage(m, key, window('booked', dayOf(start), '2026-02-28'), page, { stamp: old, order: new FetchOrder() }));
    }
    // An earlier pending list, then today’s fetch:
    // one pending row is still listed, one was booked (same bank reference), one vanished.
    const pending = window('pending', '2026-03-01', '2026-03-10');
    const booked = window('booked', '2026-03-01', '2026-03-10');
    const s1 = new Date(Date.now() - 30_000);
    await db.dataSource.transaction((m) =>
      writeTransactionPage(m, key, pending, [tx('p-kept', 'pending', '2026-03-05', -300), tx('p-booked', 'pending', '2026-03-04', -700, undefined, { bankReference: 'R-1' }), tx('p-gone', 'pending', '2026-03-03', -999)], {
        stamp: s1,
        order: new FetchOrder(),
      }),
    );
    const s2 = new Date();
    await db.dataSource.transaction(async (m) => {
      await writeTransactionPage(m, key, booked, [tx('b-1', 'booked', '2026-03-05', -700, undefined, { bankReference: 'R-1' }), tx('b-2', 'booked', '2026-03-06', -40)], { stamp: s2, order: new FetchOrder() });
      await writeTransactionPage(m, key, pending, [tx('p-kept', 'pending', '2026-03-05', -300)], { stamp: s2, order: new FetchOrder() });
    });
    await db.dataSource.query('ANALYZE transactions');
    return db.dataSource.transaction(async (m) => {
      const before = await rowsRead(m);
      const result = await completeReconciliation(
        m,
        key,
        new Map([
          ['booked', { window: booked, stamp: s2 }],
          ['pending', { window: pending, stamp: s2 }],
        ]),
        new Set<TransactionKind>(['pending', 'hold', 'scheduled']),
      );
      return { read: (await rowsRead(m)) - before, result };
    });
  }

  type PlanNode = { 'Node Type': string; 'Index Name'?: string; 'Relation Name'?: string; Plans?: PlanNode[] };
  const flatten = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(flatten)];
  /** The generic plan of `sql` (the app runs it as a named prepared statement) with these literal arguments. */
  async function genericPlan(sql: string, args: readonly string[]): Promise<PlanNode[]> {
    return db.dataSource.transaction(async (m) => {
      await m.query(`SET LOCAL plan_cache_mode = force_generic_plan`);
      await m.query(`PREPARE reconcile_step AS ${sql}`);
      const [explained] = (await m.query(`EXPLAIN (FORMAT JSON) EXECUTE reconcile_step(${args.join(', ')})`)) as Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>;
      await m.query(`DEALLOCATE reconcile_step`);
      return flatten(explained?.['QUERY PLAN'][0]?.Plan as PlanNode);
    });
  }

  it('links the booked one and deletes the vanished one; the open rows and the "already a successor?" check are read through their partial indexes', async () => {
    const small = await reconcileAfterHistory(accounts[0] as AccountKey, 100);
    const large = await reconcileAfterHistory(accounts[1] as AccountKey, 5_000);
    expect(small.result).toEqual({ deleted: 1, linked: 1 });
    expect(large.result).toEqual({ deleted: 1, linked: 1 });
    const left = (await db.dataSource.query(
      `SELECT bank_transaction_id AS id, (linked_booked_id IS NOT NULL) AS superseded FROM transactions WHERE account_id = $1 AND kind = 'pending' ORDER BY 1`,
      [accounts[1]?.accountId],
    )) as Array<{ id: string; superseded: boolean }>;
    expect(left).toEqual([
      { id: 'p-booked', superseded: true },
      { id: 'p-kept', superseded: false },
    ]);
    process.stdout.write(`complete reconciliation: ${small.read} rows read with 100 booked rows stored, ${large.read} with 5,000 (the booked candidates of the fetch are still found by a scan of the account: bank_reference has no index)\n`);
    const key = accounts[1] as AccountKey;
    const ids = `'${key.userId}', '${key.accountId}'`;
    // Before: the primary key's account prefix, every row of the history filtered.
    const open = await genericPlan(OPEN_NOT_BOOKED_SQL, [ids, `'{pending}'`]);
    expect(open.filter((n) => n['Relation Name'] === 'transactions').map((n) => [n['Node Type'], n['Index Name']])).toEqual([['Index Scan', 'ix_transactions_open_not_booked']]);
    // Before: for each candidate, the account's rows filtered on linked_booked_id.
    const candidates = await genericPlan(BOOKED_CANDIDATES_SQL, [ids, `now()`, `'{R-1}'`, `'{-700}'`, `'2026-03-01'`, `'2026-03-10'`]);
    expect(candidates.filter((n) => n['Relation Name'] === 'transactions' && n['Index Name'] === 'ix_transactions_superseded')).toHaveLength(1);
  }, 60_000);

  it('deletes a row of a 5,000-row account reading as few rows as in a 100-row account (the self-reference check)', async () => {
    const deleteOne = async (key: AccountKey, id: string): Promise<number> =>
      db.dataSource.transaction(async (m) => {
        const before = await rowsRead(m);
        // TypeORM answers a DELETE … RETURNING with [rows, affected].
        const [deleted] = (await m.query(`DELETE FROM transactions WHERE user_id = $1 AND account_id = $2 AND bank_transaction_id = $3 RETURNING id`, [key.userId, key.accountId, id])) as [unknown[], number];
        expect(deleted).toHaveLength(1);
        return (await rowsRead(m)) - before;
      });
    const small = await deleteOne(accounts[0] as AccountKey, 'p-kept');
    const large = await deleteOne(accounts[1] as AccountKey, 'p-kept');
    // Before: the account's whole history per deleted row ("is some row still linked to it?").
    expect(large).toBeLessThanOrEqual(small + 2);
    expect(large).toBeLessThan(10);
  });
});
