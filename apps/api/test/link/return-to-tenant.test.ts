import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { LOGO_PNG, type TenantApp, type ViewportName, checkPage, chromiumSuite, launchChromium, newContext, startTenantApp } from './chromium';
import { LinkBrowser, type LinkWorld, NETBANK_ID, credentialsOf, startLinkWorld } from './harness';

// Issue 16 §1 and §5: the tenant registers its return URLs and its look (tenant API); a Link
// flow started with `redirectUri` + `state` ends at that URL with status, connectionId and the
// state — connected, cancelled (from any page) or failed — and the pages name the tenant's app.

const LOGO = 'https://logo.kinko-tests.invalid/acme.png';
const APP_NAME = 'Acme 家計簿';
/** A walk through the pages in Chromium, a login and a sync included (a loaded 2-core machine). */
const BROWSER_TEST_MS = 150_000;

async function tenantApi(world: LinkWorld, method: string, path: string, body?: unknown): Promise<{ status: number; type: string | null; json: Record<string, unknown> }> {
  const res = await fetch(`${world.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${world.apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, type: res.headers.get('content-type'), json: (await res.json()) as Record<string, unknown> };
}

describe('Link settings of a tenant (return URLs, name, logo, accent colour)', () => {
  let db: TestDatabase;
  let world: LinkWorld;
  let tenantApp: TenantApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await startLinkWorld(db, { worker: false });
    tenantApp = await startTenantApp();
  });
  afterAll(async () => {
    await tenantApp?.close();
    await world?.close();
    await db?.drop();
  });

  it('are set and read through the tenant API, each value checked (400 problem, nothing stored)', async () => {
    const initial = await tenantApi(world, 'GET', '/api/v2/tenant/link-settings');
    expect(initial.status).toBe(200);
    expect(initial.json).toMatchObject({ logoUrl: null, accentColor: null, returnUrls: [] });
    for (const [body, field] of [
      [{ returnUrls: ['http://app.example.com/done'] }, 'returnUrls'],
      [{ returnUrls: ['https://app.example.com/done#x'] }, 'returnUrls'],
      [{ returnUrls: ['not a url'] }, 'returnUrls'],
      [{ logoUrl: 'http://logo.example.com/a.png' }, 'logoUrl'],
      [{ accentColor: 'red' }, 'accentColor'],
      [{ accentColor: '#ffee00' }, 'accentColor'], // white text on it would be unreadable
    ] as const) {
      const refused = await tenantApi(world, 'PUT', '/api/v2/tenant/link-settings', body);
      expect({ body, status: refused.status, type: refused.type?.split(';')[0] }).toEqual({ body, status: 400, type: 'application/problem+json' });
      expect(JSON.stringify(refused.json)).toContain(field);
    }
    expect((await tenantApi(world, 'GET', '/api/v2/tenant/link-settings')).json).toEqual(initial.json);
    const set = await tenantApi(world, 'PUT', '/api/v2/tenant/link-settings', {
      displayName: APP_NAME,
      logoUrl: LOGO,
      accentColor: '#0B6E4F',
      returnUrls: [tenantApp.returnUrl, 'https://app.example.com/kinko/done'],
    });
    expect(set.status).toBe(200);
    expect(set.json).toEqual({ displayName: APP_NAME, logoUrl: LOGO, accentColor: '#0b6e4f', returnUrls: [tenantApp.returnUrl, 'https://app.example.com/kinko/done'] });
    expect((await tenantApi(world, 'GET', '/api/v2/tenant/link-settings')).json).toEqual(set.json);
  });

  it('a redirectUri not registered exactly is refused (400) before the token is spent', async () => {
    const token = await world.mintToken();
    for (const wrong of [`${tenantApp.returnUrl}/more`, tenantApp.returnUrl.replace('/done', '/DONE'), 'https://evil.example/done']) {
      const res = await fetch(`${world.base}/link/connect?token=${token}&redirectUri=${encodeURIComponent(wrong)}&state=s1`, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.getSetCookie().some((c) => c.startsWith('kinko_link='))).toBe(false);
    }
    const ok = await fetch(`${world.base}/link/connect?token=${token}&redirectUri=${encodeURIComponent(tenantApp.returnUrl)}&state=s1`, { redirect: 'manual' });
    expect(ok.status).toBe(303);
  });

  it('the pages allow exactly the logo’s origin for images; no inline script or style', async () => {
    const browser = new LinkBrowser(world.base);
    const vault = await browser.enter(await world.mintToken());
    const csp = vault.headers.get('content-security-policy') as string;
    expect(csp).toContain("img-src 'self' data: https://logo.kinko-tests.invalid;");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("form-action 'self'");
    expect(vault.text).toContain(`<img class="logo" src="${LOGO}"`);
    expect(vault.text).toContain(APP_NAME);
    const theme = await browser.get('/link/assets/theme.css');
    expect(theme.text).toContain('--accent:#0b6e4f');
  });
});

const suite = chromiumSuite('Link return to the tenant in Chromium');

suite('Link flow back to the tenant’s app, in Chromium', () => {
  let db: TestDatabase;
  let world: LinkWorld;
  let tenantApp: TenantApp;
  let browser: Browser;

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await startLinkWorld(db);
    tenantApp = await startTenantApp();
    const set = await tenantApi(world, 'PUT', '/api/v2/tenant/link-settings', { displayName: APP_NAME, logoUrl: LOGO, accentColor: '#0b6e4f', returnUrls: [tenantApp.returnUrl] });
    expect(set.status).toBe(200);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await tenantApp?.close();
    await world?.close();
    await db?.drop();
  });

  const TEXTS = {
    ja: { addBank: '金融機関を追加', connect: '接続する', cancel: 'キャンセルしてアプリに戻る', back: `${APP_NAME}に戻る`, uses: `${APP_NAME}は` },
    en: { addBank: 'Add a bank', connect: 'Connect', cancel: 'Cancel and go back to the app', back: `Back to ${APP_NAME}`, uses: `${APP_NAME} uses Kinko to connect to` },
  } as const;
  const CASES = (['ja', 'en'] as const).flatMap((lang) => (['desktop', 'mobile'] as const).map((viewport) => [lang, viewport] as [typeof lang, ViewportName]));

  async function open(page: Page, lang: 'ja' | 'en', state: string): Promise<void> {
    await page.route('https://logo.kinko-tests.invalid/**', (route) => route.fulfill({ status: 200, contentType: 'image/png', body: LOGO_PNG }));
    await page.goto(`${world.base}/link/connect?token=${await world.mintToken()}&lang=${lang}&redirectUri=${encodeURIComponent(tenantApp.returnUrl)}&state=${encodeURIComponent(state)}`);
  }

  async function fillLogin(page: Page, lang: 'ja' | 'en', userId: string, password: string): Promise<void> {
    const fields = (await world.api<{ fields: Array<{ name: string; label: Record<string, string> }> }>('GET', `/api/v2/connect/${NETBANK_ID}/credentials`)).json.fields;
    const labelOf = (name: string): string => fields.find((f) => f.name === name)?.label[lang] as string;
    await page.getByLabel(labelOf('userId')).fill(userId);
    await page.getByLabel(labelOf('password')).fill(password);
  }

  it.each(CASES)('%s, %s: connected — the browser lands at the return URL with status, connectionId and state', async (lang, viewport) => {
    const t = TEXTS[lang];
    const context = await newContext(browser, lang, viewport);
    const page = await context.newPage();
    try {
      const state = `st-${lang}-${viewport}-&=?`;
      await open(page, lang, state);
      expect(await page.locator('header .brand').textContent()).toContain(APP_NAME);
      expect(await page.locator('img.logo').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(1);
      await checkPage(page, `return-vault-${lang}-${viewport}`);
      await page.getByRole('link', { name: t.addBank }).click();
      await checkPage(page, `return-banks-${lang}-${viewport}`);
      await page.locator(`a[href="/link/banks/${NETBANK_ID}"]`).click();
      expect(await page.locator('.uses-kinko').textContent()).toContain(t.uses);
      await checkPage(page, `return-bank-form-${lang}-${viewport}`);
      const { userId, password } = credentialsOf(world.netbank, 'happy');
      await fillLogin(page, lang, userId as string, password as string);
      await page.getByRole('button', { name: t.connect }).click();
      await page.waitForURL((url) => url.href.startsWith(tenantApp.returnUrl), { timeout: 60_000 });
      const back = new URL(page.url());
      expect(back.searchParams.get('status')).toBe('connected');
      expect(back.searchParams.get('state')).toBe(state);
      const connectionId = back.searchParams.get('connectionId') as string;
      const rows = (await world.ds.query(`SELECT aggregation_status FROM connections WHERE id = $1 AND user_id = $2`, [connectionId, world.scope.userId])) as Array<{ aggregation_status: string }>;
      expect(rows).toEqual([{ aggregation_status: 'success' }]);
      // The flow is over: the Link session ended with it.
      expect((await page.goto(`${world.base}/link/vault`))?.status()).toBe(401);
    } finally {
      await context.close();
    }
  }, BROWSER_TEST_MS);

  it.each(CASES)('%s, %s: cancelled from any page — status=cancelled and the state, no connection', async (lang, viewport) => {
    const t = TEXTS[lang];
    const context = await newContext(browser, lang, viewport);
    const page = await context.newPage();
    try {
      await open(page, lang, 'cancel-me');
      for (const path of ['/link/vault', '/link/banks', `/link/banks/${NETBANK_ID}`]) {
        await page.goto(`${world.base}${path}`);
        expect(await page.getByRole('link', { name: t.cancel }).count()).toBe(1);
      }
      await page.getByRole('link', { name: t.cancel }).click();
      await page.waitForURL((url) => url.href.startsWith(tenantApp.returnUrl));
      const back = new URL(page.url());
      expect(Object.fromEntries(back.searchParams)).toEqual({ status: 'cancelled', state: 'cancel-me' });
    } finally {
      await context.close();
    }
  }, BROWSER_TEST_MS);

  it.each(CASES)('%s, %s: failed — a wrong password offers the way back, status=failed with the connection', async (lang, viewport) => {
    const t = TEXTS[lang];
    const context = await newContext(browser, lang, viewport);
    const page = await context.newPage();
    try {
      await open(page, lang, 'will-fail');
      await page.goto(`${world.base}/link/banks/${NETBANK_ID}`);
      await fillLogin(page, lang, 'happy', 'not-the-password');
      await page.getByRole('button', { name: t.connect }).click();
      const back = page.getByRole('link', { name: t.back });
      await back.waitFor({ timeout: 60_000 });
      await checkPage(page, `return-failed-${lang}-${viewport}`);
      const connectionId = /\/link\/connections\/([0-9a-f-]+)/.exec(page.url())?.[1] as string;
      await back.click();
      await page.waitForURL((url) => url.href.startsWith(tenantApp.returnUrl));
      expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ status: 'failed', connectionId, state: 'will-fail' });
    } finally {
      await context.close();
    }
  }, BROWSER_TEST_MS);
});
