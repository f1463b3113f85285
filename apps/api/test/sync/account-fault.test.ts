import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { SyncService } from '../../src/sync/sync.service';
import { WebhooksService } from '../../src/webhooks/webhooks.service';
import { startCountingProxy } from './counting-proxy';
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

// SEEDS §3 ERROR: "1 of 3 accounts failing → that account `failed`, its `lastSyncDate`
// stays"; the others complete. One account's data endpoints answer 500 on every request (a
// proxy over loopback in front of the sandbox bank answers for it): the domain retries a
// temporary error, but it is that account's own — it must not stop, nor fail, its healthy
// siblings, and on the last attempt it is the account's failure, not the session's.

const BROKEN_BODY = '{"error":"injected_fault","status":500}';

describe('sync engine: one account whose data endpoint keeps failing (5xx) among healthy ones', () => {
  let world: SyncWorld;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let clock: SharedClock;
  let ds: DataSource;
  /** The broken account (undefined: every account) and the endpoints of it that answer 500 (`METHOD /path`). */
  let refused: { account?: string; operations: readonly string[] } | undefined;
  const users = ['fiona', 'felix'].map((id) =>
    bankUser(id, [
      { transactions: 40, historyDays: 30 },
      { transactions: 400, historyDays: 80 },
      { transactions: 300, historyDays: 60 },
    ]),
  );
  // A user every account of which fails: two small accounts.
  const allBroken = bankUser('flora', [
    { transactions: 20, historyDays: 30 },
    { transactions: 30, historyDays: 40 },
  ]);

  beforeAll(async () => {
    world = await startSyncWorld([...users, allBroken], {
      proxy: (bank) =>
        startCountingProxy(bank.url(BANK_CODE), (method, url) =>
          refused?.operations.includes(`${method} ${url.pathname}`) && (refused.account === undefined || url.searchParams.get('account_id') === refused.account)
            ? { status: 500, body: BROKEN_BODY }
            : undefined,
        ),
      // connection.status_changed subscribed to by an endpoint on loopback (the events are read where they are written, not delivered).
      webhooks: { allowPrivateNetworks: true },
    });
    ({ clock, sandbox, app, ds } = world);
    await startWorker(app);
  });
  afterAll(() => world?.close());

  /**
   * Syncs the user's three accounts once while all are healthy, then again with the first
   * account's `operations` answering 500 on every request; checks the healthy two completed
   * with all their transactions and the session ended. The rows after it, for the caller.
   */
  async function brokenAmongHealthy(bankUserId: string, operations: readonly string[]) {
    const user = users.find((u) => u.id === bankUserId) as (typeof users)[number];
    const c = await connectUser(app, sandbox, credentialsOf(user), { now: clock.now() });
    const truth = sandbox.truth.accounts(BANK_CODE, bankUserId);
    expect(truth).toHaveLength(3);
    type Row = { bank_account_id: string; sync_status: string; transaction_sync_status: string; last_sync_date: Date | null; sync_error: Record<string, unknown> | null };
    const accountRows = async (): Promise<Row[]> =>
      (await ds.query(`SELECT bank_account_id, sync_status, transaction_sync_status, last_sync_date, sync_error FROM bank_accounts WHERE connection_id = $1`, [c.connectionId])) as Row[];
    const sync = async (): Promise<{ id: string; status: string }> => {
      const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
      const id = sessionIds[0] as string;
      const views = await waitForSession(app, c.scope, id, 90_000);
      expect(await settledJob(ds, id)).toMatchObject({ state: expect.stringMatching(/^(completed|failed)$/) });
      return { id, status: views.status.status };
    };
    // A first sync, every account healthy: each has a lastSyncDate.
    expect((await sync()).status).toBe('completed');
    const before = new Map((await accountRows()).map((r) => [r.bank_account_id, r.last_sync_date?.getTime()]));
    expect([...before.values()].every((t) => typeof t === 'number')).toBe(true);
    clock.advance(3_600_000);

    // The bank is slow to page (2 transactions a page, 150 ms each: the healthy accounts
    // take seconds), while the broken account's 500s come back at once (after the HTTP
    // client's own retries): the healthy streams are still under way when it fails.
    const knobs = sandbox.bank(BANK_CODE).knobs;
    const pageSize = knobs.options().pageSize;
    knobs.setPageSize(2);
    knobs.faults.set({ latencyMs: 150, operations: ['GET /transactions'] });
    const broken = (truth[0] as (typeof truth)[number]).accountId;
    refused = { account: broken, operations };
    const session = await sync().finally(() => {
      knobs.faults.reset();
      knobs.setPageSize(pageSize);
      refused = undefined;
    });
    // It ended partly failed — the account's failure, not the session's: no dead letter, the connection fine.
    expect(session.status).toBe('partiallyFailed');
    expect(await settledJob(ds, session.id)).toEqual({ state: 'completed', retry_count: 2 }); // retried while retries were left (FAST_SYNC retryLimit 2)
    expect(await ds.query(`SELECT aggregation_status FROM connections WHERE id = $1`, [c.connectionId])).toEqual([{ aggregation_status: 'success' }]);
    const views = await app.get(SyncService).getSession(c.scope, session.id);
    expect(views.status.finishedAt).not.toBeNull();

    const ids = await accountIds(ds, c.connectionId);
    const today = sandbox.truth.today(BANK_CODE);
    const rows = await accountRows();
    expect(rows).toHaveLength(3);
    for (const a of truth.filter((t) => t.accountId !== broken)) {
      const row = rows.find((r) => r.bank_account_id === a.accountId) as Row;
      expect({ account: a.accountId, sync_status: row.sync_status, transaction_sync_status: row.transaction_sync_status, sync_error: row.sync_error }).toEqual({
        account: a.accountId,
        sync_status: 'active',
        transaction_sync_status: 'completed',
        sync_error: null,
      });
      expect(row.last_sync_date?.getTime()).toBeGreaterThan(before.get(a.accountId) as number); // it moved
      expect(await storedTransactions(ds, ids.get(a.accountId) as string)).toEqual(truthTransactions(sandbox, a.accountId, { from: a.firstDate, to: today }));
    }
    return { session, before, failed: rows.find((r) => r.bank_account_id === broken) as Row, broken };
  }

  it('one account failing (its balances and transactions answer 500 every time): that account failed, its lastSyncDate stays; the two healthy ones complete with all their transactions; the session ends', async () => {
    const { failed, before, broken } = await brokenAmongHealthy('fiona', ['GET /balances', 'GET /transactions']);
    expect(failed.sync_status).toBe('failed');
    expect(failed.last_sync_date?.getTime()).toBe(before.get(broken)); // it stays
    expect(failed.sync_error).toMatchObject({ errorType: 'aspspResponse', aspspResponse: { status: '500', content: BROKEN_BODY } });
  }, 150_000);

  it('one account whose transactions answer 500 every time: the healthy ones complete; that account keeps its details (active, lastSyncDate moves) with transactionSyncStatus failed and the bank answer as syncError', async () => {
    const { failed, before, broken } = await brokenAmongHealthy('felix', ['GET /transactions']);
    // SEEDS §3: accounts fetched but transactions not → syncStatus active, lastSyncDate moves.
    expect({ sync_status: failed.sync_status, transaction_sync_status: failed.transaction_sync_status }).toEqual({ sync_status: 'active', transaction_sync_status: 'failed' });
    expect(failed.last_sync_date?.getTime()).toBeGreaterThan(before.get(broken) as number);
    expect(failed.sync_error).toMatchObject({ errorType: 'aspspResponse', aspspResponse: { status: '500', content: BROKEN_BODY } });
  }, 150_000);

  it('every account failing so (retries spent): its transactions stage fails and the connection takes error.temporary (SEEDS §1), through the one writer — its history row and connection.status_changed; each account keeps its own failure', async () => {
    const c = await connectUser(app, sandbox, credentialsOf(allBroken), { now: clock.now() });
    const endpoint = await app.get(WebhooksService).create(c.scope.tenantId, { url: 'http://127.0.0.1:9/hooks', eventTypes: ['connection.status_changed'] });
    expect(sandbox.truth.accounts(BANK_CODE, allBroken.id)).toHaveLength(2);
    refused = { operations: ['GET /balances', 'GET /transactions'] };
    const id = await (async () => {
      const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
      const sessionId = sessionIds[0] as string;
      await waitForSession(app, c.scope, sessionId, 90_000);
      return sessionId;
    })().finally(() => {
      refused = undefined;
    });
    // Ended by its last attempt (no dead letter), retried while retries were left (FAST_SYNC retryLimit 2).
    expect(await settledJob(ds, id)).toEqual({ state: 'completed', retry_count: 2 });
    const views = await app.get(SyncService).getSession(c.scope, id);
    // The transactions stage failed with it; the balances stage completed with its errors counted (the domain's session status: partiallyFailed).
    expect({ status: views.status.status, balances: views.stages.balances.status, transactions: views.stages.transactions.status }).toEqual({
      status: 'partiallyFailed',
      balances: 'completed',
      transactions: 'failed',
    });
    expect(await ds.query(`SELECT aggregation_status FROM connections WHERE id = $1`, [c.connectionId])).toEqual([{ aggregation_status: 'error.temporary' }]);
    const session = (await ds.query(`SELECT error FROM sync_sessions WHERE id = $1`, [id])) as Array<{ error: Record<string, unknown> }>;
    expect(session[0]?.error).toMatchObject({ errorType: 'aspspResponse', aspspResponse: { status: '500', content: BROKEN_BODY } });
    // The move is the one writer's: its history row, and the webhook event written with it.
    const history = (await ds.query(`SELECT previous_status, status FROM connection_status_history WHERE connection_id = $1 AND session_id = $2 ORDER BY changed_at, id`, [c.connectionId, id])) as Array<{
      previous_status: string;
      status: string;
    }>;
    expect(history.at(-1)).toEqual({ previous_status: 'running.data', status: 'error.temporary' });
    const events = (await ds.query(
      `SELECT e.payload FROM webhook_events e JOIN webhook_deliveries d ON d.event_id = e.id WHERE d.endpoint_id = $1 AND e.type = 'connection.status_changed' ORDER BY e.created_at, e.id`,
      [endpoint.endpoint.id],
    )) as Array<{ payload: { data: Record<string, unknown> } }>;
    const moves = events.map((e) => e.payload.data).filter((d) => d['sessionId'] === id);
    expect(moves.map((d) => `${String(d['previousStatus'])}→${String(d['status'])}`)).toEqual(history.map((h) => `${h.previous_status}→${h.status}`));
    expect(moves.at(-1)).toMatchObject({ connectionId: c.connectionId, status: 'error.temporary', group: 'error' });
    // Each account failed with its own bank answer.
    const rows = (await ds.query(`SELECT sync_status, sync_error FROM bank_accounts WHERE connection_id = $1`, [c.connectionId])) as Array<{ sync_status: string; sync_error: Record<string, unknown> | null }>;
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatchObject({ sync_status: 'failed', sync_error: { errorType: 'aspspResponse', aspspResponse: { status: '500', content: BROKEN_BODY } } });
  }, 150_000);
});
