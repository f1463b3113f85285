// The credential form, refresh and revoke, the manifest and the config: what the app sees
// of the auth side, through the connector's public API.
import { collectPages, ConnectorSetupError, createConnectorRegistry, manifestProblems, type ConnectorClient, type Grant } from '@kinko/connector-sdk';
import { allowedHostsFor, defineWebNetbankConnector, webNetbank, WEB_NETBANK_PLACEHOLDER_HOST } from '../src';
import { credentialFieldsOf } from '../src/connector';
import { clientFor, credentialsOf, failure, grantOf, logIn, value } from './support/client';
import { startTestNetbank, TEST_STATE_KEY, type TestNetbank } from './support/sandbox';

let netbank: TestNetbank;
let client: ConnectorClient;

beforeEach(async () => {
  netbank = await startTestNetbank();
  client = clientFor(netbank, webNetbank);
});

afterEach(async () => {
  await client.close();
  await netbank.close();
});

const logins = (): number => netbank.bank.requests({ operation: 'POST /login' }).length;
const happyGrant = async (): Promise<Grant> => grantOf(value(await logIn(client, credentialsOf(netbank, 'happy'))));

describe('credential form', () => {
  test('begin describes the form: login id, or branch + account number, and the password (labels in ja, en, pl)', async () => {
    const start = value(await client.auth.begin({ redirectUri: 'https://kinko.invalid/cb', state: 's', codeChallenge: 'c', codeChallengeMethod: 'S256' }));
    if (start.type !== 'form') throw new Error('expected a form');
    expect(start.fields.map((f) => [f.name, f.secret, f.inputMode])).toEqual([
      ['userId', false, undefined],
      ['branchCode', false, 'numeric'],
      ['accountNumber', false, 'numeric'],
      ['password', true, undefined],
    ]);
    for (const f of start.fields) for (const text of [f.label.ja, f.label.en, f.label.pl]) expect(text.length).toBeGreaterThan(1);
    // Read from the bank's login page, not a constant.
    expect(netbank.bank.requests({ operation: 'GET /login' })).toHaveLength(1);
  });

  const begin = () => client.auth.begin({ redirectUri: 'https://kinko.invalid/cb', state: 's', codeChallenge: 'c', codeChallengeMethod: 'S256' });

  test('the fields follow the form: only those it has (a login-id-only form asks for no branch or account), secret as the page says', () => {
    const fields = value(credentialFieldsOf([{ name: 'userId', secret: false }, { name: 'password', secret: true }, { name: 'extra', secret: false }]));
    expect(fields.map((f) => [f.name, f.secret])).toEqual([['userId', false], ['password', true]]);
    expect(value(credentialFieldsOf([{ name: 'branchCode', secret: false }, { name: 'accountNumber', secret: false }, { name: 'password', secret: true }])).map((f) => f.name)).toEqual(['branchCode', 'accountNumber', 'password']);
    failure(credentialFieldsOf([{ name: 'userId', secret: false }]), 'PermanentError');
    failure(credentialFieldsOf([{ name: 'branchCode', secret: false }, { name: 'password', secret: true }]), 'PermanentError');
  });

  test('begin at a bank that is down (its login page answers 503) is ServiceUnavailable', async () => {
    netbank.bank.knobs.faults.set({ errorRates: { 503: 1 }, operations: ['GET /login'] });
    failure(await begin(), 'ServiceUnavailable');
  });

  test('begin at a bank in maintenance is ServiceUnavailable', async () => {
    netbank.bank.knobs.setMaintenance({ forced: true });
    failure(await begin(), 'ServiceUnavailable');
  });

  test('begin at a login page without the login form is PermanentError; once the page is back, the form again', async () => {
    netbank.bank.knobs.faults.failNext(1, { type: 'status', status: 200, body: 'html' }, { operations: ['GET /login'] });
    expect(failure(await begin(), 'PermanentError').code).toBe('unrecognised_page');
    const start = value(await begin());
    expect(start.type === 'form' ? start.fields.map((f) => f.name) : []).toEqual(['userId', 'branchCode', 'accountNumber', 'password']);
  });

  test.each([
    ['no password', { userId: 'happy' }],
    ['an empty password', { userId: 'happy', password: '' }],
    ['neither login id nor branch and account', { password: 'pass-happy' }],
    ['a branch code without account number', { branchCode: '200', password: 'pass-happy' }],
  ])('%s is CredentialsInvalid before anything is sent', async (_what, credentials) => {
    const before = netbank.bank.requests().length;
    failure(await logIn(client, credentials), 'CredentialsInvalid');
    expect(netbank.bank.requests().length).toBe(before);
  });

  test('a wrong password by branch + account number is CredentialsInvalid; five in a row lock the user for good', async () => {
    const wrong = { branchCode: '200', accountNumber: '1000001', password: 'wrong' };
    for (let i = 0; i < 4; i += 1) failure(await logIn(client, wrong), 'CredentialsInvalid');
    failure(await logIn(client, wrong), 'LockedPermanent');
    failure(await logIn(client, credentialsOf(netbank, 'happy')), 'LockedPermanent');
  });
});

describe('refresh', () => {
  test('while the bank keeps the session: the same credentials back, no new login, still working', async () => {
    const grant = await happyGrant();
    const before = logins();
    const renewed = value(await client.auth.refresh(grant)).grant;
    expect(logins()).toBe(before);
    value(await collectPages(client.accounts(renewed)));
  });

  test('after the bank ended the session: one new login, and the refreshed grant carries the new session to another process', async () => {
    const grant = await happyGrant();
    netbank.bank.knobs.endSessions('happy');
    const before = logins();
    const renewed = value(await client.auth.refresh(grant)).grant;
    expect(logins()).toBe(before + 1);
    const elsewhere = clientFor(netbank, webNetbank);
    try {
      value(await collectPages(elsewhere.accounts(value(webNetbank.deserializeGrant(value(webNetbank.serializeGrant(renewed)))))));
    } finally {
      await elsewhere.close();
    }
    expect(logins()).toBe(before + 1);
  });

  test('a password changed at the bank makes refresh CredentialsInvalid', async () => {
    const grant = await happyGrant();
    netbank.bank.knobs.setPassword('happy', 'new-password-at-the-bank');
    netbank.bank.knobs.endSessions('happy');
    failure(await client.auth.refresh(grant), 'CredentialsInvalid');
  });

  test('a bank in maintenance makes refresh ServiceUnavailable', async () => {
    const grant = await happyGrant();
    netbank.bank.knobs.setMaintenance({ forced: true });
    failure(await client.auth.refresh(grant), 'ServiceUnavailable');
  });
});

describe('revoke', () => {
  test('logs out at the bank (the session is over) and forgets the cookies', async () => {
    const grant = await happyGrant();
    const stored = value(webNetbank.serializeGrant(grant));
    value(await client.auth.revoke(grant));
    expect(netbank.bank.requests({ operation: 'GET /logout' })).toHaveLength(1);
    // A copy of the grant kept elsewhere finds the bank session over: it would have to log in again.
    const elsewhere = clientFor(netbank, webNetbank);
    const before = logins();
    try {
      value(await collectPages(elsewhere.accounts(value(webNetbank.deserializeGrant(stored)))));
    } finally {
      await elsewhere.close();
    }
    expect(logins()).toBe(before + 1);
  });

  test('revoking a grant whose session had already ended succeeds', async () => {
    const grant = await happyGrant();
    netbank.bank.knobs.endSessions('happy');
    value(await client.auth.revoke(grant));
  });
});

describe('manifest and config', () => {
  test('the default connector: web-netbank, JP, credentials, the four challenges, booked statements, 400 days online', () => {
    const m = webNetbank.manifest;
    expect(manifestProblems(m)).toEqual([]);
    expect(m).toMatchObject({
      id: 'web-netbank',
      country: 'JP',
      timeZone: 'Asia/Tokyo',
      currency: 'JPY',
      authFlow: 'credentials',
      capabilities: { accounts: true, balances: false, transactions: ['booked'], branches: false, challenges: ['security', 'otp', 'captcha', 'puzzle'] },
      limits: { maxHistoryDays: 400, unattendedHistoryDays: 400, pageSize: 50 },
      dateFieldByKind: { booked: 'transactionDate' },
      allowedHosts: [WEB_NETBANK_PLACEHOLDER_HOST],
    });
  });

  test('one connector per bank: its own id, hosts and limits; the registry takes both', () => {
    const yokohama = defineWebNetbankConnector({
      id: 'netbank-0138',
      displayName: { ja: '横浜銀行', en: 'Bank of Yokohama', pl: 'Bank Jokohama' },
      allowedHosts: ['ib.example-bank.co.jp'],
      limits: { maxHistoryDays: 365, unattendedHistoryDays: 365 },
    });
    expect(yokohama.manifest).toMatchObject({ id: 'netbank-0138', allowedHosts: ['ib.example-bank.co.jp'], limits: { maxHistoryDays: 365, pageSize: 50 } });
    expect(createConnectorRegistry([webNetbank, yokohama]).ids).toEqual(['web-netbank', 'netbank-0138']);
  });

  test('the host of a baseUrl, for the app to allow', () => {
    expect(allowedHostsFor('https://ib.example-bank.co.jp')).toEqual(['ib.example-bank.co.jp']);
    expect(allowedHostsFor('http://127.0.0.1:43127')).toEqual(['127.0.0.1:43127']);
  });

  test.each([
    ['no stateKey', { baseUrl: 'https://ib.example-bank.co.jp' }],
    ['a short stateKey', { baseUrl: 'https://ib.example-bank.co.jp', stateKey: 'short' }],
    ['a baseUrl with a query', { baseUrl: 'https://ib.example-bank.co.jp/?x=1', stateKey: TEST_STATE_KEY }],
    ['a baseUrl that is no URL', { baseUrl: 'ib.example-bank.co.jp', stateKey: TEST_STATE_KEY }],
  ])('%s is refused when the client is created', (_what, config) => {
    expect(() => webNetbank.create({ config })).toThrow(ConnectorSetupError);
  });

  test('the bank’s host must be allowed: a client without it reaches nothing', async () => {
    const blind = webNetbank.create({ config: netbank.config });
    try {
      expect(failure(await logIn(blind, credentialsOf(netbank, 'happy')), 'PermanentError').code).toBe('host_not_allowed');
    } finally {
      await blind.close();
    }
  });
});
