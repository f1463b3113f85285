/** Authentication and tokens of the 銀行共通API sandbox, over real HTTP. */
import { loginAtBankPage, manualClock, startBankCommonApiSandbox, type BankCommonApiSandbox, type SandboxBank } from '../src';
import { authTokenOf, call, field, flowOf, loginThroughPage, postForm, systemToken, testBank, userTokens } from './support';

const clock = manualClock('2020-06-01T10:00:00+09:00');
let sandbox: BankCommonApiSandbox;
let bank: SandboxBank;
let noRestLogin: SandboxBank;
const alice = { id: 'alice', password: 'alice-pass' };
const olga = { id: 'olga', password: 'olga-pass', otp: '424242' };

beforeAll(async () => {
  sandbox = await startBankCommonApiSandbox({
    seed: 'auth',
    clock,
    banks: [
      testBank({ users: [{ ...alice, accounts: 1, transactionsPerAccount: 5, historyDays: 10 }, { ...olga, accounts: 1 }] }),
      testBank({ bankCode: '0005', passwordLogin: false, client: { apiKey: 'mufg-key', password: 'mufg-secret', redirectDomains: ['app.example'] } }),
    ],
  });
  bank = sandbox.bank('0001');
  noRestLogin = sandbox.bank('0005');
});
afterAll(() => sandbox.close());
afterEach(() => {
  bank.knobs.reset();
  noRestLogin.knobs.reset();
});

const tokenBody = (authToken: string) => ({ api_key: bank.client.apiKey, password: bank.client.password, auth_token: authToken });

describe('POST /auth/system_token', () => {
  it('issues ~60-minute tokens with unix times, and earlier tokens stay valid', async () => {
    const first = await call(bank, 'POST', '/auth/system_token', { body: { api_key: 'test-key', password: 'test-secret', grants: 'read' } });
    expect(first.status).toBe(200);
    expect(field(first, 'created_at')).toBe(Date.parse('2020-06-01T10:00:00+09:00') / 1000);
    expect(field<number>(first, 'expired_at') - field<number>(first, 'created_at')).toBe(3600);
    const second = await systemToken(bank);
    expect(second).not.toBe(field(first, 'access_token'));
    // Both work: /branches accepts a system token.
    for (const token of [field<string>(first, 'access_token'), second]) {
      expect((await call(bank, 'GET', '/branches', { token })).status).toBe(200);
    }
  });

  it('answers 401 for wrong client credentials and 400 for a malformed body', async () => {
    expect((await call(bank, 'POST', '/auth/system_token', { body: { api_key: 'test-key', password: 'nope' } })).status).toBe(401);
    expect((await call(bank, 'POST', '/auth/system_token', { body: { api_key: 'test-key' } })).status).toBe(400);
    expect((await call(bank, 'POST', '/auth/system_token', { body: ['test-key'] })).status).toBe(400);
    const raw = await fetch(`${bank.url}/auth/system_token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"api_key":' });
    expect(raw.status).toBe(400);
  });

  it('expires after its lifetime by the sandbox clock', async () => {
    bank.knobs.setTokenLifetimes({ systemToken: 60 });
    const token = await systemToken(bank);
    clock.advance(59_000);
    expect((await call(bank, 'GET', '/branches', { token })).status).toBe(200);
    clock.advance(1_000);
    expect((await call(bank, 'GET', '/branches', { token })).status).toBe(401);
  });
});

describe('GET /auth/login (HTML page)', () => {
  const loginUrl = (q: Record<string, string>) => `${bank.url}/auth/login?${new URLSearchParams(q)}`;

  it('serves a labelled bilingual form and redirects with auth_token, keeping the existing query', async () => {
    const page = await fetch(loginUrl({ api_key: 'test-key', redirect_uri: 'http://127.0.0.1:4000/cb?state=a%20b&x=1', grants: '*' }));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<label for="login-id">ログインID / Login ID</label>');
    expect(html).toContain('<label for="login-password">ログインパスワード / Password</label>');
    expect(html).toContain('action="/auth/login/web"');
    const res = await postForm(bank, { flow: flowOf(html), id: 'alice', password: 'alice-pass', action: 'login' });
    expect(res.status).toBe(302);
    const location = res.headers.get('location') as string;
    expect(location).toMatch(/^http:\/\/127\.0\.0\.1:4000\/cb\?state=a%20b&x=1&auth_token=[A-Za-z0-9_-]+$/);
  });

  it('asks OTP users for their one-time password before redirecting', async () => {
    const page = await fetch(loginUrl({ api_key: 'test-key', redirect_uri: 'http://localhost/cb' }));
    const flow = flowOf(await page.text());
    const step1 = await postForm(bank, { flow, id: 'olga', password: 'olga-pass' });
    expect(step1.status).toBe(200);
    expect(await step1.text()).toContain('<label for="login-otp">ワンタイムパスワード / One-time password</label>');
    const wrong = await postForm(bank, { flow, otp: '000000' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('The one-time password is incorrect.');
    const right = await postForm(bank, { flow, otp: '424242' });
    expect(right.status).toBe(302);
    expect(right.headers.get('location')).toMatch(/^http:\/\/localhost\/cb\?auth_token=/);
  });

  it('re-shows the form with an error for a wrong password, and cancelling redirects with error=access_denied', async () => {
    const flow = flowOf(await (await fetch(loginUrl({ api_key: 'test-key', redirect_uri: 'http://localhost/cb?state=s' }))).text());
    const wrong = await postForm(bank, { flow, id: 'alice', password: 'bad' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('ログインIDまたはパスワードが正しくありません。');
    const cancel = await postForm(bank, { flow, action: 'cancel' });
    expect(cancel.status).toBe(302);
    expect(cancel.headers.get('location')).toBe('http://localhost/cb?state=s&error=access_denied');
    // The flow is over.
    expect((await postForm(bank, { flow, id: 'alice', password: 'alice-pass' })).status).toBe(400);
  });

  it('answers 401 when the redirect URI is on another domain than registered, or the api_key is unknown', async () => {
    expect((await fetch(loginUrl({ api_key: 'test-key', redirect_uri: 'https://evil.example/cb' }))).status).toBe(401);
    expect((await fetch(loginUrl({ api_key: 'test-key', redirect_uri: 'http://127.0.0.1.evil.example/cb' }))).status).toBe(401);
    expect((await fetch(loginUrl({ api_key: 'other', redirect_uri: 'http://localhost/cb' }))).status).toBe(401);
    // Another bank registers another domain.
    expect((await fetch(`${noRestLogin.url}/auth/login?${new URLSearchParams({ api_key: 'mufg-key', redirect_uri: 'http://localhost/cb' })}`)).status).toBe(401);
    expect((await fetch(`${noRestLogin.url}/auth/login?${new URLSearchParams({ api_key: 'mufg-key', redirect_uri: 'https://APP.example:8443/cb' })}`)).status).toBe(200);
  });

  it('answers 400 for missing or malformed parameters', async () => {
    expect((await fetch(loginUrl({ api_key: 'test-key' }))).status).toBe(400);
    expect((await fetch(loginUrl({ redirect_uri: 'http://localhost/cb' }))).status).toBe(400);
    expect((await fetch(loginUrl({ api_key: 'test-key', redirect_uri: '/relative' }))).status).toBe(400);
    expect((await fetch(loginUrl({ api_key: 'test-key', redirect_uri: 'http://localhost/cb#frag' }))).status).toBe(400);
  });

  it('expires a login flow after ten minutes', async () => {
    const flow = flowOf(await (await fetch(loginUrl({ api_key: 'test-key', redirect_uri: 'http://localhost/cb' }))).text());
    clock.advance(10 * 60_000);
    const res = await postForm(bank, { flow, id: 'alice', password: 'alice-pass' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('This login has expired.');
  });
});

describe('loginAtBankPage (a scripted user for connector tests)', () => {
  const url = (redirect: string) => `${bank.url}/auth/login?${new URLSearchParams({ api_key: 'test-key', redirect_uri: redirect })}`;

  it('follows the page through the OTP step to the redirect', async () => {
    const result = await loginAtBankPage(url('http://localhost/cb?state=s1'), olga);
    expect(result).toEqual({ outcome: 'redirected', location: expect.stringMatching(/^http:\/\/localhost\/cb\?state=s1&auth_token=/) });
  });

  it('reports refusals with their status, and cancelling', async () => {
    expect(await loginAtBankPage(url('https://evil.example/cb'), alice)).toMatchObject({ outcome: 'rejected', status: 401 });
    expect(await loginAtBankPage(url('http://localhost/cb'), { ...alice, password: 'wrong' })).toMatchObject({ outcome: 'rejected', status: 401 });
    expect(await loginAtBankPage(url('http://localhost/cb'), { ...olga, otp: '111111' })).toMatchObject({ outcome: 'rejected', status: 401 });
    expect(await loginAtBankPage(url('http://localhost/cb'), alice, { cancel: true })).toEqual({ outcome: 'redirected', location: 'http://localhost/cb?error=access_denied' });
  });
});

describe('POST /auth/login (REST)', () => {
  it('returns an auth token usable once, within 3 minutes', async () => {
    const system = await systemToken(bank);
    const login = await call(bank, 'POST', '/auth/login', { body: { api_key: 'test-key', grants: '*', id: 'alice', password: 'alice-pass' } });
    expect(login.status).toBe(200);
    const authToken = field<string>(login, 'auth_token');
    expect((await call(bank, 'POST', '/auth/token', { token: system, body: tokenBody(authToken) })).status).toBe(200);
    expect((await call(bank, 'POST', '/auth/token', { token: system, body: tokenBody(authToken) })).status).toBe(401);

    const late = field<string>(await call(bank, 'POST', '/auth/login', { body: { api_key: 'test-key', id: 'alice', password: 'alice-pass' } }), 'auth_token');
    clock.advance(180_000);
    expect((await call(bank, 'POST', '/auth/token', { token: await systemToken(bank), body: tokenBody(late) })).status).toBe(401);
  });

  it('takes password and OTP concatenated for OTP users, and answers 401 for wrong credentials', async () => {
    const body = (password: string) => ({ body: { api_key: 'test-key', id: 'olga', password } });
    expect((await call(bank, 'POST', '/auth/login', body('olga-pass'))).status).toBe(401);
    expect((await call(bank, 'POST', '/auth/login', body('olga-pass424242'))).status).toBe(200);
    expect((await call(bank, 'POST', '/auth/login', { body: { api_key: 'test-key', id: 'nobody', password: 'x' } })).status).toBe(401);
    expect((await call(bank, 'POST', '/auth/login', { body: { api_key: 'test-key', id: 'alice' } })).status).toBe(400);
  });

  it('answers 404 at a bank that does not offer it, and the knob turns it on and off', async () => {
    const body = { body: { api_key: 'mufg-key', id: 'alice', password: 'alice-pass' } };
    expect((await call(noRestLogin, 'POST', '/auth/login', body)).status).toBe(404);
    noRestLogin.knobs.setPasswordLogin(true);
    expect((await call(noRestLogin, 'POST', '/auth/login', body)).status).toBe(200);
    bank.knobs.setPasswordLogin(false);
    expect((await call(bank, 'POST', '/auth/login', { body: { api_key: 'test-key', id: 'alice', password: 'alice-pass' } })).status).toBe(404);
  });
});

describe('POST/PUT/DELETE /auth/token', () => {
  it('requires a valid system token of the same client', async () => {
    const authToken = authTokenOf(await loginThroughPage(bank, alice));
    expect((await call(bank, 'POST', '/auth/token', { body: tokenBody(authToken) })).status).toBe(401);
    expect((await call(bank, 'POST', '/auth/token', { token: 'made-up', body: tokenBody(authToken) })).status).toBe(401);
    const other = await systemToken(noRestLogin);
    expect((await call(bank, 'POST', '/auth/token', { token: other, body: tokenBody(authToken) })).status).toBe(401);
    expect((await call(bank, 'POST', '/auth/token', { token: await systemToken(bank), body: { api_key: 'test-key' } })).status).toBe(400);
  });

  it('issues 60-minute access tokens and invalidates the user\'s previous pair at once', async () => {
    const first = await userTokens(bank, alice);
    expect((await call(bank, 'GET', '/accounts', { token: first.access })).status).toBe(200);
    const second = await userTokens(bank, alice);
    expect((await call(bank, 'GET', '/accounts', { token: first.access })).status).toBe(401);
    expect((await call(bank, 'PUT', '/auth/token', { token: second.system, body: { api_key: 'test-key', refresh_token: first.refresh } })).status).toBe(401);
    expect((await call(bank, 'GET', '/accounts', { token: second.access })).status).toBe(200);
    // Another user's tokens are not touched.
    const olgaTokens = await userTokens(bank, olga);
    expect((await call(bank, 'GET', '/accounts', { token: second.access })).status).toBe(200);
    expect((await call(bank, 'GET', '/accounts', { token: olgaTokens.access })).status).toBe(200);
  });

  it('rotates the pair on refresh: the old pair dies, the new one works', async () => {
    const t = await userTokens(bank, alice);
    const put = await call(bank, 'PUT', '/auth/token', { token: t.system, body: { api_key: 'test-key', refresh_token: t.refresh } });
    expect(put.status).toBe(200);
    expect(field<number>(put, 'expired_at') - field<number>(put, 'created_at')).toBe(3600);
    const access = field<string>(put, 'access_token');
    const refresh = field<string>(put, 'refresh_token');
    expect((await call(bank, 'GET', '/accounts', { token: t.access })).status).toBe(401);
    expect((await call(bank, 'GET', '/accounts', { token: access })).status).toBe(200);
    // The old refresh token cannot be used again (two concurrent refreshes break a connection).
    expect((await call(bank, 'PUT', '/auth/token', { token: t.system, body: { api_key: 'test-key', refresh_token: t.refresh } })).status).toBe(401);
    // Under the default policy the reuse does not kill the new pair.
    expect((await call(bank, 'GET', '/accounts', { token: access })).status).toBe(200);
    expect((await call(bank, 'PUT', '/auth/token', { token: t.system, body: { api_key: 'test-key', refresh_token: refresh } })).status).toBe(200);
  });

  it('expires access tokens after their lifetime while the refresh token still works', async () => {
    bank.knobs.setTokenLifetimes({ accessToken: 5, systemToken: 3600 });
    const t = await userTokens(bank, alice);
    clock.advance(5_000);
    const expired = await call(bank, 'GET', '/accounts', { token: t.access });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect((await call(bank, 'PUT', '/auth/token', { token: t.system, body: { api_key: 'test-key', refresh_token: t.refresh } })).status).toBe(200);
  });

  it('expires refresh tokens after ~180 days', async () => {
    const t = await userTokens(bank, alice);
    clock.advance(180 * 86_400_000);
    const system = await systemToken(bank);
    expect((await call(bank, 'PUT', '/auth/token', { token: system, body: { api_key: 'test-key', refresh_token: t.refresh } })).status).toBe(401);
  });

  it('revokes both tokens on DELETE; revoking again is not an error', async () => {
    const t = await userTokens(bank, alice);
    const del = await call(bank, 'DELETE', '/auth/token', { token: t.system, body: { api_key: 'test-key', refresh_token: t.refresh } });
    expect(del.status).toBe(200);
    expect((await call(bank, 'GET', '/accounts', { token: t.access })).status).toBe(401);
    expect((await call(bank, 'PUT', '/auth/token', { token: t.system, body: { api_key: 'test-key', refresh_token: t.refresh } })).status).toBe(401);
    expect((await call(bank, 'DELETE', '/auth/token', { token: t.system, body: { api_key: 'test-key', refresh_token: t.refresh } })).status).toBe(200);
    expect((await call(bank, 'DELETE', '/auth/token', { body: { api_key: 'test-key', refresh_token: t.refresh } })).status).toBe(401);
  });

  it('accepts the token with or without the Bearer scheme (the spec declares an apiKey-type header)', async () => {
    const t = await userTokens(bank, alice);
    const res = await fetch(`${bank.url}/accounts`, { headers: { authorization: t.access } });
    expect(res.status).toBe(200);
    const lower = await fetch(`${bank.url}/accounts`, { headers: { authorization: `bearer ${t.access}` } });
    expect(lower.status).toBe(200);
    expect((await fetch(`${bank.url}/accounts`)).status).toBe(401);
    // A system token is not a user's token.
    expect((await call(bank, 'GET', '/accounts', { token: t.system })).status).toBe(401);
  });
});

describe('refresh token reuse under revoke-all', () => {
  it('kills the current pair when a rotated refresh token comes back', async () => {
    const sb = await startBankCommonApiSandbox({ seed: 'reuse', clock, banks: [testBank({ refreshTokenReuse: 'revoke-all' })] });
    try {
      const b = sb.bank('0001');
      const t = await userTokens(b, alice);
      const put = await call(b, 'PUT', '/auth/token', { token: t.system, body: { api_key: 'test-key', refresh_token: t.refresh } });
      const access = field<string>(put, 'access_token');
      expect((await call(b, 'PUT', '/auth/token', { token: t.system, body: { api_key: 'test-key', refresh_token: t.refresh } })).status).toBe(401);
      expect((await call(b, 'GET', '/accounts', { token: access })).status).toBe(401);
    } finally {
      await sb.close();
    }
  });
});

describe('revokeAllUserTokens knob', () => {
  it('invalidates every user token at once', async () => {
    const t = await userTokens(bank, alice);
    bank.knobs.revokeAllUserTokens();
    expect((await call(bank, 'GET', '/accounts', { token: t.access })).status).toBe(401);
    expect((await call(bank, 'PUT', '/auth/token', { token: t.system, body: { api_key: 'test-key', refresh_token: t.refresh } })).status).toBe(401);
  });
});
