import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { expect } from '@jest/globals';
import type { Clock } from '@kinko/connector-sdk';
import { manualClock, polishApiOperation, startPolishApiSandbox, type PolishApiSandbox, type PolishApiUserConfig } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app';
import { SyncWorker } from '../../src/sync/sync-worker';
import { TenantsService } from '../../src/tenants/tenants.service';
import type { WebhookSettings } from '../../src/webhooks/webhook-settings';
import { openConnectStart } from '../support/connect-browser';
import { readReply, type Reply } from '../support/http-reply';
import { testSettings } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// The refresh document's world (seeds/ais-refresh-mechanism.pl.txt): the PolishAPI sandbox and
// the app on one fixed clock (today 2020-06-01 in Warsaw), driven through the API over HTTP.

export const BANK_ID = 'sandbox-pl-105';
/** The app's client id at the bank. */
export const CLIENT_ID = 'kinko-replay';
const PUBLIC_URL = 'http://kinko.test';
/** The sandbox's log name of getTransactionsDone. */
export const DONE = polishApiOperation('getTransactionsDone');

/** The bank-account resource, as far as these tests read it. */
export interface ApiAccount {
  id: string;
  accountNumber: string | null;
  isActive: boolean;
  consent: { id: string; status: string; invalidationReason: string | null; previousStatus: string | null } | null;
  syncStatus: string;
  transactionSyncStatus: string | null;
  lastSyncDate: string | null;
  lastTransactionDate?: string | null;
  transactionSyncDate: string | null;
  syncError: { errorType: string; aspspResponse: { status: unknown; content: string } | null; message: string } | null;
}

/** A transaction as GET /api/v2/accounts/{id}/transactions lists it. */
export interface ApiTransaction {
  id: string;
  bankTransactionId: string;
  kind: string;
  amount: { amountMinor: string };
  transactionDate: string;
  linkedBookedId: string | null;
  linkEvidence: { method: string; dateDifferenceDays: number; amountDifferenceMinor: string; description: string; candidates: number } | null;
}

/** A Kinko user connected to the bank (its first sync finished). */
export interface ConnectedUser {
  token: string;
  userId: string;
  connectionId: string;
  consentId: string;
}

/** The app, the bank and helpers over HTTP. */
export interface PolishWorld {
  readonly clock: ReturnType<typeof manualClock>;
  readonly sandbox: PolishApiSandbox;
  readonly app: NestFastifyApplication;
  readonly tenantId: string;
  /** The tenant's API key (tenant routes, e.g. webhooks). */
  readonly apiKey: string;
  call<T = unknown>(method: string, path: string, token: string | null, body?: unknown): Promise<Reply<T>>;
  /** Waits for a session to finish; its status answer. */
  finished(token: string, sessionId: string): Promise<{ status: string }>;
  /** Creates a Kinko user who connects the bank as PSU `login` (approving at the bank) and waits for the first sync. */
  connectUser(externalId: string, login: string): Promise<ConnectedUser>;
  /** POST /api/v2/bank/{bankId}/sync and its session's final status. */
  sync(user: ConnectedUser): Promise<string>;
  /** GET /api/v2/bankaccount. */
  accounts(token: string): Promise<ApiAccount[]>;
  /** Every transaction of an account (keyset pages). */
  transactions(token: string, accountId: string): Promise<ApiTransaction[]>;
  /** The sequence number of the last logged bank request. */
  lastSeq(): number;
  close(): Promise<void>;
}

/** Starts the sandbox (with `users`) and the app on a new test database. */
export async function startPolishWorld(options: { users: readonly PolishApiUserConfig[]; seed: string; pageSize?: number; doneDateField?: 'bookingDate' | 'transactionDate'; webhookSettings?: Partial<WebhookSettings> }): Promise<PolishWorld> {
  const clock = manualClock('2020-06-01T10:00:00+02:00');
  const appClock: Clock = { now: () => clock(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateJwk = JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: CLIENT_ID });
  const db: TestDatabase = await createTestDatabase();
  const sandbox = await startPolishApiSandbox({
    clients: [{ clientId: CLIENT_ID, name: 'Kinko replay', publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: CLIENT_ID }, redirectUris: [`${PUBLIC_URL}/api/v2/connect/callback`] }],
    users: options.users,
    seed: options.seed,
    clock,
    requestLogLimit: 100_000,
  });
  const app = await createApp({
    settings: { settings: testSettings({ KINKO_PUBLIC_URL: PUBLIC_URL }) },
    databaseUrl: db.url,
    logger: false,
    banks: [
      {
        bankId: BANK_ID,
        connector: 'polish-api',
        options: {
          baseUrl: sandbox.url,
          clientId: CLIENT_ID,
          signingKey: privateJwk,
          bankSigningKey: JSON.stringify(sandbox.signingKey),
          bankName: 'Bank Piaskownica',
          maxHistoryDays: 731,
          pageSize: options.pageSize ?? 20,
          ...(options.doneDateField ? { doneDateField: options.doneDateField } : {}),
        },
      },
    ],
    clock: appClock,
    syncSettings: { pollingIntervalSeconds: 0.5, schedulerIntervalMs: 0, watchdogIntervalMs: 500, retryDelaySeconds: 1 },
    ...(options.webhookSettings ? { webhookSettings: options.webhookSettings } : {}),
  });
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  await app.get(SyncWorker).start();
  const boot = await app.get(TenantsService).bootstrap('Replay tenant');
  const apiKey = boot.apiKey.apiKey;

  const call: PolishWorld['call'] = async <T>(method: string, path: string, token: string | null, body?: unknown) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return readReply<T>(await fetch(`${base}${path}`, { method, headers, redirect: 'manual', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }));
  };
  const finished: PolishWorld['finished'] = async (token, sessionId) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await call<{ status: string; finishedAt: string | null }>('GET', `/api/v2/bank/session/${sessionId}/status`, token);
      if (r.json.finishedAt !== null) return r.json;
      if (Date.now() > deadline) throw new Error(`session ${sessionId} did not finish: ${r.text}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return {
    clock,
    sandbox,
    app,
    tenantId: boot.tenant.id,
    apiKey,
    call,
    finished,
    async connectUser(externalId, login) {
      const user = await call<{ id: string }>('POST', '/api/v2/tenant/users', apiKey, { externalId });
      const token = (await call<{ token: string }>('POST', `/api/v2/tenant/users/${user.json.id}/tokens`, apiKey, {})).json.token;
      const start = await call<{ redirectUrl: string }>('POST', `/api/v2/connect/${BANK_ID}`, token, {});
      expect(start.status).toBe(201);
      // The user's browser opens the flow's start URL (behind KINKO_PUBLIC_URL: here the app itself), bound to the flow by a cookie.
      const startUrl = new URL(start.json.redirectUrl);
      const browser = await openConnectStart(`${base}${startUrl.pathname}${startUrl.search}`);
      const approved = sandbox.testHooks.approveConsent(browser.bankUrl, { user: login });
      const callback = new URL(approved.location);
      expect(`${callback.origin}${callback.pathname}`).toBe(`${PUBLIC_URL}/api/v2/connect/callback`);
      const done = await readReply<{ connectionId: string; consentId: string; sessionIds: string[] }>(
        await fetch(`${base}${callback.pathname}${callback.search}`, { headers: { accept: 'application/json', cookie: browser.cookie }, redirect: 'manual' }),
      );
      expect(done.status).toBe(200);
      for (const id of done.json.sessionIds) await finished(token, id);
      return { token, userId: user.json.id, connectionId: done.json.connectionId, consentId: done.json.consentId };
    },
    async sync(user) {
      const started = await call<{ sessionId: string }>('POST', `/api/v2/bank/${BANK_ID}/sync`, user.token, {});
      expect(started.status).toBe(202);
      return (await finished(user.token, started.json.sessionId)).status;
    },
    accounts: async (token) => (await call<ApiAccount[]>('GET', '/api/v2/bankaccount', token)).json,
    async transactions(token, accountId) {
      const out: ApiTransaction[] = [];
      let cursor: string | null = null;
      do {
        const page: { json: { items: ApiTransaction[]; nextCursor: string | null } } = await call('GET', `/api/v2/accounts/${accountId}/transactions?limit=${500}${cursor ? `&cursor=${cursor}` : ''}`, token);
        out.push(...page.json.items);
        cursor = page.json.nextCursor;
      } while (cursor);
      return out;
    },
    lastSeq: () => sandbox.requestLog.entries().at(-1)?.seq ?? 0,
    async close() {
      await app.close();
      await sandbox.close();
      await db.drop();
    },
  };
}
