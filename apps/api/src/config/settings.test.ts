import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { type KinkoHooks, withLauncherDefaults } from '../server/start-kinko';
import { webhookSettingsOf } from '../webhooks/webhook-settings';
import { InvalidSettingsError, SETTING_NAMES, checkDatabaseSettings, checkServeSettings, decodeKey, fingerprintKeyId, loadSettings, unknownSettings } from './settings';

const KEY = Buffer.alloc(32, 1).toString('base64');
const OLD = Buffer.alloc(32, 2).toString('base64');

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadSettings(env, '/srv/kinko');
  } catch (e) {
    if (e instanceof InvalidSettingsError) return e.problems.map((p) => p.name);
    throw e;
  }
  return [];
}

describe('loadSettings', () => {
  it('has safe defaults for a development start', () => {
    const s = loadSettings({}, '/srv/kinko');
    expect(s).toMatchObject({
      mode: 'development',
      host: '127.0.0.1',
      port: 3000,
      databaseUrl: undefined,
      dataDir: path.resolve('/srv/kinko', '.kinko'),
      masterKey: undefined,
      userTokenTtlSeconds: 900,
      challengeTimeoutSeconds: 180,
      demo: true,
      sandbox: true,
    });
  });

  it('reads every setting', () => {
    const s = loadSettings(
      {
        PORT: '8080',
        HOST: '0.0.0.0',
        DATABASE_URL: 'postgres://u:p@db.internal:5432/kinko',
        KINKO_MODE: 'production',
        KINKO_DATA_DIR: 'var/kinko',
        KINKO_MASTER_KEY: KEY,
        KINKO_MASTER_KEY_ID: 'k2',
        KINKO_MASTER_KEYS_OLD: `k1:${OLD}`,
        KINKO_USER_TOKEN_TTL_SECONDS: '300',
        KINKO_CHALLENGE_TIMEOUT_SECONDS: '240',
        KINKO_BODY_LIMIT_BYTES: '65536',
        KINKO_LOG_LEVEL: 'warn',
        KINKO_PUBLIC_URL: 'https://kinko.example.com/',
      },
      '/srv/kinko',
    );
    expect(s.port).toBe(8080);
    expect(s.dataDir).toBe('/srv/kinko/var/kinko');
    expect(s.masterKey?.id).toBe('k2');
    expect(s.masterKey?.key.equals(Buffer.alloc(32, 1))).toBe(true);
    expect(s.oldMasterKeys.map((k) => k.id)).toEqual(['k1']);
    expect(s.demo).toBe(false); // production: no demo tenant unless asked
    expect(s.publicUrl).toBe('https://kinko.example.com');
  });

  it('names each invalid setting, all at once', () => {
    expect(
      problemsOf({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        KINKO_MASTER_KEY: 'c2hvcnQ=',
        KINKO_USER_TOKEN_TTL_SECONDS: '5',
        KINKO_LOG_LEVEL: 'loud',
        KINKO_DEMO: 'maybe',
        KINKO_MODE: 'staging',
      }).sort(),
    ).toEqual(['DATABASE_URL', 'KINKO_DEMO', 'KINKO_LOG_LEVEL', 'KINKO_MASTER_KEY', 'KINKO_MODE', 'KINKO_USER_TOKEN_TTL_SECONDS', 'PORT']);
  });

  it('says why in the message', () => {
    expect(() => loadSettings({ PORT: '70000' })).toThrow(/PORT: must be between 0 and 65535 \(got 70000\)/);
    expect(() => loadSettings({ KINKO_MASTER_KEY: 'c2hvcnQ=' })).toThrow(/KINKO_MASTER_KEY: must be 32 bytes encoded in base64/);
  });

  it('serving in production requires KINKO_PUBLIC_URL (the redirect URI never comes from a Host header); other modes and commands do not', () => {
    const production = loadSettings({ KINKO_MODE: 'production', KINKO_MASTER_KEY: KEY });
    expect(() => checkServeSettings(production)).toThrow(InvalidSettingsError);
    expect(() => checkServeSettings(production)).toThrow(/KINKO_PUBLIC_URL: is required to serve in production/);
    expect(() => checkServeSettings(loadSettings({ KINKO_MODE: 'production', KINKO_MASTER_KEY: KEY, KINKO_PUBLIC_URL: 'https://kinko.example' }))).not.toThrow();
    expect(() => checkServeSettings(loadSettings({ KINKO_MODE: 'development' }))).not.toThrow();
  });

  it('requires a master key in production', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual(['KINKO_MASTER_KEY']);
    expect(problemsOf({ NODE_ENV: 'production', KINKO_MASTER_KEY: KEY })).toEqual([]);
  });

  it('rejects malformed or duplicate old keys and an id without a key', () => {
    expect(problemsOf({ KINKO_MASTER_KEY: KEY, KINKO_MASTER_KEYS_OLD: 'k1' })).toEqual(['KINKO_MASTER_KEYS_OLD']);
    expect(problemsOf({ KINKO_MASTER_KEY: KEY, KINKO_MASTER_KEY_ID: 'k1', KINKO_MASTER_KEYS_OLD: `k1:${OLD}` })).toEqual(['KINKO_MASTER_KEYS_OLD']);
    expect(problemsOf({ KINKO_MASTER_KEY_ID: 'k1' })).toEqual(['KINKO_MASTER_KEY_ID']);
  });

  it('derives a stable key id from the key when none is given', () => {
    const s = loadSettings({ KINKO_MASTER_KEY: KEY });
    expect(s.masterKey?.id).toBe(fingerprintKeyId(Buffer.alloc(32, 1)));
    expect(s.masterKey?.id).not.toContain(KEY.slice(0, 8));
  });

  it('decodes base64 and base64url keys of exactly 32 bytes only', () => {
    const raw = Buffer.alloc(32, 0xfb);
    expect(decodeKey(raw.toString('base64'))?.equals(raw)).toBe(true);
    expect(decodeKey(raw.toString('base64url'))?.equals(raw)).toBe(true);
    expect(decodeKey(Buffer.alloc(31).toString('base64'))).toBeUndefined();
    expect(decodeKey('not base64!')).toBeUndefined();
  });

  it('production needs DATABASE_URL unless the embedded server is asked for explicitly; development runs it by default', () => {
    const production = loadSettings({ KINKO_MODE: 'production', KINKO_MASTER_KEY: KEY });
    expect(() => checkDatabaseSettings(production)).toThrow(
      'Invalid configuration: DATABASE_URL: is required in production: set it to your PostgreSQL 18 server (postgres://user:password@host:5432/kinko), or KINKO_EMBEDDED_POSTGRES=1 to run the embedded server',
    );
    expect(() => checkDatabaseSettings(loadSettings({ KINKO_MODE: 'production', KINKO_MASTER_KEY: KEY, KINKO_EMBEDDED_POSTGRES: '1' }))).not.toThrow();
    expect(() => checkDatabaseSettings(loadSettings({ KINKO_MODE: 'production', KINKO_MASTER_KEY: KEY, DATABASE_URL: 'postgres://u:p@db:5432/kinko' }))).not.toThrow();
    expect(() => checkDatabaseSettings(loadSettings({}))).not.toThrow();
    expect(() => checkDatabaseSettings(loadSettings({ KINKO_EMBEDDED_POSTGRES: 'false' }))).toThrow(/DATABASE_URL: is required in development/);
  });

  it('reads the metrics token (kept Redacted) and the metrics and worker ports', () => {
    const s = loadSettings({ KINKO_METRICS_TOKEN: 'a-metrics-token-of-32-characters', KINKO_METRICS_PORT: '9464', KINKO_WORKER_HTTP_PORT: '9465' });
    expect(s).toMatchObject({ metricsPort: 9464, workerHttpPort: 9465 });
    expect(String(s.metricsToken)).not.toContain('a-metrics-token');
    expect(problemsOf({ KINKO_METRICS_TOKEN: 'short', KINKO_METRICS_PORT: 'x', KINKO_WORKER_HTTP_PORT: '70000' })).toEqual(['KINKO_METRICS_TOKEN', 'KINKO_METRICS_PORT', 'KINKO_WORKER_HTTP_PORT']);
  });

  it('webhook endpoints on loopback and private networks: refused by the app by default (production and development), allowed by KINKO_WEBHOOKS or a launcher default, the operator winning', () => {
    const allowed = (env: Record<string, string>, hooks: KinkoHooks = {}): boolean => {
      const s = withLauncherDefaults(loadSettings(env, '/srv/kinko'), hooks);
      return webhookSettingsOf(s.webhooks ?? {}, s.mode === 'production').allowPrivateNetworks;
    };
    const production = { KINKO_MODE: 'production', KINKO_MASTER_KEY: KEY, DATABASE_URL: 'postgres://u:p@db:5432/kinko', KINKO_PUBLIC_URL: 'https://kinko.example' };
    expect(allowed(production)).toBe(false);
    expect(allowed({})).toBe(false);
    expect(allowed({ KINKO_WEBHOOKS: '{"allowPrivateNetworks":1}' })).toBe(true);
    const launcher: KinkoHooks = { webhookDefaults: { allowPrivateNetworks: 1 } };
    expect(allowed({}, launcher)).toBe(true);
    expect(allowed({ KINKO_WEBHOOKS: '{"retryLimit":3}' }, launcher)).toBe(true);
    expect(allowed({ KINKO_WEBHOOKS: '{"allowPrivateNetworks":0}' }, launcher)).toBe(false);
  });
});

describe('unknownSettings', () => {
  it('names every KINKO_* variable Kinko does not read, with the closest known name when one is near', () => {
    expect(
      unknownSettings({ KINKO_BANK: '[]', KINKO_MASTERKEY: 'x', KINKO_LOGLEVEL: 'debug', KINKO_WHATEVER_ELSE_ENTIRELY: '1', KINKO_BANKS: '[]', PATH: '/bin', KINKO_TEST_TMP: '/tmp', KINKO_FUZZ_RUNS: '5', KINKO_SCAFFOLD_INSTALL: '1' }),
    ).toEqual([
      'KINKO_BANK is not a Kinko setting (ignored); did you mean KINKO_BANKS?',
      'KINKO_LOGLEVEL is not a Kinko setting (ignored); did you mean KINKO_LOG_LEVEL?',
      'KINKO_MASTERKEY is not a Kinko setting (ignored); did you mean KINKO_MASTER_KEY?',
      'KINKO_WHATEVER_ELSE_ENTIRELY is not a Kinko setting (ignored)',
    ]);
    expect(unknownSettings(Object.fromEntries(SETTING_NAMES.map((n) => [n, 'x'])))).toEqual([]);
  });
});

