/** Branches, accounts, transactions and balances of the 銀行共通API sandbox, over real HTTP. */
import { createRequire } from 'node:module';
import { createBankCommonApiTruth, manualClock, startBankCommonApiSandbox, type BankCommonApiSandbox, type SandboxBank } from '../src';
import { allPages, call, field, testBank, userTokens, type Tx } from './support';

const TODAY = '2020-06-01';
const clock = manualClock(`${TODAY}T10:00:00+09:00`);
let sandbox: BankCommonApiSandbox;
let bank: SandboxBank;
let token: string;
const alice = { id: 'alice', password: 'alice-pass' };

const config = testBank({
  pageSize: 5,
  users: [
    {
      ...alice,
      accounts: [
        { transactions: 0, historyDays: 30 },
        { transactions: 1, historyDays: 30 },
        { transactions: 5, historyDays: 30 },
        { transactions: 6, historyDays: 30 },
        { transactions: 400, historyDays: 120 },
        { kind: 'credit-card', transactions: 60, historyDays: 60 },
      ],
    },
    { id: 'bob', password: 'bob-pass', ownerType: 'c', accounts: 1 },
  ],
});

beforeAll(async () => {
  sandbox = await startBankCommonApiSandbox({ seed: 'data', clock, banks: [config] });
  bank = sandbox.bank('0001');
  token = (await userTokens(bank, alice)).access;
});
afterAll(() => sandbox.close());
afterEach(() => bank.knobs.reset());

const accountIds = () => sandbox.truth.accounts('0001', 'alice').map((a) => a.accountId);
const idOf = (i: number): string => accountIds()[i] as string;
const window = (accountId: string, start: string, end: string) => ({ account_id: accountId, start_date: start, end_date: end });
const everything = (i: number) => window(idOf(i), '2000-01-01', TODAY);

describe('GET /branches', () => {
  it('lists the bank\'s real branches from zengin-code, paged, with municipality codes and phone numbers', async () => {
    bank.knobs.setPageSize(200);
    const zengin = createRequire(__filename)('zengin-code') as Record<string, { name: string; branches: Record<string, { code: string; name: string; kana: string }> }>;
    const expected = Object.values(zengin['0001']?.branches ?? {}).sort((a, b) => a.code.localeCompare(b.code));
    const first = await call(bank, 'GET', '/branches', { token });
    expect(first.status).toBe(200);
    expect(field(first, 'bank_code')).toBe('0001');
    expect(field(first, 'bank_name')).toBe('みずほ銀行');
    const { items, pages } = await allPages<Record<string, string>>(bank, '/branches', 'branches', token);
    expect(items.map((b) => b.branch_code)).toEqual(expected.map((b) => b.code));
    expect(pages).toEqual(Array.from({ length: Math.ceil(expected.length / 200) }, (_, i) => i + 1));
    const tokyo = items.find((b) => b.branch_code === '001');
    expect(tokyo).toMatchObject({ id: '0001001', branch_name: '東京営業部', branch_name_kana: 'トウキヨウ' });
    expect(items.find((b) => b.branch_code === '005')?.branch_name).toBe('丸之内支店');
    for (const b of items) {
      expect(b.tel).toMatch(/^0\d{9}$/);
      // 団体コード: five digits and a check digit (weights 6..2, modulus 11).
      const digits = (b.address_code as string).split('').map(Number);
      const sum = digits.slice(0, 5).reduce((s, d, i) => s + d * (6 - i), 0);
      expect(digits[5]).toBe((11 - (sum % 11)) % 10);
    }
  });
});

describe('GET /accounts', () => {
  it('lists the user\'s accounts with the spec\'s fields, paged by the configured page size', async () => {
    const { items, pages } = await allPages<Record<string, string>>(bank, '/accounts', 'accounts', token);
    expect(pages).toEqual([1, 2]);
    expect(items.map((a) => a.id)).toEqual(accountIds());
    const ordinary = items[0] as Record<string, string>;
    expect(ordinary).toEqual({
      id: expect.stringMatching(/^\d{10}$/),
      account_number: expect.stringMatching(/^\d{7}$/),
      owner_type: 'p',
      account_type1: 'bank',
      account_type2: '普通',
      account_type3: '',
      branch_code: expect.stringMatching(/^\d{3}$/),
      branch_name: expect.any(String),
    });
    const card = items[5] as Record<string, string>;
    expect(card).toMatchObject({ account_type1: 'cc', account_type2: 'クレジットカード', account_number: expect.stringMatching(/^\*{12}\d{4}$/) });
    // Bob's accounts are not Alice's.
    const bob = sandbox.truth.accounts('0001', 'bob');
    expect(items.map((a) => a.id)).not.toContain(bob[0]?.accountId);
    expect(bob[0]?.item.owner_type).toBe('c');
  });

  it('masks account numbers when the bank is configured to', async () => {
    const sb = await startBankCommonApiSandbox({ seed: 'data', clock, banks: [testBank({ maskAccountNumbers: true })] });
    try {
      const t = await userTokens(sb.bank('0001'), alice);
      const a = await call(sb.bank('0001'), 'GET', '/accounts', { token: t.access });
      for (const item of field<Array<{ account_number: string }>>(a, 'accounts')) expect(item.account_number).toMatch(/^\*{4}\d{3}$/);
    } finally {
      await sb.close();
    }
  });
});

describe('GET /transactions paging', () => {
  it.each([
    [0, 0, [1]],
    [1, 1, [1]],
    [2, 5, [1]],
    [3, 6, [1, 2]],
  ])('account %i with %i transactions gives pages %j (page size 5) and next_page 0 at the end', async (i, count, expectedPages) => {
    const { items, pages } = await allPages<Tx>(bank, '/transactions', 'transactions', token, everything(i));
    expect(items).toHaveLength(count);
    expect(pages).toEqual(expectedPages);
  });

  it('echoes the query in params and answers an empty page past the end', async () => {
    const a = await call(bank, 'GET', '/transactions', { token, query: { ...everything(3), page: 7 } });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ transactions: [], params: { account_id: idOf(3), start_date: '2000-01-01', end_date: TODAY, page: 7, next_page: 0 } });
    const first = await call(bank, 'GET', '/transactions', { token, query: everything(3) });
    expect(field(first, 'params')).toEqual({ account_id: idOf(3), start_date: '2000-01-01', end_date: TODAY, page: 1, next_page: 2 });
  });

  it('lists oldest first with running balances that add up across pages, and ids unique and stable', async () => {
    bank.knobs.setPageSize(37);
    const { items } = await allPages<Tx>(bank, '/transactions', 'transactions', token, everything(4));
    expect(items).toHaveLength(400);
    const summary = sandbox.truth.summary('0001', idOf(4), { from: '2000-01-01', to: TODAY });
    let balance = Number(summary.balanceBefore);
    for (const t of items) {
      expect(Number.isInteger(t.amount) && t.amount !== 0).toBe(true);
      expect(t.balance).toBe(balance + t.amount);
      balance = t.balance;
    }
    expect(balance).toBe(Number(summary.balanceAfter));
    expect(new Set(items.map((t) => t.id)).size).toBe(400);
    const dates = items.map((t) => t.date);
    expect([...dates].sort()).toEqual(dates);
    for (const d of dates) expect(d).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/);
    // Every transaction is before today (the generated history ends yesterday).
    expect((dates[dates.length - 1] ?? '').slice(0, 10) < TODAY).toBe(true);
    bank.knobs.setPageSize(100);
    const again = await allPages<Tx>(bank, '/transactions', 'transactions', token, everything(4));
    expect(again.items).toEqual(items);
  });

  it('includes both bounds of the date window', async () => {
    bank.knobs.setPageSize(1000);
    const all = field<Tx[]>(await call(bank, 'GET', '/transactions', { token, query: everything(4) }), 'transactions');
    const days = [...new Set(all.map((t) => t.date.slice(0, 10)))];
    const [from, to] = [days[3] as string, days[10] as string];
    const inWindow = field<Tx[]>(await call(bank, 'GET', '/transactions', { token, query: window(idOf(4), from, to) }), 'transactions');
    expect(inWindow).toEqual(all.filter((t) => t.date.slice(0, 10) >= from && t.date.slice(0, 10) <= to));
    expect(inWindow[0]?.date.slice(0, 10)).toBe(from);
    expect(inWindow[inWindow.length - 1]?.date.slice(0, 10)).toBe(to);
    const oneDay = field<Tx[]>(await call(bank, 'GET', '/transactions', { token, query: window(idOf(4), from, from) }), 'transactions');
    expect(oneDay.length).toBeGreaterThan(0);
    expect(oneDay.every((t) => t.date.startsWith(from))).toBe(true);
  });

  it('excludes cancelled transactions: their ids never appear and the truth counts them apart', async () => {
    const sb = await startBankCommonApiSandbox({
      seed: 'cancel',
      clock,
      banks: [testBank({ users: [{ ...alice, accounts: [{ kind: 'credit-card', transactions: 3000, historyDays: 200 }] }] })],
    });
    try {
      const b = sb.bank('0001');
      const id = sb.truth.accounts('0001', 'alice')[0]?.accountId as string;
      const summary = sb.truth.summary('0001', id, { from: '2000-01-01', to: TODAY });
      expect(summary.count).toBe(3000);
      expect(summary.cancelled).toBeGreaterThan(0);
      const t = await userTokens(b, alice);
      const { items } = await allPages<Tx>(b, '/transactions', 'transactions', t.access, window(id, '2000-01-01', TODAY));
      expect(items).toHaveLength(3000);
      // Ids number every generated transaction of a day; cancelled ones leave gaps.
      const perDay = new Map<string, number[]>();
      for (const tx of items) {
        const [day, seq] = [tx.id.slice(-12, -4), Number(tx.id.slice(-4))];
        perDay.set(day, [...(perDay.get(day) ?? []), seq]);
      }
      const gaps = [...perDay.values()].reduce((n, seqs) => n + (Math.max(...seqs) + 1 - seqs.length), 0);
      expect(gaps).toBeGreaterThan(0);
      expect(gaps).toBeLessThanOrEqual(summary.cancelled);
    } finally {
      await sb.close();
    }
  });

  it('answers 400 for malformed parameters and for accounts that are not the user\'s', async () => {
    const bad = async (query: Record<string, string>) => (await call(bank, 'GET', '/transactions', { token, query })).status;
    expect(await bad({ start_date: '2020-01-01', end_date: TODAY })).toBe(400);
    expect(await bad(window(idOf(4), '2020-02-30', TODAY))).toBe(400);
    expect(await bad(window(idOf(4), '2020/01/01', TODAY))).toBe(400);
    expect(await bad(window(idOf(4), TODAY, '2020-01-01'))).toBe(400);
    expect(await bad({ ...window(idOf(4), '2020-01-01', TODAY), page: '0' })).toBe(400);
    expect(await bad({ ...window(idOf(4), '2020-01-01', TODAY), page: 'two' })).toBe(400);
    expect(await bad(window('no-such-account', '2020-01-01', TODAY))).toBe(400);
    expect(await bad(window(sandbox.truth.accounts('0001', 'bob')[0]?.accountId as string, '2020-01-01', TODAY))).toBe(400);
    const twice = await fetch(`${bank.url}/transactions?account_id=${idOf(4)}&start_date=2020-01-01&start_date=2020-02-01&end_date=${TODAY}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(twice.status).toBe(400);
  });
});

describe('GET /balances', () => {
  it('gives every day of the window the balance after its last transaction, consistent with /transactions', async () => {
    bank.knobs.setPageSize(1000);
    const from = '2020-03-01';
    const txs = field<Tx[]>(await call(bank, 'GET', '/transactions', { token, query: window(idOf(4), from, TODAY) }), 'transactions');
    const { items: balances, pages } = await allPages<{ date: string; balance: number }>(bank, '/balances', 'balances', token, window(idOf(4), from, TODAY));
    expect(pages).toEqual([1]);
    // 2020-03-01 .. 2020-06-01 inclusive is 93 days.
    expect(balances).toHaveLength(93);
    expect(balances[0]?.date).toBe('2020-03-01T00:00:00+09:00');
    expect(balances[92]?.date).toBe('2020-06-01T00:00:00+09:00');
    let last = Number(sandbox.truth.summary('0001', idOf(4), { from, to: TODAY }).balanceBefore);
    for (const b of balances) {
      const day = b.date.slice(0, 10);
      const ofDay = txs.filter((t) => t.date.startsWith(day));
      if (ofDay.length > 0) last = (ofDay[ofDay.length - 1] as Tx).balance;
      expect(b.balance).toBe(last);
    }
  });

  it('pages days by the page size and leaves out days before the account existed', async () => {
    const first = await call(bank, 'GET', '/balances', { token, query: window(idOf(1), '2000-01-01', TODAY) });
    expect(field<unknown[]>(first, 'balances')).toHaveLength(5);
    expect(field(first, 'params')).toMatchObject({ page: 1, next_page: 2 });
    const { items } = await allPages<{ date: string }>(bank, '/balances', 'balances', token, window(idOf(1), '2000-01-01', TODAY));
    // 30 days of history plus today.
    expect(items).toHaveLength(31);
    expect(items[0]?.date).toBe(`${sandbox.truth.account('0001', idOf(1)).firstDate}T00:00:00+09:00`);
  });
});

describe('time', () => {
  it('adds each passing day\'s transactions when the clock moves on, and the history stays put', async () => {
    const own = manualClock(`${TODAY}T10:00:00+09:00`);
    const sb = await startBankCommonApiSandbox({ seed: 'time', clock: own, banks: [testBank({ users: [{ ...alice, accounts: [{ transactions: 900, historyDays: 90 }] }] })] });
    try {
      const b = sb.bank('0001');
      const id = sb.truth.accounts('0001', 'alice')[0]?.accountId as string;
      const t = await userTokens(b, alice);
      const before = await allPages<Tx>(b, '/transactions', 'transactions', t.access, window(id, '2000-01-01', '2030-01-01'));
      expect(before.items).toHaveLength(900);
      own.advance(3 * 86_400_000);
      const t2 = await userTokens(b, alice);
      const after = await allPages<Tx>(b, '/transactions', 'transactions', t2.access, window(id, '2000-01-01', '2030-01-01'));
      expect(after.items.slice(0, 900)).toEqual(before.items);
      const added = after.items.slice(900);
      expect(added.length).toBeGreaterThan(0);
      expect(new Set(added.map((x) => x.date.slice(0, 10)))).toEqual(new Set(['2020-06-01', '2020-06-02', '2020-06-03']));
      expect(sb.truth.summary('0001', id, { from: '2000-01-01', to: '2030-01-01' }).count).toBe(after.items.length);
    } finally {
      await sb.close();
    }
  });
});

describe('options and determinism', () => {
  it('lists newest first when configured, and plain dates when configured', async () => {
    const banks = [testBank({ transactionOrder: 'newest-first', transactionDateFormat: 'date', pageSize: 10, users: [{ ...alice, accounts: [{ transactions: 25, historyDays: 40 }] }] })];
    const sb = await startBankCommonApiSandbox({ seed: 'order', clock, banks });
    try {
      const b = sb.bank('0001');
      const id = sb.truth.accounts('0001', 'alice')[0]?.accountId as string;
      const t = await userTokens(b, alice);
      const { items, pages } = await allPages<Tx>(b, '/transactions', 'transactions', t.access, window(id, '2000-01-01', TODAY));
      expect(pages).toEqual([1, 2, 3]);
      const truth = [...sb.truth.transactions('0001', id, { from: '2000-01-01', to: TODAY })];
      expect(items).toEqual([...truth].reverse());
      for (const tx of items) expect(tx.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    } finally {
      await sb.close();
    }
  });

  it('generates the same data from the same seed and different data from another seed', async () => {
    const options = { clock, banks: [config] };
    const a = createBankCommonApiTruth({ ...options, seed: 'data' });
    const b = createBankCommonApiTruth({ ...options, seed: 'other' });
    const w = { from: '2000-01-01', to: TODAY };
    expect([...a.transactions('0001', idOf(4), w)]).toEqual([...sandbox.truth.transactions('0001', idOf(4), w)]);
    const other = b.accounts('0001', 'alice')[4]?.accountId as string;
    expect([...b.transactions('0001', other, w)].map((t) => t.amount)).not.toEqual([...a.transactions('0001', idOf(4), w)].map((t) => t.amount));
  });

  it('writes realistic Japanese descriptions (full-width, kana counterparties)', () => {
    const corp = sandbox.truth.accounts('0001', 'bob')[0]?.accountId as string;
    const descriptions = [...sandbox.truth.transactions('0001', corp, { from: '2000-01-01', to: TODAY })].map((t) => t.description);
    expect(descriptions.some((d) => /^振込\u3000(カ）|ユ）|ド）)?[ァ-ヶー]+(（カ)?$/.test(d))).toBe(true);
    const personal = [...sandbox.truth.transactions('0001', idOf(4), { from: '2000-01-01', to: TODAY })].map((t) => t.description);
    expect(personal.some((d) => d.startsWith('給与　'))).toBe(true);
    expect(personal.some((d) => d.startsWith('口座振替　') || d.startsWith('デビット　') || d.startsWith('ＡＴＭ') || d.startsWith('カード'))).toBe(true);
    for (const d of [...descriptions, ...personal]) expect(d).not.toMatch(/[ｦ-ﾟ]/); // no half-width kana
  });
});

describe('truth', () => {
  it('summarises a window exactly as the HTTP listing adds up', async () => {
    bank.knobs.setPageSize(1000);
    const w = { from: '2020-02-10', to: '2020-05-20' };
    const txs = field<Tx[]>(await call(bank, 'GET', '/transactions', { token, query: window(idOf(4), w.from, w.to) }), 'transactions');
    const s = sandbox.truth.summary('0001', idOf(4), w);
    expect(s.count).toBe(txs.length);
    expect(s.inflow).toBe(BigInt(txs.filter((t) => t.amount > 0).reduce((n, t) => n + t.amount, 0)));
    expect(s.outflow).toBe(BigInt(txs.filter((t) => t.amount < 0).reduce((n, t) => n + t.amount, 0)));
    expect(s.net).toBe(s.inflow + s.outflow);
    expect(s.balanceAfter - s.balanceBefore).toBe(s.net);
    expect(s.balanceAfter).toBe(BigInt((txs[txs.length - 1] as Tx).balance));
    expect(s.firstDate).toBe(txs[0]?.date.slice(0, 10));
    expect(s.lastDate).toBe(txs[txs.length - 1]?.date.slice(0, 10));
    expect(s.days).toBe(101);
  });
});
