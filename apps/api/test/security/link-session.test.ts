import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TenantsService } from '../../src/tenants/tenants.service';
import { LinkBrowser, type LinkWorld, NETBANK_ID, credentialsOf, startLinkWorld } from '../link/harness';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { rawRequest } from './http';

// The Link session is its own value (issue 21, item 9): the URL token, once exchanged, opens
// nothing — not as the cookie, not a second time, not as a bearer token. The CSRF token is
// the session's own (item 10). An empty X-Api-Key header is no key (item 10).

describe('Link session and API keys', () => {
  let db: TestDatabase;
  let world: LinkWorld;

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await startLinkWorld(db, { worker: false });
  });
  afterAll(async () => {
    await world?.close();
    await db?.drop();
  });

  const connectionsOfUser = async (): Promise<number> =>
    Number(((await world.ds.query(`SELECT count(*)::int AS n FROM connections WHERE user_id = $1`, [world.scope.userId])) as Array<{ n: number }>)[0]?.n);

  it('the exchanged URL token is not the session: not as the cookie, not again, not as a bearer token', async () => {
    const token = await world.mintToken();
    // Before the exchange the token is a user token like any other.
    const before = await fetch(`${world.base}/api/v2/connections`, { headers: { authorization: `Bearer ${token}` } });
    expect(before.status).toBe(200);

    const entry = await fetch(`${world.base}/link/connect?token=${token}`, { redirect: 'manual' });
    expect(entry.status).toBe(303);
    const cookie = entry.headers.getSetCookie().find((c) => c.startsWith('kinko_link=')) as string;
    const session = decodeURIComponent((cookie.split(';')[0] as string).slice('kinko_link='.length));
    expect(session).not.toBe(token);
    expect(session).not.toContain(token.split('.')[1] as string);
    // The session opens the vault; the token in its place opens nothing.
    expect((await fetch(`${world.base}/link/vault`, { headers: { cookie: `kinko_link=${session}` } })).status).toBe(200);
    const withToken = await fetch(`${world.base}/link/vault`, { headers: { cookie: `kinko_link=${token}` } });
    expect(withToken.status).toBe(401);
    expect((await fetch(`${world.base}/link/vault/status`, { headers: { cookie: `kinko_link=${token}` } })).status).toBe(401);
    // Single use, and spent as a bearer token too.
    expect((await fetch(`${world.base}/link/connect?token=${token}`, { redirect: 'manual' })).status).toBe(401);
    const bearer = await fetch(`${world.base}/api/v2/connections`, { headers: { authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get('content-type')).toContain('application/problem+json');
    // Other tokens of the user are untouched.
    expect((await world.api('GET', '/api/v2/connections')).status).toBe(200);
  });

  it('the session is kept server-side: only a hash of the cookie is stored, and it expires', async () => {
    const browser = new LinkBrowser(world.base);
    await browser.enter(await world.mintToken());
    const rows = (await world.ds.query(`SELECT secret_hash, expires_at FROM link_page_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1`, [world.scope.userId])) as Array<{
      secret_hash: string;
      expires_at: Date;
    }>;
    expect(rows[0]?.secret_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await browser.get('/link/vault')).status).toBe(200);
    world.clock.advance(901_000); // KINKO_USER_TOKEN_TTL_SECONDS (900) without activity
    expect((await browser.get('/link/vault')).status).toBe(401);
  });

  it('CSRF tokens are per session: two sessions of one user get different ones, and one’s does not pass in the other', async () => {
    const a = new LinkBrowser(world.base);
    const b = new LinkBrowser(world.base);
    await a.enter(await world.mintToken());
    await b.enter(await world.mintToken());
    await a.get(`/link/banks/${NETBANK_ID}`);
    await b.get(`/link/banks/${NETBANK_ID}`);
    expect(a.lastCsrf).not.toBe('');
    expect(b.lastCsrf).not.toBe('');
    expect(a.lastCsrf).not.toBe(b.lastCsrf);
    const own = a.lastCsrf;
    a.lastCsrf = b.lastCsrf;
    const crossed = await a.post(`/link/banks/${NETBANK_ID}/credentials`, credentialsOf(world.netbank, 'happy'));
    expect(crossed.status).toBe(403);
    expect(await connectionsOfUser()).toBe(0);
    // The session's own token stays the same across its pages.
    a.lastCsrf = '';
    await a.get('/link/banks');
    await a.get(`/link/banks/${NETBANK_ID}`);
    expect(a.lastCsrf).toBe(own);
  });

  it('an empty X-Api-Key header beside a valid bearer API key is no key: the bearer key authenticates', async () => {
    const boot = await world.app.get(TenantsService).bootstrap('Empty header tenant');
    const withEmpty = await rawRequest(world.base, 'GET', '/api/v2/tenant', { 'x-api-key': '', authorization: `Bearer ${boot.apiKey.apiKey}` });
    expect(withEmpty.status).toBe(200);
    expect(withEmpty.json).toMatchObject({ id: boot.tenant.id });
    const blank = await rawRequest(world.base, 'GET', '/api/v2/tenant', { 'x-api-key': '   ', authorization: `Bearer ${boot.apiKey.apiKey}` });
    expect(blank.status).toBe(200);
    // Alone it is still no key; a wrong non-empty header still decides.
    const alone = await rawRequest(world.base, 'GET', '/api/v2/tenant', { 'x-api-key': '' });
    expect(alone.status).toBe(401);
    expect(alone.headers['content-type']).toContain('application/problem+json');
    const wrong = await rawRequest(world.base, 'GET', '/api/v2/tenant', { 'x-api-key': 'kinko_wrong', authorization: `Bearer ${boot.apiKey.apiKey}` });
    expect(wrong.status).toBe(401);
  });
});
