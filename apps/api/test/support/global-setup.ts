// Jest globalSetup: ONE PostgreSQL for the whole run (embedded, or DATABASE_URL when set),
// with a template database migrated once; each test file clones it (test-database.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { createKinkoDataSource, runMigrations } from '../../src/database/data-source';
import { EmbeddedDatabase } from '../../src/database/embedded-postgres';
import { ENV, type TestRunHandle } from './test-env';

export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinko-jest-'));
  fs.chmodSync(dir, 0o755); // the postgres user must traverse it when tests run as root
  fs.mkdirSync(path.join(dir, 'tmp'), { mode: 0o755 });
  let adminUrl = process.env['DATABASE_URL'];
  let db: EmbeddedDatabase | undefined;
  if (!adminUrl) {
    db = await EmbeddedDatabase.start({ dataDir: path.join(dir, 'pg'), database: 'postgres', ephemeral: true });
    adminUrl = db.urlOf('postgres');
  }
  const template = `kinko_template_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${template}`);
    await admin.query(`create database ${template}`);
  } finally {
    await admin.end();
  }
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${template}`;
  const dataSource = createKinkoDataSource(templateUrl.toString(), { poolSize: 1, quiet: true });
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
  process.env[ENV.adminUrl] = adminUrl;
  process.env[ENV.template] = template;
  process.env[ENV.tmp] = path.join(dir, 'tmp');
  const handle: TestRunHandle = { dir, db };
  (globalThis as { __kinkoTestRun?: TestRunHandle }).__kinkoTestRun = handle;
}
