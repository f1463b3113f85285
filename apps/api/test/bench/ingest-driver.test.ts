import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// The bench's ingest hook (tools/bench, scenario "ingest") lives in the app's test support,
// outside its production source: the bench runs it as here, a child process from its source.
const DRIVER = path.resolve(__dirname, '../support/bench-ingest-driver.ts');
const HOOK = path.resolve(__dirname, '../support/workspace-sources-hook.js');

describe('the bench ingest hook', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('writes every generated row through the engine’s page write and prints its result line', async () => {
    const job = { databaseUrl: db.url, accounts: 2, rowsPerAccount: 450, pageSize: 200, lanes: 2, lastDate: '2026-03-10', historyDays: 90, seed: 7 };
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@kinko/source', '-r', HOOK, DRIVER, JSON.stringify(job)], { encoding: 'utf8' });
    const line = stdout.split('\n').find((l) => l.startsWith('BENCH-RESULT '));
    if (!line) throw new Error(`no result line in:\n${stdout}`);
    const result = JSON.parse(line.slice('BENCH-RESULT '.length)) as { rows: number; pages: number; lanes: number; accountIds: string[] };
    expect(result).toMatchObject({ rows: 900, pages: 6, lanes: 2 });
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const counted = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM transactions WHERE account_id = ANY($1::uuid[])', [result.accountIds]);
      expect(counted.rows[0]?.n).toBe(900);
    } finally {
      await client.end();
    }
  }, 120_000);
});
