import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BankCommonApiSandbox, type IsoDate, startBankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { UserTokensService } from '../../src/auth/user-tokens.service';
import { SyncService } from '../../src/sync/sync.service';
import { type LinkWorld, NETBANK_ID, credentialsOf as netbankCredentials, reachStatus, startLinkWorld } from '../link/harness';
import { readReply } from '../support/http-reply';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { BANK_CODE, CLIENT, type Connected, type SharedClock, accountIds, bankUser, connectUser, credentialsOf, sharedClock, startWorker, syncApp, waitForSession } from './harness';

interface ListedTransaction {
  readonly id: string;
  readonly transactionDate: string;
  readonly amount: { readonly amountMinor: string };
  readonly balanceAfter: { readonly amountMinor: string } | null;
}

/** Consecutive pairs of a newest-first listing whose balances do not chain (older.balanceAfter + newer.amount ≠ newer.balanceAfter). */
function breaks(listing: readonly ListedTransaction[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < listing.length; i += 1) {
    const newer = listing[i - 1] as ListedTransaction;
    const older = listing[i] as ListedTransaction;
    const expected = BigInt(older.balanceAfter?.amountMinor ?? 'NaN') + BigInt(newer.amount.amountMinor);
    if (newer.balanceAfter === null || BigInt(newer.balanceAfter.amountMinor) !== expected) out.push(`${older.transactionDate} ${older.id} → ${newer.transactionDate} ${newer.id}`);
  }
  return out;
}

/** Every transaction of an account through GET /api/v2/accounts/{id}/transactions, 11 a page, following nextCursor. */
async function listing(base: string, token: string, accountId: string): Promise<ListedTransaction[]> {
  const out: ListedTransaction[] = [];
  let cursor: string | null = null;
  do {
    const res = await fetch(`${base}/api/v2/accounts/${accountId}/transactions?limit=11${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
    const page = await readReply<{ items: ListedTransaction[]; nextCursor: string | null }>(res);
    expect(page.status).toBe(200);
    out.push(...page.json.items);
    cursor = page.json.nextCursor;
  } while (cursor !== null);
  return out;
}

/** Same-day consecutive pairs of a listing (where the order within a day decides whether it chains). */
const sameDayPairs = (listed: readonly ListedTransaction[]): number => listed.filter((t, i) => i > 0 && listed[i - 1]?.transactionDate === t.transactionDate).length;

// Issue 12 §5: the transactions of a day are listed in the bank's order, so that every balance
// after chains on the previous one — for a bank that lists oldest first and one that lists newest
// first, with days split across the bank's pages (7 a page) and across the API's pages, after a
// full sync and after an incremental one that re-fetches the last days with a late booking in them.
describe.each(['oldest-first', 'newest-first'] as const)('listing order within a day: a 銀行共通API bank listing %s', (transactionOrder) => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let clock: SharedClock;
  let connected: Connected;
  let base: string;
  let token: string;
  const user = bankUser('hanako', [
    { transactions: 360, historyDays: 45 },
    { transactions: 90, historyDays: 20 },
  ]);

  beforeAll(async () => {
    clock = sharedClock('2026-03-10T03:00:00Z');
    db = await createTestDatabase();
    sandbox = await startBankCommonApiSandbox({
      banks: [{ bankCode: BANK_CODE, bankName: 'テスト銀行', client: CLIENT, users: [user], pageSize: 7, transactionOrder }],
      seed: 12,
      clock: clock.sandbox,
    });
    app = await syncApp(db, sandbox, { clock });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    connected = await connectUser(app, sandbox, credentialsOf(user), { now: clock.now() });
    token = (await app.get(UserTokensService).mint(connected.scope)).token;
    await startWorker(app);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  const sync = async (): Promise<void> => {
    const { sessionIds } = await app.get(SyncService).startSync(connected.scope, { connectionIds: [connected.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    const views = await waitForSession(app, connected.scope, sessionIds[0] as string);
    expect(views.status.status).toBe('completed');
  };

  /** Checks every account: the whole history is listed, and every consecutive pair chains. */
  const expectChained = async (): Promise<void> => {
    const ids = await accountIds(app.get(DataSource), connected.connectionId);
    expect(ids.size).toBe(2);
    for (const [bankAccountId, accountId] of ids) {
      const listed = await listing(base, token, accountId);
      const truth = [...sandbox.truth.transactions(BANK_CODE, bankAccountId, { from: '2000-01-01', to: sandbox.truth.today(BANK_CODE) })];
      expect(listed).toHaveLength(truth.length);
      expect(new Set(listed.map((t) => t.id)).size).toBe(listed.length);
      expect(sameDayPairs(listed)).toBeGreaterThan(listed.length / 2); // most pairs are within a day: the order there is what is tested
      expect(breaks(listed)).toEqual([]);
    }
  };

  it('after a full sync, every consecutive pair of the listing chains: previous.balanceAfter + amount = balanceAfter', async () => {
    await sync();
    await expectChained();
  }, 120_000);

  it('after an incremental sync that re-fetches the last days, with a transaction booked late into one of them, the listing still chains', async () => {
    const [bankAccountId] = [...(await accountIds(app.get(DataSource), connected.connectionId)).keys()];
    // Booked today (after the day's generated ones) and yesterday: the first sync saw neither.
    clock.advance(86_400_000);
    const today = sandbox.truth.today(BANK_CODE);
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    sandbox.bank(BANK_CODE).knobs.insertTransaction(bankAccountId as string, { date: yesterday as IsoDate, amount: -4321, description: 'LATE BOOKING' });
    sandbox.bank(BANK_CODE).knobs.insertTransaction(bankAccountId as string, { amount: 1234, description: 'TODAY' });
    await sync();
    await expectChained();
  }, 120_000);
});

// The same through the web net bank (statements scraped page by page, oldest first, no ids):
// the 'happy' persona's accounts that show a balance after each row.
describe('listing order within a day: the web net bank', () => {
  let db: TestDatabase;
  let world: LinkWorld;

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await startLinkWorld(db);
  }, 120_000);
  afterAll(async () => {
    await world?.close();
    await db?.drop();
  });

  it('after the first sync, every consecutive pair of the listing chains', async () => {
    const login = await world.api<{ connectionId: string }>('POST', `/api/v2/connect/${NETBANK_ID}/credentials`, { credentials: netbankCredentials(world.netbank, 'happy') });
    expect(login.status).toBe(202); // answered at once; the login and the first sync go on
    await reachStatus(world, login.json.connectionId, 'success', 60_000);
    const accounts = (await world.ds.query(`SELECT id FROM bank_accounts WHERE connection_id = $1`, [login.json.connectionId])) as Array<{ id: string }>;
    let pairs = 0;
    let withinDay = 0;
    for (const { id } of accounts) {
      const listed = await listing(world.base, world.token, id);
      if (listed.length < 2 || listed.some((t) => t.balanceAfter === null)) continue;
      pairs += listed.length - 1;
      withinDay += sameDayPairs(listed);
      expect(breaks(listed)).toEqual([]);
    }
    expect(pairs).toBeGreaterThan(200);
    expect(withinDay).toBeGreaterThan(10);
  }, 120_000);
});
