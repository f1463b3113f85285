import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SCHEDULER_CANDIDATES_SQL, schedulerCandidatesParams } from '../../src/sync/sync-scheduler';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Flat costs as the tenant grows (issue 19 §4): the scheduler's planning query reads the same
// blocks at 10,000 connections all due and at 100,000 of which most are not due (planned
// already: connection_schedules.next_refresh_at later) — one range scan of the index
// ix_connection_schedules_due over the due ones, due longest first, stopping at the batch: no
// scan of every connection, no sort, no look at sync_sessions, and no probe of
// connection_secrets per candidate (only a connection with a grant has a schedule row). Real
// PostgreSQL; the rows are inserted directly (generate_series), each with a grant secret row —
// their schedule rows added by the database's trigger on connection_secrets.

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly 'Shared Hit Blocks': number;
  readonly 'Shared Read Blocks': number;
  readonly Plans?: readonly PlanNode[];
}

const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

describe('the scheduler planning query', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const q = <T>(sql: string, params: unknown[] = []): Promise<T[]> => db.dataSource.query(sql, params) as Promise<T[]>;

  async function growTo(connections: number): Promise<void> {
    const [tenant] = await q<{ id: string }>(`INSERT INTO tenants (id, name) VALUES (gen_random_uuid(), 'plan-' || gen_random_uuid()) RETURNING id`);
    const [user] = await q<{ id: string }>(`INSERT INTO users (id, tenant_id, external_id) VALUES (gen_random_uuid(), $1, 'plan') RETURNING id`, [tenant!.id]);
    // Every NOT NULL column without a default the table has (a bank id: the connector's id here).
    const required = await q<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'connections' AND is_nullable = 'NO' AND column_default IS NULL
          AND column_name NOT IN ('id', 'tenant_id', 'user_id', 'connector_id', 'aggregation_status', 'aggregation_status_changed_at')`,
    );
    const extra = required.map((c) => `, "${c.column_name}"`).join('');
    const extraValues = required.map(() => `, 'bank-common-api'`).join('');
    await q(
      `INSERT INTO connections (id, tenant_id, user_id, connector_id, aggregation_status, aggregation_status_changed_at${extra})
       SELECT gen_random_uuid(), $1, $2, 'bank-common-api', 'success', now() - make_interval(secs => i)${extraValues} FROM generate_series(1, $3::int - (SELECT count(*)::int FROM connections)) AS i`,
      [tenant!.id, user!.id, connections],
    );
    await q(`INSERT INTO connection_secrets (id, tenant_id, user_id, connection_id, kind, master_key_id, wrapped_data_key, nonce, ciphertext, auth_tag, wrapped_at)
             SELECT gen_random_uuid(), c.tenant_id, c.user_id, c.id, 'grant', 'k', '\\x00', '\\x00', '\\x00', '\\x00', now() FROM connections c
              WHERE NOT EXISTS (SELECT 1 FROM connection_secrets s WHERE s.connection_id = c.id)`);
    // What autovacuum does after a bulk insert, done now rather than whenever it wakes: the
    // statistics, and the visibility map — without it, whether the grant probe reads
    // connection_secrets' heap for each candidate depended on autovacuum's timing (CI once read
    // 1,210 blocks at 100,000 connections against 808 at 10,000).
    await q('VACUUM ANALYZE connections');
    await q('VACUUM ANALYZE connection_secrets');
    await q('VACUUM ANALYZE connection_schedules');
  }

  async function plan(now = new Date()): Promise<{ blocks: number; scans: string[]; ids: string[] }> {
    const params = schedulerCandidatesParams(now, 200);
    const [row] = await q<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${SCHEDULER_CANDIDATES_SQL}`, params);
    const top = row!['QUERY PLAN'][0]!.Plan;
    const page = await q<{ id: string }>(SCHEDULER_CANDIDATES_SQL, params);
    return {
      ids: page.map((r) => r.id),
      blocks: top['Shared Hit Blocks'] + top['Shared Read Blocks'],
      scans: nodes(top).filter((n) => n['Relation Name'] !== undefined).map((n) => `${n['Node Type']} on ${n['Relation Name']}${n['Index Name'] ? ` (${n['Index Name']})` : ''}`),
    };
  }

  it('reads the same blocks whether 1,000 or all of 100,000 connections are due (and about those of 10,000), through the due index over the due ones only', async () => {
    await growTo(10_000);
    const small = await plan();
    await growTo(100_000);
    const allDue = await plan();
    // All but the 1,000 whose status changed longest ago were planned: due again in six hours.
    await q(`UPDATE connection_schedules SET next_refresh_at = now() + interval '6 hours'
              WHERE connection_id NOT IN (SELECT id FROM connections ORDER BY aggregation_status_changed_at, id LIMIT 1000)`);
    await q('VACUUM ANALYZE connection_schedules'); // what autovacuum does: the planned rows' old index entries go
    const due = new Set((await q<{ id: string }>(`SELECT connection_id AS id FROM connection_schedules WHERE next_refresh_at <= now()`)).map((r) => r.id));
    expect(due.size).toBe(1_000);
    const large = await plan();
    // The next batch, once the first one's connections were planned (as the scheduler's batch does in its transaction).
    await q(`UPDATE connection_schedules SET next_refresh_at = now() + interval '6 hours' WHERE connection_id = ANY($1::uuid[])`, [large.ids]);
    const next = await plan();
    expect([small.ids.length, allDue.ids.length, large.ids.length, next.ids.length]).toEqual([200, 200, 200, 200]);
    // Only due connections, due longest first (never planned: due since their status changed, oldest first), and the next batch the next ones.
    expect(large.ids.every((id) => due.has(id)) && next.ids.every((id) => due.has(id))).toBe(true);
    expect(next.ids.filter((id) => large.ids.includes(id))).toEqual([]);
    const oldest = (await q<{ id: string }>(`SELECT id FROM connections ORDER BY aggregation_status_changed_at, id LIMIT 400`)).map((r) => r.id);
    expect([...large.ids, ...next.ids].sort()).toEqual([...oldest].sort());
    for (const p of [small, allDue, large, next]) {
      expect(p.scans).toContain('Index Scan on connection_schedules (ix_connection_schedules_due)');
      // Each candidate's connection by its primary key; nothing else: no scan, no sessions, no secrets.
      expect(p.scans.filter((s) => !s.includes('ix_connection_schedules_due'))).toEqual(['Index Scan on connections (pk_connections)']);
    }
    // The 99,000 connections not due cost nothing (scanned, they would be ≥ 99,000 blocks): about the
    // blocks of when all 100,000 were due (the rows just planned leave old index entries, stepped over once).
    expect(large.blocks).toBeLessThanOrEqual(allDue.blocks * 1.3);
    expect(next.blocks).toBeLessThanOrEqual(allDue.blocks * 1.3);
    // Ten times the connections: about one block more per candidate (the connection's lookup by
    // primary key, whose B-tree gains a level between 10,000 and 100,000 rows; it keeps it up to
    // millions), nothing that grows with the rows.
    process.stdout.write(`planning query blocks: 10,000 all due ${small.blocks}; 100,000 all due ${allDue.blocks}; 1,000 of 100,000 due ${large.blocks}, next batch ${next.blocks}\n`);
    expect(allDue.blocks).toBeLessThanOrEqual(small.blocks * 1.3);
    // A round that finds none due reads (almost) nothing: the range scan ends at its first entry.
    await q(`UPDATE connection_schedules SET next_refresh_at = now() + interval '6 hours'`);
    await q('VACUUM connection_schedules');
    const none = await plan();
    expect(none.ids).toEqual([]);
    expect(none.blocks).toBeLessThanOrEqual(allDue.blocks * 0.1);
  }, 300_000);
});
