/**
 * A 1,000,000-transaction account: pages anywhere in the history are answered by
 * walking a page's worth of transactions, never the history (the request log's
 * `generated` counter is the proof; no timing assertions).
 */
import { manualClock, startBankCommonApiSandbox, type BankCommonApiSandbox, type SandboxBank } from '../src';
import { call, field, testBank, userTokens, type Tx } from './support';

const TODAY = '2020-06-01';
const N = 1_000_000;
let sandbox: BankCommonApiSandbox;
let bank: SandboxBank;
let token: string;
let accountId: string;

beforeAll(async () => {
  sandbox = await startBankCommonApiSandbox({
    seed: 'scale',
    clock: manualClock(`${TODAY}T10:00:00+09:00`),
    banks: [testBank({ users: [{ id: 'corp', password: 'corp-pass', ownerType: 'c', accounts: [{ kind: 'ordinary', transactions: N, historyDays: 1460 }] }] })],
  });
  bank = sandbox.bank('0001');
  accountId = sandbox.truth.accounts('0001', 'corp')[0]?.accountId as string;
  token = (await userTokens(bank, { id: 'corp', password: 'corp-pass' })).access;
});
afterAll(() => sandbox.close());

const query = (page: number, start = '2016-01-01', end = TODAY) => ({ account_id: accountId, start_date: start, end_date: end, page });

async function page(n: number, start?: string, end?: string): Promise<{ txs: Tx[]; next: number; generated: number }> {
  const a = await call(bank, 'GET', '/transactions', { token, query: query(n, start, end) });
  expect(a.status).toBe(200);
  const entry = bank.requests({ operation: 'GET /transactions' }).pop();
  return { txs: field<Tx[]>(a, 'transactions'), next: field<{ next_page: number }>(a, 'params').next_page, generated: entry?.generated ?? -1 };
}

describe('an account with 1,000,000 transactions', () => {
  it('holds exactly N transactions over four years', () => {
    const s = sandbox.truth.summary('0001', accountId, { from: '2016-01-01', to: TODAY });
    expect(s.count).toBe(N);
    expect(s.firstDate).toBe('2016-06-02');
    expect(s.lastDate).toBe('2020-05-31');
  });

  it('answers the first, a middle and the last page walking about one page of transactions each', async () => {
    const pages = N / 200;
    const first = await page(1);
    expect(first.txs).toHaveLength(200);
    expect(first.next).toBe(2);
    const middle = await page(pages / 2);
    const following = await page(pages / 2 + 1);
    const last = await page(pages);
    expect(last.txs).toHaveLength(200);
    expect(last.next).toBe(0);
    expect((await page(pages + 1)).txs).toHaveLength(0);
    for (const p of [first, middle, following, last]) {
      expect(p.generated).toBeGreaterThanOrEqual(200);
      // A page plus at most the rest of one day (a day holds ~700 here): far from N.
      expect(p.generated).toBeLessThan(5_000);
    }
    // Consecutive pages continue each other: balances chain, no gap, no overlap.
    const end = middle.txs[199] as Tx;
    const start = following.txs[0] as Tx;
    expect(start.balance).toBe(end.balance + start.amount);
    expect(start.id).not.toBe(end.id);
    expect(start.date >= end.date).toBe(true);
  });

  it('answers a one-day window from the truth\'s count', async () => {
    const day = '2019-03-15';
    const expected = sandbox.truth.summary('0001', accountId, { from: day, to: day });
    expect(expected.count).toBeGreaterThan(200);
    const p1 = await page(1, day, day);
    const lastPage = Math.ceil(expected.count / 200);
    const pl = await page(lastPage, day, day);
    expect(pl.next).toBe(0);
    expect(200 * (lastPage - 1) + pl.txs.length).toBe(expected.count);
    expect(p1.txs.every((t) => t.date.startsWith(day))).toBe(true);
    expect(BigInt((pl.txs[pl.txs.length - 1] as Tx).balance)).toBe(expected.balanceAfter);
  });

  it('answers daily balances over the whole history without walking it', async () => {
    const a = await call(bank, 'GET', '/balances', { token, query: query(4) });
    expect(a.status).toBe(200);
    expect(field<unknown[]>(a, 'balances')).toHaveLength(200);
    expect(bank.requests({ operation: 'GET /balances' }).pop()?.generated).toBe(0);
  });
});
