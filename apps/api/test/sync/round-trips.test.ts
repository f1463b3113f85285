import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { SyncService } from '../../src/sync/sync.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type Connected, bankUser, connectUser, credentialsOf, startSandbox, startWorker, syncApp } from './harness';

// Issue 19 §3: a session's bookkeeping in fewer round trips. Every statement the process
// sends to PostgreSQL while one incremental session of 3 accounts runs is counted at the pg
// client (the database sees exactly these): a stage boundary is one transaction (the stage
// completed and the next one started together), and the session row is written only when
// the session's own columns change — when it starts and when it ends.
describe('sync engine: database round trips of one session', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let c: Connected;
  let poller: Client;
  const user = bankUser('roundtrips', [
    { transactions: 60, historyDays: 60 },
    { transactions: 40, historyDays: 60 },
    { transactions: 20, historyDays: 60 },
  ]);
  const counts = new Map<string, number>();
  let counting = false;
  const original = Client.prototype.query;

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox([user]);
    app = await syncApp(db, sandbox, { sync: { watchdogIntervalMs: 600_000 } });
    c = await connectUser(app, sandbox, credentialsOf(user));
    poller = new Client({ connectionString: db.url });
    await poller.connect();
    (Client.prototype as unknown as { query: unknown }).query = function (this: Client, ...args: unknown[]): unknown {
      if (counting && this !== poller) {
        const q = args[0] as string | { text?: string } | undefined;
        const text = (typeof q === 'string' ? q : (q?.text ?? '')).replace(/\s+/g, ' ').trim();
        counts.set(text, (counts.get(text) ?? 0) + 1);
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
    await startWorker(app);
  });
  afterAll(async () => {
    (Client.prototype as unknown as { query: unknown }).query = original;
    await poller?.end();
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  const runSession = async (): Promise<{ status: string; count: (pattern: RegExp) => number }> => {
    counts.clear();
    counting = true;
    const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    let status = '';
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      const r = await poller.query<{ status: string; finished_at: Date | null }>('SELECT status, finished_at FROM sync_sessions WHERE id = $1', [sessionIds[0]]);
      if (r.rows[0]?.finished_at) {
        status = r.rows[0].status;
        break;
      }
    }
    counting = false;
    const snapshot = new Map(counts);
    return { status, count: (pattern) => [...snapshot].filter(([text]) => pattern.test(text)).reduce((n, [, k]) => n + k, 0) };
  };

  it('one transaction per stage boundary, the session row written twice (start, end)', async () => {
    expect((await runSession()).status).toBe('completed'); // the first sync
    const incremental = await runSession();
    expect(incremental.status).toBe('completed');
    const sessionWrites = incremental.count(/^UPDATE sync_sessions SET status/);
    const transactions = incremental.count(/^(START TRANSACTION|BEGIN)/);
    const stageMoves = incremental.count(/^UPDATE sync_stages SET status/);
    process.stdout.write(`one incremental session (3 accounts): ${transactions} transactions, ${stageMoves} stage writes, ${sessionWrites} session row writes\n`);
    // Before: a write per move (11), a transaction per stage start and per stage end, one per
    // account around its balances bookkeeping (28 in all).
    expect(sessionWrites).toBe(2);
    expect(transactions).toBeLessThanOrEqual(20);
  });
});
