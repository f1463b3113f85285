import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BankCommonApiSandbox, loginAtBankPage, startBankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app';
import type { BankEntry } from '../../src/config/settings';
import { UserTokensService } from '../../src/auth/user-tokens.service';
import { CONNECT_FLOW_TTL_MS } from '../../src/connections/connect.service';
import { TenantsService } from '../../src/tenants/tenants.service';
import { UsersService } from '../../src/users/users.service';
import { LinkBrowser, type LinkWorld, type LinkWorldWithBank, bankCommonApiEntry, startLinkWorldWithBca } from '../link/harness';
import { openConnectStart } from '../support/connect-browser';
import { testSettings } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { rawRequest } from './http';

// The redirect connect flow's bindings (issue 21, items 4 and 5): the bank's callback
// completes only in the browser that started the flow (a login URL passed on to someone
// else links nothing), and the redirect URI given to the bank never comes from a Host
// header outside loopback.

const BCA_CODE = '0009';
const BCA_ID = 'bca-security';
const BCA_CLIENT = { apiKey: 'security-key', password: 'security-secret', redirectDomains: ['127.0.0.1', 'localhost', 'kinko.example'] };
const VICTIM = { id: 'victim', password: 'pw-victim' };
const OWNER = { id: 'owner', password: 'pw-owner' };

const bcaEntry = (bca: BankCommonApiSandbox): BankEntry => bankCommonApiEntry(BCA_ID, bca);

describe('redirect connect flow: bound to the browser that started it', () => {
  let started: LinkWorldWithBank<BankCommonApiSandbox>;
  let bca: BankCommonApiSandbox;
  let world: LinkWorld;

  beforeAll(async () => {
    started = await startLinkWorldWithBca(
      BCA_ID,
      {
        banks: [{ bankCode: BCA_CODE, bankName: 'セキュリティ銀行', client: BCA_CLIENT, users: [{ ...VICTIM, accounts: 1, transactionsPerAccount: 3, historyDays: 10 }, { ...OWNER, accounts: 1, transactionsPerAccount: 3, historyDays: 10 }] }],
        seed: 11,
      },
      { worker: false },
    );
    ({ bank: bca, world } = started);
  });
  afterAll(() => started?.close());

  const connectionsOfUser = async (): Promise<number> =>
    Number(((await world.ds.query(`SELECT count(*)::int AS n FROM connections WHERE user_id = $1 AND bank_id = $2`, [world.scope.userId, BCA_ID])) as Array<{ n: number }>)[0]?.n);

  it('Link pages: the bank login URL sent to a victim cannot link the victim’s bank; the browser that started it can', async () => {
    const attacker = new LinkBrowser(world.base);
    await attacker.enter(await world.mintToken());
    const toBank = await attacker.get(`/link/banks/${BCA_ID}/redirect`);
    expect(toBank.status).toBe(303);
    const flowCookie = toBank.headers.getSetCookie().find((c) => c.startsWith('kinko_flow=')) as string;
    expect(flowCookie).toMatch(/HttpOnly/);
    expect(flowCookie).toMatch(/Path=\/api\/v2\/connect\/callback/);
    expect(flowCookie).toMatch(/SameSite=Lax/);
    const bankUrl = toBank.headers.get('location') as string;

    // The victim logs in at the genuine bank page; the bank sends the victim's browser (no cookies) back.
    const victim = await loginAtBankPage(bankUrl, VICTIM);
    if (victim.outcome !== 'redirected') throw new Error(`bank refused: ${victim.status}`);
    const refused = await fetch(victim.location, { headers: { accept: 'application/json' }, redirect: 'manual' });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(((await refused.json()) as { detail: string }).detail).toContain('another browser');
    expect(await connectionsOfUser()).toBe(0);
    // The flow is spent: even the starting browser cannot use the victim's callback now.
    const late = await attacker.get(victim.location, { accept: 'application/json' });
    expect([late.status, (JSON.parse(late.text) as { type: string }).type]).toEqual([409, 'https://kinko.dev/problems/connect-flow-used']);
    expect(await connectionsOfUser()).toBe(0);

    // The browser that started a flow completes it.
    const again = await attacker.get(`/link/banks/${BCA_ID}/redirect`);
    const own = await loginAtBankPage(again.headers.get('location') as string, OWNER);
    if (own.outcome !== 'redirected') throw new Error(`bank refused: ${own.status}`);
    const done = await attacker.get(own.location, { accept: 'text/html' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/link/vault?connected=1');
    expect(await connectionsOfUser()).toBe(1);
  });

  it('Link pages: a flow whose Link session has ended is refused even in its browser', async () => {
    const browser = new LinkBrowser(world.base);
    await browser.enter(await world.mintToken());
    const toBank = await browser.get(`/link/banks/${BCA_ID}/redirect`);
    const own = await loginAtBankPage(toBank.headers.get('location') as string, OWNER);
    if (own.outcome !== 'redirected') throw new Error(`bank refused: ${own.status}`);
    await world.ds.query(`UPDATE link_page_sessions SET expires_at = $2 WHERE user_id = $1`, [world.scope.userId, new Date(world.clock.now().getTime() - 1000)]);
    const before = await connectionsOfUser();
    expect((await browser.get(own.location, { accept: 'application/json' })).status).toBe(403);
    expect(await connectionsOfUser()).toBe(before);
  });

  it('API: the redirect URL is a single-use Kinko start URL; the callback is refused without the cookie it set', async () => {
    const start = await world.api<{ redirectUrl: string; connectFlowId: string }>('POST', `/api/v2/connect/${BCA_ID}`, {});
    expect(start.status).toBe(201);
    const startUrl = new URL(start.json.redirectUrl);
    expect(`${startUrl.origin}${startUrl.pathname}`).toBe(`${world.base}/api/v2/connect/flows/${start.json.connectFlowId}/browser`);
    // A wrong key opens nothing.
    expect((await fetch(`${startUrl.origin}${startUrl.pathname}?key=guess`, { redirect: 'manual' })).status).toBe(404);

    // The attacker opens the start URL and passes the bank login URL on to a victim.
    const attacker = await openConnectStart(start.json.redirectUrl);
    expect(attacker.cookie).toMatch(/^kinko_flow=/);
    expect(new URL(attacker.bankUrl).origin).toBe(new URL(bca.url(BCA_CODE)).origin);
    // Single use: a second browser cannot be bound to the same flow.
    const second = await fetch(start.json.redirectUrl, { redirect: 'manual' });
    expect([second.status, ((await second.json()) as { type: string }).type]).toEqual([409, 'https://kinko.dev/problems/connect-link-used']);
    expect(second.headers.getSetCookie()).toEqual([]);

    const before = await connectionsOfUser();
    const victim = await loginAtBankPage(attacker.bankUrl, VICTIM);
    if (victim.outcome !== 'redirected') throw new Error(`bank refused: ${victim.status}`);
    const refused = await fetch(victim.location, { headers: { accept: 'application/json' } });
    expect(refused.status).toBe(403);
    expect(await connectionsOfUser()).toBe(before);
    const forged = await fetch(victim.location, { headers: { accept: 'application/json', cookie: 'kinko_flow=forged' } });
    expect(forged.status).toBe(403);
    // The cookie is a secret of its own, not the start URL's key (which a log or a history may keep).
    expect(attacker.cookie).not.toContain(startUrl.searchParams.get('key') as string);

    // The honest path: the user's own browser opens the start URL, logs in, comes back with the cookie.
    const honest = await world.api<{ redirectUrl: string }>('POST', `/api/v2/connect/${BCA_ID}`, {});
    const bound = await openConnectStart(honest.json.redirectUrl);
    const login = await loginAtBankPage(bound.bankUrl, OWNER);
    if (login.outcome !== 'redirected') throw new Error(`bank refused: ${login.status}`);
    const done = await fetch(login.location, { headers: { accept: 'application/json', cookie: bound.cookie } });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ status: 'connected', bankId: BCA_ID });
    expect(done.headers.getSetCookie().some((c) => c.startsWith('kinko_flow=;') && /Max-Age=0/.test(c))).toBe(true);
    expect(await connectionsOfUser()).toBe(before + 1);
  });

  it('development: the redirect URI takes the Host header only when it is a loopback host', async () => {
    const port = new URL(world.base).port;
    const headers = (host: string) => ({ host, authorization: `Bearer ${world.token}`, 'content-type': 'application/json', accept: 'application/json' });
    const evil = await rawRequest(world.base, 'POST', `/api/v2/connect/${BCA_ID}`, headers('evil.example'), '{}');
    expect(evil.status).toBe(400);
    expect(evil.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(evil.json)).toContain('loopback');
    expect(evil.text).not.toContain('evil.example/api/v2/connect/callback');
    const evilWithPort = await rawRequest(world.base, 'POST', `/api/v2/connect/${BCA_ID}`, headers(`evil.example:${port}`), '{}');
    expect(evilWithPort.status).toBe(400);

    const local = await rawRequest(world.base, 'POST', `/api/v2/connect/${BCA_ID}`, headers(`localhost:${port}`), '{}');
    expect(local.status).toBe(201);
    const redirectUrl = (local.json as { redirectUrl: string }).redirectUrl;
    expect(redirectUrl.startsWith(`http://localhost:${port}/api/v2/connect/flows/`)).toBe(true);
    const bound = await openConnectStart(redirectUrl.replace(`localhost:${port}`, `127.0.0.1:${port}`));
    expect(new URL(bound.bankUrl).searchParams.get('redirect_uri')?.split('?')[0]).toBe(`http://localhost:${port}/api/v2/connect/callback`);
  });

  // Last: it moves the clock past the flow's lifetime (and the world's user token with it).
  it('API: a callback after the flow expired is refused as connect-flow-expired, in the browser that started it', async () => {
    const start = await world.api<{ redirectUrl: string }>('POST', `/api/v2/connect/${BCA_ID}`, {});
    const bound = await openConnectStart(start.json.redirectUrl);
    const login = await loginAtBankPage(bound.bankUrl, OWNER);
    if (login.outcome !== 'redirected') throw new Error(`bank refused: ${login.status}`);
    const before = await connectionsOfUser();
    world.clock.advance(CONNECT_FLOW_TTL_MS + 1_000);
    const late = await fetch(login.location, { headers: { accept: 'application/json', cookie: bound.cookie } });
    expect([late.status, ((await late.json()) as { type: string }).type]).toEqual([409, 'https://kinko.dev/problems/connect-flow-expired']);
    expect(await connectionsOfUser()).toBe(before);
  });
});

describe('redirect URI in production', () => {
  let db: TestDatabase;
  let bca: BankCommonApiSandbox;
  const apps: NestFastifyApplication[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    bca = await startBankCommonApiSandbox({ banks: [{ bankCode: BCA_CODE, bankName: 'セキュリティ銀行', client: BCA_CLIENT, users: [{ ...OWNER, accounts: 1, transactionsPerAccount: 1, historyDays: 5 }] }], seed: 12 });
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await bca?.close();
    await db?.drop();
  });

  /** A production app on loopback, a user and its token. */
  const start = async (env: Record<string, string>) => {
    const app = await createApp({ settings: { settings: testSettings({ KINKO_MODE: 'production', ...env }) }, databaseUrl: db.url, logger: false, banks: [bcaEntry(bca)] });
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const boot = await app.get(TenantsService).bootstrap(`Prod ${apps.length}`);
    const user = await app.get(UsersService).create({ tenantId: boot.tenant.id }, `u-${apps.length}`);
    const token = (await app.get(UserTokensService).mint({ tenantId: boot.tenant.id, userId: user.id })).token;
    return { base, headers: (host: string) => ({ host, authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' }) };
  };

  it('without KINKO_PUBLIC_URL no flow starts, whatever the Host (503 naming the setting)', async () => {
    const prod = await start({});
    for (const host of ['evil.example', new URL(prod.base).host]) {
      const r = await rawRequest(prod.base, 'POST', `/api/v2/connect/${BCA_ID}`, prod.headers(host), '{}');
      expect(r.status).toBe(503);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.text).toContain('KINKO_PUBLIC_URL');
    }
  });

  it('with KINKO_PUBLIC_URL the redirect URI is always its own, never the Host header', async () => {
    const prod = await start({ KINKO_PUBLIC_URL: 'https://kinko.example' });
    const r = await rawRequest(prod.base, 'POST', `/api/v2/connect/${BCA_ID}`, prod.headers('evil.example'), '{}');
    expect(r.status).toBe(201);
    const startUrl = new URL((r.json as { redirectUrl: string }).redirectUrl);
    expect(startUrl.origin).toBe('https://kinko.example');
    // The public URL is a proxy in front; here the start URL is opened on the app itself.
    const bound = await openConnectStart(`${prod.base}${startUrl.pathname}${startUrl.search}`);
    expect(new URL(bound.bankUrl).searchParams.get('redirect_uri')?.split('?')[0]).toBe('https://kinko.example/api/v2/connect/callback');
  });
});
