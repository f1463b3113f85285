import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { LOCK_SPACE, RUN_UNLOCK_LINGER_MS, SyncLocks } from '../../src/sync/sync-locks';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Issue 19 (PGSESS): a session's run lock is released with the run-lock connection's next
// statement — the next session's lock — or on its own once RUN_UNLOCK_LINGER_MS passed: one
// statement per session instead of two while sessions follow one another. A released lock is
// free for every other process once that statement is answered; the process takes a lock it
// released a moment ago back with no statement.
describe('run locks: a release travels with the next lock', () => {
  let db: TestDatabase;
  let other: Client;
  const sent: string[] = [];
  const original = Client.prototype.query;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    other = new Client({ connectionString: db.url });
    await other.connect();
    (Client.prototype as unknown as { query: unknown }).query = function (this: Client, ...args: unknown[]): unknown {
      const q = args[0] as string | { text?: string } | undefined;
      if (this !== other) sent.push((typeof q === 'string' ? q : (q?.text ?? '')).replace(/\s+/g, ' ').trim());
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  });
  afterAll(async () => {
    (Client.prototype as unknown as { query: unknown }).query = original;
    await other?.end();
    await db?.drop();
  });

  /** Whether another process could take the run lock of `key` now (taken and given back at once). */
  const freeElsewhere = async (key: string): Promise<boolean> => {
    const r = await other.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_SPACE.connectionRun, key]);
    if (r.rows[0]?.ok) await other.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_SPACE.connectionRun, key]);
    return r.rows[0]?.ok === true;
  };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  it('the next lock carries the release; alone, the release is sent after the linger; a lock released here is taken back with no statement', async () => {
    const locks = new SyncLocks({ databaseUrl: db.url });
    try {
      const a = await locks.tryHoldConnectionRun('conn-a');
      expect(a).not.toBeNull();
      expect(await freeElsewhere('conn-a')).toBe(false);
      // Held by this process: not twice.
      expect(await locks.tryHoldConnectionRun('conn-a')).toBeNull();

      sent.length = 0;
      await a!.release();
      const b = await locks.tryHoldConnectionRun('conn-b');
      expect(b).not.toBeNull();
      // One statement: b's lock with a's unlock.
      expect(sent).toEqual([expect.stringMatching(/^SELECT pg_try_advisory_lock\(\$1, hashtext\(\$2\)\) AS ok, \(SELECT count\(\*\) FROM unnest\(\$3::text\[\]\) AS k WHERE pg_advisory_unlock/)]);
      expect(await freeElsewhere('conn-a')).toBe(true);
      expect(await freeElsewhere('conn-b')).toBe(false);

      // Released and taken back by this process at once: no statement, still held.
      sent.length = 0;
      await b!.release();
      const again = await locks.tryHoldConnectionRun('conn-b');
      expect(again).not.toBeNull();
      expect(sent).toEqual([]);
      expect(await freeElsewhere('conn-b')).toBe(false);

      // Alone: unlocked by a statement of its own once the linger passed.
      await again!.release();
      for (const deadline = Date.now() + 5_000; sent.length === 0 && Date.now() < deadline; ) await sleep(RUN_UNLOCK_LINGER_MS);
      await sleep(50);
      expect(sent).toEqual([expect.stringMatching(/^SELECT count\(\*\)::int AS unlocked FROM unnest\(\$2::text\[\]\) AS k WHERE pg_advisory_unlock/)]);
      expect(await freeElsewhere('conn-b')).toBe(true);
    } finally {
      await locks.beforeApplicationShutdown();
    }
  });

  it('a lock released just before the process shuts down is free once it has', async () => {
    const locks = new SyncLocks({ databaseUrl: db.url });
    const c = await locks.tryHoldConnectionRun('conn-c');
    expect(c).not.toBeNull();
    await c!.release();
    expect(await freeElsewhere('conn-c')).toBe(false);
    await locks.beforeApplicationShutdown();
    // Freed by the run-lock connection's end (the server ends its backend asynchronously).
    let free = false;
    for (const deadline = Date.now() + 5_000; !free && Date.now() < deadline; await sleep(20)) free = await freeElsewhere('conn-c');
    expect(free).toBe(true);
  });
});
