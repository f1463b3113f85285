/**
 * The seed's three failure scenarios and the other refusals, as the typed errors the app maps
 * (errorOutcome): EXPIRED (401 CONSENT_EXPIRED → ConsentExpired), DEAUTHORIZED (deleteConsent,
 * then CONSENT_REVOKED → ConsentRevoked), ERROR (a vanished account → MissingAccount; a bank
 * error → BankResponse with status and content), expired or revoked tokens →
 * CredentialsInvalid — and no secret ever inside an error or an audit event.
 */
import { createServer, type Server } from 'node:http';
import { Redacted } from 'effect';
import { addDays, dateInZone } from '@kinko/domain';
import { collectPages, errorOutcome, type ConnectorError, type Grant, type HttpCallEvent } from '@kinko/connector-sdk';
import { manualClock, polishApiOperation, type ManualClock } from '@kinko/sandbox-bank';
import { polishApi, polishApiConsentInfo, type PolishApiGrant } from '../src';
import { CLIENT_ID, logIn, newTppKey, setFault, startPolishSandbox, type PolishSandbox } from './polish-sandbox';

const today = dateInZone(new Date(), 'Europe/Warsaw');
const window = { from: addDays(today, -30), to: addDays(today, -1) };

const errorOf = <T>(out: { ok: true; value: T } | { ok: false; error: ConnectorError }): ConnectorError => {
  if (out.ok) throw new Error('expected an error');
  return out.error;
};

const consentIdOf = (grant: Grant): string => polishApiConsentInfo(grant)?.consentId as string;

describe('consents', () => {
  let s: PolishSandbox;
  beforeEach(async () => {
    s = await startPolishSandbox({ type: 'transactions', kind: 'pending', window, count: 2 });
  });
  afterEach(() => s.close());

  it('EXPIRED: past scopeTimeLimit every call and every refresh is ConsentExpired (consent outcome expired)', async () => {
    const { client, grant } = await logIn(s, polishApi);
    s.sandbox.testHooks.expireConsent(consentIdOf(grant), CLIENT_ID);
    const accounts = errorOf(await collectPages(client.accounts(grant)));
    expect(accounts._tag).toBe('ConsentExpired');
    expect(errorOutcome(accounts)).toEqual({ scope: 'consent', consentStatus: 'expired' });
    expect(errorOf(await collectPages(client.transactions(grant, { bankAccountId: s.bankAccountId as string, kind: 'pending', window })))._tag).toBe('ConsentExpired');
    expect(errorOf(await client.auth.refresh(grant))._tag).toBe('ConsentExpired');
    await client.close();
  });

  it('DEAUTHORIZED: revoke deletes the consent at the bank (signed deleteConsent with its id); the grant is then ConsentRevoked', async () => {
    const { client, grant } = await logIn(s, polishApi);
    const consentId = consentIdOf(grant);
    expect(await client.auth.revoke(grant)).toEqual({ ok: true, value: undefined });
    expect(s.sandbox.testHooks.consent(consentId, CLIENT_ID)?.status).toBe('deleted');
    const call = s.sandbox.requests({ operation: polishApiOperation('deleteConsent') }).at(-1);
    expect([call?.status, call?.params?.consentId]).toEqual([204, consentId]);
    const after = errorOf(await collectPages(client.accounts(grant)));
    expect(after._tag).toBe('ConsentRevoked');
    expect(errorOutcome(after)).toEqual({ scope: 'consent', consentStatus: 'revokedByUser' });
    expect(errorOf(await client.auth.refresh(grant))._tag).toBe('ConsentRevoked');
    // deleteConsent is idempotent: disconnecting twice is fine.
    expect((await client.auth.revoke(grant)).ok).toBe(true);
    await client.close();
  });

  it('a consent id the bank does not know: revoke is a BankResponse carrying the bank body', async () => {
    const { client, grant } = await logIn(s, polishApi);
    const unknown = { ...(grant as unknown as PolishApiGrant), consentId: 'no-such-consent' } as unknown as Grant;
    const e = errorOf(await client.auth.revoke(unknown));
    expect(e).toMatchObject({ _tag: 'BankResponse', status: 400 });
    expect(e._tag === 'BankResponse' && e.content).toContain('VALIDATION_ERROR');
    await client.close();
  });
});

describe('accounts and bank errors', () => {
  let s: PolishSandbox;
  beforeAll(async () => {
    s = await startPolishSandbox({ type: 'transactions', kind: 'booked', window, count: 5 });
  });
  afterAll(() => s.close());
  afterEach(() => {
    s.sandbox.knobs.reset();
    setFault(s.sandbox, undefined);
  });

  it('an account the bank stops returning is left out of accounts, and its own calls are MissingAccount', async () => {
    const { client, grant } = await logIn(s, polishApi);
    const account = s.bankAccountId as string;
    const listed = await collectPages(client.accounts(grant));
    expect(listed.ok && listed.value.map((a) => a.bankAccountId)).toEqual([s.mainAccount, account]);
    s.sandbox.knobs.removeAccount(account);
    const now = await collectPages(client.accounts(grant));
    expect(now.ok && now.value.map((a) => a.bankAccountId)).toEqual([s.mainAccount]);
    for (const kind of ['booked', 'hold'] as const) {
      const e = errorOf(await collectPages(client.transactions(grant, { bankAccountId: account, kind, window })));
      expect(e).toMatchObject({ _tag: 'MissingAccount', bankAccountId: account });
      expect(errorOutcome(e)).toEqual({ scope: 'account', syncErrorType: 'missingAccount' });
    }
    expect(errorOf(await collectPages(client.balances(grant, { bankAccountId: account, window })))._tag).toBe('MissingAccount');
    await client.close();
  });

  it('a bank error is BankResponse with the status and the bank body as content; an account outside the consent too', async () => {
    const { client, grant } = await logIn(s, polishApi);
    // An account of someone else: 403 PRIVILEGE_NOT_GRANTED.
    const foreign = errorOf(await collectPages(client.transactions(grant, { bankAccountId: 'PL61109010140000071219812874', kind: 'booked', window })));
    expect(foreign).toMatchObject({ _tag: 'BankResponse', status: 403 });
    const body = JSON.parse(foreign._tag === 'BankResponse' ? foreign.content : '{}') as Record<string, unknown>;
    expect(body).toMatchObject({ code: 'PRIVILEGE_NOT_GRANTED' });
    expect(errorOutcome(foreign)).toEqual({ scope: 'account', syncErrorType: 'aspspResponse', aspspResponse: { status: '403', content: foreign._tag === 'BankResponse' ? foreign.content : '' } });
    // An injected 400: the spec's Error body comes back as content.
    setFault(s.sandbox, { type: 'status', status: 400, times: 1 });
    const bad = errorOf(await collectPages(client.transactions(grant, { bankAccountId: s.bankAccountId as string, kind: 'booked', window })));
    expect(bad).toMatchObject({ _tag: 'BankResponse', status: 400 });
    expect(bad._tag === 'BankResponse' && bad.content).toContain('"code":"HTTP_400"');
    await client.close();
  });

  it('accounts fetched, transactions not: a refused done list still gives today’s balance from the account’s details; a retryable refusal does not', async () => {
    const { client, grant } = await logIn(s, polishApi);
    const bankAccountId = s.bankAccountId as string;
    const recent = { from: addDays(today, -4), to: today };
    s.sandbox.knobs.faults.failNext(1, { type: 'status', status: 400 }, { operations: [polishApiOperation('getTransactionsDone')] });
    const balances = await collectPages(client.balances(grant, { bankAccountId, window: recent }));
    expect(balances.ok).toBe(true);
    const truth = s.sandbox.truth.accounts().find((a) => a.accountNumber === bankAccountId);
    expect(balances.ok && balances.value.map((b) => [b.date, b.balanceMinor.toString(), b.currency])).toEqual([[today, BigInt(truth?.bookingBalance.replace('.', '') ?? 'NaN').toString(), 'PLN']]);
    s.sandbox.knobs.faults.failNext(3, { type: 'status', status: 503 }, { operations: [polishApiOperation('getTransactionsDone')] });
    expect(errorOf(await collectPages(client.balances(grant, { bankAccountId, window: recent })))._tag).toBe('ServiceUnavailable');
    await client.close();
  });

  it('retryable statuses are the SDK\'s errors, not BankResponse; 501 is Unsupported', async () => {
    const { client, grant } = await logIn(s, polishApi);
    const bankAccountId = s.bankAccountId as string;
    setFault(s.sandbox, { type: 'status', status: 503, retryAfter: '120' });
    expect(errorOf(await collectPages(client.transactions(grant, { bankAccountId, kind: 'booked', window })))).toMatchObject({ _tag: 'ServiceUnavailable', retryAfterMs: 120_000 });
    setFault(s.sandbox, { type: 'status', status: 501, times: 1 });
    expect(errorOf(await collectPages(client.transactions(grant, { bankAccountId, kind: 'booked', window })))._tag).toBe('Unsupported');
    await client.close();
  });

  it('revoked tokens (the bank forces a new authorisation): a read is CredentialsInvalid (the app refreshes), the refresh the bank refuses (invalid_grant) ConsentExpired', async () => {
    const { client, grant } = await logIn(s, polishApi);
    s.sandbox.knobs.revokeAllTokens();
    const e = errorOf(await collectPages(client.accounts(grant)));
    expect(e._tag).toBe('CredentialsInvalid');
    expect(errorOutcome(e)).toEqual({ scope: 'connection', status: 'auth.creds.invalid' });
    const refused = errorOf(await client.auth.refresh(grant));
    expect(refused).toMatchObject({ _tag: 'ConsentExpired', httpStatus: 400 });
    expect(errorOutcome(refused)).toEqual({ scope: 'consent', consentStatus: 'expired' });
    await client.close();
  });
});

describe('expired access tokens', () => {
  let s: PolishSandbox;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = manualClock(new Date());
    s = await startPolishSandbox({ type: 'basic' }, { sandbox: { clock } });
  });
  afterAll(() => s.close());

  it('401 TOKEN_EXPIRED is CredentialsInvalid; the app refreshes and the new grant works', async () => {
    const { client, grant } = await logIn(s, polishApi);
    clock.advance(2 * 3_600_000);
    const e = errorOf(await collectPages(client.accounts(grant)));
    expect(e._tag).toBe('CredentialsInvalid');
    expect(e.message).toContain('TOKEN_EXPIRED');
    const renewed = await client.auth.refresh(grant);
    if (!renewed.ok) throw new Error(renewed.error.message);
    expect((await collectPages(client.accounts(renewed.value.grant))).ok).toBe(true);
    await client.close();
  });
});

describe('secrets never leak', () => {
  let server: Server;
  let url: string;
  const canaryAccess = 'canary-access-token-7f3a9c1e5b';
  const canaryRefresh = 'canary-refresh-token-2d8e4b6a0c';
  beforeAll(async () => {
    // A careless bank that echoes the token back in its error bodies, and answers garbage elsewhere.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        if (req.url?.endsWith('/getAccounts')) {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code: 'BAD_TOKEN', message: `token ${canaryAccess} is not valid here (Authorization: ${req.headers.authorization ?? ''})` }));
        } else if (req.url?.endsWith('/token')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ access_token: 42, refresh_token: canaryRefresh, expires_in: 'x' }));
        } else if (req.url?.endsWith('/getAccount')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(`{"account": {"accountNumber": "${canaryAccess}"`);
        } else {
          res.writeHead(401, { 'content-type': 'text/html' });
          res.end(`<html>${body}</html>`);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    url = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('the private key and the tokens appear in no error, no audit event and no printed grant', async () => {
    const key = newTppKey();
    const events: HttpCallEvent[] = [];
    const unexpected: unknown[] = [];
    const client = polishApi.create({
      config: { baseUrl: url, clientId: CLIENT_ID, signingKey: key.privateJwk },
      extraAllowedHosts: [new URL(url).host],
      onHttpCall: (e) => events.push(e),
      onUnexpected: (e) => unexpected.push(e),
    });
    const grant = {
      accessToken: Redacted.make(canaryAccess),
      refreshToken: Redacted.make(canaryRefresh),
      consentId: 'c-1',
      scaAt: new Date().toISOString(),
      consentExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      maxHistoryDays: 90,
    } as PolishApiGrant as unknown as Grant;
    const errors: ConnectorError[] = [
      errorOf(await collectPages(client.accounts(grant))),
      errorOf(await collectPages(client.balances(grant, { bankAccountId: 'PL00', window }))),
      errorOf(await collectPages(client.transactions(grant, { bankAccountId: 'PL00', kind: 'booked', window }))),
      errorOf(await client.auth.refresh(grant)),
      errorOf(await client.auth.revoke(grant)),
    ];
    expect(errors.map((e) => e._tag)).toEqual(['BankResponse', 'PermanentError', 'CredentialsInvalid', 'PermanentError', 'BankResponse']);
    // The echoed token is replaced in the bank's content.
    expect(errors[0]?._tag === 'BankResponse' && errors[0].content).toContain('<redacted>');
    const printed = JSON.stringify({ errors, events, grant, unexpected: unexpected.map(String), text: String(grant) }, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    for (const secret of [key.d, canaryAccess, canaryRefresh]) expect(printed).not.toContain(secret);
    expect(events.length).toBeGreaterThan(0);
    await client.close();
  });
});
