import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Clock } from '@kinko/connector-sdk';
import { addDays, calendarDate } from '@kinko/domain';
import { type BankCommonApiSandbox, loginAtBankPage, manualClock, startBankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { LogLevel } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { SyncWorker } from '../../src/sync/sync-worker';
import { TenantsService } from '../../src/tenants/tenants.service';
import { openConnectStart } from '../support/connect-browser';
import { testSettings } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { dumpDatabase, secretForms } from './database-dump';
import { type RecordingProxy, startRecordingProxy } from './recording-proxy';

// THE end-to-end test of the user API: a tenant's user connects the sandbox 銀行共通API
// bank through the real redirect flow over loopback HTTP, syncs, reads what the bank holds
// through the API, syncs incrementally, withdraws the consent, reconnects, and sees the
// consent expire — then no secret is found in a dump of the database or in the logs.

const BANK_CODE = '0001';
const BANK_ID = 'sandbox-0001';
const canary = (what: string): string => `${what}-canary-${randomBytes(9).toString('base64url')}`;
const USER_PASSWORD = canary('user-password');
const CLIENT_PASSWORD = canary('client-password');
const BANK_LOGIN = 'alice-at-bank';
const ALL_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const DAY = 86_400_000;

interface Reply<T = unknown> {
  readonly status: number;
  readonly json: T;
  readonly text: string;
  readonly headers: Headers;
}

interface ApiAccount {
  id: string;
  accountNumber: string | null;
  connectionId: string;
  bankId: string;
  consent: { id: string; status: string; invalidationReason: string | null; previousStatus: string | null; bank: { id: string; name: string } } | null;
  consentId: string | null;
  consentStatus: string;
  isActive: boolean;
  lastSession: { id: string; status: string; stage: string } | null;
  lastSessionStatus: string | null;
  syncStatus: string;
  transactionSyncStatus: string | null;
  lastSyncDate: string | null;
  transactionSyncDate: string | null;
  lastTransactionDate: string | null;
  syncError: unknown;
  aggregationStatus: string;
  aggregationStatusLabel: string;
  currencyCode: string;
}

interface ApiTransaction {
  id: string;
  bankTransactionId: string;
  transactionDate: string;
  amount: { amountMinor: string; currency: string; amount: string };
  balanceAfter: { amountMinor: string } | null;
  description: string;
}

describe('end to end: connect the sandbox 銀行共通API bank, sync, read, withdraw, expire', () => {
  const clock = manualClock('2026-03-10T03:00:00Z'); // 12:00 in Tokyo
  const appClock: Clock = { now: () => clock(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  const logs: string[] = [];
  const bodies: string[] = [];
  const authTokens: string[] = [];
  let restoreOutput: () => void = () => undefined;
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let proxy: RecordingProxy;
  let app: NestFastifyApplication;
  let base: string;
  let userToken: string;
  let connectionId: string;
  let consentId: string;

  const call = async <T = unknown>(method: string, path: string, options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply<T>> => {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.token !== null) headers.authorization = `Bearer ${options.token ?? userToken}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path.startsWith('http') ? path : `${base}${path}`, { method, headers, redirect: 'manual', ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
    const text = await res.text();
    bodies.push(text);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined; // not JSON (an HTML page)
    }
    return { status: res.status, json: json as T, text, headers: res.headers };
  };

  /** Polls a session's status until it has finished. */
  const finished = async (sessionId: string): Promise<{ status: string; stage: string }> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await call<{ status: string; stage: string; finishedAt: string | null }>('GET', `/api/v2/bank/session/${sessionId}/status`);
      expect(r.status).toBe(200);
      if (r.json.finishedAt !== null) return r.json;
      if (Date.now() > deadline) throw new Error(`session ${sessionId} did not finish: ${r.text}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  /** Connects (or reconnects) through the redirect flow; returns the callback's JSON. */
  const connect = async (body: Record<string, unknown> = {}) => {
    const start = await call<{ redirectUrl: string; connectFlowId: string }>('POST', `/api/v2/connect/${BANK_ID}`, { body });
    expect(start.status).toBe(201);
    // The user's browser opens the start URL (bound to the flow by a cookie) and is sent on to the bank.
    const browser = await openConnectStart(start.json.redirectUrl);
    const login = await loginAtBankPage(browser.bankUrl, { id: BANK_LOGIN, password: USER_PASSWORD });
    if (login.outcome !== 'redirected') throw new Error(`the bank refused the login: ${login.status}`);
    const callback = new URL(login.location);
    const authToken = callback.searchParams.get('auth_token');
    if (authToken) authTokens.push(authToken);
    expect(callback.origin).toBe(base);
    const done = await call<{ status: string; connectionId: string; consentId: string; sessionIds: string[]; bankId: string }>('GET', login.location, { token: null, headers: { cookie: browser.cookie } });
    return { start: start.json, bankUrl: browser.bankUrl, cookie: browser.cookie, location: login.location, done };
  };

  const allTransactions = async (accountId: string, limit = 137): Promise<ApiTransaction[]> => {
    const out: ApiTransaction[] = [];
    let cursor: string | null = null;
    do {
      const page: Reply<{ items: ApiTransaction[]; nextCursor: string | null; limit: number }> = await call('GET', `/api/v2/accounts/${accountId}/transactions?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.json.items.length).toBeLessThanOrEqual(limit);
      out.push(...page.json.items);
      cursor = page.json.nextCursor;
    } while (cursor !== null);
    return out;
  };

  const today = (): string => sandbox.truth.today(BANK_CODE);

  /** The API's view of every account equals the bank's truth: transactions one by one, counts, sums, daily balances. */
  const expectApiEqualsBank = async (accounts: ApiAccount[]): Promise<Map<string, string>> => {
    const truthAccounts = sandbox.truth.accounts(BANK_CODE, BANK_LOGIN);
    expect(accounts.map((a) => a.accountNumber).sort()).toEqual(truthAccounts.map((t) => t.item.account_number).sort());
    const latest = new Map<string, string>();
    for (const account of accounts) {
      const bankAccount = truthAccounts.find((t) => t.item.account_number === account.accountNumber);
      if (!bankAccount) throw new Error(`no bank account ${account.accountNumber}`);
      const window = { from: bankAccount.firstDate, to: today() };
      const summary = sandbox.truth.summary(BANK_CODE, bankAccount.accountId, window);
      const items = await allTransactions(account.id);
      expect(new Set(items.map((t) => t.id)).size).toBe(items.length);
      expect(items.length).toBe(summary.count);
      expect(items.reduce((sum, t) => sum + BigInt(t.amount.amountMinor), 0n)).toBe(summary.net);
      const fromBank = new Map<string, string>();
      for (const t of sandbox.truth.transactions(BANK_CODE, bankAccount.accountId, window)) fromBank.set(String(t.id), `${t.date.slice(0, 10)}|${t.amount}|${t.balance}|${t.description}`);
      const fromApi = new Map(items.map((t) => [t.bankTransactionId, `${t.transactionDate}|${t.amount.amountMinor}|${t.balanceAfter?.amountMinor}|${t.description}`]));
      expect(fromApi).toEqual(fromBank);
      for (const t of items) expect(t.amount).toEqual({ amountMinor: t.amount.amountMinor, currency: 'JPY', amount: t.amount.amountMinor });
      // Newest first: by date, then the bank's order within the day — the bank's own list (oldest first) reversed.
      expect(items.map((t) => t.bankTransactionId)).toEqual([...fromBank.keys()].reverse());
      latest.set(bankAccount.accountId, summary.lastDate as string);

      const balances = await call<{ currency: string; items: Array<{ date: string; balance: { amountMinor: string } }> }>('GET', `/api/v2/accounts/${account.id}/balances`);
      expect(balances.status).toBe(200);
      expect(balances.json.currency).toBe('JPY');
      const bankBalances = new Map<string, string>();
      for (const b of sandbox.truth.dailyBalances(BANK_CODE, bankAccount.accountId, window)) bankBalances.set(b.date.slice(0, 10), String(b.balance));
      const apiBalances = new Map(balances.json.items.map((b) => [b.date, b.balance.amountMinor]));
      for (const [date, balance] of apiBalances) {
        expect(date <= today()).toBe(true);
        if (bankBalances.has(date)) expect([date, balance]).toEqual([date, bankBalances.get(date)]);
      }
      // Every day from the first transaction on is there.
      const missing = [...bankBalances.keys()].filter((d) => d >= (summary.firstDate as string) && !apiBalances.has(d));
      expect(missing).toEqual([]);
    }
    return latest;
  };

  beforeAll(async () => {
    // The complete log output of the run, for the secrets check (and kept off the console).
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const capture = (chunk: unknown): boolean => {
      logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return true;
    };
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    restoreOutput = () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };

    db = await createTestDatabase();
    sandbox = await startBankCommonApiSandbox({
      banks: [
        {
          bankCode: BANK_CODE,
          bankName: 'エンドツーエンド銀行',
          client: { apiKey: 'kinko-e2e', password: CLIENT_PASSWORD, redirectDomains: ['127.0.0.1'] },
          users: [
            {
              id: BANK_LOGIN,
              password: USER_PASSWORD,
              accounts: [
                { kind: 'ordinary', transactions: 420, historyDays: 400, ongoing: true },
                { kind: 'current', transactions: 150, historyDays: 200 },
                { kind: 'ordinary', transactions: 40, historyDays: 30 },
              ],
            },
          ],
        },
      ],
      seed: 11,
      clock,
      requestLogLimit: 100_000,
    });
    proxy = await startRecordingProxy(sandbox.url(BANK_CODE));
    app = await createApp({
      settings: { settings: testSettings({ KINKO_LOG_LEVEL: 'verbose' }) },
      databaseUrl: db.url,
      logger: ALL_LEVELS,
      banks: [
        {
          bankId: BANK_ID,
          connector: 'bank-common-api',
          options: { bankCode: BANK_CODE, bankName: 'エンドツーエンド銀行', baseUrl: proxy.url, apiKey: 'kinko-e2e', password: CLIENT_PASSWORD },
        },
      ],
      clock: appClock,
      syncSettings: { pollingIntervalSeconds: 0.5, schedulerIntervalMs: 0, watchdogIntervalMs: 500, retryDelaySeconds: 1 },
    });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    await app.get(SyncWorker).start();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await proxy?.close();
    await sandbox?.close();
    await db?.drop();
    restoreOutput();
  });

  it('a tenant creates a user and a user token; the user connects the bank through the redirect flow', async () => {
    const apiKey = (await app.get(TenantsService).bootstrap('E2E tenant')).apiKey.apiKey;
    const user = await call<{ id: string }>('POST', '/api/v2/tenant/users', { token: apiKey, body: { externalId: 'alice' } });
    expect(user.status).toBe(201);
    const token = await call<{ token: string }>('POST', `/api/v2/tenant/users/${user.json.id}/tokens`, { token: apiKey, body: {} });
    expect(token.status).toBe(201);
    userToken = token.json.token;

    const banks = await call<Array<{ bankId: string; authFlow: string; displayName: { ja: string } }>>('GET', '/api/v2/banks');
    expect(banks.json).toEqual([expect.objectContaining({ bankId: BANK_ID, authFlow: 'redirect', displayName: expect.objectContaining({ ja: 'エンドツーエンド銀行' }) })]);

    const { start, bankUrl, cookie, location, done } = await connect();
    // The bank's login URL carries our callback with state and the PKCE binding, never the verifier.
    const redirectUri = new URL(new URL(bankUrl).searchParams.get('redirect_uri') as string);
    expect(`${redirectUri.origin}${redirectUri.pathname}`).toBe(`${base}/api/v2/connect/callback`);
    expect(redirectUri.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ status: 'connected', bankId: BANK_ID, sessionIds: [expect.any(String)] });
    connectionId = done.json.connectionId;
    consentId = done.json.consentId;

    // The callback is single use; an unknown state names no flow.
    const replay = await call<{ type: string }>('GET', location, { token: null, headers: { cookie } });
    expect([replay.status, replay.json.type]).toEqual([409, 'https://kinko.dev/problems/connect-flow-used']);
    const unknown = await call<{ type: string }>('GET', '/api/v2/connect/callback?state=nope&auth_token=x', { token: null });
    expect(unknown.status).toBe(404);
    const used = (await app.get(DataSource).query(`SELECT status, used_at IS NOT NULL AS used, verifier_ciphertext IS NULL AS wiped FROM connect_flows WHERE id = $1`, [start.connectFlowId])) as unknown[];
    expect(used).toEqual([{ status: 'completed', used: true, wiped: true }]);
  });

  it('POST /api/v2/bank/{bankId}/sync, the session finishes, and accounts, transactions and daily balances equal the bank', async () => {
    const sync = await call<{ sessionId: string; sessionIds: string[] }>('POST', `/api/v2/bank/${BANK_ID}/sync`, { body: {} });
    expect(sync.status).toBe(202);
    // The first sync started at connect: the request joins it while it runs.
    const sessions = new Set(sync.json.sessionIds);
    for (const id of sessions) expect(await finished(id)).toMatchObject({ status: 'completed', stage: 'finished' });

    // The first sync after the login (SCA) reached back as far as the consent allows (730 days).
    const firstFetches = sandbox.requestLog.entries({ bank: BANK_CODE, operation: 'GET /transactions' });
    expect(new Set(firstFetches.map((e) => e.query.start_date))).toEqual(new Set([addDays(calendarDate(today()), -730)]));

    const accounts = await call<ApiAccount[]>('GET', '/api/v2/bankaccount', { headers: { 'accept-language': 'en' } });
    expect(accounts.status).toBe(200);
    expect(accounts.json).toHaveLength(3);
    for (const a of accounts.json) {
      expect(a).toMatchObject({
        connectionId,
        bankId: BANK_ID,
        consentId,
        consentStatus: 'active',
        isActive: true,
        syncStatus: 'active',
        transactionSyncStatus: 'completed',
        syncError: null,
        aggregationStatus: 'success',
        aggregationStatusLabel: 'Updated just now',
        currencyCode: 'JPY',
        lastSessionStatus: 'completed',
      });
      expect(a.consent).toMatchObject({ id: consentId, status: 'valid', invalidationReason: null, previousStatus: 'received', bank: { id: BANK_ID, name: 'エンドツーエンド銀行' } });
      expect(a.lastSession).toMatchObject({ status: 'completed', stage: 'finished' });
      expect(a.lastSyncDate).not.toBeNull();
      expect(a.transactionSyncDate).not.toBeNull();
    }
    await expectApiEqualsBank(accounts.json);

    const details = await call<{ stages: Array<{ stage: string; status: string }>; accounts: unknown[] }>('GET', `/api/v2/bank/session/${sync.json.sessionId}/status/details`);
    expect(details.json.stages.map((s) => s.stage)).toEqual(['auth', 'accounts', 'balances', 'transactions', 'transactionDetails', 'intelligence', 'finished']);
    expect(details.json.accounts).toHaveLength(3);
    const stage = await call<{ stage: string; status: string; counts: { itemsWritten: number } }>('GET', `/api/v2/bank/session/${sync.json.sessionId}/stage/transactions/status`);
    expect(stage.json).toMatchObject({ stage: 'transactions', status: 'completed' });
    const session = await call<{ connectionId: string; dataFetched: { accounts: number } }>('GET', `/api/v2/bank/session/${sync.json.sessionId}`);
    expect(session.json).toMatchObject({ connectionId, dataFetched: { accounts: 3 } });
  });

  it('a second sync, a day later, asks the bank only from the latest transaction − 4 days, and the API still equals the bank', async () => {
    const before = await call<ApiAccount[]>('GET', '/api/v2/bankaccount');
    const latestBefore = new Map<string, string>();
    for (const bankAccount of sandbox.truth.accounts(BANK_CODE, BANK_LOGIN)) {
      latestBefore.set(bankAccount.accountId, sandbox.truth.summary(BANK_CODE, bankAccount.accountId, { from: bankAccount.firstDate, to: today() }).lastDate as string);
    }
    expect(before.json.map((a) => a.lastTransactionDate).sort()).toEqual([...latestBefore.values()].sort());

    clock.advance(DAY);
    const mark = sandbox.requestLog.entries().length;
    const sync = await call<{ sessionId: string }>('POST', `/api/v2/bank/connectionId/${connectionId}/sync`, { body: { daysBack: 20 } });
    expect(sync.status).toBe(202);
    expect(await finished(sync.json.sessionId)).toMatchObject({ status: 'completed' });

    const fetches = sandbox.requestLog.entries({ bank: BANK_CODE, operation: 'GET /transactions' }).filter((e) => e.seq > mark);
    expect(fetches.length).toBeGreaterThanOrEqual(3);
    for (const f of fetches) {
      const latest = latestBefore.get(String(f.query.account_id));
      expect([f.query.account_id, f.query.start_date, f.query.end_date]).toEqual([f.query.account_id, addDays(calendarDate(latest as string), -4), today()]);
    }
    const after = await call<ApiAccount[]>('GET', '/api/v2/bankaccount');
    await expectApiEqualsBank(after.json);
  });

  it('lists the connection with its status label in the request language, and the next action', async () => {
    const en = await call<Array<Record<string, unknown>>>('GET', '/api/v2/connections?lang=en');
    expect(en.json).toEqual([
      expect.objectContaining({ id: connectionId, bankId: BANK_ID, aggregationStatus: 'success', aggregationStatusGroup: 'ok', nextAction: 'none', consent: expect.objectContaining({ id: consentId, status: 'valid' }) }),
    ]);
    clock.advance(3 * 60_000);
    const ja = await call<Array<{ aggregationStatusLabel: string; lastSuccessLabel: string }>>('GET', '/api/v2/connections', { headers: { 'accept-language': 'ja,en;q=0.5' } });
    expect(ja.json[0]).toMatchObject({ aggregationStatusLabel: '3分前に更新されました', lastSuccessLabel: '3分前に更新されました' });
    const pl = await call<Array<{ aggregationStatusLabel: string }>>('GET', '/api/v2/connections', { headers: { 'accept-language': 'pl-PL' } });
    expect(pl.json[0]?.aggregationStatusLabel).toBe('Zaktualizowano 3 minuty temu');
  });

  it('DELETE consent: revoked at the bank, grant deleted, accounts inactive and no longer listed, data kept', async () => {
    const accountsBefore = (await call<ApiAccount[]>('GET', '/api/v2/bankaccount')).json;
    const transactionsBefore = await allTransactions(accountsBefore[0]?.id as string, 500);
    const mark = sandbox.requestLog.entries().length;

    const withdrawn = await call<{ consent: Record<string, unknown>; bankRevocation: string }>('DELETE', `/api/v2/consents/${consentId}`);
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.json).toMatchObject({ bankRevocation: 'revoked', consent: { id: consentId, status: 'revokedByUser', invalidationReason: 'RevokedByUser', previousStatus: 'valid' } });
    expect(sandbox.requestLog.entries({ bank: BANK_CODE, operation: 'DELETE /auth/token' }).filter((e) => e.seq > mark).map((e) => e.status)).toEqual([200]);

    expect((await call<ApiAccount[]>('GET', '/api/v2/bankaccount')).json).toEqual([]);
    const ds = app.get(DataSource);
    expect(await ds.query(`SELECT is_active FROM bank_accounts WHERE connection_id = $1`, [connectionId])).toEqual([{ is_active: false }, { is_active: false }, { is_active: false }]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM connection_secrets WHERE connection_id = $1`, [connectionId])).toEqual([{ n: 0 }]);
    // The data is kept and still readable.
    expect(await allTransactions(accountsBefore[0]?.id as string, 500)).toEqual(transactionsBefore);

    const connection = await call<{ aggregationStatus: string; nextAction: string; deactivated: boolean }>('GET', `/api/v2/connections/${connectionId}`);
    expect(connection.json).toMatchObject({ aggregationStatus: 'inactive', deactivated: true, nextAction: 'reconnect' });
    const again = await call<{ bankRevocation: string }>('DELETE', `/api/v2/consents/${consentId}`);
    expect([again.status, again.json.bankRevocation]).toEqual([200, 'nothing-to-revoke']);

    const mark2 = sandbox.requestLog.entries().length;
    const sync = await call<{ type: string; detail: string }>('POST', `/api/v2/bank/${BANK_ID}/sync`, { body: {} });
    expect([sync.status, sync.json.type]).toEqual([409, 'https://kinko.dev/problems/connection-inactive']);
    expect(sync.json.detail).toContain('inactive');
    const reactivate = await call<{ type: string }>('POST', `/api/v2/connections/${connectionId}/reactivate`);
    expect([reactivate.status, reactivate.json.type]).toEqual([409, 'https://kinko.dev/problems/reconnect-required']);
    expect(sandbox.requestLog.entries().length).toBe(mark2);
  });

  it('reconnecting brings the accounts back; once the consent expires: invalidationReason Expired on the bank account, no bank call', async () => {
    const { done } = await connect({ connectionId });
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ status: 'reconnected', connectionId });
    const newConsent = done.json.consentId;
    expect(newConsent).not.toBe(consentId);
    for (const id of done.json.sessionIds) expect(await finished(id)).toMatchObject({ status: 'completed' });
    const listed = await call<ApiAccount[]>('GET', '/api/v2/bankaccount');
    expect(listed.json).toHaveLength(3);
    expect(listed.json.every((a) => a.consent?.id === newConsent && a.consent.status === 'valid' && a.isActive)).toBe(true);

    clock.advance(181 * DAY); // past the consent's expiration (the grant's refresh horizon, 180 days)
    const mark = sandbox.requestLog.entries().length;
    const expired = await call<ApiAccount[]>('GET', '/api/v2/bankaccount?RefreshActiveAccounts=true');
    expect(expired.status).toBe(200);
    expect(expired.headers.get('kinko-sync-session-ids')).toBe('');
    expect(expired.json).toHaveLength(3);
    for (const a of expired.json) {
      expect(a.consent).toMatchObject({ id: newConsent, status: 'expired', invalidationReason: 'Expired', previousStatus: 'valid' });
      expect(a).toMatchObject({ consentStatus: 'inactive', isActive: true });
    }
    const connections = await call<Array<{ nextAction: string; consent: { status: string } }>>('GET', '/api/v2/connections');
    expect(connections.json[0]).toMatchObject({ nextAction: 'reconnect', consent: { status: 'expired' } });
    const sync = await call<{ type: string }>('POST', `/api/v2/bank/${BANK_ID}/sync`, { body: {} });
    expect([sync.status, sync.json.type]).toEqual([409, 'https://kinko.dev/problems/consent-expired']);
    expect(sandbox.requestLog.entries().length).toBe(mark); // no bank call was made
  });

  it('metrics after the syncs: sessions by connector and status, stage durations, bank calls by operation and status, the queue, HTTP by route', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const value = (series: RegExp): number => Number(series.exec(text)?.[1] ?? Number.NaN);
    const connector = BANK_ID; // the connection's connector id: the bank entry's id
    expect(value(new RegExp(`^kinko_sync_sessions_total\\{connector="${connector}",status="completed"\\} (\\d+)`, 'm'))).toBeGreaterThanOrEqual(3);
    for (const stage of ['auth', 'accounts', 'balances', 'transactions']) {
      expect(value(new RegExp(`^kinko_sync_stage_duration_seconds_count\\{connector="${connector}",stage="${stage}"\\} (\\d+)`, 'm'))).toBeGreaterThanOrEqual(3);
    }
    // Bank calls: connector, operation (path template: no account number or id), status, with a latency histogram.
    expect(value(new RegExp(`^kinko_bank_call_duration_seconds_count\\{connector="${connector}",operation="GET /transactions",status="200"\\} (\\d+)`, 'm'))).toBeGreaterThanOrEqual(3);
    expect(value(new RegExp(`^kinko_bank_call_duration_seconds_count\\{connector="${connector}",operation="POST /auth/token",status="200"\\} (\\d+)`, 'm'))).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^kinko_bank_call_duration_seconds_bucket\{le="0\.25",connector="sandbox-0001",operation="GET \/accounts",status="200"\} \d+/m);
    for (const t of sandbox.truth.accounts(BANK_CODE, BANK_LOGIN)) expect(text).not.toContain(String(t.item.account_number));
    // The queues, read from pg-boss at the scrape: nothing waits now.
    expect(text).toMatch(/^kinko_queue_depth\{queue="kinko-sync"\} 0$/m);
    expect(text).toMatch(/^kinko_queue_oldest_job_age_seconds\{queue="kinko-sync"\} 0$/m);
    expect(text).toMatch(/^kinko_http_request_duration_seconds_count\{method="GET",route="\/api\/v2\/accounts\/:accountId\/transactions",status="200"\} \d+/m);
    expect(text).toMatch(/^# TYPE kinko_sync_retries_total counter/m);
    expect(text).toMatch(/^# TYPE kinko_sync_dead_letters_total counter/m);
    expect(text).toMatch(/^# TYPE kinko_access_budget_refusals_total counter/m);
    expect(text).toMatch(/^# TYPE kinko_webhook_deliveries_total counter/m);
  });

  it('secrets canary: no password or token appears in a dump of the database, in the logs, or in an API answer', async () => {
    const tokens = proxy.tokens();
    expect(tokens.length).toBeGreaterThanOrEqual(4); // system token, access and refresh tokens of two logins…
    const canaries = [USER_PASSWORD, CLIENT_PASSWORD, ...authTokens, ...tokens];
    expect(authTokens).toHaveLength(2);

    const dump = await dumpDatabase(db.url);
    // The dump is real: it holds the synced data and the encrypted grant rows.
    expect(dump).toContain('-- public.transactions');
    expect(dump).toContain('-- pgboss.job');
    expect(dump).toMatch(/connection_secrets|connect_flows/);
    const log = logs.join('');
    // The complete logs of the run are JSON lines (pino), every one of them.
    const lines = log.split('\n').filter((l) => l.trim() !== '');
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`a log line is not JSON: ${line.slice(0, 200)}`);
      }
    });
    expect(entries.length).toBeGreaterThan(50);
    for (const e of entries) expect(e).toEqual(expect.objectContaining({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) }));
    expect(entries).toContainEqual(expect.objectContaining({ level: 'info', msg: 'Nest application successfully started' }));
    // The route table is debug output, not start-up noise.
    expect(entries).toContainEqual(expect.objectContaining({ level: 'debug', context: 'RouterExplorer', msg: 'Mapped {/api/v2/connect/callback, GET} route' }));
    // One line per request: method, route template, status, duration, request id, tenant id.
    const requests = entries.filter((e) => e['context'] === 'HTTP' && e['msg'] === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(bodies.length);
    expect(requests).toContainEqual({
      level: 'info', time: expect.any(String), pid: process.pid, context: 'HTTP', msg: 'request',
      requestId: expect.any(String), method: 'GET', route: '/api/v2/accounts/:accountId/transactions', status: 200, durationMs: expect.any(Number), tenantId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    for (const r of requests) expect(String(r['route'])).not.toMatch(/[?]|[0-9a-f]{8}-[0-9a-f]{4}-/);
    // Every sync session's end, with its status (and the connector's error tag when it failed).
    const ended = entries.filter((e) => e['msg'] === 'sync session ended');
    expect(ended.length).toBeGreaterThanOrEqual(3);
    expect(ended).toContainEqual(expect.objectContaining({ connector: BANK_ID, status: 'completed', aggregationStatus: 'success', errorTag: null, sessionId: expect.any(String) }));
    const answers = bodies.join('\n');

    const found: string[] = [];
    // Account numbers stay out of the logs too.
    const accountNumbers = sandbox.truth.accounts(BANK_CODE, BANK_LOGIN).map((t) => String(t.item.account_number));
    expect(accountNumbers.length).toBe(3);
    for (const number of accountNumbers) if (log.includes(number)) found.push(`logs contain the account number ${number.slice(0, 3)}…`);
    for (const secret of canaries) {
      for (const form of secretForms(secret)) {
        if (dump.includes(form)) found.push(`dump contains ${secret.slice(0, 12)}… (${form === secret ? 'plain' : 'encoded'})`);
      }
      if (log.includes(secret)) found.push(`logs contain ${secret.slice(0, 12)}…`);
      if (answers.includes(secret)) found.push(`an API answer contains ${secret.slice(0, 12)}…`);
    }
    expect(found).toEqual([]);
  });
});
