import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loginAtBankPage } from '@kinko/sandbox-bank';
import { LINK_TEXTS } from '../../src/link/link-texts';
import { openConnectStart } from '../support/connect-browser';
import { LinkBrowser, type LinkWorld, type LinkWorldWithBank, startLinkWorldWithBca } from './harness';

// Issue 16 (Link pages / connect): a browser finishing a connect flow started through the API
// WITHOUT a redirectUri has no tenant URL to go to and no Link session — the bank's callback
// ends on Kinko's own result page (HTML, the Link pages' look and CSP): connected to the bank,
// or declined / refused with nothing connected. API clients keep the JSON answers and statuses.

const BCA_CODE = '0009';
const BCA_ID = 'bca-result';
const BCA_CLIENT = { apiKey: 'result-key', password: 'result-secret', redirectDomains: ['127.0.0.1', 'localhost'] };
const USER = { id: 'hanako', password: 'pw-hanako' };
const HTML = 'text/html,application/xhtml+xml,*/*;q=0.8';

describe('the bank callback of an API-started flow without redirectUri', () => {
  let started: LinkWorldWithBank<unknown>;
  let world: LinkWorld;

  beforeAll(async () => {
    started = await startLinkWorldWithBca(
      BCA_ID,
      { banks: [{ bankCode: BCA_CODE, bankName: '結果銀行', client: BCA_CLIENT, users: [{ ...USER, accounts: 1, transactionsPerAccount: 3, historyDays: 10 }] }], seed: 16 },
      { worker: false },
    );
    world = started.world;
  });
  afterAll(() => started?.close());

  const connections = async (): Promise<number> =>
    Number(((await world.ds.query(`SELECT count(*)::int AS n FROM connections WHERE user_id = $1 AND bank_id = $2`, [world.scope.userId, BCA_ID])) as Array<{ n: number }>)[0]?.n);

  /** POST /api/v2/connect/{bankId} (no redirectUri), the start URL in a browser, the bank's login (or its cancel): the callback URL and the browser's binding cookie. */
  const throughTheBank = async (options: { cancel?: boolean } = {}): Promise<{ location: string; cookie: string }> => {
    const started = await world.api<{ redirectUrl: string }>('POST', `/api/v2/connect/${BCA_ID}`, {});
    expect(started.status).toBe(201);
    const browser = await openConnectStart(started.json.redirectUrl);
    const login = await loginAtBankPage(browser.bankUrl, USER, options);
    if (login.outcome !== 'redirected') throw new Error(`the bank did not send the browser back: ${login.status}`);
    expect(new URL(login.location).origin).toBe(world.base);
    return { location: login.location, cookie: browser.cookie };
  };
  const callback = async (at: { location: string; cookie: string }, headers: Record<string, string>) => {
    const res = await fetch(at.location, { headers: { cookie: at.cookie, ...headers }, redirect: 'manual' });
    return { status: res.status, type: res.headers.get('content-type')?.split(';')[0], csp: res.headers.get('content-security-policy'), location: res.headers.get('location'), text: await res.text() };
  };
  const bankName = async (lang: 'ja' | 'en' | 'pl'): Promise<string> => {
    const banks = await world.api<Array<{ bankId: string; displayName: Record<string, string> }>>('GET', '/api/v2/banks');
    const name = banks.json.find((b) => b.bankId === BCA_ID)?.displayName[lang];
    if (name === undefined) throw new Error(`no ${lang} name for ${BCA_ID}: ${JSON.stringify(banks.json)}`);
    return name;
  };
  /** The HTML's visible text, tags dropped and the entities Eta writes undone. */
  const textOf = (html: string): string =>
    html
      .replace(/<[^>]+>/g, ' ')
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ');

  it('connected, in a browser: Kinko\'s own page "connected to <bank>", no Link session needed, no 401 — the connection made', async () => {
    const before = await connections();
    const res = await callback(await throughTheBank(), { accept: HTML, 'accept-language': 'en-GB,en;q=0.9' });
    expect({ status: res.status, type: res.type, location: res.location }).toEqual({ status: 200, type: 'text/html', location: null });
    expect(res.csp).toContain("default-src 'self'");
    expect(res.csp).toContain("script-src 'self'");
    const t = LINK_TEXTS.en;
    const text = textOf(res.text);
    expect(text).toContain(t.connectResultConnected(await bankName('en')));
    expect(text).toContain(t.connectResultConnectedText);
    expect(text).not.toContain(t.sessionExpiredHeading);
    expect(res.text).toContain('<html lang="en">');
    // No language links back to the single-use callback (they would only say the flow was used).
    expect(res.text).not.toContain('/api/v2/connect/callback');
    expect(await connections()).toBe(before + 1);
  });

  it('connected, for an API client (Accept: application/json): the JSON result, 200, as before', async () => {
    const before = await connections();
    const res = await callback(await throughTheBank(), { accept: 'application/json' });
    expect([res.status, res.type]).toEqual([200, 'application/json']);
    const json = JSON.parse(res.text) as { status: string; bankId: string; connectionId: string };
    expect([json.status, json.bankId]).toEqual(['connected', BCA_ID]);
    expect(await connections()).toBe(before + 1);
  });

  it('declined at the bank, in a browser: Kinko\'s page says nothing was connected (403, HTML, in the browser\'s language), not a raw problem+json', async () => {
    const before = await connections();
    const res = await callback(await throughTheBank({ cancel: true }), { accept: HTML, 'accept-language': 'pl' });
    expect([res.status, res.type]).toEqual([403, 'text/html']);
    expect(res.csp).toContain("default-src 'self'");
    const t = LINK_TEXTS.pl;
    const text = textOf(res.text);
    expect(text).toContain(t.connectResultNotConnected);
    expect(text).toContain(t.connectResultDeclinedText);
    expect(text).not.toContain(t.connectResultFailedText);
    expect(res.text).not.toContain('"type":');
    expect(await connections()).toBe(before);
  });

  it('declined at the bank, for an API client: 403 problem+json, as before', async () => {
    const before = await connections();
    const res = await callback(await throughTheBank({ cancel: true }), { accept: 'application/json' });
    expect([res.status, res.type, (JSON.parse(res.text) as { type: string }).type]).toEqual([403, 'application/problem+json', 'https://kinko.dev/problems/forbidden']);
    expect(await connections()).toBe(before);
  });

  it('another failure (the flow already used), in a browser: the failure\'s own text, its status (409), nothing said about declining', async () => {
    const at = await throughTheBank();
    expect((await callback(at, { accept: 'application/json' })).status).toBe(200);
    const before = await connections();
    const replay = await callback(at, { accept: HTML });
    expect([replay.status, replay.type]).toEqual([409, 'text/html']);
    const t = LINK_TEXTS.ja;
    const text = textOf(replay.text);
    expect(text).toContain(t.connectResultFailedText);
    expect(text).toContain('already completed');
    expect(text).not.toContain(t.connectResultDeclinedText);
    expect(await connections()).toBe(before);
  });

  it('a flow started on the Link pages still ends in the Link vault (303), which says it connected', async () => {
    const browser = new LinkBrowser(world.base);
    await browser.enter(await world.mintToken());
    const toBank = await browser.get(`/link/banks/${BCA_ID}/redirect`);
    const login = await loginAtBankPage(toBank.headers.get('location') as string, USER);
    if (login.outcome !== 'redirected') throw new Error(`bank refused: ${login.status}`);
    const done = await browser.get(login.location, { accept: HTML });
    expect([done.status, done.headers.get('location')]).toEqual([303, '/link/vault?connected=1']);
  });
});
