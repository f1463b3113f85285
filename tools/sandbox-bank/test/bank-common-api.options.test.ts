/**
 * Two options added for the connector's conformance run: accounts laid out exactly
 * (`transactionsByDate`) and a Retry-After header on chosen statuses (`setRetryAfter`);
 * and how many answers a bank keeps for the spec check (`answerLimit`, 0 for load runs).
 */
import { createBankCommonApiTruth, manualClock, startBankCommonApiSandbox, type BankCommonApiSandbox, type SandboxBank } from '../src';
import { allPages, call, field, testBank, userTokens, type Tx } from './support';

const TODAY = '2020-06-01';
const clock = manualClock(`${TODAY}T10:00:00+09:00`);
const alice = { id: 'alice', password: 'alice-pass' };
const layout = { '2020-05-01': 1, '2020-05-02': 3, '2020-05-05': 0, '2020-05-06': 7, '2020-05-10': 1 };

describe('transactionsByDate: an exactly laid-out history', () => {
  let sandbox: BankCommonApiSandbox;
  let bank: SandboxBank;
  let token: string;
  let accountId: string;
  const tx = (start: string, end: string) => allPages<Tx>(bank, '/transactions', 'transactions', token, { account_id: accountId, start_date: start, end_date: end });

  beforeAll(async () => {
    sandbox = await startBankCommonApiSandbox({
      seed: 'layout',
      clock,
      banks: [testBank({ pageSize: 4, users: [{ ...alice, accounts: [{ transactionsByDate: layout, openingBalance: 50_000 }, { transactions: 5, historyDays: 10 }] }] })],
    });
    bank = sandbox.bank('0001');
    token = (await userTokens(bank, alice)).access;
    accountId = sandbox.truth.accounts('0001', 'alice')[0]?.accountId as string;
  });
  afterAll(() => sandbox.close());
  afterEach(() => bank.knobs.reset());

  it('lists exactly the given count on each given date and nothing on other days, across pages', async () => {
    const { items, pages } = await tx('2020-04-01', TODAY);
    expect(pages).toEqual([1, 2, 3]);
    const perDate: Record<string, number> = {};
    for (const t of items) perDate[t.date.slice(0, 10)] = (perDate[t.date.slice(0, 10)] ?? 0) + 1;
    expect(perDate).toEqual({ '2020-05-01': 1, '2020-05-02': 3, '2020-05-06': 7, '2020-05-10': 1 });
    expect(new Set(items.map((t) => t.id)).size).toBe(12);
    expect(sandbox.truth.account('0001', accountId).firstDate).toBe('2020-05-01');
  });

  it('chains running balances across dates from the opening balance, consistent with /balances', async () => {
    const { items } = await tx('2020-04-01', TODAY);
    let balance = 50_000;
    for (const t of items) {
      balance += t.amount;
      expect(t.balance).toBe(balance);
    }
    const { items: days } = await allPages<{ date: string; balance: number }>(bank, '/balances', 'balances', token, {
      account_id: accountId,
      start_date: '2020-05-01',
      end_date: '2020-05-11',
    });
    expect(days.map((d) => d.date.slice(0, 10))).toEqual(Array.from({ length: 11 }, (_, i) => `2020-05-${String(i + 1).padStart(2, '0')}`));
    const closing = (date: string) => items.filter((t) => t.date.slice(0, 10) <= date).pop()?.balance;
    for (const d of days) expect(d.balance).toBe(closing(d.date.slice(0, 10)));
  });

  it('keeps window bounds inclusive and windows between dates empty', async () => {
    expect((await tx('2020-05-02', '2020-05-06')).items).toHaveLength(10);
    expect((await tx('2020-05-03', '2020-05-05')).items).toHaveLength(0);
    expect((await tx('2020-04-01', '2020-04-30')).items).toHaveLength(0);
  });

  it('summarises windows in the truth API exactly as the listing adds up', async () => {
    const window = { from: '2020-05-02', to: '2020-05-08' };
    const { items } = await tx(window.from, window.to);
    const s = sandbox.truth.summary('0001', accountId, window);
    expect(s.count).toBe(items.length);
    expect(s.net).toBe(BigInt(items.reduce((a, t) => a + t.amount, 0)));
    expect(s.balanceAfter).toBe(BigInt((items[items.length - 1] as Tx).balance));
    expect(s.balanceBefore).toBe(BigInt((items[0] as Tx).balance - (items[0] as Tx).amount));
    expect(s).toMatchObject({ firstDate: '2020-05-02', lastDate: '2020-05-06', days: 7 });
    const empty = sandbox.truth.summary('0001', accountId, { from: '2020-04-01', to: '2020-04-30' });
    expect(empty).toMatchObject({ count: 0, balanceBefore: 50_000n, balanceAfter: 50_000n });
    expect([...sandbox.truth.transactions('0001', accountId, window)]).toEqual(items);
  });

  it('takes inserted transactions: later dates shift their balances and ids stay unique', async () => {
    const inserted = bank.knobs.insertTransaction(accountId, { amount: 1_000, date: '2020-05-03' });
    const second = bank.knobs.insertTransaction(accountId, { amount: -200, date: '2020-05-11' });
    expect(inserted.id).not.toBe(second.id);
    const { items } = await tx('2020-04-01', TODAY);
    expect(items).toHaveLength(14);
    expect(items.map((t) => t.id)).toContain(inserted.id);
    let balance = 50_000;
    for (const t of items) {
      balance += t.amount;
      expect(t.balance).toBe(balance);
    }
    expect(() => bank.knobs.insertTransaction(accountId, { amount: 1, date: '2020-04-30' })).toThrow(/before the account's history starts/);
  });

  it('refuses layouts that contradict themselves or name no date', () => {
    const truthOf = (account: object) => () => createBankCommonApiTruth({ clock, banks: [testBank({ users: [{ ...alice, accounts: [account] }] })] });
    expect(truthOf({ transactionsByDate: {} })).toThrow(/names no date/);
    expect(truthOf({ transactionsByDate: { '2020-02-30': 1 } })).toThrow(/not a date/);
    expect(truthOf({ transactionsByDate: { '2020-05-01': -1 } })).toThrow(/integer count/);
    expect(truthOf({ transactionsByDate: { '2020-05-01': 1 }, transactions: 3 })).toThrow(/excludes/);
    expect(truthOf({ transactionsByDate: { '2020-05-01': 1 }, ongoing: true })).toThrow(/excludes/);
  });

  it('lays out 100,000 transactions and pages them without walking the history', async () => {
    const big = await startBankCommonApiSandbox({
      seed: 'layout-big',
      clock,
      banks: [testBank({ pageSize: 200, users: [{ ...alice, accounts: [{ transactionsByDate: { '2020-05-09': 1, '2020-05-10': 50_000, '2020-05-11': 49_999, '2020-05-12': 1 } }] }] })],
    });
    try {
      const b = big.bank('0001');
      const id = big.truth.accounts('0001', 'alice')[0]?.accountId as string;
      expect(big.truth.summary('0001', id, { from: '2020-05-10', to: '2020-05-11' }).count).toBe(99_999);
      const t = await userTokens(b, alice);
      const page = await call(b, 'GET', '/transactions', { token: t.access, query: { account_id: id, start_date: '2020-05-10', end_date: '2020-05-11', page: 300 } });
      expect(field<Tx[]>(page, 'transactions')).toHaveLength(200);
      // One page walks at most its own items plus one day (the day holding its first item).
      expect(b.requests({ operation: 'GET /transactions' }).pop()?.generated).toBeLessThanOrEqual(200 + 60_000);
    } finally {
      await big.close();
    }
  });
});

describe('setRetryAfter: a Retry-After header on chosen statuses', () => {
  let sandbox: BankCommonApiSandbox;
  let bank: SandboxBank;
  let token: string;

  beforeAll(async () => {
    sandbox = await startBankCommonApiSandbox({ seed: 'retry-after', clock, admin: true, banks: [testBank()] });
    bank = sandbox.bank('0001');
    token = (await userTokens(bank, alice)).access;
  });
  afterAll(() => sandbox.close());
  afterEach(() => bank.knobs.reset());

  it('adds the header to injected 503s (seconds or HTTP-date, as given) and to nothing else', async () => {
    bank.knobs.setRetryAfter(503, '3600');
    bank.knobs.faults.failNext(1, 503);
    const maintenance = await call(bank, 'GET', '/accounts', { token });
    expect(maintenance.status).toBe(503);
    expect(maintenance.headers.get('retry-after')).toBe('3600');
    const fine = await call(bank, 'GET', '/accounts', { token });
    expect(fine.status).toBe(200);
    expect(fine.headers.get('retry-after')).toBeNull();
    const date = 'Mon, 01 Jun 2020 01:02:00 GMT';
    bank.knobs.setRetryAfter(429, date);
    bank.knobs.faults.failNext(1, 429);
    expect((await call(bank, 'GET', '/accounts', { token })).headers.get('retry-after')).toBe(date);
  });

  it('leaves the rate-limit fault its own header, stops when cleared or reset, and refuses bad values', async () => {
    bank.knobs.setRetryAfter(429, '999');
    bank.knobs.faults.failNext(1, { type: 'rate-limit', retryAfterSeconds: 7 });
    expect((await call(bank, 'GET', '/accounts', { token })).headers.get('retry-after')).toBe('7');
    bank.knobs.setRetryAfter(500, '5');
    bank.knobs.setRetryAfter(500, undefined);
    bank.knobs.faults.failNext(1, 500);
    expect((await call(bank, 'GET', '/accounts', { token })).headers.get('retry-after')).toBeNull();
    bank.knobs.setRetryAfter(500, '5');
    bank.knobs.reset();
    bank.knobs.faults.failNext(1, 500);
    expect((await call(bank, 'GET', '/accounts', { token })).headers.get('retry-after')).toBeNull();
    expect(() => bank.knobs.setRetryAfter(503, 'a\r\nb')).toThrow();
    expect(() => bank.knobs.setRetryAfter(99, '1')).toThrow();
  });

  it('is reachable through the admin API', async () => {
    const maintenance = async () => {
      bank.knobs.faults.failNext(1, 503);
      return (await call(bank, 'GET', '/accounts', { token })).headers.get('retry-after');
    };
    expect((await call(bank, 'PUT', '/__sandbox/retry-after/503', { body: { value: '60' } })).status).toBe(200);
    expect(await maintenance()).toBe('60');
    expect((await call(bank, 'PUT', '/__sandbox/retry-after/503', { body: { value: null } })).status).toBe(200);
    expect(await maintenance()).toBeNull();
    expect((await call(bank, 'PUT', '/__sandbox/retry-after/503', { body: { value: 60 } })).status).toBe(400);
  });
});

describe('answerLimit: the answers a bank keeps for the spec check', () => {
  const answersAfterCalls = async (answerLimit: number | undefined): Promise<string[]> => {
    const sandbox = await startBankCommonApiSandbox({ seed: 'answers', clock, banks: [testBank({ users: [alice] })], ...(answerLimit === undefined ? {} : { answerLimit }) });
    try {
      const bank = sandbox.bank('0001');
      const token = (await userTokens(bank, alice)).access;
      expect((await call(bank, 'GET', '/accounts', { token })).status).toBe(200);
      expect((await call(bank, 'GET', '/branches', { token })).status).toBe(200);
      return bank.answers().map((a) => `${a.method} ${a.path} ${a.status}`);
    } finally {
      await sandbox.close();
    }
  };

  it('keeps every answer by default, the last ones with a limit, and none with 0', async () => {
    expect(await answersAfterCalls(undefined)).toEqual(['post /auth/system_token 200', 'get /auth/login 200', 'post /auth/token 200', 'get /accounts 200', 'get /branches 200']);
    expect(await answersAfterCalls(2)).toEqual(['get /accounts 200', 'get /branches 200']);
    expect(await answersAfterCalls(0)).toEqual([]);
  });
});
