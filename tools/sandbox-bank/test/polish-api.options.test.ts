/**
 * Options of the PolishAPI sandbox added for the connector's conformance run: an exactly
 * laid-out booked history (`transactionsByDate`), rejected and cancelled items added by
 * knobs, a Retry-After header on injected status faults (`setRetryAfter`), and refreshes
 * that revoke the access token they replace (`refreshRevokesAccessToken`).
 */
import { manualClock, polishApiOperation, startPolishApiSandbox } from '../src';
import { CLIENT_ID, consentTokens, readAllPages, REDIRECT_URI, startTestBank, TODAY, tppKey, Tpp, type TestBank } from './polish-api-support';

const day = (dateTime: unknown): string => String(dateTime).slice(0, 10);

describe('transactionsByDate: an exactly laid-out booked history', () => {
  const layout = { '2020-05-01': 1, '2020-05-02': 3, '2020-05-05': 0, '2020-05-06': 7, '2020-05-10': 1 };
  let bank: TestBank;
  let iban: string;
  let token: string;
  beforeAll(async () => {
    bank = await startTestBank({
      users: [{ login: 'jan', password: 'haslo-jana', accounts: [{ kind: 'savings', activity: false, transactionsByDate: layout, openingBalance: 500_000n }] }],
    });
    iban = bank.sandbox.truth.accounts('jan')[0]?.accountNumber as string;
    token = (await consentTokens(bank, 'layout-1')).accessToken;
  });
  afterAll(() => bank.sandbox.close());

  it('lists exactly the given count on each booking date, with trade date = booking date, across pages', async () => {
    const { items, pages } = await readAllPages(bank.tpp, 'getTransactionsDone', token, { accountNumber: iban, transactionDateFrom: '2020-04-01', transactionDateTo: TODAY, perPage: 4 });
    expect(pages).toHaveLength(3);
    const perDate: Record<string, number> = {};
    for (const t of items) {
      expect(day(t['tradeDate'])).toBe(day(t['bookingDate']));
      perDate[day(t['bookingDate'])] = (perDate[day(t['bookingDate'])] ?? 0) + 1;
    }
    expect(perDate).toEqual({ '2020-05-01': 1, '2020-05-02': 3, '2020-05-06': 7, '2020-05-10': 1 });
    expect(new Set(items.map((t) => t['itemId'])).size).toBe(12);
  });

  it('keeps bounds inclusive: a window on two listed dates returns exactly their transactions', async () => {
    const { items } = await readAllPages(bank.tpp, 'getTransactionsDone', token, { accountNumber: iban, transactionDateFrom: '2020-05-02', transactionDateTo: '2020-05-06' });
    expect(items.map((t) => day(t['tradeDate'])).sort()).toEqual([...Array(3).fill('2020-05-02'), ...Array(7).fill('2020-05-06')]);
  });

  it('chains balances from the opening balance', async () => {
    const { items } = await readAllPages(bank.tpp, 'getTransactionsDone', token, { accountNumber: iban, transactionDateFrom: '2020-04-01', transactionDateTo: TODAY });
    const cents = (s: unknown): bigint => BigInt(String(s).replace('.', ''));
    let balance = 500_000n;
    for (const t of [...items].reverse()) {
      balance += (t['transactionCategory'] === 'CREDIT' ? 1n : -1n) * cents(t['amount']);
      expect(cents(t['postTransactionBalance'])).toBe(balance);
    }
  });

  it('refuses a layout mixed with generated-history options, or an empty one', async () => {
    const start = (account: object) =>
      startPolishApiSandbox({ clients: [], users: [{ login: 'x', password: 'y', accounts: [account] }] });
    await expect(start({ transactionsByDate: { '2020-05-01': 1 }, transactions: 3 })).rejects.toThrow(/excludes transactions/);
    await expect(start({ transactionsByDate: {} })).rejects.toThrow(/names no date/);
    await expect(start({ transactionsByDate: { '2020-02-30': 1 } })).rejects.toThrow(/not a date/);
  });
});

describe('knobs: rejected and cancelled items, Retry-After, refresh revoking the access token', () => {
  let bank: TestBank;
  let iban: string;
  beforeAll(async () => {
    bank = await startTestBank({ users: [{ login: 'jan', password: 'haslo-jana', accounts: [{ kind: 'personal', activity: false, transactions: 20, historyDays: 100 }] }] });
    iban = bank.sandbox.truth.accounts('jan')[0]?.accountNumber as string;
  });
  afterAll(() => bank.sandbox.close());
  afterEach(() => bank.sandbox.knobs.reset());

  it('addRejected and addCancelled list items on their trade dates', async () => {
    const { accessToken } = await consentTokens(bank, 'knobs-1');
    const rejected = bank.sandbox.knobs.addRejected(iban, { amount: -12_345n, tradeDate: '2020-05-20', reason: 'Brak środków' });
    const cancelled = bank.sandbox.knobs.addCancelled(iban, { amount: -500n, tradeDate: '2020-05-21', description: 'Przelew wychodzący: czynsz' });
    const r = await readAllPages(bank.tpp, 'getTransactionsRejected', accessToken, { accountNumber: iban, transactionDateFrom: '2020-05-20', transactionDateTo: '2020-05-20' });
    expect(r.items).toEqual([rejected]);
    expect(rejected).toMatchObject({ amount: '123.45', transactionCategory: 'DEBIT', rejectionReason: 'Brak środków' });
    expect(day(rejected['rejectionDate'])).toBe('2020-05-20');
    const c = await readAllPages(bank.tpp, 'getTransactionsCancelled', accessToken, { accountNumber: iban, transactionDateFrom: '2020-05-21', transactionDateTo: '2020-05-21' });
    expect(c.items).toEqual([cancelled]);
    expect(cancelled).toMatchObject({ amount: '5.00', description: 'Przelew wychodzący: czynsz', transactionStatus: { code: 'CANCELLED' } });
    expect(() => bank.sandbox.knobs.addCancelled(iban, { amount: -1n, tradeDate: '2020-06-02' })).toThrow(/future/);
  });

  it('setRetryAfter puts a Retry-After header on injected faults of that status until reset', async () => {
    const { accessToken } = await consentTokens(bank, 'knobs-2');
    bank.sandbox.knobs.setRetryAfter(503, '3600');
    bank.sandbox.knobs.faults.failNext(2, 503, { operations: [polishApiOperation('getAccounts')] });
    const first = await bank.tpp.call('getAccounts', {}, { token: accessToken });
    expect([first.status, first.headers.get('retry-after'), first.body['code']]).toEqual([503, '3600', 'SERVICE_UNAVAILABLE']);
    bank.sandbox.knobs.reset();
    bank.sandbox.knobs.faults.failNext(1, 503);
    const second = await bank.tpp.call('getAccounts', {}, { token: accessToken });
    expect([second.status, second.headers.get('retry-after')]).toEqual([503, null]);
    expect(() => bank.sandbox.knobs.setRetryAfter(503, 'two\nlines')).toThrow(/printable/);
  });

  it('refreshRevokesAccessToken: the replaced access token answers 401 TOKEN_INVALID (off by default)', async () => {
    const kept = await consentTokens(bank, 'knobs-3');
    const renewed = await bank.tpp.refresh(kept.refreshToken);
    expect(renewed.status).toBe(200);
    expect((await bank.tpp.call('getAccounts', {}, { token: kept.accessToken })).status).toBe(200);

    bank.sandbox.knobs.set({ refreshRevokesAccessToken: true });
    const revoked = await consentTokens(bank, 'knobs-4');
    const next = await bank.tpp.refresh(revoked.refreshToken);
    const old = await bank.tpp.call('getAccounts', {}, { token: revoked.accessToken });
    expect([old.status, old.body['code']]).toEqual([401, 'TOKEN_INVALID']);
    expect((await bank.tpp.call('getAccounts', {}, { token: next.body['access_token'] as string })).status).toBe(200);
  });

  it('refreshRevokesAccessToken without rotation revokes the previous access token on each refresh', async () => {
    const key = await tppKey();
    const other = await startPolishApiSandbox({
      clock: manualClock(`${TODAY}T10:00:00+02:00`),
      clients: [{ clientId: CLIENT_ID, publicJwk: key.publicJwk, redirectUris: [REDIRECT_URI] }],
      users: [{ login: 'jan', password: 'p', accounts: [{ transactions: 0, activity: false }] }],
      refreshTokenRotation: false,
      refreshRevokesAccessToken: true,
    });
    try {
      const tpp = new Tpp(other.url, key);
      const authorize = await tpp.authorize('no-rotation');
      const code = other.testHooks.approveConsent(authorize.body['aspspRedirectUri'] as string, { user: 'jan' }).code as string;
      const tokens = (await tpp.exchange(code)).body;
      const a = (await tpp.refresh(tokens['refresh_token'] as string)).body;
      const b = (await tpp.refresh(tokens['refresh_token'] as string)).body;
      expect((await tpp.call('getAccounts', {}, { token: tokens['access_token'] as string })).status).toBe(401);
      expect((await tpp.call('getAccounts', {}, { token: a['access_token'] as string })).status).toBe(401);
      expect((await tpp.call('getAccounts', {}, { token: b['access_token'] as string })).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

