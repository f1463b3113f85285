import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { SyncScheduler } from '../../src/sync/sync-scheduler';
import { bootSchedulerApp, seedConnections } from '../support/bench-scheduler-driver';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Flat costs as the tenant grows (issue 19 §4): what a planning round WRITES and READS per planned
// connection. Planning a connection writes its due time, a key of a partial B-tree index (never a
// HOT update): the new row version gets an entry in every index of its table. When the due time
// was a column of `connections`, the entries into its indexes led by a random UUID (primary key,
// unique key) each landed on a random leaf page — at a million connections nearly always one not
// written since the last checkpoint (a full page image: 8 kB of WAL) and often not in shared
// buffers. The due time now lives in `connection_schedules` (migration ConnectionSchedules): read
// from the WAL itself (pg_walinspect) between the start and the end of a round, per planned
// connection: no new version of the connection's row and no entry in any index of `connections`
// (its row is only locked), one new version of its schedule row with one entry in each of the
// schedules' two indexes; and from PostgreSQL's block counters, the blocks each table and its
// indexes were read from (shared hits and reads) per planned connection — no block of
// `connection_secrets` (whether a connection has a grant is on its schedule row) — at 4,000 and
// at 40,000 connections alike. Real PostgreSQL; the connections are seeded as the bench hook
// seeds them (one user, one connection and its grant each, all due; then VACUUM ANALYZE and a
// checkpoint).

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

/** Per planned connection, per relation of `connections` and `connection_schedules` (the tables and each index): WAL records, full page images, blocks read. */
interface RoundWrites {
  readonly started: number;
  /** B-tree leaf entries added per planned connection, by index. */
  readonly entries: Record<string, number>;
  /** Full page images per planned connection, by relation. */
  readonly fpis: Record<string, number>;
  /** Heap records per planned connection, by table and record type (`connections LOCK`, `connection_schedules UPDATE`, HOT_UPDATE…). */
  readonly heap: Record<string, number>;
  /** Blocks read (shared hits and reads: every block a statement looked at) per planned connection, by table (its heap and its indexes). */
  readonly blocks: Record<string, number>;
}

const TABLES = ['connections', 'connection_schedules', 'connection_secrets'] as const;

describe('what a scheduler planning round writes per planned connection', () => {
  let db: TestDatabase;
  let client: Client;
  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
    // PostgreSQL's own WAL reader (contrib, shipped with the server): which pages each record of a round wrote.
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
    // What is measured is the planning round: no autovacuum or autoanalyze of the seeded tables may run
    // during it and add its block reads to the round's (the seeding vacuums and analyzes them itself).
    for (const table of [...TABLES, 'users']) await client.query(`ALTER TABLE ${table} SET (autovacuum_enabled = off)`);
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  // Where the next WAL record goes (records a commit that did not wait may not be written yet).
  const lsn = async (): Promise<string> => (await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0]!.lsn;

  /** Blocks each table (heap and indexes) was read from so far, as the statistics have them. */
  const blocksRead = async (): Promise<Record<string, number>> => {
    await client.query('SELECT pg_stat_clear_snapshot()');
    const rows = (
      await client.query<{ rel: string; n: string }>(
        `SELECT relname AS rel, (coalesce(heap_blks_read, 0) + coalesce(heap_blks_hit, 0) + coalesce(idx_blks_read, 0) + coalesce(idx_blks_hit, 0))::text AS n
           FROM pg_statio_user_tables WHERE relname = ANY($1::text[])`,
        [TABLES],
      )
    ).rows;
    return Object.fromEntries(rows.map((r) => [r.rel, Number(r.n)] as const));
  };

  /** Waits until every other client backend (the seeding's, the app's) has exited (each flushes its statistics as it exits). */
  async function appBackendsGone(): Promise<void> {
    for (let i = 0; i < 100; i += 1) {
      const [row] = (await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`)).rows;
      if (Number(row!.n) === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the app's backends did not exit");
  }

  /** Grows the database to `connections`, then one planning round of ROUND connections, from a checkpoint. */
  async function round(connections: number): Promise<RoundWrites> {
    await seedConnections({ databaseUrl: db.url, connections, bank: BANK });
    // The seeding's backend flushes its last statistics (its VACUUM's block reads) as it exits, which may be
    // after its client has closed: wait for it, or they land between the round's two readings.
    await appBackendsGone();
    const booted = await bootSchedulerApp({ databaseUrl: db.url, bank: BANK, roundLimit: ROUND });
    let closed = false;
    try {
      await client.query('CHECKPOINT');
      const blocksBefore = await blocksRead();
      const from = await lsn();
      const plan = await booted.app.get(SyncScheduler).planRound();
      const to = await lsn();
      closed = true;
      await booted.close();
      await appBackendsGone();
      const blocksAfter = await blocksRead();
      // The round's WAL on disk (its last commits did not wait for it): a switch to the next segment flushes the
      // WAL before it. (Not a checkpoint: that may remove the segments the round wrote.)
      await client.query('SELECT pg_switch_wal()');
      const started = plan.filter((d) => d.decision === 'started').length;
      expect(started).toBe(ROUND);
      const rows = (
        await client.query<WalRow>(
          `SELECT cl.relname AS rel, b.resource_manager AS rmgr, b.record_type AS type, count(DISTINCT b.start_lsn) AS records, count(*) FILTER (WHERE b.block_fpi_length > 0) AS fpis
             FROM pg_get_wal_block_info($1::pg_lsn, $2::pg_lsn) b
             JOIN pg_class cl ON cl.relfilenode = b.relfilenode
            WHERE b.reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND b.relforknumber = 0
              AND (cl.oid IN ('connections'::regclass, 'connection_schedules'::regclass)
                   OR cl.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN ('connections'::regclass, 'connection_schedules'::regclass)))
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
      const heap = Object.fromEntries(rows.filter((r) => (r.rel === 'connections' || r.rel === 'connection_schedules') && r.rmgr === 'Heap').map((r) => [`${r.rel} ${r.type}`, per(Number(r.records))] as const));
      const blocks = Object.fromEntries(TABLES.map((t) => [t, per((blocksAfter[t] ?? 0) - (blocksBefore[t] ?? 0))] as const));
      return { started, entries, fpis, heap, blocks };
    } finally {
      if (!closed) await booted.close();
    }
  }

  it("no row version and no index entry of `connections`; one schedule row version with an entry in each of its two indexes; the same blocks read, none of the secrets — at 4,000 and at 40,000 connections", async () => {
    const small = await round(4_000);
    const large = await round(40_000);
    process.stdout.write(
      `per planned connection — 4,000 connections: entries ${JSON.stringify(small.entries)}, heap ${JSON.stringify(small.heap)}, full page images ${JSON.stringify(small.fpis)}, blocks read ${JSON.stringify(small.blocks)}\n` +
        `40,000 connections: entries ${JSON.stringify(large.entries)}, heap ${JSON.stringify(large.heap)}, full page images ${JSON.stringify(large.fpis)}, blocks read ${JSON.stringify(large.blocks)}\n`,
    );
    for (const r of [small, large]) {
      // The indexes written: the schedules' primary key and due index — none of `connections`.
      expect(Object.keys(r.entries).sort()).toEqual(['ix_connection_schedules_due', 'pk_connection_schedules']);
      // About one entry each (a page split now and then adds a record).
      for (const n of Object.values(r.entries)) expect(n).toBeGreaterThanOrEqual(1);
      for (const n of Object.values(r.entries)) expect(n).toBeLessThanOrEqual(1.1);
      // The connection's row is locked (the candidates query's FOR UPDATE), never updated; its schedule row
      // is written once (heap_update's own LOCK records aside, while it moves the new version to a page with room).
      expect(Object.keys(r.heap).filter((type) => type.startsWith('connections ') && type !== 'connections LOCK')).toEqual([]);
      expect(r.heap['connections LOCK']).toBeCloseTo(1, 3);
      expect(Object.entries(r.heap).filter(([type]) => type.startsWith('connection_schedules UPDATE')).reduce((n, [, v]) => n + v, 0)).toBeCloseTo(1, 3);
      // Whether a connection has a grant is read with its due time: no block of connection_secrets.
      expect(r.blocks['connection_secrets']).toBe(0);
    }
    // Flat: the same index entries and about the same blocks read per planned connection at ten times the
    // connections (21.0 vs 21.5 when written; deterministic once the seeding's VACUUM ANALYZE has run).
    const total = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
    expect(total(large.entries)).toBeLessThanOrEqual(total(small.entries) * 1.05);
    expect(total(large.blocks)).toBeLessThanOrEqual(total(small.blocks) * 1.1);
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
