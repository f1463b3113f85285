/**
 * Accounts, transactions, balances and branches against the 銀行共通API sandbox, compared
 * with the sandbox's truth: account types, masked numbers, exact yen, bank-local dates,
 * one window for every page, streamed pages, and the account-level errors.
 */
import { addDays, type CalendarDate } from '@kinko/domain';
import { systemClock, todayAt, type Grant, type Transaction } from '@kinko/connector-sdk';
import type { BankCommonApiBankConfig, TransactionItem } from '@kinko/sandbox-bank';
import { BANK_CODE, USER } from './sandbox-support';
import { collect, grantOf, startSession, type Session } from './session-support';

const today = todayAt(systemClock, 'Asia/Tokyo');
const window = Object.freeze({ from: addDays(today, -40), to: today });

const bankOf = (overrides: Partial<BankCommonApiBankConfig> = {}): Partial<BankCommonApiBankConfig> => ({
  users: [
    {
      ...USER,
      accounts: [
        { kind: 'ordinary', transactions: 450, historyDays: 30 },
        { kind: 'current', transactions: 5, historyDays: 30 },
        { kind: 'general', transactions: 5, historyDays: 30 },
        { kind: 'time', transactions: 3, historyDays: 30 },
        { kind: 'credit-card', transactions: 20, historyDays: 30 },
      ],
    },
  ],
  ...overrides,
});

/** The transactions the sandbox lists for an account over the window, as the connector should report them. */
function expected(s: Session, accountId: string, w: { from: string; to: string } = window) {
  return [...s.sandbox.truth.transactions(BANK_CODE, accountId, w)].map((t: TransactionItem) => ({
    bankTransactionId: t.id,
    kind: 'booked',
    transactionDate: t.date.slice(0, 10),
    amountMinor: BigInt(t.amount),
    currency: 'JPY',
    description: t.description,
    balanceAfterMinor: BigInt(t.balance),
  }));
}

describe('with a user holding every kind of account', () => {
  let s: Session;
  let grant: Grant;
  let ids: string[];
  beforeAll(async () => {
    s = await startSession({ type: 'basic' }, bankOf());
    grant = await grantOf(s.client);
    ids = s.sandbox.truth.accounts(BANK_CODE, USER.id).map((a) => a.accountId);
  });
  afterAll(() => s.close());
  beforeEach(() => s.sandbox.requestLog.clear());
  afterEach(() => s.bank.knobs.reset());

  it('lists accounts with their type, the bank’s own label, owner, branch and number as given', async () => {
    const out = await collect(s.client.accounts(grant));
    if (!out.ok) throw new Error(out.error.message);
    const truth = s.sandbox.truth.accounts(BANK_CODE, USER.id);
    expect(out.value.map((a) => [a.type, a.bankAccountType])).toEqual([
      ['savings', '普通'],
      ['current', '当座'],
      ['savings', '総合'],
      ['timeDeposit', '定期'],
      ['creditCard', 'クレジットカード'],
    ]);
    out.value.forEach((a, i) => {
      const item = truth[i]?.item;
      expect(a).toMatchObject({ bankAccountId: item?.id, number: item?.account_number, currency: 'JPY', ownerType: 'personal' });
      if (item?.branch_code) {
        expect(a.branch).toEqual({ code: item.branch_code, name: item.branch_name });
        expect(a.name).toBe(`${item.branch_name} ${item.account_type2}`);
      } else expect(a.branch).toBeUndefined();
    });
    // Card numbers come masked from the bank and stay masked.
    expect(out.value[4]?.number).toMatch(/^\*+\d{4}$/);
  });

  it('reports every transaction of the window exactly as the bank holds it: integer yen, Tokyo dates', async () => {
    const out = await collect(s.client.transactions(grant, { bankAccountId: ids[0] as string, kind: 'booked', window }));
    if (!out.ok) throw new Error(out.error.message);
    expect(out.value).toHaveLength(450);
    expect(out.value).toEqual(expected(s, ids[0] as string));
    const net = out.value.reduce((sum, t) => sum + t.amountMinor, 0n);
    expect(net).toBe(s.sandbox.truth.summary(BANK_CODE, ids[0] as string, window).net);
  });

  it('streams page by page and sends the same dates with every page request', async () => {
    const pages: number[] = [];
    for await (const page of s.client.transactions(grant, { bankAccountId: ids[0] as string, kind: 'booked', window })) {
      if (!page.ok) throw new Error(page.error.message);
      pages.push(page.value.items.length);
      expect(page.value.window).toBe(window);
    }
    expect(pages).toEqual([200, 200, 50]);
    const queries = s.bank.requests({ operation: 'GET /transactions' }).map((r) => r.query);
    expect(queries).toEqual([1, 2, 3].map((page) => ({ account_id: ids[0], start_date: window.from, end_date: window.to, page: String(page) })));
  });

  it('reads an incremental window: exactly the transactions dated inside it', async () => {
    const recent = { from: addDays(today, -6), to: today };
    const out = await collect(s.client.transactions(grant, { bankAccountId: ids[0] as string, kind: 'booked', window: recent }));
    if (!out.ok) throw new Error(out.error.message);
    expect(out.value).toEqual(expected(s, ids[0] as string, recent));
    expect(out.value.every((t: Transaction) => t.transactionDate !== undefined && t.transactionDate >= recent.from)).toBe(true);
  });

  it('reports daily balances as the bank lists them, one per day from the account’s first day to today', async () => {
    const out = await collect(s.client.balances(grant, { bankAccountId: ids[0] as string, window }));
    if (!out.ok) throw new Error(out.error.message);
    const truth = [...s.sandbox.truth.dailyBalances(BANK_CODE, ids[0] as string, window)];
    expect(out.value).toEqual(truth.map((b) => ({ date: b.date.slice(0, 10), balanceMinor: BigInt(b.balance), currency: 'JPY' })));
    expect(out.value).toHaveLength(31); // 30 days of history, and today
    expect(out.value[out.value.length - 1]?.date).toBe(today);
  });

  it('lists the bank’s branches with the user’s token or, without a grant, with the system token', async () => {
    const withGrant = await collect(s.client.branches(grant));
    const withoutGrant = await collect(s.client.branches());
    if (!withGrant.ok || !withoutGrant.ok) throw new Error('branches failed');
    expect(withGrant.value.length).toBeGreaterThan(200);
    expect(withoutGrant.value).toEqual(withGrant.value);
    expect(new Set(withGrant.value.map((b) => b.bankBranchId)).size).toBe(withGrant.value.length);
    expect(withGrant.value[0]).toMatchObject({ code: expect.stringMatching(/^\d{3}$/), nameKana: expect.any(String), addressCode: expect.stringMatching(/^\d{6}$/) });
  });

  it('reports an account the bank stopped listing as MissingAccount (400 or 404), for transactions and balances', async () => {
    const id = ids[1] as string;
    s.bank.knobs.removeAccount(id);
    expect(await collect(s.client.transactions(grant, { bankAccountId: id, kind: 'booked', window }))).toMatchObject({
      ok: false,
      error: { _tag: 'MissingAccount', bankAccountId: id },
    });
    s.bank.knobs.removeAccount(id, { status: 404 });
    expect(await collect(s.client.balances(grant, { bankAccountId: id, window }))).toMatchObject({ ok: false, error: { _tag: 'MissingAccount', bankAccountId: id } });
  });

  it('reads a 400 (no defined body) for an account id the bank does not list as MissingAccount, by asking for the list', async () => {
    const out = await collect(s.client.transactions(grant, { bankAccountId: 'NOT-AN-ACCOUNT', kind: 'booked', window }));
    expect(out).toMatchObject({ ok: false, error: { _tag: 'MissingAccount', bankAccountId: 'NOT-AN-ACCOUNT' } });
    expect(s.bank.requests().map((r) => `${r.operation} ${r.status}`)).toEqual(['GET /transactions 400', 'GET /accounts 200']);
  });

  it('yields CredentialsInvalid when the bank no longer accepts the access token', async () => {
    const fresh = await grantOf(s.client);
    s.bank.knobs.revokeAllUserTokens();
    expect(await collect(s.client.accounts(fresh))).toMatchObject({ ok: false, error: { _tag: 'CredentialsInvalid' } });
    expect(await collect(s.client.transactions(fresh, { bankAccountId: ids[0] as string, kind: 'booked', window }))).toMatchObject({
      ok: false,
      error: { _tag: 'CredentialsInvalid' },
    });
    grant = await grantOf(s.client);
  });
});

describe('bank options', () => {
  it('keeps masked account numbers masked', async () => {
    const s = await startSession({ type: 'basic' }, bankOf({ maskAccountNumbers: true }));
    try {
      const out = await collect(s.client.accounts(await grantOf(s.client)));
      if (!out.ok) throw new Error(out.error.message);
      const truth = s.sandbox.truth.accounts(BANK_CODE, USER.id);
      expect(out.value.map((a) => a.number)).toEqual(truth.map((a) => a.item.account_number));
      for (const a of out.value) expect(a.number).toMatch(/^\*+\d{3,4}$/);
    } finally {
      await s.close();
    }
  });

  it('reads plain dates and newest-first listings the same way', async () => {
    const s = await startSession({ type: 'basic' }, bankOf({ transactionDateFormat: 'date', transactionOrder: 'newest-first' }));
    try {
      const grant = await grantOf(s.client);
      const id = s.sandbox.truth.accounts(BANK_CODE, USER.id)[0]?.accountId as string;
      const out = await collect(s.client.transactions(grant, { bankAccountId: id, kind: 'booked', window }));
      if (!out.ok) throw new Error(out.error.message);
      const sorted = (list: ReadonlyArray<{ bankTransactionId: string }>) => [...list].sort((a, b) => a.bankTransactionId.localeCompare(b.bankTransactionId));
      expect(sorted(out.value)).toEqual(sorted(expected(s, id)));
      expect(out.value.every((t) => /^\d{4}-\d{2}-\d{2}$/.test(t.transactionDate as CalendarDate))).toBe(true);
    } finally {
      await s.close();
    }
  });
});
