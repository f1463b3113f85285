import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import { Redacted } from 'effect';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { NotFoundError } from '../../src/common/errors';
import { newId } from '../../src/database/ids';
import { SecretsService } from '../../src/secrets/secrets.service';
import { SyncQueue } from '../../src/sync/sync-queue';
import { SyncService } from '../../src/sync/sync.service';
import {
  BANK_CODE,
  type Connected,
  type SharedClock,
  type SyncWorld,
  accountIds,
  bankUser,
  connectUser,
  credentialsOf,
  startSyncWorld,
  startWorker,
  storedTransactions,
  truthTransactions,
  waitForSession,
} from './harness';

// A full sync of a connection against the 銀行共通API sandbox, compared with the sandbox's
// truth; then an incremental sync, checked on the bank's request log.
describe('sync engine: full and incremental sync (銀行共通API sandbox)', () => {
  let world: SyncWorld;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let clock: SharedClock;
  let ds: DataSource;
  let connected: Connected;
  const user = bankUser('taro', [
    { transactions: 1_200, historyDays: 500 },
    { transactions: 300, historyDays: 120 },
    { transactions: 40, historyDays: 30 },
  ]);

  beforeAll(async () => {
    world = await startSyncWorld([user]);
    ({ clock, sandbox, app, ds } = world);
    connected = await connectUser(app, sandbox, credentialsOf(user), { now: clock.now() });
    await startWorker(app);
  });
  afterAll(() => world?.close());

  it('fetches accounts, every transaction and daily balances exactly as the bank holds them', async () => {
    sandbox.requestLog.clear();
    const { sessionIds, skipped } = await app.get(SyncService).startSync(connected.scope, { connectionIds: [connected.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    expect(skipped).toEqual([]);
    expect(sessionIds).toHaveLength(1);
    const views = await waitForSession(app, connected.scope, sessionIds[0] as string);
    expect(views.status.status).toBe('completed');
    expect(views.stages.auth.status).toBe('completed');
    expect(views.stages.accounts.status).toBe('completed');
    expect(views.stages.transactions.status).toBe('completed');
    expect(views.stages.intelligence.status).toBe('completed');
    expect(views.stages.finished.status).toBe('completed');
    expect(views.stages.transactionDetails.status).toBe('skipped');

    const today = sandbox.truth.today(BANK_CODE);
    const expectedAccounts = sandbox.truth.accounts(BANK_CODE, user.id).filter((a) => a.listed);
    const ids = await accountIds(ds, connected.connectionId);
    expect([...ids.keys()].sort()).toEqual(expectedAccounts.map((a) => a.accountId).sort());

    let totalFetched = 0;
    for (const account of expectedAccounts) {
      const accountId = ids.get(account.accountId) as string;
      const window = { from: account.firstDate, to: today };
      const summary = sandbox.truth.summary(BANK_CODE, account.accountId, window);
      const stored = await storedTransactions(ds, accountId);
      expect(stored.size).toBe(summary.count);
      const sums = (await ds.query(`SELECT COALESCE(sum(amount_minor), 0)::text AS net, COALESCE(sum(amount_minor) FILTER (WHERE amount_minor > 0), 0)::text AS inflow FROM transactions WHERE account_id = $1`, [
        accountId,
      ])) as Array<{ net: string; inflow: string }>;
      expect(BigInt(sums[0]?.net ?? '0')).toBe(summary.net);
      expect(BigInt(sums[0]?.inflow ?? '0')).toBe(summary.inflow);
      expect(stored).toEqual(truthTransactions(sandbox, account.accountId, window));
      totalFetched += summary.count;

      // Daily balances: derived from the transactions, one per day from the first transaction to today.
      const balances = (await ds.query(`SELECT date::text AS date, balance_minor::text AS balance FROM daily_balances WHERE account_id = $1 ORDER BY date`, [accountId])) as Array<{
        date: string;
        balance: string;
      }>;
      const first = summary.firstDate as string;
      const truth = [...sandbox.truth.dailyBalances(BANK_CODE, account.accountId, { from: first, to: today })].map((b) => ({ date: b.date.slice(0, 10), balance: String(b.balance) }));
      expect(balances.filter((b) => b.date >= first)).toEqual(truth);
      expect(balances.at(-1)?.balance).toBe(String(summary.balanceAfter));

      const state = (await ds.query(`SELECT sync_status, transaction_sync_status, sync_error, last_transaction_date::text AS last FROM bank_accounts WHERE id = $1`, [accountId])) as Array<
        Record<string, unknown>
      >;
      expect(state[0]).toEqual({ sync_status: 'active', transaction_sync_status: 'completed', sync_error: null, last: summary.lastDate });
    }
    expect(views.details.dataFetched.transactions.fetched).toBe(totalFetched);
    expect(views.details.dataFetched.transactions.written).toBe(totalFetched);
    expect(views.details.dataFetched.accounts).toBe(expectedAccounts.length);

    // The connection went through the domain's run and says so in its history.
    const history = (await ds.query(`SELECT previous_status, status FROM connection_status_history WHERE connection_id = $1 ORDER BY id`, [connected.connectionId])) as Array<{
      previous_status: string;
      status: string;
    }>;
    expect(history.map((h) => `${h.previous_status}→${h.status}`)).toEqual(['success→running.auth', 'running.auth→running.data', 'running.data→running.intelligence', 'running.intelligence→success']);

    // Every bank call is audited: method, host, path — never a query string.
    const audited = (await ds.query(`SELECT details FROM audit_log WHERE action = 'bank.call' AND target = $1`, [`connection:${connected.connectionId}`])) as Array<{
      details: { method: string; path: string; status: number; sessionId: string };
    }>;
    const calls = sandbox.requestLog.entries({ bank: BANK_CODE });
    expect(audited.length).toBe(calls.length);
    expect(audited.every((a) => !a.details.path.includes('?') && a.details.sessionId === sessionIds[0])).toBe(true);
    expect(new Set(audited.map((a) => a.details.path))).toEqual(new Set(['/accounts', '/balances', '/transactions']));
  });

  it('then syncs incrementally: each account from its latest transaction − 4 days to today, nothing duplicated', async () => {
    const before = (await ds.query(`SELECT count(*)::int AS n FROM transactions`)) as Array<{ n: number }>;
    // The latest transaction fetched so far, per bank account id (what the window starts from).
    const latestRows = (await ds.query(
      `SELECT a.bank_account_id, max(t.transaction_date)::text AS latest FROM transactions t JOIN bank_accounts a ON a.id = t.account_id WHERE a.connection_id = $1 GROUP BY a.bank_account_id`,
      [connected.connectionId],
    )) as Array<{ bank_account_id: string; latest: string }>;
    const latestFetched = new Map(latestRows.map((r) => [r.bank_account_id, r.latest]));
    clock.advance(86_400_000); // the next day
    sandbox.requestLog.clear();
    const { sessionIds } = await app.get(SyncService).startSync(connected.scope, { bankId: 'bca-test' }, { requestedBy: 'user' });
    const views = await waitForSession(app, connected.scope, sessionIds[0] as string);
    expect(views.status.status).toBe('completed');

    const today = sandbox.truth.today(BANK_CODE);
    const ids = await accountIds(ds, connected.connectionId);
    const requests = sandbox.requestLog.entries({ bank: BANK_CODE, operation: 'GET /transactions' });
    for (const account of sandbox.truth.accounts(BANK_CODE, user.id)) {
      const latest = latestFetched.get(account.accountId) as string;
      const expectedFrom = new Date(Date.parse(`${latest}T00:00:00Z`) - 4 * 86_400_000).toISOString().slice(0, 10);
      const mine = requests.filter((r) => r.query['account_id'] === account.accountId);
      expect(mine.length).toBeGreaterThan(0);
      for (const r of mine) expect([r.query['start_date'], r.query['end_date']]).toEqual([expectedFrom, today]);
      const stored = await storedTransactions(ds, ids.get(account.accountId) as string);
      expect(stored).toEqual(truthTransactions(sandbox, account.accountId, { from: account.firstDate, to: today }));
    }
    const after = (await ds.query(`SELECT count(*)::int AS n FROM transactions`)) as Array<{ n: number }>;
    expect(after[0]?.n).toBeGreaterThanOrEqual(before[0]?.n ?? 0);
  });

  it('creates sessions and their jobs in one transaction: a failing enqueue leaves no session behind', async () => {
    // One user with two connections (the second needs only a grant row and no consent to be synced).
    const other = await connectUser(app, sandbox, credentialsOf(user), { now: clock.now(), tenantId: connected.scope.tenantId });
    const secondId = newId();
    await ds.query(
      `INSERT INTO connections (id, tenant_id, user_id, connector_id, bank_id, aggregation_status, aggregation_status_changed_at) VALUES ($1, $2, $3, 'bca-test', 'bca-test', 'success', now())`,
      [secondId, other.scope.tenantId, other.scope.userId],
    );
    await app.get(SecretsService).store(other.scope, secondId, 'grant', Redacted.make('{}'));
    const queue = app.get(SyncQueue);
    const original = queue.enqueue.bind(queue);
    let calls = 0;
    const spy = jest.spyOn(queue, 'enqueue').mockImplementation(async (...args) => {
      calls += 1;
      if (calls === 2) throw new Error('queue unavailable');
      return original(...args);
    });
    try {
      await expect(app.get(SyncService).startSync(other.scope, { all: true }, { requestedBy: 'user' })).rejects.toThrow('queue unavailable');
    } finally {
      spy.mockRestore();
    }
    const sessions = (await ds.query(`SELECT count(*)::int AS n FROM sync_sessions WHERE user_id = $1`, [other.scope.userId])) as Array<{ n: number }>;
    expect(sessions[0]?.n).toBe(0);
    const jobs = (await ds.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'kinko-sync' AND data->>'userId' = $1`, [other.scope.userId])) as Array<{ n: number }>;
    expect(jobs[0]?.n).toBe(0);
  });

  it('answers 404 (NotFoundError) for another user’s session or connection, and changes nothing', async () => {
    const sync = app.get(SyncService);
    const stranger = { tenantId: connected.scope.tenantId, userId: '00000000-0000-7000-8000-000000000000' };
    const mine = (await ds.query(`SELECT id FROM sync_sessions WHERE connection_id = $1 LIMIT 1`, [connected.connectionId])) as Array<{ id: string }>;
    await expect(sync.getSession(stranger, mine[0]?.id as string)).rejects.toBeInstanceOf(NotFoundError);
    await expect(sync.startSync(stranger, { connectionIds: [connected.connectionId] }, { requestedBy: 'user' })).rejects.toBeInstanceOf(NotFoundError);
    const count = (await ds.query(`SELECT count(*)::int AS n FROM sync_sessions WHERE connection_id = $1`, [connected.connectionId])) as Array<{ n: number }>;
    expect(count[0]?.n).toBe(2);
  });
});
