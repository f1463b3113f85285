// The connector against its sandbox over loopback HTTP: the spec's account, balance and
// transaction shapes mapped, transactionType 1/2 with unsigned amounts as signed yen,
// nextItemKey/hasNext paging, and the spec's ErrorResponse bodies as typed errors.
import { collectPages, type ConnectorClient, type Grant } from '@kinko/connector-sdk';
import { addDays, dateInZone } from '@kinko/domain';
import { gmoAozoraSoleProprietorUser } from '@kinko/sandbox-bank';
import { gmoAozora } from '../src';
import { startSandboxBank, type SandboxBank } from './sandbox/bank';
import { demoToday, demoUser, loginThroughSandbox } from './sandbox/demo';

const user = demoUser(demoToday);
const main = user.accounts[0]!;
let bank: SandboxBank;
let client: ConnectorClient;
let grant: Grant;

beforeAll(async () => {
  bank = await startSandboxBank({ clientId: 'kinko', clientSecret: 'secret', users: [user], today: demoToday });
  client = gmoAozora.create({ config: { baseUrl: bank.baseUrl, clientId: 'kinko', clientSecret: 'secret' }, extraAllowedHosts: [bank.host] });
  grant = await loginThroughSandbox(client, bank, user);
});
afterAll(async () => {
  await client?.close();
  await bank?.close();
});

it('lists the accounts with branch, number, holder and type from GET /accounts', async () => {
  const accounts = await collectPages(client.accounts(grant));
  expect(accounts.ok && accounts.value).toEqual([
    { bankAccountId: '101011234567', number: '1234567', name: 'アオゾラ　ハナコ', type: 'current', bankAccountType: '普通預金（有利息）', currency: 'JPY', branch: { code: '101', name: 'ほうじちゃ支店' }, holderName: 'アオゾラ　ハナコ' },
    expect.objectContaining({ bankAccountId: '102011047569', branch: { code: '102', name: 'ゆず支店' } }),
  ]);
});

it('reads the current balance (残高 booked, 支払可能残高 available) of one account from GET /accounts/balances?accountId', async () => {
  const balance = await client.currentBalances(grant, { bankAccountId: main.accountId });
  expect(balance.ok && balance.value).toEqual({ currency: 'JPY', referenceDate: demoToday, bookedMinor: BigInt(main.balance), availableMinor: BigInt(main.withdrawableAmount) });
  expect(bank.requests.at(-1)).toEqual({ method: 'GET', path: '/ganb/api/personal/v1/accounts/balances', query: { accountId: main.accountId } });
});

it('reads every item of the window once over nextItemKey pages, 入金 positive and 出金 negative, with the running balance', async () => {
  const window = { from: addDays(demoToday, -199), to: demoToday };
  const before = bank.requests.length;
  const items = await collectPages(client.transactions(grant, { bankAccountId: main.accountId, kind: 'booked', window }));
  if (!items.ok) throw new Error(items.error._tag);
  expect(items.value.map((t) => t.bankTransactionId)).toEqual(main.transactions.map((t) => t.itemKey));
  const salary = items.value.find((t) => t.description === '給与 カ）キンコ');
  const card = items.value.find((t) => t.description === 'デビット ヨドバシカメラ');
  expect(salary).toMatchObject({ kind: 'booked', amountMinor: 285_000n, currency: 'JPY' });
  expect(card).toMatchObject({ amountMinor: -3_450n });
  // Each amount is the change of the bank's running balance.
  const first = main.transactions[0]!;
  expect(items.value[0]).toMatchObject({ transactionDate: first.transactionDate, bookingDate: first.valueDate, balanceAfterMinor: BigInt(first.balance) });
  // (hanako is a 個人: the one deposit-transactions look-up the bank refuses is tested below.)
  const pages = bank.requests.slice(before).filter((r) => r.path.endsWith('/accounts/transactions'));
  expect(pages.map((r) => r.query)).toEqual([
    { accountId: main.accountId, dateFrom: window.from, dateTo: window.to },
    { accountId: main.accountId, dateFrom: window.from, dateTo: window.to, nextItemKey: main.transactions[500]!.itemKey },
  ]);
});

it('maps the ErrorResponse of an unknown account (404) to BankResponse with errorCode and errorMessage', async () => {
  const read = await collectPages(client.transactions(grant, { bankAccountId: '109999999999', kind: 'booked', window: { from: demoToday, to: demoToday } }));
  expect(!read.ok && read.error).toMatchObject({ _tag: 'BankResponse', status: 404, content: 'WG_ERR_404: 該当する口座が存在しません' });
});

it('maps a 401 ErrorResponse (the token the bank no longer knows) to ConsentExpired, and its refresh token too', async () => {
  bank.revokeAtBank(user.username);
  const accounts = await collectPages(client.accounts(grant));
  expect(!accounts.ok && accounts.error._tag).toBe('ConsentExpired');
  const refreshed = await client.auth.refresh(grant);
  expect(!refreshed.ok && refreshed.error._tag).toBe('ConsentExpired');
});

describe('a 個人事業主 with つかいわけ口座 (taro): deposit-transactions and spAccounts where they apply', () => {
  const taro = gmoAozoraSoleProprietorUser(demoToday);
  const shop = taro.accounts[0]!;
  const tax = taro.spAccounts!.find((a) => a.spAccountTypeCode === '2')!;
  let spBank: SandboxBank;
  let spClient: ConnectorClient;
  let spGrant: Grant;
  const window = { from: addDays(demoToday, -59), to: demoToday };
  beforeAll(async () => {
    spBank = await startSandboxBank({ clientId: 'kinko', clientSecret: 'secret', users: [taro, demoUser(demoToday)], today: demoToday });
    spClient = gmoAozora.create({ config: { baseUrl: spBank.baseUrl, clientId: 'kinko', clientSecret: 'secret' }, extraAllowedHosts: [spBank.host] });
    spGrant = await loginThroughSandbox(spClient, spBank, taro);
  });
  afterAll(async () => {
    await spClient?.close();
    await spBank?.close();
  });

  it('lists a 子口座 as an account of its own (branch, number, name), and not the 親口座 that is the listed 代表口座', async () => {
    const accounts = await collectPages(spClient.accounts(spGrant));
    expect(accounts.ok && accounts.value).toEqual([
      expect.objectContaining({ bankAccountId: shop.accountId, number: shop.accountNumber }),
      { bankAccountId: tax.accountId, number: '1047570', name: '納税用', type: 'current', bankAccountType: 'つかいわけ口座（子口座）', currency: 'JPY', branch: { code: '502', name: 'あじさい支店' } },
    ]);
  });

  it('reads a 子口座’s balance from spAccountBalances (odBalance, dated today in Tokyo) and its items from /accounts/transactions', async () => {
    const balance = await spClient.currentBalances(spGrant, { bankAccountId: tax.accountId });
    expect(balance.ok && balance.value).toEqual({ currency: 'JPY', referenceDate: dateInZone(new Date(), 'Asia/Tokyo'), bookedMinor: BigInt(tax.odBalance) });
    const before = spBank.requests.length;
    const items = await collectPages(spClient.transactions(spGrant, { bankAccountId: tax.accountId, kind: 'booked', window }));
    if (!items.ok) throw new Error(items.error._tag);
    expect(items.value.map((t) => [t.bankTransactionId, t.amountMinor, t.counterpartyName])).toEqual(tax.transactions.map((t) => [t.itemKey, 30_000n, undefined]));
    // No 振込入金明細 for a つかいわけ口座 (the bank refuses it): never asked.
    expect(spBank.requests.slice(before).map((r) => r.path)).toEqual(['/ganb/api/personal/v1/accounts/transactions']);
  });

  it('names the sender of each incoming transfer from /accounts/deposit-transactions (same itemKey), over the days of the page’s 入金', async () => {
    const before = spBank.requests.length;
    const items = await collectPages(spClient.transactions(spGrant, { bankAccountId: shop.accountId, kind: 'booked', window }));
    if (!items.ok) throw new Error(items.error._tag);
    expect(items.value.map((t) => t.bankTransactionId)).toEqual(shop.transactions.map((t) => t.itemKey));
    const named = items.value.filter((t) => t.counterpartyName !== undefined);
    expect(named.map((t) => [t.bankTransactionId, t.counterpartyName])).toEqual(
      shop.transactions.filter((t) => t.arrival !== undefined).map((t) => [t.itemKey, t.arrival?.applicantName]),
    );
    expect(named.length).toBeGreaterThan(10);
    expect(items.value.filter((t) => t.amountMinor < 0n).every((t) => t.counterpartyName === undefined)).toBe(true);
    const incoming = shop.transactions.filter((t) => t.transactionType === '1');
    expect(spBank.requests.slice(before).map((r) => [r.path, r.query])).toEqual([
      ['/ganb/api/personal/v1/accounts/transactions', { accountId: shop.accountId, dateFrom: window.from, dateTo: window.to }],
      ['/ganb/api/personal/v1/accounts/deposit-transactions', { accountId: shop.accountId, dateFrom: incoming[0]!.transactionDate, dateTo: incoming.at(-1)!.transactionDate }],
    ]);
  });

  it('for a 個人’s account (the bank answers 403) reads the items without senders, and this client does not ask again', async () => {
    const hanakoClient = gmoAozora.create({ config: { baseUrl: spBank.baseUrl, clientId: 'kinko', clientSecret: 'secret' }, extraAllowedHosts: [spBank.host] });
    try {
      const hanakoGrant = await loginThroughSandbox(hanakoClient, spBank, user);
      const read = () => collectPages(hanakoClient.transactions(hanakoGrant, { bankAccountId: main.accountId, kind: 'booked', window }));
      const before = spBank.requests.length;
      const first = await read();
      expect(first.ok && first.value.length).toBe(main.transactions.filter((t) => t.transactionDate >= window.from).length);
      expect(first.ok && first.value.every((t) => t.counterpartyName === undefined)).toBe(true);
      const depositAsks = () => spBank.requests.slice(before).filter((r) => r.path.endsWith('/deposit-transactions')).length;
      expect(depositAsks()).toBe(1);
      expect(spBank.answers.filter((a) => a.path.endsWith('/deposit-transactions')).at(-1)).toMatchObject({ status: 403 });
      const second = await read();
      expect(second.ok && second.value.length).toBe(first.ok && first.value.length);
      expect(depositAsks()).toBe(1);
    } finally {
      await hanakoClient.close();
    }
  });

  it('ends the read with the bank’s error when deposit-transactions fails otherwise (a 503 there is no silent loss of senders)', async () => {
    const other = gmoAozora.create({ config: { baseUrl: spBank.baseUrl, clientId: 'kinko', clientSecret: 'secret' }, extraAllowedHosts: [spBank.host] });
    try {
      const g = await loginThroughSandbox(other, spBank, taro);
      // The first request (transactions page) passes; the next (deposit-transactions) and its retries fail.
      spBank.setFault({ type: 'status', status: 503, afterRequests: 1 });
      const read = await collectPages(other.transactions(g, { bankAccountId: shop.accountId, kind: 'booked', window }));
      spBank.setFault(undefined);
      expect(!read.ok && read.error._tag).toBe('ServiceUnavailable');
    } finally {
      await other.close();
    }
  });
});
