/**
 * Issue 17 (f) end to end: the Berlin Group bank filters pending items by the day they entered
 * its books, which it does not report, so a pending item may carry no date at all. Through the
 * API, on real PostgreSQL over loopback: such an item is stored and listed with
 * transactionDate null (listed under the day it was first fetched), keyset paging stays
 * stable, it is reconciled to its booked version when it books, and the booked version counts
 * in the daily balances.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { berlinGroupPersonaUsers, startBerlinGroupSandbox, type BerlinGroupSandbox } from '@kinko/sandbox-bank';
import { addDays, dateInZone } from '@kinko/domain';
import { startRedirectBankHarness, type RedirectBankHarness } from '../support/redirect-bank-harness';

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
