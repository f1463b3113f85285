/**
 * Issue 17 (f) end to end: the Berlin Group bank filters pending items by the day they entered
 * its books, which it does not report, so a pending item may carry no date at all. Through the
 * API, on real PostgreSQL over loopback: such an item is stored and listed with
 * transactionDate null (listed under the day it was first fetched), keyset paging stays
 * stable, it is reconciled to its booked version when it books, and the booked version counts
 * in the daily balances. The pending kind (filtered on that unreported date) is re-read over its
 * whole horizon on every sync while booked stays incremental, so a dateless pending item first
 * seen long ago that the bank cancels is removed (the change feed shows it), one it still lists
 * stays, and one it books is linked.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { berlinGroupPersonaUsers, startBerlinGroupSandbox, type BerlinGroupSandbox } from '@kinko/sandbox-bank';
import { addDays, dateInZone } from '@kinko/domain';
import { startRedirectBankHarness, type RedirectBankHarness } from '../support/redirect-bank-harness';
import { caughtUp } from '../feed/harness';

const BANK_ID = 'sandbox-berlin-group';

interface ApiTransaction {
  id: string;
  bankTransactionId: string;
  kind: string;
  amount: { amountMinor: string };
  transactionDate: string | null;
  bookingDate: string | null;
  valueDate: string | null;
  listedDate: string;
  linkedBookedId: string | null;
}
interface ApiPage {
  items: ApiTransaction[];
  nextCursor: string | null;
}

describe('Berlin Group: a pending item without any date, through the API', () => {
  let sandbox: BerlinGroupSandbox;
  let h: RedirectBankHarness;
  const today = dateInZone(new Date(), 'Europe/Berlin');

  beforeAll(async () => {
    sandbox = await startBerlinGroupSandbox({ users: berlinGroupPersonaUsers(today) });
    h = await startRedirectBankHarness({
      tenantName: 'Berlin Group dateless tenant',
      bank: { bankId: BANK_ID, connector: 'berlin-group', options: { baseUrl: sandbox.url, clientId: 'kinko-e2e', bankName: 'Sandbox Bank (Berlin Group)' } },
    });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await sandbox?.close();
  });

  it('is stored and listed with transactionDate null, pages stably, links to its booked version and counts in the daily balances once booked', async () => {
    const { token } = await h.newUser('lena-dateless');
    const browser = await h.startConnect(BANK_ID, token);
    const back = await sandbox.testHooks.approve(browser.bankUrl, 'lena', 'sandbox');
    const redirectUri = new URL(browser.bankUrl).searchParams.get('redirect_uri') as string;
    const done = await h.completeConnect(`${redirectUri}?${new URLSearchParams(back).toString()}`, browser);
    expect(done.status).toBe(200);
    for (const id of done.json.sessionIds) expect(await h.finished(token, id)).toBe('completed');
    const accounts = (await h.call<Array<{ id: string; accountNumber: string | null }>>('GET', '/api/v2/bankaccount', token)).json;
    const giro = accounts.find((a) => a.accountNumber === 'DE89370400440532013000')?.id as string;

    // Stored and listed: no transaction, booking or value date; listed under the day it was fetched.
    const all = (await h.call<ApiPage>('GET', `/api/v2/accounts/${giro}/transactions?limit=500`, token)).json;
    expect(all.nextCursor).toBeNull();
    const pick = (items: ApiTransaction[], id: string) => items.find((t) => t.bankTransactionId === id);
    expect(pick(all.items, 'pending:lena-p-1')).toMatchObject({ transactionDate: null, bookingDate: null, valueDate: null, listedDate: today, amount: { amountMinor: '-2499' } });
    expect(pick(all.items, 'pending:lena-p-2')).toMatchObject({ transactionDate: null, bookingDate: null, valueDate: addDays(today, -1), listedDate: addDays(today, -1) });
    // Booked items carry no transaction date either (the standard has none): listed under their booking date.
    const aBooked = all.items.find((t) => t.kind === 'booked') as ApiTransaction;
    expect(aBooked).toMatchObject({ transactionDate: null, listedDate: aBooked.bookingDate });
    // Newest first by listed date.
    expect(all.items.map((t) => t.listedDate)).toEqual([...all.items.map((t) => t.listedDate)].sort().reverse());

    // Keyset paging in small pages walks exactly the same rows in the same order.
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? 'limit=7' : `limit=7&cursor=${encodeURIComponent(cursor)}`;
      const page: ApiPage = (await h.call<ApiPage>('GET', `/api/v2/accounts/${giro}/transactions?${query}`, token)).json;
      walked.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(walked).toEqual(all.items.map((t) => t.id));
    // from/to filter on the listed date: today's listing holds the dateless pending item.
    const todays = (await h.call<ApiPage>('GET', `/api/v2/accounts/${giro}/transactions?from=${today}&to=${today}`, token)).json;
    expect(todays.items.map((t) => t.bankTransactionId)).toEqual(['pending:lena-p-1']);

    // The bank books both pending items (each on the day it entered); the next sync links each to its booked version.
    sandbox.testHooks.bookPending('lena-giro');
    const again = await h.call<{ sessionIds: string[] }>('POST', `/api/v2/bank/connectionId/${done.json.connectionId}/sync`, token, {});
    expect(again.status).toBe(202);
    for (const id of again.json.sessionIds) expect(await h.finished(token, id)).toBe('completed');
    const after = (await h.call<ApiPage>('GET', `/api/v2/accounts/${giro}/transactions?limit=500&includeSuperseded=true`, token)).json;
    const booked = pick(after.items, 'booked:lena-p-1');
    expect(booked).toMatchObject({ kind: 'booked', transactionDate: null, bookingDate: today, valueDate: today, listedDate: today });
    expect(pick(after.items, 'pending:lena-p-1')).toMatchObject({ linkedBookedId: booked?.id, transactionDate: null, listedDate: today });
    expect(pick(after.items, 'pending:lena-p-2')).toMatchObject({ linkedBookedId: pick(after.items, 'booked:lena-p-2')?.id });
    const visible = (await h.call<ApiPage>('GET', `/api/v2/accounts/${giro}/transactions?limit=500`, token)).json;
    expect(visible.items.filter((t) => t.kind === 'pending')).toEqual([]);

    // Daily balances: the bank's booked balance of today holds the formerly dateless item;
    // yesterday's, derived backwards over the booked transactions, does not.
    const balances = (await h.call<{ items: Array<{ date: string; balance: { amountMinor: string }; source: string }> }>(
      'GET',
      `/api/v2/accounts/${giro}/balances?from=${addDays(today, -1)}&to=${today}`,
      token,
    )).json.items;
    expect(balances.map((b) => b.source)).toEqual(['derived', 'bank']);
    const [yesterday, todays2] = balances.map((b) => BigInt(b.balance.amountMinor));
    expect((todays2 as bigint) - (yesterday as bigint)).toBe(-2_499n);
  }, 180_000);
});

describe('Berlin Group: the pending kind is re-read over its whole horizon, booked stays incremental', () => {
  let sandbox: BerlinGroupSandbox;
  let h: RedirectBankHarness;
  const today = dateInZone(new Date(), 'Europe/Berlin');
  const users = berlinGroupPersonaUsers(today);
  const giroAtBank = users[0]?.accounts[0];
  // Two more dateless card payments, entered 10 days ago (more than the 4 overlap days).
  const old = (id: string, amountMinor: bigint) => ({ transactionId: id, entryDate: addDays(today, -10), amountMinor, remittanceInformationUnstructured: `Kartenzahlung ${id}`, creditorName: 'Shop' });
  giroAtBank?.pending.push(old('lena-old-keep', -700n), old('lena-old-cancel', -900n));

  beforeAll(async () => {
    sandbox = await startBerlinGroupSandbox({ users });
    h = await startRedirectBankHarness({
      tenantName: 'Berlin Group horizon tenant',
      bank: { bankId: BANK_ID, connector: 'berlin-group', options: { baseUrl: sandbox.url, clientId: 'kinko-e2e', bankName: 'Sandbox Bank (Berlin Group)' } },
    });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await sandbox?.close();
  });

  it('removes a cancelled dateless item first seen 10 days ago, keeps one still pending, links one booked; the windows the bank received', async () => {
    const { userId, token } = await h.newUser('lena-horizon');
    const browser = await h.startConnect(BANK_ID, token);
    const back = await sandbox.testHooks.approve(browser.bankUrl, 'lena', 'sandbox');
    const redirectUri = new URL(browser.bankUrl).searchParams.get('redirect_uri') as string;
    const done = await h.completeConnect(`${redirectUri}?${new URLSearchParams(back).toString()}`, browser);
    expect(done.status).toBe(200);
    for (const id of done.json.sessionIds) expect(await h.finished(token, id)).toBe('completed');
    // The first sync: booked and pending share one window, so one call per page asks for both.
    const firstReads = sandbox.requests().filter((r) => r.path.endsWith('/transactions'));
    expect(new Set(firstReads.map((r) => r.query['bookingStatus']))).toEqual(new Set(['both']));
    const accounts = (await h.call<Array<{ id: string; accountNumber: string | null }>>('GET', '/api/v2/bankaccount', token)).json;
    const giro = accounts.find((a) => a.accountNumber === 'DE89370400440532013000')?.id as string;

    // As if that first sync had run 10 days ago: the two old items were first seen (listed) then.
    const tenDaysAgo = addDays(today, -10);
    await h.db.dataSource.query(`UPDATE transactions SET listed_date = $3 WHERE user_id = $1 AND account_id = $2 AND bank_transaction_id IN ('pending:lena-old-keep', 'pending:lena-old-cancel')`, [userId, giro, tenDaysAgo]);
    await caughtUp(h.db.dataSource);
    const feedStart = (await h.call<{ nextCursor: string; hasMore: boolean }>('GET', '/api/v2/transactions/sync?count=500', token)).json;
    expect(feedStart.hasMore).toBe(false);
    const listed = (await h.call<ApiPage>('GET', `/api/v2/accounts/${giro}/transactions?limit=500`, token)).json.items;
    const pick = (items: ApiTransaction[], id: string) => items.find((t) => t.bankTransactionId === id);
    const cancelled = pick(listed, 'pending:lena-old-cancel');
    expect(cancelled).toMatchObject({ transactionDate: null, listedDate: tenDaysAgo });

    // The bank cancels one old item and books today's dateless one; the other old item stays pending.
    const pendingAtBank = giroAtBank?.pending ?? [];
    const p1 = pendingAtBank.find((t) => t.transactionId === 'lena-p-1');
    giroAtBank?.booked.push({ ...(p1 as (typeof pendingAtBank)[number]), bookingDate: today, valueDate: today });
    pendingAtBank.splice(0, pendingAtBank.length, ...pendingAtBank.filter((t) => t.transactionId !== 'lena-p-1' && t.transactionId !== 'lena-old-cancel'));

    const before = sandbox.requests().length;
    const again = await h.call<{ sessionIds: string[] }>('POST', `/api/v2/bank/connectionId/${done.json.connectionId}/sync`, token, {});
    expect(again.status).toBe(202);
    for (const id of again.json.sessionIds) expect(await h.finished(token, id)).toBe('completed');

    // The windows the bank received for the giro account: booked incremental (its latest, yesterday, − 4 days),
    // pending its whole horizon (today − 90, the unattended history), each kind in its own call.
    const reads = sandbox.requests().slice(before).filter((r) => r.path.endsWith('/transactions') && r.path.includes('lena-giro'));
    expect(reads.map((r) => [r.query['bookingStatus'], r.query['dateFrom'], r.query['dateTo']]).sort()).toEqual([
      ['booked', addDays(today, -5), today],
      ['pending', addDays(today, -90), today],
    ]);

    const after = (await h.call<ApiPage>('GET', `/api/v2/accounts/${giro}/transactions?limit=500&includeSuperseded=true`, token)).json.items;
    expect(pick(after, 'pending:lena-old-cancel')).toBeUndefined();
    expect(pick(after, 'pending:lena-old-keep')).toMatchObject({ kind: 'pending', transactionDate: null, listedDate: tenDaysAgo, linkedBookedId: null });
    expect(pick(after, 'pending:lena-p-2')).toMatchObject({ kind: 'pending', linkedBookedId: null });
    const booked = pick(after, 'booked:lena-p-1');
    expect(booked).toMatchObject({ bookingDate: today });
    expect(pick(after, 'pending:lena-p-1')).toMatchObject({ linkedBookedId: booked?.id });

    // The change feed shows the cancelled item's removal (no successor) and the booked version's arrival.
    await caughtUp(h.db.dataSource);
    const feed = (
      await h.call<{ added: ApiTransaction[]; removed: Array<{ id: string; successorId: string | null }> }>('GET', `/api/v2/transactions/sync?count=500&cursor=${encodeURIComponent(feedStart.nextCursor)}`, token)
    ).json;
    expect(feed.removed).toContainEqual(expect.objectContaining({ id: cancelled?.id, successorId: null }));
    expect(feed.added.map((t) => t.bankTransactionId)).toContain('booked:lena-p-1');
  }, 180_000);
});
