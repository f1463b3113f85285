import { createPkcePair, createState, type Clock } from '@kinko/connector-sdk';
import {
  type BankCommonApiSandbox,
  type SandboxUserConfig,
  loginAtBankPage,
  manualClock,
  startBankCommonApiSandbox,
} from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import type { BankEntry } from '../../src/config/settings';
import { newId } from '../../src/database/ids';
import { ConnectorClients } from '../../src/sync/connector-clients';
import { GrantVault } from '../../src/sync/grant-vault';
import type { SyncSettings } from '../../src/sync/sync-options';
import { SyncService } from '../../src/sync/sync.service';
import { SyncWorker } from '../../src/sync/sync-worker';
import type { SyncSessionViews } from '../../src/sync/sync.types';
import { UsersService } from '../../src/users/users.service';
import type { WebhookSettings } from '../../src/webhooks/webhook-settings';
import { TenantsService } from '../../src/tenants/tenants.service';
import { testSettings } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** The sandbox bank's code and the app's bankId (= connector id) for it in these tests. */
export const BANK_CODE = '0009';
export const BANK_ID = 'bca-test';
export const CLIENT = { apiKey: 'kinko-test-key', password: 'kinko-test-secret', redirectDomains: ['127.0.0.1'] };
export const REDIRECT_URI = 'http://127.0.0.1/link/callback';

/** Fast settings for tests: quick polling, retries and watchdog; no scheduler timer. */
export const FAST_SYNC: Partial<SyncSettings> = {
  pollingIntervalSeconds: 0.5,
  retryLimit: 2,
  retryDelaySeconds: 1,
  watchdogIntervalMs: 500,
  orphanGraceMs: 1_000,
  schedulerIntervalMs: 0,
  concurrency: 4,
  accountConcurrency: 3,
};

/** A clock both the sandbox and the app read: fixed unless moved (`set`, `advance`). */
export interface SharedClock extends Clock {
  readonly sandbox: () => Date;
  set(instant: Date | string): void;
  advance(ms: number): void;
}

export function sharedClock(start: string): SharedClock {
  const m = manualClock(start);
  return { now: () => m(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), sandbox: m, set: (i) => m.set(i), advance: (ms) => m.advance(ms) };
}

/** The sandbox with one bank whose users are `users`. */
export function startSandbox(users: readonly SandboxUserConfig[], options: { clock?: () => Date; seed?: number } = {}): Promise<BankCommonApiSandbox> {
  return startBankCommonApiSandbox({
    banks: [{ bankCode: BANK_CODE, bankName: 'テスト銀行', client: CLIENT, users }],
    seed: options.seed ?? 42,
    requestLogLimit: 200_000,
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

/** The KINKO_BANKS entry of the sandbox bank. */
export function bankEntry(sandbox: BankCommonApiSandbox, limits?: Record<string, number>, baseUrl?: string): BankEntry {
  return {
    bankId: BANK_ID,
    connector: 'bank-common-api',
    options: { bankCode: BANK_CODE, bankName: 'テスト銀行', baseUrl: baseUrl ?? sandbox.url(BANK_CODE), apiKey: CLIENT.apiKey, password: CLIENT.password, ...(limits ? { limits } : {}) },
  };
}

/** An app on the test database with the sandbox bank registered (worker not started). */
export function syncApp(
  db: TestDatabase,
  sandbox: BankCommonApiSandbox,
  options: { clock?: Clock; sync?: Partial<SyncSettings>; limits?: Record<string, number>; baseUrl?: string; webhooks?: Partial<WebhookSettings>; poolSize?: number } = {},
): Promise<NestFastifyApplication> {
  return createApp({
    settings: { settings: testSettings() },
    databaseUrl: db.url,
    logger: false,
    banks: [bankEntry(sandbox, options.limits, options.baseUrl)],
    ...(options.clock ? { clock: options.clock } : {}),
    syncSettings: { ...FAST_SYNC, ...options.sync },
    ...(options.webhooks ? { webhookSettings: options.webhooks } : {}),
    ...(options.poolSize !== undefined ? { databasePoolSize: options.poolSize } : {}),
  });
}

/** A sync test's world: a shared clock, a test database, the sandbox bank with its users and the app on them (worker not started). */
export interface SyncWorld {
  readonly clock: SharedClock;
  readonly db: TestDatabase;
  readonly sandbox: BankCommonApiSandbox;
  readonly app: NestFastifyApplication;
  readonly ds: DataSource;
  /** Closes the app, the proxy if any, the sandbox and drops the database. */
  close(): Promise<void>;
}

/**
 * Starts a {@link SyncWorld} at `start` (the clock's first instant); `proxy`, when given, is
 * put between the app and the sandbox bank (the app calls its url) and closed with the world.
 */
export async function startSyncWorld(
  users: readonly SandboxUserConfig[],
  options: {
    start?: string;
    sync?: Partial<SyncSettings>;
    limits?: Record<string, number>;
    /** Webhook policy (e.g. endpoints on loopback allowed), when the test subscribes to events. */
    webhooks?: Partial<WebhookSettings>;
    proxy?: (sandbox: BankCommonApiSandbox) => Promise<{ readonly url: string; close(): Promise<void> }>;
  } = {},
): Promise<SyncWorld> {
  const clock = sharedClock(options.start ?? '2026-03-10T03:00:00Z');
  const closers: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) await c();
  };
  try {
    const db = await createTestDatabase();
    closers.push(() => db.drop());
    const sandbox = await startSandbox(users, { clock: clock.sandbox });
    closers.push(() => sandbox.close());
    const proxy = options.proxy ? await options.proxy(sandbox) : undefined;
    if (proxy) closers.push(() => proxy.close());
    const app = await syncApp(db, sandbox, {
      clock,
      ...(options.sync ? { sync: options.sync } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
      ...(proxy ? { baseUrl: proxy.url } : {}),
      ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    });
    closers.push(() => app.close());
    return { clock, db, sandbox, app, ds: app.get(DataSource), close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** A user connected to the sandbox bank through the real redirect flow (grant stored encrypted). */
export interface Connected {
  readonly scope: { tenantId: string; userId: string };
  readonly connectionId: string;
  readonly consentId: string;
  readonly bankUserId: string;
}

let tenantCounter = 0;

/**
 * Creates a tenant, a user, a connection and its consent directly in the database, and
 * obtains the grant from the sandbox: the connector's redirect URL, the bank's login page
 * (scripted), the callback → `auth.complete` → `GrantVault.storeGranted`.
 */
export async function connectUser(
  app: NestFastifyApplication,
  sandbox: BankCommonApiSandbox,
  bankUser: { id: string; password: string },
  options: { now?: Date; consentExpiresAt?: Date; maxHistoryDays?: number; tenantId?: string } = {},
): Promise<Connected> {
  const now = options.now ?? new Date();
  const ds = app.get(DataSource);
  const tenantId = options.tenantId ?? (await app.get(TenantsService).bootstrap(`Sync tenant ${++tenantCounter} ${newId()}`)).tenant.id;
  const user = await app.get(UsersService).create({ tenantId }, `user-${newId()}`);
  const scope = { tenantId, userId: user.id };
  const connectionId = newId();
  await ds.query(
    `INSERT INTO connections (id, tenant_id, user_id, connector_id, bank_id, aggregation_status, aggregation_status_changed_at, deactivated) VALUES ($1, $2, $3, $4, $4, 'success', $5, false)`,
    [connectionId, tenantId, user.id, BANK_ID, now],
  );
  const consentId = newId();
  await ds.query(
    `INSERT INTO consents (id, tenant_id, user_id, connection_id, status, previous_status, create_date, expiration_date, max_history_days, scope, last_sca_at)
      VALUES ($1, $2, $3, $4, 'valid', 'received', $5, $6, $7, $8::jsonb, $5)`,
    [
      consentId,
      tenantId,
      user.id,
      connectionId,
      now,
      options.consentExpiresAt ?? new Date(now.getTime() + 180 * 86_400_000),
      options.maxHistoryDays ?? 730,
      JSON.stringify({ data: ['accounts', 'balances', 'transactions'], transactionKinds: ['booked'] }),
    ],
  );
  const clients = app.get(ConnectorClients);
  const client = clients.client(BANK_ID);
  const pkce = createPkcePair();
  const state = createState();
  const begin = await client.auth.begin({ redirectUri: REDIRECT_URI, state, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
  if (!begin.ok || begin.value.type !== 'redirect') throw new Error(`begin failed: ${JSON.stringify(begin)}`);
  const login = await loginAtBankPage(begin.value.url, bankUser);
  if (login.outcome !== 'redirected') throw new Error(`login failed: ${login.status}`);
  const callbackParams = Object.fromEntries(new URL(login.location).searchParams.entries());
  const step = await client.auth.complete({ type: 'redirect', callbackParams, redirectUri: REDIRECT_URI, codeVerifier: pkce.verifier });
  if (!step.ok || step.value.type !== 'granted') throw new Error(`complete failed: ${JSON.stringify(step.ok ? step.value.type : step.error)}`);
  await app.get(GrantVault).storeGranted(scope, connectionId, clients.connector(BANK_ID), step.value, { now, scaAt: now });
  return { scope, connectionId, consentId, bankUserId: bankUser.id };
}

/** Waits until the session has finished (its `finished` stage completed), polling. */
export async function waitForSession(app: NestFastifyApplication, scope: { tenantId: string; userId: string }, sessionId: string, timeoutMs = 60_000): Promise<SyncSessionViews> {
  const sync = app.get(SyncService);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const views = await sync.getSession(scope, sessionId);
    if (views.status.finishedAt !== null) return views;
    if (Date.now() > deadline) throw new Error(`session ${sessionId} did not finish within ${timeoutMs} ms: ${JSON.stringify(views.statusDetails)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts the app's worker. */
export async function startWorker(app: NestFastifyApplication): Promise<SyncWorker> {
  const worker = app.get(SyncWorker);
  await worker.start();
  return worker;
}

/** The stored transactions of an account: id → [date, amount, balance]. */
export async function storedTransactions(ds: DataSource, accountId: string): Promise<Map<string, string>> {
  const rows = (await ds.query(
    `SELECT bank_transaction_id, transaction_date::text AS d, amount_minor::text AS a, balance_after_minor::text AS b, description FROM transactions WHERE account_id = $1`,
    [accountId],
  )) as Array<{ bank_transaction_id: string; d: string; a: string; b: string | null; description: string }>;
  return new Map(rows.map((r) => [r.bank_transaction_id, `${r.d}|${r.a}|${r.b}|${r.description}`]));
}

/** The sandbox's truth for an account in the same shape as {@link storedTransactions}. */
export function truthTransactions(sandbox: BankCommonApiSandbox, bankAccountId: string, window: { from: string; to: string }): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of sandbox.truth.transactions(BANK_CODE, bankAccountId, window)) {
    out.set(String(t.id), `${t.date.slice(0, 10)}|${t.amount}|${t.balance}|${t.description}`);
  }
  return out;
}

/** The app's mapping bank account id → stored account id, for a connection. */
export async function accountIds(ds: DataSource, connectionId: string): Promise<Map<string, string>> {
  const rows = (await ds.query(`SELECT id, bank_account_id FROM bank_accounts WHERE connection_id = $1`, [connectionId])) as Array<{ id: string; bank_account_id: string }>;
  return new Map(rows.map((r) => [r.bank_account_id, r.id]));
}

export { newId };
export const uniqueUserId = (): string => `u${newId().slice(-8)}`;

/** A sandbox user with accounts of the given transaction counts and history length. */
export function bankUser(id: string, accounts: ReadonlyArray<{ transactions: number; historyDays: number }>): SandboxUserConfig {
  return { id, password: 'pw-' + id, accounts: accounts.map((a) => ({ kind: 'ordinary', transactions: a.transactions, historyDays: a.historyDays })) };
}

export const credentialsOf = (u: SandboxUserConfig): { id: string; password: string } => ({ id: u.id, password: u.password });

/**
 * The session's pg-boss job once it has left the active state (pg-boss marks it completed
 * or failed just after the handler returned, so right after the session finished it may
 * still read `active`).
 */
export async function settledJob(ds: DataSource, sessionId: string, timeoutMs = 10_000): Promise<{ state: string; retry_count: number } | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = (await ds.query(`SELECT state, retry_count FROM pgboss.job WHERE name = 'kinko-sync' AND id = $1`, [sessionId])) as Array<{ state: string; retry_count: number }>;
    const job = rows[0];
    if (!job || (job.state !== 'active' && job.state !== 'created' && job.state !== 'retry') || Date.now() > deadline) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
}
