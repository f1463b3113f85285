/** Every fault knob, observed over real HTTP; the request log; the admin API. */
import { manualClock, startBankCommonApiSandbox, type BankCommonApiSandbox, type SandboxBank } from '../src';
import { allPages, call, field, testBank, userTokens, type Tx } from './support';

const TODAY = '2020-06-01';
const clock = manualClock(`${TODAY}T10:00:00+09:00`);
const alice = { id: 'alice', password: 'alice-pass' };
let sandbox: BankCommonApiSandbox;
let bank: SandboxBank;
let token: string;
let accountId: string;

beforeAll(async () => {
  sandbox = await startBankCommonApiSandbox({
    seed: 'faults',
    clock,
    banks: [testBank({ pageSize: 5, users: [{ ...alice, accounts: [{ transactions: 12, historyDays: 30 }, { transactions: 3, historyDays: 30 }] }] })],
  });
  bank = sandbox.bank('0001');
  token = (await userTokens(bank, alice)).access;
  accountId = sandbox.truth.accounts('0001', 'alice')[0]?.accountId as string;
});
afterAll(() => sandbox.close());
afterEach(() => {
  bank.knobs.reset();
  sandbox.requestLog.clear();
});

/** The sandbox clock's instant as Tokyo local date-time, the way the bank writes it. */
const tokyoNow = (): string => `${new Date(clock().getTime() + 9 * 3_600_000).toISOString().slice(0, 19)}+09:00`;
const accounts = () => call(bank, 'GET', '/accounts', { token });
const txQuery = (page = 1, start = '2020-01-01', end = TODAY) => ({ account_id: accountId, start_date: start, end_date: end, page });

describe('latency', () => {
  it('delays answers by the configured milliseconds, only for the chosen operations', async () => {
    bank.knobs.faults.set({ latencyMs: 150, operations: ['GET /accounts'] });
    const started = Date.now();
    expect((await accounts()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(bank.knobs.faults.decide('GET /branches').latencyMs).toBe(0);
  });
});

describe('error statuses', () => {
  it('fails the next N requests with status S, then answers normally', async () => {
    bank.knobs.faults.failNext(2, 503);
    expect((await accounts()).status).toBe(503);
    const second = await accounts();
    expect(second.status).toBe(503);
    expect(second.body).toEqual({ error: 'injected_fault', status: 503 });
    expect((await accounts()).status).toBe(200);
    expect(bank.requests().map((e) => e.fault)).toEqual(['status:503', 'status:503', undefined]);
  });

  it('targets queued failures at operations and can answer with HTML or an empty body', async () => {
    bank.knobs.faults.failNext(1, { type: 'status', status: 500, body: 'html' }, { operations: ['GET /transactions'] });
    expect((await accounts()).status).toBe(200);
    const html = await call(bank, 'GET', '/transactions', { token, query: txQuery() });
    expect(html.status).toBe(500);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    bank.knobs.faults.failNext(1, { type: 'status', status: 502, body: 'empty' });
    const empty = await accounts();
    expect([empty.status, empty.text]).toEqual([502, '']);
  });

  it('answers a status with a Retry-After header when asked (a 503 for maintenance), and refuses a negative one', async () => {
    bank.knobs.faults.failNext(1, { type: 'status', status: 503, retryAfterSeconds: 3600 });
    const down = await accounts();
    expect([down.status, down.headers.get('retry-after')]).toEqual([503, '3600']);
    expect((await accounts()).headers.get('retry-after')).toBeNull();
    expect(() => bank.knobs.faults.failNext(1, { type: 'status', status: 503, retryAfterSeconds: -1 })).toThrow('retryAfterSeconds');
  });

  it('starts a queued fault after a number of normal answers (page 2 of a fetch fails), and refuses a negative one', async () => {
    bank.knobs.faults.failNext(2, 500, { operations: ['GET /accounts'], after: 1 });
    expect(bank.knobs.faults.scheduled()).toEqual([{ fault: { type: 'status', status: 500 }, remaining: 2, operations: ['GET /accounts'], after: 1 }]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await accounts()).status);
    expect(statuses).toEqual([200, 500, 500, 200]);
    expect(() => bank.knobs.faults.failNext(1, 500, { after: -1 })).toThrow('after');
  });

  it('writes a status fault’s Retry-After as an HTTP date when asked (status + Retry-After date)', async () => {
    bank.knobs.faults.failNext(1, { type: 'status', status: 503, retryAfterSeconds: 120, retryAfterForm: 'http-date' });
    const down = await accounts();
    expect(down.status).toBe(503);
    const header = down.headers.get('retry-after') ?? '';
    expect(header).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    // Two minutes after the sandbox clock's now (a whole second in this suite).
    expect(Date.parse(header)).toBe(Math.floor(clock().getTime() / 1000) * 1000 + 120_000);
  });

  it('applies error rates per request, deterministically from the seed', async () => {
    bank.knobs.faults.setErrorRates({ 500: 1 });
    expect((await accounts()).status).toBe(500);
    bank.knobs.faults.reset();
    bank.knobs.faults.setErrorRates({ 500: 0.3, 503: 0.2 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await accounts()).status);
    expect(new Set(statuses)).toEqual(new Set([200, 500, 503]));
    // The same seed replays the same sequence.
    bank.knobs.faults.reset();
    bank.knobs.faults.setErrorRates({ 500: 0.3, 503: 0.2 });
    const replay: number[] = [];
    for (let i = 0; i < 40; i++) replay.push((await accounts()).status);
    expect(replay).toEqual(statuses);
  });

  it('refuses rates that are not probabilities', () => {
    expect(() => bank.knobs.faults.setErrorRates({ 500: 1.5 })).toThrow();
    expect(() => bank.knobs.faults.setErrorRates({ 200: 0.1 })).toThrow();
    expect(() => bank.knobs.faults.setErrorRates({ 500: 0.6, 503: 0.6 })).toThrow();
  });
});

describe('429 with Retry-After', () => {
  it('writes Retry-After in seconds', async () => {
    bank.knobs.faults.failNext(1, { type: 'rate-limit', retryAfterSeconds: 7 });
    const a = await accounts();
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('7');
  });

  it('writes Retry-After as an HTTP-date by the sandbox clock, also for rate-based 429s', async () => {
    bank.knobs.faults.set({ errorRates: { 429: 1 }, retryAfter: { seconds: 30, form: 'http-date' } });
    const a = await accounts();
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe(new Date(clock().getTime() + 30_000).toUTCString());
  });
});

describe('broken connections and bodies', () => {
  it('hangs: the request never gets an answer until the client gives up', async () => {
    bank.knobs.faults.failNext(1, { type: 'hang' });
    await expect(call(bank, 'GET', '/accounts', { token, signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect(bank.requests().pop()).toMatchObject({ operation: 'GET /accounts', fault: 'hang' });
    expect(bank.requests().pop()?.status).toBeUndefined();
    expect((await accounts()).status).toBe(200);
  });

  it('drops the connection without an answer', async () => {
    bank.knobs.faults.failNext(1, { type: 'drop-connection' });
    await expect(accounts()).rejects.toThrow();
    expect(bank.requests().pop()?.fault).toBe('drop-connection');
    expect((await accounts()).status).toBe(200);
  });

  it('sends malformed JSON with a JSON content type', async () => {
    bank.knobs.faults.set({ faultRates: { 'malformed-json': 1 }, operations: ['GET /accounts'] });
    const a = await accounts();
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toMatch(/^application\/json/);
    expect(a.text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(a.text)).toThrow(SyntaxError);
  });

  it('breaks the link to the next page: back to the page itself, or unservable; the last page has none to break', async () => {
    const page = (n: number) => call(bank, 'GET', '/transactions', { token, query: txQuery(n) });
    bank.knobs.faults.failNext(1, { type: 'next-link', form: 'looping' }, { operations: ['GET /transactions'], after: 1 });
    expect(field<{ page: number; next_page: number }>(await page(1), 'params')).toEqual({ account_id: accountId, start_date: '2020-01-01', end_date: TODAY, page: 1, next_page: 2 });
    const looping = await page(2);
    expect(looping.status).toBe(200);
    expect(field<{ next_page: number }>(looping, 'params').next_page).toBe(2);
    expect(field<unknown[]>(looping, 'transactions')).toHaveLength(5);
    bank.knobs.faults.failNext(1, { type: 'next-link', form: 'malformed' }, { operations: ['GET /transactions'] });
    expect(field<{ next_page: unknown }>(await page(1), 'params').next_page).toBe('two');
    bank.knobs.faults.failNext(1, { type: 'next-link', form: 'malformed' }, { operations: ['GET /transactions'] });
    expect(field<{ next_page: unknown }>(await page(3), 'params').next_page).toBe(0);
    expect(bank.requests({ operation: 'GET /transactions' }).map((r) => r.fault ?? null)).toEqual([null, 'next-link:looping', 'next-link:malformed', 'next-link:malformed']);
  });

  it('closes even while a request hangs', async () => {
    const sb = await startBankCommonApiSandbox({ seed: 'hang', clock, banks: [testBank()] });
    const b = sb.bank('0001');
    b.knobs.faults.failNext(1, { type: 'hang' });
    const pending = call(b, 'POST', '/auth/system_token', { body: { api_key: 'test-key', password: 'test-secret' } });
    await new Promise((r) => setTimeout(r, 100));
    await sb.close();
    await expect(pending).rejects.toThrow();
  });
});

describe('a transaction inserted between two page requests', () => {
  it('lands today, after the generated history: earlier pages do not shift and nothing is lost', async () => {
    bank.knobs.insertTransactionAfterPage(accountId, 1, { amount: 12_345, description: '振込　カ）ヒカリデンキ' });
    const p1 = await call(bank, 'GET', '/transactions', { token, query: txQuery(1) });
    expect(field(p1, 'params')).toMatchObject({ next_page: 2 });
    const rest = await allPages<Tx>(bank, '/transactions', 'transactions', token, { ...txQuery(), page: '2' } as unknown as Record<string, string>);
    expect(rest.pages).toEqual([1, 2, 3]);
    const { items } = await allPages<Tx>(bank, '/transactions', 'transactions', token, txQuery() as unknown as Record<string, string>);
    expect(items).toHaveLength(13);
    expect(items.slice(0, 5)).toEqual(field<Tx[]>(p1, 'transactions'));
    const inserted = items[12] as Tx;
    expect(inserted).toMatchObject({ amount: 12_345, description: '振込　カ）ヒカリデンキ', date: tokyoNow() });
    expect(inserted.balance).toBe((items[11] as Tx).balance + 12_345);
    expect(new Set(items.map((t) => t.id)).size).toBe(13);
    expect(sandbox.truth.summary('0001', accountId, { from: '2020-01-01', to: TODAY }).count).toBe(13);
  });

  it('can be back-dated inside the window: later pages then shift by one and a client must dedupe by id', async () => {
    const fresh = await startBankCommonApiSandbox({ seed: 'faults', clock, banks: [testBank({ pageSize: 5, users: [{ ...alice, accounts: [{ transactions: 12, historyDays: 30 }] }] })] });
    try {
      const b = fresh.bank('0001');
      const id = fresh.truth.accounts('0001', 'alice')[0]?.accountId as string;
      const t = await userTokens(b, alice);
      const before = [...fresh.truth.transactions('0001', id, { from: '2020-01-01', to: TODAY })];
      const midDate = (before[2] as Tx).date.slice(0, 10);
      b.knobs.insertTransactionAfterPage(id, 1, { amount: -500, date: midDate });
      const q = { account_id: id, start_date: '2020-01-01', end_date: TODAY };
      const p1 = field<Tx[]>(await call(b, 'GET', '/transactions', { token: t.access, query: { ...q, page: 1 } }), 'transactions');
      const p2 = field<Tx[]>(await call(b, 'GET', '/transactions', { token: t.access, query: { ...q, page: 2 } }), 'transactions');
      const p3 = field<Tx[]>(await call(b, 'GET', '/transactions', { token: t.access, query: { ...q, page: 3 } }), 'transactions');
      const seen = [...p1, ...p2, ...p3];
      expect(seen).toHaveLength(13);
      expect(new Set(seen.map((x) => x.id)).size).toBe(12); // one id twice (the page boundary moved)
      const after = [...fresh.truth.transactions('0001', id, { from: '2020-01-01', to: TODAY })];
      expect(after).toHaveLength(13);
      // Deduplicated by id, the client still missed the back-dated one: only a re-fetch finds it.
      const missed = after.filter((x) => !seen.some((s) => s.id === x.id));
      expect(missed.map((x) => x.amount)).toEqual([-500]);
    } finally {
      await fresh.close();
    }
  });

  it('inserts immediately through the knob and refuses future dates', () => {
    const item = bank.knobs.insertTransaction(accountId, { amount: -3_000 });
    expect(item).toMatchObject({ amount: -3_000, description: '振込　カ）キンコテスト' });
    expect(() => bank.knobs.insertTransaction(accountId, { amount: 1, date: '2020-06-02' })).toThrow(/future/);
  });
});

describe('an account that disappears', () => {
  it('is no longer listed and its endpoints answer 400 (or 404 when chosen) until restored', async () => {
    const [, other] = sandbox.truth.accounts('0001', 'alice');
    bank.knobs.removeAccount(accountId);
    const listed = field<Array<{ id: string }>>(await accounts(), 'accounts').map((a) => a.id);
    expect(listed).toEqual([other?.accountId]);
    expect(sandbox.truth.account('0001', accountId).listed).toBe(false);
    expect((await call(bank, 'GET', '/transactions', { token, query: txQuery() })).status).toBe(400);
    expect((await call(bank, 'GET', '/balances', { token, query: txQuery() })).status).toBe(400);
    bank.knobs.removeAccount(accountId, { status: 404 });
    expect((await call(bank, 'GET', '/transactions', { token, query: txQuery() })).status).toBe(404);
    bank.knobs.restoreAccount(accountId);
    expect(field<unknown[]>(await accounts(), 'accounts')).toHaveLength(2);
    expect((await call(bank, 'GET', '/transactions', { token, query: txQuery() })).status).toBe(200);
  });
});

describe('token lifetime', () => {
  it('makes newly issued tokens expire quickly', async () => {
    bank.knobs.setTokenLifetimes({ accessToken: 2 });
    const t = await userTokens(bank, alice);
    expect((await call(bank, 'GET', '/accounts', { token: t.access })).status).toBe(200);
    clock.advance(2_000);
    expect((await call(bank, 'GET', '/accounts', { token: t.access })).status).toBe(401);
    token = (await userTokens(bank, alice)).access;
  });
});

describe('request log', () => {
  it('records method, path, query, operation, status and work, so tests can assert the windows asked for', async () => {
    await call(bank, 'GET', '/transactions', { token, query: txQuery(1, '2020-05-01', '2020-05-31') });
    await call(bank, 'GET', '/transactions', { token, query: txQuery(2, '2020-05-01', '2020-05-31') });
    await call(bank, 'GET', '/nowhere');
    const entries = sandbox.requestLog.entries({ bank: '0001', operation: 'GET /transactions' });
    expect(entries.map((e) => [e.query['start_date'], e.query['end_date'], e.query['page']])).toEqual([
      ['2020-05-01', '2020-05-31', '1'],
      ['2020-05-01', '2020-05-31', '2'],
    ]);
    expect(entries[0]).toMatchObject({ method: 'GET', path: '/transactions', status: 200, bank: '0001', at: clock().toISOString() });
    expect(entries[0]?.generated).toBeGreaterThanOrEqual(0);
    expect(bank.requests().pop()).toMatchObject({ operation: null, path: '/nowhere', status: 404 });
  });
});

describe('admin API', () => {
  it('exists only when enabled', async () => {
    expect((await call(bank, 'GET', '/__sandbox/state')).status).toBe(404);
  });

  it('drives the same knobs over HTTP, without faults or log entries of its own', async () => {
    const sb = await startBankCommonApiSandbox({ seed: 'admin', clock, admin: true, banks: [testBank({ pageSize: 5 })] });
    try {
      const b = sb.bank('0001');
      const t = await userTokens(b, alice);
      const id = sb.truth.accounts('0001', 'alice')[0]?.accountId as string;
      const state = await call(b, 'GET', '/__sandbox/state');
      expect(state.status).toBe(200);
      expect(state.body).toMatchObject({ bankCode: '0001', today: TODAY, options: { passwordLogin: true, pageSize: 5 } });

      expect((await call(b, 'PATCH', '/__sandbox/faults', { body: { errorRates: { 500: 1 } } })).status).toBe(200);
      expect((await call(b, 'GET', '/accounts', { token: t.access })).status).toBe(500);
      expect((await call(b, 'GET', '/__sandbox/state')).status).toBe(200);
      expect((await call(b, 'PATCH', '/__sandbox/faults', { body: { errorRates: { 500: 2 } } })).status).toBe(400);
      expect((await call(b, 'POST', '/__sandbox/reset')).status).toBe(200);

      await call(b, 'POST', '/__sandbox/faults/next', { body: { count: 1, fault: { type: 'rate-limit', retryAfterSeconds: 3 } } });
      const limited = await call(b, 'GET', '/accounts', { token: t.access });
      expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
      await call(b, 'POST', '/__sandbox/faults/next', { body: { count: 1, status: 503, operations: ['GET /accounts'] } });
      expect((await call(b, 'GET', '/accounts', { token: t.access })).status).toBe(503);

      await call(b, 'POST', `/__sandbox/accounts/${id}/remove`, { body: { status: 404 } });
      expect((await call(b, 'GET', '/transactions', { token: t.access, query: { account_id: id, start_date: '2020-01-01', end_date: TODAY } })).status).toBe(404);
      await call(b, 'POST', `/__sandbox/accounts/${id}/restore`);
      const inserted = await call(b, 'POST', `/__sandbox/accounts/${id}/transactions`, { body: { amount: 777 } });
      expect(inserted.body).toMatchObject({ amount: 777, date: tokyoNow() });
      await call(b, 'PATCH', '/__sandbox/options', { body: { passwordLogin: false } });
      expect((await call(b, 'POST', '/auth/login', { body: { api_key: 'test-key', id: 'alice', password: 'alice-pass' } })).status).toBe(404);
      await call(b, 'PATCH', '/__sandbox/token-lifetimes', { body: { accessToken: 1 } });
      expect((await call(b, 'GET', '/__sandbox/state')).body).toMatchObject({ tokenLifetimes: { accessToken: 1 } });

      const log = await call(b, 'GET', '/__sandbox/requests', { query: { operation: 'GET /accounts' } });
      const requests = field<Array<{ status: number; path: string }>>(log, 'requests');
      expect(requests.map((r) => r.status)).toEqual([500, 429, 503]);
      expect(sb.requestLog.entries().some((e) => e.path.startsWith('/__sandbox'))).toBe(false);
      expect((await call(b, 'DELETE', '/__sandbox/requests')).status).toBe(200);
      expect(sb.requestLog.entries()).toHaveLength(0);
    } finally {
      await sb.close();
    }
  });
});

describe('reset', () => {
  it('puts every knob back to the configuration', async () => {
    bank.knobs.faults.set({ latencyMs: 50, errorRates: { 500: 1 } });
    bank.knobs.faults.failNext(3, 503);
    bank.knobs.setPageSize(1);
    bank.knobs.setPasswordLogin(false);
    bank.knobs.removeAccount(accountId);
    bank.knobs.reset();
    expect(bank.knobs.faults.settings()).toMatchObject({ latencyMs: 0, errorRates: {} });
    expect(bank.knobs.faults.scheduled()).toEqual([]);
    expect(bank.knobs.options()).toEqual({ passwordLogin: true, pageSize: 5 });
    expect(field<unknown[]>(await accounts(), 'accounts')).toHaveLength(2);
  });
});
