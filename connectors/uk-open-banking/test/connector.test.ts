// The connector against the UK Open Banking sandbox over loopback HTTP: the account-access
// consent (what it asks for, its statuses as the seed's consent outcomes), the authorisation
// (state, nonce, PKCE), the FAPI headers, the data mapped (decimal amounts with
// CreditDebitIndicator as GBP minor units, booked / pending / scheduled, current balances) and
// the OB error bodies as typed errors.
import { collectPages, createPkcePair, createState, type ConnectorClient, type Grant, type PsuContext } from '@kinko/connector-sdk';
import { addDays, dateInZone } from '@kinko/domain';
import { ukOpenBankingPersonaUsers } from '@kinko/sandbox-bank';
import { Redacted } from 'effect';
import { ukOpenBanking } from '../src';
import { startSandboxBank, type SandboxBank } from './sandbox/bank';
import { browserAtBank } from './sandbox/kit';

const redirectUri = 'https://kinko.invalid/api/v2/connect/callback';
const today = dateInZone(new Date(), 'Europe/London');
const users = ukOpenBankingPersonaUsers(today);
let clock = Date.now();
let bank: SandboxBank;
let client: ConnectorClient;

beforeAll(async () => {
  bank = await startSandboxBank({ clientId: 'kinko', clientSecret: 'secret', users, redirectUris: [redirectUri], now: () => clock });
  client = ukOpenBanking.create({ config: { baseUrl: bank.baseUrl, clientId: 'kinko', clientSecret: 'secret' }, extraAllowedHosts: [bank.host], http: { retry: { maxAttempts: 1 } } });
});
afterAll(async () => {
  await client?.close();
  await bank?.close();
});

const present: PsuContext = { userPresent: true, ipAddress: '203.0.113.7', userAgent: 'Mozilla/5.0 (test)' };

/** begin → the bank's page → complete; the flow's pieces for the tests that tamper with one. */
async function authorise(login: string, options: { decision?: 'allow' | 'deny'; flowState?: (s: string) => string } = {}) {
  const pkce = createPkcePair();
  const state = createState();
  const begun = await client.auth.begin({ redirectUri, state, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', psu: present });
  if (!begun.ok || begun.value.type !== 'redirect') throw new Error('begin failed');
  const consentId = (JSON.parse(begun.value.flowState ?? '{}') as { consentId: string }).consentId;
  const back = await browserAtBank(begun.value.url, login, 'sandbox', options.decision);
  const flowState = options.flowState ? options.flowState(begun.value.flowState ?? '') : (begun.value.flowState ?? '');
  const done = await client.auth.complete({ type: 'redirect', callbackParams: back, redirectUri, codeVerifier: pkce.verifier, flowState: Redacted.make(flowState), psu: present });
  return { begun: begun.value, back, state, consentId, done };
}
async function grantOf(login: string): Promise<{ grant: Grant; consentId: string }> {
  const { done, consentId } = await authorise(login);
  if (!done.ok || done.value.type !== 'granted') throw new Error(`complete failed: ${JSON.stringify(done)}`);
  return { grant: done.value.grant, consentId };
}

describe('the account-access consent', () => {
  it('begin posts the consent (Permissions, ExpirationDateTime, TransactionFromDateTime/ToDateTime) and sends the browser to /authorize with it, state, nonce and PKCE S256', async () => {
    const mark = bank.answers.length;
    const { begun, back, state, consentId, done } = await authorise('oliver');
    const created = bank.answers.slice(mark).find((a) => a.method === 'POST' && a.path === '/account-access-consents');
    const data = (created?.body as { Data: Record<string, unknown> }).Data;
    expect(created?.status).toBe(201);
    expect(data.Permissions).toEqual(['ReadAccountsDetail', 'ReadBalances', 'ReadTransactionsDetail', 'ReadTransactionsCredits', 'ReadTransactionsDebits', 'ReadScheduledPaymentsDetail']);
    expect(Date.parse(data.ExpirationDateTime as string) - Date.now()).toBeGreaterThan(89 * 86_400_000);
    expect(data.TransactionFromDateTime).toBe(`${addDays(today, -730)}T00:00:00Z`);
    expect(Date.parse(data.TransactionToDateTime as string)).toBeGreaterThan(Date.now());
    const asked = new URL(begun.url).searchParams;
    expect(Object.fromEntries(asked)).toEqual(
      expect.objectContaining({ response_type: 'code', client_id: 'kinko', redirect_uri: redirectUri, state, code_challenge_method: 'S256', openbanking_intent_id: consentId }),
    );
    expect(asked.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(back.state).toBe(state);
    // After the user allowed it: AUTH at the bank, granted here with the consent's facts.
    expect(bank.consentStatus(consentId)).toBe('AUTH');
    expect(done.ok && done.value.type === 'granted').toBe(true);
    if (done.ok && done.value.type === 'granted') {
      const facts = ukOpenBanking.consentFacts(done.value.grant);
      expect(facts?.validUntil?.toISOString()).toBe(new Date(data.ExpirationDateTime as string).toISOString());
      expect(facts?.lastScaAt).toBeInstanceOf(Date);
    }
  });

  it('a consent the user rejects at the bank (RJCT) is CredentialsInvalid', async () => {
    const { done, consentId } = await authorise('rachel');
    expect(done.ok ? done.value : done.error._tag).toBe('CredentialsInvalid');
    expect(bank.consentStatus(consentId)).toBe('RJCT');
    const denied = await authorise('oliver', { decision: 'deny' });
    expect(denied.done.ok ? denied.done.value : denied.done.error._tag).toBe('CredentialsInvalid');
  });

  it('an id_token whose nonce is not the flow’s is refused (PermanentError id_token), no grant', async () => {
    const { done } = await authorise('oliver', { flowState: (s) => JSON.stringify({ ...(JSON.parse(s) as object), nonce: 'another-nonce' }) });
    expect(done.ok ? done.value : { tag: done.error._tag, code: 'code' in done.error ? done.error.code : undefined }).toEqual({ tag: 'PermanentError', code: 'id_token' });
  });

  it('a consent the user revoked at the bank (CANC) is ConsentRevoked, for data and refresh', async () => {
    const { grant } = await grantOf('victor');
    expect((await collectPages(client.accounts(grant))).ok).toBe(true);
    clock += 61_000; // victor revokes it a minute after authorising
    try {
      const accounts = await collectPages(client.accounts(grant));
      expect(accounts.ok ? 'ok' : accounts.error._tag).toBe('ConsentRevoked');
      const refreshed = await client.auth.refresh(grant);
      expect(refreshed.ok ? 'ok' : refreshed.error._tag).toBe('ConsentRevoked');
    } finally {
      clock = Date.now();
    }
  });

  it('a consent past its ExpirationDateTime (EXPD) is ConsentExpired, for data and refresh', async () => {
    const { grant, consentId } = await grantOf('edith');
    clock += 61_000; // the bank gave edith's consent one minute
    try {
      expect(bank.consentStatus(consentId)).toBe('EXPD');
      const balance = await client.currentBalances(grant, { bankAccountId: 'edith-current' });
      expect(balance.ok ? 'ok' : balance.error._tag).toBe('ConsentExpired');
      const refreshed = await client.auth.refresh(grant);
      expect(refreshed.ok ? 'ok' : refreshed.error._tag).toBe('ConsentExpired');
    } finally {
      clock = Date.now();
    }
  });

  it('revoke deletes the consent (CANC at the bank); its grant then reads ConsentRevoked', async () => {
    const { grant, consentId } = await grantOf('oliver');
    expect((await client.auth.revoke(grant)).ok).toBe(true);
    expect(bank.consentStatus(consentId)).toBe('CANC');
    const accounts = await collectPages(client.accounts(grant));
    expect(accounts.ok ? 'ok' : accounts.error._tag).toBe('ConsentRevoked');
  });
});

describe('data', () => {
  let grant: Grant;
  const oliver = users.find((u) => u.username === 'oliver')!;
  const current = oliver.accounts[0]!;
  beforeAll(async () => {
    grant = (await grantOf('oliver')).grant;
  });

  it('lists the accounts (nickname, sort code and account number, type, holder)', async () => {
    const accounts = await collectPages(client.accounts(grant));
    expect(accounts.ok && accounts.value).toEqual([
      { bankAccountId: 'oliver-current', number: '40400411112222', name: 'Current Account', type: 'current', currency: 'GBP', bankAccountType: 'CACC', ownerType: 'personal', holderName: 'Sandbox Customer' },
      expect.objectContaining({ bankAccountId: 'oliver-saver', type: 'savings' }),
    ]);
  });

  it('sends x-fapi-interaction-id on every call, which the bank echoes; the PSU’s address and agent only while present', async () => {
    const mark = bank.requests.length;
    await collectPages(client.accounts(grant, { psu: present }));
    await collectPages(client.accounts(grant, { psu: { userPresent: false } }));
    const [withUser, without] = bank.requests.slice(mark);
    expect(withUser?.headers).toEqual(expect.objectContaining({ 'x-fapi-customer-ip-address': '203.0.113.7', 'x-customer-user-agent': 'Mozilla/5.0 (test)', 'x-fapi-auth-date': expect.stringMatching(/ GMT$/) }));
    expect(without?.headers['x-fapi-customer-ip-address']).toBeUndefined();
    const ids = bank.requests.slice(mark).map((r) => r.headers['x-fapi-interaction-id']);
    expect(ids.every((id) => /^[0-9a-f-]{36}$/.test(id ?? ''))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(bank.answers.filter((a) => ids.includes(a.interactionId ?? '')).length).toBe(ids.length);
  });

  it('reads the current balance: ITBD booked, ITAV available, as signed GBP minor units dated in Europe/London', async () => {
    const balance = await client.currentBalances(grant, { bankAccountId: current.accountId });
    expect(balance.ok && balance.value).toEqual({ currency: 'GBP', referenceDate: today, bookedMinor: BigInt(current.bookedBalanceMinor), availableMinor: BigInt(current.availableBalanceMinor) });
  });

  it('reads booked transactions over several Links.Next pages: decimal amounts with CreditDebitIndicator as signed pence, the window sent as fromBookingDateTime/toBookingDateTime on every page', async () => {
    const window = { from: addDays(today, -120), to: today };
    const mark = bank.requests.length;
    const booked = await collectPages(client.transactions(grant, { bankAccountId: current.accountId, kind: 'booked', window }));
    if (!booked.ok) throw new Error(booked.error.message);
    const expected = current.transactions.filter((t) => t.status === 'BOOK');
    expect(booked.value.length).toBe(expected.length);
    const sent = bank.requests.slice(mark);
    expect(sent.length).toBe(Math.ceil(current.transactions.length / 100));
    for (const r of sent) expect(r.query).toEqual(expect.objectContaining({ fromBookingDateTime: `${window.from}T00:00:00`, toBookingDateTime: `${window.to}T23:59:59` }));
    const salary = booked.value.find((t) => t.description === 'SALARY KINKO LTD');
    expect(salary).toEqual(expect.objectContaining({ kind: 'booked', amountMinor: 265_000n, currency: 'GBP' }));
    const first = expected[0]!;
    expect(booked.value[0]).toEqual({
      bankTransactionId: `booked:${first.transactionId}`,
      kind: 'booked',
      transactionDate: first.bookingDate,
      bookingDate: first.bookingDate,
      amountMinor: BigInt(first.amountMinor),
      currency: 'GBP',
      description: first.information,
      bankReference: first.reference,
      balanceAfterMinor: BigInt(first.balanceAfterMinor ?? 0),
    });
    expect(first.amountMinor).toBeLessThan(0);
  });

  it('reads pending items (Status PDNG) apart from booked ones', async () => {
    const pending = await collectPages(client.transactions(grant, { bankAccountId: current.accountId, kind: 'pending', window: { from: addDays(today, -7), to: today } }));
    expect(pending.ok && pending.value.map((t) => [t.bankTransactionId, t.amountMinor])).toEqual([
      ['pending:oliver-p-1', -2_499n],
      ['pending:oliver-p-2', -1_250n],
    ]);
  });

  it('reads scheduled payments (GET /scheduled-payments) as the scheduled kind, within the window by execution day, debited', async () => {
    const scheduled = await collectPages(client.transactions(grant, { bankAccountId: current.accountId, kind: 'scheduled', window: { from: today, to: addDays(today, 30) } }));
    expect(scheduled.ok && scheduled.value).toEqual([
      { bankTransactionId: 'scheduled:oliver-sp-1', kind: 'scheduled', transactionDate: addDays(today, 3), amountMinor: -95_000n, currency: 'GBP', description: 'RENT', bankReference: 'RENT', counterpartyName: 'Acme Lettings' },
      expect.objectContaining({ bankTransactionId: 'scheduled:oliver-sp-2', amountMinor: -4_500n }),
    ]);
  });

  it('an AccountId the consent does not cover (400 U003) is MissingAccount naming the interaction', async () => {
    const out = await collectPages(client.transactions(grant, { bankAccountId: 'nobody', kind: 'booked', window: { from: today, to: today } }));
    expect(out.ok ? 'ok' : { tag: out.error._tag, account: 'bankAccountId' in out.error ? out.error.bankAccountId : undefined }).toEqual({ tag: 'MissingAccount', account: 'nobody' });
    expect(out.ok ? '' : out.error.message).toMatch(/400 U003 \(x-fapi-interaction-id [0-9a-f-]{36}, error Id /);
  });

  it('an account the bank refuses (403 OBErrorResponse1, the consent still AUTH) is BankResponse 403 with the body, redacted; the other account reads', async () => {
    const fiona = (await grantOf('fiona')).grant;
    const broken = await collectPages(client.transactions(fiona, { bankAccountId: 'fiona-broken', kind: 'booked', window: { from: addDays(today, -5), to: today } }));
    expect(broken.ok ? 'ok' : { tag: broken.error._tag, status: 'status' in broken.error ? broken.error.status : undefined }).toEqual({ tag: 'BankResponse', status: 403 });
    expect(broken.ok ? '' : 'content' in broken.error ? broken.error.content : '').toContain('"ErrorCode":"U012"');
    const fine = await collectPages(client.transactions(fiona, { bankAccountId: 'fiona-current', kind: 'booked', window: { from: addDays(today, -5), to: today } }));
    expect(fine.ok && fine.value.length).toBe(10);
  });

  it('a bank answering 500 (OBErrorResponse1) is TemporaryError', async () => {
    bank.setFault({ type: 'status', status: 500, times: 1 });
    const out = await client.currentBalances(grant, { bankAccountId: current.accountId });
    expect(out.ok ? 'ok' : out.error._tag).toBe('TemporaryError');
  });
});
