import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId } from '../../src/database/ids';
import { addAccountCounts, saveAccountOutcome } from '../../src/sync/account-results';
import { FetchOrder } from '../../src/sync/bank-order';
import { type AccountKey, type LoggedChanges, writeTransactionPage } from '../../src/sync/transaction-writer';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { seedAccounts, tx, window } from '../support/writer-world';

// Issue 19 (STMT): an account's settlement adds its transaction's logged changes (the feed's
// log) to the account's change counts in the session. The proposed row's counts are the logged
// changes alone (before: merged key by key with an empty object), and the stored and proposed
// counts are merged key by key only when both have some (most settlements have one side only).
// The counts must stay exact in every case: nothing stored, nothing logged, both.
describe('sync_account_results change counts: tallied once per writing transaction', () => {
  let db: TestDatabase;
  let key: AccountKey;
  let sessionId: string;
  const w = window('booked', '2026-03-01', '2026-03-10');

  const stored = async (): Promise<Record<string, number>> =>
    ((await db.dataSource.query(`SELECT change_counts FROM sync_account_results WHERE session_id = $1 AND account_id = $2`, [sessionId, key.accountId])) as Array<{ change_counts: Record<string, number> }>)[0]
      ?.change_counts ?? {};
  const page = (ids: string[], amount = -100) => ids.map((id, i) => tx(id, 'booked', `2026-03-0${(i % 9) + 1}`, amount));

  beforeAll(async () => {
    db = await createTestDatabase();
    [key] = (await seedAccounts(db, 'change counts', ['one'])) as [AccountKey];
    const [connection] = (await db.dataSource.query(`SELECT connection_id FROM bank_accounts WHERE id = $1`, [key.accountId])) as Array<{ connection_id: string }>;
    sessionId = newId();
    await db.dataSource.query(`INSERT INTO sync_sessions (id, tenant_id, user_id, connection_id, status, requested_by) VALUES ($1, $2, $3, $4, 'running', 'scheduler')`, [
      sessionId,
      key.tenantId,
      key.userId,
      connection?.connection_id,
    ]);
  });
  afterAll(() => db?.drop());

  it('adds each settlement\'s logged changes exactly: none stored, none logged, and both', async () => {
    const session = { id: sessionId, tenantId: key.tenantId, userId: key.userId };
    const settle = (items: ReturnType<typeof page>) =>
      db.dataSource.transaction(async (m) => {
        if (items.length > 0) await writeTransactionPage(m, key, w, items, { stamp: new Date(), order: new FetchOrder() });
        await saveAccountOutcome(m, session, key.accountId, { progress: { bankAccountId: 'one' } }, new Date(), { stage: 'transactions', delta: { itemsWritten: items.length }, tally: true });
      });
    // A first settlement inserts the row (nothing stored): its logged changes alone.
    await settle(page(['a', 'b']));
    expect(await stored()).toEqual({ 'booked.added': 2 });
    // Nothing logged (a re-fetch of the same rows): the stored counts as they were.
    await settle(page(['a', 'b']));
    expect(await stored()).toEqual({ 'booked.added': 2 });
    // Both stored and logged, and a key new to the row: added key by key.
    await settle([...page(['c']), ...page(['a'], -250)]);
    expect(await stored()).toEqual({ 'booked.added': 3, 'booked.modified': 1 });
    // A page that is not its kind's last (addAccountCounts, its writes' own count) and then the settlement: both tallied once.
    await db.dataSource.transaction(async (m) => {
      const logged: LoggedChanges = new Map();
      await writeTransactionPage(m, key, w, page(['d', 'e']), { stamp: new Date(), order: new FetchOrder(), logged });
      await addAccountCounts(m, session, key.accountId, 'transactions', { itemsWritten: 2 }, logged);
    });
    await settle(page(['f']));
    expect(await stored()).toEqual({ 'booked.added': 6, 'booked.modified': 1 });
    // An empty stored value on one side only: an account row whose counts start empty.
    await db.dataSource.query(`UPDATE sync_account_results SET change_counts = '{}'::jsonb WHERE session_id = $1`, [sessionId]);
    await settle(page(['b'], -999));
    expect(await stored()).toEqual({ 'booked.modified': 1 });
  });
});
