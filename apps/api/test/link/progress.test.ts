import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { statusLabels } from '@kinko/domain';
import type { Browser } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type ViewportName, checkPage, chromiumSuite, launchChromium, newContext } from './chromium';
import { type LinkWorld, NETBANK_ID, credentialsOf, startLinkWorld } from './harness';

// Issue 16 §5: the progress shows the run's real stage and ends when the run does, without a
// full-page reload loop — a stage moving on is shown in place (no navigation), the run's end
// reloads the page once, and a page with nothing moving stops polling. No worker runs here:
// the connection's stages are moved in the database, as the sync worker would move them.

const suite = chromiumSuite('Link progress in Chromium');

suite('Link progress follows the run in place, in Chromium', () => {
  let db: TestDatabase;
  let world: LinkWorld;
  let browser: Browser;

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await startLinkWorld(db, { worker: false });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    await db?.drop();
  });

  const CASES = (['ja', 'en'] as const).flatMap((lang) => (['desktop', 'mobile'] as const).map((viewport) => [lang, viewport] as [typeof lang, ViewportName]));

  it.each(CASES)('%s, %s: running.auth → running.data in place; success reloads once; then no more polling', async (lang, viewport) => {
    const fields = (await world.api<{ fields: Array<{ name: string; label: Record<string, string> }> }>('GET', `/api/v2/connect/${NETBANK_ID}/credentials`)).json.fields;
    const labelOf = (name: string): string => fields.find((f) => f.name === name)?.label[lang] as string;
    const context = await newContext(browser, lang, viewport);
    const page = await context.newPage();
    try {
      await page.goto(`${world.base}/link/connect?token=${await world.mintToken()}&lang=${lang}`);
      await page.goto(`${world.base}/link/banks/${NETBANK_ID}`);
      const { userId, password } = credentialsOf(world.netbank, 'happy');
      await page.getByLabel(labelOf('userId')).fill(userId as string);
      await page.getByLabel(labelOf('password')).fill(password as string);
      await page.getByRole('button', { name: lang === 'ja' ? '接続する' : 'Connect' }).click();
      await page.waitForURL(/\/link\/connections\/[0-9a-f-]{36}$/);
      const id = /\/link\/connections\/([0-9a-f-]{36})/.exec(page.url())?.[1] as string;
      expect(await page.locator('.progress li.current').getAttribute('data-step')).toBe('running.auth');
      await checkPage(page, `progress-${lang}-${viewport}`);

      let navigations = 0;
      let polls = 0;
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) navigations += 1;
      });
      page.on('request', (request) => {
        if (request.url().endsWith('/link/vault/status')) polls += 1;
      });

      await world.ds.query(`UPDATE connections SET aggregation_status = 'running.data' WHERE id = $1`, [id]);
      await page.locator('.progress li.current[data-step="running.data"]').waitFor({ timeout: 15_000 });
      expect(await page.locator('.connection .status').textContent()).toBe(statusLabels['running.data'][lang]);
      expect(await page.locator('.progress li[data-step="running.auth"]').getAttribute('class')).toBe('done');
      expect(navigations).toBe(0);

      await world.ds.query(`UPDATE connections SET aggregation_status = 'success', last_success_at = $2 WHERE id = $1`, [id, world.clock.now()]);
      await page.locator('.connection[data-status="success"]').waitFor({ timeout: 15_000 });
      expect(navigations).toBe(1);
      expect(await page.locator('.progress').count()).toBe(0);
      expect(await page.locator('body').getAttribute('data-poll')).toBeNull();
      const pollsAtEnd = polls;
      await page.waitForTimeout(4_500);
      expect({ navigations, polls }).toEqual({ navigations: 1, polls: pollsAtEnd });
    } finally {
      await context.close();
    }
  }, 90_000);
});
