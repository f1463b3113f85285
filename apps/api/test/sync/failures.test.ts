import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { SyncService } from '../../src/sync/sync.service';
import { SyncWorker } from '../../src/sync/sync-worker';
import {
  BANK_CODE,
  type SharedClock,
  type SyncWorld,
  accountIds,
  bankUser,
  connectUser,
  credentialsOf,
  settledJob,
  startSyncWorld,
  startWorker,
  storedTransactions,
  truthTransactions,
  waitForSession,
} from './harness';

const HOUR = 3_600_000;

describe('sync engine: consent expiry, auth errors, retries and dead letters', () => {
  let world: SyncWorld;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let clock: SharedClock;
  let ds: DataSource;
  const users = ['expired', 'late', 'revoked', 'burst', 'down'].map((id) => bankUser(id, [{ transactions: 120, historyDays: 60 }, { transactions: 30, historyDays: 20 }]));
  const user = (id: string) => users.find((u) => u.id === id) as (typeof users)[number];
  const job = (id: string) => settledJob(ds, id);
  const status = async (connectionId: string) =>
    ((await ds.query(`SELECT aggregation_status FROM connections WHERE id = $1`, [connectionId])) as Array<{ aggregation_status: string }>)[0]?.aggregation_status;

  beforeAll(async () => {
    world = await startSyncWorld(users);
    ({ clock, sandbox, app, ds } = world);
  });
  afterAll(() => world?.close());

  it('an expired consent is marked expired (reason Expired) and is not synced: no session, no bank call', async () => {
    const c = await connectUser(app, sandbox, credentialsOf(user('expired')), { now: clock.now(), consentExpiresAt: new Date(clock.now().getTime() + HOUR) });
    clock.advance(2 * HOUR);
    sandbox.requestLog.clear();
    const result = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user' });
    expect(result).toEqual({ sessionIds: [], skipped: [{ connectionId: c.connectionId, reason: 'consent-expired' }] });
    const consent = (await ds.query(`SELECT status, invalidation_reason, previous_status FROM consents WHERE id = $1`, [c.consentId])) as unknown[];
    expect(consent).toEqual([{ status: 'expired', invalidation_reason: 'Expired', previous_status: 'valid' }]);
    expect(sandbox.requestLog.entries()).toEqual([]);
  });

  it('a consent that expires while the session waits in the queue: the worker marks it expired before any bank call', async () => {
    const c = await connectUser(app, sandbox, credentialsOf(user('late')), { now: clock.now(), consentExpiresAt: new Date(clock.now().getTime() + HOUR) });
    const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user' });
    clock.advance(2 * HOUR); // the worker starts after the expiry
    sandbox.requestLog.clear();
    await startWorker(app);
    const views = await waitForSession(app, c.scope, sessionIds[0] as string);
    expect(views.status.status).toBe('failed');
    expect(views.stages.auth.failure).toEqual({ errorType: 'internal', message: 'the consent has expired' });
    expect(sandbox.requestLog.entries()).toEqual([]);
    const consent = (await ds.query(`SELECT status, invalidation_reason FROM consents WHERE id = $1`, [c.consentId])) as unknown[];
    expect(consent).toEqual([{ status: 'expired', invalidation_reason: 'Expired' }]);
    expect(await status(c.connectionId)).toBe('success'); // no run was made: the status is untouched
  });

  it('the bank refusing the grant (and its refresh): auth.creds.invalid at once, no retry', async () => {
    const c = await connectUser(app, sandbox, credentialsOf(user('revoked')), { now: clock.now() });
    sandbox.bank(BANK_CODE).knobs.revokeAllUserTokens();
    const started = Date.now();
    const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user' });
    const id = sessionIds[0] as string;
    const views = await waitForSession(app, c.scope, id);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(views.status.status).toBe('failed');
    expect(await status(c.connectionId)).toBe('auth.creds.invalid');
    expect(await job(id)).toEqual({ state: 'completed', retry_count: 0 });
    // It tried the refresh exactly once (the access token was refused), and nothing after it.
    // One refresh attempt: the connector presents the refresh token once (and once more with a
    // fresh system token, its own rule for a 401), then gives up; nothing else follows it.
    const log = sandbox.requestLog.entries({ bank: BANK_CODE });
    const puts = log.filter((e) => e.operation === 'PUT /auth/token');
    expect(puts.length).toBeGreaterThanOrEqual(1);
    const firstPut = log.indexOf(puts[0] as (typeof log)[number]);
    expect(log.slice(firstPut).map((e) => e.operation).filter((o) => o !== 'PUT /auth/token' && o !== 'POST /auth/system_token')).toEqual([]);
    expect(puts.length).toBeLessThanOrEqual(2);
    const accounts = (await ds.query(`SELECT sync_status, sync_error->>'errorType' AS type FROM bank_accounts WHERE connection_id = $1`, [c.connectionId])) as unknown[];
    expect(accounts).toEqual([]); // the accounts were never listed: nothing to mark
  });

  it('a burst of 5xx longer than the HTTP retries: the job is retried with backoff and the sync completes, exactly', async () => {
    const c = await connectUser(app, sandbox, credentialsOf(user('burst')), { now: clock.now() });
    // The bank answers 500 to every transactions request until the first job attempt has given up.
    const faults = sandbox.bank(BANK_CODE).knobs.faults;
    faults.set({ errorRates: { 500: 1 }, operations: ['GET /transactions'] });
    const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    const id = sessionIds[0] as string;
    try {
      for (let i = 0; i < 200; i += 1) {
        const note = (await ds.query(`SELECT error FROM sync_sessions WHERE id = $1`, [id])) as Array<{ error: { retrying?: boolean } | null }>;
        if (note[0]?.error?.retrying) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      faults.reset();
    }
    const views = await waitForSession(app, c.scope, id, 30_000);
    expect(views.status.status).toBe('completed');
    expect(await job(id)).toEqual({ state: 'completed', retry_count: 1 });
    expect(await status(c.connectionId)).toBe('success');
    const today = sandbox.truth.today(BANK_CODE);
    const ids = await accountIds(ds, c.connectionId);
    for (const a of sandbox.truth.accounts(BANK_CODE, 'burst')) {
      expect(await storedTransactions(ds, ids.get(a.accountId) as string)).toEqual(truthTransactions(sandbox, a.accountId, { from: a.firstDate, to: today }));
    }
  });

  it('a bank that keeps failing: retries spent → dead letter → session failed, connection error.temporary, in bounded time', async () => {
    const c = await connectUser(app, sandbox, credentialsOf(user('down')), { now: clock.now() });
    const faults = sandbox.bank(BANK_CODE).knobs.faults;
    faults.set({ errorRates: { 500: 1 }, operations: ['GET /accounts'] });
    try {
      const started = Date.now();
      const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user' });
      const id = sessionIds[0] as string;
      const views = await waitForSession(app, c.scope, id, 45_000);
      expect(Date.now() - started).toBeLessThan(45_000);
      expect(views.status.status).toBe('failed');
      expect(views.stages.accounts.status).toBe('failed');
      // The bank's last answer, not Kinko's: aspspResponse with its status and content (issue 21 §6).
      expect(views.error).toMatchObject({ errorType: 'aspspResponse', aspspResponse: { status: '500', content: '{"error":"injected_fault","status":500}' } });
      expect(String(views.error?.['message'])).toContain('retries spent after 3 attempts');
      expect(await job(id)).toMatchObject({ state: 'failed', retry_count: 2 });
      expect(await status(c.connectionId)).toBe('error.temporary');
      const dead = (await ds.query(`SELECT state FROM pgboss.job WHERE name = 'kinko-sync-dead' AND data->>'sessionId' = $1`, [id])) as Array<{ state: string }>;
      expect(dead.map((d) => d.state)).toEqual(['completed']);
    } finally {
      faults.reset();
    }
  });

  it('a session whose job vanished is failed by the watchdog', async () => {
    const c = await connectUser(app, sandbox, credentialsOf(user('burst')), { now: clock.now() });
    const worker = app.get(SyncWorker);
    await worker.stop();
    const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user' });
    const id = sessionIds[0] as string;
    await ds.query(`DELETE FROM pgboss.job WHERE name = 'kinko-sync' AND id = $1`, [id]);
    const report = await worker.watchdog();
    expect(report.lostSessions).toEqual([id]);
    const views = await app.get(SyncService).getSession(c.scope, id);
    expect(views.status.status).toBe('failed');
    expect(String(views.error?.['message'])).toContain('its job is gone');
  });
});
