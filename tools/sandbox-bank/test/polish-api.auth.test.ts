/**
 * The PolishAPI sandbox's authorization server over real HTTP: the OAuth redirect with the
 * PSU's login, SCA and approval pages (and the test hook doing the same), the token
 * endpoint with scope_details, refresh rotation, consent expiry and deletion, and the
 * detached JWS every request must carry.
 */
import { randomUUID } from 'node:crypto';
import { flattenedVerify, base64url } from 'jose';
import { DEMO_POLISH_API_CLIENT_ID, POLISH_API_ERRORS, demoPolishApiBank, demoPolishApiTppKey, manualClock, signDetachedJws, startPolishApiSandbox } from '../src';
import { CLIENT_ID, REDIRECT_URI, Tpp, consentTokens, startTestBank, tppKey, type Answer, type TestBank } from './polish-api-support';

let bank: TestBank;
beforeAll(async () => {
  bank = await startTestBank();
});
afterAll(() => bank.sandbox.close());

const code = (a: Answer): unknown => a.body['code'];
const jan = (): string[] => bank.sandbox.truth.accounts('jan').map((a) => a.accountNumber);

/** Posts a PSU form the way a browser does. */
async function form(fields: Record<string, string | string[]>): Promise<Response> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const value of Array.isArray(v) ? v : [v]) body.append(k, value);
  return fetch(new URL('/psu/authorize', bank.sandbox.url), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });
}

describe('authorize: the OAuth redirect with SCA', () => {
  it('walks login → SMS code → consent screen and redirects to redirect_uri with code and state', async () => {
    const authorize = await bank.tpp.authorize('html-1', { days: 731 });
    expect(authorize.status).toBe(200);
    const uri = authorize.body['aspspRedirectUri'] as string;
    expect(uri.startsWith(`${bank.sandbox.url}/psu/authorize?flow=`)).toBe(true);
    const flow = new URL(uri).searchParams.get('flow') as string;

    const login = await fetch(uri);
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('ING Bank Śląski S.A.');

    const wrong = await form({ flow, stage: 'login', action: 'login', login: 'jan', password: 'nope' });
    expect(wrong.status).toBe(401);
    const sca = await form({ flow, stage: 'login', action: 'login', login: 'jan', password: 'haslo-jana' });
    expect(sca.status).toBe(200);
    expect(await sca.text()).toContain('Kod SMS');
    expect((await form({ flow, stage: 'sca', action: 'sca', code: '000000' })).status).toBe(401);
    const consent = await form({ flow, stage: 'sca', action: 'sca', code: '123456' });
    const screen = await consent.text();
    for (const iban of jan()) expect(screen).toContain(iban);
    expect(screen).toContain('Kinko Test TPP');

    const [first] = jan();
    const ewas = bank.sandbox.truth.accounts('ewa')[0]?.accountNumber as string;
    // Ticking another PSU's account in a tampered form grants nothing of it.
    const back = await form({ flow, stage: 'consent', action: 'approve', account: [first as string, ewas] });
    expect(back.status).toBe(302);
    const location = new URL(back.headers.get('location') as string);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe('state-html-1');

    const token = await bank.tpp.exchange(location.searchParams.get('code') as string);
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({ token_type: 'Bearer', expires_in: '3600', scope: 'ais' });
    const details = token.body['scope_details'] as { consentId: string; throttlingPolicy: string; scopeTimeLimit: string; privilegeList: Array<Record<string, unknown>> };
    expect(details.consentId).toBe('html-1');
    expect(details.throttlingPolicy).toBe('psd2Regulatory');
    expect(Date.parse(details.scopeTimeLimit)).toBe(Date.parse('2020-12-01T00:00:00+01:00'));
    // Only the account the PSU ticked is granted, with the requested history.
    const perAccount = details.privilegeList.filter((p) => 'accountNumber' in p);
    expect(perAccount.map((p) => p['accountNumber'])).toEqual([first]);
    expect(perAccount[0]?.['ais:getTransactionsDone']).toEqual({ scopeUsageLimit: 'multiple', maxAllowedHistoryLong: 731 });
    expect(perAccount[0]?.['ais:getTransactionDetail']).toEqual({ scopeUsageLimit: 'multiple' });
    expect(details.privilegeList).toContainEqual({ 'ais-accounts:getAccounts': { scopeUsageLimit: 'multiple' } });
    expect(bank.sandbox.testHooks.consent('html-1')).toMatchObject({ status: 'valid', login: 'jan', listAccounts: true });
  });

  it('redirects with error=access_denied when the PSU rejects, and the consent is rejected', async () => {
    const authorize = await bank.tpp.authorize('html-2');
    const flow = new URL(authorize.body['aspspRedirectUri'] as string).searchParams.get('flow') as string;
    await form({ flow, stage: 'login', action: 'login', login: 'ewa', password: 'haslo-ewy' });
    await form({ flow, stage: 'sca', action: 'sca', code: '654321' });
    const back = await form({ flow, stage: 'consent', action: 'reject' });
    const location = new URL(back.headers.get('location') as string);
    expect(Object.fromEntries(location.searchParams)).toEqual({ error: 'access_denied', state: 'state-html-2' });
    expect(bank.sandbox.testHooks.consent('html-2')?.status).toBe('rejected');
    // The flow is over: its page is gone.
    expect((await fetch(authorize.body['aspspRedirectUri'] as string)).status).toBe(400);
  });

  it('the test hook approves without HTML, for the accounts asked', async () => {
    const authorize = await bank.tpp.authorize('hook-1');
    const [, second] = jan();
    const redirect = bank.sandbox.testHooks.approveConsent(authorize.body['aspspRedirectUri'] as string, { user: 'jan', accounts: [second as string] });
    expect(redirect.state).toBe('state-hook-1');
    expect(redirect.location).toBe(`${REDIRECT_URI}?code=${encodeURIComponent(redirect.code as string)}&state=state-hook-1`);
    expect(Object.keys(bank.sandbox.testHooks.consent('hook-1')?.accounts ?? {})).toEqual([second]);
  });

  it('refuses what RFC 6749 and the spec forbid', async () => {
    const tpp = bank.tpp;
    const bad = (overrides: Record<string, unknown>, details: Record<string, unknown> = {}) =>
      tpp.call('authorize', {
        response_type: 'code',
        client_id: CLIENT_ID,
        redirect_uri: REDIRECT_URI,
        scope: 'ais',
        state: 's',
        scope_details: { consentId: randomUUID(), scopeGroupType: 'ais', scopeTimeLimit: '2020-09-01T00:00:00Z', throttlingPolicy: 'psd2Regulatory', privilegeList: [{ 'ais:getAccount': {} }], ...details },
        ...overrides,
      });
    expect(code(await bad({ redirect_uri: 'https://evil.example/callback' }))).toBe('INVALID_REDIRECT_URI');
    expect(code(await bad({ redirect_uri: `${REDIRECT_URI}/` }))).toBe('INVALID_REDIRECT_URI');
    expect(code(await bad({ client_id: 'someone-else' }))).toBe('VALIDATION_ERROR');
    expect(code(await bad({ response_type: 'token' }))).toBe('VALIDATION_ERROR');
    expect(code(await bad({}, { scopeTimeLimit: '2020-05-31T00:00:00Z' }))).toBe('INVALID_SCOPE_TIME_LIMIT');
    expect(code(await bad({}, { privilegeList: [{ 'ais:getTransactionsDone': { maxAllowedHistoryLong: 1461 } }] }))).toBe('VALIDATION_ERROR');
    expect(code(await bad({}, { privilegeList: [{ 'ais:getTransactionsDone': { scopeUsageLimit: 'multiple' } }] }))).toBe('VALIDATION_ERROR');
    expect((await bad({ scope: 'pis' }, { scopeGroupType: 'pis' })).status).toBe(501);
    const first = await bad({}, { consentId: 'dup-1' });
    expect(first.status).toBe(200);
    const again = await bad({}, { consentId: 'dup-1' });
    expect([again.status, code(again)]).toEqual([422, 'CONSENT_ID_IN_USE']);
  });
});

describe('token: codes, refresh, expiry, deletion', () => {
  it('a code works once, only with its redirect_uri', async () => {
    const authorize = await bank.tpp.authorize('code-1');
    const redirect = bank.sandbox.testHooks.approveConsent(authorize.body['aspspRedirectUri'] as string, { user: 'jan' });
    const wrongUri = await bank.tpp.call('token', { grant_type: 'authorization_code', Code: redirect.code, redirect_uri: 'https://tpp.example/other', client_id: CLIENT_ID });
    expect([wrongUri.status, code(wrongUri)]).toEqual([400, 'INVALID_GRANT']);
    // The failed attempt consumed the code (RFC 6749: a code is single use).
    expect(code(await bank.tpp.exchange(redirect.code as string))).toBe('INVALID_GRANT');

    const second = bank.sandbox.testHooks.approveConsent((await bank.tpp.authorize('code-2')).body['aspspRedirectUri'] as string, { user: 'jan' });
    expect((await bank.tpp.exchange(second.code as string)).status).toBe(200);
    expect(code(await bank.tpp.exchange(second.code as string))).toBe('INVALID_GRANT');
  });

  it('codes expire after their lifetime', async () => {
    const authorize = await bank.tpp.authorize('code-3');
    const redirect = bank.sandbox.testHooks.approveConsent(authorize.body['aspspRedirectUri'] as string, { user: 'jan' });
    bank.clock.advance(301_000);
    expect(code(await bank.tpp.exchange(redirect.code as string))).toBe('INVALID_GRANT');
  });

  it('refresh rotates: a new pair, the old refresh token is dead, the new access token works', async () => {
    const { accessToken, refreshToken } = await consentTokens(bank, 'refresh-1');
    const refreshed = await bank.tpp.refresh(refreshToken);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body['refresh_token']).not.toBe(refreshToken);
    expect((refreshed.body['scope_details'] as { consentId: string }).consentId).toBe('refresh-1');
    expect(code(await bank.tpp.refresh(refreshToken))).toBe('INVALID_GRANT');
    const newToken = refreshed.body['access_token'] as string;
    expect((await bank.tpp.call('getAccounts', {}, { token: newToken })).status).toBe(200);
    // The old access token lives until its own expiry.
    expect((await bank.tpp.call('getAccounts', {}, { token: accessToken })).status).toBe(200);
  });

  it('an expired access token answers 401 TOKEN_EXPIRED and the refresh token gets a new one', async () => {
    const { accessToken, refreshToken } = await consentTokens(bank, 'expiry-1');
    bank.clock.advance(3_601_000);
    const answer = await bank.tpp.call('getAccounts', {}, { token: accessToken });
    expect([answer.status, code(answer)]).toEqual([401, 'TOKEN_EXPIRED']);
    const refreshed = await bank.tpp.refresh(refreshToken);
    expect((await bank.tpp.call('getAccounts', {}, { token: refreshed.body['access_token'] as string })).status).toBe(200);
  });

  it('a consent stops at its scopeTimeLimit: every token dies (401 CONSENT_EXPIRED)', async () => {
    const at = new Date(bank.clock().getTime() + 2 * 3_600_000).toISOString();
    const { accessToken, refreshToken, body } = await consentTokens(bank, 'expiry-2', { validUntil: at });
    // The access token never outlives its consent.
    expect(Number(body['expires_in'])).toBeLessThanOrEqual(3_600);
    bank.clock.advance(1_800_000);
    const refreshed = await bank.tpp.refresh(refreshToken);
    expect(refreshed.status).toBe(200);
    bank.clock.set(new Date(Date.parse(at) + 1_000));
    for (const t of [accessToken, refreshed.body['access_token'] as string]) {
      const answer = await bank.tpp.call('getAccounts', {}, { token: t });
      expect([answer.status, code(answer)]).toEqual([401, 'CONSENT_EXPIRED']);
    }
    const late = await bank.tpp.refresh(refreshed.body['refresh_token'] as string);
    expect([late.status, code(late)]).toEqual([401, 'CONSENT_EXPIRED']);
    expect(bank.sandbox.testHooks.consent('expiry-2')?.status).toBe('expired');
  });

  it('expireConsent ends a consent at once', async () => {
    const { accessToken } = await consentTokens(bank, 'expiry-3');
    bank.sandbox.testHooks.expireConsent('expiry-3');
    expect(code(await bank.tpp.call('getAccounts', {}, { token: accessToken }))).toBe('CONSENT_EXPIRED');
  });

  it('deleteConsent (signed, no token) revokes the consent: later calls and refreshes are refused', async () => {
    const { accessToken, refreshToken } = await consentTokens(bank, 'delete-1');
    const iban = jan()[0] as string;
    expect((await bank.tpp.call('getAccount', { accountNumber: iban }, { token: accessToken })).status).toBe(200);
    const deleted = await bank.tpp.call('deleteConsent', { consentId: 'delete-1' });
    expect([deleted.status, deleted.text]).toEqual([204, '']);
    for (const op of ['getAccount', 'getTransactionsDone', 'getHolds'] as const) {
      const answer = await bank.tpp.call(op, { accountNumber: iban }, { token: accessToken });
      expect([op, answer.status, code(answer)]).toEqual([op, 401, 'CONSENT_REVOKED']);
    }
    expect(code(await bank.tpp.refresh(refreshToken))).toBe('CONSENT_REVOKED');
    expect(bank.sandbox.testHooks.consent('delete-1')?.status).toBe('deleted');
    // Deleting again is harmless; an unknown consent is a bad request.
    expect((await bank.tpp.call('deleteConsent', { consentId: 'delete-1' })).status).toBe(204);
    expect(code(await bank.tpp.call('deleteConsent', { consentId: 'never-was' }))).toBe('VALIDATION_ERROR');
  });

  it('revokeAllTokens forces a new authorization', async () => {
    const other = await startTestBank();
    try {
      const { accessToken, refreshToken } = await consentTokens(other, 'revoke-1');
      other.sandbox.knobs.revokeAllTokens();
      expect(code(await other.tpp.call('getAccounts', {}, { token: accessToken }))).toBe('TOKEN_INVALID');
      expect(code(await other.tpp.refresh(refreshToken))).toBe('INVALID_GRANT');
    } finally {
      await other.sandbox.close();
    }
  });
});

describe('privileges', () => {
  it('an ais-accounts consent lists every account but opens none', async () => {
    const { accessToken } = await consentTokens(bank, 'accounts-only', { scope: 'ais-accounts' });
    const list = await bank.tpp.call('getAccounts', {}, { token: accessToken });
    expect((list.body['accounts'] as Array<{ accountNumber: string }>).map((a) => a.accountNumber)).toEqual(jan());
    const denied = await bank.tpp.call('getAccount', { accountNumber: jan()[0] }, { token: accessToken });
    expect([denied.status, code(denied)]).toEqual([403, 'PRIVILEGE_NOT_GRANTED']);
  });

  it('an account outside the consent, or of another PSU, is 403', async () => {
    const [first, second] = jan();
    const { accessToken } = await consentTokens(bank, 'one-account', { accounts: [first as string] });
    expect(code(await bank.tpp.call('getTransactionsDone', { accountNumber: second }, { token: accessToken }))).toBe('PRIVILEGE_NOT_GRANTED');
    const ewa = bank.sandbox.truth.accounts('ewa')[0]?.accountNumber;
    expect(code(await bank.tpp.call('getAccount', { accountNumber: ewa }, { token: accessToken }))).toBe('PRIVILEGE_NOT_GRANTED');
    // The same account written as a bare NRB with spaces is the same account.
    const nrb = (first as string).slice(2).replace(/(.{4})/g, '$1 ');
    expect((await bank.tpp.call('getAccount', { accountNumber: nrb }, { token: accessToken })).status).toBe(200);
  });

  it('a single-use privilege serves one listing (all its pages) and then 403 USAGE_LIMIT_EXCEEDED', async () => {
    const iban = jan()[0] as string;
    const { accessToken } = await consentTokens(bank, 'single-1', { usage: 'single' });
    const filters = { accountNumber: iban, transactionDateFrom: '2020-03-15', perPage: 10 };
    const first = await bank.tpp.call('getTransactionsDone', filters, { token: accessToken });
    const nextPage = (first.body['pageInfo'] as { nextPage: string }).nextPage;
    expect((await bank.tpp.call('getTransactionsDone', { ...filters, pageId: nextPage }, { token: accessToken })).status).toBe(200);
    const again = await bank.tpp.call('getTransactionsDone', filters, { token: accessToken });
    expect([again.status, code(again)]).toEqual([403, 'USAGE_LIMIT_EXCEEDED']);
  });

  it('the Authorization header and requestHeader.token must both carry the access token', async () => {
    const { accessToken } = await consentTokens(bank, 'token-check');
    const missing = await bank.tpp.call('getAccounts', { requestHeader: { token: accessToken } });
    expect([missing.status, code(missing)]).toEqual([401, 'TOKEN_INVALID']);
    const mismatch = await bank.tpp.call('getAccounts', { requestHeader: { token: 'other' } }, { token: accessToken });
    expect([mismatch.status, code(mismatch)]).toEqual([401, 'TOKEN_INVALID']);
    const otherRequestId = await bank.tpp.call('getAccounts', { requestHeader: { requestId: randomUUID() } }, { token: accessToken });
    expect([otherRequestId.status, code(otherRequestId)]).toEqual([400, 'INVALID_REQUEST_ID']);
    const direct = await bank.tpp.call('getAccounts', { requestHeader: { isDirectPsu: true } }, { token: accessToken });
    expect([direct.status, code(direct)]).toEqual([400, 'VALIDATION_ERROR']);
  });
});

describe('X-JWS-SIGNATURE', () => {
  let token: string;
  let iban: string;
  beforeAll(async () => {
    token = (await consentTokens(bank, 'jws-1')).accessToken;
    iban = jan()[0] as string;
  });

  it('accepts the RFC 7515 detached form and the RFC 7797 b64=false form', async () => {
    expect((await bank.tpp.call('getAccount', { accountNumber: iban }, { token })).status).toBe(200);
    expect((await bank.tpp.call('getAccount', { accountNumber: iban }, { token, signing: 'b64-false' })).status).toBe(200);
  });

  it('refuses a missing or malformed header with 400 and a bad signature with 422', async () => {
    const missing = await bank.tpp.call('getAccount', { accountNumber: iban }, { token, signing: 'none' });
    expect([missing.status, code(missing)]).toEqual([400, 'MISSING_SIGNATURE']);
    const compact = await bank.tpp.call('getAccount', { accountNumber: iban }, { token, signing: { header: 'a.b.c' } });
    expect([compact.status, code(compact)]).toEqual([400, 'MISSING_SIGNATURE']);
    // The body was changed after signing.
    const altered = await bank.tpp.call('getAccount', { accountNumber: iban }, { token, signedText: JSON.stringify({ accountNumber: iban }) });
    expect([altered.status, code(altered)]).toEqual([POLISH_API_ERRORS.INVALID_SIGNATURE, 'INVALID_SIGNATURE']);
    // Signed by another key under the registered kid.
    const impostor = new Tpp(bank.sandbox.url, await tppKey(CLIENT_ID));
    expect(code(await impostor.call('getAccount', { accountNumber: iban }, { token }))).toBe('INVALID_SIGNATURE');
    // An unregistered kid.
    const stranger = new Tpp(bank.sandbox.url, await tppKey('unknown-tpp'));
    expect(code(await stranger.call('getAccount', { accountNumber: iban }, { token }))).toBe('INVALID_SIGNATURE');
    // alg "none" and HMAC are never accepted.
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', kid: CLIENT_ID }))}..AAAA`;
    expect(code(await bank.tpp.call('getAccount', { accountNumber: iban }, { token, signing: { header: none } }))).toBe('INVALID_SIGNATURE');
    const hmac = await signDetachedJws('{}', new TextEncoder().encode('a shared secret of thirty-two bytes!') as never, { alg: 'HS256', kid: CLIENT_ID });
    expect(code(await bank.tpp.call('getAccount', { accountNumber: iban }, { token, signing: { header: hmac } }))).toBe('INVALID_SIGNATURE');
    // b64=false without crit is not RFC 7797.
    const noCrit = `${base64url.encode(JSON.stringify({ alg: 'ES256', kid: CLIENT_ID, b64: false }))}..AAAA`;
    expect(code(await bank.tpp.call('getAccount', { accountNumber: iban }, { token, signing: { header: noCrit } }))).toBe('INVALID_SIGNATURE');
  });

  it('replaceClientKey: the key on file changes, the client’s own signatures are refused until reset', async () => {
    const other = await tppKey(CLIENT_ID);
    // A signature verified before the change must not be served from a cached key afterwards.
    expect((await bank.tpp.call('getAccount', { accountNumber: iban }, { token })).status).toBe(200);
    bank.sandbox.knobs.replaceClientKey(CLIENT_ID, other.publicJwk);
    try {
      const refused = await bank.tpp.call('getAccount', { accountNumber: iban }, { token });
      expect([refused.status, code(refused)]).toEqual([POLISH_API_ERRORS.INVALID_SIGNATURE, 'INVALID_SIGNATURE']);
      // The holder of the key now on file is accepted.
      expect((await new Tpp(bank.sandbox.url, other).call('getAccount', { accountNumber: iban }, { token })).status).toBe(200);
      expect(() => bank.sandbox.knobs.replaceClientKey('nobody', other.publicJwk)).toThrow('no client nobody');
    } finally {
      bank.sandbox.knobs.reset();
    }
    expect((await bank.tpp.call('getAccount', { accountNumber: iban }, { token })).status).toBe(200);
  });

  it('verifies RSA clients (RS256, PS256) by their registered key', async () => {
    const rs = await tppKey('rsa-tpp', 'RS256');
    const ps = await tppKey('pss-tpp', 'PS256');
    const clock = manualClock('2020-06-01T10:00:00+02:00');
    const sandbox = await startPolishApiSandbox({
      seed: 'rsa',
      clock,
      clients: [
        { clientId: 'rsa-tpp', publicJwk: rs.publicJwk, redirectUris: [REDIRECT_URI] },
        { clientId: 'pss-tpp', publicJwk: ps.publicJwk, redirectUris: [REDIRECT_URI] },
      ],
      users: [{ login: 'jan', password: 'p', accounts: 1, transactionsPerAccount: 10, historyDays: 30 }],
    });
    try {
      for (const [key, id] of [[rs, 'rsa-tpp'], [ps, 'pss-tpp']] as const) {
        const tpp = new Tpp(sandbox.url, key, id);
        const answer = await tpp.authorize(`consent-${id}`);
        expect([id, answer.status]).toEqual([id, 200]);
      }
      // A request signed by one client claiming to be the other is refused.
      const liar = await new Tpp(sandbox.url, rs, 'pss-tpp').authorize('liar');
      expect(code(liar)).toBe('VALIDATION_ERROR');
    } finally {
      await sandbox.close();
    }
  });

  it('the demo bank of `pnpm sandbox` verifies the demo TPP key anyone can rebuild', async () => {
    const demo = demoPolishApiBank();
    const sandbox = await startPolishApiSandbox({ banks: [{ ...demo, users: [{ login: 'demo', password: 'p', accounts: 1, transactionsPerAccount: 5, historyDays: 10 }] }], clock: manualClock('2020-06-01T10:00:00+02:00') });
    try {
      const { privateJwk } = demoPolishApiTppKey();
      const tpp = new Tpp(sandbox.url, { privateKey: privateJwk, publicJwk: demoPolishApiTppKey().publicJwk, kid: DEMO_POLISH_API_CLIENT_ID, alg: 'ES256' }, DEMO_POLISH_API_CLIENT_ID);
      const answer = await tpp.call('authorize', {
        response_type: 'code',
        client_id: DEMO_POLISH_API_CLIENT_ID,
        redirect_uri: 'http://localhost:3000/link/callback',
        scope: 'ais-accounts',
        state: 's',
        scope_details: { consentId: 'demo-1', scopeGroupType: 'ais-accounts', scopeTimeLimit: '2020-07-01T00:00:00Z', throttlingPolicy: 'psd2Regulatory', privilegeList: [{ 'ais-accounts:getAccounts': {} }] },
      });
      expect(answer.status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });

  it('signs every 200 answer with the bank key it publishes', async () => {
    const answer = await bank.tpp.call('getAccount', { accountNumber: iban }, { token });
    const [protectedHeader, , signature] = (answer.headers.get('x-jws-signature') as string).split('.');
    const verified = await flattenedVerify({ protected: protectedHeader as string, payload: base64url.encode(answer.text), signature: signature as string }, bank.sandbox.signingKey);
    expect(verified.protectedHeader?.kid).toBe(bank.sandbox.signingKey.kid);
  });

  it('a body that is not JSON is a 400 in the spec Error shape', async () => {
    const text = '{"accountNumber": ';
    const res = await fetch(new URL('/v2_1_2.1/accounts/v2_1_2.1/getAccount', bank.sandbox.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': randomUUID(), 'x-jws-signature': await signDetachedJws(text, bank.key.privateKey, { alg: 'ES256', kid: CLIENT_ID }) },
      body: text,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'VALIDATION_ERROR', responseHeader: { isCallback: false } });
  });

  it('requires X-REQUEST-ID as a UUID', async () => {
    const answer = await bank.tpp.call('getAccount', { accountNumber: iban }, { token, requestId: 'not-a-uuid' });
    expect([answer.status, code(answer)]).toEqual([400, 'INVALID_REQUEST_ID']);
  });
});
