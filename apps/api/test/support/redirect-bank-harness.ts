/**
 * The set-up every redirect-bank end-to-end test shares (Berlin Group, GMO Aozora, UK Open
 * Banking…): a migrated test database, the app listening on 127.0.0.1 with the bank under test
 * configured and the sync worker running (fast polling), one tenant, and the few HTTP steps of
 * the redirect connect flow over the API. The bank's sandbox is the test's own: start it first,
 * hand its bank entry here, close it after `close()`.
 *
 * ```ts
 * let bank: MySandbox;
 * let h: RedirectBankHarness;
 * beforeAll(async () => {
 *   bank = await startMySandbox(...);
 *   h = await startRedirectBankHarness({ tenantName: 'My bank tenant', bank: { bankId: BANK_ID, connector: 'my-connector', options: { baseUrl: bank.url } } });
 * }, 120_000);
 * afterAll(async () => { await h?.close(); await bank?.close(); });
 *
 * it('connects, syncs, reads back', async () => {
 *   const { userId, token } = await h.newUser('ann-e2e');
 *   const browser = await h.startConnect(BANK_ID, token);        // at the bank's page: browser.bankUrl
 *   const done = await h.completeConnect(callbackUrl, browser);  // the browser back from the bank
 *   for (const id of done.json.sessionIds) expect(await h.finished(token, id)).toBe('completed');
 *   const items = await h.allTransactions(token, accountId);
 * });
 * ```
 */
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { BankEntry } from '../../src/config/settings';
import type { SyncSettings } from '../../src/sync/sync-options';
import { SyncWorker } from '../../src/sync/sync-worker';
import { TenantsService } from '../../src/tenants/tenants.service';
import { openConnectStart, type BoundConnectBrowser } from './connect-browser';
import { readReply, type Reply } from './http-reply';
import { createTestApp } from './test-app';
import { createTestDatabase, type TestDatabase } from './test-database';

/** The user agent every request of the harness sends (the "browser" the PSU context records). */
export const E2E_USER_AGENT = 'kinko-e2e-browser';

/** What the connect callback answers a JSON client. */
export interface ConnectDone {
  readonly connectionId: string;
  readonly consentId?: string;
  readonly sessionIds: string[];
}

export interface RedirectBankHarness {
  readonly app: NestFastifyApplication;
  readonly db: TestDatabase;
  /** http://127.0.0.1:<port> of the app. */
  readonly base: string;
  /** The tenant's API key. */
  readonly apiKey: string;
  /** One JSON request to the app (`token`: an API key or a user token, null for none); never follows redirects. */
  call<T>(method: string, path: string, token: string | null, body?: unknown): Promise<Reply<T>>;
  /** A new user of the tenant and a user token for it. */
  newUser(externalId: string): Promise<{ userId: string; token: string }>;
  /** POST /api/v2/connect/{bankId} (expects 201), then opens the flow's start URL as the user's browser: at the bank's page. */
  startConnect(bankId: string, token: string): Promise<BoundConnectBrowser>;
  /** The browser back from the bank: follows `callbackUrl` (the bank's redirect, code and state in it) with the flow's cookie. */
  completeConnect(callbackUrl: string, browser: BoundConnectBrowser): Promise<Reply<ConnectDone>>;
  /** Waits (up to 60 s) until the sync session has finished; its final status. */
  finished(token: string, sessionId: string): Promise<string>;
  /** Every transaction of an account, read page by page through the API. */
  allTransactions<T>(token: string, accountId: string): Promise<T[]>;
  /** Stops the app and drops the database (not the sandbox: the test started it). */
  close(): Promise<void>;
}

export interface RedirectBankHarnessOptions {
  /** The bank under test, as KINKO_BANKS would configure it (its sandbox's base URL in the options). */
  readonly bank: BankEntry;
  readonly tenantName: string;
  /** Sync settings besides the harness's (fast polling, no scheduler of its own: call `SyncScheduler.planRound` for a round). */
  readonly syncSettings?: Partial<SyncSettings>;
}

/** Starts the database, the app (listening on loopback, sync worker running) and a tenant. */
export async function startRedirectBankHarness(options: RedirectBankHarnessOptions): Promise<RedirectBankHarness> {
  const db = await createTestDatabase();
  let app: NestFastifyApplication | undefined;
  try {
    app = await createTestApp(db, {
      banks: [options.bank],
      syncSettings: { pollingIntervalSeconds: 0.5, schedulerIntervalMs: 0, watchdogIntervalMs: 500, retryDelaySeconds: 1, ...options.syncSettings },
    });
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    await app.get(SyncWorker).start();
    const apiKey = (await app.get(TenantsService).bootstrap(options.tenantName)).apiKey.apiKey;
    return harness(app, db, base, apiKey);
  } catch (error) {
    await app?.close();
    await db.drop();
    throw error;
  }
}

function harness(app: NestFastifyApplication, db: TestDatabase, base: string, apiKey: string): RedirectBankHarness {
  const call = async <T>(method: string, path: string, token: string | null, body?: unknown): Promise<Reply<T>> => {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': E2E_USER_AGENT };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return readReply<T>(await fetch(`${base}${path}`, { method, headers, redirect: 'manual', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }));
  };
  return {
    app,
    db,
    base,
    apiKey,
    call,
    async newUser(externalId) {
      const user = await call<{ id: string }>('POST', '/api/v2/tenant/users', apiKey, { externalId });
      if (user.status !== 201) throw new Error(`creating user ${externalId} answered ${user.status}: ${user.text}`);
      const token = await call<{ token: string }>('POST', `/api/v2/tenant/users/${user.json.id}/tokens`, apiKey, {});
      if (token.status !== 201) throw new Error(`a token for ${externalId} answered ${token.status}: ${token.text}`);
      return { userId: user.json.id, token: token.json.token };
    },
    async startConnect(bankId, token) {
      const start = await call<{ redirectUrl: string }>('POST', `/api/v2/connect/${bankId}`, token, {});
      if (start.status !== 201) throw new Error(`POST /api/v2/connect/${bankId} answered ${start.status}: ${start.text}`);
      return openConnectStart(start.json.redirectUrl);
    },
    async completeConnect(callbackUrl, browser) {
      return readReply<ConnectDone>(await fetch(callbackUrl, { headers: { accept: 'application/json', cookie: browser.cookie, 'user-agent': E2E_USER_AGENT }, redirect: 'manual' }));
    },
    async finished(token, sessionId) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const r = await call<{ status: string; finishedAt: string | null }>('GET', `/api/v2/bank/session/${sessionId}/status`, token);
        if (r.json.finishedAt !== null) return r.json.status;
        if (Date.now() > deadline) throw new Error(`session ${sessionId} did not finish: ${r.text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async allTransactions<T>(token: string, accountId: string) {
      const items: T[] = [];
      let cursor: string | null = null;
      do {
        const page: Reply<{ items: T[]; nextCursor: string | null }> = await call('GET', `/api/v2/accounts/${accountId}/transactions?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token);
        if (page.status !== 200) throw new Error(`the transactions of ${accountId} answered ${page.status}: ${page.text}`);
        items.push(...page.json.items);
        cursor = page.json.nextCursor;
      } while (cursor);
      return items;
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
