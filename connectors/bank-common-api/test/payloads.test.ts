/**
 * What the connector makes of the bank's bodies, with a scripted bank for the cases a
 * faithful sandbox never sends: dates in other offsets and at day boundaries, amounts at
 * the edge of exactness, missing or odd fields, paging that does not advance.
 */
import { Result } from 'effect';
import { bankLocalDate } from '@kinko/domain';
import type { ConnectorClient } from '@kinko/connector-sdk';
import { accountTypeOf } from '../src';
import { collect } from './session-support';
import { startStubBank, stubClient, stubGrant, transactionsPage, type StubBank } from './stub-bank-support';

let stub: StubBank;
let client: ConnectorClient;
beforeEach(async () => {
  stub = await startStubBank();
  client = stubClient(stub);
});
afterEach(async () => {
  await client.close();
  await stub.close();
});

const window = { from: '2020-01-01', to: '2020-01-31' } as const;
const item = (over: Record<string, unknown>) => ({ id: 'T1', date: '2020-01-10T13:15:35+09:00', amount: -108_000, description: 'カブ)フィンテックガーデン', balance: 950_000, ...over });
const fetchAll = () => collect(client.transactions(stubGrant(), { bankAccountId: 'A1', kind: 'booked', window: window as never }));
const answer = (items: readonly unknown[]) => stub.route('GET /transactions', () => ({ body: transactionsPage(items) }));

describe('dates: the calendar date in Tokyo, whatever offset the bank writes', () => {
  it.each([
    ['2020-01-10T23:30:00+09:00', '2020-01-10'],
    ['2020-01-10T00:00:00+09:00', '2020-01-10'],
    ['2020-01-10T23:59:59.999+09:00', '2020-01-10'],
    ['2020-01-10T14:59:59Z', '2020-01-10'],
    ['2020-01-10T15:00:00Z', '2020-01-11'],
    ['2020-01-10T15:00:00+00:00', '2020-01-11'],
    ['2020-01-10T23:30:00-05:00', '2020-01-11'],
    ['2020-01-11T01:00:00+10:00', '2020-01-11'],
    ['2020-01-11T00:30:00+10:00', '2020-01-10'],
    ['2020-01-10T23:30:00+0900', '2020-01-10'],
    ['2020-01-10T09:00:00', '2020-01-10'],
    ['2020-01-10', '2020-01-10'],
  ])('%s → %s', async (date, expected) => {
    answer([item({ date })]);
    const out = await fetchAll();
    expect(out).toMatchObject({ ok: true, value: [{ transactionDate: expected }] });
  });

  it('agrees with the domain’s bankLocalDate at every hour in every offset', async () => {
    const dates: string[] = [];
    for (const offset of ['+09:00', 'Z', '+00:00', '-05:00', '+14:00', '-12:00', '+05:30', '+0900'])
      for (let hour = 0; hour < 24; hour++) dates.push(`2020-01-15T${String(hour).padStart(2, '0')}:59:59${offset}`);
    answer(dates.map((date, i) => item({ id: `T${i}`, date })));
    const out = await fetchAll();
    if (!out.ok) throw new Error(out.error.message);
    expect(out.value.map((t) => t.transactionDate)).toEqual(dates.map((d) => Result.getOrThrow(bankLocalDate(d, 'Asia/Tokyo'))));
    expect(new Set(out.value.map((t) => t.transactionDate))).toEqual(new Set(['2020-01-14', '2020-01-15', '2020-01-16']));
  });

  it.each(['2020-02-30T10:00:00+09:00', '2020-01-10T24:00:00+09:00', '10/01/2020', '2020-01-10T10:00:00+25:00', ''])('refuses %j as a date', async (date) => {
    answer([item({ date })]);
    expect(await fetchAll()).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'unexpected_body', message: expect.stringContaining('transactions[0].date') } });
  });

  it('leaves out items whose Tokyo date falls outside the window (the bank read the date another way)', async () => {
    answer([item({ id: 'before', date: '2019-12-31T14:59:59Z' }), item({ id: 'first', date: '2019-12-31T15:00:00Z' }), item({ id: 'after', date: '2020-02-01T00:00:00+09:00' })]);
    expect(await fetchAll()).toMatchObject({ ok: true, value: [{ bankTransactionId: 'first', transactionDate: '2020-01-01' }] });
  });
});

describe('amounts: whole yen, exactly', () => {
  it('keeps every integer up to the largest safe one exactly, as bigint', async () => {
    answer([item({ id: 'a', amount: 9_007_199_254_740_991, balance: -9_007_199_254_740_991 }), item({ id: 'b', amount: -1, balance: 0 }), item({ id: 'c', amount: 1.0 })]);
    const out = await fetchAll();
    if (!out.ok) throw new Error(out.error.message);
    expect(out.value.map((t) => [t.amountMinor, t.balanceAfterMinor])).toEqual([
      [9_007_199_254_740_991n, -9_007_199_254_740_991n],
      [-1n, 0n],
      [1n, 950_000n],
    ]);
  });

  it.each([
    ['a fraction', '1.5'],
    ['beyond the safe integers (already rounded by JSON)', '9007199254740993'],
    ['text', '"108000"'],
    ['null', 'null'],
  ])('refuses %s as an amount, naming the field and not the value', async (_what, raw) => {
    stub.route('GET /transactions', () => ({ raw: JSON.stringify(transactionsPage([item({})])).replace('-108000', raw) }));
    const out = await fetchAll();
    expect(out).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'unexpected_body', message: expect.stringContaining('transactions[0].amount') } });
    if (!out.ok) expect(out.error.message).not.toContain(raw);
  });

  it('refuses a fractional balance; leaves out a balance the bank does not give', async () => {
    answer([item({ balance: 0.5 })]);
    expect(await fetchAll()).toMatchObject({ ok: false, error: { message: expect.stringContaining('transactions[0].balance') } });
    answer([item({ balance: undefined }), item({ id: 'T2', balance: null, description: null })]);
    const out = await fetchAll();
    if (!out.ok) throw new Error(out.error.message);
    expect(out.value.map((t) => 'balanceAfterMinor' in t)).toEqual([false, false]);
    expect(out.value[1]?.description).toBe('');
  });
});

describe('shapes and paging', () => {
  it('refuses items without an id, bodies without the list or params, and next_page that does not move on', async () => {
    const cases: Array<[unknown, string]> = [
      [transactionsPage([item({ id: '' })]), 'transactions[0].id'],
      [{ params: { page: 1, next_page: 0 } }, 'transactions is not a list'],
      [{ transactions: [] }, 'params is missing'],
      [transactionsPage([], 1, 1), 'does not follow page 1'],
      [transactionsPage([], 1, -2), 'next_page is not a page number'],
      [[1, 2], 'not a JSON object'],
    ];
    for (const [body, message] of cases) {
      stub.route('GET /transactions', () => ({ body }));
      expect(await fetchAll()).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'unexpected_body', message: expect.stringContaining(message) } });
    }
  });

  it('follows next_page (not page + 1) with the same window, and yields the pages before an error', async () => {
    stub.route('GET /transactions', (req) => {
      const page = Number(req.query.get('page'));
      if (page === 1) return { body: transactionsPage([item({ id: 'p1' })], 1, 5) };
      if (page === 5) return { body: transactionsPage([item({ id: 'p5' })], 5, 9) };
      return { raw: '{"transactions": [' };
    });
    const pages: unknown[] = [];
    for await (const page of client.transactions(stubGrant(), { bankAccountId: 'A1', kind: 'booked', window: window as never })) pages.push(page.ok ? page.value.items.map((t) => t.bankTransactionId) : page.error._tag);
    expect(pages).toEqual([['p1'], ['p5'], 'PermanentError']);
    expect(stub.requests.filter((r) => r.path === '/transactions').map((r) => Object.fromEntries(r.query))).toEqual(
      [1, 5, 9].map((page) => ({ account_id: 'A1', start_date: window.from, end_date: window.to, page: String(page) })),
    );
    expect(stub.requests.every((r) => r.path !== '/transactions' || r.headers.authorization === 'Bearer access-token')).toBe(true);
  });

  it('reads accounts with missing optional fields and unknown types', async () => {
    stub.route('GET /accounts', () => ({
      body: {
        accounts: [
          { id: 'X1', account_number: '****123', account_type1: 'bank', account_type2: '外貨普通' },
          { id: 'X2', account_number: '9999999', owner_type: 'c', account_type1: 'bank', account_type2: '当座預金', account_type3: '', branch_code: '900', branch_name: '' },
        ],
        params: { page: 1, next_page: 0 },
      },
    }));
    const out = await collect(client.accounts(stubGrant()));
    expect(out).toEqual({
      ok: true,
      value: [
        { bankAccountId: 'X1', number: '****123', name: '外貨普通', type: 'other', currency: 'JPY', bankAccountType: '外貨普通' },
        { bankAccountId: 'X2', number: '9999999', name: '当座預金', type: 'current', currency: 'JPY', bankAccountType: '当座預金', ownerType: 'business', branch: { code: '900' } },
      ],
    });
  });
});

describe('account types', () => {
  it.each([
    ['bank', '普通', 'savings'],
    ['bank', '普通預金', 'savings'],
    ['bank', '総合', 'savings'],
    ['bank', '貯蓄', 'savings'],
    ['bank', '当座', 'current'],
    ['bank', '定期', 'timeDeposit'],
    ['bank', 'スーパー定期', 'timeDeposit'],
    ['bank', '積立定期', 'timeDeposit'],
    ['bank', '投資信託', 'investment'],
    ['bank', 'カードローン', 'loan'],
    ['cc', '', 'creditCard'],
    ['cc', '普通', 'creditCard'],
    ['bank', '', 'other'],
    ['bank', 'その他', 'other'],
  ])('%s / %s → %s', (type1, type2, type) => {
    expect(accountTypeOf(type1, type2)).toBe(type);
  });
});
