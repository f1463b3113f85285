// PostgreSQL stops (immediate shutdown, as `pg_ctl stop -m immediate`) in the middle of a
// first sync and comes back: the process lives, the API answers 503 problem+json with
// Retry-After meanwhile, the session resumes and ends completed with exactly the bank's rows.
// A dedicated embedded cluster is used, so stopping it disturbs no other test file.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { UserTokensService } from '../../src/auth/user-tokens.service';
import { createKinkoDataSource, runMigrations } from '../../src/database/data-source';
import { SyncService } from '../../src/sync/sync.service';
import { readReply } from '../support/http-reply';
import { testSettings } from '../support/test-app';
import {
  BANK_CODE,
  FAST_SYNC,
  type Connected,
  accountIds,
  bankEntry,
  bankUser,
  connectUser,
  credentialsOf,
  startSandbox,
  startWorker,
  storedTransactions,
  truthTransactions,
  waitForSession,
} from '../sync/harness';
import { type DedicatedCluster, startDedicatedCluster } from './cluster';

const PER_ACCOUNT = 4_000;


describe('PostgreSQL stopped and restarted in the middle of a sync', () => {
  let pg: DedicatedCluster;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let ds: DataSource;
  let base: string;
  let c: Connected;
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): void => void uncaught.push(e);
  const user = bankUser('outage', [
    { transactions: PER_ACCOUNT, historyDays: 700 },
    { transactions: PER_ACCOUNT, historyDays: 700 },
    { transactions: PER_ACCOUNT, historyDays: 700 },
  ]);

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    pg = await startDedicatedCluster();
    const migrator = createKinkoDataSource(pg.url, { poolSize: 1, quiet: true });
    await migrator.initialize();
    await runMigrations(migrator);
    await migrator.destroy();
    sandbox = await startSandbox([user]);
    app = await createApp({ settings: { settings: testSettings() }, databaseUrl: pg.url, logger: false, banks: [bankEntry(sandbox)], syncSettings: { ...FAST_SYNC } });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    ds = app.get(DataSource);
    c = await connectUser(app, sandbox, credentialsOf(user));
  }, 120_000);

  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await app?.close();
    await sandbox?.close();
    await pg?.destroy();
  }, 60_000);

  it('the process lives, the API answers 503 with Retry-After, the session resumes: 0 lost, 0 duplicated, statuses honest', async () => {
    const token = (await app.get(UserTokensService).mint(c.scope)).token;
    const connections = async () => readReply<{ type?: string; status?: number }>(await fetch(`${base}/api/v2/connections`, { headers: { authorization: `Bearer ${token}` } }));
    expect((await connections()).status).toBe(200);

    sandbox.bank(BANK_CODE).knobs.faults.setLatency(15);
    await startWorker(app);
    const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    const sessionId = sessionIds[0] as string;
    const total = 3 * PER_ACCOUNT;
    const count = async (): Promise<number> => ((await ds.query(`SELECT count(*)::int AS n FROM transactions WHERE user_id = $1`, [c.scope.userId])) as Array<{ n: number }>)[0]?.n ?? 0;
    const deadline = Date.now() + 90_000;
    for (;;) {
      const progress = await count();
      if (progress >= total / 5) break;
      if (Date.now() > deadline) throw new Error(`no progress: ${progress} rows`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const before = await count();

    // Immediate shutdown (SIGQUIT to the postmaster = pg_ctl stop -m immediate): every connection dies at once.
    await pg.stopImmediately();

    // During the outage: 503 problem+json with Retry-After, never 500 `internal`.
    await new Promise((r) => setTimeout(r, 1_500));
    const down = await connections();
    expect(down.status).toBe(503);
    expect(down.json).toMatchObject({ type: 'https://kinko.dev/problems/service-unavailable', status: 503 });
    expect(down.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(down.text).not.toContain('at ');

    await pg.restart();
    const views = await waitForSession(app, c.scope, sessionId, 150_000);
    expect(uncaught).toEqual([]);
    expect(views.status.status).toBe('completed');
    expect((await connections()).status).toBe(200);
    const status = (await ds.query(`SELECT aggregation_status FROM connections WHERE id = $1`, [c.connectionId])) as Array<{ aggregation_status: string }>;
    expect(status[0]?.aggregation_status).toBe('success');

    const today = sandbox.truth.today(BANK_CODE);
    const ids = await accountIds(ds, c.connectionId);
    for (const account of sandbox.truth.accounts(BANK_CODE, user.id)) {
      const stored = await storedTransactions(ds, ids.get(account.accountId) as string);
      expect(stored).toEqual(truthTransactions(sandbox, account.accountId, { from: account.firstDate, to: today }));
    }
    const duplicates = (await ds.query(`SELECT count(*)::int AS n FROM (SELECT account_id, bank_transaction_id FROM transactions GROUP BY 1, 2 HAVING count(*) > 1) d`)) as Array<{ n: number }>;
    expect(duplicates[0]?.n).toBe(0);
    process.stdout.write(`postgres outage: stopped at ${before}/${total} rows; the session resumed and completed\n`);
  }, 240_000);
});
