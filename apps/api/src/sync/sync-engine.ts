import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { type ConnectorError, type DailyBalance as BankDailyBalance, type Outcome, type Page, horizonDaysOf, isLastPage } from '@kinko/connector-sdk';
import {
  type AggregationStatus,
  type AccountSessionOutcome,
  type AccountStageResult,
  type AccountId,
  type ChallengeKind,
  type CalendarDate,
  type DateWindow,
  type EndpointOutcome,
  type StatusEvent as StatusEventType,
  type SyncFailure,
  type SyncSession as DomainSession,
  type SyncStage as StageName,
  type StageCounts,
  type TransactionKind,
  type TransactionKindOutcome,
  addDays,
  type Decision,
  dateInZone,
  dateWindow,
  defaultHistoryLimits,
  endpointFailed,
  endpointOk,
  evaluateConsent,
  failStage,
  finishSession,
  recordAccountResult,
  recordStageProgress,
  completeStage,
  startStage,
  stageOf,
  StatusEvent,
  challengeKindOf,
  invalidStatusForChallengeKind,
} from '@kinko/domain';
import { Result } from 'effect';
import { DataSource, type EntityManager } from 'typeorm';
import { NotFoundError } from '../common/errors';
import { MetricsService } from '../metrics/metrics.service';
import { latestStoredDates, upsertAccounts } from './account-store';
import { BankCallAudit } from './bank-call-audit';
import { BankLimiter, BankSlotTimeoutError } from './bank-limiter';
import { MoveNeedsTransactionError, isRunning, moveConnection, moveConnectionThrough } from './connection-status';
import { CHALLENGED_SYNC_HANDLER, type ChallengedSyncHandler } from './challenged-sync';
import { ConnectorClients } from './connector-clients';
import { GrantVault, type UsableGrant, grantNeedsRefresh } from './grant-vault';
import { type SessionRow, type StoredAccountResult, addStageCounts, loadSessionForRun, saveSessionMove, sessionMoveCarried, sessionMoveStatements } from './session-store';
import { type Statement, writeTogether } from './carried-sql';
import { preparedQuery } from '../database/prepared-sql';
import { SYNC_CLOCK, type SyncClock } from './sync-clock';
import {
  AccountRetryableSyncError,
  FatalSyncError,
  RetryableSyncError,
  RunLockLostError,
  SessionDeadlineError,
  connectorErrorJson,
  dispositionOf,
  exhaustedStatusOf,
  internalFailure,
  toSyncFailure,
} from './sync-failures';
import { SYNC_SETTINGS, type SyncSettings } from './sync-options';
import type { SyncJobData } from './sync-queue';
import { FetchOrder } from './bank-order';
import { type CompletedKindFetch, DATE_COLUMNS, type LoggedChanges, bankBalanceDays, bankBalancesStatement, completeReconciliation, deriveAccountsDailyBalances, stampsRead, writeTransactionPage } from './transaction-writer';
import { currentBalanceAsDaily, deriveFromCurrentBalance } from './current-balances';
import { sessionPsu, userPresentIn } from './session-psu';

import { takeUnattendedAccess, takeUnattendedAccesses } from './access-ledger';
import { type AccountCounts, accountOutcomeStatement, accountOutcomesStatements, addAccountCounts, readAccountOutcomes, saveAccountOutcome } from './account-results';
import { type AccountRun, type RunLimits, SessionRun, orThrow } from './session-run';

export type { RunLimits } from './session-run';
import { applyAccountOutcome, applyAccountsListed, applyConsentExpiry, applySessionEnd } from './outcome-store';
import { runTransaction } from '../database/transaction';

/** What a step adds to a stage's stored counts. */
type StageDelta = Partial<StageCounts>;

/** How a run ended (for the worker's logs and tests). */
export type RunOutcome = 'finished' | 'already-finished' | 'missing' | 'busy';

/**
 * Runs one sync session: auth → accounts → balances → transactions → intelligence →
 * finished, every move through the domain (session stages, aggregation status, consent,
 * account sync state, date windows, reconciliation, daily balances). Resumable: stage and
 * per-account progress are stored as they happen (each page of transactions commits with
 * the session's progress), so a retried job skips what is done and redoes the rest
 * (writes are idempotent upserts).
 *
 * Throws {@link RetryableSyncError} for a failure worth retrying (pg-boss retries the job);
 * anything else ends the session here, with the right statuses.
 */
@Injectable()
export class SyncEngine {
  private readonly logger = new Logger('SyncEngine');

  constructor(
    private readonly dataSource: DataSource,
    private readonly connectors: ConnectorClients,
    private readonly grants: GrantVault,
    private readonly limiter: BankLimiter,
    private readonly audit: BankCallAudit,
    @Inject(SYNC_CLOCK) private readonly clock: SyncClock,
    @Inject(SYNC_SETTINGS) private readonly settings: SyncSettings,
    @Optional() @Inject(CHALLENGED_SYNC_HANDLER) private readonly challengedSyncs?: ChallengedSyncHandler,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /** Runs (or resumes) the session of a job. The caller holds the connection's run lock. */
  async run(job: SyncJobData, limits: RunLimits = {}): Promise<RunOutcome> {
    const scope = { tenantId: job.tenantId, userId: job.userId };
    const manager = this.dataSource.manager;
    // The session row, its connector and its stages and account results: one read.
    const loaded = await loadSessionForRun(manager, scope, job.sessionId);
    if (!loaded) return 'missing';
    const { row, session } = loaded;
    if (row.finishedAt) return 'already-finished';
    const first = limits.firstAttempt;
    let runLimits = limits;
    if (first) {
      // The deadline counts from the session's first attempt, as an earlier attempt noted it (sync-worker.ts).
      const noted = Number(row.error?.['firstAttemptAt']);
      if (Number.isFinite(noted) && noted <= first.at) first.at = noted;
      if (limits.deadlineMs !== undefined) runLimits = { ...limits, deadlineAt: first.at + limits.deadlineMs };
    }
    const connectorId = loaded.connectorId ?? undefined;
    if (!connectorId || !this.connectors.has(connectorId)) {
      await this.endBeforeBank(row, session, internalFailure(connectorId ? `connector "${connectorId}" is not configured in this deployment` : 'the connection no longer exists'), 'error.unsupported');
      return 'finished';
    }
    const connector = this.connectors.connector(connectorId);
    const client = this.connectors.client(connectorId);
    const now = this.clock.now();
    // The connection's current consent was read with the session (no statement of its own).
    const run = new SessionRun(row, session, connector, client, loaded.consent, now, dateInZone(now, connector.manifest.timeZone), runLimits);
    run.storedAccounts = loaded.accounts;
    run.statusWebhooks = loaded.statusWebhooks;
    run.sealedGrant = { row: loaded.sealedGrant };
    run.connectorId = connectorId;
    return this.audit.run({ tenantId: row.tenantId, connectionId: row.connectionId, sessionId: row.id, actor: 'system:sync' }, () => this.runStages(run));
  }

  private async runStages(run: SessionRun): Promise<RunOutcome> {
    // 1. The consent, before any bank call: an expired one is marked so (reason Expired) and nothing is fetched.
    if (run.consent) {
      const evaluated = evaluateConsent(run.consent.consent, run.now);
      if (evaluated.status !== 'valid') {
        // An expiry noticed here is stored by the one store (the decision for ConsentExpired).
        const consentId = run.consent.id;
        if (evaluated.status !== run.consent.consent.status) await runTransaction(this.dataSource, (m) => applyConsentExpiry(m, run.scope, consentId, run.now));
        await this.endBeforeBank(run.row, run.session, internalFailure(evaluated.status === 'expired' ? 'the consent has expired' : `the consent is ${evaluated.status}`), 'auth.creds.invalid');
        return 'finished';
      }
    }
    // The grant, read once (decrypted, audited): the auth stage opens this record.
    try {
      // Its sealed row was read with the session (the run's first read): decrypted and audited here.
      const sealed = run.sealedGrant;
      run.sealedGrant = undefined;
      run.storedGrant = await this.grants.read(run.scope, run.row.connectionId, 'sync', sealed);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
      await this.endBeforeBank(run.row, run.session, internalFailure('the connection has no grant (never connected, or disconnected)'), 'auth.creds.invalid');
      return 'finished';
    }
    try {
      await this.stageAuth(run);
      await this.stageAccounts(run);
      await this.stageBalances(run);
      await this.stageTransactions(run);
      await this.stageIntelligence(run);
      await this.finish(run);
      return 'finished';
    } catch (e) {
      const fatal = await this.asFatal(run, e);
      if (fatal) {
        await this.endFatal(run, fatal);
        return 'finished';
      }
      if (e instanceof BankSlotTimeoutError) throw new RetryableSyncError(e.message);
      throw e;
    } finally {
      // This session's audit rows, unless its last transaction wrote them.
      await this.audit.flushSession(run.row.id);
    }
  }

  /**
   * The errors that end the session here: fatal ones; the deadline passing (`error.temporary`);
   * the grant deleted while the run was under way (disconnect, consent withdrawn:
   * `auth.creds.invalid`). Undefined for the others (retried, or Kinko's own failure).
   */
  private async asFatal(run: SessionRun, e: unknown): Promise<FatalSyncError | undefined> {
    if (e instanceof FatalSyncError) return e;
    if (e instanceof SessionDeadlineError) return new FatalSyncError(internalFailure(e.message), 'error.temporary');
    if (e instanceof NotFoundError && !(await this.grants.has(run.scope, run.row.connectionId))) {
      return new FatalSyncError(internalFailure('the connection has no grant (disconnected)'), 'auth.creds.invalid');
    }
    return undefined;
  }

  // ---------------------------------------------------------------------------------------
  // Stages

  private async stageAuth(run: SessionRun): Promise<void> {
    // A grant that needs no refresh makes no bank call here: the auth stage starts and completes
    // (the connection through running.auth to running.data) in one transaction.
    const oneMove = stageOf(run.session, 'auth').status === 'pending' && run.storedGrant !== undefined && !grantNeedsRefresh(run.storedGrant, { now: run.now, marginMs: this.settings.grantRefreshMarginMs });
    const enter = (): Promise<void> =>
      this.enterStage(run, 'auth', async (m) => {
        await moveConnection(m, run.ids, StatusEvent.refreshRequested(), run.now);
      });
    if (!oneMove) await enter();
    let usable;
    try {
      usable = await this.grants.usable(run.scope, run.row.connectionId, run.connector, run.client, {
        now: run.now,
        marginMs: this.settings.grantRefreshMarginMs,
        aroundBankCall: (call) => this.limited(run, call),
        ...(run.storedGrant ? { current: run.storedGrant } : {}),
      });
    } catch (e) {
      // Disconnected while this session ran: the run ends as an auth failure.
      if (e instanceof NotFoundError) throw new FatalSyncError(internalFailure('the connection has no grant (disconnected)'), 'auth.creds.invalid');
      throw e;
    }
    if (!usable.ok) {
      if (oneMove) await enter(); // the auth stage fails as it runs
      this.raise(usable.error, false);
    }
    run.grant = usable.value;
    if (usable.value.refreshed) await this.progress(run, 'auth', { requestsMade: 1 });
    if (oneMove) {
      await this.move(
        run,
        (s) => Result.flatMap(startStage(s, 'auth', this.clock.now()), (started) => this.completeThenStart(started, 'auth', 'accounts')),
        undefined,
        // Both moves in one statement (running.auth is never visible on its own: same transaction), with the stages'.
        (m, carried, alone) => moveConnectionThrough(m, run.ids, [StatusEvent.refreshRequested(), StatusEvent.loggedIn()], run.now, carried, alone),
      );
    } else if (stageOf(run.session, 'auth').status === 'running') {
      await this.move(run, (s) => this.completeThenStart(s, 'auth', 'accounts'), undefined, (m, carried, alone) => moveConnection(m, run.ids, StatusEvent.loggedIn(), run.now, carried, alone));
    }
  }

  private async stageAccounts(run: SessionRun): Promise<void> {
    // The connection's stored accounts, read with the session (the run's first read).
    const known = run.storedAccounts;
    if (stageOf(run.session, 'accounts').status === 'completed') {
      // Resumed: the accounts this session found are those it gave a result row.
      const rows = await readAccountOutcomes(this.dataSource.manager, run.row);
      const byId = new Map(known.map((a) => [a.id, a]));
      run.accounts = rows.flatMap((r) => {
        const account = byId.get(r.accountId);
        return account && r.outcome.progress ? [{ account, progress: r.outcome.progress, results: [...(r.outcome.results ?? [])] }] : [];
      });
      return;
    }
    await this.enterStage(run, 'accounts');
    const pages = await this.fetchAll(run, (grant) => run.client.accounts(grant, { psu: sessionPsu(run.row.requestedBy, run.row.parameters) }), false);
    const fetched = pages.items;
    let refused = 0;
    await runTransaction(this.dataSource, async (m) => {
      const stored = await upsertAccounts(
        m,
        run.scope,
        { id: run.row.connectionId, consentId: run.consent?.id ?? null, providerType: run.manifest.authFlow === 'credentials' ? 'scraping' : 'api' },
        fetched,
        run.now,
      );
      // The one store: accounts the bank stopped returning take `missing` (failed, syncError
      // missingAccount), the active ones returned start this session's sync — with their rows
      // of the session, and the stage move (accounts → balances) with the stage's counts, in
      // the states' statement.
      const counts = { requestsMade: pages.requests, itemsFetched: fetched.length, itemsWritten: stored.length };
      await applyAccountsListed(m, run.scope, run.row.id, known, stored, run.now, (started) => {
        run.accounts = [];
        for (const account of started) {
          const entry: AccountRun = { account, progress: { bankAccountId: account.bankAccountId }, results: [] };
          run.accounts.push(entry);
          this.recordResult(run, entry, { stage: 'accounts', status: 'completed', itemsFetched: 1, itemsWritten: 1, failure: null });
        }
        run.session = orThrow(recordStageProgress(run.session, 'accounts', counts));
        const before = run.session;
        run.session = orThrow(this.completeThenStart(run.session, 'accounts', 'balances'));
        return [...this.accountsStatements(run, run.accounts), ...sessionMoveStatements(run.row, before, run.session, { stage: 'accounts', delta: counts })];
      });
      // An unattended session's accesses (the balances stage's first work) are taken in this
      // transaction: nothing the user sees lies between them (running.data throughout), and a
      // crash stores both or neither — one transaction fewer per session.
      // The accounts' rows are locked already (the states statement updated them).
      refused = await this.takeAccessesIn(m, run, run.accounts, true);
    });
    for (let i = 0; i < refused; i += 1) this.metrics?.accessBudgetRefused('engine');
  }

  private async stageBalances(run: SessionRun): Promise<void> {
    // A bank with current balances only (contract v2) reports today's as its one balance.
    const currentOnly = !run.manifest.capabilities.balances && run.manifest.capabilities.currentBalances === true;
    const wanted = (run.manifest.capabilities.balances || currentOnly) && (run.consent?.consent.scope.data.includes('balances') ?? true);
    const status = stageOf(run.session, 'balances').status;
    if (status === 'completed' || status === 'failed' || status === 'skipped') return;
    if (status === 'pending') await this.enterStage(run, 'balances');
    await this.recordAccesses(run, run.accounts);
    // Each account's outcome and counts are stored once every account is done, together, with
    // the windows of the transactions stage and the balances the bank reported (one statement): a
    // crash before it stores nothing of the stage's accounts, and the retry fetches their
    // balances again and counts them once.
    const done = new Map<AccountRun, AccountCounts | undefined>();
    const reported: Array<{ accountId: string; balances: readonly BankDailyBalance[] }> = [];
    const work = this.forEachAccount(run, async (entry) => {
      if (!(await this.recordAccess(run, entry))) return;
      if (entry.progress.balances) return;
      if (!wanted) {
        entry.progress.balances = { state: 'skipped' };
        done.set(entry, undefined);
        return;
      }
      const window = { from: addDays(run.today, -defaultHistoryLimits.overlapDays), to: run.today };
      let fetchedCount = 0;
      let written = 0;
      let requests = 0;
      const psu = sessionPsu(run.row.requestedBy, run.row.parameters);
      const fetchBalances = () =>
        this.stream(run, (grant) => (currentOnly ? currentBalanceAsDaily(run.client, grant, entry.account.bankAccountId, psu) : run.client.balances(grant, { bankAccountId: entry.account.bankAccountId, window, psu })), async (page) => {
          requests += 1;
          fetchedCount += page.items.length;
          // Written with the stage's end (every account's pages in one statement), counted now.
          reported.push({ accountId: entry.account.id, balances: page.items });
          written += bankBalanceDays(page.items).length;
        }, entry);
      let outcome = await fetchBalances();
      // The grant was refused and then refreshed: once more (the upserts make it safe).
      if (!outcome.ok && outcome.retryAfterRefresh) outcome = await fetchBalances();
      entry.progress.balances = outcome.ok ? { state: 'ok' } : { state: 'failed', failure: outcome.failure };
      if (!outcome.ok && outcome.missing) entry.progress.missing = true;
      this.recordResult(run, entry, { stage: 'balances', status: outcome.ok ? 'completed' : 'failed', itemsFetched: fetchedCount, itemsWritten: written, failure: outcome.ok ? null : outcome.failure });
      run.session = orThrow(recordStageProgress(run.session, 'balances', { requestsMade: requests, itemsFetched: fetchedCount, itemsWritten: written, errors: outcome.ok ? 0 : 1 }));
      // The account's counts (the pages' items as written to the bank balances), stored with its outcome.
      done.set(entry, { stage: 'balances', delta: { requestsMade: requests, itemsFetched: fetchedCount, itemsWritten: fetchedCount, errors: outcome.ok ? 0 : 1 } });
    });
    try {
      await work;
    } catch (e) {
      // The accounts done before the failure keep their outcome (the retry does not fetch them
      // again), with the balances fetched so far (one statement).
      await writeTogether(this.dataSource.manager, [...this.accountsStatements(run, [...done.keys()], undefined, done), ...balancesOf(run, reported)]);
      throw e;
    }
    // Every account's windows, stored as the transactions stage starts, with the accounts'
    // outcomes, their balances and the stage move (one statement, no transaction needed: a retry
    // finds them stored and fetches the same windows).
    const before = run.session;
    const after = orThrow(this.completeThenStart(before, 'balances', 'transactions'));
    await this.prepareWindows(run, run.accounts, this.kindsOf(run), undefined, done, sessionMoveStatements(run.row, before, after), balancesOf(run, reported));
    run.session = after;
  }

  private async stageTransactions(run: SessionRun): Promise<void> {
    const status = stageOf(run.session, 'transactions').status;
    if (status === 'completed' || status === 'failed' || status === 'skipped') return;
    if (status === 'pending') await this.enterStage(run, 'transactions');
    const kinds = this.kindsOf(run);
    // Every account's windows: normally stored already with the balances stage's end.
    await this.prepareWindows(run, run.accounts, kinds);
    await this.recordAccesses(run, run.accounts.filter((e) => !e.progress.settled));
    await this.forEachAccount(run, async (entry) => {
      if (entry.progress.budgetSpent || entry.progress.settled) return;
      if (!(await this.recordAccess(run, entry))) return;
      let fetchedTotal = 0;
      let writtenTotal = 0;
      // Kinds the bank returns together (contract v2: the manifest's kindsPerCall): one call for them.
      const together = (run.manifest.capabilities.kindsPerCall ?? []).filter((k) => kinds.includes(k) && entry.progress.kinds?.[k] === undefined);
      if (together.length > 1 && !entry.progress.missing) {
        const r = await this.fetchKinds(run, entry, together);
        fetchedTotal += r.fetched;
        writtenTotal += r.written;
      }
      const last = kinds.filter((k) => entry.progress.kinds?.[k] === undefined).at(-1);
      // The settlement, in the transaction of the last kind's last page when the connector says
      // which page is the last (else in its own, right after).
      const settle = (m: EntityManager, kind: { fetched: number; written: number }, page: StageDelta, logged: LoggedChanges): Promise<unknown> =>
        this.settleIn(m, run, entry, kinds, fetchedTotal + kind.fetched, writtenTotal + kind.written, page, logged);
      for (const kind of kinds) {
        const done = entry.progress.kinds?.[kind];
        if (done || entry.progress.missing) continue; // an account the bank no longer has is not asked for more
        // The last kind's progress is stored by the settlement right after it.
        const r = await this.fetchKind(run, entry, kind, kind === last ? { settle } : { saveProgress: true });
        fetchedTotal += r.fetched;
        writtenTotal += r.written;
      }
      if (!entry.progress.settled) await this.settleAccount(run, entry, kinds, fetchedTotal, writtenTotal);
    });
    // Every account's data failed on this last attempt with a retryable error its retries did
    // not cure: the refresh failed, not one account — the session ends with the status the
    // domain decides for spent retries (error.temporary for a TemporaryError), as the dead
    // letter ends one; each account keeps its own failure.
    const spent = everyAccountSpent(run);
    if (spent) throw new FatalSyncError(toSyncFailure(spent), exhaustedStatusOf(spent), undefined, undefined, spent);
    // The stage completes (and the connection takes running.intelligence) when the intelligence
    // stage starts: no bank call lies between them.
  }

  private async stageIntelligence(run: SessionRun): Promise<void> {
    const status = stageOf(run.session, 'intelligence').status;
    if (status === 'completed' || status === 'failed' || status === 'skipped') return;
    // The transactions stage's end and the connection's move to running.intelligence are
    // committed first, on their own: the status the user sees while the derivation runs is the
    // honest one (folded into the final transaction, running.intelligence was never visible —
    // test/link/aggregation-statuses.test.ts holds the derivation with a lock and looks).
    if (stageOf(run.session, 'transactions').status === 'running') {
      await this.move(run, (s) => this.completeThenStart(s, 'transactions', 'intelligence'), undefined, (m, carried, alone) => moveConnection(m, run.ids, StatusEvent.dataFetched(), run.now, carried, alone));
    } else if (status === 'pending') await this.enterStage(run, 'intelligence');
    // Every account's derived balances, the stage's counts, the accounts' rows and the
    // session's end: one transaction (no bank call here; a retry redoes all of it).
    const before = run.session;
    const pending = run.accounts.filter((entry) => !entry.progress.intelligence && !entry.progress.budgetSpent);
    try {
      // The bank calls' audit rows buffered so far (this session's are all there: its requests are
      // done) are written by the final move's statement too (bank-call-audit.ts: no INSERT of their own).
      await this.audit.carrying((audit) => runTransaction(this.dataSource, async (m) => {
        const own = new Map<AccountRun, AccountCounts>();
        const fromOf = (entry: AccountRun): CalendarDate | undefined => Object.values(entry.progress.windows ?? {}).map((w) => w.from).sort()[0];
        // Every account's derived days: one read and one write for all of them.
        const derived = await deriveAccountsDailyBalances(
          m,
          run.scope,
          pending.flatMap((entry) => {
            const from = fromOf(entry);
            return from ? [{ accountId: entry.account.id, from, currency: entry.account.currencyCode }] : [];
          }),
          run.today,
        );
        for (const entry of pending) {
          const from = fromOf(entry);
          const key = { ...run.scope, accountId: entry.account.id };
          let written = derived.get(entry.account.id) ?? 0;
          // No daily history at the bank: backwards from its current booked balance (contract v2).
          if (from && !run.manifest.capabilities.balances && run.manifest.capabilities.currentBalances === true) {
            written += await deriveFromCurrentBalance(m, key, { from, to: run.today }, run.manifest.dateFieldByKind.booked ?? 'transactionDate');
          }
          entry.progress.intelligence = true;
          this.recordResult(run, entry, { stage: 'intelligence', status: 'completed', itemsFetched: 0, itemsWritten: written, failure: null });
          run.session = orThrow(recordStageProgress(run.session, 'intelligence', { itemsWritten: written }));
          own.set(entry, { stage: 'intelligence', delta: { itemsWritten: written } });
        }
        // The accounts' rows, each with what it added to the stage's counts, are written by the
        // session's final move (one statement with the stages, the session row and the
        // connection's move): the connection's row lock is taken last, right before the commit —
        // a withdrawal or disconnect waits for it as briefly as for one move.
        await this.finishIn(m, run, 'intelligence', before, this.accountsStatements(run, pending, undefined, own), audit);
      }));
    } catch (e) {
      // Not stored: the session in memory is as the database has it.
      run.session = before;
      throw e;
    }
  }

  /** The session finishes (after completing `completing`, in the same move): processing done. */
  private async finish(run: SessionRun, completing?: StageName): Promise<void> {
    if (stageOf(run.session, 'finished').status !== 'pending') return;
    await this.audit.carrying((audit) => runTransaction(this.dataSource, (m) => this.finishIn(m, run, completing, run.session, [], audit)));
  }

  /**
   * {@link finish} in the caller's transaction (the session in memory moves once it is stored).
   * `audit`: the buffered bank calls' audit rows, written by the same statement (last of the carried).
   */
  private async finishIn(m: EntityManager, run: SessionRun, completing?: StageName, stored: DomainSession = run.session, carried: readonly Statement[] = [], audit?: Statement): Promise<void> {
    const auditRows = audit ? [audit] : [];
    if (stageOf(run.session, 'finished').status !== 'pending') {
      for (const c of [...carried, ...auditRows]) await preparedQuery(m, c.text, c.values);
      return;
    }
    const now = this.clock.now();
    const after = orThrow(Result.flatMap(completing ? completeStage(run.session, completing, now) : Result.succeed(run.session), (done) => finishSession(done, now)));
    // `stored`: the session as the database has it (the caller's moves in this transaction not written yet).
    // The session's move is written by the connection's (one statement), then its end's events.
    const aggregationStatus = await moveConnection(m, run.ids, StatusEvent.processingDone(), now, [...carried, ...sessionMoveStatements(run.row, stored, after), ...auditRows]);
    // The session's end report is made of what this transaction wrote (no read of it once it commits).
    await sessionMoveCarried(m, run.row, stored, after, { connectorId: run.connectorId, aggregationStatus });
    run.session = after;
  }

  /**
   * Completes `stage` and starts `next` if it is still pending: one move, one transaction at a
   * stage boundary (the next stage's own entry then finds it running and stores nothing).
   */
  private completeThenStart(s: DomainSession, stage: StageName, next: StageName): Result.Result<DomainSession, unknown> {
    const now = this.clock.now();
    return Result.flatMap(completeStage(s, stage, now), (done) => (stageOf(done, next).status === 'pending' ? startStage(done, next, now) : Result.succeed(done)));
  }

  // ---------------------------------------------------------------------------------------
  // Transactions of one account

  /**
   * Fetches and writes one kind. `then`: what follows the kind once it is done — its progress
   * stored (`saveProgress`) or the account's settlement (`settle`) — run in the transaction of
   * its last page when the connector marks that page as the last (else after the stream ends;
   * the settlement is then left to the caller).
   */
  private async fetchKind(
    run: SessionRun,
    entry: AccountRun,
    kind: TransactionKind,
    then: { saveProgress: true } | { settle: (m: EntityManager, kind: { fetched: number; written: number }, page: StageDelta, logged: LoggedChanges) => Promise<unknown> },
  ): Promise<{ fetched: number; written: number }> {
    const window = await this.windowFor(run, entry, kind);
    const key = { ...run.scope, accountId: entry.account.id };
    for (let attempt = 0; ; attempt += 1) {
      const stamp = new Date(Math.max(Date.now(), run.now.getTime()));
      let fetched = 0;
      let written = 0;
      let doneInPage = false;
      const order = new FetchOrder();
      const outcome = await this.stream(
        run,
        (grant) => run.client.transactions(grant, { bankAccountId: entry.account.bankAccountId, kind, window, psu: sessionPsu(run.row.requestedBy, run.row.parameters) }),
        async (page) => {
          // One page and the session's progress: one transaction (with the kind's end after its last page).
          await runTransaction(this.dataSource, async (m) => {
            const logged: LoggedChanges = new Map();
            const w = await writeTransactionPage(m, key, window, page.items, { stamp, order, stampsRead: stampsRead(kind, run.manifest.deleteIfNotFetched), logged });
            const delta = { requestsMade: 1, itemsFetched: page.items.length, itemsWritten: w.inserted + w.updated };
            run.session = orThrow(recordStageProgress(run.session, 'transactions', delta));
            written += delta.itemsWritten;
            fetched += page.items.length;
            if (!isLastPage(page)) {
              // The page's counts (and its logged changes, as the page write counted them: the
              // transaction's only write that logs) on the account's own row: the other
              // accounts' page transactions do not wait for it.
              await addAccountCounts(m, run.row, entry.account.id, 'transactions', delta, logged);
              return;
            }
            // The kind is done: its progress (or the account's settlement) stored with the page,
            // the stage's counts and the transaction's logged changes tallied (once, after every
            // write of the transaction) in the account row's statement.
            (entry.progress.kinds ??= {})[kind] = { state: 'done', stamp: stamp.toISOString(), fetched, written };
            if ('settle' in then) await then.settle(m, { fetched, written }, delta, logged);
            else await this.saveAccount(m, run, entry, { stage: 'transactions', delta, tally: logged });
            doneInPage = true;
          });
        },
        entry,
      );
      entry.progress.kinds ??= {};
      if (outcome.ok && doneInPage) return { fetched, written };
      if (outcome.ok) {
        entry.progress.kinds[kind] = { state: 'done', stamp: stamp.toISOString(), fetched, written };
      } else if (outcome.retryAfterRefresh && attempt === 0) {
        continue; // the grant was refreshed: fetch the window again (the upserts make it safe)
      } else {
        entry.progress.kinds[kind] = { state: 'failed', failure: outcome.failure };
        if (outcome.missing) entry.progress.missing = true;
        await addAccountCounts(this.dataSource.manager, run.row, entry.account.id, 'transactions', { errors: 1 });
        run.session = orThrow(recordStageProgress(run.session, 'transactions', { errors: 1 }));
      }
      if ('saveProgress' in then) await this.saveAccount(this.dataSource.manager, run, entry);
      return { fetched, written };
    }
  }

  /**
   * Several kinds in one bank call (the manifest's kindsPerCall, e.g. Berlin Group
   * bookingStatus=both), only when the kinds' windows from the domain coincide (a first sync):
   * the call has one window, and widening one kind's window to another's would re-read, e.g.,
   * the whole booked history on every sync because pending is filtered on a date the bank does
   * not report (its window is always the whole horizon, mode full). Otherwise nothing is fetched
   * here and the caller reads each kind in its own call (its own window; a short pending list and
   * an incremental booked one cost fewer pages than the booked history). Each bank page
   * is one request: its items are written per kind (the kind's window, its own listing order)
   * in one transaction with the session's progress; each kind ends done or failed as in
   * {@link fetchKind}.
   */
  private async fetchKinds(run: SessionRun, entry: AccountRun, kinds: readonly TransactionKind[]): Promise<{ fetched: number; written: number }> {
    const own: DateWindow[] = [];
    for (const kind of kinds) own.push(await this.windowFor(run, entry, kind));
    const [first] = own;
    if (!first || own.some((w) => w.from !== first.from || w.to !== first.to)) return { fetched: 0, written: 0 };
    const windows = new Map(own.map((w) => [w.kind, w]));
    const window = Object.freeze({ from: first.from, to: first.to });
    const key = { ...run.scope, accountId: entry.account.id };
    for (let attempt = 0; ; attempt += 1) {
      const stamp = new Date(Math.max(Date.now(), run.now.getTime()));
      const perKind = new Map(kinds.map((k) => [k, { fetched: 0, written: 0, order: new FetchOrder() }]));
      const outcome = await this.stream(
        run,
        (grant) => run.client.transactionKinds(grant, { bankAccountId: entry.account.bankAccountId, kinds, window, psu: sessionPsu(run.row.requestedBy, run.row.parameters) }),
        async (page) => {
          await runTransaction(this.dataSource, async (m) => {
            const delta = { requestsMade: 1, itemsFetched: 0, itemsWritten: 0 };
            const logged: LoggedChanges = new Map();
            for (const { kind, page: items } of page.kinds) {
              const counts = perKind.get(kind);
              const w = windows.get(kind);
              if (!counts || !w) continue; // the SDK yields the requested kinds only
              const r = await writeTransactionPage(m, key, w, items.items, { stamp, order: counts.order, stampsRead: stampsRead(kind, run.manifest.deleteIfNotFetched), logged });
              counts.fetched += items.items.length;
              counts.written += r.inserted + r.updated;
              delta.itemsFetched += items.items.length;
              delta.itemsWritten += r.inserted + r.updated;
            }
            // The transaction's logged changes as its page writes (its only writes that log) counted them.
            await addAccountCounts(m, run.row, entry.account.id, 'transactions', delta, logged);
            run.session = orThrow(recordStageProgress(run.session, 'transactions', delta));
          });
        },
        entry,
      );
      if (!outcome.ok && outcome.retryAfterRefresh && attempt === 0) continue; // the grant was refreshed: fetch again (the upserts make it safe)
      entry.progress.kinds ??= {};
      for (const [kind, c] of perKind) entry.progress.kinds[kind] = outcome.ok ? { state: 'done', stamp: stamp.toISOString(), fetched: c.fetched, written: c.written } : { state: 'failed', failure: outcome.failure };
      if (!outcome.ok) {
        if (outcome.missing) entry.progress.missing = true;
        await addAccountCounts(this.dataSource.manager, run.row, entry.account.id, 'transactions', { errors: 1 });
        run.session = orThrow(recordStageProgress(run.session, 'transactions', { errors: 1 }));
      }
      await this.saveAccount(this.dataSource.manager, run, entry);
      const sum = [...perKind.values()].reduce((a, c) => ({ fetched: a.fetched + c.fetched, written: a.written + c.written }), { fetched: 0, written: 0 });
      return sum;
    }
  }

  /** The kind's window: stored at the first attempt (a retry fetches exactly the same one), else computed by the domain. */
  private async windowFor(run: SessionRun, entry: AccountRun, kind: TransactionKind): Promise<DateWindow> {
    if (!entry.progress.windows?.[kind]) await this.prepareWindows(run, [entry], [kind]);
    const stored = entry.progress.windows?.[kind];
    if (!stored) throw new Error(`no window for ${kind}`);
    return Object.freeze({ ...stored });
  }

  /** The kinds this session fetches: the manifest's, within the consent's scope. */
  private kindsOf(run: SessionRun): TransactionKind[] {
    const consentKinds = run.consent?.consent.scope.transactionKinds;
    const wantTransactions = run.consent?.consent.scope.data.includes('transactions') ?? true;
    return run.manifest.capabilities.transactions.filter((k) => wantTransactions && (consentKinds === undefined || consentKinds.includes(k)));
  }

  /**
   * The windows of `kinds` of the accounts still to fetch that have none yet, computed by the
   * domain from the latest stored date of each (account, kind) — one statement for all — and
   * stored with the accounts' progress (one statement; in `m`'s transaction when given), so a
   * retry fetches exactly the same windows.
   */
  private async prepareWindows(
    run: SessionRun,
    entries: readonly AccountRun[],
    kinds: readonly TransactionKind[],
    m?: EntityManager,
    also: ReadonlyMap<AccountRun, AccountCounts | undefined> = new Map(),
    carried: readonly Statement[] = [],
    last: readonly Statement[] = [],
  ): Promise<void> {
    const manifest = run.manifest;
    const wanted = entries
      .filter((e) => !e.progress.budgetSpent && !e.progress.settled && !e.progress.missing)
      .flatMap((entry) => kinds.filter((kind) => !entry.progress.windows?.[kind]).map((kind) => ({ entry, kind })));
    const manager = m ?? this.dataSource.manager;
    // `also`: accounts whose outcome (and counts) are stored in the same statement; `carried`: statements written with it (a stage move),
    // `last` after it (the one that carries the others: the balances' write, which has a WITH of its own).
    if (wanted.length === 0) return writeTogether(manager, [...carried, ...this.accountsStatements(run, [...also.keys()], undefined, also), ...last]);
    const latest = await latestStoredDates(
      manager,
      run.row.userId,
      wanted.map(({ entry, kind }) => ({ accountId: entry.account.id, kind, column: DATE_COLUMNS[manifest.dateFieldByKind[kind] ?? 'transactionDate'] })),
    );
    const params = run.row.parameters;
    // The grant's own consent facts (as the bank confirmed them) come first, when the connector has them.
    const facts = run.grant ? this.connectors.consentFacts(manifest.id, run.grant.grant) : undefined;
    const consentHistory = run.consent?.consent.maxHistoryDays ?? manifest.limits.maxHistoryDays;
    // "Just performed": this session follows the strong authentication (the connect callback or
    // a credential login says so). An SCA within the bank's validity days (90/180) keeps access
    // allowed, but history beyond the unattended days needs SCA right now — the bank refuses it
    // otherwise (PolishAPI: 403 SCA_REQUIRED), so a later user sync does not ask for it.
    const scaJustPerformed = params['scaJustPerformed'] === true;
    const changed = new Set<AccountRun>(also.keys());
    for (const { entry, kind } of wanted) {
      const window = dateWindow({
        kind,
        today: run.today,
        scaJustPerformed,
        daysBack: typeof params['daysBack'] === 'number' ? params['daysBack'] : null,
        latestFetched: (latest.get(`${entry.account.id}/${kind}`) as CalendarDate | undefined) ?? null,
        consent: { maxHistoryDays: facts?.maxHistoryDays !== undefined ? Math.min(facts.maxHistoryDays, consentHistory) : consentHistory },
        limits: {
          unattendedHistoryDays: manifest.limits.unattendedHistoryDays,
          maxHistoryDays: manifest.limits.maxHistoryDays,
          overlapDays: defaultHistoryLimits.overlapDays,
          dateFields: manifest.dateFieldByKind,
          horizonDays: horizonDaysOf(manifest.limits),
        },
      });
      entry.progress.windows = { ...entry.progress.windows, [kind]: { kind, from: window.from, to: window.to, dateField: window.dateField, mode: window.mode, limitedBy: window.limitedBy } };
      changed.add(entry);
    }
    await writeTogether(manager, [...carried, ...this.accountsStatements(run, [...changed], undefined, also), ...last]);
  }

  /** After every kind: the complete reconciliation, the account's sync state (domain), its transactions result — one transaction. */
  private async settleAccount(run: SessionRun, entry: AccountRun, kinds: readonly TransactionKind[], fetched: number, written: number): Promise<void> {
    await runTransaction(this.dataSource, (m) => this.settleIn(m, run, entry, kinds, fetched, written));
  }

  /**
   * {@link settleAccount} in the caller's transaction. `page`: the counts of the last page,
   * written in this transaction before: stored with the account's row, with the rows the
   * reconciliation deleted, and the transaction's logged changes tallied in that statement —
   * `logged`, as the page write counted them, when the reconciliation wrote nothing (the page
   * write was then the transaction's only write that logs), else read from the log.
   */
  private async settleIn(
    m: EntityManager,
    run: SessionRun,
    entry: AccountRun,
    kinds: readonly TransactionKind[],
    fetched: number,
    written: number,
    page?: StageDelta,
    logged?: LoggedChanges,
  ): Promise<void> {
    const progress = entry.progress;
    const outcomes: TransactionKindOutcome[] = kinds.map((kind) => {
      const k = progress.kinds?.[kind];
      return { kind, outcome: k?.state === 'done' ? endpointOk : endpointFailed(k?.state === 'failed' ? k.failure : internalFailure('not fetched')) };
    });
    const balances: EndpointOutcome = progress.balances?.state === 'failed' ? endpointFailed(progress.balances.failure) : endpointOk;
    const [first, ...rest] = outcomes;
    const outcome: AccountSessionOutcome = progress.missing ? { _tag: 'missing' } : first ? { _tag: 'returned', balances, transactions: [first, ...rest] } : { _tag: 'returned', balances, transactions: [{ kind: 'booked', outcome: endpointOk }] };
    const failedKinds = outcomes.filter((o) => o.outcome._tag === 'failed');
    const complete = new Map<TransactionKind, CompletedKindFetch>();
    for (const kind of kinds) {
      const k = progress.kinds?.[kind];
      const w = progress.windows?.[kind];
      if (k?.state === 'done' && w) complete.set(kind, { window: w, stamp: new Date(k.stamp) });
    }
    // Only after every kind came back completely may anything be deleted (the domain's rule).
    const reconciled = failedKinds.length === 0 ? await completeReconciliation(m, { ...run.scope, accountId: entry.account.id }, complete, new Set(run.manifest.deleteIfNotFetched)) : { deleted: 0, linked: 0 };
    progress.settled = true;
    const failure = failedKinds[0]?.outcome;
    this.recordResult(run, entry, {
      stage: 'transactions',
      status: failure ? 'failed' : 'completed',
      itemsFetched: fetched,
      itemsWritten: written,
      failure: failure?._tag === 'failed' ? failure.failure : null,
    });
    // The account's state and its lastTransactionDate, with the account's row of the session and
    // the stage's counts (the transaction's changes tallied, once): one statement.
    const counted = page !== undefined || reconciled.deleted > 0 || reconciled.linked > 0;
    const now = this.clock.now();
    const tally = logged !== undefined && reconciled.deleted === 0 && reconciled.linked === 0 ? logged : true;
    const row = accountOutcomeStatement(run.row, entry.account.id, { progress: entry.progress, results: entry.results }, now, counted ? { stage: 'transactions', delta: { ...page, itemsWritten: (page?.itemsWritten ?? 0) + reconciled.deleted }, tally } : undefined);
    await applyAccountOutcome(m, run.scope, entry.account, outcome, { now, executionId: run.row.id }, { lastTransactionDate: true, with: [row] });
  }

  // ---------------------------------------------------------------------------------------
  // Bank calls

  /**
   * One bank request within the connector's cross-process limits, and within the run's
   * bounds: past the session's deadline, or once the run lock is lost, the call is abandoned
   * (its answer ignored) and the run stops.
   */
  private async limited<T>(run: SessionRun, call: () => Promise<T>): Promise<T> {
    const stop = run.stopReason();
    if (stop) throw stop;
    const limits = run.manifest.limits;
    const work = this.limiter.run(run.manifest.id, { maxConcurrency: limits.maxConcurrency, requestsPerSecond: limits.requestsPerSecond }, call);
    const { deadlineAt, lockLost } = run.limits;
    if (deadlineAt === undefined && lockLost === undefined) return work;
    let timer: NodeJS.Timeout | undefined;
    let onLost: (() => void) | undefined;
    const bounds = new Promise<never>((_, reject) => {
      const fail = (): void => reject(run.stopReason() ?? new RunLockLostError());
      if (deadlineAt !== undefined) timer = setTimeout(fail, Math.max(0, deadlineAt - Date.now()));
      if (lockLost) {
        onLost = fail;
        lockLost.addEventListener('abort', onLost, { once: true });
      }
    });
    try {
      return await Promise.race([work, bounds]);
    } finally {
      if (timer) clearTimeout(timer);
      if (onLost) lockLost?.removeEventListener('abort', onLost);
      void work.catch(() => undefined);
    }
  }

  /** The grant, refreshed first when its access token is about to expire (long sessions). */
  private async currentGrant(run: SessionRun): Promise<UsableGrant> {
    const grant = run.grant;
    if (!grant) throw new Error('no grant: the auth stage did not run');
    const expires = grant.record.accessExpiresAt;
    if (expires === null || expires.getTime() - this.settings.grantRefreshMarginMs > this.clock.now().getTime()) return grant;
    const usable = await this.grants.usable(run.scope, run.row.connectionId, run.connector, run.client, {
      now: this.clock.now(),
      marginMs: this.settings.grantRefreshMarginMs,
      aroundBankCall: (call) => this.limited(run, call),
    });
    if (!usable.ok) this.raise(usable.error, false);
    run.grant = usable.value;
    return usable.value;
  }

  /**
   * Streams pages (each page pull is one limited bank request). Account-scope errors come
   * back as a failed outcome; a refused grant is refreshed once (then `retryAfterRefresh`);
   * retryable and connection-scope errors are thrown.
   */
  private async stream<P>(
    run: SessionRun,
    open: (grant: UsableGrant['grant']) => AsyncIterable<Outcome<P>>,
    onPage: (page: P) => Promise<void>,
    entry?: AccountRun,
  ): Promise<{ ok: true } | { ok: false; failure: SyncFailure; retryAfterRefresh?: boolean; missing?: boolean }> {
    const grant = await this.currentGrant(run);
    const iterator = open(grant.grant)[Symbol.asyncIterator]();
    try {
      for (;;) {
        if (run.abort) throw run.abort;
        const next = await this.limited(run, () => iterator.next());
        if (next.done) return { ok: true };
        const page = next.value;
        if (!page.ok) {
          if (page.error._tag === 'CredentialsInvalid') {
            const refresh = run.forceRefreshOnce(() => this.forceRefresh(run, grant.record.id));
            if (refresh) {
              await refresh;
              return { ok: false, failure: internalFailure(page.error.message), retryAfterRefresh: true };
            }
          }
          const d = dispositionOf(page.error, true, run.limits.lastAttempt === true);
          if (d.kind === 'account') {
            if (d.retriesSpent && entry) entry.retriesSpent ??= d.retriesSpent;
            return { ok: false, failure: d.failure, ...(d.missing ? { missing: true } : {}) };
          }
          throw d.error;
        }
        await onPage(page.value);
        // The SDK saw the connector end after this page without another request: pulling
        // again would only spend a limiter acquisition on a call that sends nothing.
        if (typeof page.value === 'object' && page.value !== null && isLastPage(page.value)) return { ok: true };
      }
    } finally {
      await this.close(run, iterator);
    }
  }

  /** Closes a connector stream; one abandoned in the middle of a call (deadline, lost lock) is not waited for. */
  private async close(run: SessionRun, iterator: AsyncIterator<unknown>): Promise<void> {
    const closing = iterator.return?.();
    if (run.stopReason()) void closing?.catch(() => undefined);
    else await closing;
  }

  /** Reads a whole (small) stream: the accounts list. Errors are fatal or retryable. */
  private async fetchAll<T>(run: SessionRun, open: (grant: UsableGrant['grant']) => AsyncIterable<Outcome<Page<T>>>, accountLevel: boolean): Promise<{ items: T[]; requests: number }> {
    for (let attempt = 0; ; attempt += 1) {
      const items: T[] = [];
      let requests = 0;
      const grant = await this.currentGrant(run);
      const iterator = open(grant.grant)[Symbol.asyncIterator]();
      let refused: ConnectorError | undefined;
      try {
        for (;;) {
          const next = await this.limited(run, () => iterator.next());
          if (next.done) return { items, requests };
          requests += 1;
          if (!next.value.ok) {
            refused = next.value.error;
            break;
          }
          for (const item of next.value.value.items) items.push(item);
          if (isLastPage(next.value.value)) return { items, requests };
        }
      } finally {
        await this.close(run, iterator);
      }
      if (refused._tag === 'CredentialsInvalid' && attempt === 0) {
        const refresh = run.forceRefreshOnce(() => this.forceRefresh(run, grant.record.id));
        if (refresh) {
          await refresh;
          continue;
        }
      }
      this.raise(refused, accountLevel);
    }
  }

  private async forceRefresh(run: SessionRun, staleId: string): Promise<void> {
    const usable = await this.grants.usable(run.scope, run.row.connectionId, run.connector, run.client, {
      now: this.clock.now(),
      marginMs: this.settings.grantRefreshMarginMs,
      force: { staleId },
      aroundBankCall: (call) => this.limited(run, call),
    });
    if (!usable.ok) this.raise(usable.error, false);
    run.grant = usable.value;
  }

  private raise(error: ConnectorError, accountLevel: boolean): never {
    const d = dispositionOf(error, accountLevel);
    if (d.kind === 'account') throw new FatalSyncError(d.failure, 'error.unsupported');
    throw d.error;
  }

  // ---------------------------------------------------------------------------------------
  // Accounts in parallel, the unattended-access ledger

  /**
   * Runs `work` for every account, `accountConcurrency` at a time. The first fatal or
   * retryable error stops the others between pages (they finish their current page) and is
   * rethrown once all have stopped; one account's own retryable error
   * ({@link AccountRetryableSyncError}) stops only that account: the others finish, then it
   * is rethrown (the attempt is retried).
   */
  private async forEachAccount(run: SessionRun, work: (entry: AccountRun) => Promise<void>): Promise<void> {
    const queue = [...run.accounts];
    let failure: unknown;
    let accountRetry: AccountRetryableSyncError | undefined;
    const lane = async (): Promise<void> => {
      for (let entry = queue.shift(); entry && failure === undefined; entry = queue.shift()) {
        try {
          await work(entry);
        } catch (e) {
          if (e instanceof AccountRetryableSyncError) {
            accountRetry ??= e;
            continue;
          }
          failure ??= e;
          run.abort = e instanceof Error ? e : new Error(String(e));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.settings.accountConcurrency, queue.length)) }, lane));
    run.abort = undefined;
    if (failure !== undefined) throw failure;
    if (accountRetry !== undefined) throw accountRetry;
  }

  /**
   * For a session the user is not present in ({@link userPresentIn}: the scheduler's, the
   * tenant backend's, or the tenant's API key acting as the user without the user's address):
   * records the account's access in the unattended_accesses ledger if the domain's budget
   * allows it (checked under the account's row lock, so two processes cannot both take the
   * last access); false when it is spent. Sessions the user is present in are not counted.
   */
  private async recordAccess(run: SessionRun, entry: AccountRun): Promise<boolean> {
    // Normally taken already for every account of the stage by recordAccesses (nothing stored here).
    if (userPresentIn(run.row.requestedBy, run.row.parameters)) return true;
    if (entry.progress.budgetSpent) return false;
    if (entry.progress.accessRecorded) return true;
    // The manifest's limit, or fewer when this consent's frequencyPerDay says so (contract v2).
    const limit = this.connectors.unattendedAccessesPerDay(run.manifest.id, run.grant?.grant);
    const allowed = await runTransaction(this.dataSource, async (m) => {
      const taken = await takeUnattendedAccess(m, run.row, entry.account.id, run.now, limit);
      if (!taken.allowed) {
        entry.progress.budgetSpent = taken.nextAllowedAt.toISOString();
        await this.saveAccount(m, run, entry);
        return false;
      }
      entry.progress.accessRecorded = true;
      await this.saveAccount(m, run, entry);
      return true;
    });
    // Counted once the refusal is stored (a resumed session finds budgetSpent above and does not count it again).
    if (!allowed) this.metrics?.accessBudgetRefused('engine');
    return allowed;
  }

  /**
   * {@link recordAccess} for every account of `entries` not counted yet, before a stage works on
   * them: one transaction for all (their rows locked in one statement, their budgets read in
   * one, the accesses taken in one, the accounts' progress stored in one), where one per
   * account took five statements and a transaction each.
   */
  private async recordAccesses(run: SessionRun, entries: readonly AccountRun[]): Promise<void> {
    if (!this.accessesPending(run, entries)) return;
    const refused = await runTransaction(this.dataSource, (m) => this.takeAccessesIn(m, run, entries));
    // Counted once the refusals are stored (a resumed session finds budgetSpent and does not count them again).
    for (let i = 0; i < refused; i += 1) this.metrics?.accessBudgetRefused('engine');
  }

  /** Whether {@link recordAccesses} has anything to take for `entries` (an unattended session's accounts not counted yet). */
  private accessesPending(run: SessionRun, entries: readonly AccountRun[]): boolean {
    return !userPresentIn(run.row.requestedBy, run.row.parameters) && entries.some((e) => !e.progress.budgetSpent && !e.progress.accessRecorded);
  }

  /**
   * {@link recordAccesses} in the caller's transaction (nothing for a session the user is present
   * in); returns the accounts refused (to count once it commits). `locked`: the transaction holds
   * the accounts' row locks already (access-ledger.ts).
   */
  private async takeAccessesIn(m: EntityManager, run: SessionRun, entries: readonly AccountRun[], locked = false): Promise<number> {
    if (!this.accessesPending(run, entries)) return 0;
    const pending = entries.filter((e) => !e.progress.budgetSpent && !e.progress.accessRecorded);
    const limit = this.connectors.unattendedAccessesPerDay(run.manifest.id, run.grant?.grant);
    const changed: AccountRun[] = [];
    // The accounts' progress is written with the accesses taken (one statement).
    await takeUnattendedAccesses(m, run.row, pending.map((e) => e.account.id), run.now, limit, (taken) => {
      for (const entry of pending) {
        const t = taken.get(entry.account.id);
        if (!t) continue; // not found under the lock: left to recordAccess, one at a time
        if (t.allowed) entry.progress.accessRecorded = true;
        else entry.progress.budgetSpent = t.nextAllowedAt.toISOString();
        changed.push(entry);
      }
      return this.accountsStatements(run, changed);
    }, locked);
    return changed.filter((e) => e.progress.budgetSpent !== undefined).length;
  }

  // ---------------------------------------------------------------------------------------
  // Session state

  /** Starts a pending stage (domain) and stores it; `also` runs in the same transaction. */
  private async enterStage(run: SessionRun, stage: StageName, also?: (m: EntityManager) => Promise<void>): Promise<void> {
    if (stageOf(run.session, stage).status !== 'pending') {
      if (also) await runTransaction(this.dataSource, also);
      return;
    }
    await this.move(run, (s) => startStage(s, stage, this.clock.now()), also);
  }

  /**
   * Applies a domain move to the session and stores it (with `also`, in one transaction).
   * `connectionMove`: the connection's status move that writes the session's move in its own
   * statement (carried-sql.ts: one round trip for both), in that transaction.
   */
  private async move(
    run: SessionRun,
    step: (s: DomainSession) => Result.Result<DomainSession, unknown>,
    also?: (m: EntityManager) => Promise<void>,
    connectionMove?: (m: EntityManager, carried: readonly Statement[], alone?: boolean) => Promise<unknown>,
  ): Promise<void> {
    const before = run.session;
    const after = orThrow(step(before));
    if (connectionMove) {
      if (!also && !run.statusWebhooks && stageOf(after, 'finished').status === stageOf(before, 'finished').status) {
        // The move and the session's are one statement, with no BEGIN/COMMIT around it (atomic
        // by itself) when it is all they write: the statement refuses itself otherwise (an endpoint
        // subscribed to its events, the connection deactivated meanwhile: connection-status.ts),
        // and the move runs in a transaction below, as it does for the rest of the run.
        try {
          await connectionMove(this.dataSource.manager, sessionMoveStatements(run.row, before, after), true);
          run.session = after;
          return;
        } catch (e) {
          if (!(e instanceof MoveNeedsTransactionError)) throw e;
          run.statusWebhooks = true;
        }
      }
      await runTransaction(this.dataSource, async (m) => {
        await connectionMove(m, sessionMoveStatements(run.row, before, after));
        await sessionMoveCarried(m, run.row, before, after);
        if (also) await also(m);
      });
      run.session = after;
      return;
    }
    if (!also && stageOf(after, 'finished').status === stageOf(before, 'finished').status) {
      // A move that does not end the session is one statement: atomic on its own, no transaction around it.
      await saveSessionMove(this.dataSource.manager, run.row, before, after);
      run.session = after;
      return;
    }
    await runTransaction(this.dataSource, async (m) => {
      await saveSessionMove(m, run.row, before, after);
      if (also) await also(m);
    });
    run.session = after;
  }

  private async progress(run: SessionRun, stage: StageName, delta: { requestsMade?: number; itemsFetched?: number; itemsWritten?: number }): Promise<void> {
    run.session = orThrow(recordStageProgress(run.session, stage, delta));
    // One statement: atomic on its own, no transaction around it (two round trips fewer).
    await addStageCounts(this.dataSource.manager, run.row, stage, delta);
  }

  private recordResult(run: SessionRun, entry: AccountRun, result: StoredAccountResult): void {
    run.session = orThrow(recordAccountResult(run.session, { ...result, accountId: entry.account.id as AccountId } satisfies AccountStageResult));
    entry.results.push(result);
  }

  private async saveAccount(m: EntityManager, run: SessionRun, entry: AccountRun, counts?: { stage: StageName; delta: StageDelta; tally?: boolean | LoggedChanges }): Promise<void> {
    await saveAccountOutcome(m, run.row, entry.account.id, { progress: entry.progress, results: entry.results }, this.clock.now(), counts);
  }

  /** The statements storing several accounts' rows (with a stage's counts when given, or each account's own `accountCounts`): written together or carried by another statement (carried-sql.ts). */
  private accountsStatements(run: SessionRun, entries: readonly AccountRun[], counts?: { stage: StageName; delta: Partial<StageCounts> }, accountCounts?: ReadonlyMap<AccountRun, AccountCounts | undefined>): Statement[] {
    return accountOutcomesStatements(
      run.row,
      entries.map((e) => {
        const own = accountCounts?.get(e);
        return { accountId: e.account.id, outcome: { progress: e.progress, results: e.results }, ...(own ? { counts: own } : {}) };
      }),
      this.clock.now(),
      counts,
    );
  }

  /**
   * Ends a session before any bank call (no grant, consent not valid, connector gone): auth
   * fails; the connection's status is untouched unless an earlier attempt of this session
   * left it `running.*` (the worker holds the run lock: that run is this one), then it takes
   * `status` — a run never stays under way after its session ended.
   */
  private async endBeforeBank(row: SessionRow, session: DomainSession, failure: SyncFailure, status: AggregationStatus): Promise<void> {
    const now = this.clock.now();
    let s = session;
    if (stageOf(s, 'auth').status === 'pending') s = orThrow(startStage(s, 'auth', now));
    const running = s.stages.find((x) => x.status === 'running');
    if (running) s = orThrow(failStage(s, running.stage, failure, now));
    s = orThrow(finishSession(s, now));
    const after = s;
    await runTransaction(this.dataSource, async (m) => {
      await saveSessionMove(m, row, session, after);
      await m.query(`UPDATE sync_sessions SET error = $3::jsonb WHERE id = $1 AND tenant_id = $2`, [row.id, row.tenantId, JSON.stringify(failure)]);
      const current = (await m.query(`SELECT aggregation_status FROM connections WHERE id = $1 AND tenant_id = $2 AND user_id = $3`, [row.connectionId, row.tenantId, row.userId])) as Array<{
        aggregation_status: string;
      }>;
      if (current[0] && isRunning(current[0].aggregation_status)) {
        await moveConnection(m, { tenantId: row.tenantId, userId: row.userId, connectionId: row.connectionId, sessionId: row.id }, StatusEvent.failed(status), now);
      }
    });
  }

  /**
   * Ends a session on a fatal error: the running stage fails (domain), the connection takes
   * the error's status (domain transition), the consent its new status, and accounts that
   * have no outcome yet get one (auth/accounts failing: `failed` with this error).
   */
  private async endFatal(run: SessionRun, e: FatalSyncError): Promise<void> {
    this.logger.warn(`session ${run.row.id}: ${e.failure.errorType}: ${e.message}`);
    const challenge = e.status === undefined ? undefined : challengeKindOf(e.status);
    if (challenge !== undefined) return this.endChallenged(run, e, challenge);
    await this.endWithFailure(run.row, run.session, e.failure, e.status ? StatusEvent.failed(e.status) : undefined, e.decision, e.connectorError);
  }

  /**
   * The bank challenged the connector's own re-login (its session at the bank had ended):
   * no state to answer with here. The session ends (auth or data stage failed with the
   * challenge), then the credentials flow logs in again so the bank's question waits for
   * the user in its `suspended.*` status, answerable through the challenge API — for an
   * unattended run too: the seed's waiting rule (about 3 minutes, then the matching
   * `auth.creds.*.invalid`) holds whoever started the run. Without stored credentials or
   * the credentials flow, the question cannot be relayed: the run ends as if unanswered.
   */
  private async endChallenged(run: SessionRun, e: FatalSyncError, kind: ChallengeKind): Promise<void> {
    // Finished first: the login's answer starts a new sync, which must not join this session.
    await this.endWithFailure(run.row, run.session, e.failure, undefined, undefined, e.connectorError);
    let taken = false;
    try {
      taken = (await this.challengedSyncs?.takeOverChallengedSync(run.scope, run.row.connectionId)) ?? false;
    } catch (error) {
      this.logger.error(`session ${run.row.id}: the challenged login could not be taken over (${error instanceof Error ? error.name : 'error'})`);
    }
    if (!taken) await runTransaction(this.dataSource, (m) => moveConnection(m, run.ids, StatusEvent.failed(invalidStatusForChallengeKind(kind)), this.clock.now()));
  }

  /**
   * Ends a session that cannot go on (fatal error here, or retries spent: the dead-letter
   * handler): running stage failed, session finished, connection status moved by `event`,
   * consent changed and the accounts hidden as the domain's decision says (a consent the
   * bank reports revoked is DEAUTHORIZED, like the user's withdrawal), unsettled accounts
   * given their outcome — one transaction.
   */
  async endWithFailure(
    row: SessionRow,
    session: DomainSession,
    failure: SyncFailure,
    event: StatusEventType | undefined,
    decision?: Pick<Decision, 'consent' | 'accounts'>,
    connectorError?: ConnectorError,
  ): Promise<void> {
    const now = this.clock.now();
    let s = session;
    const running = s.stages.find((x) => x.status === 'running');
    if (running) s = orThrow(failStage(s, running.stage, failure, now));
    else if (stageOf(s, 'auth').status === 'pending') s = orThrow(failStage(orThrow(startStage(s, 'auth', now)), 'auth', failure, now));
    if (stageOf(s, 'finished').status === 'pending') s = orThrow(finishSession(s, now));
    const after = s;
    await runTransaction(this.dataSource, async (m) => {
      await saveSessionMove(m, row, session, after);
      await applySessionEnd(m, { tenantId: row.tenantId, userId: row.userId, connectionId: row.connectionId, sessionId: row.id }, { failure, event, decision, connectorError: connectorError ? connectorErrorJson(connectorError) : undefined, now });
    });
  }
}

/** The balances the bank reported in a session, as the statement that writes them (none when there is none). */
function balancesOf(run: SessionRun, reported: ReadonlyArray<{ readonly accountId: string; readonly balances: readonly BankDailyBalance[] }>): Statement[] {
  const statement = bankBalancesStatement(run.scope, reported);
  return statement ? [statement] : [];
}

/** The error of the first account when every account this session worked on (its budget not spent) ended with retries spent ({@link AccountRun.retriesSpent}); else undefined. */
function everyAccountSpent(run: SessionRun): ConnectorError | undefined {
  const worked = run.accounts.filter((e) => !e.progress.budgetSpent);
  return worked.length > 0 && worked.every((e) => e.retriesSpent !== undefined) ? worked[0]?.retriesSpent : undefined;
}
