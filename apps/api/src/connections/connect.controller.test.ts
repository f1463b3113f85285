import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Clock } from '@kinko/connector-sdk';
import { type BankCommonApiSandbox, loginAtBankPage, manualClock, startBankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { SEED_BANK, type SeededTenant, seedTenant } from '../../test/support/fixtures';
import { createTestApp } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { problemType } from '../http/problem';
import { CONNECT_FLOW_RETENTION_MS, CONNECT_FLOW_TTL_MS } from './connect.service';

// The redirect connect flow's guards, against the 銀行共通API sandbox (app.inject: the
// callback arrives at http://localhost, the redirect URI the flow registered).
describe('connect flow (redirect, state + PKCE)', () => {
  const clock = manualClock('2026-05-01T01:00:00Z');
  const appClock: Clock = { now: () => clock(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  const BANK = 'sandbox-0005';
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let tenant: SeededTenant;
  let auth: { authorization: string };
  let ds: DataSource;

  const begin = async (body: Record<string, unknown> = {}, bankId = BANK) =>
    app.inject({ method: 'POST', url: `/api/v2/connect/${bankId}`, headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  /** The bank's callback, from the browser holding `cookie` (the flow binding its start URL set). */
  const callback = (location: string, cookie: string, host = 'localhost') => {
    const u = new URL(location);
    return app.inject({ method: 'GET', url: `${u.pathname}${u.search}`, headers: { host, cookie } });
  };
  /** A browser opening the flow's start URL (`redirectUrl`): the binding cookie, and the bank's login URL. */
  const openStart = async (redirectUrl: string) => {
    const u = new URL(redirectUrl);
    const res = await app.inject({ method: 'GET', url: `${u.pathname}${u.search}`, headers: { host: 'localhost' } });
    expect(res.statusCode).toBe(303);
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    return { bankUrl: res.headers.location as string, cookie: setCookie.map((c) => c.split(';')[0]).join('; ') };
  };
  const loginFor = async (body: Record<string, unknown> = {}, options: { cancel?: boolean } = {}) => {
    const started = await begin(body);
    expect(started.statusCode).toBe(201);
    const { bankUrl, cookie } = await openStart(started.json<{ redirectUrl: string }>().redirectUrl);
    const login = await loginAtBankPage(bankUrl, { id: 'kaori', password: 'pw-kaori' }, options);
    if (login.outcome !== 'redirected') throw new Error(`login refused: ${login.status}`);
    return { connectFlowId: started.json<{ connectFlowId: string }>().connectFlowId, location: login.location, cookie };
  };
  const linkSession = async (id: string) =>
    ((await ds.query(`SELECT status, error, used_at IS NOT NULL AS used, verifier_ciphertext IS NULL AS wiped FROM connect_flows WHERE id = $1`, [id])) as unknown[])[0];
  const connectionCount = async () => ((await ds.query(`SELECT count(*)::int AS n FROM connections WHERE user_id = $1`, [tenant.users[0].userId])) as Array<{ n: number }>)[0]?.n;

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startBankCommonApiSandbox({
      banks: [{ bankCode: '0005', client: { apiKey: 'connect-test', password: 'connect-secret', redirectDomains: ['localhost'] }, users: [{ id: 'kaori', password: 'pw-kaori', accounts: 1, transactionsPerAccount: 5 }] }],
      clock,
    });
    app = await createTestApp(db, {
      clock: appClock,
      banks: [
        SEED_BANK,
        { bankId: BANK, connector: 'bank-common-api', options: { bankCode: '0005', bankName: 'テスト銀行', baseUrl: sandbox.url('0005'), apiKey: 'connect-test', password: 'connect-secret' } },
      ],
    });
    ds = app.get(DataSource);
    tenant = await seedTenant(app, 'connect');
    auth = { authorization: `Bearer ${tenant.users[0].token}` };
  });
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('starts with a login URL at the bank that carries the state and the PKCE challenge bound to our callback', async () => {
    const res = await begin({ locale: 'ja' });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ redirectUrl: string; connectFlowId: string; expiresAt: string }>();
    expect(body.redirectUrl).toMatch(new RegExp(`^http://localhost/api/v2/connect/flows/${body.connectFlowId}/browser\\?key=[A-Za-z0-9_-]{43}$`));
    const login = new URL((await openStart(body.redirectUrl)).bankUrl);
    expect(`${login.origin}${login.pathname}`).toBe(`${sandbox.url('0005')}/auth/login`);
    const redirectUri = new URL(login.searchParams.get('redirect_uri') as string);
    expect(`${redirectUri.origin}${redirectUri.pathname}`).toBe('http://localhost/api/v2/connect/callback');
    expect(redirectUri.searchParams.get('state_binding')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Date(body.expiresAt).getTime() - clock().getTime()).toBe(CONNECT_FLOW_TTL_MS);
    const row = (await ds.query(`SELECT state_hash, verifier_ciphertext IS NOT NULL AS sealed FROM connect_flows WHERE id = $1`, [body.connectFlowId])) as Array<{ state_hash: string; sealed: boolean }>;
    // The state itself is not stored, only its hash; the verifier only sealed.
    expect(row[0]?.sealed).toBe(true);
    expect(row[0]?.state_hash).not.toBe(redirectUri.searchParams.get('state'));
  });

  it('refuses a callback without state, with an unknown state, or arriving at another host than the redirect URI', async () => {
    const none = await app.inject({ method: 'GET', url: '/api/v2/connect/callback?auth_token=x' });
    expect([none.statusCode, none.json<{ errors: unknown }>().errors]).toEqual([400, [{ field: 'state', reason: 'state is required' }]]);
    const unknown = await app.inject({ method: 'GET', url: '/api/v2/connect/callback?state=unknown&auth_token=x' });
    expect(unknown.statusCode).toBe(404);

    const { connectFlowId, location, cookie } = await loginFor();
    const elsewhere = await callback(location, cookie, 'evil.example');
    expect(elsewhere.statusCode).toBe(400);
    expect(elsewhere.json<{ errors: Array<{ field: string }> }>().errors[0]?.field).toBe('redirect_uri');
    expect(await linkSession(connectFlowId)).toMatchObject({ status: 'pending', used: false });
    // The genuine callback still works, once.
    expect((await callback(location, cookie)).statusCode).toBe(200);
    const replay = await callback(location, cookie);
    expect([replay.statusCode, replay.json<{ type: string }>().type]).toEqual([409, problemType('connect-flow-used')]);
    expect(await linkSession(connectFlowId)).toMatchObject({ status: 'completed', used: true, wiped: true });
  });

  it('shows a browser (Accept: text/html) of an API flow without redirectUri Kinko\'s own result page (no Link session to go to); the bank is connected all the same', async () => {
    const before = (await connectionCount()) ?? 0;
    const { connectFlowId, location, cookie } = await loginFor();
    const u = new URL(location);
    const res = await app.inject({ method: 'GET', url: `${u.pathname}${u.search}`, headers: { host: 'localhost', cookie, accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(await linkSession(connectFlowId)).toMatchObject({ status: 'completed', used: true });
    expect(await connectionCount()).toBe(before + 1);
  });

  it('refuses a callback after the flow expired, and consumes it', async () => {
    const before = await connectionCount();
    const { connectFlowId, location, cookie } = await loginFor();
    clock.advance(CONNECT_FLOW_TTL_MS + 1_000);
    const late = await callback(location, cookie);
    expect([late.statusCode, late.json<{ type: string }>().type]).toEqual([409, problemType('connect-flow-expired')]);
    expect(late.json<{ detail: string }>().detail).toContain('expired');
    expect(await linkSession(connectFlowId)).toMatchObject({ status: 'failed', error: { code: 'expired' } });
    expect(await connectionCount()).toBe(before);
  });

  it('the user declining at the bank is forbidden; a state bound to another PKCE verifier is refused', async () => {
    const before = await connectionCount();
    const declined = await loginFor({}, { cancel: true });
    const res = await callback(declined.location, declined.cookie);
    expect(res.statusCode).toBe(403);
    expect(await linkSession(declined.connectFlowId)).toMatchObject({ status: 'failed', error: { code: 'CredentialsInvalid' }, wiped: true });

    const forged = await loginFor();
    const u = new URL(forged.location);
    u.searchParams.set('state_binding', 'A'.repeat(43));
    const mismatch = await callback(u.toString(), forged.cookie);
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json<{ errors: Array<{ field: string }> }>().errors[0]?.field).toBe('state');
    expect(await connectionCount()).toBe(before);
  });

  it('answers 502 when the bank fails the token exchange', async () => {
    const { location, connectFlowId, cookie } = await loginFor();
    sandbox.bank('0005').knobs.faults.failNext(10, 500, { operations: ['POST /auth/token'] });
    const res = await callback(location, cookie);
    sandbox.bank('0005').knobs.faults.reset();
    expect(res.statusCode).toBe(502);
    expect(res.json<{ type: string }>().type).toBe('https://kinko.dev/problems/bank-error');
    expect(await linkSession(connectFlowId)).toMatchObject({ status: 'failed' });
  }, 60_000);

  describe('with the tenant\'s return URL (redirectUri + state, issue 16 §1)', () => {
    const RETURN_URL = 'https://app.example.com/kinko/done';
    const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    const flowCount = async () => ((await ds.query(`SELECT count(*)::int AS n FROM connect_flows WHERE user_id = $1`, [tenant.users[0].userId])) as Array<{ n: number }>)[0]?.n ?? 0;
    const browserCallback = (location: string, cookie: string) => {
      const u = new URL(location);
      return app.inject({ method: 'GET', url: `${u.pathname}${u.search}`, headers: { host: 'localhost', cookie, ...html } });
    };

    beforeAll(async () => {
      const set = await app.inject({
        method: 'PUT',
        url: '/api/v2/tenant/link-settings',
        headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ returnUrls: [RETURN_URL] }),
      });
      expect(set.statusCode).toBe(200);
    });

    it('sends the browser back to the registered URL with status=connected, the connectionId and the state', async () => {
      const before = (await connectionCount()) ?? 0;
      const { connectFlowId, location, cookie } = await loginFor({ redirectUri: RETURN_URL, state: 'tenant state/1' });
      const res = await browserCallback(location, cookie);
      expect(res.statusCode).toBe(303);
      expect(res.headers['cache-control']).toBe('no-store');
      const back = new URL(res.headers.location as string);
      expect(`${back.origin}${back.pathname}`).toBe(RETURN_URL);
      const flow = ((await ds.query(`SELECT connection_id FROM connect_flows WHERE id = $1`, [connectFlowId])) as Array<{ connection_id: string }>)[0];
      expect(Object.fromEntries(back.searchParams)).toEqual({ status: 'connected', connectionId: flow?.connection_id, state: 'tenant state/1' });
      expect(await connectionCount()).toBe(before + 1);
    });

    it('refuses (400 problem) a redirectUri not registered exactly, and starts no flow', async () => {
      const before = await flowCount();
      for (const wrong of [`${RETURN_URL}/more`, RETURN_URL.replace('done', 'DONE'), 'https://evil.example/kinko/done']) {
        const res = await begin({ redirectUri: wrong, state: 's' });
        expect([res.statusCode, res.headers['content-type']?.toString().split(';')[0], res.json<{ errors: Array<{ field: string }> }>().errors[0]?.field]).toEqual([
          400,
          'application/problem+json',
          'redirectUri',
        ]);
      }
      expect(await flowCount()).toBe(before);
    });

    it('the user declining at the bank sends the browser back with status=failed and the state (no connection)', async () => {
      const before = await connectionCount();
      const declined = await loginFor({ redirectUri: RETURN_URL, state: 's-denied' }, { cancel: true });
      const res = await browserCallback(declined.location, declined.cookie);
      expect(res.statusCode).toBe(303);
      const back = new URL(res.headers.location as string);
      expect(`${back.origin}${back.pathname}`).toBe(RETURN_URL);
      expect(Object.fromEntries(back.searchParams)).toEqual({ status: 'failed', state: 's-denied' });
      expect(await linkSession(declined.connectFlowId)).toMatchObject({ status: 'failed', wiped: true });
      expect(await connectionCount()).toBe(before);
      // A browser the flow was not started in is not sent anywhere: it gets the problem.
      const other = await loginFor({ redirectUri: RETURN_URL, state: 's-other' }, { cancel: true });
      const foreign = await browserCallback(other.location, 'kinko_flow=not-the-binding');
      expect(foreign.statusCode).toBe(403);
    });
  });

  it('validates the start: unknown bank, unknown fields, a connection of another bank or of another user', async () => {
    expect((await begin({}, 'no-such-bank')).statusCode).toBe(404);
    const extra = await begin({ returnTo: 'https://evil.example' });
    expect([extra.statusCode, extra.json<{ errors: unknown }>().errors]).toEqual([400, [{ field: 'returnTo', reason: 'returnTo is not a known field' }]]);
    const otherBank = await begin({ connectionId: tenant.users[0].connectionId }); // the seeded connection is at seed-bank
    expect([otherBank.statusCode, otherBank.json<{ errors: Array<{ field: string }> }>().errors[0]?.field]).toEqual([400, 'connectionId']);
    expect((await begin({ connectionId: tenant.users[1].connectionId }, SEED_BANK.bankId)).statusCode).toBe(404);
  });

  it('forgets the user’s connect flows a week after they ended', async () => {
    const count = async () => ((await ds.query(`SELECT count(*)::int AS n FROM connect_flows WHERE user_id = $1 AND bank_id = $2`, [tenant.users[0].userId, BANK])) as Array<{ n: number }>)[0]?.n ?? 0;
    expect(await count()).toBeGreaterThan(3);
    clock.advance(CONNECT_FLOW_RETENTION_MS + CONNECT_FLOW_TTL_MS + 60_000);
    expect((await begin()).statusCode).toBe(201);
    expect(await count()).toBe(1);
  });
});
