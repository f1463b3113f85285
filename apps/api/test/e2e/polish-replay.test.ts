import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Clock } from '@kinko/connector-sdk';
import { manualClock, polishApiOperation, startPolishApiSandbox, type PolishApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app';
import { SyncService } from '../../src/sync/sync.service';
import { SyncWorker } from '../../src/sync/sync-worker';
import { TenantsService } from '../../src/tenants/tenants.service';
import { testSettings } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// The refresh document's scenarios (seeds/ais-refresh-mechanism.pl.txt) replayed end to end
// through the API against the PolishAPI sandbox, with one fixed clock (today 2020-06-01 in
// Warsaw) shared by the app and the bank.

const BANK_ID = 'sandbox-pl-105';
const CLIENT_ID = 'kinko-replay';
const PUBLIC_URL = 'http://kinko.test';
const DONE = polishApiOperation('getTransactionsDone');

interface ApiAccount {
  id: string;
  accountNumber: string | null;
  isActive: boolean;
  consent: { id: string; status: string; invalidationReason: string | null; previousStatus: string | null } | null;
  syncStatus: string;
  transactionSyncStatus: string | null;
  lastSyncDate: string | null;
  syncError: { errorType: string; aspspResponse: { status: unknown; content: string } | null } | null;
}

/** Booked history of the laid-out account: 2018-06-01 .. 2020-05-01, the latest done transaction on 2020-05-01. */
function layout(): Record<string, number> {
  const out: Record<string, number> = {};
  for (let d = Date.parse('2018-06-01'); d <= Date.parse('2020-05-01'); d += 7 * 86_400_000) out[new Date(d).toISOString().slice(0, 10)] = 1;
  out['2020-05-01'] = 2;
  return out;
}

describe('PolishAPI: the refresh document replayed through the API (today 2020-06-01)', () => {
  const clock = manualClock('2020-06-01T10:00:00+02:00');
  const appClock: Clock = { now: () => clock(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateJwk = JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: CLIENT_ID });
  let db: TestDatabase;
  let sandbox: PolishApiSandbox;
  let app: NestFastifyApplication;
  let base: string;
  let apiKey: string;
  let tenantId: string;

  const call = async <T = unknown>(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; json: T; text: string }> => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, { method, headers, redirect: 'manual', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json: json as T, text };
  };

  const finished = async (token: string, sessionId: string): Promise<{ status: string }> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await call<{ status: string; finishedAt: string | null }>('GET', `/api/v2/bank/session/${sessionId}/status`, token);
      if (r.json.finishedAt !== null) return r.json;
      if (Date.now() > deadline) throw new Error(`session ${sessionId} did not finish: ${r.text}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  /** A Kinko user who connects the bank as PSU `login` (approving at the bank); the first sync has finished. */
  const connectUser = async (externalId: string, login: string): Promise<{ token: string; userId: string; connectionId: string; consentId: string }> => {
    const user = await call<{ id: string }>('POST', '/api/v2/tenant/users', apiKey, { externalId });
    const token = (await call<{ token: string }>('POST', `/api/v2/tenant/users/${user.json.id}/tokens`, apiKey, {})).json.token;
    const start = await call<{ redirectUrl: string }>('POST', `/api/v2/connect/${BANK_ID}`, token, {});
    expect(start.status).toBe(201);
    const approved = sandbox.testHooks.approveConsent(start.json.redirectUrl, { user: login });
    const callback = new URL(approved.location);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${PUBLIC_URL}/api/v2/connect/callback`);
    const done = await call<{ connectionId: string; consentId: string; sessionIds: string[] }>('GET', `${callback.pathname}${callback.search}`, null);
    expect(done.status).toBe(200);
    for (const id of done.json.sessionIds) await finished(token, id);
    return { token, userId: user.json.id, connectionId: done.json.connectionId, consentId: done.json.consentId };
  };

  /** The transaction fetches of getTransactionsDone (the balances' requests filter by booking date instead). */
  const doneRequests = (after: number) =>
    sandbox
      .requests({ operation: DONE })
      .map((e) => ({ seq: e.seq, status: e.status, params: e.params ?? {} }))
      .filter((e) => e.seq > after && e.params.bookingDateFrom === undefined);
  const lastSeq = (): number => sandbox.requestLog.entries().at(-1)?.seq ?? 0;
  const accounts = async (token: string) => (await call<ApiAccount[]>('GET', '/api/v2/bankaccount', token)).json;

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startPolishApiSandbox({
      clients: [{ clientId: CLIENT_ID, name: 'Kinko replay', publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: CLIENT_ID }, redirectUris: [`${PUBLIC_URL}/api/v2/connect/callback`] }],
      users: [
        { login: 'jan', password: 'haslo-jana', name: 'Jan Kowalski', accounts: [{ kind: 'savings', activity: false, transactionsByDate: layout(), name: 'Historia' }] },
        { login: 'ola', password: 'haslo-oli', name: 'Ola Nowak', accounts: [{ kind: 'savings', activity: false, transactions: 0, historyDays: 400, ongoing: false }] },
      ],
      seed: 'polish-replay',
      clock,
      requestLogLimit: 100_000,
    });
    app = await createApp({
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
            pageSize: 20,
          },
        },
      ],
      clock: appClock,
      syncSettings: { pollingIntervalSeconds: 0.5, schedulerIntervalMs: 0, watchdogIntervalMs: 500, retryDelaySeconds: 1 },
    });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    await app.get(SyncWorker).start();
    const boot = await app.get(TenantsService).bootstrap('Replay tenant');
    apiKey = boot.apiKey.apiKey;
    tenantId = boot.tenant.id;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  let jan: Awaited<ReturnType<typeof connectUser>>;

  it('first sync after SCA: the consent range 2018-06-01..2020-06-01, the same dates on every page; the next sync 2020-04-27..2020-06-01', async () => {
    jan = await connectUser('jan-user', 'jan');
    const first = doneRequests(0);
    expect(first.length).toBeGreaterThan(3); // several pages of 20
    expect(first.filter((e) => e.params.pageId !== undefined).length).toBe(first.length - 1);
    for (const e of first) expect([e.status, e.params.transactionDateFrom, e.params.transactionDateTo, e.params.perPage]).toEqual([200, '2018-06-01', '2020-06-01', 20]);

    const before = lastSeq();
    const sync = await call<{ sessionId: string }>('POST', `/api/v2/bank/${BANK_ID}/sync`, jan.token, {});
    expect(sync.status).toBe(202);
    expect(await finished(jan.token, sync.json.sessionId)).toMatchObject({ status: 'completed' });
    const next = doneRequests(before);
    expect(next.length).toBeGreaterThan(0);
    for (const e of next) expect([e.params.transactionDateFrom, e.params.transactionDateTo]).toEqual(['2020-04-27', '2020-06-01']);
    const [account] = await accounts(jan.token);
    expect(account).toMatchObject({ isActive: true, syncStatus: 'active', transactionSyncStatus: 'completed' });
  });

  it('background refresh (scheduler, no fresh SCA) without data: daysBack 365 → 90 days, daysBack 20 → 20 days', async () => {
    const ola = await connectUser('ola-user', 'ola');
    for (const [daysBack, from] of [
      [365, '2020-03-03'],
      [20, '2020-05-12'],
    ] as const) {
      const before = lastSeq();
      const started = await app.get(SyncService).startSync({ tenantId, userId: ola.userId }, { connectionIds: [ola.connectionId] }, { requestedBy: 'scheduler', daysBack });
      for (const id of started.sessionIds) await finished(ola.token, id);
      const requests = doneRequests(before);
      expect(requests.length).toBeGreaterThan(0);
      for (const e of requests) expect([daysBack, e.status, e.params.transactionDateFrom, e.params.transactionDateTo]).toEqual([daysBack, 200, from, '2020-06-01']);
    }
  });
});
