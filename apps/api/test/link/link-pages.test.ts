import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { LinkBrowser, type LinkWorld, NETBANK_ID, credentialsOf, startLinkWorld, vaultRows } from './harness';

// The Link pages over HTTP without a browser: the session (token exchanged once for an
// HttpOnly cookie), languages, the bank search, the forms' labels, CSRF and Origin checks,
// and the no-JavaScript refresh while a run is under way.

describe('Link pages', () => {
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

  it('exchanges the URL token once for an HttpOnly cookie and removes it from the URL', async () => {
    const token = await world.mintToken();
    const first = await fetch(`${world.base}/link/connect?token=${token}`, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/link/vault');
    const cookie = first.headers.getSetCookie().find((c) => c.startsWith('kinko_link=')) as string;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/link/);
    expect(cookie).not.toContain(token);
    expect(first.headers.get('cache-control')).toBe('no-store');
    // Single use: the same token again is refused.
    const replay = await fetch(`${world.base}/link/connect?token=${token}`, { redirect: 'manual' });
    expect(replay.status).toBe(401);
    expect(replay.headers.getSetCookie().some((c) => c.startsWith('kinko_link='))).toBe(false);
    expect((await fetch(`${world.base}/link/connect?token=nonsense`, { redirect: 'manual' })).status).toBe(401);
    // Without a session the pages say so.
    const anonymous = await fetch(`${world.base}/link/vault`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toContain('セッションの有効期限が切れました');
  });

  it('speaks Japanese by default, the Accept-Language, or the language chosen (remembered)', async () => {
    const browser = new LinkBrowser(world.base);
    const ja = await browser.enter(await world.mintToken());
    expect(ja.text).toContain('<html lang="ja">');
    expect(ja.text).toContain('登録済みの金融機関');
    const en = await browser.get('/link/vault', { 'accept-language': 'en-GB,en;q=0.9' });
    expect(en.text).toContain('<html lang="en">');
    expect(en.text).toContain('Your connected banks');
    const pl = await browser.get('/link/vault?lang=pl', { 'accept-language': 'en' });
    expect(pl.text).toContain('<html lang="pl">');
    expect(browser.cookieNames()).toContain('kinko_lang');
    const remembered = await browser.get('/link/banks', { 'accept-language': 'en' });
    expect(remembered.text).toContain('Wybierz bank');
    // The switcher links to the same page in each language.
    expect(remembered.text).toContain('href="/link/banks?lang=ja"');
  });

  it('finds banks by name or bank code, and shows the credential form with labels in the language', async () => {
    const browser = new LinkBrowser(world.base);
    await browser.enter(await world.mintToken(), 'en');
    const byCode = await browser.get(`/link/banks?q=${world.netbank.bankCode}`);
    expect(byCode.text).toContain(`href="/link/banks/${NETBANK_ID}"`);
    const byName = await browser.get(`/link/banks?q=${encodeURIComponent('test NET')}`);
    expect(byName.text).toContain(`href="/link/banks/${NETBANK_ID}"`);
    const none = await browser.get('/link/banks?q=zzzz');
    expect(none.text).toContain('No bank matches.');
    const form = await browser.get(`/link/banks/${NETBANK_ID}`);
    expect(form.text).toContain('<label for="cred-password">Login password</label>');
    expect(form.text).toContain('id="cred-password" name="password" type="password"');
    expect(form.text).toMatch(/<label for="cred-userId">Login ID/);
  });

  it('refuses a POST without the session’s CSRF token or from another origin', async () => {
    const browser = new LinkBrowser(world.base);
    await browser.enter(await world.mintToken());
    await browser.get(`/link/banks/${NETBANK_ID}`);
    const csrf = browser.lastCsrf;
    browser.lastCsrf = 'forged';
    expect((await browser.post(`/link/banks/${NETBANK_ID}/credentials`, credentialsOf(world.netbank, 'happy'))).status).toBe(403);
    browser.lastCsrf = csrf;
    const cross = await fetch(`${world.base}/link/banks/${NETBANK_ID}/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example', cookie: '' },
      body: new URLSearchParams({ _csrf: csrf, ...credentialsOf(world.netbank, 'happy') }).toString(),
      redirect: 'manual',
    });
    expect(cross.status).toBe(401); // no session cookie travels cross-site (SameSite=Lax)
    expect(Number((await world.ds.query(`SELECT count(*)::int AS n FROM connections WHERE user_id = $1`, [world.scope.userId]))[0].n)).toBe(0);
  });

  it('credentials posted from the form: nothing secret in the URL; the run’s page refreshes itself without JavaScript', async () => {
    const browser = new LinkBrowser(world.base);
    await browser.enter(await world.mintToken());
    await browser.get(`/link/banks/${NETBANK_ID}`);
    // Two minutes to fill in the form: the session cookie is re-minted on the POST, the form's CSRF token still holds.
    world.clock.advance(120_000);
    const posted = await browser.post(`/link/banks/${NETBANK_ID}/credentials`, credentialsOf(world.netbank, 'happy'));
    expect(browser.cookieNames()).toContain('kinko_link');
    expect(posted.status).toBe(303);
    const location = posted.headers.get('location') as string;
    expect(location).toMatch(/^\/link\/connections\/[0-9a-f-]{36}$/);
    // No worker in this app: the first sync waits, the connection stays in running.auth.
    const page = await browser.get(location);
    expect(page.text).toContain('<noscript><meta http-equiv="refresh" content="3"></noscript>');
    expect(page.text).toContain('data-poll="/link/vault/status"');
    expect(page.text).toContain('aria-current="step">接続中</li>');
    expect(page.text).not.toContain(world.netbank.persona('happy').password);
    const status = await browser.get('/link/vault/status');
    const id = location.split('/').pop() as string;
    expect(JSON.parse(status.text)).toEqual({ connections: [{ id, status: 'running.auth' }] });
    expect(vaultRows((await browser.get('/link/vault')).text)).toMatchObject([{ id, status: 'running.auth', label: '接続中', nextAction: 'wait' }]);
  });
});
