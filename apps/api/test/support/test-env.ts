import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EmbeddedDatabase } from '../../src/database/embedded-postgres';

/** Environment variables globalSetup hands to the test workers. */
export const ENV = {
  /** URL of a database on the test server from which databases can be created. */
  adminUrl: 'KINKO_TEST_ADMIN_URL',
  /** Name of the migrated template database. */
  template: 'KINKO_TEST_TEMPLATE_DB',
  /** A directory for the run's temporary files, removed by globalTeardown. */
  tmp: 'KINKO_TEST_TMP',
} as const;

/** What globalSetup keeps for globalTeardown. */
export interface TestRunHandle {
  /** The run's directory (temporary files, and the embedded cluster when there is one). */
  readonly dir: string;
  /** The embedded server, when globalSetup started one (no DATABASE_URL). */
  readonly db: EmbeddedDatabase | undefined;
}

/**
 * A new temporary directory inside the run's directory (removed with it at the end of the
 * run). Traversable by others, so an embedded PostgreSQL run as `postgres` can use it.
 */
export function testTempDir(prefix: string): string {
  const root = process.env[ENV.tmp] ?? os.tmpdir();
  const dir = fs.mkdtempSync(path.join(root, `${prefix}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}
