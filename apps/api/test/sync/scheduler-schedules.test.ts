import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redacted } from 'effect';
import { Client } from 'pg';
import { ConnectionsService } from '../../src/connections/connections.service';
import { SecretsService } from '../../src/secrets/secrets.service';
import { SyncScheduler } from '../../src/sync/sync-scheduler';
import { bootSchedulerApp, seedConnections } from '../support/bench-scheduler-driver';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Issue 19 §4: a connection's due time lives in `connection_schedules` (one row per connection
// with a grant), kept by the database whoever writes the secrets: a grant stored adds the row
// (due since the connection's status last changed), a grant deleted or a connection, user or
// tenant deleted removes it; the scheduler writes the due time there only, and a due connection
// it may not start (deactivated, waiting for the user) gets no decision and is looked at again an
// interval on. Real PostgreSQL; the app's SecretsService and ConnectionsService; the connections
// seeded as the bench hook seeds them (one user, one connection and its grant each, all due).

const BANK = {
  bankId: 'schedules-0001',
  connector: 'bank-common-api',
  bankCode: '0001',
  bankName: 'Schedules Bank',
  baseUrl: 'http://127.0.0.1:9',
  apiKey: 'schedules-api-key',
  password: 'schedules-client-secret',
};
const HOUR = 3_600_000;

interface Row {
  readonly id: string;
  readonly tenant_id: string;
  readonly user_id: string;
  readonly changed: Date;
}

describe("the connections' schedule rows", () => {
  let db: TestDatabase;
  let client: Client;
  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  const connections = async (): Promise<Row[]> =>
    (await client.query<Row>(`SELECT id, tenant_id, user_id, aggregation_status_changed_at AS changed FROM connections ORDER BY aggregation_status_changed_at, id`)).rows;
  const schedule = async (): Promise<Map<string, number>> =>
    new Map((await client.query<{ id: string; at: Date }>(`SELECT connection_id AS id, next_refresh_at AS at FROM connection_schedules`)).rows.map((r) => [r.id, r.at.getTime()] as const));

  it('a grant stored adds the row, due since the status changed; stored again keeps its due time; deleted removes it; connection, user and tenant deletes cascade', async () => {
    await seedConnections({ databaseUrl: db.url, connections: 6, bank: BANK });
    const rows = await connections();
    // Every seeded connection has a grant: a row each, due since its status changed.
    expect(await schedule()).toEqual(new Map(rows.map((r) => [r.id, r.changed.getTime()] as const)));
    const booted = await bootSchedulerApp({ databaseUrl: db.url, bank: BANK });
    try {
      const secrets = booted.app.get(SecretsService);
      const [a, b, c, d, e] = rows as [Row, Row, Row, Row, Row, Row];
      const scope = (r: Row): { tenantId: string; userId: string } => ({ tenantId: r.tenant_id, userId: r.user_id });
      const plan = await booted.app.get(SyncScheduler).planRound();
      expect(plan.filter((x) => x.decision === 'started')).toHaveLength(6);
      const planned = await schedule();
      // The scheduler wrote each due time an interval (6 h) on.
      for (const r of rows) expect(planned.get(r.id)).toBeGreaterThan(Date.now() + 6 * HOUR - 60_000);

      // The grant deleted (as a disconnect does): no row, nothing to plan; credentials alone add none.
      expect(await secrets.remove(scope(a), a.id, 'grant')).toBe(1);
      await secrets.store(scope(a), a.id, 'credentials', Redacted.make('user:password'));
      expect((await schedule()).has(a.id)).toBe(false);
      // Stored again (a reconnect): the row is back, due since the connection's status changed.
      await secrets.store(scope(a), a.id, 'grant', Redacted.make('{"accessToken":"t"}'));
      expect((await schedule()).get(a.id)).toBe(a.changed.getTime());
      // A grant rewritten (tokens refreshed) keeps the due time the scheduler wrote.
      await secrets.store(scope(b), b.id, 'grant', Redacted.make('{"accessToken":"t2"}'));
      expect((await schedule()).get(b.id)).toBe(planned.get(b.id));
      // Deleting the credentials only keeps the row.
      await secrets.remove(scope(a), a.id, 'credentials');
      expect((await schedule()).has(a.id)).toBe(true);

      // Deletes cascade: the connection, its user, its tenant.
      await client.query(`DELETE FROM connections WHERE id = $1`, [c.id]);
      await client.query(`DELETE FROM users WHERE id = $1`, [d.user_id]);
      expect([...(await schedule()).keys()].sort()).toEqual([a.id, b.id, e.id, rows[5]!.id].sort());
      await client.query(`DELETE FROM tenants WHERE id = $1`, [e.tenant_id]); // the seeding's one tenant: every connection
      expect((await schedule()).size).toBe(0);
    } finally {
      await booted.close();
    }
  }, 120_000);

  it('a due connection the scheduler may not start (deactivated, waiting for the user) gets no decision and is looked at again an interval on; the others start', async () => {
    await seedConnections({ databaseUrl: db.url, connections: 4, bank: BANK });
    const [a, b, c, d] = (await connections()) as [Row, Row, Row, Row];
    const booted = await bootSchedulerApp({ databaseUrl: db.url, bank: BANK });
    try {
      await booted.app.get(ConnectionsService).deactivate({ tenantId: a.tenant_id, userId: a.user_id }, a.id);
      await client.query(`UPDATE connections SET aggregation_status = 'auth.creds.invalid' WHERE id = $1`, [b.id]);
      const before = Date.now();
      const plan = await booted.app.get(SyncScheduler).planRound();
      expect(plan.map((x) => [x.connectionId, x.decision]).sort()).toEqual([
        [c.id, 'started'],
        [d.id, 'started'],
      ].sort());
      const next = await schedule();
      for (const id of [a.id, b.id, c.id, d.id]) expect(next.get(id)).toBeGreaterThanOrEqual(before + 6 * HOUR);
      // The connections' own rows untouched but for the moves above: no session for the two left out.
      expect((await client.query(`SELECT 1 FROM sync_sessions WHERE connection_id = ANY($1::uuid[])`, [[a.id, b.id]])).rows).toEqual([]);
      expect(await booted.app.get(SyncScheduler).planRound()).toEqual([]);
    } finally {
      await booted.close();
    }
  }, 120_000);
});
