import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { type BankCommonApiSandbox, startBankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { Browser } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type ViewportName, checkPage, chromiumSuite, launchChromium, newContext } from './chromium';
import { type LinkWorld, NETBANK_ID, OTP_THEN_CAPTCHA, bankSessionOfChallenge, reachStatus, startLinkWorld, vaultRows } from './harness';

// The Link pages in a real browser (Debian's Chromium driven by playwright-core): a person
// connects the credential net bank through OTP and CAPTCHA to a synced connection in the
// vault, in Japanese and in English, at desktop width and at 375 px (axe-core on every page,
// screenshots under .test-results/link-screenshots/); and a 銀行共通API bank through its own
// login page.

const suite = chromiumSuite('Link browser tests');
/** A walk through six pages with two questions and a sync, axe on each (a loaded 2-core machine). */
const WALK_MS = 120_000;

const BCA_CODE = '0009';
const BCA_ID = 'bca-link-test';
const BCA_CLIENT = { apiKey: 'link-test-key', password: 'link-test-secret', redirectDomains: ['127.0.0.1'] };
const BCA_USER = { id: 'hanako', password: 'pw-hanako-bank' };

interface Texts {
  readonly addBank: string;
  readonly connect: string;
  readonly otp: string;
  readonly captcha: string;
  readonly submit: string;
  readonly justNow: string;
}

const TEXTS: Readonly<Record<'ja' | 'en', Texts>> = {
  ja: { addBank: '金融機関を追加', connect: '接続する', otp: 'ワンタイムパスワード', captcha: '画像に表示されている文字', submit: '送信する', justNow: 'ただ今更新されました' },
  en: { addBank: 'Add a bank', connect: 'Connect', otp: 'One-time password', captcha: 'The characters shown in the image', submit: 'Submit', justNow: 'Updated just now' },
};

suite('Link pages in Chromium', () => {
  let db: TestDatabase;
  let bca: BankCommonApiSandbox;
  let world: LinkWorld;
  let browser: Browser;

  beforeAll(async () => {
    db = await createTestDatabase();
    bca = await startBankCommonApiSandbox({
      banks: [{ bankCode: BCA_CODE, bankName: 'テスト共通API銀行', client: BCA_CLIENT, users: [{ ...BCA_USER, accounts: 1, transactionsPerAccount: 30, historyDays: 60 }] }],
      seed: 7,
    });
    world = await startLinkWorld(db, {
      extraBanks: [
        {
          bankId: BCA_ID,
          connector: 'bank-common-api',
          options: { bankCode: BCA_CODE, bankName: 'テスト共通API銀行', baseUrl: bca.url(BCA_CODE), apiKey: BCA_CLIENT.apiKey, password: BCA_CLIENT.password },
        },
      ],
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    await bca?.close();
    await db?.drop();
  });

  const CASES = (['ja', 'en'] as const).flatMap((lang) => (['desktop', 'mobile'] as const).map((viewport) => [lang, viewport] as [typeof lang, ViewportName]));

  it.each(CASES)('%s, %s: choose the net bank, log in, answer the OTP and the CAPTCHA, see it synced in the vault', async (lang, viewport) => {
    const t = TEXTS[lang];
    const fields = (await world.api<{ fields: Array<{ name: string; label: Record<string, string> }> }>('GET', `/api/v2/connect/${NETBANK_ID}/credentials`)).json.fields;
    const labelOf = (name: string): string => fields.find((f) => f.name === name)?.label[lang] as string;
    const context = await newContext(browser, lang, viewport);
    const page = await context.newPage();
    const shot = (name: string): Promise<void> => checkPage(page, `walk-${name}-${lang}-${viewport}`);
    try {
      await page.goto(`${world.base}/link/connect?token=${await world.mintToken()}&lang=${lang}`);
      // The token is gone from the address bar; the session is an HttpOnly cookie.
      expect(page.url()).toBe(`${world.base}/link/vault`);
      const cookies = await context.cookies();
      expect(cookies.find((c) => c.name === 'kinko_link')).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/link' });
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      await shot('vault-entry');

      await page.getByRole('link', { name: t.addBank }).click();
      await page.getByRole('searchbox').fill(world.netbank.bankCode);
      await page.getByRole('searchbox').press('Enter');
      await page.locator(`a[href="/link/banks/${NETBANK_ID}"]`).waitFor();
      await shot('banks-search');
      await page.locator(`a[href="/link/banks/${NETBANK_ID}"]`).click();
      await shot('bank-form');
      await page.getByLabel(labelOf('userId')).fill(OTP_THEN_CAPTCHA.id);
      await page.getByLabel(labelOf('password')).fill(OTP_THEN_CAPTCHA.password);
      await page.getByRole('button', { name: t.connect }).click();

      await page.getByLabel(t.otp).waitFor({ timeout: 30_000 });
      await shot('otp');
      await page.getByLabel(t.otp).fill(world.netbank.persona(OTP_THEN_CAPTCHA.id).otpCode);
      await page.getByRole('button', { name: t.submit }).click();

      const image = page.locator('img[data-challenge-image="captcha"]');
      // The answer is passed to the bank in the background: the page follows until the next question waits.
      await image.waitFor({ timeout: 30_000 });
      await expect(image.isVisible()).resolves.toBe(true);
      expect(await image.evaluate((img) => { const i = img as unknown as { complete: boolean; naturalWidth: number }; return i.complete && i.naturalWidth > 0; })).toBe(true);
      await shot('captcha');
      const connectionId = /\/link\/connections\/([0-9a-f-]+)/.exec(page.url())?.[1] as string;
      const answer = world.netbank.captchaAnswer(await bankSessionOfChallenge(world, connectionId));
      await page.getByLabel(t.captcha).fill(answer as string);
      await page.getByRole('button', { name: t.submit }).click();

      // The page follows the run by itself (status polling) until the sync is done.
      await page.locator('.connection[data-status="success"]').waitFor({ timeout: 30_000 });
      expect(await page.locator('.connection .status').textContent()).toBe(t.justNow);
      await shot('connection-synced');
      await page.goto(`${world.base}/link/vault`);
      const row = vaultRows(await page.content()).find((r) => r.id === connectionId);
      expect(row).toMatchObject({ status: 'success', label: t.justNow });
      await shot('vault-synced');
    } finally {
      await context.close();
    }
  }, WALK_MS);

  it("redirect flow: the 銀行共通API bank's own login page, filled in by the browser", async () => {
    const context = await browser.newContext({ locale: 'ja-JP' });
    const page = await context.newPage();
    try {
      await page.goto(`${world.base}/link/connect?token=${await world.mintToken()}`);
      await page.goto(`${world.base}/link/banks?q=${BCA_CODE}`);
      await page.locator(`a[href="/link/banks/${BCA_ID}"]`).click();
      await page.getByRole('link', { name: '金融機関のサイトへ進む' }).click();
      // Now at the bank.
      expect(new URL(page.url()).origin).toBe(new URL(bca.url(BCA_CODE)).origin);
      await page.locator('#login-id').fill(BCA_USER.id);
      await page.locator('#login-password').fill(BCA_USER.password);
      await page.locator('button[name="action"][value="login"]').click();
      // Back at Kinko: the callback connected the bank and sent the browser on to the vault.
      await page.waitForURL((url) => url.origin === world.base && url.pathname === '/link/vault', { timeout: 15_000 });
      expect(new URL(page.url()).searchParams.get('connected')).toBe('1');
      expect(await page.content()).toContain('接続しました。口座情報を取得しています。');
      const rows = (await world.ds.query(`SELECT id FROM connections WHERE user_id = $1 AND bank_id = $2`, [world.scope.userId, BCA_ID])) as Array<{ id: string }>;
      expect(rows).toHaveLength(1);
      const id = (rows[0] as { id: string }).id;
      await reachStatus(world, id, 'success');
      await page.reload();
      expect(vaultRows(await page.content()).find((r) => r.id === id)).toMatchObject({ status: 'success', label: 'ただ今更新されました' });
    } finally {
      await context.close();
    }
  });
});
