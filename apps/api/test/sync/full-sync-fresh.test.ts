import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DataSource } from 'typeorm';
import { SyncService } from '../../src/sync/sync.service';
import { BANK_CODE, type Connected, type SyncWorld, accountIds, bankUser, connectUser, credentialsOf, startSyncWorld, startWorker, waitForSession } from './harness';

// Issue 19 (PostgreSQL's CPU per row of the first sync): the engine's first sync of a connection
// writes its accounts' pages as plain INSERTs (each fetch begins on an account holding no row:
// FetchedRows, transaction-writer.ts), not as upserts — read from the WAL of the sync: no
// Heap/HEAP_CONFIRM record (one per row an upsert inserts) on `transactions`, every row inserted.
describe('sync engine: a first sync inserts its transactions without the upsert', () => {
  let world: SyncWorld;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let ds: DataSource;
  let connected: Connected;
  const user = bankUser('hanako', [
    { transactions: 700, historyDays: 300 },
    { transactions: 50, historyDays: 40 },
  ]);

  beforeAll(async () => {
    world = await startSyncWorld([user]);
    ({ sandbox, app, ds } = world);
    await ds.query(`CREATE EXTENSION IF NOT EXISTS pg_walinspect`);
    connected = await connectUser(app, sandbox, credentialsOf(user), { now: world.clock.now() });
  });
  afterAll(() => world?.close());

  it('stores every transaction of the bank, with no speculative insertion in its WAL', async () => {
    const [{ lsn }] = (await ds.query(`SELECT pg_current_wal_insert_lsn()::text AS lsn`)) as [{ lsn: string }];
    await startWorker(app);
    const { sessionIds } = await app.get(SyncService).startSync(connected.scope, { connectionIds: [connected.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    for (const id of sessionIds) expect((await waitForSession(app, connected.scope, id)).status.status).toBe('completed');

    const today = sandbox.truth.today(BANK_CODE);
    const ids = await accountIds(ds, connected.connectionId);
    let expected = 0;
    for (const account of sandbox.truth.accounts(BANK_CODE, user.id).filter((a) => a.listed)) {
      const count = sandbox.truth.summary(BANK_CODE, account.accountId, { from: account.firstDate, to: today }).count;
      const [{ n }] = (await ds.query(`SELECT count(*)::int AS n FROM transactions WHERE account_id = $1`, [ids.get(account.accountId)])) as [{ n: number }];
      expect(n).toBe(count);
      expected += count;
    }
    expect(expected).toBe(750);

    // The WAL is the cluster's: this database's `transactions` only.
    const records = (await ds.query(
      `SELECT record_type AS type, count(*)::int AS n FROM pg_get_wal_block_info($1::pg_lsn, pg_current_wal_flush_lsn())
        WHERE resource_manager = 'Heap' AND reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND relfilenode = pg_relation_filenode('transactions') AND record_type IN ('INSERT', 'INSERT+INIT', 'HEAP_CONFIRM')
        GROUP BY 1`,
      [lsn],
    )) as Array<{ type: string; n: number }>;
    const of = (type: string): number => records.find((r) => r.type === type)?.n ?? 0;
    expect(of('INSERT') + of('INSERT+INIT')).toBe(750);
    expect(of('HEAP_CONFIRM')).toBe(0);
  });
});
