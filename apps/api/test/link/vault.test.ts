import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type ViewportName, checkPage, chromiumSuite, launchChromium, newContext } from './chromium';
import { LinkBrowser, type LinkWorld, connectWithCredentials, credentialsOf, reachStatus, startLinkWorld } from './harness';

// Issue 16 §4: the vault like Moneytree's — per connection its accounts (name, masked number,
// type, currency) with the latest balance and its date, "updated N minutes ago"
// (Intl.RelativeTimeFormat), when the next automatic update is possible; two connections to
// the same bank are told apart by their accounts' masked numbers.

const BROWSER_TEST_MS = 150_000;
const suite = chromiumSuite('Link vault in Chromium');

interface AccountRow {
  id: string;
  connection_id: string;
  name: string;
  account_number: string | null;
  currency_code: string;
  balance_minor: string | null;
  date: string | null;
}

suite('The Link vault: accounts and balances per connection, in Chromium', () => {
  let db: TestDatabase;
  let world: LinkWorld;
  let browser: Browser;
  const connections: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await startLinkWorld(db);
    // Two connections to the same bank (two logins).
    for (const persona of ['happy', 'otp-opt-in']) {
      const login = await connectWithCredentials(world, credentialsOf(world.netbank, persona));
      await reachStatus(world, login.connectionId, 'success', 90_000);
      connections.push(login.connectionId);
    }
    // The second one with automatic updates off: its row says when it was last updated.
    const link = new LinkBrowser(world.base);
    await link.enter(await world.mintToken());
    await link.get(`/link/connections/${connections[1]}`);
    expect((await link.post(`/link/connections/${connections[1]}/deactivate`, {})).status).toBe(303);
    browser = await launchChromium();
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    await db?.drop();
  });

  const CASES = (['ja', 'en'] as const).flatMap((lang) => (['desktop', 'mobile'] as const).map((viewport) => [lang, viewport] as [typeof lang, ViewportName]));

  it.each(CASES)('%s, %s: each connection lists its accounts with balance and date; rows told apart; updated N minutes ago', async (lang, viewport) => {
    const accounts = (await world.ds.query(
      `SELECT a.id, a.connection_id, a.name, a.account_number, a.currency_code, b.balance_minor::text AS balance_minor, b.date::text AS date
         FROM bank_accounts a
         LEFT JOIN LATERAL (SELECT balance_minor, date FROM daily_balances d WHERE d.account_id = a.id ORDER BY date DESC LIMIT 1) b ON true
        WHERE a.user_id = $1 AND a.is_active`,
      [world.scope.userId],
    )) as AccountRow[];
    expect(new Set(accounts.map((a) => a.connection_id))).toEqual(new Set(connections));
    const context = await newContext(browser, lang, viewport);
    const page = await context.newPage();
    try {
      await page.goto(`${world.base}/link/connect?token=${await world.mintToken()}&lang=${lang}`);
      const headings: string[] = [];
      for (const connectionId of connections) {
        const row = page.locator(`.connection[data-connection-id="${connectionId}"]`);
        headings.push((await row.locator('h2').textContent()) as string);
        const mine = accounts.filter((a) => a.connection_id === connectionId);
        expect(await row.locator('tr[data-account-id]').count()).toBe(mine.length);
        for (const account of mine) {
          const tr = row.locator(`tr[data-account-id="${account.id}"]`);
          const text = (await tr.textContent()) as string;
          expect(text).toContain(account.name);
          expect(text).toContain(account.currency_code);
          if (account.account_number) {
            expect(text).toContain(account.account_number.slice(-4));
            // Masked: the whole number is never shown.
            expect(text).not.toContain(account.account_number);
          }
          if (account.balance_minor !== null) {
            // JPY has no minor digits: the amount is the minor units.
            const amount = new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', { style: 'currency', currency: account.currency_code }).format(Number(account.balance_minor));
            expect(await tr.locator('.amount').textContent()).toBe(amount);
            const [y, m, d] = (account.date as string).split('-').map(Number);
            expect(text).toContain(lang === 'ja' ? `${y}/${String(m).padStart(2, '0')}/${String(d).padStart(2, '0')}` : String(y));
          }
        }
      }
      expect(await page.locator(`.connection[data-connection-id="${connections[0]}"] .next-refresh`).count()).toBe(1);
      // Same bank, two rows: their headings differ by the masked numbers.
      expect(new Set(headings).size).toBe(2);
      expect(headings.every((h) => h.includes('••••'))).toBe(true);
      await checkPage(page, `vault-accounts-${lang}-${viewport}`);

      // Five more minutes later, the connection with updates off: "last update: N minutes ago" (Intl.RelativeTimeFormat, N whole minutes since its last success).
      world.clock.advance(5 * 60_000);
      const [{ last_success_at: lastSuccess }] = (await world.ds.query(`SELECT last_success_at FROM connections WHERE id = $1`, [connections[0]])) as [{ last_success_at: Date }];
      const minutes = Math.trunc((world.clock.now().getTime() - lastSuccess.getTime()) / 60_000);
      expect(minutes).toBeGreaterThanOrEqual(5);
      await page.reload();
      const since = await page.locator(`.connection[data-connection-id="${connections[1]}"] .since`).textContent();
      expect(since).toBe(lang === 'ja' ? `最終更新: ${minutes} 分前` : `Last update: ${minutes} minutes ago`);
    } finally {
      await context.close();
    }
  }, BROWSER_TEST_MS);
});
