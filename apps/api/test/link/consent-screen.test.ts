import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { ConnectorRegistry } from '@kinko/connector-sdk';
import type { Browser } from 'playwright-core';
import { CONNECTOR_REGISTRY } from '../../src/connectors/connector-registry.token';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type ViewportName, checkPage, chromiumSuite, launchChromium, newContext } from './chromium';
import { LinkBrowser, type LinkWorld, NETBANK_ID, startLinkWorld } from './harness';

// Issue 16 §3: before the bank, a consent screen — which data (accounts, balances,
// transactions and how far back), for how long (the consent's validity and its end date), and
// how to withdraw it later; in ja, en and pl, above the login form.

const suite = chromiumSuite('Link consent screen in Chromium');

suite('The consent screen before the bank', () => {
  let db: TestDatabase;
  let world: LinkWorld;
  let browser: Browser;
  let limits: { maxHistoryDays: number; scaValidityDays: number };

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await startLinkWorld(db, { worker: false });
    limits = world.app.get<ConnectorRegistry>(CONNECTOR_REGISTRY).require(NETBANK_ID).manifest.limits;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    await db?.drop();
  });

  const until = (locale: string): string =>
    new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'Asia/Tokyo' }).format(new Date(world.clock.now().getTime() + limits.scaValidityDays * 86_400_000));

  const EXPECTED = {
    ja: () => ({
      heading: 'Link tenant',
      transactions: `入出金明細（最長で過去${limits.maxHistoryDays}日分）`,
      validity: `同意の有効期間は最長${limits.scaValidityDays}日間（${until('ja-JP')}まで）`,
      withdraw: '同意はいつでも取り消せます。',
    }),
    en: () => ({
      heading: 'What ',
      transactions: `Their transactions, up to the last ${limits.maxHistoryDays} days`,
      validity: `Your consent lasts at most ${limits.scaValidityDays} days (until ${until('en-GB')})`,
      withdraw: 'You can withdraw your consent at any time:',
    }),
  } as const;

  const CASES = (['ja', 'en'] as const).flatMap((lang) => (['desktop', 'mobile'] as const).map((viewport) => [lang, viewport] as [typeof lang, ViewportName]));

  it.each(CASES)('%s, %s: what is shared, for how long, how to withdraw — above the login form', async (lang, viewport) => {
    const expected = EXPECTED[lang]();
    const context = await newContext(browser, lang, viewport);
    const page = await context.newPage();
    try {
      await page.goto(`${world.base}/link/connect?token=${await world.mintToken()}&lang=${lang}`);
      await page.goto(`${world.base}/link/banks/${NETBANK_ID}`);
      const consent = page.locator('section.consent');
      expect(await consent.locator('h2').textContent()).toContain(expected.heading);
      expect(await consent.locator('[data-consent]').evaluateAll((items) => items.map((i) => i.getAttribute('data-consent')))).toEqual(['accounts', 'balances', 'transactions', 'validity', 'withdraw']);
      expect(await consent.locator('[data-consent="transactions"]').textContent()).toBe(expected.transactions);
      expect(await consent.locator('[data-consent="validity"]').textContent()).toContain(expected.validity);
      expect(await consent.locator('[data-consent="withdraw"]').textContent()).toContain(expected.withdraw);
      expect(await consent.locator('[data-consent="withdraw"] a').getAttribute('href')).toBe('/link/vault');
      // Before the bank: the screen comes first, the login form after it.
      const order = await page.evaluate(() => {
        const d = (globalThis as unknown as { document: { querySelector(s: string): { compareDocumentPosition(o: unknown): number } | null } }).document;
        return (d.querySelector('section.consent')?.compareDocumentPosition(d.querySelector('input[name="password"]')) ?? 0) & 4;
      });
      expect(order).toBe(4);
      await checkPage(page, `consent-${lang}-${viewport}`);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('in Polish too, with the plural of days', async () => {
    const client = new LinkBrowser(world.base);
    await client.enter(await world.mintToken(), 'pl');
    const form = await client.get(`/link/banks/${NETBANK_ID}`);
    expect(form.text).toContain(`Ich transakcje z ostatnich ${limits.maxHistoryDays} dni`);
    expect(form.text).toContain(`Zgoda obowiązuje najwyżej ${limits.scaValidityDays} dni`);
    expect(form.text).toContain('Zgodę możesz wycofać w każdej chwili:');
  });
});
