// Accounts and statements read through the connector, compared with what the sandbox
// holds (its `truth`): every amount, date, balance and description exactly, in both of the
// bank's formats; ids stable across reads; windows kept; the session looked after.
import { collectPages, type Account, type ConnectorClient, type Grant } from '@kinko/connector-sdk';
import { addDays, type CalendarDate } from '@kinko/domain';
import { webNetbank } from '../src';
import { bankToday, clientFor, credentialsOf, failure, grantOf, logIn, readTransactions, value } from './support/client';
import { startTestNetbank, type TestNetbank } from './support/sandbox';

let netbank: TestNetbank;
let client: ConnectorClient;
let grant: Grant;

beforeEach(async () => {
  netbank = await startTestNetbank();
  client = clientFor(netbank, webNetbank);
  grant = grantOf(value(await logIn(client, credentialsOf(netbank, 'happy'))));
});

afterEach(async () => {
  await client.close();
  await netbank.close();
});

const accountOf = (kind: string) => {
  const a = netbank.bank.persona('happy').accounts.find((x) => x.kind === kind);
  if (!a) throw new Error(`happy has no ${kind} account`);
  return a;
};

/** The account's whole online history (the bank shows 400 days). */
const historyOf = (accountId: string): { from: CalendarDate; to: CalendarDate } => {
  const first = netbank.bank.truth.firstDate(accountId) as CalendarDate;
  const earliest = addDays(bankToday(), -400);
  return { from: first > earliest ? first : earliest, to: bankToday() };
};

describe('accounts', () => {
  test('the account list is read with its ids, numbers, kinds and branches', async () => {
    const accounts = value(await collectPages(client.accounts(grant)));
    const expected = netbank.bank.persona('happy').accounts.map((a): Account => ({
      bankAccountId: a.id,
      number: a.displayNumber,
      name: a.typeLabel,
      type: ({ ordinary: 'current', time: 'timeDeposit', 'credit-card': 'creditCard' } as const)[a.kind as 'ordinary'],
      currency: 'JPY' as Account['currency'],
      bankAccountType: a.typeLabel,
      ...(a.branchCode === '' ? {} : { branch: { code: a.branchCode, name: a.branchName } }),
    }));
    expect(accounts).toEqual(expected);
    expect(accounts.map((a) => a.bankAccountType)).toEqual(['普通預金', '定期預金', 'クレジットカード']);
  });

  test('logging in with branch code and account number reaches the same accounts', async () => {
    const persona = netbank.bank.persona('happy');
    const other = grantOf(value(await logIn(client, { branchCode: persona.branchCode ?? '', accountNumber: persona.accountNumber ?? '', password: persona.password })));
    const byAccount = value(await collectPages(client.accounts(other)));
    expect(byAccount.map((a) => a.bankAccountId)).toEqual(persona.accounts.map((a) => a.id));
  });

  test('accounts the bank lists but cannot show online make the connection Unsupported; their statements too', async () => {
    const unsupported = grantOf(value(await logIn(client, credentialsOf(netbank, 'unsupported'))));
    failure(await collectPages(client.accounts(unsupported)), 'Unsupported');
    for (const a of netbank.bank.persona('unsupported').accounts) {
      failure(await readTransactions(client, unsupported, a.id, { from: addDays(bankToday(), -30), to: bankToday() }), 'Unsupported');
    }
  });

  test('an account the bank stops showing is MissingAccount, and leaves the list', async () => {
    const card = accountOf('credit-card');
    netbank.bank.knobs.removeAccount(card.id);
    expect(failure(await readTransactions(client, grant, card.id, { from: addDays(bankToday(), -30), to: bankToday() }), 'MissingAccount').bankAccountId).toBe(card.id);
    expect(value(await collectPages(client.accounts(grant))).map((a) => a.bankAccountId)).not.toContain(card.id);
  });

  test('new terms waiting after login are InterventionRequired', async () => {
    netbank.bank.knobs.setTermsPending('happy', true);
    netbank.bank.knobs.endSessions('happy');
    failure(await collectPages(client.accounts(grant)), 'InterventionRequired');
  });
});

describe('statements, exactly', () => {
  test.each([
    ['ordinary', '¥1,234 / −¥1,234 and 2026/11/21'],
    ['time', '1,234 / ▲1,234 and 2026年11月21日'],
    ['credit-card', '1,234 / ▲1,234 and 2026年11月21日'],
  ])('%s account (%s): every row equals the bank’s own record', async (kind) => {
    const account = accountOf(kind);
    const window = historyOf(account.id);
    const truth = netbank.bank.truth.transactions(account.id, window.from, window.to);
    expect(truth.length).toBeGreaterThan(0);
    const read = value(await readTransactions(client, grant, account.id, window));
    expect(read.map((t) => ({ date: t.transactionDate, amount: t.amountMinor, balance: t.balanceAfterMinor, description: t.description, kind: t.kind, currency: t.currency }))).toEqual(
      truth.map((e) => ({ date: e.date, amount: BigInt(e.amount), balance: BigInt(e.balance), description: e.description, kind: 'booked', currency: 'JPY' })),
    );
    expect(truth.some((e) => e.amount < 0)).toBe(true); // the minus forms were read
  });

  test('descriptions keep their full-width text; negative balances read exactly', async () => {
    const account = accountOf('ordinary');
    const balance = netbank.bank.truth.balance(account.id);
    netbank.bank.knobs.insertTransaction(account.id, { amount: -(balance + 12_345), description: '　カード　ＡＴＭ（ｺﾝﾋﾞﾆ）　' });
    const today = value(await readTransactions(client, grant, account.id, { from: bankToday(), to: bankToday() }));
    const last = today[today.length - 1];
    expect(last).toMatchObject({ description: 'カード　ＡＴＭ（ｺﾝﾋﾞﾆ）', amountMinor: -BigInt(balance + 12_345), balanceAfterMinor: -12_345n });
  });

  test('every page request of one fetch carries the same from and to; pages follow a[rel=next]', async () => {
    const account = accountOf('ordinary');
    const window = historyOf(account.id);
    const before = netbank.bank.requests({ operation: 'GET /accounts/:accountId' }).length;
    const pages: number[] = [];
    for await (const page of client.transactions(grant, { bankAccountId: account.id, kind: 'booked', window })) pages.push(value(page).items.length);
    const requests = netbank.bank.requests({ operation: 'GET /accounts/:accountId' }).slice(before);
    expect(pages.length).toBeGreaterThan(2);
    expect(requests.map((r) => r.query)).toEqual(pages.map((_, i) => ({ from: window.from, to: window.to, page: String(i + 1) })));
    expect(pages.slice(0, -1).every((n) => n === 50)).toBe(true);
  });

  test('a window reaching before the bank’s online history is Unsupported (not silently shortened)', async () => {
    const account = accountOf('time');
    const e = failure(await readTransactions(client, grant, account.id, { from: addDays(bankToday(), -401), to: bankToday() }), 'Unsupported');
    expect(e.message).toContain(addDays(bankToday(), -400));
    value(await readTransactions(client, grant, account.id, { from: addDays(bankToday(), -400), to: bankToday() }));
  });
});

describe('transaction ids', () => {
  test('two full reads give the same ids, all distinct; an overlapping later read matches the earlier ids', async () => {
    const account = accountOf('ordinary');
    const window = historyOf(account.id);
    const first = value(await readTransactions(client, grant, account.id, window));
    const second = value(await readTransactions(client, grant, account.id, window));
    const ids = first.map((t) => t.bankTransactionId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(second.map((t) => t.bankTransactionId)).toEqual(ids);

    const latest = first[first.length - 1]?.transactionDate ?? window.to;
    const incremental = value(await readTransactions(client, grant, account.id, { from: addDays(latest, -4), to: window.to }));
    const expected = first.filter((t) => t.transactionDate !== undefined && t.transactionDate >= addDays(latest, -4));
    expect(incremental.length).toBeGreaterThan(0);
    expect(incremental).toEqual(expected);
  });

  test('identical rows on one day get distinct ids, the same at every read', async () => {
    const account = accountOf('ordinary');
    const day = bankToday();
    for (const amount of [1_000, -1_000, 1_000]) netbank.bank.knobs.insertTransaction(account.id, { amount, description: '振込　ヤマダ　タロウ' });
    const read = async () => value(await readTransactions(client, grant, account.id, { from: day, to: day })).slice(-3);
    const [a, , c] = await read();
    expect([a?.amountMinor, a?.balanceAfterMinor, a?.description]).toEqual([c?.amountMinor, c?.balanceAfterMinor, c?.description]);
    expect(a?.bankTransactionId).not.toBe(c?.bankTransactionId);
    const again = await read();
    expect([again[0]?.bankTransactionId, again[2]?.bankTransactionId]).toEqual([a?.bankTransactionId, c?.bankTransactionId]);
  });
});

describe('the bank session', () => {
  test('a session the bank ended is replaced by one new login, shared by concurrent reads', async () => {
    const accounts = value(await collectPages(client.accounts(grant)));
    netbank.bank.knobs.endSessions('happy');
    const logins = () => netbank.bank.requests({ operation: 'POST /login' }).length;
    const before = logins();
    const reads = await Promise.all(accounts.map((a) => readTransactions(client, grant, a.bankAccountId, { from: addDays(bankToday(), -30), to: bankToday() })));
    reads.forEach((r) => value(r));
    expect(logins() - before).toBe(1);
  });

  test('the grant’s own session is used as long as the bank keeps it: no login per call', async () => {
    const logins = () => netbank.bank.requests({ operation: 'POST /login' }).length;
    const before = logins();
    const other = clientFor(netbank, webNetbank); // another process: only the stored grant
    try {
      const restored = value(webNetbank.deserializeGrant(value(webNetbank.serializeGrant(grant))));
      value(await collectPages(other.accounts(restored)));
      value(await collectPages(client.accounts(grant)));
    } finally {
      await other.close();
    }
    expect(logins()).toBe(before);
  });

  test('a password changed at the bank makes the next re-login CredentialsInvalid', async () => {
    netbank.bank.knobs.setPassword('happy', 'changed-at-the-bank');
    netbank.bank.knobs.endSessions('happy');
    failure(await collectPages(client.accounts(grant)), 'CredentialsInvalid');
  });
});
