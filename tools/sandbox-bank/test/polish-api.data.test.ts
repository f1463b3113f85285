/**
 * The PolishAPI sandbox's account information over real HTTP: paging with fixed filters
 * (and the request log that proves it), inclusive date bounds, holds ignoring booking
 * dates, the 90-day limit without fresh SCA, pending/hold/scheduled items evolving with
 * the clock, knobs (faults, disappearing accounts, items inserted between pages, the
 * unattended-access budget) and determinism.
 */
import { addDays } from '../src/calendar';
import { isValidPolishIban, polishApiOperation, type PolishApiRequestLogEntry } from '../src';
import { consentTokens, readAllPages, startTestBank, TODAY, type Answer, type TestBank } from './polish-api-support';

type Item = Record<string, unknown>;
const code = (a: Answer): unknown => a.body['code'];
const ids = (items: readonly Item[]): string[] => items.map((i) => i['itemId'] as string);
const day = (dateTime: unknown): string => String(dateTime).slice(0, 10);
const DONE = polishApiOperation('getTransactionsDone');

let bank: TestBank;
let iban: string;
beforeAll(async () => {
  bank = await startTestBank();
  iban = bank.sandbox.truth.accounts('jan')[0]?.accountNumber as string;
});
afterAll(() => bank.sandbox.close());

describe('accounts', () => {
  it('lists valid Polish IBANs, and getAccount gives balances as decimal strings that match the last booking', async () => {
    const { accessToken } = await consentTokens(bank, 'accounts-1');
    const list = await bank.tpp.call('getAccounts', {}, { token: accessToken });
    const numbers = (list.body['accounts'] as Item[]).map((a) => a['accountNumber'] as string);
    expect(numbers).toHaveLength(2);
    for (const n of numbers) expect([n, isValidPolishIban(n)]).toEqual([n, true]);
    const account = (await bank.tpp.call('getAccount', { accountNumber: iban }, { token: accessToken })).body['account'] as Item;
    expect(account).toMatchObject({ accountNumber: iban, currency: 'PLN', accountHolderType: 'individual', bank: { bicOrSwift: 'INGBPLPW' } });
    expect(account['bookingBalance']).toMatch(/^-?(0|[1-9]\d*)\.\d{2}$/);
    expect(account['availableBalance']).toMatch(/^(0|[1-9]\d*)\.\d{2}$/);
    const newest = (await bank.tpp.call('getTransactionsDone', { accountNumber: iban, perPage: 1 }, { token: accessToken })).body['transactions'] as Item[];
    expect(newest[0]?.['postTransactionBalance']).toBe(account['bookingBalance']);
    // Pending debits and holds reduce the available balance, never the booked one.
    const cents = (s: unknown): number => Math.round(Number(s) * 100);
    expect(cents(account['availableBalance'])).toBeLessThanOrEqual(cents(account['bookingBalance']));
  });

  it('a removed account disappears from getAccounts and its operations answer 403 until restored', async () => {
    const { accessToken } = await consentTokens(bank, 'accounts-2');
    bank.sandbox.knobs.removeAccount(iban);
    try {
      const list = await bank.tpp.call('getAccounts', {}, { token: accessToken });
      expect((list.body['accounts'] as Item[]).map((a) => a['accountNumber'])).not.toContain(iban);
      const gone = await bank.tpp.call('getTransactionsDone', { accountNumber: iban }, { token: accessToken });
      expect([gone.status, code(gone)]).toEqual([403, 'ACCOUNT_UNAVAILABLE']);
    } finally {
      bank.sandbox.knobs.restoreAccount(iban);
    }
    expect((await bank.tpp.call('getAccount', { accountNumber: iban }, { token: accessToken })).status).toBe(200);
  });
});

describe('paging and filters', () => {
  let token: string;
  beforeAll(async () => {
    token = (await consentTokens(bank, 'paging-1')).accessToken;
  });

  it('the seed example: after SCA, 2018-06-01..2020-06-01 page by page with the same dates on every request', async () => {
    bank.sandbox.requestLog.clear();
    const filters = { accountNumber: iban, transactionDateFrom: '2018-06-01', transactionDateTo: '2020-06-01', perPage: 100 };
    const { items, pages } = await readAllPages(bank.tpp, 'getTransactionsDone', token, filters);
    expect(pages.length).toBeGreaterThan(5);
    expect(new Set(ids(items)).size).toBe(items.length);
    expect(ids(items)).toEqual(ids(bank.sandbox.truth.items(iban, 'done', { transactionDateFrom: '2018-06-01', transactionDateTo: '2020-06-01' })));
    for (const item of items) expect(day(item['tradeDate']) >= '2018-06-01' && day(item['tradeDate']) <= '2020-06-01').toBe(true);

    const log = bank.sandbox.requests({ operation: DONE });
    expect(log).toHaveLength(pages.length);
    const nextPages = pages.map((p) => (p.body['pageInfo'] as { nextPage?: string }).nextPage);
    log.forEach((entry: PolishApiRequestLogEntry, i) => {
      expect(entry.params).toMatchObject({ accountNumber: iban, transactionDateFrom: '2018-06-01', transactionDateTo: '2020-06-01', perPage: 100 });
      expect(entry.params?.pageId).toBe(i === 0 ? undefined : nextPages[i - 1]);
      expect(entry.status).toBe(200);
    });
    // A page costs about one page of generation, not the history.
    for (const entry of log) expect(entry.generated).toBeLessThan(400);
  });

  it('previousPage leads back to the same items, and a pageId only works with the filters it was issued for', async () => {
    const filters = { accountNumber: iban, transactionDateFrom: '2020-01-01', perPage: 20 };
    const first = await bank.tpp.call('getTransactionsDone', filters, { token });
    expect(first.body['pageInfo']).not.toHaveProperty('previousPage');
    const next = (first.body['pageInfo'] as { nextPage: string }).nextPage;
    const second = await bank.tpp.call('getTransactionsDone', { ...filters, pageId: next }, { token });
    expect(ids(second.body['transactions'] as Item[])).not.toEqual(ids(first.body['transactions'] as Item[]));
    const previous = (second.body['pageInfo'] as { previousPage: string }).previousPage;
    const back = await bank.tpp.call('getTransactionsDone', { ...filters, pageId: previous }, { token });
    expect(ids(back.body['transactions'] as Item[])).toEqual(ids(first.body['transactions'] as Item[]));

    const moved = await bank.tpp.call('getTransactionsDone', { ...filters, transactionDateFrom: '2020-01-02', pageId: next }, { token });
    expect([moved.status, code(moved)]).toEqual([400, 'INVALID_PAGE_ID']);
    expect(code(await bank.tpp.call('getTransactionsDone', { ...filters, pageId: 'pg-made-up' }, { token }))).toBe('INVALID_PAGE_ID');
  });

  it('perPage above the bank maximum is served as the maximum', async () => {
    bank.sandbox.knobs.set({ maxPerPage: 30, defaultPerPage: 25 });
    try {
      const answer = await bank.tpp.call('getTransactionsDone', { accountNumber: iban, transactionDateFrom: '2020-01-01', perPage: 1000 }, { token });
      expect(answer.body['transactions']).toHaveLength(30);
      const byDefault = await bank.tpp.call('getTransactionsDone', { accountNumber: iban, transactionDateFrom: '2020-01-01' }, { token });
      expect(byDefault.body['transactions']).toHaveLength(25);
    } finally {
      bank.sandbox.knobs.set({ maxPerPage: 500, defaultPerPage: 50 });
    }
  });

  it('transaction and booking date bounds are inclusive', async () => {
    const all = bank.sandbox.truth.items(iban, 'done', { transactionDateFrom: '2020-04-01', transactionDateTo: '2020-05-31' });
    // A day with transactions, and every item whose trade date is that day.
    const d = day(all[Math.floor(all.length / 2)]?.['tradeDate']);
    const onDay = all.filter((i) => day(i['tradeDate']) === d);
    const byTrade = await readAllPages(bank.tpp, 'getTransactionsDone', token, { accountNumber: iban, transactionDateFrom: d, transactionDateTo: d });
    expect(ids(byTrade.items)).toEqual(ids(onDay));
    const bookedOnDay = all.filter((i) => day(i['bookingDate']) === d);
    const byBooking = await readAllPages(bank.tpp, 'getTransactionsDone', token, { accountNumber: iban, bookingDateFrom: d, bookingDateTo: d });
    expect(new Set(ids(byBooking.items))).toEqual(new Set(ids(bookedOnDay)));
    expect(byBooking.items.every((i) => day(i['bookingDate']) === d)).toBe(true);
    // Card payments book after they are made: some trade-date items book later.
    expect(all.some((i) => day(i['bookingDate']) > day(i['tradeDate']))).toBe(true);
  });

  it('holds ignore booking dates; done transactions do not', async () => {
    const holds = await bank.tpp.call('getHolds', { accountNumber: iban }, { token });
    const listed = ids(holds.body['holds'] as Item[]);
    expect(listed.length).toBeGreaterThan(0);
    const far = { bookingDateFrom: '2020-03-05', bookingDateTo: '2020-03-05' };
    const withBooking = await bank.tpp.call('getHolds', { accountNumber: iban, ...far }, { token });
    expect(ids(withBooking.body['holds'] as Item[])).toEqual(listed);
    const done = await bank.tpp.call('getTransactionsDone', { accountNumber: iban, ...far }, { token });
    expect((done.body['transactions'] as Item[]).every((i) => day(i['bookingDate']) === '2020-03-05')).toBe(true);
    // A hold is a debit: CREDIT is not a filter the spec offers for holds.
    expect(code(await bank.tpp.call('getHolds', { accountNumber: iban, type: 'CREDIT' }, { token }))).toBe('VALIDATION_ERROR');
  });

  it('filters by amount and type, with the spec amounts unsigned and the direction in transactionCategory', async () => {
    const { items } = await readAllPages(bank.tpp, 'getTransactionsDone', token, { accountNumber: iban, transactionDateFrom: '2020-03-03', minAmount: '100.00', maxAmount: '500.00', type: 'DEBIT' });
    expect(items.length).toBeGreaterThan(0);
    for (const i of items) {
      expect(i['amount']).toMatch(/^(0|[1-9]\d*)\.\d{2}$/);
      expect(Number(i['amount'])).toBeGreaterThanOrEqual(100);
      expect(Number(i['amount'])).toBeLessThanOrEqual(500);
      expect(i['transactionCategory']).toBe('DEBIT');
    }
    expect(code(await bank.tpp.call('getTransactionsDone', { accountNumber: iban, minAmount: '1.5' }, { token }))).toBe('VALIDATION_ERROR');
    expect(code(await bank.tpp.call('getTransactionsDone', { accountNumber: iban, transactionDateFrom: '2020-05-02', transactionDateTo: '2020-05-01' }, { token }))).toBe('VALIDATION_ERROR');
  });

  it('writes Polish descriptions and counterparties with valid account numbers', async () => {
    const items = bank.sandbox.truth.items(iban, 'done', { transactionDateFrom: '2019-06-01' });
    const descriptions = items.map((i) => i['description'] as string);
    expect(descriptions.some((d) => d.startsWith('Przelew przychodzący'))).toBe(true);
    expect(descriptions.some((d) => d.startsWith('Płatność kartą'))).toBe(true);
    expect(descriptions.some((d) => d.startsWith('Wypłata z bankomatu'))).toBe(true);
    for (const i of items) {
      for (const side of ['sender', 'recipient'] as const) {
        const n = (i[side] as { accountNumber?: string } | undefined)?.accountNumber;
        if (n !== undefined) expect([n, isValidPolishIban(n)]).toEqual([n, true]);
      }
    }
  });
});

describe('history limits and SCA', () => {
  const today = TODAY;

  it('without fresh SCA (a refreshed token) history reaches back 90 days, no further', async () => {
    const { refreshToken } = await consentTokens(bank, 'sca-1', { days: 1460 });
    const token = (await bank.tpp.refresh(refreshToken)).body['access_token'] as string;
    const ok = await bank.tpp.call('getTransactionsDone', { accountNumber: iban, transactionDateFrom: addDays(today, -90), transactionDateTo: today }, { token });
    expect(ok.status).toBe(200);
    for (const field of ['transactionDateFrom', 'bookingDateFrom']) {
      const refused = await bank.tpp.call('getTransactionsDone', { accountNumber: iban, [field]: addDays(today, -91) }, { token });
      expect([field, refused.status, code(refused)]).toEqual([field, 403, 'SCA_REQUIRED']);
    }
    // The seed's background example asks 2020-03-01 (92 days): refused by a strict bank.
    expect(code(await bank.tpp.call('getTransactionsPending', { accountNumber: iban, transactionDateFrom: '2020-03-01' }, { token }))).toBe('SCA_REQUIRED');
    // Holds ignore booking dates, so a far booking date is not a history request for them.
    expect((await bank.tpp.call('getHolds', { accountNumber: iban, bookingDateFrom: '2018-01-01' }, { token })).status).toBe(200);
    // No from-date: the bank answers its 90 days.
    const implicit = await readAllPages(bank.tpp, 'getTransactionsDone', token, { accountNumber: iban, perPage: 500 });
    expect(implicit.items.every((i) => day(i['tradeDate']) >= addDays(today, -90))).toBe(true);
    expect(ids(implicit.items)).toEqual(ids(bank.sandbox.truth.items(iban, 'done', { transactionDateFrom: addDays(today, -90) })));
  });

  it('with fresh SCA history reaches the consent maximum, then SCA goes stale', async () => {
    const { accessToken } = await consentTokens(bank, 'sca-2', { days: 731 });
    const full = await bank.tpp.call('getTransactionsDone', { accountNumber: iban, transactionDateFrom: '2018-06-01', transactionDateTo: today }, { token: accessToken });
    expect(full.status).toBe(200);
    const beyond = await bank.tpp.call('getTransactionsDone', { accountNumber: iban, transactionDateFrom: '2018-05-31' }, { token: accessToken });
    expect([beyond.status, code(beyond)]).toEqual([403, 'HISTORY_LIMIT_EXCEEDED']);
    bank.sandbox.knobs.set({ scaFreshnessMinutes: 10 });
    bank.clock.advance(11 * 60_000);
    try {
      const stale = await bank.tpp.call('getTransactionsDone', { accountNumber: iban, transactionDateFrom: '2018-06-01' }, { token: accessToken });
      expect([stale.status, code(stale)]).toEqual([403, 'SCA_REQUIRED']);
      // The same token still reads its 90 days.
      expect((await bank.tpp.call('getTransactionsDone', { accountNumber: iban, transactionDateFrom: addDays(today, -90) }, { token: accessToken })).status).toBe(200);
    } finally {
      bank.clock.advance(-11 * 60_000);
      bank.sandbox.knobs.set({ scaFreshnessMinutes: 60 });
    }
  });

  it('in clamp mode the bank answers the allowed window instead of refusing', async () => {
    const { refreshToken } = await consentTokens(bank, 'sca-3');
    const token = (await bank.tpp.refresh(refreshToken)).body['access_token'] as string;
    bank.sandbox.knobs.set({ historyLimitMode: 'clamp' });
    try {
      const { items } = await readAllPages(bank.tpp, 'getTransactionsDone', token, { accountNumber: iban, transactionDateFrom: '2019-01-01', perPage: 500 });
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((i) => day(i['tradeDate']) >= addDays(today, -90))).toBe(true);
    } finally {
      bank.sandbox.knobs.set({ historyLimitMode: 'refuse' });
    }
  });
});

describe('items that change with time', () => {
  it('a pending transfer books later as done with the same itemId and tradeDate', async () => {
    const other = await startTestBank({ seed: 'evolution' });
    try {
      const account = other.sandbox.truth.accounts('jan')[0]?.accountNumber as string;
      const { accessToken } = await consentTokens(other, 'pending-1');
      const added = other.sandbox.knobs.addPending(account, { amount: -12_345n, description: 'Przelew wychodzący: Za prąd', bookOn: addDays(TODAY, 2) });
      expect(added).toMatchObject({ amount: '123.45', transactionCategory: 'DEBIT', description: 'Przelew wychodzący: Za prąd' });
      const pending0 = (await other.tpp.call('getTransactionsPending', { accountNumber: account }, { token: accessToken })).body['transactions'] as Item[];
      expect(ids(pending0)).toContain(added['itemId']);
      const generated = pending0.filter((p) => p['itemId'] !== added['itemId']);
      expect(generated.length).toBeGreaterThan(0);

      other.sandbox.testHooks.advance(7);
      const fresh = (await consentTokens(other, 'pending-2')).accessToken;
      const pendingLater = ids((await other.tpp.call('getTransactionsPending', { accountNumber: account }, { token: fresh })).body['transactions'] as Item[]);
      const done = await readAllPages(other.tpp, 'getTransactionsDone', fresh, { accountNumber: account, transactionDateFrom: addDays(TODAY, -7) });
      const byId = new Map(done.items.map((i) => [i['itemId'] as string, i]));
      const booked = byId.get(added['itemId'] as string);
      expect(booked).toMatchObject({ amount: '123.45', transactionCategory: 'DEBIT', tradeDate: added['tradeDate'] });
      expect(day(booked?.['bookingDate'])).toBe(addDays(TODAY, 2));
      // Every generated pending item either booked (same id and trade date) or disappeared; most booked.
      let bookedCount = 0;
      for (const p of generated) {
        expect(pendingLater).not.toContain(p['itemId']);
        const d = byId.get(p['itemId'] as string);
        if (d) {
          bookedCount++;
          expect([d['tradeDate'], d['amount'], d['description']]).toEqual([p['tradeDate'], p['amount'], p['description']]);
          expect(day(d['bookingDate']) > day(p['tradeDate'])).toBe(true);
        }
      }
      expect(bookedCount).toBeGreaterThan(0);
      // The booked item's details are found by the same id.
      const detail = await other.tpp.call('getTransactionDetail', { accountNumber: account, itemId: added['itemId'] }, { token: fresh });
      expect((detail.body['baseInfo'] as Item)['transactionStatus']).toEqual({ code: 'DONE', description: 'Zaksięgowana' });
    } finally {
      await other.sandbox.close();
    }
  });

  it('holds settle as done (same itemId) or are released and disappear; scheduled items execute or are rejected', async () => {
    const other = await startTestBank({ seed: 'evolution' });
    try {
      const account = other.sandbox.truth.accounts('jan')[0]?.accountNumber as string;
      const knobs = other.sandbox.knobs;
      const settles = knobs.addHold(account, { amount: -50_000n, description: 'Płatność kartą ORLEN Kraków', settleOn: addDays(TODAY, 1), settledAmount: -18_712n });
      const released = knobs.addHold(account, { amount: -9_999n });
      const executes = knobs.addScheduled(account, { amount: -150_000n, description: 'Przelew wychodzący: Czynsz', executionDate: addDays(TODAY, 3) });
      const rejected = knobs.addScheduled(account, { amount: -999_900n, executionDate: addDays(TODAY, 3), outcome: 'reject' });
      const holds0 = other.sandbox.truth.items(account, 'hold');
      expect(ids(holds0)).toEqual(expect.arrayContaining([settles['itemId'], released['itemId']]));
      expect(ids(other.sandbox.truth.items(account, 'scheduled'))).toEqual(expect.arrayContaining([executes['itemId'], rejected['itemId']]));
      knobs.removeItem(account, released['itemId'] as string);

      // Every generated hold seen over six days, then ten quiet days later.
      const generatedHolds = new Map<string, Item>();
      for (let i = 0; i < 6; i++) {
        for (const h of other.sandbox.truth.items(account, 'hold')) if (h['itemId'] !== settles['itemId']) generatedHolds.set(h['itemId'] as string, h);
        other.sandbox.testHooks.advance(1);
      }
      expect(generatedHolds.size).toBeGreaterThan(3);
      other.sandbox.testHooks.advance(10);
      const done = new Map(other.sandbox.truth.items(account, 'done', { transactionDateFrom: addDays(TODAY, -5) }).map((i) => [i['itemId'] as string, i]));
      const holdsLater = ids(other.sandbox.truth.items(account, 'hold'));
      expect(holdsLater).not.toContain(settles['itemId']);
      expect(holdsLater).not.toContain(released['itemId']);
      expect(done.get(settles['itemId'] as string)).toMatchObject({ amount: '187.12', tradeDate: settles['tradeDate'] });
      expect(done.has(released['itemId'] as string)).toBe(false);
      // Generated holds are gone after ten days: some settled into done, some were released.
      const outcomes = [...generatedHolds.values()].map((h) => (holdsLater.includes(h['itemId'] as string) ? 'held' : done.has(h['itemId'] as string) ? 'settled' : 'released'));
      expect(outcomes).not.toContain('held');
      expect(outcomes).toContain('settled');
      for (const [id, h] of generatedHolds) if (done.has(id)) expect(done.get(id)?.['tradeDate']).toBe(h['tradeDate']);

      expect(done.get(executes['itemId'] as string)).toMatchObject({ amount: '1500.00', bookingDate: expect.stringMatching(`^${addDays(TODAY, 3)}`) });
      const rejectedList = other.sandbox.truth.items(account, 'rejected');
      expect(rejectedList.find((r) => r['itemId'] === rejected['itemId'])).toMatchObject({ rejectionReason: 'Brak wystarczających środków na rachunku' });
      expect(ids(other.sandbox.truth.items(account, 'scheduled'))).not.toContain(executes['itemId']);
    } finally {
      await other.sandbox.close();
    }
  });

  it('a scheduled payment the PSU cancels leaves the scheduled list on its cancel day and lists as cancelled', async () => {
    const other = await startTestBank({ seed: 'cancel' });
    try {
      const account = other.sandbox.truth.accounts('jan')[0]?.accountNumber as string;
      const knobs = other.sandbox.knobs;
      const cancelled = knobs.addScheduled(account, { amount: -30_000n, description: 'Przelew: prezent', executionDate: addDays(TODAY, 10), outcome: 'cancel', cancelOn: addDays(TODAY, 2) });
      expect(() => knobs.addScheduled(account, { amount: -1n, executionDate: addDays(TODAY, 3), outcome: 'cancel', cancelOn: addDays(TODAY, 3) })).toThrow(/cancelOn/);
      expect(() => knobs.addScheduled(account, { amount: -1n, executionDate: addDays(TODAY, 3), cancelOn: addDays(TODAY, 1) })).toThrow(/cancelOn/);
      const future = { transactionDateFrom: TODAY, transactionDateTo: addDays(TODAY, 30) };
      other.sandbox.testHooks.advance(1);
      expect(ids(other.sandbox.truth.items(account, 'scheduled', future))).toContain(cancelled['itemId']);
      other.sandbox.testHooks.advance(1);
      expect(ids(other.sandbox.truth.items(account, 'scheduled', future))).not.toContain(cancelled['itemId']);
      expect(other.sandbox.truth.items(account, 'cancelled', future).find((c) => c['itemId'] === cancelled['itemId'])).toMatchObject({ amount: '300.00', tradeDate: expect.stringMatching(`^${addDays(TODAY, 10)}`) });
      other.sandbox.testHooks.advance(10);
      expect(ids(other.sandbox.truth.items(account, 'done', { transactionDateFrom: TODAY }))).not.toContain(cancelled['itemId']);
    } finally {
      await other.sandbox.close();
    }
  });

  it('changingItemsOnAccount: the first sync’s account listing finds a pending, a hold and two scheduled payments; at the next one the pending has booked, the hold is gone, one payment executed and one is cancelled', async () => {
    const other = await startTestBank({
      seed: 'changing',
      users: [{ login: 'jan', password: 'haslo-jana', accounts: [{ transactions: 40, historyDays: 60, activity: false }], behaviour: { changingItemsOnAccount: 0 } }],
    });
    try {
      const account = other.sandbox.truth.accounts('jan')[0]?.accountNumber as string;
      const truth = other.sandbox.truth;
      const future = { transactionDateFrom: addDays(TODAY, -5), transactionDateTo: addDays(TODAY, 30) };
      const { accessToken } = await consentTokens(other, 'changing-1');
      expect(truth.items(account, 'pending', future)).toEqual([]);
      expect((await other.tpp.call('getAccounts', {}, { token: accessToken })).status).toBe(200);
      const [pending] = truth.items(account, 'pending', future);
      const [hold] = truth.items(account, 'hold', future);
      // Oldest first, as the truth API lists in the bank's order (newest first here).
      const scheduled = truth.items(account, 'scheduled', future).sort((x, y) => String(x['tradeDate']).localeCompare(String(y['tradeDate'])));
      expect(scheduled.map((s) => [s['amount'], day(s['tradeDate'])])).toEqual([
        ['1850.00', addDays(TODAY, 7)],
        ['300.00', addDays(TODAY, 14)],
      ]);
      const [executes, cancelled] = scheduled.map((s) => s['itemId'] as string);

      expect((await other.tpp.call('getAccounts', {}, { token: accessToken })).status).toBe(200);
      const done = new Map(truth.items(account, 'done', { transactionDateFrom: TODAY }).map((i) => [i['itemId'] as string, i]));
      expect(done.get(pending?.['itemId'] as string)).toMatchObject({ amount: '42.00', tradeDate: pending?.['tradeDate'] });
      expect(done.get(executes as string)).toMatchObject({ amount: '1850.00', tradeDate: expect.stringMatching(`^${TODAY}`), bookingDate: expect.stringMatching(`^${TODAY}`) });
      expect(done.has(hold?.['itemId'] as string)).toBe(false);
      expect(truth.items(account, 'hold', future)).toEqual([]);
      expect(truth.items(account, 'pending', future)).toEqual([]);
      expect(truth.items(account, 'scheduled', future)).toEqual([]);
      expect(ids(truth.items(account, 'cancelled', future))).toEqual([cancelled]);

      // Later syncs change nothing more.
      expect((await other.tpp.call('getAccounts', {}, { token: accessToken })).status).toBe(200);
      expect(ids(truth.items(account, 'done', { transactionDateFrom: TODAY }))).toEqual([...done.keys()]);
    } finally {
      await other.sandbox.close();
    }
  });

  it('items inserted between pages shift a newest-first listing: the connector sees the boundary item twice', async () => {
    const other = await startTestBank({ seed: 'insert' });
    try {
      const account = other.sandbox.truth.accounts('jan')[0]?.accountNumber as string;
      const { accessToken } = await consentTokens(other, 'insert-1');
      const before = ids(other.sandbox.truth.items(account, 'done', { transactionDateFrom: '2020-05-01' }));
      other.sandbox.knobs.insertTransactionAfterPage(account, 1, { amount: 25_000n, description: 'Przelew przychodzący: Zwrot' });
      const { items } = await readAllPages(other.tpp, 'getTransactionsDone', accessToken, { accountNumber: account, transactionDateFrom: '2020-05-01', perPage: 10 });
      const seen = ids(items);
      expect(seen).toHaveLength(before.length + 1);
      expect(new Set(seen)).toEqual(new Set(before));
      expect(seen[10]).toBe(seen[9]);
      const after = ids(other.sandbox.truth.items(account, 'done', { transactionDateFrom: '2020-05-01' }));
      expect(after).toHaveLength(before.length + 1);
    } finally {
      await other.sandbox.close();
    }
  });

  it('getTransactionDetail finds done, pending, hold, scheduled, rejected and cancelled items', async () => {
    const { accessToken } = await consentTokens(bank, 'detail-1');
    for (const kind of ['done', 'pending', 'hold', 'scheduled', 'rejected', 'cancelled'] as const) {
      const item = bank.sandbox.truth.items(iban, kind, { transactionDateFrom: '2019-01-01' })[0] as Item;
      const detail = await bank.tpp.call('getTransactionDetail', { accountNumber: iban, itemId: item['itemId'] }, { token: accessToken });
      expect([kind, detail.status, (detail.body['baseInfo'] as Item)['itemId']]).toEqual([kind, 200, item['itemId']]);
      if (kind === 'hold') expect(detail.body['holdExpirationDate']).toBe(item['holdExpirationDate']);
      if (kind === 'rejected') expect(detail.body['rejectionReason']).toBe(item['rejectionReason']);
    }
    const missing = await bank.tpp.call('getTransactionDetail', { accountNumber: iban, itemId: 'nope' }, { token: accessToken });
    expect([missing.status, code(missing)]).toEqual([400, 'ITEM_NOT_FOUND']);
  });
});

describe('knobs and determinism', () => {
  it('injected faults answer in the spec shape and are logged with the request parameters', async () => {
    const { accessToken } = await consentTokens(bank, 'faults-1');
    const faults = bank.sandbox.knobs.faults;
    faults.failNext(1, 503, { operations: [DONE] });
    bank.sandbox.requestLog.clear();
    const unavailable = await bank.tpp.call('getTransactionsDone', { accountNumber: iban, transactionDateFrom: '2020-05-01' }, { token: accessToken });
    expect([unavailable.status, code(unavailable)]).toEqual([503, 'SERVICE_UNAVAILABLE']);
    expect(bank.sandbox.requests({ operation: DONE })[0]).toMatchObject({ fault: 'status:503', status: 503, params: { transactionDateFrom: '2020-05-01' } });
    faults.failNext(1, { type: 'malformed-json' });
    const broken = await bank.tpp.call('getAccount', { accountNumber: iban }, { token: accessToken });
    expect(() => JSON.parse(broken.text)).toThrow();
    faults.failNext(1, { type: 'rate-limit', retryAfterSeconds: 30 });
    const limited = await bank.tpp.call('getAccount', { accountNumber: iban }, { token: accessToken });
    expect([limited.status, limited.headers.get('retry-after'), code(limited)]).toEqual([429, '30', 'TOO_MANY_REQUESTS']);
    // No secret reaches the log.
    expect(JSON.stringify(bank.sandbox.requestLog.entries())).not.toContain(accessToken);
  });

  it('the unattended-access budget answers 429 with Retry-After; requests with the PSU present do not count', async () => {
    const { accessToken } = await consentTokens(bank, 'budget-1');
    bank.sandbox.knobs.set({ unattendedAccessesPerDay: 4 });
    try {
      for (let i = 0; i < 4; i++) expect((await bank.tpp.call('getTransactionsPending', { accountNumber: iban }, { token: accessToken })).status).toBe(200);
      const fifth = await bank.tpp.call('getTransactionsPending', { accountNumber: iban }, { token: accessToken });
      expect([fifth.status, code(fifth)]).toEqual([429, 'TOO_MANY_REQUESTS']);
      expect(Number(fifth.headers.get('retry-after'))).toBeGreaterThan(0);
      const present = await bank.tpp.call('getTransactionsPending', { accountNumber: iban, requestHeader: { isDirectPsu: true, ipAddress: '203.0.113.7' } }, { token: accessToken });
      expect(present.status).toBe(200);
    } finally {
      bank.sandbox.knobs.set({ unattendedAccessesPerDay: null });
    }
  });

  it('the same seed gives the same accounts and items; another seed does not', async () => {
    const a = await startTestBank({ seed: 'twin' });
    const b = await startTestBank({ seed: 'twin' });
    const c = await startTestBank({ seed: 'other' });
    try {
      const view = (t: TestBank) => {
        const acc = t.sandbox.truth.accounts('jan');
        const first = acc[0]?.accountNumber as string;
        return { acc, done: t.sandbox.truth.items(first, 'done', { transactionDateFrom: '2020-01-01' }), holds: t.sandbox.truth.items(first, 'hold') };
      };
      expect(view(b)).toEqual(view(a));
      expect(view(c).acc.map((x) => x.accountNumber)).not.toEqual(view(a).acc.map((x) => x.accountNumber));
    } finally {
      await Promise.all([a, b, c].map((t) => t.sandbox.close()));
    }
  });

  it('pages a 200,000-transaction account without walking its history', async () => {
    const big = await startTestBank({ seed: 'big', users: [{ login: 'jan', password: 'haslo-jana', accounts: [{ kind: 'business', transactions: 200_000, historyDays: 1460 }] }] });
    try {
      const account = big.sandbox.truth.accounts('jan')[0]?.accountNumber as string;
      const { accessToken } = await consentTokens(big, 'big-1');
      big.sandbox.requestLog.clear();
      const first = await big.tpp.call('getTransactionsDone', { accountNumber: account, transactionDateFrom: '2018-06-01', perPage: 200 }, { token: accessToken });
      const next = (first.body['pageInfo'] as { nextPage: string }).nextPage;
      await big.tpp.call('getTransactionsDone', { accountNumber: account, transactionDateFrom: '2018-06-01', perPage: 200, pageId: next }, { token: accessToken });
      for (const entry of big.sandbox.requests({ operation: DONE })) expect(entry.generated).toBeLessThan(1_000);
    } finally {
      await big.sandbox.close();
    }
  });
});
