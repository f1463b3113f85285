import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SCHEDULER_CANDIDATES_SQL, schedulerCandidatesParams } from '../../src/sync/sync-scheduler';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Flat costs as the tenant grows (issue 19 §4): the scheduler's planning query reads the same
// blocks at 10,000 and 100,000 connections — it walks the index on aggregation_status_changed_at,
// oldest first, and stops at the batch (no scan of every connection, no sort of them), the first
// batch and one further on in the keyset walk alike. Real PostgreSQL;
// the rows are inserted directly (generate_series), each with a grant secret row.

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
    await q('ANALYZE connections');
    await q('ANALYZE connection_secrets');
  }

  async function plan(after?: { at: string; id: string }): Promise<{ blocks: number; scans: string[]; rows: number; last: { at: string; id: string } }> {
    const dueBefore = new Date(Date.now() - 6 * 3600_000);
    const params = schedulerCandidatesParams(dueBefore, 200, after);
    const [row] = await q<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${SCHEDULER_CANDIDATES_SQL}`, params);
    const top = row!['QUERY PLAN'][0]!.Plan;
    const page = await q<{ id: string; key_at: string }>(SCHEDULER_CANDIDATES_SQL, params);
    const rows = page.length;
    return {
      last: { at: page[rows - 1]!.key_at, id: page[rows - 1]!.id },
      blocks: top['Shared Hit Blocks'] + top['Shared Read Blocks'],
      scans: nodes(top).filter((n) => n['Relation Name'] !== undefined).map((n) => `${n['Node Type']} on ${n['Relation Name']}${n['Index Name'] ? ` (${n['Index Name']})` : ''}`),
      rows,
    };
  }

  it('reads the same blocks at 10,000 and 100,000 connections, through the index, oldest first', async () => {
    await growTo(10_000);
    const small = await plan();
    await growTo(100_000);
    const large = await plan();
    // A batch further on in the walk: after the 20th batch's last connection.
    let next = large;
    for (let i = 0; i < 20; i += 1) next = await plan(next.last);
    expect([small.rows, large.rows, next.rows]).toEqual([200, 200, 200]);
    expect(next.last.at > large.last.at).toBe(true);
    for (const p of [small, large, next]) {
      expect(p.scans).toContain('Index Scan on connections (ix_connections_aggregation_status_changed_at)');
      expect(p.scans.some((s) => s.startsWith('Seq Scan on connections'))).toBe(false);
      expect(p.scans.some((s) => s.startsWith('Seq Scan on connection_secrets'))).toBe(false);
    }
    expect(large.blocks).toBeLessThanOrEqual(small.blocks * 1.2);
    expect(next.blocks).toBeLessThanOrEqual(small.blocks * 1.2);
  }, 120_000);
});
