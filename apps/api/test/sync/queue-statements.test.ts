import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import PgBoss from 'pg-boss';
import type { Pool } from 'pg';
import { bossPool, preparedBossDb } from '../../src/sync/sync-queue';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Issue 19 (PG): pg-boss's statements of a job (send, fetch, complete) run as named prepared
// statements with generic plans on the queue's connections: parsed once per connection and
// never planned again (pg-boss's own pool sends each unnamed: parsed and planned on every call);
// their commits do not wait for the WAL flush.
// Real PostgreSQL and pg-boss on a pool of one connection, whose prepared statements are read
// back from pg_prepared_statements (a connection's own).
describe('the queue\'s statements', () => {
  let db: TestDatabase;
  let pool: Pool;
  let boss: PgBoss;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = bossPool(db.url, 1);
    boss = new PgBoss({ db: preparedBossDb(pool), schema: 'queue_statements', migrate: true, schedule: false, supervise: false });
    await boss.start();
    await boss.createQueue('jobs', { name: 'jobs', policy: 'standard' });
  });
  afterAll(async () => {
    await boss?.stop({ graceful: false, wait: true });
    await pool?.end();
    await db?.drop();
  });

  it('a job\'s send, fetch and complete are prepared once and run generic plans only', async () => {
    const sent: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      const id = await boss.send('jobs', { i });
      expect(id).not.toBeNull();
      sent.push(id as string);
    }
    const done: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      const [job] = await boss.fetch<{ i: number }>('jobs');
      expect(job).toBeDefined();
      await boss.complete('jobs', (job as { id: string }).id);
      done.push((job as { id: string }).id);
    }
    expect(done.sort()).toEqual(sent.sort());
    expect(await boss.fetch('jobs')).toEqual([]);
    const completed = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM queue_statements.job WHERE name = 'jobs' AND state = 'completed'`);
    expect(completed.rows[0]?.n).toBe(8);
    const prepared = await pool.query<{ statement: string; generic_plans: string; custom_plans: string }>(
      `SELECT statement, generic_plans::text, custom_plans::text FROM pg_prepared_statements WHERE name LIKE 'kinko_boss_%'`,
    );
    const of = (pattern: RegExp): { generic: number; custom: number } => {
      const rows = prepared.rows.filter((r) => pattern.test(r.statement));
      expect(rows).toHaveLength(1);
      return { generic: Number(rows[0]?.generic_plans), custom: Number(rows[0]?.custom_plans) };
    };
    expect(of(/INSERT INTO queue_statements\.job/)).toEqual({ generic: 8, custom: 0 });
    expect(of(/WITH next as/)).toEqual({ generic: 9, custom: 0 });
    expect(of(/UPDATE queue_statements\.job\s+SET completed_on/)).toEqual({ generic: 8, custom: 0 });
  });

  it('commits without waiting for the WAL flush (the queue\'s own bookkeeping: see bossPool)', async () => {
    const setting = await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    expect(setting.rows[0]?.synchronous_commit).toBe('off');
  });
});
