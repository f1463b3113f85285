import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// The bench's scheduler hook (tools/bench, scenario "scheduler-plan") lives in the app's test
// support, outside its production source: the bench runs it as here, a child process from its source.
const DRIVER = path.resolve(__dirname, '../support/bench-scheduler-driver.ts');
const HOOK = path.resolve(__dirname, '../support/workspace-sources-hook.js');
const BANK = {
  bankId: 'bench-0001',
  connector: 'bank-common-api',
  bankCode: '0001',
  bankName: 'Bench Bank',
  baseUrl: 'http://127.0.0.1:9',
  apiKey: 'bench-api-key',
  password: 'bench-client-secret',
};

async function drive<T>(job: Record<string, unknown>): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@kinko/source', '-r', HOOK, DRIVER, JSON.stringify(job)], { encoding: 'utf8' });
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH-RESULT '));
  if (!line) throw new Error(`no result line in:\n${stdout}`);
  return JSON.parse(line.slice('BENCH-RESULT '.length)) as T;
}

describe('the bench scheduler hook', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('seeds due connections, then the app’s own planning rounds start their background syncs, up to the round limit a round (200 here), oldest first', async () => {
    // Growing stops at the count asked for.
    expect(
      await drive({
        command: 'seed',
        databases: [
          { databaseUrl: db.url, connections: 250 },
          { databaseUrl: db.url, connections: 300 },
        ],
        bank: BANK,
      }),
    ).toMatchObject([
      { connections: 250, inserted: 250 },
      { connections: 300, inserted: 50 },
    ]);

    const result = await drive<{ seeded?: unknown; passes: Array<{ ms: number; started: number; deferred: number; skipped: number }>; peakRssBytes: number; rssAfterBootBytes: number }>({
      command: 'plan',
      databaseUrl: db.url,
      passes: 3,
      bank: BANK,
      connections: 300, // already there: the seeding before the rounds inserts none
      roundLimit: 200,
    });
    expect(result.seeded).toMatchObject({ connections: 300, inserted: 0 });
    expect(result.passes.map((p) => [p.started, p.deferred, p.skipped])).toEqual([
      [200, 0, 0],
      [100, 0, 0],
      [0, 0, 0],
    ]);
    for (const p of result.passes) expect(p.ms).toBeGreaterThan(0);
    expect(result.peakRssBytes).toBeGreaterThanOrEqual(result.rssAfterBootBytes);

    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const sessions = await client.query<{ n: number; connections: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT connection_id)::int AS connections FROM sync_sessions WHERE requested_by = 'scheduler'`,
      );
      expect(sessions.rows[0]).toEqual({ n: 300, connections: 300 });
      // The first round took the 200 whose status changed longest ago.
      const first = await client.query<{ oldest: boolean }>(
        `SELECT bool_and(c.aggregation_status_changed_at <= (SELECT aggregation_status_changed_at FROM connections ORDER BY aggregation_status_changed_at LIMIT 1 OFFSET 199)) AS oldest
           FROM connections c JOIN sync_sessions s ON s.connection_id = c.id
          WHERE s.created_at = (SELECT min(created_at) FROM sync_sessions)`,
      );
      expect(first.rows[0]?.oldest).toBe(true);
    } finally {
      await client.end();
    }
  }, 180_000);
});
