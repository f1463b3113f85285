// The connector against its sandbox over loopback HTTP: the spec's account, balance and
// transaction shapes mapped, transactionType 1/2 with unsigned amounts as signed yen,
// nextItemKey/hasNext paging, and the spec's ErrorResponse bodies as typed errors.
import { collectPages, type ConnectorClient, type Grant } from '@kinko/connector-sdk';
import { addDays } from '@kinko/domain';
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
  const pages = bank.requests.slice(before);
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
