import { Result } from 'effect';
import {
  SessionTransitionError,
  completeStage,
  currentStage,
  failStage,
  finishSession,
  newSyncSession,
  recordAccountResult,
  recordStageProgress,
  sessionDetails,
  sessionStatus,
  sessionStatusDetails,
  sessionStatusView,
  skipStage,
  stageOf,
  stageStatusView,
  startStage,
  syncStages,
  type AccountId,
  type ConnectionId,
  type SessionId,
  type SessionResult,
  type SyncFailure,
  type SyncSession,
  type SyncStage,
} from '../src';

const t0 = new Date('2020-06-30T07:10:00Z');
const t1 = new Date('2020-06-30T07:10:05Z');
const t2 = new Date('2020-06-30T07:11:14Z');
const acc1 = 'acc-1' as AccountId;
const acc2 = 'acc-2' as AccountId;
const boom: SyncFailure = { errorType: 'aspspResponse', aspspResponse: { status: '503', content: 'maintenance' }, message: 'bank down' };

const fresh = (): SyncSession =>
  newSyncSession({ id: 'sess-1' as SessionId, connectionId: 'conn-1' as ConnectionId, createdAt: t0 });

/** Unwraps a successful move; a failed one fails the test with its message. */
function ok(result: SessionResult): SyncSession {
  if (Result.isFailure(result)) throw new Error(`unexpected refusal: ${result.failure.message}`);
  return result.success;
}

/** Unwraps a refused move. */
function refused(result: SessionResult): SessionTransitionError {
  if (Result.isSuccess(result)) throw new Error('the move should have been refused');
  return result.failure;
}

const run = (session: SyncSession, stage: SyncStage): SyncSession => ok(completeStage(ok(startStage(session, stage, t1)), stage, t2));

describe('sync session stages', () => {
  it('a new session has every stage pending, in order', () => {
    const s = fresh();
    expect(s.stages.map((x) => [x.stage, x.status])).toEqual(syncStages.map((stage) => [stage, 'pending']));
    expect(sessionStatus(s)).toBe('pending');
    expect(currentStage(s)).toBe('auth');
  });

  it('runs stage by stage to completed', () => {
    let s = ok(startStage(fresh(), 'auth', t1));
    expect(sessionStatus(s)).toBe('running');
    expect(currentStage(s)).toBe('auth');
    expect(stageOf(s, 'auth').startedAt).toBe(t1);
    s = ok(completeStage(s, 'auth', t2));
    expect(sessionStatus(s)).toBe('running'); // between stages
    for (const stage of ['accounts', 'balances', 'transactions', 'transactionDetails', 'intelligence'] as const) s = run(s, stage);
    expect(sessionStatus(s)).toBe('running');
    s = ok(finishSession(s, t2));
    expect(sessionStatus(s)).toBe('completed');
    expect(currentStage(s)).toBe('finished');
    expect(stageOf(s, 'finished')).toMatchObject({ status: 'completed', endedAt: t2 });
  });

  it('starting a later stage skips earlier ones that never ran; finishing skips the rest', () => {
    let s = run(run(fresh(), 'auth'), 'accounts');
    s = run(s, 'transactions'); // this bank has no balances endpoint
    expect(stageOf(s, 'balances').status).toBe('skipped');
    s = ok(finishSession(s, t2));
    expect(stageOf(s, 'transactionDetails').status).toBe('skipped');
    expect(stageOf(s, 'intelligence').status).toBe('skipped');
    expect(sessionStatus(s)).toBe('completed');
  });

  it('a stage can be skipped explicitly, only while pending', () => {
    const s = ok(skipStage(fresh(), 'intelligence'));
    expect(stageOf(s, 'intelligence').status).toBe('skipped');
    expect(refused(skipStage(s, 'intelligence')).operation).toBe('skip');
    // Skipping a later stage up front does not block the earlier ones.
    const done = ok(finishSession(run(run(run(run(s, 'auth'), 'accounts'), 'balances'), 'transactions'), t2));
    expect(stageOf(done, 'intelligence').status).toBe('skipped');
    expect(sessionStatus(done)).toBe('completed');
  });

  it('refuses impossible moves and says why', () => {
    const s = ok(startStage(fresh(), 'auth', t1));
    const twice = refused(startStage(s, 'auth', t1));
    expect(twice).toBeInstanceOf(SessionTransitionError);
    expect(twice).toMatchObject({ _tag: 'SessionTransitionError', sessionId: 'sess-1', stage: 'auth', operation: 'start', stageStatus: 'running' });
    expect(twice.message).toMatch(/only a pending stage can start/);
    expect(refused(startStage(s, 'accounts', t1)).message).toMatch(/"auth" is still running/);
    expect(refused(completeStage(s, 'accounts', t1)).operation).toBe('complete');
    expect(refused(failStage(s, 'balances', boom, t1)).operation).toBe('fail');
    expect(refused(finishSession(s, t1)).message).toMatch(/still running/);
    const later = run(run(run(fresh(), 'auth'), 'accounts'), 'transactions');
    expect(refused(startStage(later, 'balances', t1))).toMatchObject({ stageStatus: 'skipped', operation: 'start' });
    expect(refused(startStage(fresh(), 'finished', t1)).operation).toBe('start');
    const finished = ok(finishSession(later, t2));
    expect(refused(finishSession(finished, t2)).message).toMatch(/already finished/);
  });

  it('counts only grow, and only on a running stage', () => {
    let s = ok(startStage(run(fresh(), 'auth'), 'accounts', t1));
    s = ok(recordStageProgress(s, 'accounts', { requestsMade: 1, itemsFetched: 3 }));
    s = ok(recordStageProgress(s, 'accounts', { itemsWritten: 3, requestsMade: 1 }));
    s = ok(recordStageProgress(s, 'accounts', { errors: undefined }));
    expect(stageOf(s, 'accounts').counts).toEqual({ requestsMade: 2, itemsFetched: 3, itemsWritten: 3, errors: 0 });
    expect(refused(recordStageProgress(s, 'accounts', { itemsFetched: -1 })).operation).toBe('progress');
    expect(refused(recordStageProgress(s, 'accounts', { itemsFetched: 1.5 })).operation).toBe('progress');
    expect(refused(recordStageProgress(s, 'balances', { itemsFetched: 1 })).operation).toBe('progress');
  });

  it('account results need a running stage and a failure exactly when failed', () => {
    const s = ok(startStage(run(run(fresh(), 'auth'), 'accounts'), 'balances', t1));
    const good = { accountId: acc1, stage: 'balances', status: 'completed', itemsFetched: 1, itemsWritten: 1, failure: null } as const;
    expect(ok(recordAccountResult(s, good)).accountResults).toEqual([good]);
    expect(refused(recordAccountResult(s, { ...good, failure: boom })).operation).toBe('accountResult');
    expect(refused(recordAccountResult(s, { ...good, status: 'failed' })).operation).toBe('accountResult');
    expect(refused(recordAccountResult(s, { ...good, stage: 'transactions' })).operation).toBe('accountResult');
    expect(refused(recordAccountResult(s, { ...good, itemsFetched: -2 })).operation).toBe('accountResult');
  });
});

describe('session status derived from stages', () => {
  const upTo = (stage: SyncStage) => ok(startStage(run(run(fresh(), 'auth'), 'accounts'), stage, t1));

  it('a failed auth fails the session at once; nothing else may start; it can still be finished', () => {
    const s = ok(failStage(ok(startStage(fresh(), 'auth', t1)), 'auth', boom, t2));
    expect(sessionStatus(s)).toBe('failed');
    expect(stageOf(s, 'auth')).toMatchObject({ status: 'failed', failure: boom, endedAt: t2 });
    expect(refused(startStage(s, 'accounts', t2)).message).toMatch(/"auth" failed/);
    const done = ok(finishSession(s, t2));
    expect(sessionStatus(done)).toBe('failed');
    expect(stageOf(done, 'accounts').status).toBe('skipped');
  });

  it('a failed accounts stage fails the session', () => {
    const s = ok(failStage(ok(startStage(run(fresh(), 'auth'), 'accounts', t1)), 'accounts', boom, t2));
    expect(sessionStatus(s)).toBe('failed');
  });

  it('transactions failing after balances succeeded: partiallyFailed', () => {
    let s = run(run(run(fresh(), 'auth'), 'accounts'), 'balances');
    s = ok(failStage(ok(startStage(s, 'transactions', t1)), 'transactions', boom, t2));
    expect(sessionStatus(s)).toBe('running'); // not finished yet: later stages may still run
    expect(sessionStatus(ok(finishSession(s, t2)))).toBe('partiallyFailed');
  });

  it('every data stage that ran failed: failed', () => {
    let s = ok(failStage(upTo('balances'), 'balances', boom, t2));
    s = ok(failStage(ok(startStage(s, 'transactions', t1)), 'transactions', boom, t2));
    expect(sessionStatus(ok(finishSession(s, t2)))).toBe('failed');
  });

  it('only the intelligence stage failing: partiallyFailed (the data arrived)', () => {
    let s = run(run(run(run(fresh(), 'auth'), 'accounts'), 'balances'), 'transactions');
    s = ok(failStage(ok(startStage(s, 'intelligence', t1)), 'intelligence', { errorType: 'internal', message: 'x' }, t2));
    expect(sessionStatus(ok(finishSession(s, t2)))).toBe('partiallyFailed');
  });

  it('errors counted on a completed stage, or a failed account result: partiallyFailed', () => {
    const counted = ok(completeStage(ok(recordStageProgress(upTo('balances'), 'balances', { errors: 1 })), 'balances', t2));
    expect(sessionStatus(ok(finishSession(counted, t2)))).toBe('partiallyFailed');
    const failedAccount = ok(
      recordAccountResult(upTo('transactions'), { accountId: acc2, stage: 'transactions', status: 'failed', itemsFetched: 0, itemsWritten: 0, failure: boom }),
    );
    expect(sessionStatus(ok(finishSession(ok(completeStage(failedAccount, 'transactions', t2)), t2)))).toBe('partiallyFailed');
  });
});

describe('session views', () => {
  function busySession(): SyncSession {
    let s = ok(startStage(run(fresh(), 'auth'), 'accounts', t1));
    s = ok(recordStageProgress(s, 'accounts', { requestsMade: 1, itemsFetched: 2, itemsWritten: 2 }));
    s = ok(startStage(ok(completeStage(s, 'accounts', t1)), 'transactions', t1));
    s = ok(recordStageProgress(s, 'transactions', { requestsMade: 5, itemsFetched: 120, itemsWritten: 30, errors: 1 }));
    s = ok(recordAccountResult(s, { accountId: acc1, stage: 'transactions', status: 'completed', itemsFetched: 120, itemsWritten: 30, failure: null }));
    s = ok(recordAccountResult(s, { accountId: acc2, stage: 'transactions', status: 'failed', itemsFetched: 0, itemsWritten: 0, failure: boom }));
    return ok(completeStage(s, 'transactions', t2));
  }

  it('status and stage status', () => {
    const s = busySession();
    expect(sessionStatusView(s)).toEqual({ sessionId: 'sess-1', status: 'running', stage: 'transactions', finishedAt: null });
    expect(stageStatusView(s, 'transactions')).toEqual({
      sessionId: 'sess-1',
      stage: 'transactions',
      status: 'completed',
      startedAt: t1,
      endedAt: t2,
      counts: { requestsMade: 5, itemsFetched: 120, itemsWritten: 30, errors: 1 },
      failure: null,
    });
    const done = ok(finishSession(s, t2));
    expect(sessionStatusView(done)).toEqual({ sessionId: 'sess-1', status: 'partiallyFailed', stage: 'finished', finishedAt: t2 });
  });

  it('status details list every stage and every account', () => {
    const details = sessionStatusDetails(ok(finishSession(busySession(), t2)));
    expect(details.stages.map((x) => [x.stage, x.status])).toEqual([
      ['auth', 'completed'],
      ['accounts', 'completed'],
      ['balances', 'skipped'],
      ['transactions', 'completed'],
      ['transactionDetails', 'skipped'],
      ['intelligence', 'skipped'],
      ['finished', 'completed'],
    ]);
    expect(details.accounts).toEqual([
      { accountId: acc1, status: 'completed', stages: [{ stage: 'transactions', status: 'completed', itemsFetched: 120, itemsWritten: 30, failure: null }] },
      { accountId: acc2, status: 'failed', stages: [{ stage: 'transactions', status: 'failed', itemsFetched: 0, itemsWritten: 0, failure: boom }] },
    ]);
  });

  it('session details summarise the data fetched', () => {
    const details = sessionDetails(ok(finishSession(busySession(), t2)));
    expect(details).toMatchObject({ sessionId: 'sess-1', connectionId: 'conn-1', createdAt: t0, status: 'partiallyFailed', accountIds: [acc1, acc2] });
    expect(details.dataFetched).toEqual({
      accounts: 2,
      balances: 0,
      transactions: { fetched: 120, written: 30 },
      transactionDetails: { fetched: 0, written: 0 },
      totals: { requestsMade: 6, itemsFetched: 122, itemsWritten: 32, errors: 1 },
    });
  });
});
