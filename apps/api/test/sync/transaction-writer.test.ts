import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Transaction } from '@kinko/connector-sdk';
import type { CalendarDate, TransactionKind } from '@kinko/domain';
import { FetchOrder } from '../../src/sync/bank-order';
import { type AccountKey, completeReconciliation, deriveDailyBalances, writeBankBalances, writeTransactionPage } from '../../src/sync/transaction-writer';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { JPY, seedAccounts, tx, window } from '../support/writer-world';

// The writer against real PostgreSQL: batched idempotent upserts, the complete
// reconciliation (DeleteIfNotFetched, pending → booked links with their evidence) and derived balances.
describe('transaction writer', () => {
  let db: TestDatabase;
  let key: AccountKey;
  const rows = async (): Promise<Record<string, { kind: string; flags: string[] }>> => {
    const r = (await db.dataSource.query(`SELECT bank_transaction_id, kind, flags FROM transactions WHERE account_id = $1 ORDER BY bank_transaction_id`, [key.accountId])) as Array<{
      bank_transaction_id: string;
      kind: string;
      flags: string[];
    }>;
    return Object.fromEntries(r.map((x) => [x.bank_transaction_id, { kind: x.kind, flags: x.flags }]));
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    [key] = (await seedAccounts(db, 'writer', ['acc'])) as [AccountKey];
  });
  afterAll(() => db?.drop());

  it('writes a page in one upsert; writing it again changes nothing but the fetch stamp', async () => {
    const page = [tx('b1', 'booked', '2026-03-01', 1000, 'SALARY', { balanceAfterMinor: 1000n }), tx('b2', 'booked', '2026-03-02', -200, 'LUNCH', { balanceAfterMinor: 800n })];
    const w = window('booked', '2026-02-20', '2026-03-05');
    const first = await db.dataSource.transaction((m) => writeTransactionPage(m, key, w, page, { stamp: new Date(), order: new FetchOrder() }));
    expect(first).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    const again = await db.dataSource.transaction((m) => writeTransactionPage(m, key, w, [...page, page[1] as Transaction], { stamp: new Date(), order: new FetchOrder() }));
    expect(again).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    const changed = await db.dataSource.transaction((m) =>
      writeTransactionPage(m, key, w, [tx('b2', 'booked', '2026-03-02', -250, 'LUNCH', { balanceAfterMinor: 750n })], { stamp: new Date(), order: new FetchOrder() }),
    );
    expect(changed).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    expect(Object.keys(await rows())).toEqual(['b1', 'b2']);
  });

  it('after a complete fetch: vanished pending rows in the window are deleted, each booked one replaces one pending, with the evidence of the link', async () => {
    const booked = window('booked', '2026-03-01', '2026-03-10');
    const pending = window('pending', '2026-03-01', '2026-03-10');
    const s1 = new Date(Date.now() - 1_000);
    await db.dataSource.transaction(async (m) => {
      await writeTransactionPage(m, key, pending, [
        tx('p-amazon', 'pending', '2026-03-03', -500, 'AMAZON.CO.JP'),
        tx('p-gone', 'pending', '2026-03-04', -300, 'SHOP'),
        tx('p-cafe', 'pending', '2026-03-05', -1000, 'CAFE'),
        tx('p-ref', 'pending', '2026-02-10', -700, 'TRAIN', { bankReference: 'R-7' }),
      ], { stamp: s1, order: new FetchOrder() });
    });
    // An older pending outside the window: not deletable by this fetch.
    await db.dataSource.query(`UPDATE transactions SET transaction_date = '2026-02-01', listed_date = '2026-02-01' WHERE account_id = $1 AND bank_transaction_id = 'p-ref'`, [key.accountId]);

    // The next fetch: no pending comes back; the bank booked the Amazon one (a day later, its
    // description completed), the train ticket (same bank reference), and two equal café payments.
    const s2 = new Date();
    await db.dataSource.transaction(async (m) => {
      await writeTransactionPage(m, key, booked, [
        tx('b-amazon', 'booked', '2026-03-04', -500, 'AMAZON.CO.JP MARKETPLACE', { balanceAfterMinor: 250n }),
        tx('b-train', 'booked', '2026-03-06', -700, 'JR EAST', { bankReference: 'R-7', balanceAfterMinor: -450n }),
        tx('b-cafe1', 'booked', '2026-03-05', -1000, 'CAFE', { balanceAfterMinor: -1450n }),
        tx('b-cafe2', 'booked', '2026-03-05', -1000, 'CAFE', { balanceAfterMinor: -2450n }),
      ], { stamp: s2, order: new FetchOrder() });
    });
    const result = await db.dataSource.transaction((m) =>
      completeReconciliation(
        m,
        key,
        new Map([
          ['booked', { window: booked, stamp: s2 }],
          ['pending', { window: pending, stamp: s2 }],
        ]),
        new Set<TransactionKind>(['pending', 'hold', 'scheduled']),
      ),
    );
    expect(result).toEqual({ deleted: 1, linked: 3 });
    const after = await rows();
    // p-gone deleted; p-amazon, p-ref and p-cafe kept, linked to the booked rows that replaced them:
    // of the two equal café payments, the first (by the bank's ids) is the successor, the other stays a payment of its own.
    expect(Object.keys(after).sort()).toEqual(['b-amazon', 'b-cafe1', 'b-cafe2', 'b-train', 'b1', 'b2', 'p-amazon', 'p-cafe', 'p-ref']);
    const links = async () =>
      (await db.dataSource.query(
        `SELECT p.bank_transaction_id AS pending, b.bank_transaction_id AS booked, p.link_evidence AS evidence
           FROM transactions p JOIN transactions b ON b.id = p.linked_booked_id WHERE p.account_id = $1 ORDER BY 1`,
        [key.accountId],
      )) as unknown[];
    expect(await links()).toEqual([
      { pending: 'p-amazon', booked: 'b-amazon', evidence: { method: 'amountDateDescription', dateDifferenceDays: 1, amountDifferenceMinor: '0', description: 'similar', candidates: 1 } },
      { pending: 'p-cafe', booked: 'b-cafe1', evidence: { method: 'amountDateDescription', dateDifferenceDays: 0, amountDifferenceMinor: '0', description: 'same', candidates: 2 } },
      { pending: 'p-ref', booked: 'b-train', evidence: { method: 'bankReference', dateDifferenceDays: 33, amountDifferenceMinor: '0', description: 'different', candidates: 1 } },
    ]);

    // Later, another café pending vanishes while both café payments are fetched again: the one
    // already some pending's successor is not offered twice — the new link goes to the other.
    const s3 = new Date(Date.now() + 1_000);
    await db.dataSource.transaction((m) => writeTransactionPage(m, key, pending, [tx('p-cafe-late', 'pending', '2026-03-05', -1000, 'CAFE')], { stamp: s3, order: new FetchOrder() }));
    const s4 = new Date(Date.now() + 2_000);
    await db.dataSource.transaction((m) =>
      writeTransactionPage(
        m,
        key,
        booked,
        [tx('b-cafe1', 'booked', '2026-03-05', -1000, 'CAFE', { balanceAfterMinor: -1450n }), tx('b-cafe2', 'booked', '2026-03-05', -1000, 'CAFE', { balanceAfterMinor: -2450n })],
        { stamp: s4, order: new FetchOrder() },
      ),
    );
    const again = await db.dataSource.transaction((m) =>
      completeReconciliation(
        m,
        key,
        new Map([
          ['booked', { window: booked, stamp: s4 }],
          ['pending', { window: pending, stamp: s4 }],
        ]),
        new Set<TransactionKind>(['pending', 'hold', 'scheduled']),
      ),
    );
    expect(again).toEqual({ deleted: 0, linked: 1 });
    expect((await links()).map((l) => (l as { pending: string; booked: string }).pending + '>' + (l as { booked: string }).booked)).toEqual([
      'p-amazon>b-amazon',
      'p-cafe>b-cafe1',
      'p-cafe-late>b-cafe2',
      'p-ref>b-train',
    ]);
  });

  it('derives daily balances from the day’s last booked transaction (bank order), carrying days without one', async () => {
    const written = await db.dataSource.transaction((m) => deriveDailyBalances(m, key, { from: '2026-03-01' as CalendarDate, to: '2026-03-07' as CalendarDate }, 'JPY'));
    expect(written).toBe(7);
    const balances = (await db.dataSource.query(`SELECT date::text AS date, balance_minor::text AS b, source FROM daily_balances WHERE account_id = $1 ORDER BY date`, [key.accountId])) as unknown[];
    expect(balances).toEqual([
      { date: '2026-03-01', b: '1000', source: 'derived' },
      { date: '2026-03-02', b: '750', source: 'derived' },
      { date: '2026-03-03', b: '750', source: 'derived' },
      { date: '2026-03-04', b: '250', source: 'derived' },
      { date: '2026-03-05', b: '-2450', source: 'derived' },
      { date: '2026-03-06', b: '-450', source: 'derived' },
      { date: '2026-03-07', b: '-450', source: 'derived' },
    ]);
  });

  // Issue 19 (PostgreSQL work per statement): a re-sync derives its overlap days again; a day
  // whose balance did not change keeps its row version (xmin: no new tuple, no index entries).
  it('derives again without rewriting a day whose balance is unchanged; a changed day is rewritten', async () => {
    const range = { from: '2026-03-01' as CalendarDate, to: '2026-03-07' as CalendarDate };
    const versions = async (): Promise<Record<string, string>> =>
      Object.fromEntries(
        ((await db.dataSource.query(`SELECT date::text AS date, xmin::text AS v FROM daily_balances WHERE account_id = $1 AND date BETWEEN $2 AND $3`, [key.accountId, range.from, range.to])) as Array<{
          date: string;
          v: string;
        }>).map((r) => [r.date, r.v]),
      );
    const before = await versions();
    expect(Object.keys(before)).toHaveLength(7);
    expect(await db.dataSource.transaction((m) => deriveDailyBalances(m, key, range, 'JPY'))).toBe(7);
    expect(await versions()).toEqual(before);
    // A booking late on 03-06 moves 03-06 and 03-07 only.
    await db.dataSource.transaction((m) =>
      writeTransactionPage(m, key, window('booked', '2026-03-06', '2026-03-06'), [tx('late-0306', 'booked', '2026-03-06', -50, 'LATE', { balanceAfterMinor: -500n, bankSequence: 99 })], {
        stamp: new Date(),
        order: new FetchOrder(),
      }),
    );
    await db.dataSource.transaction((m) => deriveDailyBalances(m, key, range, 'JPY'));
    const after = await versions();
    expect(Object.keys(after).filter((d) => after[d] !== before[d])).toEqual(['2026-03-06', '2026-03-07']);
    const moved = (await db.dataSource.query(`SELECT balance_minor::text AS b FROM daily_balances WHERE account_id = $1 AND date = '2026-03-07'`, [key.accountId])) as Array<{ b: string }>;
    expect(moved).toEqual([{ b: '-500' }]);
  });

  it('writes the bank’s daily balances again without rewriting an unchanged day; a changed one, or a derived one the bank now reports, is rewritten', async () => {
    const day = (date: string, balance: bigint) => ({ date: date as CalendarDate, balanceMinor: balance, currency: JPY });
    const version = async (date: string): Promise<{ v: string; b: string; source: string } | undefined> =>
      ((await db.dataSource.query(`SELECT xmin::text AS v, balance_minor::text AS b, source FROM daily_balances WHERE account_id = $1 AND date = $2`, [key.accountId, date])) as Array<{
        v: string;
        b: string;
        source: string;
      }>)[0];
    await db.dataSource.transaction((m) => writeBankBalances(m, key, [day('2026-05-01', 100n), day('2026-05-02', 200n)]));
    const first = [await version('2026-05-01'), await version('2026-05-02')];
    expect(first.map((r) => r?.b)).toEqual(['100', '200']);
    await db.dataSource.transaction((m) => writeBankBalances(m, key, [day('2026-05-01', 100n), day('2026-05-02', 250n)]));
    const second = [await version('2026-05-01'), await version('2026-05-02')];
    expect(second[0]).toEqual(first[0]); // unchanged: the same row version
    expect(second[1]?.v).not.toBe(first[1]?.v);
    expect(second[1]?.b).toBe('250');
    // A day derived before (03-01) that the bank now reports with the same balance becomes the bank's.
    const derived = await version('2026-03-01');
    expect(derived?.source).toBe('derived');
    await db.dataSource.transaction((m) => writeBankBalances(m, key, [day('2026-03-01', BigInt(derived?.b ?? '0'))]));
    expect((await version('2026-03-01'))?.source).toBe('bank');
  });

  it('keeps the bank’s order within a day: a newest-first list shown only on its second page reverses the keys its first page got', async () => {
    const w = window('booked', '2026-04-01', '2026-04-03');
    const stamp = new Date();
    const order = new FetchOrder();
    // Newest first, no balances: page 1 holds the last day only, so it is keyed oldest first until page 2 shows an earlier day.
    const pages = [
      [tx('o3-c', 'booked', '2026-04-03', -30, 'C'), tx('o3-b', 'booked', '2026-04-03', -20, 'B')],
      [tx('o3-a', 'booked', '2026-04-03', -10, 'A'), tx('o2-b', 'booked', '2026-04-02', -5, 'B'), tx('o2-a', 'booked', '2026-04-02', -4, 'A')],
      [tx('o1-a', 'booked', '2026-04-01', -1, 'A')],
    ];
    for (const page of pages) await db.dataSource.transaction((m) => writeTransactionPage(m, key, w, page, { stamp, order }));
    const listed = (await db.dataSource.query(
      `SELECT bank_transaction_id AS id FROM transactions WHERE account_id = $1 AND bank_transaction_id LIKE 'o%' ORDER BY transaction_date, bank_order, id`,
      [key.accountId],
    )) as Array<{ id: string }>;
    expect(listed.map((r) => r.id)).toEqual(['o1-a', 'o2-a', 'o2-b', 'o3-a', 'o3-b', 'o3-c']);
  });
});
