import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { UserTokensService } from '../../src/auth/user-tokens.service';
import { MetricsService } from '../../src/metrics/metrics.service';
import { SyncEngine } from '../../src/sync/sync-engine';
import { SyncService } from '../../src/sync/sync.service';
import { readReply } from '../support/http-reply';
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

/** The value of one series in the app's metrics (0 when absent). */
async function seriesValue(app: NestFastifyApplication, series: string): Promise<number> {
  const line = (await app.get(MetricsService).render()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

// Issue 20 §1-2: a session's end is logged and counted where its transaction commits, not by
// the worker — here the consent is withdrawn over the API and the session is ended by the
// engine run directly (no worker started): one log line, one count, however often it is run.
describe('a session ended outside a worker is logged and counted exactly once', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  const user = bankUser('withdrawn', [{ transactions: 5, historyDays: 10 }]);

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox([user]);
    app = await syncApp(db, sandbox);
    await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('logs "sync session ended" once and counts the session once', async () => {
    const c = await connectUser(app, sandbox, credentialsOf(user));
    const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    const sessionId = sessionIds[0] as string;
    const token = (await app.get(UserTokensService).mint(c.scope)).token;
    const deleted = await readReply(await fetch(`${await app.getUrl()}/api/v2/consents/${c.consentId}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }));
    expect(deleted.status).toBe(200);

    const lines: Array<Record<string, unknown>> = [];
    const capture = (message: unknown): void => {
      if (typeof message === 'object' && message !== null && (message as { msg?: unknown }).msg === 'sync session ended') lines.push(message as Record<string, unknown>);
    };
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(capture);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(capture);
    try {
      const job = { sessionId, ...c.scope, connectionId: c.connectionId };
      expect(await app.get(SyncEngine).run(job)).toBe('finished'); // the consent is withdrawn: ended before any bank call
      expect(await app.get(SyncEngine).run(job)).toBe('already-finished');
    } finally {
      log.mockRestore();
      warn.mockRestore();
    }
    expect(lines).toEqual([expect.objectContaining({ sessionId, tenantId: c.scope.tenantId, connector: BANK_ID, status: 'failed' })]);
    expect(await seriesValue(app, `kinko_sync_sessions_total{connector="${BANK_ID}",status="failed"}`)).toBe(1);
    const all = (await app.get(MetricsService).render()).split('\n').filter((l) => l.startsWith('kinko_sync_sessions_total{'));
    expect(all).toEqual([`kinko_sync_sessions_total{connector="${BANK_ID}",status="failed"} 1`]);
  });
});
