import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { SyncService } from '../../src/sync/sync.service';
import { TEST_MASTER_KEY, TEST_MASTER_KEY_ID } from '../support/test-app';
import { builtApp } from '../support/built-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { testTempDir } from '../support/test-env';
import { BANK_CODE, type Connected, accountIds, settledJob, bankEntry, bankUser, connectUser, credentialsOf, startSandbox, storedTransactions, syncApp, truthTransactions, waitForSession } from './harness';

// A worker PROCESS (`node main.js worker`) is killed with SIGKILL in the middle of a large
// sync; a new worker process finishes it. The result must equal the bank's data exactly.
const PACKAGE = path.resolve(__dirname, '../..');
const HOOK = path.join(PACKAGE, 'test/support/workspace-sources-hook.js');
/** The compiled app's folder (set in beforeAll). */
let built = '';
const PER_ACCOUNT = 20_000;

interface Worker {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

describe('a worker process killed mid-sync', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let ds: DataSource;
  let c: Connected;
  const workers: Worker[] = [];
  const user = bankUser('bulk', [
    { transactions: PER_ACCOUNT, historyDays: 700 },
    { transactions: PER_ACCOUNT, historyDays: 700 },
    { transactions: PER_ACCOUNT, historyDays: 700 },
  ]);

  const spawnWorker = (): Worker => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KINKO_') && !['DATABASE_URL', 'NODE_ENV', 'PORT', 'INIT_CWD'].includes(k)) env[k] = v;
    Object.assign(env, {
      DATABASE_URL: db.url,
      KINKO_MODE: 'test',
      KINKO_DATA_DIR: testTempDir('worker'),
      KINKO_MASTER_KEY: TEST_MASTER_KEY,
      KINKO_MASTER_KEY_ID: TEST_MASTER_KEY_ID,
      KINKO_LOG_LEVEL: 'warn',
      KINKO_BANKS: JSON.stringify([{ bankId: bankEntry(sandbox).bankId, connector: 'bank-common-api', ...bankEntry(sandbox).options }]),
      KINKO_SYNC: JSON.stringify({ pollingIntervalSeconds: 0.5, watchdogIntervalMs: 500, orphanGraceMs: 1_000, retryDelaySeconds: 1, schedulerIntervalMs: 0 }),
    });
    const child = spawn(process.execPath, ['--conditions=@kinko/source', '-r', HOOK, path.join(built, 'main.js'), 'worker'], { cwd: PACKAGE, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const w = { child, output: () => out, exited: new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code))) };
    workers.push(w);
    return w;
  };
  const waitForOutput = async (w: Worker, text: string): Promise<void> => {
    const deadline = Date.now() + 90_000;
    while (!w.output().includes(text)) {
      if (w.child.exitCode !== null) throw new Error(`worker exited (${w.child.exitCode}):\n${w.output()}`);
      if (Date.now() > deadline) throw new Error(`no "${text}":\n${w.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const count = async (): Promise<number> => ((await ds.query(`SELECT count(*)::int AS n FROM transactions WHERE user_id = $1`, [c.scope.userId])) as Array<{ n: number }>)[0]?.n ?? 0;

  beforeAll(async () => {
    // The app compiled once for the run (test/support/built-app.ts): main.js is started as the worker.
    built = await builtApp();
    db = await createTestDatabase();
    sandbox = await startSandbox([user]);
    app = await syncApp(db, sandbox); // no worker here: the processes do the work
    ds = app.get(DataSource);
    c = await connectUser(app, sandbox, credentialsOf(user));
  }, 180_000);
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('SIGKILL during the transactions stage, restart: the data equal the bank’s, no duplicate, the session completes', async () => {
    sandbox.bank(BANK_CODE).knobs.faults.setLatency(25);
    const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    const sessionId = sessionIds[0] as string;
    const first = spawnWorker();
    await waitForOutput(first, 'Kinko worker is running');
    const total = 3 * PER_ACCOUNT;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const progress = await count();
      if (progress >= total / 4) break;
      if (Date.now() > deadline) throw new Error(`no progress:\n${first.output()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    first.child.kill('SIGKILL');
    await first.exited;
    const afterKill = await count();
    expect(afterKill).toBeLessThan(total); // killed in the middle, really

    const second = spawnWorker();
    await waitForOutput(second, 'Kinko worker is running');
    const views = await waitForSession(app, c.scope, sessionId, 150_000);
    expect(views.status.status).toBe('completed');
    const job = await settledJob(ds, sessionId);
    expect(job?.state).toBe('completed');
    expect(job?.retry_count).toBeGreaterThanOrEqual(1);

    const today = sandbox.truth.today(BANK_CODE);
    const ids = await accountIds(ds, c.connectionId);
    for (const account of sandbox.truth.accounts(BANK_CODE, user.id)) {
      const window = { from: account.firstDate, to: today };
      const stored = await storedTransactions(ds, ids.get(account.accountId) as string);
      const truth = truthTransactions(sandbox, account.accountId, window);
      expect(stored.size).toBe(truth.size);
      expect(stored).toEqual(truth);
      const balances = (await ds.query(`SELECT count(*)::int AS n, max(date)::text AS last FROM daily_balances WHERE account_id = $1`, [ids.get(account.accountId)])) as Array<{ n: number; last: string }>;
      expect(balances[0]?.last).toBe(today);
    }
    const duplicates = (await ds.query(`SELECT count(*)::int AS n FROM (SELECT account_id, bank_transaction_id FROM transactions GROUP BY 1, 2 HAVING count(*) > 1) d`)) as Array<{ n: number }>;
    expect(duplicates[0]?.n).toBe(0);
    process.stdout.write(`worker crash: killed at ${afterKill}/${total} rows; restarted worker finished the session (attempts: ${(job?.retry_count ?? 0) + 1})\n`);
  }, 240_000);
});
