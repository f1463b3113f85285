import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from '@jest/globals';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';

// The Link pages in Debian's Chromium (playwright-core): launching it, the two widths every
// flow is walked at, an axe-core check of every page (0 violations) and a screenshot of it
// under .test-results/link-screenshots/ for a reviewer to look at.

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);

/** `describe`, or `describe.skip` with the reason printed when Chromium is not installed. */
export function chromiumSuite(name: string): typeof describe | typeof describe.skip {
  if (!HAVE_CHROMIUM) {
    // Written reason, visible in the run's output: CI installs Chromium, a bare machine may not have it.
    console.warn(`${name}: skipped, ${CHROMIUM} is not installed (apt-get install chromium).`);
    return describe.skip;
  }
  return describe;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The widths every flow is walked at: a desktop window and a 375 px phone. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  mobile: { width: 375, height: 740 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

/** Where the screenshots go (gitignored). */
export const SCREENSHOT_DIR = path.resolve(__dirname, '../../.test-results/link-screenshots');

/** A browser context in a language and at a width. */
export function newContext(browser: Browser, lang: 'ja' | 'en' | 'pl', viewport: ViewportName): Promise<BrowserContext> {
  return browser.newContext({ locale: lang === 'ja' ? 'ja-JP' : lang === 'en' ? 'en-GB' : 'pl-PL', viewport: VIEWPORTS[viewport] });
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  help: string;
  nodes: Array<{ target: unknown }>;
}

/**
 * Checks the page as it is now with axe-core (WCAG 2.x A/AA and best practices: 0
 * violations) and saves a full-page screenshot as `<name>.png`. axe runs through the
 * DevTools protocol, so the page's own Content-Security-Policy stays in force.
 */
export async function checkPage(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('load');
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target) }));
  });
  expect({ page: name, url: page.url(), violations }).toEqual({ page: name, url: page.url(), violations: [] });
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** A 1×1 PNG (the tenant's logo in the tests, served by route interception: no traffic leaves the machine). */
export const LOGO_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** The tenant's app in the tests: a page on 127.0.0.1 the Link flow returns to; it remembers each URL it was opened with. */
export interface TenantApp {
  readonly returnUrl: string;
  readonly visits: URL[];
  close(): Promise<void>;
}

export async function startTenantApp(): Promise<TenantApp> {
  const http = await import('node:http');
  const visits: URL[] = [];
  const server = http.createServer((request, response) => {
    visits.push(new URL(request.url ?? '/', 'http://127.0.0.1'));
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><html lang="en"><head><title>Acme</title></head><body><main><h1>Back in Acme</h1></main></body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    returnUrl: `http://127.0.0.1:${port}/kinko/done`,
    visits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
