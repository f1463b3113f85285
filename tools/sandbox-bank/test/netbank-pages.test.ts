/**
 * The net bank's pages after login, over real HTTP: account list and balances,
 * transactions paged exactly once and formatted the Japanese way (consistent with the
 * shared generator), the terms interstitial and its acceptance through "log in
 * directly", the redesigned layout, broken, slow and cut-off pages, unsupported accounts,
 * and the shared fault knobs.
 */
import { addDays } from '../src/calendar';
import { manualClock, type ManualClock } from '../src/clock';
import type { LedgerEntry } from '../src/generator/ledger';
import { startNetbankSandbox, type NetbankSandbox } from '../src/netbank';
import { Browser, login, type Page } from './netbank-browser';

const START = '2026-11-21T03:00:00Z';
const TODAY = '2026-11-21';

/** Reads a yen amount the way a connector must: `¥1,234`, `−¥1,234`, `1,234`, `▲1,234` → integer. */
function parseYen(text: string): number {
  const t = text.trim().replace(/円$/, '');
  const m = /^(−|▲)?¥?(\d{1,3}(?:,\d{3})*)$/.exec(t);
  if (!m) throw new Error(`not a yen amount: "${text}"`);
  const n = Number((m[2] as string).replace(/,/g, ''));
  return m[1] ? -n : n;
}

/** `2026/01/05` or `2026年1月5日` → `2026-01-05`. */
function parseDate(text: string): string {
  const m = /^(\d{4})\/(\d{2})\/(\d{2})$/.exec(text) ?? /^(\d{4})年(\d{1,2})月(\d{1,2})日$/.exec(text);
  if (!m) throw new Error(`not a date: "${text}"`);
  return `${m[1]}-${(m[2] as string).padStart(2, '0')}-${(m[3] as string).padStart(2, '0')}`;
}

interface Row {
  readonly dateText: string;
  readonly description: string;
  readonly amountText: string;
  readonly balanceText: string;
}

function rowsOf(page: Page): Row[] {
  return page
    .$('[data-table="transactions"] tr[data-row="transaction"]')
    .toArray()
    .map((tr) => {
      const cell = (f: string) => page.$(tr).find(`[data-field="${f}"]`).text();
      return { dateText: cell('date'), description: cell('description'), amountText: cell('amount'), balanceText: cell('balance') };
    });
}

/** Follows the "next page" links from `first`, collecting every row. */
async function allRows(b: Browser, first: Page): Promise<{ rows: Row[]; pages: Page[] }> {
  const pages = [first];
  let page = first;
  for (;;) {
    const next = page.$('a[rel="next"]').attr('href');
    if (!next) break;
    page = await b.get(next);
    expect(page.marker).toBe('account-detail');
    pages.push(page);
    if (pages.length > 1000) throw new Error('runaway paging');
  }
  return { rows: pages.flatMap(rowsOf), pages };
}

const key = (r: { date: string; description: string; amount: number; balance: number }) => `${r.date}|${r.description}|${r.amount}|${r.balance}`;
const entryKey = (e: LedgerEntry) => key(e);
const rowKey = (r: Row) => key({ date: parseDate(r.dateText), description: r.description, amount: parseYen(r.amountText), balance: parseYen(r.balanceText) });

describe('net bank pages', () => {
  let clock: ManualClock;
  let sandbox: NetbankSandbox;

  beforeEach(async () => {
    clock = manualClock(START);
    sandbox = await startNetbankSandbox({ seed: 'page-tests', clock, testHooks: true, slowMs: 5_000 });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  const loggedIn = async (id: string): Promise<{ b: Browser; page: Page }> => {
    const b = new Browser(sandbox.url);
    const page = await login(b, { id, password: `pass-${id}` });
    return { b, page };
  };
  const happy = () => sandbox.persona('happy');
  const accountOf = (kind: string) => {
    const a = happy().accounts.find((x) => x.kind === kind);
    if (!a) throw new Error(`no ${kind} account`);
    return a;
  };

  it('lists the accounts with their balances today in ¥ and the date as 2026年11月21日', async () => {
    const { page } = await loggedIn('happy');
    expect(page.marker).toBe('accounts');
    expect(page.$('.as-of').text()).toBe('2026年11月21日 現在');
    expect(page.$('.as-of').attr('data-as-of')).toBe(TODAY);
    const rows = page.$('[data-table="accounts"] tr[data-account-id]').toArray();
    expect(rows.map((r) => page.$(r).attr('data-account-id'))).toEqual(happy().accounts.map((a) => a.id));
    for (const r of rows) {
      const id = page.$(r).attr('data-account-id') as string;
      const info = happy().accounts.find((a) => a.id === id);
      const balance = page.$(r).find('[data-field="balance"]').text();
      expect(balance).toMatch(/^−?¥\d{1,3}(,\d{3})*$/);
      expect(parseYen(balance)).toBe(sandbox.truth.balance(id));
      expect(page.$(r).find('[data-field="type"]').text()).toBe(info?.typeLabel);
      expect(page.$(r).find('[data-field="number"]').text()).toBe(info?.displayNumber);
    }
    const ordinary = page.$(`tr[data-account-id="${accountOf('ordinary').id}"]`);
    expect(ordinary.find('[data-field="branch-code"]').text()).toBe('200');
    expect(ordinary.find('[data-field="branch-name"]').text()).toBe('本店営業部');
    // A card never holds money in the customer's favour: −¥ when something is owed.
    const cardId = accountOf('credit-card').id;
    const card = page.$(`tr[data-account-id="${cardId}"] [data-field="balance"]`).text();
    expect(sandbox.truth.balance(cardId)).toBeLessThanOrEqual(0);
    expect(card.startsWith('−¥') || card === '¥0').toBe(true);
    expect(accountOf('credit-card').displayNumber).toMatch(/^\*{4}-\*{4}-\*{4}-\d{4}$/);
  });

  it('pages the whole history of an account: every transaction exactly once, as the generator made it, running balances adding up', async () => {
    const { b } = await loggedIn('happy');
    const account = accountOf('ordinary');
    const from = sandbox.truth.firstDate(account.id);
    const first = await b.get(`/accounts/${account.id}?from=${from}&to=${TODAY}`);
    expect(first.marker).toBe('account-detail');
    expect(first.$('body').attr('data-account-id')).toBe(account.id);
    const { rows, pages } = await allRows(b, first);
    const expected = sandbox.truth.transactions(account.id, from, TODAY);
    expect(expected.length).toBeGreaterThan(200);
    expect(pages.length).toBe(Math.ceil(expected.length / 50));
    expect(rows.map(rowKey)).toEqual(expected.map(entryKey));
    expect(first.$('.count').attr('data-total')).toBe(String(expected.length));
    // Every next link repeats the same window; only the page changes.
    for (const [i, p] of pages.entries()) {
      expect(p.$('.period').attr('data-period-from')).toBe(from);
      expect(p.$('.period').attr('data-period-to')).toBe(TODAY);
      expect(p.$('.count').attr('data-first')).toBe(String(i * 50 + 1));
      if (i > 0) expect(p.$('a[rel="prev"]').attr('href')).toBe(`/accounts/${account.id}?from=${from}&to=${TODAY}&page=${i}`);
    }
    // Running balances: each is the previous plus the amount.
    const parsed = rows.map((r) => ({ amount: parseYen(r.amountText), balance: parseYen(r.balanceText) }));
    for (let i = 1; i < parsed.length; i++) expect(parsed[i]?.balance).toBe((parsed[i - 1]?.balance ?? 0) + (parsed[i]?.amount ?? 0));
    expect(parsed.at(-1)?.balance).toBe(sandbox.truth.balance(account.id));
  });

  it('formats ordinary accounts with 2026/11/21 and ¥1,234 / −¥1,234, and full-width descriptions', async () => {
    const { b } = await loggedIn('happy');
    const account = accountOf('ordinary');
    const page = await b.get(`/accounts/${account.id}?from=${addDays(TODAY, -60)}&to=${TODAY}`);
    const rows = rowsOf(page);
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) {
      expect(r.dateText).toMatch(/^\d{4}\/\d{2}\/\d{2}$/);
      expect(r.amountText).toMatch(/^−?¥\d{1,3}(,\d{3})*$/);
      expect(r.balanceText).toMatch(/^¥\d{1,3}(,\d{3})*$/);
    }
    expect(rows.some((r) => r.amountText.startsWith('−¥'))).toBe(true);
    expect(rows.some((r) => r.amountText.startsWith('¥'))).toBe(true);
    expect(rows.every((r) => !r.amountText.includes('-'))).toBe(true);
    // Full-width characters, as the generator writes them (ideographic space, full-width letters).
    expect(rows.some((r) => /[\u3000\uFF01-\uFF5E]/.test(r.description))).toBe(true);
    expect(page.$('[data-field="account"]').text()).toContain('普通預金');
  });

  it('formats the credit card (and time deposits) with 2026年11月21日 and ▲1,234', async () => {
    const { b } = await loggedIn('happy');
    for (const kind of ['credit-card', 'time']) {
      const account = accountOf(kind);
      const from = sandbox.truth.firstDate(account.id);
      const { rows } = await allRows(b, await b.get(`/accounts/${account.id}?from=${from}&to=${TODAY}`));
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        expect(r.dateText).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日$/);
        expect(r.amountText).toMatch(/^▲?\d{1,3}(,\d{3})*$/);
      }
      expect(rows.map(rowKey)).toEqual(sandbox.truth.transactions(account.id, from, TODAY).map(entryKey));
      if (kind === 'credit-card') expect(rows.some((r) => r.amountText.startsWith('▲'))).toBe(true);
    }
  });

  it('defaults to the last 31 days, clamps starts older than the online history, rejects bad input', async () => {
    const { b } = await loggedIn('happy');
    const id = accountOf('ordinary').id;
    const plain = await b.get(`/accounts/${id}`);
    expect(plain.$('.period').attr('data-period-from')).toBe(addDays(TODAY, -30));
    expect(plain.$('.period').attr('data-period-to')).toBe(TODAY);
    expect(rowsOf(plain).map(rowKey)).toEqual(sandbox.truth.transactions(id, addDays(TODAY, -30), TODAY).slice(0, 50).map(entryKey));
    const old = await b.get(`/accounts/${id}?from=2020-01-01&to=${TODAY}`);
    expect(old.$('[data-notice="period-clamped"]')).toHaveLength(1);
    expect(old.$('.period').attr('data-period-from')).toBe(addDays(TODAY, -400));
    expect((await b.get(`/accounts/${id}?from=2026/11/01`)).marker).toBe('input-error');
    expect((await b.get(`/accounts/${id}?from=${TODAY}&to=2026-11-01`)).status).toBe(400);
    expect((await b.get(`/accounts/${id}?page=0`)).marker).toBe('input-error');
    const empty = await b.get(`/accounts/${id}?from=2026-11-01&to=2026-11-10&page=99`);
    expect(rowsOf(empty)).toHaveLength(0);
    expect(empty.$('a[rel="next"]')).toHaveLength(0);
  });

  it('a body the bank cannot read gets the input-error page', async () => {
    const res = await fetch(`${sandbox.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"userId": ' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('data-page="input-error"');
  });

  it('the period form and page size knob work like a browser would use them', async () => {
    const { b } = await loggedIn('happy');
    const id = accountOf('ordinary').id;
    sandbox.knobs.setPageSize(7);
    const page = await b.submit(await b.get(`/accounts/${id}`), 'periodForm', { from: '2026-10-01', to: '2026-10-31' });
    expect(page.$('.period').attr('data-period-from')).toBe('2026-10-01');
    const { rows, pages } = await allRows(b, page);
    const expected = sandbox.truth.transactions(id, '2026-10-01', '2026-10-31');
    expect(rows.map(rowKey)).toEqual(expected.map(entryKey));
    expect(pages.length).toBe(Math.ceil(expected.length / 7));
  });

  it('a transaction inserted between pages appears once, on the last page', async () => {
    const { b } = await loggedIn('happy');
    const id = accountOf('ordinary').id;
    const from = addDays(TODAY, -20);
    sandbox.knobs.setPageSize(10);
    sandbox.knobs.insertTransactionAfterPage(id, 1, { amount: -4_321, description: '振込　カ）キンコテスト' });
    const before = sandbox.truth.transactions(id, from, TODAY).length;
    const { rows } = await allRows(b, await b.get(`/accounts/${id}?from=${from}&to=${TODAY}`));
    expect(rows).toHaveLength(before + 1);
    expect(new Set(rows.map(rowKey)).size).toBe(rows.length);
    const last = rows.at(-1) as Row;
    expect(last.amountText).toBe('−¥4,321');
    expect(parseDate(last.dateText)).toBe(TODAY);
  });

  it('a removed account disappears from the list and its page answers not found', async () => {
    const { b } = await loggedIn('happy');
    const id = accountOf('time').id;
    sandbox.knobs.removeAccount(id);
    const list = await b.get('/accounts');
    expect(list.$(`tr[data-account-id="${id}"]`)).toHaveLength(0);
    const page = await b.get(`/accounts/${id}`);
    expect(page.status).toBe(404);
    expect(page.marker).toBe('not-found');
    sandbox.knobs.restoreAccount(id);
    expect((await b.get(`/accounts/${id}`)).marker).toBe('account-detail');
    // Another persona's account is not found either.
    const other = sandbox.persona('security').accounts[0]?.id as string;
    expect((await b.get(`/accounts/${other}`)).marker).toBe('not-found');
  });

  it('new terms hold the user on the terms page until accepted through “log in directly”', async () => {
    const { b, page } = await loggedIn('terms');
    expect(page.marker).toBe('terms');
    expect(page.$('form[name="termsForm"]')).toHaveLength(0);
    expect(page.$('a[href="/direct/login"]').length).toBeGreaterThan(0);
    expect((await b.get(`/accounts/${sandbox.persona('terms').accounts[0]?.id}`)).marker).toBe('terms');
    // Posting an acceptance through the ordinary entrance is refused.
    const forged = await b.post('/terms/accept', { token: 'x', agree: 'yes' });
    expect(forged.marker).not.toBe('accounts');
    expect((await login(new Browser(sandbox.url), { id: 'terms', password: 'pass-terms' })).marker).toBe('terms');

    const person = new Browser(sandbox.url);
    const direct = await login(person, { id: 'terms', password: 'pass-terms' }, { channel: 'direct' });
    expect(direct.marker).toBe('terms');
    expect(direct.$('.direct')).toHaveLength(1);
    const accepted = await person.submit(direct, 'termsForm', { agree: 'yes' });
    expect(accepted.marker).toBe('accounts');
    expect((await login(new Browser(sandbox.url), { id: 'terms', password: 'pass-terms' })).marker).toBe('accounts');
  });

  it('the redesigned account list has none of the markers', async () => {
    const { page } = await loggedIn('new-layout');
    expect(page.status).toBe(200);
    expect(page.path).toBe('/accounts');
    expect(page.marker).toBeUndefined();
    expect(page.$('[data-page], [data-table], [data-field], [data-account-id]')).toHaveLength(0);
    expect(page.$('.acct-card')).toHaveLength(1);
    expect(page.$('h1').text()).toBe('マイページ');
  });

  it('the broken persona gets a 500 system-error page after login', async () => {
    const { page } = await loggedIn('broken');
    expect(page.status).toBe(500);
    expect(page.marker).toBe('system-error');
  });

  it('the slow persona’s account list outlasts a client timeout, then answers (slowMs knob)', async () => {
    const b = new Browser(sandbox.url);
    await expect(login(b, { id: 'slow', password: 'pass-slow' }, { timeoutMs: 500 })).rejects.toThrow(/abort|timeout/i);
    sandbox.knobs.setSlowMs(300);
    const started = Date.now();
    const page = await b.get('/accounts');
    expect(page.marker).toBe('accounts');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('the dropped persona’s login answer is cut off mid-response', async () => {
    const b = new Browser(sandbox.url);
    const error = await login(b, { id: 'dropped', password: 'pass-dropped' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    // undici: the body stream ends early ("terminated", cause: the socket closed).
    expect(error).toBeDefined();
    const e = error as { message?: string; cause?: { message?: string; code?: string } };
    expect(`${e.message} ${e.cause?.message} ${e.cause?.code}`).toMatch(/terminated|other side closed|UND_ERR_SOCKET/i);
  });

  it('an account the bank cannot show online says so on its detail page', async () => {
    const { b, page } = await loggedIn('unsupported');
    const rows = page.$('[data-table="accounts"] tr[data-account-id]').toArray();
    expect(rows.map((r) => page.$(r).find('[data-field="type"]').text())).toEqual(['外貨預金', '投資信託']);
    expect(rows.map((r) => page.$(r).find('[data-field="balance"]').text())).toEqual(['----', '----']);
    for (const a of sandbox.persona('unsupported').accounts) {
      const detail = await b.get(`/accounts/${a.id}`);
      expect(detail.status).toBe(200);
      expect(detail.marker).toBe('account-unavailable');
      expect(detail.$('[role="alert"]').text()).toContain('インターネットバンキングではご照会いただけません');
    }
  });

  it('the shared fault knobs apply to the pages and the request log records them', async () => {
    const { b } = await loggedIn('happy');
    sandbox.knobs.faults.failNext(1, { type: 'status', status: 503, body: 'html' }, { operations: ['GET /accounts'] });
    const failed = await b.get('/accounts');
    expect(failed.status).toBe(503);
    expect((await b.get('/accounts')).marker).toBe('accounts');
    sandbox.knobs.faults.failNext(1, { type: 'drop-connection' });
    await expect(b.get('/accounts')).rejects.toThrow();
    sandbox.knobs.faults.setLatency(200);
    const started = Date.now();
    await b.get('/accounts');
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    sandbox.knobs.faults.setLatency(0);
    const log = sandbox.requests({ operation: 'GET /accounts' });
    expect(log.map((e) => e.fault ?? e.status)).toEqual([200, 'status:503', 200, 'drop-connection', 200]);
    expect(sandbox.requests({ operation: 'POST /login' })).toHaveLength(1);
    // Admin requests are neither faulted nor logged.
    expect((await fetch(`${sandbox.url}/__sandbox/state`)).status).toBe(200);
    expect(sandbox.requests().some((e) => e.path.startsWith('/__sandbox'))).toBe(false);
  });

  it('the same seed gives the same transactions; another seed different ones', async () => {
    const id = accountOf('ordinary').id;
    const from = sandbox.truth.firstDate(id);
    const again = await startNetbankSandbox({ seed: 'page-tests', clock });
    const other = await startNetbankSandbox({ seed: 'another-seed', clock });
    try {
      expect(again.truth.transactions(id, from, TODAY).map(entryKey)).toEqual(sandbox.truth.transactions(id, from, TODAY).map(entryKey));
      expect(other.truth.transactions(id, from, TODAY).map(entryKey)).not.toEqual(sandbox.truth.transactions(id, from, TODAY).map(entryKey));
    } finally {
      await Promise.all([again.close(), other.close()]);
    }
  });

  it('new days bring new transactions as the clock moves on', async () => {
    const id = accountOf('ordinary').id;
    const before = sandbox.truth.transactions(id, TODAY, addDays(TODAY, 30)).length;
    clock.advance(30 * 86_400_000);
    const after = sandbox.truth.transactions(id, TODAY, addDays(TODAY, 30)).length;
    expect(after).toBeGreaterThan(before);
  });
});
