import type { Clock, ConnectorRegistry } from '@kinko/connector-sdk';
import { aggregationStatusGroup, parseAggregationStatus } from '@kinko/domain';
import {
  type BankCommonApiSandbox,
  DEFAULT_NETBANK_PERSONAS,
  type NetbankPersonaConfig,
  type NetbankSandbox,
  manualClock,
  startBankCommonApiSandbox,
  startNetbankSandbox,
} from '@kinko/sandbox-bank';
import type { LogLevel } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redacted } from 'effect';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { UserTokensService } from '../../src/auth/user-tokens.service';
import { AuthAttempt } from '../../src/challenges/auth-attempt.entity';
import { openChallengePayload } from '../../src/challenges/challenge-payload';
import type { BankEntry } from '../../src/config/settings';
import { CONNECTOR_REGISTRY } from '../../src/connectors/connector-registry.token';
import { newId } from '../../src/database/ids';
import type { MasterKeyring } from '../../src/secrets/master-keyring';
import { MASTER_KEYRING } from '../../src/secrets/secrets.service';
import { SyncWorker } from '../../src/sync/sync-worker';
import type { SyncSettings } from '../../src/sync/sync-options';
import { TenantsService } from '../../src/tenants/tenants.service';
import { UsersService } from '../../src/users/users.service';
import type { WebhookSettings } from '../../src/webhooks/webhook-settings';
import { readReply, type Reply } from '../support/http-reply';
import { testSettings } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** The net bank's id in these tests. */
export const NETBANK_ID = 'netbank-test';

/** A persona asked an OTP, then a CAPTCHA, at every login (the browser tests' path). */
export const OTP_THEN_CAPTCHA: NetbankPersonaConfig = {
  id: 'otp-captcha',
  password: 'pass-otp-captcha',
  summary: 'OTP then CAPTCHA at every login.',
  produces: 'suspended.missing-answer.auth.otp',
  branchCode: '322',
  accounts: [{ number: '1000030' }],
  challenges: [{ kind: 'otp', when: 'always' }, { kind: 'captcha', when: 'always' }],
};

/** Fast sync settings: quick polling and retries, no scheduler. */
export const FAST_SYNC: Partial<SyncSettings> = {
  pollingIntervalSeconds: 0.5,
  retryLimit: 1,
  retryDelaySeconds: 1,
  watchdogIntervalMs: 1_000,
  orphanGraceMs: 2_000,
  schedulerIntervalMs: 0,
};

/** A clock the app and the sandbox share: fixed unless moved. */
export interface TestClock extends Clock {
  readonly sandbox: () => Date;
  advance(ms: number): void;
}

/** A clock starting at the real now. */
export function testClock(): TestClock {
  const m = manualClock(new Date());
  return { now: () => m(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), sandbox: m, advance: (ms) => m.advance(ms) };
}

export type { Reply };

/** What the credential connect and the challenge answer return (the fields these tests read). */
export interface LoginResult {
  connectionId: string;
  outcome: 'running' | 'granted' | 'challenge' | 'failed';
  aggregationStatus: string;
  challenge: { kind: string; prompt: string; expiresAt: string; step: number; image: { dataUrl: string } | null } | null;
  error: { tag: string } | null;
  sessionIds: string[];
}

/** The app listening on loopback with the net bank sandbox registered, a tenant, a user and its token. */
export interface LinkWorld {
  readonly app: NestFastifyApplication;
  readonly netbank: NetbankSandbox;
  readonly clock: TestClock;
  readonly base: string;
  readonly scope: { tenantId: string; userId: string };
  readonly token: string;
  /** The tenant's API key (tenant routes, e.g. webhooks). */
  readonly apiKey: string;
  readonly ds: DataSource;
  /** A fresh user token (each Link entry needs its own: they are single use). */
  mintToken(): Promise<string>;
  /** A user API call with the user token. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<Reply<T>>;
  close(): Promise<void>;
}

/** The net bank's entry as a deployment would configure it. */
export function netbankEntry(netbank: NetbankSandbox): BankEntry {
  return {
    bankId: NETBANK_ID,
    connector: 'web-netbank',
    options: {
      bankCode: netbank.bankCode,
      bankName: { ja: `${netbank.bankName}（テスト）`, en: 'Test net bank', pl: 'Bank testowy' },
      baseUrl: netbank.url,
      stateKey: 'link-test-state-key-0123456789',
      directLoginUrl: `${netbank.url}/direct/login`,
    },
  };
}

/** How a Link world starts (see {@link startLinkWorld}). */
export interface LinkWorldOptions {
  readonly personas?: readonly NetbankPersonaConfig[];
  readonly extraBanks?: readonly BankEntry[];
  readonly env?: Record<string, string>;
  readonly worker?: boolean;
  readonly logLevels?: LogLevel[];
  readonly webhookSettings?: Partial<WebhookSettings>;
}

/** Starts the world: sandbox (test hooks on), app with worker, listening on 127.0.0.1:0. */
export async function startLinkWorld(db: TestDatabase, options: LinkWorldOptions = {}): Promise<LinkWorld> {
  const clock = testClock();
  const netbank = await startNetbankSandbox({ testHooks: true, clock: clock.sandbox, personas: options.personas ?? [...DEFAULT_NETBANK_PERSONAS, OTP_THEN_CAPTCHA] });
  const app = await createApp({
    settings: { settings: testSettings(options.env) },
    databaseUrl: db.url,
    logger: options.logLevels ?? false,
    banks: [netbankEntry(netbank), ...(options.extraBanks ?? [])],
    clock,
    syncSettings: FAST_SYNC,
    ...(options.webhookSettings ? { webhookSettings: options.webhookSettings } : {}),
  });
  if (options.worker !== false) await app.get(SyncWorker).start();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const base = `http://127.0.0.1:${address.port}`;
  const boot = await app.get(TenantsService).bootstrap(`Link tenant ${newId()}`);
  const user = await app.get(UsersService).create({ tenantId: boot.tenant.id }, `user-${newId()}`);
  const scope = { tenantId: boot.tenant.id, userId: user.id };
  const mintToken = async (): Promise<string> => (await app.get(UserTokensService).mint(scope, 900, clock.now())).token;
  const token = await mintToken();
  const api = async <T = unknown>(method: string, path: string, body?: unknown): Promise<Reply<T>> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      redirect: 'manual',
    });
    return readReply<T>(res);
  };
  return {
    app,
    netbank,
    clock,
    base,
    scope,
    token,
    apiKey: boot.apiKey.apiKey,
    ds: app.get(DataSource),
    mintToken,
    api,
    close: async () => {
      await app.close();
      await netbank.close();
    },
  };
}

/** A Link world on its own test database with one more bank, whose sandbox runs beside it. */
export interface LinkWorldWithBank<B> {
  readonly db: TestDatabase;
  readonly bank: B;
  readonly world: LinkWorld;
  /** Closes the world, then the bank, then drops the database. */
  close(): Promise<void>;
}

/** Creates a test database, starts the bank's sandbox (`startBank`) and a Link world with the bank registered (`entry`). */
export async function startLinkWorldWithBank<B extends { close(): Promise<void> }>(
  startBank: () => Promise<B>,
  entry: (bank: B) => BankEntry,
  options: LinkWorldOptions = {},
): Promise<LinkWorldWithBank<B>> {
  const db = await createTestDatabase();
  let bank: B | undefined;
  try {
    const started = await startBank();
    bank = started;
    const world = await startLinkWorld(db, { ...options, extraBanks: [...(options.extraBanks ?? []), entry(started)] });
    return {
      db,
      bank: started,
      world,
      close: async () => {
        await world.close();
        await started.close();
        await db.drop();
      },
    };
  } catch (e) {
    await bank?.close();
    await db.drop();
    throw e;
  }
}

/** The app's entry for a 銀行共通API sandbox bank (its first bank, or the one of `bankCode`) as `bankId`. */
export function bankCommonApiEntry(bankId: string, bca: BankCommonApiSandbox, bankCode?: string): BankEntry {
  const bank = bca.banks.find((b) => bankCode === undefined || b.bankCode === bankCode);
  if (!bank) throw new Error(`the sandbox has no bank ${bankCode ?? ''}`);
  return { bankId, connector: 'bank-common-api', options: { bankCode: bank.bankCode, bankName: bank.bankName, baseUrl: bank.url, apiKey: bank.client.apiKey, password: bank.client.password } };
}

/** A Link world with a 銀行共通API sandbox (`sandbox`; its first bank registered as `bankId`). */
export function startLinkWorldWithBca(bankId: string, sandbox: Parameters<typeof startBankCommonApiSandbox>[0], options: LinkWorldOptions = {}): Promise<LinkWorldWithBank<BankCommonApiSandbox>> {
  return startLinkWorldWithBank(
    () => startBankCommonApiSandbox(sandbox),
    (bca) => bankCommonApiEntry(bankId, bca),
    options,
  );
}

/** A browser-like client of the Link pages: a cookie jar and form posts. */
export class LinkBrowser {
  private readonly cookies = new Map<string, string>();
  lastCsrf = '';

  constructor(private readonly base: string) {}

  /** Opens the Link entry URL with a token; follows to the vault. */
  async enter(token: string, lang?: string): Promise<Reply> {
    const first = await this.get(`/link/connect?token=${encodeURIComponent(token)}${lang ? `&lang=${lang}` : ''}`);
    if (first.status !== 303) throw new Error(`the Link entry answered ${first.status}: ${first.text.slice(0, 200)}`);
    return this.get(first.headers.get('location') as string);
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.send('GET', path, undefined, headers);
  }

  /** Posts a form (the page's CSRF token added). */
  async post(path: string, fields: Record<string, string>): Promise<Reply> {
    return this.send('POST', path, new URLSearchParams({ _csrf: this.lastCsrf, ...fields }).toString());
  }

  private async send(method: string, path: string, body: string | undefined, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await fetch(path.startsWith('http') ? path : `${this.base}${path}`, {
      method,
      headers: {
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded', origin: this.base } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body } : {}),
      redirect: 'manual',
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, i);
      const value = (pair ?? '').slice(i + 1);
      if (/Max-Age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (csrf) this.lastCsrf = csrf;
    return { status: res.status, json: undefined, text, headers: res.headers };
  }

  /** The cookie names held. */
  cookieNames(): string[] {
    return [...this.cookies.keys()];
  }
}

/** One connection as the vault shows it. */
export interface VaultRow {
  readonly id: string;
  readonly status: string;
  readonly label: string;
  readonly since: string | undefined;
  readonly nextAction: string | undefined;
  readonly html: string;
}

const unescape = (s: string): string => s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The vault's rows, read from its HTML. */
export function vaultRows(page: string): VaultRow[] {
  const rows: VaultRow[] = [];
  const re = /<li class="connection [^"]*" data-connection-id="([^"]+)" data-status="([^"]+)">([\s\S]*?)<\/li>/g;
  for (let m = re.exec(page); m; m = re.exec(page)) {
    const inner = m[3] as string;
    rows.push({
      id: m[1] as string,
      status: unescape(m[2] as string),
      label: unescape(/<p class="status">([^<]*)<\/p>/.exec(inner)?.[1] ?? ''),
      since: /<p class="since">([^<]*)<\/p>/.exec(inner)?.[1],
      nextAction: /data-next-action="([^"]*)"/.exec(inner)?.[1],
      html: inner,
    });
  }
  return rows;
}

/** Waits until `check` returns a value (polling), or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The connection's aggregation status in the database. */
export async function statusOf(ds: DataSource, connectionId: string): Promise<string | undefined> {
  const rows = (await ds.query(`SELECT aggregation_status FROM connections WHERE id = $1`, [connectionId])) as Array<{ aggregation_status: string }>;
  return rows[0]?.aggregation_status;
}

/** Waits until the connection has `status`. */
export function reachStatus(world: LinkWorld, connectionId: string, status: string, timeoutMs = 30_000): Promise<string> {
  return eventually(`${connectionId} → ${status}`, async () => ((await statusOf(world.ds, connectionId)) === status ? status : undefined), timeoutMs);
}

/** The net bank session id (NBSESSIONID) of a waiting challenge, read from its encrypted state: the sandbox's test hooks answer by it. */
export async function bankSessionOfChallenge(world: LinkWorld, connectionId: string): Promise<string> {
  const attempt = await world.ds.getRepository(AuthAttempt).findOneByOrFail({ connectionId });
  const payload = openChallengePayload(world.app.get<MasterKeyring>(MASTER_KEYRING), attempt);
  const connector = world.app.get<ConnectorRegistry>(CONNECTOR_REGISTRY).require(attempt.connectorId);
  const state = connector.deserializeChallengeState(Redacted.value(payload.state));
  if (!state.ok) throw new Error('unreadable state');
  const text = connector.serializeChallengeState(state.value);
  if (!text.ok) throw new Error('unserialisable state');
  const jar = JSON.parse((JSON.parse(text.value) as { cookies: string }).cookies) as { cookies: Array<{ key: string; value: string }> };
  const cookie = jar.cookies.find((c) => c.key === 'NBSESSIONID');
  if (!cookie) throw new Error('no bank session cookie in the challenge state');
  return cookie.value;
}

/**
 * Connects the net bank with credentials as a client of the user API does: the POST answers
 * at once (202, the connection in running.auth, outcome `running`), then the client follows
 * the connection until the login has ended — a challenge waits (its question is fetched), the
 * first sync runs (granted), or the connection took a failure status.
 */
export async function connectWithCredentials(world: LinkWorld, credentials: Record<string, string>): Promise<LoginResult> {
  const started = await world.api<LoginResult>('POST', `/api/v2/connect/${NETBANK_ID}/credentials`, { credentials });
  if (started.status !== 202) throw new Error(`connecting answered ${started.status}: ${started.text.slice(0, 300)}`);
  if (started.json.outcome !== 'running' || started.json.aggregationStatus !== 'running.auth') throw new Error(`connecting answered ${started.text.slice(0, 300)}`);
  return followLogin(world, started.json.connectionId);
}

/** Follows a connection (GET /api/v2/connections/{id}) until its login has ended: what a client of the user API sees. */
export async function followLogin(world: LinkWorld, connectionId: string, timeoutMs = 120_000): Promise<LoginResult> {
  const status = await eventually(
    `the login of ${connectionId}`,
    async () => {
      const r = await world.api<{ aggregationStatus: string }>('GET', `/api/v2/connections/${connectionId}`);
      return r.json.aggregationStatus === 'running.auth' ? undefined : r.json.aggregationStatus;
    },
    timeoutMs,
  );
  const base = { connectionId, aggregationStatus: status, challenge: null, error: null, sessionIds: [] };
  const group = aggregationStatusGroup(parseAggregationStatus(status));
  if (group === 'waiting') {
    const challenge = await world.api<NonNullable<LoginResult['challenge']>>('GET', `/api/v2/connections/${connectionId}/challenge`);
    return { ...base, outcome: 'challenge', challenge: challenge.json };
  }
  return { ...base, outcome: group === 'running' || group === 'ok' ? 'granted' : 'failed' };
}

/** The netbank persona's credentials as the login form names them. */
export const credentialsOf = (netbank: NetbankSandbox, personaId: string, password?: string): Record<string, string> => ({
  userId: personaId,
  password: password ?? netbank.persona(personaId).password,
});

/** The answer to the persona's secret question shown. */
export function secretAnswer(netbank: NetbankSandbox, personaId: string, prompt: string): string {
  const q = netbank.persona(personaId).secretQuestions.find((s) => s.question === prompt);
  if (!q) throw new Error(`"${prompt}" is not a question of ${personaId}`);
  return q.answer;
}
