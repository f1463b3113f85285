import type { Clock, Connector } from '@kinko/connector-sdk';
import type { BankEntry } from '../../src/config/settings';
import type { SyncSettings } from '../../src/sync/sync-options';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app';
import { type Settings, loadSettings } from '../../src/config/settings';
import type { TestDatabase } from './test-database';
import { testTempDir } from './test-env';

/** A fixed master key for tests (base64 of 32 bytes). */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
/** Its id. */
export const TEST_MASTER_KEY_ID = 'test-key-1';

/** Settings for a test app: test mode, a fixed master key, a private data directory. */
export function testSettings(env: Record<string, string> = {}): Settings {
  const dataDir = testTempDir('data');
  return loadSettings({
    KINKO_MODE: 'test',
    KINKO_DATA_DIR: dataDir,
    KINKO_MASTER_KEY: TEST_MASTER_KEY,
    KINKO_MASTER_KEY_ID: TEST_MASTER_KEY_ID,
    ...env,
  });
}

/** An initialised app (not listening; use `app.inject`) on a test database. */
export async function createTestApp(
  db: TestDatabase,
  options: {
    readonly settings?: Settings;
    readonly connectors?: readonly Connector[];
    /** Banks besides the settings' KINKO_BANKS (e.g. a sandbox bank, or fixtures' SEED_BANK). */
    readonly banks?: readonly BankEntry[];
    readonly clock?: Clock;
    readonly syncSettings?: Partial<SyncSettings>;
  } = {},
): Promise<NestFastifyApplication> {
  return createApp({
    settings: { settings: options.settings ?? testSettings() },
    databaseUrl: db.url,
    logger: false,
    ...(options.connectors ? { connectors: options.connectors } : {}),
    ...(options.banks ? { banks: options.banks } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.syncSettings ? { syncSettings: options.syncSettings } : {}),
  });
}
