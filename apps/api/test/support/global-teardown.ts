import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { builtAppDir } from './built-app';
import { ENV, type TestRunHandle } from './test-env';

export default async function globalTeardown(): Promise<void> {
  const handle = (globalThis as { __kinkoTestRun?: TestRunHandle }).__kinkoTestRun;
  const adminUrl = process.env[ENV.adminUrl];
  const template = process.env[ENV.template];
  if (!handle?.db && adminUrl && template) {
    // DATABASE_URL: the server is not ours; remove what we created on it.
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`drop database if exists ${template} with (force)`);
    } finally {
      await admin.end();
    }
  }
  await handle?.db?.stop();
  if (handle) {
    // The app compiled for this run's process tests, if one asked (built-app.ts).
    fs.rmSync(builtAppDir(path.basename(handle.dir)), { recursive: true, force: true });
    fs.rmSync(handle.dir, { recursive: true, force: true });
  }
}
