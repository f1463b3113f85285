/**
 * Paging: the date filter of one fetch is the same on every page request (the request log
 * proves it), only `pageId` changes; the date field follows the manifest (done by
 * transaction or booking date, holds always by transaction date); an item inserted between
 * page requests duplicates the boundary item of a newest-first list, and the connector
 * passes it on once.
 */
import { addDays, dateInZone, type CalendarDate, type TransactionKind } from '@kinko/domain';
import type { Connector, ConnectorClient, Grant, Transaction } from '@kinko/connector-sdk';
import { polishApiOperation, type PolishApiRequestLogEntry } from '@kinko/sandbox-bank';
import { definePolishApiConnector, polishApi } from '../src';
import { logIn, startPolishSandbox, type PolishSandbox } from './polish-sandbox';

const today = dateInZone(new Date(), 'Europe/Warsaw');
const window = Object.freeze({ from: addDays(today, -40), to: addDays(today, -10) });

async function pages(client: ConnectorClient, grant: Grant, bankAccountId: string, kind: TransactionKind, w: { from: CalendarDate; to: CalendarDate } = window): Promise<Transaction[][]> {
  const out: Transaction[][] = [];
  for await (const page of client.transactions(grant, { bankAccountId, kind, window: w })) {
    if (!page.ok) throw new Error(`${page.error._tag}: ${page.error.message}`);
    out.push([...page.value.items]);
  }
  return out;
}

const paramsOf = (entries: readonly PolishApiRequestLogEntry[]) => entries.map((e) => e.params ?? {});

describe('one fetch, one date filter', () => {
  let s: PolishSandbox;
  beforeAll(async () => {
    s = await startPolishSandbox({ type: 'transactions', kind: 'booked', window, count: 250 });
  });
  afterAll(() => s.close());

  it('sends the same dates and perPage on every page request; only pageId changes, each taken from the previous answer', async () => {
    const { client, grant } = await logIn(s, polishApi);
    s.sandbox.requestLog.clear();
    const got = await pages(client, grant, s.bankAccountId as string, 'booked');
    expect(got.map((p) => p.length)).toEqual([100, 100, 50]);
    const log = s.sandbox.requests({ operation: polishApiOperation('getTransactionsDone') });
    expect(log).toHaveLength(3);
    const params = paramsOf(log);
    for (const p of params) {
      expect(p).toMatchObject({ accountNumber: s.bankAccountId, transactionDateFrom: window.from, transactionDateTo: window.to, perPage: 100 });
      expect(p.bookingDateFrom).toBeUndefined();
    }
    expect(params[0]?.pageId).toBeUndefined();
    expect(new Set(params.slice(1).map((p) => p.pageId)).size).toBe(2);
    for (const entry of log) expect(entry.status).toBe(200);
    await client.close();
  });

  it('a bank that filters done by booking date gets bookingDateFrom/To, on every page', async () => {
    const byBooking: Connector = definePolishApiConnector({ id: 'pl-by-booking', doneDateField: 'bookingDate' });
    const { client, grant } = await logIn(s, byBooking);
    s.sandbox.requestLog.clear();
    const got = (await pages(client, grant, s.bankAccountId as string, 'booked')).flat();
    expect(got).toHaveLength(250);
    for (const t of got) expect(t.bookingDate !== undefined && t.bookingDate >= window.from && t.bookingDate <= window.to).toBe(true);
    const params = paramsOf(s.sandbox.requests({ operation: polishApiOperation('getTransactionsDone') }));
    expect(params).toHaveLength(3);
    for (const p of params) {
      expect(p).toMatchObject({ bookingDateFrom: window.from, bookingDateTo: window.to });
      expect(p.transactionDateFrom).toBeUndefined();
    }
    // Holds ignore booking dates (the spec says so): they are always asked by transaction date.
    s.sandbox.requestLog.clear();
    await pages(client, grant, s.mainAccount, 'hold');
    expect(paramsOf(s.sandbox.requests({ operation: polishApiOperation('getHolds') }))[0]).toMatchObject({ transactionDateFrom: window.from, transactionDateTo: window.to });
    await client.close();
  });
});

describe('items inserted between pages', () => {
  let s: PolishSandbox;
  beforeAll(async () => {
    s = await startPolishSandbox({ type: 'transactions', kind: 'booked', window, count: 230 });
  });
  afterAll(() => s.close());

  it('the boundary item comes twice from the bank and once from the connector', async () => {
    const { client, grant } = await logIn(s, polishApi);
    const account = s.bankAccountId as string;
    const before = await pages(client, grant, account, 'booked');
    const boundary = before[0]?.at(-1);
    // Newest first: a booking inside the window, newer than page 1's items, shifts every later
    // item by one place — page 2 then starts with page 1's last item again.
    s.sandbox.knobs.insertTransactionAfterPage(account, 1, { amount: 12_345n, date: window.to, description: 'Przelew przychodzący: między stronami' });
    const during = await pages(client, grant, account, 'booked');
    expect(during.map((p) => p.length)).toEqual([100, 99, 31]);
    const ids = during.flat().map((t) => t.bankTransactionId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain(boundary?.bankTransactionId);
    // The inserted item was missed by this fetch (it landed on a page already served) and is
    // found by the next one, which the 4-day overlap of incremental windows guarantees.
    const after = (await pages(client, grant, account, 'booked')).flat();
    expect(during.flat()).toHaveLength(230);
    expect(after).toHaveLength(231);
    const inserted = after.filter((t) => !ids.includes(t.bankTransactionId));
    expect(inserted.map((t) => [t.description, t.amountMinor, t.transactionDate])).toEqual([['Przelew przychodzący: między stronami', 12_345n, window.to]]);
    await client.close();
  });
});
