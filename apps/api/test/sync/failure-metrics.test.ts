import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { MetricsService } from '../../src/metrics/metrics.service';
import { SyncService } from '../../src/sync/sync.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { BANK_CODE, BANK_ID, bankUser, connectUser, credentialsOf, startSandbox, startWorker, syncApp, waitForSession } from './harness';

// Issue 20 §2: a bank that keeps failing, seen in the metrics — every failed attempt handed
// back to the queue is a retry, the spent job a dead letter, the session a failed one of its
// connector, and the bank's 500s are bank calls of that status.

describe('metrics of a failing sync: retries, dead letter, failed session, bank-call status', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  const user = bankUser('down', [{ transactions: 20, historyDays: 10 }]);

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox([user]);
    app = await syncApp(db, sandbox);
    await startWorker(app);
  });
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('counts each retry, the dead letter and the failed session', async () => {
    const c = await connectUser(app, sandbox, credentialsOf(user));
    const metrics = app.get(MetricsService);
    const value = async (series: string): Promise<number> => {
      const line = (await metrics.render()).split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? 0 : Number(line.slice(series.length + 1));
    };
    expect(await value('kinko_sync_retries_total')).toBe(0);
    const faults = sandbox.bank(BANK_CODE).knobs.faults;
    faults.set({ errorRates: { 500: 1 }, operations: ['GET /accounts'] });
    try {
      const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user' });
      const views = await waitForSession(app, c.scope, sessionIds[0] as string, 45_000);
      expect(views.status.status).toBe('failed');
    } finally {
      faults.reset();
    }
    expect(await value('kinko_sync_retries_total')).toBe(2); // three attempts: two handed back
    expect(await value('kinko_sync_dead_letters_total')).toBe(1);
    expect(await value(`kinko_sync_sessions_total{connector="${BANK_ID}",status="failed"}`)).toBe(1);
    expect(await value(`kinko_bank_call_duration_seconds_count{connector="${BANK_ID}",operation="GET /accounts",status="500"}`)).toBeGreaterThanOrEqual(3);
  }, 90_000);
});
