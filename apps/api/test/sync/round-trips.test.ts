import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { MetricsService } from '../../src/metrics/metrics.service';
import { SessionEnds } from '../../src/metrics/session-ends';
import { BankCallAudit } from '../../src/sync/bank-call-audit';
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

  const runSession = async (requestedBy: 'user' | 'scheduler' = 'user'): Promise<{ sessionId: string; status: string; elapsedMs: number; count: (pattern: RegExp) => number; byGroup: Map<string, number> }> => {
    counts.clear();
    counting = true;
    const started = Date.now();
    const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, requestedBy === 'user' ? { requestedBy, scaJustPerformed: true } : { requestedBy });
    let status = '';
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      const r = await poller.query<{ status: string; finished_at: Date | null }>('SELECT status, finished_at FROM sync_sessions WHERE id = $1', [sessionIds[0]]);
      if (r.rows[0]?.finished_at) {
        status = r.rows[0].status;
        break;
      }
    }
    counting = false;
    const elapsedMs = Date.now() - started;
    const snapshot = new Map(counts);
    // KINKO_ROUND_TRIPS_LIST=1 prints every statement of the session with its count (to read what a session sends).
    if (process.env['KINKO_ROUND_TRIPS_LIST'] === '1') process.stdout.write(`${[...snapshot].map(([text, n]) => `${String(n).padStart(4)}  ${text.slice(0, 240)}`).join('\n')}\n\n`);
    return { sessionId: sessionIds[0] as string, status, elapsedMs, count: (pattern) => [...snapshot].filter(([text]) => pattern.test(text)).reduce((n, [, k]) => n + k, 0), byGroup: byGroup(snapshot) };
  };

  // Each statement's group, for the table the test prints (first match wins).
  const groups: ReadonlyArray<readonly [string, RegExp]> = [
    ['transaction begin/commit', /^(START TRANSACTION|BEGIN|COMMIT|ROLLBACK)/],
    ['pg-boss (send, fetch polls, complete)', /pgboss\.job/],
    ['limiter (rate, slot locks) and other advisory locks', /sync_rate_limits|pg_(try_)?advisory/],
    ['session and stage rows', /sync_sessions|sync_stages/],
    ['account results (progress)', /sync_account_results/],
    ['unattended-access ledger (account row locks, accesses)', /unattended_accesses|FROM bank_accounts .*FOR UPDATE$/],
    ['connection status (row lock, move + history)', /connections|connection_status_history/],
    ['webhooks and feed events', /webhook_|FROM users/],
    ['audit of bank calls (buffered, written on a timer)', /'bank\.call'/],
    ['consent and grant reads (and the decrypt audit)', /consents|connection_secrets|ConnectionSecret|audit_log/],
    ['accounts (list, state)', /bank_accounts/],
    ['transactions and balances (rows)', /transactions|daily_balances|transaction_changes/],
  ];
  const byGroup = (snapshot: ReadonlyMap<string, number>): Map<string, number> => {
    const out = new Map<string, number>();
    for (const [text, n] of snapshot) {
      const group = groups.find(([, re]) => re.test(text))?.[0] ?? `other: ${text.slice(0, 60)}`;
      out.set(group, (out.get(group) ?? 0) + n);
    }
    return out;
  };
  // Statements whose number depends on time, not on the session: pg-boss polls the queue and the
  // limiter's slot locks and rate reservations depend on how the requests fall in time.
  const timeDependent = new Set(['pg-boss (send, fetch polls, complete)', 'limiter (rate, slot locks) and other advisory locks', 'audit of bank calls (buffered, written on a timer)']);
  const bookkeeping = (g: ReadonlyMap<string, number>): number => [...g].filter(([k]) => !timeDependent.has(k)).reduce((n, [, k]) => n + k, 0);
  const print = (label: string, g: ReadonlyMap<string, number>): void => {
    process.stdout.write(`${label}: ${[...g.values()].reduce((a, b) => a + b, 0)} statements, ${bookkeeping(g)} without pg-boss polls, the limiter and the buffered audit\n${[...g].map(([k, n]) => `  ${String(n).padStart(4)}  ${k}`).join('\n')}\n`);
  };

  it('one transaction per stage boundary, the session row written twice (start, end)', async () => {
    const first = await runSession();
    expect(first.status).toBe('completed'); // the first sync
    const incremental = await runSession();
    expect(incremental.status).toBe('completed');
    print('first sync (3 accounts)', first.byGroup);
    print('one incremental session (3 accounts)', incremental.byGroup);
    expect([...first.byGroup.keys()].filter((k) => k.startsWith('other'))).toEqual([]);
    expect([...incremental.byGroup.keys()].filter((k) => k.startsWith('other'))).toEqual([]);
    const sessionWrites = incremental.count(/UPDATE sync_sessions SET status/);
    const transactions = incremental.count(/^(START TRANSACTION|BEGIN)/);
    const stageMoves = incremental.count(/^UPDATE sync_stages st SET status/);
    const stageCountWrites = incremental.count(/UPDATE sync_stages st SET counts/);
    process.stdout.write(`one incremental session (3 accounts): ${transactions} transactions, ${stageMoves} stage writes, ${sessionWrites} session row writes, ${stageCountWrites} stage count writes\n`);
    // Issue 19 (STMT §1): an account's pages and outcomes add their counts to the account's own
    // row of the session; the stage rows take the session's own counts only (the accounts stage's
    // listing, the intelligence stage's derivation: one write each, whatever the number of
    // accounts). Before, 8 (every page and account outcome of the 3 accounts, which run in
    // parallel, updated one stage row and waited for its lock). 1 since the intelligence stage's
    // derivation is counted on the accounts' rows too (written by the session's final move, one
    // statement): the accounts stage's listing is the only count the stage row takes. 0 since
    // the accounts stage's listing is added to its row by the stage move's own UPDATE (the
    // accounts → balances move, written by the accounts' states statement).
    expect(stageCountWrites).toBe(0);
    expect(incremental.count(/^WITH carried_1 AS \(INSERT INTO sync_account_results .*carried_2 AS \(UPDATE sync_stages st SET status = .* counts = CASE WHEN st\.stage = .*UPDATE bank_accounts/)).toBe(1);
    // …and the stage counts the API shows are theirs summed: each stage's items fetched equal
    // the accounts' results' (one balances request per account).
    for (const session of [first, incremental]) {
      const views = await app.get(SyncService).getSession(c.scope, session.sessionId);
      const fetchedByAccounts = (stage: string): number => views.session.accountResults.filter((r) => r.stage === stage).reduce((n, r) => n + r.itemsFetched, 0);
      expect(views.stages.balances.counts.requestsMade).toBe(3);
      expect(views.stages.balances.counts.itemsFetched).toBe(fetchedByAccounts('balances'));
      expect(views.stages.transactions.counts.itemsFetched).toBe(fetchedByAccounts('transactions'));
      expect(views.stages.transactions.counts.requestsMade).toBeGreaterThanOrEqual(3);
    }
    expect((await app.get(SyncService).getSession(c.scope, first.sessionId)).stages.transactions.counts.itemsFetched).toBe(120);
    // Issue 19 (STMT §2): the run's refresh-requested and logged-in moves (one transaction:
    // running.auth is never visible on its own) are one statement; every move keeps its history
    // row, in order. 3 moves per session (was 4): running.data and running.intelligence are
    // each committed on their own, as the user must see them.
    expect(incremental.count(/connections .*FOR NO KEY UPDATE/)).toBe(3);
    const history = await poller.query<{ previous_status: string; status: string }>(
      'SELECT previous_status, status FROM connection_status_history WHERE session_id = $1 ORDER BY id',
      [incremental.sessionId],
    );
    expect(history.rows.map((h) => `${h.previous_status}→${h.status}`)).toEqual(['success→running.auth', 'running.auth→running.data', 'running.data→running.intelligence', 'running.intelligence→success']);
    // Before: a write per move (11), a transaction per stage start and per stage end, one per
    // account around its balances bookkeeping (28 in all).
    expect(sessionWrites).toBe(2);
    // Issue 19, second pass: 14 transactions before (the auth stage's start and end, the
    // balances → transactions move, the settlement of each account and the transactions →
    // intelligence move each had their own). The transactions → intelligence move keeps its own
    // (committed before the derivation, so running.intelligence is visible while it runs).
    // 8 since the grant read's audit row is written on its own (60f82fe). 6 since a move that is
    // one statement (the auth stage's, transactions → intelligence) is sent alone, with no
    // BEGIN/COMMIT around it, when the tenant has no endpoint subscribed to its events (it refuses
    // itself otherwise: test/sync/moves-alone.test.ts, test/webhooks/session-endpoints.test.ts).
    expect(transactions).toBeLessThanOrEqual(6);
    expect(incremental.count(/FROM connections .*FOR NO KEY UPDATE.* WHERE NOT kinko_needs_transaction_if\(/)).toBe(2);
    // Issue 19 (PIPE): each of them runs through runTransaction (src/database/transaction.ts), whose
    // BEGIN is written with the transaction's first statement on the app's pipelined pool instead
    // of a START TRANSACTION awaited on its own. This test counts statements, and those are the
    // same (BEGIN replaces START TRANSACTION: still 16 begin/commit); what changed is round trips,
    // one fewer per transaction (8 per session; test/database/transaction.test.ts counts them).
    expect(incremental.count(/^START TRANSACTION/)).toBe(0);
    // Issue 19 (session bookkeeping batched): before, 152 statements of an incremental session
    // and 153 of the first sync besides the pg-boss polls, the limiter and the buffered audit;
    // then 111 and 112; now 68 and 68 (the grant read once, the windows' latest dates of every
    // account in one read and stored in one write, the row lock folded into a connection move,
    // the accounts' states in one statement, the settlement in the last page's transaction with
    // the last-date update folded into the account's state, counts written with the account's
    // row, a tenant's webhook endpoints read once per transaction); 72 and 72 with the
    // transactions → intelligence move committed on its own (the honest status while the
    // derivation runs: test/link/aggregation-statuses.test.ts); 71 and 71 with the run's
    // refresh-requested and logged-in moves in one statement; 66 and 66 with the accounts'
    // balances outcomes stored with the windows in one statement (-3) and the grant read's
    // audit row written without a transaction around it (-2, 60f82fe); 65 and 65 with the
    // first attempt's start (the deadline's origin) read with the session, not on its own;
    // 62 and 62 with each settlement's account state and its row of the session in one
    // statement (-3); 59 and 59 with the tenant's webhook endpoints read by the connection
    // moves' and the session end's own statements (-3: test/webhooks/session-endpoints.test.ts
    // shows an endpoint changed mid-session still takes effect from the next event).
    // 56 and 56 with each stage move that has a connection move written by the connection
    // move's statement (auth, transactions → intelligence, the end: -3); 54 and 54 with the
    // accounts' rows of the session written by the accounts' states statement (accounts stage)
    // and by the final move (intelligence stage), -2; 53 and 53 with the balances →
    // transactions stage move written with the windows and the accounts' balances outcomes;
    // 52 and 52 with the accounts → balances move (and the stage's counts) written by the
    // accounts' states statement; 49 and 49 with each account's derivation rows (each day's last
    // balance and the last one before the range) read by one statement (-3); 48 and 48 with the
    // connection's current consent read by the run's first read (test/sync/run-load.test.ts);
    // 47 and 47 with the connection's stored accounts read by it too; 43 and 43 with the
    // accounts' derivation rows read by one statement and their derived days written by one (-4);
    // 40 and 40 with the balances the bank reported for every account written by the balances →
    // transactions move's statement (a write per account before, -3); 39 and 39 with the session's
    // end reported from what its last transaction wrote, not read once it commits (-1); 35 and 35
    // with the auth stage's move and the transactions → intelligence move sent alone (-4: two
    // BEGIN/COMMIT pairs). Besides these, the bank calls' audit INSERT (1, counted with the
    // time-dependent ones) is written by the session's final move (asserted below). 34 and 34
    // with the grant's sealed row read by the run's first read (-1: decrypted and audited as
    // before, SecretsService.revealRead).
    expect(bookkeeping(incremental.byGroup)).toBeLessThanOrEqual(34);
    expect(bookkeeping(first.byGroup)).toBeLessThanOrEqual(34);
    expect(incremental.count(/^SELECT master_key_id, wrapped_data_key, .* FROM connection_secrets/)).toBe(0);
    expect(incremental.count(/^SELECT s\.id, .* LEFT JOIN LATERAL \(SELECT master_key_id, wrapped_data_key, .* FROM connection_secrets .* kind = 'grant'\) g ON true/)).toBe(1);
    // …its decryption audited as before (one INSERT).
    expect(incremental.count(/^INSERT INTO audit_log \(tenant_id, actor, action, target, details\) VALUES \(\$1::uuid, \$2, \$3, \$4, \$5::jsonb\)$/)).toBe(1);
    expect(incremental.count(/^WITH span AS MATERIALIZED .*'bank'/)).toBe(0);
    expect(incremental.count(/^WITH carried_1 AS \(UPDATE sync_stages .*carried_2 AS \(INSERT INTO sync_account_results .*span AS MATERIALIZED .*INSERT INTO daily_balances .*'bank'/)).toBe(1);
    expect(incremental.count(/^SELECT id, bank_account_id, .* FROM bank_accounts WHERE tenant_id/)).toBe(0);
    // The consent's own SELECT: the API's start of the session only (the worker's run read it with the session).
    expect(incremental.count(/^SELECT id, status, invalidation_reason, .* FROM consents /)).toBe(1);
    // The derivation: every account's rows read by one statement and their days written by one (one each per account before).
    expect(incremental.count(/^SELECT v\.account_id::text AS account_id, r\.\* FROM \(VALUES .* CROSS JOIN LATERAL \( \(SELECT DISTINCT ON \(t\.listed_date\) .* UNION ALL \(SELECT .* LIMIT 1\)\) AS r$/)).toBe(1);
    expect(incremental.count(/^WITH span AS MATERIALIZED .*'derived'/)).toBe(1);
    expect(incremental.count(/firstAttemptAt/)).toBe(0);
    expect(incremental.count(/^SELECT id, event_types FROM webhook_endpoints/)).toBe(0);
    // The settlement: the account's state carries its row of the session (one statement per account).
    expect(incremental.count(/^WITH carried_1 AS \(INSERT INTO sync_account_results AS r \(session_id, account_id, tenant_id, user_id, outcome, recorded_at, counts, change_counts\) .* UPDATE bank_accounts a SET/)).toBe(3);
    // …its proposed change counts are the transaction's logged changes alone (no merge with an
    // empty object), merged with the stored ones key by key only when both have some
    // (test/sync/change-counts-work.test.ts).
    expect(incremental.count(/^WITH carried_1 AS \(INSERT INTO sync_account_results AS r .*jsonb_each_text\('\{\}'::jsonb\)/)).toBe(0);
    expect(incremental.count(/^WITH carried_1 AS \(INSERT INTO sync_account_results AS r .*change_counts = CASE WHEN EXCLUDED\.change_counts = '\{\}'::jsonb THEN r\.change_counts/)).toBe(3);
    // The final move: the accounts' rows, the stages, the session row and the connection's move in one statement.
    expect(incremental.count(/^WITH carried_1 AS \(INSERT INTO sync_account_results .*carried_2 AS \(UPDATE sync_stages .*carried_3 AS \(UPDATE sync_sessions .*FROM connections .*FOR NO KEY UPDATE/)).toBe(1);
    // …and the bank calls' audit rows buffered so far: the session's end writes no INSERT of its
    // own for them (1 before; the buffer's timer may write one per second of a slow session), and
    // every bank call of the session is audited once its end is committed (read right after the
    // session's row says finished, no flush).
    const bankCallInserts = incremental.count(/^INSERT INTO audit_log .*'bank\.call'/);
    expect(bankCallInserts).toBeLessThanOrEqual(Math.floor(incremental.elapsedMs / 1_000));
    if (bankCallInserts === 0) expect(incremental.count(/^WITH carried_1 AS \(INSERT INTO sync_account_results .*carried_4 AS \(INSERT INTO audit_log .*'bank\.call'.*FROM connections .*FOR NO KEY UPDATE/)).toBe(1);
    const views = await app.get(SyncService).getSession(c.scope, incremental.sessionId);
    const requests = Object.values(views.stages).reduce((n, st) => n + st.counts.requestsMade, 0);
    const audited = await poller.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'bank.call' AND details->>'sessionId' = $1`, [incremental.sessionId]);
    expect(requests).toBeGreaterThanOrEqual(7);
    expect(audited.rows[0]?.n).toBe(requests);
  });
  // The buffered bank-call rows a transaction carries go back to the buffer when it fails: none is lost.
  it('a failed carrier gives the audit rows back to the buffer', async () => {
    const audit = app.get(BankCallAudit);
    const sessionId = '00000000-0000-4000-8000-00000000a0d1';
    audit.run({ tenantId: c.scope.tenantId, connectionId: c.connectionId, sessionId, actor: 'system:sync' }, () => {
      audit.record({ connectorId: 'test', method: 'GET', host: 'bank.test', path: '/carried', attempt: 1, outcome: 'response', status: 200, durationMs: 3 });
      return Promise.resolve();
    });
    const rowsOf = async (): Promise<number> => (await poller.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'bank.call' AND details->>'sessionId' = $1`, [sessionId])).rows[0]?.n ?? -1;
    let carried: unknown;
    await expect(
      audit.carrying((insert) => {
        carried = insert;
        return Promise.reject(new Error('the carrier rolled back'));
      }),
    ).rejects.toThrow('the carrier rolled back');
    expect(carried).toEqual(expect.objectContaining({ text: expect.stringMatching(/^INSERT INTO audit_log .*'bank\.call'/) }));
    expect(await rowsOf()).toBe(0);
    await audit.flushSession(sessionId);
    expect(await rowsOf()).toBe(1);
  });
  // Issue 19 (STMT §3): an unattended session (the scheduler's daily refresh) takes the access
  // ledger of its accounts together, before the balances stage: one transaction for the 3
  // accounts (their row locks in one statement, their budgets read in one, the accesses taken in
  // one, their progress stored in one). Before: a transaction of 5 statements per account.
  it('an unattended session takes its accounts\' accesses in one transaction', async () => {
    const user = await runSession('user');
    const unattended = await runSession('scheduler');
    expect(unattended.status).toBe('completed');
    print('one unattended session (3 accounts)', unattended.byGroup);
    expect([...unattended.byGroup.keys()].filter((k) => k.startsWith('other'))).toEqual([]);
    // The accounts' row locks: taken by the accounts' states statement of the same transaction
    // (it updates their rows), no lock statement of the ledger's own (1 before).
    expect(unattended.count(/FROM bank_accounts .*FOR UPDATE$/)).toBe(0);
    expect(unattended.count(/unattended_accesses/)).toBe(2);
    const ledger = (await poller.query<{ n: number }>('SELECT count(*)::int AS n FROM unattended_accesses u JOIN bank_accounts a ON a.id = u.account_id WHERE a.connection_id = $1', [c.connectionId])).rows[0]?.n;
    expect(ledger).toBe(3);
    // The ledger's 2 statements are all the unattended session adds (the accounts' progress is
    // written by the accesses' INSERT: 4 before; their row locks taken by the accounts' states
    // statement: 3 before), in the accounts stage's transaction (a transaction of its own
    // before: nothing the user sees lies between them).
    expect(unattended.count(/^(START TRANSACTION|BEGIN)/) - user.count(/^(START TRANSACTION|BEGIN)/)).toBe(0);
    expect(bookkeeping(unattended.byGroup) - bookkeeping(user.byGroup)).toBeLessThanOrEqual(2);
    expect(unattended.count(/^WITH carried_1 AS \(INSERT INTO sync_account_results .*\) INSERT INTO unattended_accesses/)).toBe(1);
  });
  // Issue 19 (SQL): a session the engine finishes is reported (its log line and metrics) from
  // what its last transaction wrote — the session's status, its stages, the connection's status —
  // with no read once it commits (one statement per session fewer); the report is the one the
  // read of the committed rows gives.
  it('reports a finished session\'s end without reading it, as the committed rows say', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const capture = (message: unknown): void => {
      if (typeof message === 'object' && message !== null && (message as { msg?: unknown }).msg === 'sync session ended') lines.push(message as Record<string, unknown>);
    };
    const metrics = jest.spyOn(app.get(MetricsService), 'sessionEnded');
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(capture);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(capture);
    try {
      const session = await runSession('scheduler');
      expect(session.status).toBe('completed');
      expect(session.count(/^SELECT s\.status, s\.error, c\.connector_id/)).toBe(0);
      expect(lines).toHaveLength(1);
      expect(metrics).toHaveBeenCalledTimes(1);
      // The read of the committed rows (as the report of a session ended elsewhere) says the same.
      await app.get(SessionEnds).report(session.sessionId, c.scope.tenantId);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toEqual(lines[1]);
      expect(lines[0]).toEqual(expect.objectContaining({ sessionId: session.sessionId, status: 'completed', aggregationStatus: 'success', errorTag: null }));
      expect(metrics.mock.calls[0]).toEqual(metrics.mock.calls[1]);
      expect(metrics.mock.calls[0]?.[2].map((s) => s.stage)).toEqual(['auth', 'accounts', 'balances', 'transactions', 'intelligence']);
    } finally {
      metrics.mockRestore();
      log.mockRestore();
      warn.mockRestore();
    }
  });
});
