import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { ConnectorRegistry } from '@kinko/connector-sdk';
import { type BankCommonApiSandbox, loginAtBankPage } from '@kinko/sandbox-bank';
import type { Browser, Page } from 'playwright-core';
import { CONNECTOR_REGISTRY } from '../../src/connectors/connector-registry.token';
import { type TenantApp, type ViewportName, checkPage, chromiumSuite, launchChromium, newContext, startTenantApp } from './chromium';
import { LinkBrowser, type LinkWorld, type LinkWorldWithBank, eventually, reachStatus, startLinkWorldWithBca } from './harness';

// Issue 16, done-when: the flows the other Chromium walks take with the credential net bank,
// here with a redirect bank (a 銀行共通API bank's own login page), in ja and en at desktop
// and 375 px — the consent screen before the bank, the return URL with the tenant's state
// after it, the consent-expiry warning and its one-click renewal — and one Polish walk at
// 375 px (consent screen, vault with accounts and balances, "N minut temu"). axe-core on
// every Kinko page, screenshots under .test-results/link-screenshots/.

const BCA_CODE = '0009';
const BCA_ID = 'bca-walks';
const BCA_NAME = 'テスト共通API銀行';
const CLIENT = { apiKey: 'walks-key', password: 'walks-secret', redirectDomains: ['127.0.0.1'] };
const OWNER = { id: 'hanako', password: 'pw-hanako-bank' };
const APP_NAME = 'Acme 家計簿';
const DAY = 86_400_000;
const BROWSER_TEST_MS = 120_000;

const suite = chromiumSuite('Link redirect-bank walks in Chromium');

suite('Link pages with a redirect bank, in Chromium: return URL, consent, expiry renewal; Polish at 375 px', () => {
  let started: LinkWorldWithBank<BankCommonApiSandbox>;
  let bca: BankCommonApiSandbox;
  let world: LinkWorld;
  let tenantApp: TenantApp;
  let browser: Browser;
  /** A connection made over HTTP before the walks, synced: the one whose consent nears its end. */
  let expiring: string;

  beforeAll(async () => {
    started = await startLinkWorldWithBca(BCA_ID, {
      banks: [{ bankCode: BCA_CODE, bankName: BCA_NAME, client: CLIENT, users: [{ ...OWNER, accounts: 2, transactionsPerAccount: 5, historyDays: 20 }] }],
      seed: 16,
    });
    ({ bank: bca, world } = started);
    tenantApp = await startTenantApp();
    const settings = await fetch(`${world.base}/api/v2/tenant/link-settings`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${world.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: APP_NAME, returnUrls: [tenantApp.returnUrl] }),
    });
    expect(settings.status).toBe(200);
    const link = new LinkBrowser(world.base);
    await link.enter(await world.mintToken());
    const login = await loginAtBankPage((await link.get(`/link/banks/${BCA_ID}/redirect`)).headers.get('location') as string, OWNER);
    if (login.outcome !== 'redirected') throw new Error(`bank refused: ${login.status}`);
    await link.get(login.location, { accept: 'text/html' });
    const [row] = (await world.ds.query(`SELECT id FROM connections WHERE user_id = $1 AND bank_id = $2`, [world.scope.userId, BCA_ID])) as Array<{ id: string }>;
    expiring = (row as { id: string }).id;
    await reachStatus(world, expiring, 'success', 60_000);
    browser = await launchChromium();
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await tenantApp?.close();
    await started?.close();
  });

  const TEXTS = {
    ja: { toBank: '金融機関のサイトへ進む', uses: `${APP_NAME}は${BCA_NAME}との連携に Kinko を使用しています。`, warning: '銀行への同意の有効期限まであと7日です', renew: '同意を更新する' },
    en: { toBank: "Continue to the bank's site", uses: `${APP_NAME} uses Kinko to connect to ${BCA_NAME}.`, warning: 'Your consent at the bank expires in 7 days', renew: 'Renew consent' },
  } as const;
  const CASES = (['ja', 'en'] as const).flatMap((lang) => (['desktop', 'mobile'] as const).map((viewport) => [lang, viewport] as [typeof lang, ViewportName]));

  /** At the bank's own login page: log in and allow. */
  async function logInAtBank(page: Page): Promise<void> {
    const bank = new URL(bca.url(BCA_CODE)).origin;
    await page.waitForURL((url) => url.origin === bank, { timeout: 30_000 });
    await page.locator('#login-id').fill(OWNER.id);
    await page.locator('#login-password').fill(OWNER.password);
    await page.locator('button[name="action"][value="login"]').click();
  }

  const latestConsent = async (connectionId: string): Promise<{ id: string; status: string; expiration_date: Date }> =>
    (
      (await world.ds.query(`SELECT id, status, expiration_date FROM consents WHERE connection_id = $1 ORDER BY create_date DESC, id DESC LIMIT 1`, [connectionId])) as Array<{
        id: string;
        status: string;
        expiration_date: Date;
      }>
    )[0] as { id: string; status: string; expiration_date: Date };

  /** The connection's sync sessions (only the finished ones with `finished`). */
  const syncSessionsOf = async (connectionId: string, finished = false): Promise<string[]> =>
    ((await world.ds.query(`SELECT id FROM sync_sessions WHERE connection_id = $1${finished ? ' AND finished_at IS NOT NULL' : ''}`, [connectionId])) as Array<{ id: string }>).map((r) => r.id);

  it.each(CASES)('%s, %s: consent screen, the bank, then back at the return URL with status=connected, connectionId and state', async (lang, viewport) => {
    const t = TEXTS[lang];
    const context = await newContext(browser, lang, viewport);
    const page = await context.newPage();
    try {
      const state = `redirect-${lang}-${viewport}`;
      await page.goto(`${world.base}/link/connect?token=${await world.mintToken()}&lang=${lang}&redirectUri=${encodeURIComponent(tenantApp.returnUrl)}&state=${state}`);
      await page.goto(`${world.base}/link/banks?q=${BCA_CODE}`);
      await page.locator(`a[href="/link/banks/${BCA_ID}"]`).click();
      expect(await page.locator('.uses-kinko').textContent()).toBe(t.uses);
      expect(await page.locator('section.consent [data-consent]').evaluateAll((items) => items.map((i) => i.getAttribute('data-consent')))).toEqual(['accounts', 'balances', 'transactions', 'validity', 'withdraw']);
      await checkPage(page, `redirect-consent-${lang}-${viewport}`);
      await page.getByRole('link', { name: t.toBank }).click();
      await logInAtBank(page);
      await page.waitForURL((url) => url.href.startsWith(tenantApp.returnUrl), { timeout: 30_000 });
      const back = new URL(page.url());
      expect(back.searchParams.get('status')).toBe('connected');
      expect(back.searchParams.get('state')).toBe(state);
      const rows = (await world.ds.query(`SELECT bank_id FROM connections WHERE id = $1 AND user_id = $2`, [back.searchParams.get('connectionId'), world.scope.userId])) as Array<{ bank_id: string }>;
      expect(rows).toEqual([{ bank_id: BCA_ID }]);
    } finally {
      await context.close();
    }
  }, BROWSER_TEST_MS);

  it.each(CASES)('%s, %s: 7 days before the consent ends the vault warns; Renew consent goes through the bank and the warning is gone', async (lang, viewport) => {
    const t = TEXTS[lang];
    const before = await latestConsent(expiring);
    await world.ds.query(`UPDATE consents SET expiration_date = $2 WHERE id = $1`, [before.id, new Date(world.clock.now().getTime() + 6 * DAY + 3_600_000)]);
    const context = await newContext(browser, lang, viewport);
    const page = await context.newPage();
    try {
      await page.goto(`${world.base}/link/connect?token=${await world.mintToken()}&lang=${lang}`);
      const row = page.locator(`.connection[data-connection-id="${expiring}"]`);
      expect(await row.locator('.expiry-warning').textContent()).toContain(t.warning);
      await checkPage(page, `expiry-warning-${lang}-${viewport}`);
      world.clock.advance(60_000);
      const sessionsBefore = await syncSessionsOf(expiring);
      await row.getByRole('link', { name: t.renew }).click();
      await logInAtBank(page);
      await page.waitForURL((url) => url.origin === world.base && url.pathname === '/link/vault', { timeout: 30_000 });
      const after = await latestConsent(expiring);
      expect(after.id).not.toBe(before.id);
      expect(after.status).toBe('valid');
      expect(after.expiration_date.getTime()).toBeGreaterThan(world.clock.now().getTime() + 14 * DAY);
      // The renewal's sync: the bank's callback queues it, but the connection moves only when the
      // worker takes it up, so until then the status is still the 'success' from before.
      await eventually('the renewal sync to finish', async () => ((await syncSessionsOf(expiring, true)).some((id) => !sessionsBefore.includes(id)) ? true : undefined), 60_000);
      await reachStatus(world, expiring, 'success', 60_000);
      await page.reload();
      // The sync is over: no "fetching your accounts" left on the page (the address still says connected=1).
      expect(new URL(page.url()).searchParams.get('connected')).toBe('1');
      expect(await page.locator('.notice').count()).toBe(0);
      expect(await row.locator('.expiry-warning').count()).toBe(0);
      expect(await row.locator('.consent-expiry').count()).toBe(1);
      await checkPage(page, `expiry-renewed-${lang}-${viewport}`);
    } finally {
      await context.close();
    }
  }, BROWSER_TEST_MS);

  it('pl, 375 px: the consent screen in Polish, the bank, the vault with accounts and balances, "22 minuty temu" and "25 minut temu"', async () => {
    const limits = world.app.get<ConnectorRegistry>(CONNECTOR_REGISTRY).require(BCA_ID).manifest.limits;
    // The sandbox bank's periods: 730 and 90 days, both "dni" in Polish.
    expect([limits.maxHistoryDays, limits.scaValidityDays]).toEqual([730, 90]);
    const context = await newContext(browser, 'pl', 'mobile');
    const page = await context.newPage();
    try {
      await page.goto(`${world.base}/link/connect?token=${await world.mintToken()}&lang=pl`);
      await page.goto(`${world.base}/link/banks/${BCA_ID}`);
      const until = new Intl.DateTimeFormat('pl-PL', { dateStyle: 'long', timeZone: 'Asia/Tokyo' }).format(new Date(world.clock.now().getTime() + 90 * DAY));
      expect(await page.locator('[data-consent="transactions"]').textContent()).toBe('Ich transakcje z ostatnich 730 dni');
      expect(await page.locator('[data-consent="validity"]').textContent()).toBe(`Zgoda obowiązuje najwyżej 90 dni (do ${until}); bank może ustalić krótszy okres.`);
      await checkPage(page, 'pl-consent-mobile');
      const known = new Set(((await world.ds.query(`SELECT id FROM connections WHERE user_id = $1`, [world.scope.userId])) as Array<{ id: string }>).map((r) => r.id));
      await page.getByRole('link', { name: 'Przejdź na stronę banku' }).click();
      await logInAtBank(page);
      await page.waitForURL((url) => url.origin === world.base && url.pathname === '/link/vault', { timeout: 30_000 });
      const created = ((await world.ds.query(`SELECT id FROM connections WHERE user_id = $1`, [world.scope.userId])) as Array<{ id: string }>).map((r) => r.id).filter((id) => !known.has(id));
      expect(created).toHaveLength(1);
      const connectionId = created[0] as string;
      await reachStatus(world, connectionId, 'success', 60_000);
      await page.reload();
      expect(await page.locator('.notice').count()).toBe(0);
      const row = page.locator(`.connection[data-connection-id="${connectionId}"]`);
      const accounts = (await world.ds.query(
        `SELECT a.id, a.name, a.currency_code, b.balance_minor::text AS balance_minor
           FROM bank_accounts a
           LEFT JOIN LATERAL (SELECT balance_minor FROM daily_balances d WHERE d.account_id = a.id ORDER BY date DESC LIMIT 1) b ON true
          WHERE a.connection_id = $1 AND a.is_active`,
        [connectionId],
      )) as Array<{ id: string; name: string; currency_code: string; balance_minor: string | null }>;
      expect(accounts).toHaveLength(2);
      for (const account of accounts) {
        const tr = row.locator(`tr[data-account-id="${account.id}"]`);
        expect(await tr.locator('.account-name').textContent()).toBe(account.name);
        expect(account.balance_minor).not.toBeNull();
        // JPY has no minor digits: the amount is the minor units, formatted the Polish way.
        expect(await tr.locator('.amount').textContent()).toBe(new Intl.NumberFormat('pl-PL', { style: 'currency', currency: account.currency_code }).format(Number(account.balance_minor)));
        expect(await tr.locator('.balance .hint').textContent()).toMatch(/^na dzień /);
      }
      expect(await row.locator('.status').textContent()).toBe('Zaktualizowano przed chwilą');
      await checkPage(page, 'pl-vault-mobile');
      // Later (a new Link session: the first one has lapsed without activity by then).
      world.clock.advance(22 * 60_000);
      await page.goto(`${world.base}/link/connect?token=${await world.mintToken()}&lang=pl`);
      expect(await row.locator('.status').textContent()).toBe('Zaktualizowano 22 minuty temu');
      world.clock.advance(3 * 60_000);
      await page.reload();
      expect(await row.locator('.status').textContent()).toBe('Zaktualizowano 25 minut temu');
      await checkPage(page, 'pl-vault-25-minutes-mobile');
    } finally {
      await context.close();
    }
  }, BROWSER_TEST_MS);
});
