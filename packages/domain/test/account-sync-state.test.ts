import { Schema } from 'effect';
import fc from 'fast-check';
import {
  AccountSyncState,
  SyncFailure,
  applyAccountSessionOutcome,
  applyConsentChange,
  endpointFailed,
  endpointOk,
  initialAccountSyncState,
  isAccountRefreshable,
  missingAccountMessage,
  startAccountSync,
  transactionKinds,
  type AccountSessionOutcome,
  type EndpointOutcome,
  type TransactionKindOutcome,
} from '../src';

const yesterday = new Date('2020-06-29T07:11:14Z');
const now = new Date('2020-06-30T07:11:14Z');
const session = { now, executionId: 'exec-2' };

const badRequest: SyncFailure = {
  errorType: 'aspspResponse',
  aspspResponse: { status: 'badRequest', content: 'some_error_message' },
  message: "'Generic error'",
};
const internal: SyncFailure = { errorType: 'internal', message: 'timeout' };
const signature: SyncFailure = { errorType: 'signature', message: 'bad JWS signature' };

/** An account that synced cleanly yesterday. */
const synced: AccountSyncState = {
  syncStatus: 'active',
  transactionSyncStatus: 'completed',
  lastSyncDate: yesterday,
  transactionSyncDate: yesterday,
  syncError: null,
  syncExecutionId: 'exec-1',
  isActive: true,
};

const returned = (
  balances: EndpointOutcome,
  ...transactions: [TransactionKindOutcome, ...TransactionKindOutcome[]]
): AccountSessionOutcome => ({ _tag: 'returned', balances, transactions });
const booked = (outcome: EndpointOutcome): TransactionKindOutcome => ({ kind: 'booked', outcome });
const pending = (outcome: EndpointOutcome): TransactionKindOutcome => ({ kind: 'pending', outcome });
const hold = (outcome: EndpointOutcome): TransactionKindOutcome => ({ kind: 'hold', outcome });

describe('account sync state after a session', () => {
  it('an account returned with everything fetched is active and current', () => {
    const next = applyAccountSessionOutcome(initialAccountSyncState, returned(endpointOk, booked(endpointOk), pending(endpointOk)), session);
    expect(next).toEqual({
      syncStatus: 'active',
      transactionSyncStatus: 'completed',
      lastSyncDate: now,
      transactionSyncDate: now,
      syncError: null,
      syncExecutionId: 'exec-2',
      isActive: true,
    });
  });

  it('an account the bank stops returning is failed with errorType missingAccount, its dates kept', () => {
    const next = applyAccountSessionOutcome(synced, { _tag: 'missing' }, session);
    expect(next.syncStatus).toBe('failed');
    expect(next.syncError).toEqual({ errorType: 'missingAccount', aspspResponse: null, executionId: 'exec-2', message: missingAccountMessage });
    expect(next.lastSyncDate).toBe(yesterday);
    expect(next.transactionSyncDate).toBe(yesterday);
    expect(next.transactionSyncStatus).toBe('failed');
  });

  it('1 of 3 accounts failing: that one is failed and keeps its lastSyncDate, the others move', () => {
    const outcomes: AccountSessionOutcome[] = [
      returned(endpointOk, booked(endpointOk)),
      { _tag: 'failed', failure: badRequest },
      returned(endpointOk, booked(endpointOk)),
    ];
    const [a, b, c] = outcomes.map((o) => applyAccountSessionOutcome(synced, o, session));
    expect([a?.syncStatus, b?.syncStatus, c?.syncStatus]).toEqual(['active', 'failed', 'active']);
    expect([a?.lastSyncDate, b?.lastSyncDate, c?.lastSyncDate]).toEqual([now, yesterday, now]);
    expect(b?.syncError).toEqual({ errorType: 'aspspResponse', aspspResponse: badRequest.aspspResponse, executionId: 'exec-2', message: "'Generic error'" });
    expect(a?.syncError).toBeNull();
  });

  it('accounts fetched but transactions not: active, lastSyncDate moves, transactionSyncDate stays, Failed', () => {
    const next = applyAccountSessionOutcome(synced, returned(endpointOk, booked(endpointFailed(internal)), pending(endpointFailed(badRequest))), session);
    expect(next.syncStatus).toBe('active');
    expect(next.lastSyncDate).toBe(now);
    expect(next.transactionSyncDate).toBe(yesterday);
    expect(next.transactionSyncStatus).toBe('failed');
    expect(next.syncError?.errorType).toBe('internal');
  });

  it('one kind of transactions failing: PartiallyFailed, transactionSyncDate stays', () => {
    const next = applyAccountSessionOutcome(synced, returned(endpointOk, booked(endpointOk), pending(endpointFailed(signature))), session);
    expect(next.transactionSyncStatus).toBe('partiallyFailed');
    expect(next.transactionSyncDate).toBe(yesterday);
    expect(next.lastSyncDate).toBe(now);
    expect(next.syncError).toEqual({ errorType: 'signature', aspspResponse: null, executionId: 'exec-2', message: 'bad JWS signature' });
  });

  it('a single kind fetched and failing is Failed, not PartiallyFailed', () => {
    const next = applyAccountSessionOutcome(synced, returned(endpointOk, booked(endpointFailed(internal))), session);
    expect(next.transactionSyncStatus).toBe('failed');
  });

  it('a balance that fails makes syncStatus failed (it covers the account and its balance)', () => {
    const next = applyAccountSessionOutcome(synced, returned(endpointFailed(internal), booked(endpointOk)), session);
    expect(next.syncStatus).toBe('failed');
    expect(next.lastSyncDate).toBe(yesterday);
    expect(next.transactionSyncStatus).toBe('completed');
    expect(next.transactionSyncDate).toBe(now);
    expect(next.syncError?.message).toBe('timeout');
  });

  it('syncError is the first failure: balances first, then kinds in their fixed order', () => {
    const both = applyAccountSessionOutcome(synced, returned(endpointFailed(signature), booked(endpointFailed(internal))), session);
    expect(both.syncError?.errorType).toBe('signature');
    // Listed hold first, but booked comes first in transactionKinds.
    const kinds = applyAccountSessionOutcome(synced, returned(endpointOk, hold(endpointFailed(signature)), booked(endpointFailed(internal))), session);
    expect(kinds.syncError?.errorType).toBe('internal');
  });

  it('a clean session clears the last error', () => {
    const failed = applyAccountSessionOutcome(synced, { _tag: 'failed', failure: internal }, session);
    const later = { now: new Date('2020-07-01T00:00:00Z'), executionId: 'exec-3' };
    const next = applyAccountSessionOutcome(failed, returned(endpointOk, booked(endpointOk)), later);
    expect(next.syncError).toBeNull();
    expect(next.syncStatus).toBe('active');
    expect(next.lastSyncDate).toBe(later.now);
  });

  it('marks the history InProgress at session start without touching dates or the last error', () => {
    const failed = applyAccountSessionOutcome(synced, { _tag: 'failed', failure: internal }, session);
    const started = startAccountSync(failed, 'exec-3');
    expect(started).toEqual({ ...failed, transactionSyncStatus: 'inProgress', syncExecutionId: 'exec-3' });
    const done = applyAccountSessionOutcome(started, returned(endpointOk, booked(endpointOk)), { now, executionId: 'exec-3' });
    expect(done.transactionSyncStatus).toBe('completed');
  });

  it('the state round-trips through its schema; missingAccount is not an input failure', () => {
    const next = applyAccountSessionOutcome(synced, { _tag: 'missing' }, session);
    expect(Schema.decodeUnknownSync(AccountSyncState)(next)).toEqual(next);
    expect(() => Schema.decodeUnknownSync(SyncFailure)({ errorType: 'missingAccount', message: 'x' })).toThrow();
    expect(() => Schema.decodeUnknownSync(SyncFailure)({ errorType: 'aspspResponse', message: 'x' })).toThrow();
  });

  const failureArb: fc.Arbitrary<SyncFailure> = fc.constantFrom(badRequest, internal, signature);
  const endpointArb: fc.Arbitrary<EndpointOutcome> = fc.oneof(fc.constant(endpointOk), failureArb.map(endpointFailed));
  const kindOutcomesArb = fc
    .uniqueArray(fc.constantFrom(...transactionKinds), { minLength: 1 })
    .chain((kinds) => fc.tuple(...kinds.map((kind) => endpointArb.map((outcome): TransactionKindOutcome => ({ kind, outcome })))))
    .map((list) => list as unknown as [TransactionKindOutcome, ...TransactionKindOutcome[]]);
  const outcomeArb: fc.Arbitrary<AccountSessionOutcome> = fc.oneof(
    fc.constant({ _tag: 'missing' } as const),
    failureArb.map((failure) => ({ _tag: 'failed', failure }) as const),
    fc.tuple(endpointArb, kindOutcomesArb).map(([balances, transactions]) => ({ _tag: 'returned', balances, transactions }) as const),
  );
  const stateArb: fc.Arbitrary<AccountSyncState> = fc.record({
    syncStatus: fc.constantFrom('active', 'failed'),
    transactionSyncStatus: fc.constantFrom(null, 'completed', 'failed', 'partiallyFailed', 'inProgress'),
    lastSyncDate: fc.constantFrom(null, yesterday),
    transactionSyncDate: fc.constantFrom(null, yesterday),
    syncError: fc.constant(null),
    syncExecutionId: fc.constantFrom(null, 'exec-1'),
    isActive: fc.boolean(),
  });

  it('property: dates move only on success, isActive never changes, nothing stays InProgress', () => {
    fc.assert(
      fc.property(stateArb, outcomeArb, (previous, outcome) => {
        const next = applyAccountSessionOutcome(previous, outcome, session);
        const accountOk = outcome._tag === 'returned' && outcome.balances._tag === 'ok';
        const historyOk = outcome._tag === 'returned' && outcome.transactions.every((t) => t.outcome._tag === 'ok');
        const anyFailure =
          outcome._tag !== 'returned' || outcome.balances._tag === 'failed' || outcome.transactions.some((t) => t.outcome._tag === 'failed');
        expect(next.lastSyncDate).toBe(accountOk ? now : previous.lastSyncDate);
        expect(next.syncStatus).toBe(accountOk ? 'active' : 'failed');
        expect(next.transactionSyncDate).toBe(historyOk ? now : previous.transactionSyncDate);
        expect(next.transactionSyncStatus === 'completed').toBe(historyOk);
        expect(next.transactionSyncStatus).not.toBe('inProgress');
        expect(next.syncError !== null).toBe(anyFailure);
        expect(next.isActive).toBe(previous.isActive);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('consent changes and the account', () => {
  it('DEAUTHORIZED: revoking hides the account and keeps its data', () => {
    const revoked = applyConsentChange(synced, 'revoked');
    expect(revoked).toEqual({ ...synced, isActive: false });
    expect(isAccountRefreshable(revoked, true)).toBe(false);
  });

  it('EXPIRED: the account stays active and listed but is not refreshed', () => {
    const expired = applyConsentChange(synced, 'expired');
    expect(expired).toEqual(synced);
    expect(expired.isActive).toBe(true);
    expect(isAccountRefreshable(expired, false)).toBe(false);
  });

  it('a new consent brings a revoked account back', () => {
    const back = applyConsentChange(applyConsentChange(synced, 'revoked'), 'granted');
    expect(back.isActive).toBe(true);
    expect(isAccountRefreshable(back, true)).toBe(true);
  });

  it('a session never reactivates a deauthorized account', () => {
    const revoked = applyConsentChange(synced, 'revoked');
    expect(applyAccountSessionOutcome(revoked, returned(endpointOk, booked(endpointOk)), session).isActive).toBe(false);
  });
});
