import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createKinkoDataSource, runMigrations } from '../../src/database/data-source';
import { ENV } from './test-env';

/** A fresh, migrated database for one test file. */
export interface TestDatabase {
  /** Its URL (hand it to createApp or a DataSource). */
  readonly url: string;
  readonly name: string;
  /** An initialised data source on it (for seeding and assertions). */
  readonly dataSource: DataSource;
  /** A database URL on the same server, for other databases (e.g. an empty one). */
  urlOf(database: string): string;
  /** Closes the data source and drops the database. */
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env[ENV.adminUrl];
  if (!url) throw new Error('the test PostgreSQL is not running: run the tests through jest (globalSetup starts it)');
  return url;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs statements against the server's admin database. */
export async function adminQuery(sql: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * Creates a database for the calling test file: a copy of the template globalSetup migrated
 * (fast), on the one server of the run; the migrations are run on it again (a no-op that
 * proves the history matches).
 *
 * ```ts
 * let db: TestDatabase;
 * beforeAll(async () => { db = await createTestDatabase(); });
 * afterAll(() => db.drop());
 * ```
 */
export async function createTestDatabase(options: { readonly empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `kinko_test_${randomBytes(6).toString('hex')}`;
  const template = process.env[ENV.template];
  await adminQuery(options.empty ? `create database ${name}` : `create database ${name} template ${template}`);
  const url = withDatabase(adminUrl(), name);
  const dataSource = createKinkoDataSource(url, { poolSize: 4, applicationName: 'kinko-test', quiet: true });
  await dataSource.initialize();
  if (!options.empty) await runMigrations(dataSource);
  return {
    url,
    name,
    dataSource,
    urlOf: (database) => withDatabase(adminUrl(), database),
    async drop() {
      await dataSource.destroy();
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}
