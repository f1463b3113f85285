/**
 * Redirect login with the state bound to the Link session, the system token cache, token
 * rotation with one refresh in flight per grant, revocation, and the grant's encoding —
 * against the 銀行共通API sandbox.
 */
import { inspect } from 'node:util';
import { manualClock, startBankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { Clock } from '@kinko/connector-sdk';
import { STATE_BINDING_PARAM } from '../src';
import { bankFor, CLIENT, completeRedirect, identities, sandboxConnector } from './sandbox-support';
import { beginLogin, collect, completeLogin, grantOf, login, REDIRECT_URI, startSession, type Session } from './session-support';

let s: Session;
beforeEach(async () => {
  s = await startSession();
});
afterEach(() => s.close());

const requests = (operation: string) => s.bank.requests({ operation });

/** A clock `offsetMs` ahead of the real one (the connector's view of time only). */
const clockAhead = (offsetMs: number): Clock => ({ now: () => new Date(Date.now() + offsetMs), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });

describe('begin', () => {
  it('sends the user to the bank’s login page with our api_key, grants and a callback carrying the state and its binding', async () => {
    const begun = await beginLogin(s.client);
    const url = new URL(begun.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${s.bank.url}/auth/login`);
    expect(url.searchParams.get('api_key')).toBe(CLIENT.apiKey);
    expect(url.searchParams.get('grants')).toBe('*');
    expect(begun.url).not.toContain(CLIENT.password);
    const callback = new URL(url.searchParams.get('redirect_uri') as string);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('state')).toBe(begun.state);
    expect(callback.searchParams.get(STATE_BINDING_PARAM)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('complete: the state is checked before anything is exchanged', () => {
  it('grants access for the callback of this Link session, with the bank’s lifetimes', async () => {
    const before = Date.now();
    const out = await login(s.client);
    if (!out.ok || out.value.type !== 'granted') throw new Error('no grant');
    const { accessExpiresAt, refreshExpiresAt } = out.value;
    expect(accessExpiresAt?.getTime()).toBeGreaterThanOrEqual(before + 3_600_000 - 1_000);
    expect(accessExpiresAt?.getTime()).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(refreshExpiresAt?.getTime()).toBeGreaterThanOrEqual(before + 180 * 86_400_000 - 1_000);
    expect(requests('POST /auth/token')).toHaveLength(1);
  });

  it('refuses a callback without state, or with a state that is not the one it was bound to, without spending the auth token', async () => {
    const begun = await beginLogin(s.client);
    const params = await completeRedirect(begun.url, identities.valid);
    const { state: _state, ...withoutState } = params;
    const { [STATE_BINDING_PARAM]: _binding, ...withoutBinding } = params;
    const missing = [await completeLogin(s.client, begun, withoutState), await completeLogin(s.client, begun, withoutBinding)];
    for (const out of missing) expect(out).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'state_missing' } });
    const other = await completeLogin(s.client, begun, { ...params, state: 'another-link-session' });
    expect(other).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'state_mismatch' } });
    expect(requests('POST /auth/token')).toHaveLength(0);
    // The genuine callback still works: nothing was spent.
    expect(await completeLogin(s.client, begun, params)).toMatchObject({ ok: true, value: { type: 'granted' } });
  });

  it('refuses a callback of another Link session (another PKCE verifier), even with its own valid state', async () => {
    const mine = await beginLogin(s.client);
    const theirs = await beginLogin(s.client);
    const theirParams = await completeRedirect(theirs.url, identities.valid);
    expect(await completeLogin(s.client, mine, theirParams)).toMatchObject({ ok: false, error: { code: 'state_mismatch' } });
    expect(requests('POST /auth/token')).toHaveLength(0);
  });

  it('maps the login page’s error answers (RFC 6749) onto errors', async () => {
    const begun = await beginLogin(s.client);
    const callback = new URL(new URL(begun.url).searchParams.get('redirect_uri') as string);
    const bound = Object.fromEntries(callback.searchParams);
    const cases: Array<[string, string]> = [
      ['access_denied', 'CredentialsInvalid'],
      ['temporarily_unavailable', 'ServiceUnavailable'],
      ['server_error', 'TemporaryError'],
      ['invalid_scope', 'PermanentError'],
      ['<script>', 'PermanentError'],
    ];
    for (const [error, tag] of cases) {
      const out = await completeLogin(s.client, begun, { ...bound, error });
      expect(out).toMatchObject({ ok: false, error: { _tag: tag } });
      if (!out.ok) expect(out.error.message).not.toContain('<script>');
    }
  });

  it('maps a user who gives up at the bank to CredentialsInvalid', async () => {
    expect(await login(s.client, identities.wrongPassword)).toMatchObject({ ok: false, error: { _tag: 'CredentialsInvalid' } });
  });

  it('maps an auth token used twice to CredentialsInvalid', async () => {
    const begun = await beginLogin(s.client);
    const params = await completeRedirect(begun.url, identities.valid);
    expect((await completeLogin(s.client, begun, params)).ok).toBe(true);
    expect(await completeLogin(s.client, begun, params)).toMatchObject({ ok: false, error: { _tag: 'CredentialsInvalid' } });
  });

  it('reports client credentials the bank rejects as a deployment problem, never quoting them', async () => {
    const misconfigured = s.newClient({ password: 'not-the-client-password' });
    const out = await login(misconfigured);
    expect(out).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'client_rejected', httpStatus: 401 } });
    expect(JSON.stringify(out)).not.toContain('not-the-client-password');
    expect(JSON.stringify(out)).not.toContain(CLIENT.apiKey);
  });
});

describe('the system token', () => {
  it('is fetched once for many calls', async () => {
    const grant = await grantOf(s.client);
    let current = grant;
    for (let i = 0; i < 3; i++) {
      const renewed = await s.client.auth.refresh(current);
      if (!renewed.ok) throw new Error(renewed.error.message);
      current = renewed.value.grant;
    }
    expect((await collect(s.client.branches())).ok).toBe(true);
    expect((await collect(s.client.branches())).ok).toBe(true);
    expect((await s.client.auth.revoke(current)).ok).toBe(true);
    expect(requests('POST /auth/system_token')).toHaveLength(1);
    expect(requests('PUT /auth/token')).toHaveLength(3);
  });

  it('is fetched once for concurrent callers', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => collect(s.client.branches())));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(requests('POST /auth/system_token')).toHaveLength(1);
  });

  it('is fetched again once it has expired by the connector’s clock', async () => {
    let offset = 0;
    const clock: Clock = { now: () => new Date(Date.now() + offset), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
    const client = s.newClient({ clock });
    expect((await collect(client.branches())).ok).toBe(true);
    offset = 59 * 60_000 - 5_000; // just before the renewal margin
    expect((await collect(client.branches())).ok).toBe(true);
    expect(requests('POST /auth/system_token')).toHaveLength(1);
    offset = 59 * 60_000 + 5_000; // inside the last minute: renewed
    expect((await collect(client.branches())).ok).toBe(true);
    expect(requests('POST /auth/system_token')).toHaveLength(2);
  });

  it('is renewed once when the bank stops accepting it early, so the user’s grant is not blamed', async () => {
    const clock = manualClock(new Date().toISOString());
    const sandbox = await startBankCommonApiSandbox({ seed: 'system-token', clock, banks: [bankFor({ type: 'basic' })] });
    const bank = sandbox.bank('0001');
    const client = sandboxConnector.create({ config: { apiKey: CLIENT.apiKey, password: CLIENT.password, baseUrl: bank.url }, extraAllowedHosts: [new URL(bank.url).host] });
    try {
      const grant = await grantOf(client);
      clock.advance(2 * 3_600_000); // the bank's system token (and access token) expired; our cache does not know
      const renewed = await client.auth.refresh(grant);
      expect(renewed).toMatchObject({ ok: true, value: { type: 'granted' } });
      expect(bank.requests({ operation: 'POST /auth/system_token' })).toHaveLength(2);
      expect(bank.requests({ operation: 'PUT /auth/token' }).map((r) => r.status)).toEqual([401, 200]);
    } finally {
      await client.close();
      await sandbox.close();
    }
  });
});

describe('refresh', () => {
  it('runs once for 20 concurrent callers of one grant: one PUT /auth/token, the same new grant for all', async () => {
    const grant = await grantOf(s.client);
    const outs = await Promise.all(Array.from({ length: 20 }, () => s.client.auth.refresh(grant)));
    expect(requests('PUT /auth/token')).toHaveLength(1);
    const texts = outs.map((o) => {
      if (!o.ok) throw new Error(o.error.message);
      const text = sandboxConnector.serializeGrant(o.value.grant);
      if (!text.ok) throw new Error(text.error.message);
      return text.value;
    });
    expect(new Set(texts).size).toBe(1);
    const renewed = outs[0]?.ok ? outs[0].value.grant : grant;
    expect((await collect(s.client.accounts(renewed))).ok).toBe(true);
    expect(await collect(s.client.accounts(grant))).toMatchObject({ ok: false, error: { _tag: 'CredentialsInvalid' } });
  });

  it('does not merge calls that come after the previous one ended', async () => {
    const first = await grantOf(s.client);
    const a = await s.client.auth.refresh(first);
    if (!a.ok) throw new Error(a.error.message);
    const b = await s.client.auth.refresh(a.value.grant);
    expect(b.ok).toBe(true);
    expect(requests('PUT /auth/token')).toHaveLength(2);
    // The rotated-away token is dead: a late refresh of it fails instead of replaying a result (the consent's access is gone, with the bank's answer).
    expect(await s.client.auth.refresh(first)).toMatchObject({ ok: false, error: { _tag: 'ConsentExpired', httpStatus: 401 } });
  });

  it('reports a refused refresh token past its expected end as ConsentExpired', async () => {
    const grant = await grantOf(s.client);
    expect((await s.client.auth.refresh(grant)).ok).toBe(true);
    const later = s.newClient({ clock: clockAhead(181 * 86_400_000) });
    expect(await later.auth.refresh(grant)).toMatchObject({ ok: false, error: { _tag: 'ConsentExpired' } });
  });
});

describe('revoke', () => {
  it('kills the grant at the bank; revoking it again is not an error', async () => {
    const grant = await grantOf(s.client);
    expect(await s.client.auth.revoke(grant)).toEqual({ ok: true, value: undefined });
    expect(await collect(s.client.accounts(grant))).toMatchObject({ ok: false, error: { _tag: 'CredentialsInvalid' } });
    expect(await s.client.auth.refresh(grant)).toMatchObject({ ok: false, error: { _tag: 'ConsentExpired', httpStatus: 401 } });
    expect(await s.client.auth.revoke(grant)).toEqual({ ok: true, value: undefined });
  });
});

describe('the grant', () => {
  it('serialises to JSON (tokens and ISO times) for the app to encrypt, and works again once restored', async () => {
    const grant = await grantOf(s.client);
    const text = sandboxConnector.serializeGrant(grant);
    if (!text.ok) throw new Error(text.error.message);
    const json = JSON.parse(text.value) as Record<string, string>;
    expect(Object.keys(json).sort()).toEqual(['accessExpiresAt', 'accessToken', 'refreshExpiresAt', 'refreshToken']);
    expect(json.accessExpiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
    expect(json.accessToken?.length).toBeGreaterThan(10);
    const restored = sandboxConnector.deserializeGrant(text.value);
    if (!restored.ok) throw new Error(restored.error.message);
    const accounts = await collect(s.client.accounts(restored.value));
    expect(accounts.ok && accounts.value.length).toBe(2);
  });

  it('never shows its tokens when printed or logged', async () => {
    const out = await login(s.client);
    if (!out.ok || out.value.type !== 'granted') throw new Error('no grant');
    const text = sandboxConnector.serializeGrant(out.value.grant);
    if (!text.ok) throw new Error(text.error.message);
    const { accessToken, refreshToken } = JSON.parse(text.value) as Record<string, string>;
    for (const printed of [JSON.stringify(out), inspect(out, { depth: 10 }), String(out.value.grant)]) {
      expect(printed).not.toContain(accessToken);
      expect(printed).not.toContain(refreshToken);
    }
  });
});
