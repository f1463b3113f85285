import { Result, Schema } from 'effect';
import type { SyncFailure } from './account-sync-state';
import { SessionId, type AccountId, type ConnectionId } from './ids';

/**
 * The stages of a sync session, in the order they run. `finished` is the wrap-up: it is
 * completed when the session ends (the seed's sessions report `finished` at their end).
 */
export const SyncStage = Schema.Literals([
  'auth',
  'accounts',
  'balances',
  'transactions',
  'transactionDetails',
  'intelligence',
  'finished',
]);
/** A stage of a sync session. */
export type SyncStage = typeof SyncStage.Type;

/** Every stage, in running order. */
export const syncStages: readonly SyncStage[] = SyncStage.literals;

/**
 * A stage's status: `pending` (not started), `running`, `completed`, `failed` (the stage as
 * a whole could not do its work), `skipped` (never ran: not needed, not supported by the
 * bank, or the session ended first). A stage moves pending → running → completed | failed,
 * or pending → skipped; the last three are final.
 */
export const StageStatus = Schema.Literals(['pending', 'running', 'completed', 'failed', 'skipped']);
/** A stage's status. */
export type StageStatus = typeof StageStatus.Type;
/** Every StageStatus, in the domain's order (the API's enum is this list). */
export const stageStatuses: readonly StageStatus[] = StageStatus.literals;

/** How one stage ended for one account, and so how the account's session ended. */
export const accountResultStatuses = ['completed', 'failed'] as const;
/** One of {@link accountResultStatuses}. */
export type AccountResultStatus = (typeof accountResultStatuses)[number];

/** A session's status, derived from its stages by {@link sessionStatus}. */
export const SessionStatus = Schema.Literals(['pending', 'running', 'completed', 'partiallyFailed', 'failed']);
/** A session's status. */
export type SessionStatus = typeof SessionStatus.Type;
/** Every SessionStatus, in the domain's order (the API's enum is this list). */
export const sessionStatuses: readonly SessionStatus[] = SessionStatus.literals;

/** What a stage did: requests sent to the bank, items fetched, items written, errors met. */
export interface StageCounts {
  readonly requestsMade: number;
  readonly itemsFetched: number;
  readonly itemsWritten: number;
  readonly errors: number;
}

/** Counts of a stage that has done nothing yet. */
export const zeroCounts: StageCounts = { requestsMade: 0, itemsFetched: 0, itemsWritten: 0, errors: 0 };

/** One stage of one session. */
export interface StageState {
  readonly stage: SyncStage;
  readonly status: StageStatus;
  readonly startedAt: Date | null;
  readonly endedAt: Date | null;
  readonly counts: StageCounts;
  /** Why the stage failed; null unless `status` is failed. */
  readonly failure: SyncFailure | null;
}

/** What one stage did for one account (for the "status details" view). */
export interface AccountStageResult {
  readonly accountId: AccountId;
  readonly stage: SyncStage;
  readonly status: AccountResultStatus;
  readonly itemsFetched: number;
  readonly itemsWritten: number;
  readonly failure: SyncFailure | null;
}

/** A sync session of one connection: its stages (all seven, in order) and per-account results. */
export interface SyncSession {
  readonly id: SessionId;
  readonly connectionId: ConnectionId;
  readonly createdAt: Date;
  readonly stages: readonly StageState[];
  readonly accountResults: readonly AccountStageResult[];
}

/** The operations that move a stage, named in {@link SessionTransitionError}. */
export const StageOperation = Schema.Literals(['start', 'progress', 'accountResult', 'complete', 'fail', 'skip', 'finish']);
/** An operation on a stage. */
export type StageOperation = typeof StageOperation.Type;

/** An impossible move (e.g. completing a stage that never started); the session is unchanged. */
export class SessionTransitionError extends Schema.TaggedError<SessionTransitionError>()('SessionTransitionError', {
  sessionId: SessionId,
  stage: SyncStage,
  operation: StageOperation,
  stageStatus: StageStatus,
  message: Schema.String,
}) {}

/** A session after a move, or why the move was impossible. */
export type SessionResult = Result.Result<SyncSession, SessionTransitionError>;

/** Stages without which nothing else can run: their failure ends the session as failed. */
const FATAL_STAGES: ReadonlySet<SyncStage> = new Set<SyncStage>(['auth', 'accounts']);
/** Stages that bring the account data a session exists for. */
const DATA_STAGES: ReadonlySet<SyncStage> = new Set<SyncStage>(['balances', 'transactions', 'transactionDetails']);

/** A new session with every stage pending. */
export function newSyncSession(args: { id: SessionId; connectionId: ConnectionId; createdAt: Date }): SyncSession {
  return {
    ...args,
    stages: syncStages.map((stage) => ({ stage, status: 'pending', startedAt: null, endedAt: null, counts: zeroCounts, failure: null })),
    accountResults: [],
  };
}

/** One stage of a session. */
export function stageOf(session: SyncSession, stage: SyncStage): StageState {
  const found = session.stages.find((s) => s.stage === stage);
  // A SyncSession is only built by newSyncSession, which lists every stage.
  if (found === undefined) throw new Error(`session ${session.id} has no stage "${stage}"`);
  return found;
}

function reject(session: SyncSession, stage: SyncStage, operation: StageOperation, reason: string): SessionResult {
  const stageStatus = stageOf(session, stage).status;
  const message = `cannot ${operation} stage "${stage}" (${stageStatus}) of session ${session.id}: ${reason}`;
  return Result.fail(new SessionTransitionError({ sessionId: session.id, stage, operation, stageStatus, message }));
}

const withStages = (session: SyncSession, update: (s: StageState) => StageState): SyncSession => ({
  ...session,
  stages: session.stages.map(update),
});

const fatalFailure = (session: SyncSession): StageState | undefined =>
  session.stages.find((s) => FATAL_STAGES.has(s.stage) && s.status === 'failed');

const isNonNegativeInt = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/**
 * Starts a pending stage. Stages run one at a time and in order: earlier stages still
 * pending are skipped (the bank lacks them or they are not needed), so a stage cannot start
 * after a later one. Refused while another stage runs, after auth or accounts failed, and
 * for `finished` (use {@link finishSession}).
 */
export function startStage(session: SyncSession, stage: SyncStage, now: Date): SessionResult {
  const current = stageOf(session, stage);
  if (stage === 'finished') return reject(session, stage, 'start', 'a session ends with finishSession');
  if (current.status !== 'pending') return reject(session, stage, 'start', 'only a pending stage can start');
  const running = session.stages.find((s) => s.status === 'running');
  if (running) return reject(session, stage, 'start', `stage "${running.stage}" is still running`);
  const fatal = fatalFailure(session);
  if (fatal) return reject(session, stage, 'start', `stage "${fatal.stage}" failed, nothing else can run`);
  // Once a later stage started, this one was skipped, so the pending check above keeps the order.
  const index = syncStages.indexOf(stage);
  return Result.succeed(
    withStages(session, (s) => {
      if (s.stage === stage) return { ...s, status: 'running', startedAt: now };
      if (syncStages.indexOf(s.stage) < index && s.status === 'pending') return { ...s, status: 'skipped' };
      return s;
    }),
  );
}

/** Adds to a running stage's counts (each delta a non-negative integer). */
export function recordStageProgress(session: SyncSession, stage: SyncStage, delta: Partial<StageCounts>): SessionResult {
  if (stageOf(session, stage).status !== 'running') return reject(session, stage, 'progress', 'only a running stage makes progress');
  const values = Object.values(delta).filter((v) => v !== undefined);
  if (!values.every(isNonNegativeInt)) return reject(session, stage, 'progress', 'counts only grow, by whole numbers');
  return Result.succeed(
    withStages(session, (s) =>
      s.stage !== stage
        ? s
        : {
            ...s,
            counts: {
              requestsMade: s.counts.requestsMade + (delta.requestsMade ?? 0),
              itemsFetched: s.counts.itemsFetched + (delta.itemsFetched ?? 0),
              itemsWritten: s.counts.itemsWritten + (delta.itemsWritten ?? 0),
              errors: s.counts.errors + (delta.errors ?? 0),
            },
          },
    ),
  );
}

/**
 * Records what a running stage did for one account. Stage counts are separate
 * ({@link recordStageProgress}); a failed account result alone makes the session at best
 * partiallyFailed.
 */
export function recordAccountResult(session: SyncSession, result: AccountStageResult): SessionResult {
  if (stageOf(session, result.stage).status !== 'running') {
    return reject(session, result.stage, 'accountResult', 'only a running stage records account results');
  }
  if (!isNonNegativeInt(result.itemsFetched) || !isNonNegativeInt(result.itemsWritten)) {
    return reject(session, result.stage, 'accountResult', 'item counts are whole non-negative numbers');
  }
  if ((result.status === 'failed') !== (result.failure !== null)) {
    return reject(session, result.stage, 'accountResult', 'a failed result carries its failure, a completed one none');
  }
  return Result.succeed({ ...session, accountResults: [...session.accountResults, result] });
}

/** Completes a running stage. */
export function completeStage(session: SyncSession, stage: SyncStage, now: Date): SessionResult {
  if (stageOf(session, stage).status !== 'running') return reject(session, stage, 'complete', 'only a running stage completes');
  return Result.succeed(withStages(session, (s) => (s.stage === stage ? { ...s, status: 'completed', endedAt: now } : s)));
}

/**
 * Fails a running stage. A failed auth or accounts stage ends the session as failed; any
 * other failed stage lets the session go on to the next stage.
 */
export function failStage(session: SyncSession, stage: SyncStage, failure: SyncFailure, now: Date): SessionResult {
  if (stageOf(session, stage).status !== 'running') return reject(session, stage, 'fail', 'only a running stage fails');
  return Result.succeed(
    withStages(session, (s) => (s.stage === stage ? { ...s, status: 'failed', endedAt: now, failure } : s)),
  );
}

/** Skips a pending stage (not needed, or the bank does not offer it). */
export function skipStage(session: SyncSession, stage: SyncStage): SessionResult {
  if (stageOf(session, stage).status !== 'pending') return reject(session, stage, 'skip', 'only a pending stage can be skipped');
  return Result.succeed(withStages(session, (s) => (s.stage === stage ? { ...s, status: 'skipped' } : s)));
}

/**
 * Ends the session: stages that never ran are skipped and `finished` completes. Refused
 * while a stage is still running, and when the session has already finished.
 */
export function finishSession(session: SyncSession, now: Date): SessionResult {
  const running = session.stages.find((s) => s.status === 'running');
  if (running) return reject(session, 'finished', 'finish', `stage "${running.stage}" is still running`);
  if (stageOf(session, 'finished').status !== 'pending') return reject(session, 'finished', 'finish', 'the session already finished');
  return Result.succeed(
    withStages(session, (s) => {
      if (s.stage === 'finished') return { ...s, status: 'completed', startedAt: now, endedAt: now };
      return s.status === 'pending' ? { ...s, status: 'skipped' } : s;
    }),
  );
}

/**
 * The session's status, derived from its stages, first rule that applies:
 * 1. auth or accounts failed → `failed` (nothing else can be fetched);
 * 2. a stage is running → `running`;
 * 3. every stage is pending → `pending`;
 * 4. `finished` is not completed yet → `running` (between stages);
 * 5. some data stage (balances, transactions, transactionDetails) failed and none completed → `failed`;
 * 6. a stage failed, a stage counted errors, or an account result failed → `partiallyFailed`;
 * 7. otherwise → `completed`.
 */
export function sessionStatus(session: SyncSession): SessionStatus {
  if (fatalFailure(session)) return 'failed';
  if (session.stages.some((s) => s.status === 'running')) return 'running';
  if (session.stages.every((s) => s.status === 'pending')) return 'pending';
  if (stageOf(session, 'finished').status !== 'completed') return 'running';
  const data = session.stages.filter((s) => DATA_STAGES.has(s.stage));
  if (data.some((s) => s.status === 'failed') && !data.some((s) => s.status === 'completed')) return 'failed';
  const troubled =
    session.stages.some((s) => s.status === 'failed' || s.counts.errors > 0) ||
    session.accountResults.some((r) => r.status === 'failed');
  return troubled ? 'partiallyFailed' : 'completed';
}

/**
 * The stage the session is at: the running one, else the last one that left pending
 * (so `finished` once the session ended), else `auth` for a session not started.
 */
export function currentStage(session: SyncSession): SyncStage {
  const running = session.stages.find((s) => s.status === 'running');
  if (running) return running.stage;
  const touched = session.stages.filter((s) => s.status === 'completed' || s.status === 'failed');
  if (stageOf(session, 'finished').status === 'completed') return 'finished';
  return touched.at(-1)?.stage ?? 'auth';
}

/** When the session ended (its `finished` stage completed), or null while it has not. */
export const sessionFinishedAt = (session: SyncSession): Date | null => stageOf(session, 'finished').endedAt;

/** The "session status" view (GET …/session/{id}/status). */
export interface SessionStatusView {
  readonly sessionId: SessionId;
  readonly status: SessionStatus;
  readonly stage: SyncStage;
  readonly finishedAt: Date | null;
}

/** The "stage status" view (GET …/session/{id}/stage/{stage}/status). */
export interface StageStatusView {
  readonly sessionId: SessionId;
  readonly stage: SyncStage;
  readonly status: StageStatus;
  readonly startedAt: Date | null;
  readonly endedAt: Date | null;
  readonly counts: StageCounts;
  readonly failure: SyncFailure | null;
}

/** One account's results, stage by stage, in the "status details" view. */
export interface AccountStatusDetails {
  readonly accountId: AccountId;
  readonly status: AccountResultStatus;
  readonly stages: readonly Omit<AccountStageResult, 'accountId'>[];
}

/** The "status details" view (GET …/session/{id}/status/details): every stage and every account. */
export interface SessionStatusDetails extends SessionStatusView {
  readonly stages: readonly StageStatusView[];
  readonly accounts: readonly AccountStatusDetails[];
}

/** What a session fetched and wrote, summed from its stages. */
export interface DataFetchedSummary {
  readonly accounts: number;
  readonly balances: number;
  readonly transactions: { readonly fetched: number; readonly written: number };
  readonly transactionDetails: { readonly fetched: number; readonly written: number };
  readonly totals: StageCounts;
}

/** The "session details" view (GET …/session/{id}): the session plus a summary of the data fetched. */
export interface SessionDetails extends SessionStatusView {
  readonly connectionId: ConnectionId;
  readonly createdAt: Date;
  readonly accountIds: readonly AccountId[];
  readonly dataFetched: DataFetchedSummary;
}

/** The "session status" view. */
export const sessionStatusView = (session: SyncSession): SessionStatusView => ({
  sessionId: session.id,
  status: sessionStatus(session),
  stage: currentStage(session),
  finishedAt: sessionFinishedAt(session),
});

/** The "stage status" view of one stage. */
export function stageStatusView(session: SyncSession, stage: SyncStage): StageStatusView {
  const s = stageOf(session, stage);
  return {
    sessionId: session.id,
    stage,
    status: s.status,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    counts: s.counts,
    failure: s.failure,
  };
}

const accountIdsOf = (session: SyncSession): AccountId[] => [...new Set(session.accountResults.map((r) => r.accountId))];

/** The "status details" view: every stage, then every account's per-stage results (first-seen order). */
export function sessionStatusDetails(session: SyncSession): SessionStatusDetails {
  const accounts = accountIdsOf(session).map((accountId): AccountStatusDetails => {
    const results = session.accountResults.filter((r) => r.accountId === accountId);
    return {
      accountId,
      status: results.some((r) => r.status === 'failed') ? 'failed' : 'completed',
      stages: results.map(({ accountId: _id, ...rest }) => rest),
    };
  });
  return {
    ...sessionStatusView(session),
    stages: syncStages.map((stage) => stageStatusView(session, stage)),
    accounts,
  };
}

/** The "session details" view: status plus what was fetched and written. */
export function sessionDetails(session: SyncSession): SessionDetails {
  const counts = (stage: SyncStage): StageCounts => stageOf(session, stage).counts;
  const totals = session.stages.reduce<StageCounts>(
    (sum, s) => ({
      requestsMade: sum.requestsMade + s.counts.requestsMade,
      itemsFetched: sum.itemsFetched + s.counts.itemsFetched,
      itemsWritten: sum.itemsWritten + s.counts.itemsWritten,
      errors: sum.errors + s.counts.errors,
    }),
    zeroCounts,
  );
  return {
    ...sessionStatusView(session),
    connectionId: session.connectionId,
    createdAt: session.createdAt,
    accountIds: accountIdsOf(session),
    dataFetched: {
      accounts: counts('accounts').itemsFetched,
      balances: counts('balances').itemsFetched,
      transactions: { fetched: counts('transactions').itemsFetched, written: counts('transactions').itemsWritten },
      transactionDetails: {
        fetched: counts('transactionDetails').itemsFetched,
        written: counts('transactionDetails').itemsWritten,
      },
      totals,
    },
  };
}
