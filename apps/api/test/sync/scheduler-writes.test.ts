import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { SyncScheduler } from '../../src/sync/sync-scheduler';
import { bootSchedulerApp, seedConnections } from '../support/bench-scheduler-driver';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Flat costs as the tenant grows (issue 19 §4): what a planning round WRITES per planned
// connection. Planning a connection writes its next_refresh_at, a key of the partial index
// ix_connections_refresh_due: never a HOT update, so the new row version gets an entry in every
// index of `connections`. The due index's entries go to its end (due an interval on); an index
// led by a random UUID takes each on a random leaf page — at a million connections nearly always
// one not written since the last checkpoint (a full page image: 8 kB of WAL) and often not in
// shared buffers. So each index of `connections` is a cost per planned connection that grows with
// the table. Read from the WAL itself (pg_walinspect) between the start and the end of a round:
// per planned connection, one new version of its row, one entry in each of the
// three indexes a planned connection needs (its primary key, the unique key the foreign keys
// reference, the due index) — not in ix_connections_tenant_id_user_id, a prefix of the unique
// key, dropped — at 4,000 and at 40,000 connections alike. Real PostgreSQL; the connections are
// seeded as the bench hook seeds them (one user, one connection and its grant each, all due;
// then VACUUM ANALYZE and a checkpoint).

const BANK = {
  bankId: 'writes-0001',
  connector: 'bank-common-api',
  bankCode: '0001',
  bankName: 'Writes Bank',
  baseUrl: 'http://127.0.0.1:9',
  apiKey: 'writes-api-key',
  password: 'writes-client-secret',
};
const ROUND = 1_000;

interface WalRow {
  readonly rel: string;
  readonly rmgr: string;
  readonly type: string;
  readonly records: string;
  readonly fpis: string;
}

/** Per planned connection, per relation of `connections` (the table and each index): WAL records and full page images. */
interface RoundWrites {
  readonly started: number;
  /** B-tree leaf entries added per planned connection, by index. */
  readonly entries: Record<string, number>;
  /** Full page images per planned connection, by relation. */
  readonly fpis: Record<string, number>;
  /** Heap records on `connections` per planned connection, by record type (LOCK, UPDATE, UPDATE+INIT, HOT_UPDATE…). */
  readonly heap: Record<string, number>;
}

describe('what a scheduler planning round writes per planned connection', () => {
  let db: TestDatabase;
  let client: Client;
  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
    // PostgreSQL's own WAL reader (contrib, shipped with the server): which pages each record of a round wrote.
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  // Where the next WAL record goes (records a commit that did not wait may not be written yet).
  const lsn = async (): Promise<string> => (await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0]!.lsn;

  /** Grows the database to `connections`, then one planning round of ROUND connections, from a checkpoint. */
  async function round(connections: number): Promise<RoundWrites> {
    await seedConnections({ databaseUrl: db.url, connections, bank: BANK });
    const booted = await bootSchedulerApp({ databaseUrl: db.url, bank: BANK, roundLimit: ROUND });
    try {
      await client.query('CHECKPOINT');
      const from = await lsn();
      const plan = await booted.app.get(SyncScheduler).planRound();
      const to = await lsn();
      await client.query('CHECKPOINT'); // the WAL read from disk: the round's last commits did not wait for it
      const started = plan.filter((d) => d.decision === 'started').length;
      expect(started).toBe(ROUND);
      const rows = (
        await client.query<WalRow>(
          `SELECT cl.relname AS rel, b.resource_manager AS rmgr, b.record_type AS type, count(DISTINCT b.start_lsn) AS records, count(*) FILTER (WHERE b.block_fpi_length > 0) AS fpis
             FROM pg_get_wal_block_info($1::pg_lsn, $2::pg_lsn) b
             JOIN pg_class cl ON cl.relfilenode = b.relfilenode
            WHERE b.reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND b.relforknumber = 0
              AND (cl.oid = 'connections'::regclass OR cl.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'connections'::regclass))
            GROUP BY 1, 2, 3`,
          [from, to],
        )
      ).rows;
      const per = (n: number): number => Math.round((n / started) * 1000) / 1000;
      const sum = (pick: (r: WalRow) => boolean, value: (r: WalRow) => number): Record<string, number> => {
        const out: Record<string, number> = {};
        for (const r of rows.filter(pick)) out[r.rel] = (out[r.rel] ?? 0) + value(r);
        return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, per(v)]));
      };
      // A leaf entry is an INSERT_LEAF record, or one into a posting list, or a split that makes room for it.
      const entries = sum((r) => r.rmgr === 'Btree' && ['INSERT_LEAF', 'INSERT_POST', 'SPLIT_L', 'SPLIT_R'].includes(r.type), (r) => Number(r.records));
      const fpis = sum(() => true, (r) => Number(r.fpis));
      const heap = Object.fromEntries(rows.filter((r) => r.rel === 'connections' && r.rmgr === 'Heap').map((r) => [r.type, per(Number(r.records))] as const));
      return { started, entries, fpis, heap };
    } finally {
      await booted.close();
    }
  }

  it('one new row version and one entry in each of three indexes per planned connection, at 4,000 and at 40,000 connections', async () => {
    const small = await round(4_000);
    const large = await round(40_000);
    process.stdout.write(
      `per planned connection — 4,000 connections: entries ${JSON.stringify(small.entries)}, heap ${JSON.stringify(small.heap)}, full page images ${JSON.stringify(small.fpis)}\n` +
        `40,000 connections: entries ${JSON.stringify(large.entries)}, heap ${JSON.stringify(large.heap)}, full page images ${JSON.stringify(large.fpis)}\n`,
    );
    for (const r of [small, large]) {
      // The indexes written: the primary key, the unique key, the due index — no other.
      expect(Object.keys(r.entries).sort()).toEqual(['ix_connections_refresh_due', 'pk_connections', 'uq_connections_tenant_id_user_id_id']);
      // About one entry each (a page split now and then adds a record).
      for (const n of Object.values(r.entries)) expect(n).toBeGreaterThanOrEqual(1);
      for (const n of Object.values(r.entries)) expect(n).toBeLessThanOrEqual(1.1);
      // The row is written once (no second version of it in the batch's transaction: startLocked leaves the row alone), never HOT.
      // (Its LOCK records: the candidates query's FOR UPDATE, and heap_update's own while it moves the new version to a page with room.)
      expect(Object.entries(r.heap).filter(([type]) => type.startsWith('UPDATE')).reduce((n, [, v]) => n + v, 0)).toBeCloseTo(1, 3);
      expect(Object.keys(r.heap).filter((type) => type.startsWith('HOT_UPDATE'))).toEqual([]);
    }
    // Flat: the same index entries per planned connection at ten times the connections.
    const total = (r: RoundWrites): number => Object.values(r.entries).reduce((a, b) => a + b, 0);
    expect(total(large)).toBeLessThanOrEqual(total(small) * 1.05);
  }, 240_000);

  it("a batch's commit does not wait for its WAL to be flushed (the WAL that grows with the connections): no WAL fsync by the planning process's backends", async () => {
    // WAL I/O of the app's backends (PostgreSQL's per-backend I/O statistics, flushed by each backend within a second of going idle).
    const walFsyncs = async (): Promise<number> => {
      await new Promise((r) => setTimeout(r, 1_500));
      const [row] = (
        await client.query<{ n: string; backends: string }>(
          `SELECT coalesce(sum(io.fsyncs), 0)::text AS n, count(DISTINCT a.pid)::text AS backends
             FROM pg_stat_activity a LEFT JOIN LATERAL pg_stat_get_backend_io(a.pid) io ON io.object = 'wal'
            WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'`,
        )
      ).rows;
      expect(Number(row!.backends)).toBeGreaterThan(0);
      return Number(row!.n);
    };
    await seedConnections({ databaseUrl: db.url, connections: 40_000, bank: BANK }); // (seeded already when run after the test above)
    const booted = await bootSchedulerApp({ databaseUrl: db.url, bank: BANK, roundLimit: 2 * ROUND });
    try {
      const scheduler = booted.app.get(SyncScheduler);
      await scheduler.planRound(); // every backend of the pool opened
      const before = await walFsyncs();
      const plan = await scheduler.planRound();
      // Several batches, each a transaction writing WAL, committed.
      expect(plan.filter((d) => d.decision === 'started').length).toBe(2 * ROUND);
      expect(await walFsyncs()).toBe(before);
    } finally {
      await booted.close();
    }
  }, 240_000);
});
