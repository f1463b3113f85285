/**
 * GMO Aozora Net Bank through the Link pages in Chromium (issue 18, offered in the main job): the
 * user picks the bank in the list, sees the consent screen, logs in at the sandbox bank's own
 * login page (OAuth 2.0 with PKCE), comes back to the vault and sees the accounts with their
 * balances once the first sync ran — in ja at desktop width and en at 375 px, over loopback, on
 * PostgreSQL. axe-core on every Kinko page; screenshots (the bank's page too) under
 * .test-results/link-screenshots/ like the other Link walks.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { gmoAozoraPersonaUser, startGmoAozoraSandbox, type GmoAozoraSandbox } from '@kinko/sandbox-bank';
import type { Browser } from 'playwright-core';
import { SANDBOX_GMO_AOZORA_BANK_ID } from '../../src/server/sandbox-banks';
import { SCREENSHOT_DIR, type ViewportName, checkPage, chromiumSuite, launchChromium, newContext } from '../link/chromium';
import { type LinkWorld, type LinkWorldWithBank, reachStatus, startLinkWorldWithBank } from '../link/harness';

const BROWSER_TEST_MS = 120_000;
const hanako = gmoAozoraPersonaUser();

const suite = chromiumSuite('GMO Aozora through the Link pages in Chromium');

suite('GMO Aozora Net Bank through the Link pages, in Chromium: bank list, consent screen, the bank’s login page, the vault', () => {
  let started: LinkWorldWithBank<GmoAozoraSandbox>;
  let bank: GmoAozoraSandbox;
  let world: LinkWorld;
  let browser: Browser;

  beforeAll(async () => {
    started = await startLinkWorldWithBank(
      () => startGmoAozoraSandbox({ clientId: 'kinko-link', clientSecret: 'link-secret', users: [hanako] }),
      (gmo) => ({ bankId: SANDBOX_GMO_AOZORA_BANK_ID, connector: 'gmo-aozora', options: { baseUrl: gmo.baseUrl, clientId: 'kinko-link', clientSecret: 'link-secret' } }),
    );
    ({ bank, world } = started);
    browser = await launchChromium();
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await started?.close();
  });

  // The bank's name in the page's language (the manifest's displayName).
  const TEXTS = { ja: { toBank: '金融機関のサイトへ進む', bankName: 'GMOあおぞらネット銀行' }, en: { toBank: "Continue to the bank's site", bankName: 'GMO Aozora Net Bank' } } as const;
  const CASES: Array<['ja' | 'en', ViewportName]> = [
    ['ja', 'desktop'],
    ['en', 'mobile'],
  ];

  it.each(CASES)('%s, %s: picks the bank, consents, logs in at the bank, and the vault shows hanako’s accounts with their balances', async (lang, viewport) => {
    const context = await newContext(browser, lang, viewport);
    const page = await context.newPage();
    try {
      await page.goto(`${world.base}/link/connect?token=${await world.mintToken()}&lang=${lang}`);
      await page.goto(`${world.base}/link/banks`);
      const pick = page.locator(`a[href="/link/banks/${SANDBOX_GMO_AOZORA_BANK_ID}"]`);
      expect(await pick.textContent()).toContain(TEXTS[lang].bankName);
      await checkPage(page, `gmo-aozora-banks-${lang}-${viewport}`);
      await pick.click();
      // The consent screen: what the user gives the app, before the bank.
      expect(await page.locator('section.consent [data-consent]').evaluateAll((items) => items.map((i) => i.getAttribute('data-consent')))).toEqual(
        expect.arrayContaining(['accounts', 'transactions', 'validity', 'withdraw']),
      );
      await checkPage(page, `gmo-aozora-consent-${lang}-${viewport}`);
      const known = new Set(((await world.ds.query(`SELECT id FROM connections WHERE user_id = $1`, [world.scope.userId])) as Array<{ id: string }>).map((r) => r.id));

      await page.getByRole('link', { name: TEXTS[lang].toBank }).click();
      // The bank's own login page (the sandbox's, not Kinko's: a screenshot, no axe).
      await page.waitForURL((url) => url.origin === bank.baseUrl && url.pathname === '/authorize', { timeout: 30_000 });
      expect(new URL(page.url()).searchParams.get('code_challenge_method')).toBe('S256');
      await page.locator('input[name="username"]').fill(hanako.username);
      await page.locator('input[name="password"]').fill(hanako.password);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `gmo-aozora-bank-login-${lang}-${viewport}.png`), fullPage: true });
      await page.getByRole('button', { name: 'ログインして許可する' }).click();

      await page.waitForURL((url) => url.origin === world.base && url.pathname === '/link/vault', { timeout: 30_000 });
      const created = ((await world.ds.query(`SELECT id FROM connections WHERE user_id = $1`, [world.scope.userId])) as Array<{ id: string }>).map((r) => r.id).filter((id) => !known.has(id));
      expect(created).toHaveLength(1);
      const connectionId = created[0] as string;
      await reachStatus(world, connectionId, 'success', 60_000);
      await page.reload();
      const row = page.locator(`.connection[data-connection-id="${connectionId}"]`);
      expect(await row.textContent()).toContain(TEXTS[lang].bankName);
      const accounts = (await world.ds.query(`SELECT id, name, currency_code FROM bank_accounts WHERE connection_id = $1 AND is_active ORDER BY name, id`, [connectionId])) as Array<{
        id: string;
        name: string;
        currency_code: string;
      }>;
      expect(accounts).toHaveLength(2);
      // Each account's row: its name and the bank's balance (残高), in yen the page's way.
      const yen = (minor: string): string => new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', { style: 'currency', currency: 'JPY' }).format(Number(minor));
      const shown = await Promise.all(
        accounts.map(async (a) => {
          const tr = row.locator(`tr[data-account-id="${a.id}"]`);
          return { name: await tr.locator('.account-name').textContent(), amount: await tr.locator('.amount').textContent() };
        }),
      );
      expect(shown.map((s) => s.amount).sort()).toEqual(hanako.accounts.map((a) => yen(a.balance)).sort());
      for (const s of shown) expect(s.name).toBe('アオゾラ　ハナコ');
      await checkPage(page, `gmo-aozora-vault-${lang}-${viewport}`);
    } finally {
      await context.close();
    }
  }, BROWSER_TEST_MS);
});
