import * as path from 'node:path';
import type { Settings } from '../config/settings';
import { EmbeddedDatabase } from '../database/embedded-postgres';

/**
 * Runs `work` with the database URL of the settings: DATABASE_URL, or the embedded
 * cluster — attached to when `pnpm start` is running, else started for the command and
 * stopped after it.
 */
export async function withDatabaseUrl<T>(settings: Settings, work: (url: string) => Promise<T>): Promise<T> {
  if (settings.databaseUrl) return work(settings.databaseUrl);
  const db = await EmbeddedDatabase.start({ dataDir: path.join(settings.dataDir, 'pg') });
  try {
    return await work(db.url);
  } finally {
    await db.stop();
  }
}
