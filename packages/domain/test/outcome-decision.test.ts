import { Result } from 'effect';
import fc from 'fast-check';
import {
  type BankError,
  type BankErrorTag,
  type ChallengeKind,
  type Consent,
  ConsentId,
  DecisionInput,
  type MaxHistoryDays,
  aggregationStatusGroup,
  applyAccountSessionOutcome,
  applyConsentChange,
  applyConsentDecision,
  bankErrorTags,
  decide,
  failurePhases,
  initialAccountSyncState,
  nextAggregationStatus,
  statusesOfPhase,
} from '../src';

const kinds: readonly ChallengeKind[] = ['security', 'otp', 'captcha', 'puzzle'];
const kind = fc.constantFrom(...kinds);
const message = fc.string({ maxLength: 20 });
const optNat = fc.option(fc.nat({ max: 7_200_000 }), { nil: undefined });
const optStatus = fc.option(fc.integer({ min: 400, max: 599 }), { nil: undefined });
const optContent = fc.option(fc.string({ maxLength: 20 }), { nil: undefined });

/** One arbitrary per error kind: the record fails to type-check when a kind is missing. */
const byTag: { readonly [K in BankErrorTag]: fc.Arbitrary<Extract<BankError, { _tag: K }>> } = {
  CredentialsInvalid: fc.record({ _tag: fc.constant('CredentialsInvalid' as const), message }),
  ChallengeRequired: fc.record({ _tag: fc.constant('ChallengeRequired' as const), message, challenge: fc.record({ kind }) }),
  ChallengeAnswerInvalid: fc.record({ _tag: fc.constant('ChallengeAnswerInvalid' as const), message, challengeKind: kind }),
  ChallengeTimedOut: fc.record({ _tag: fc.constant('ChallengeTimedOut' as const), message, challengeKind: kind }),
  LockedTemporary: fc.record({ _tag: fc.constant('LockedTemporary' as const), message }),
  LockedPermanent: fc.record({ _tag: fc.constant('LockedPermanent' as const), message }),
  InterventionRequired: fc.record({ _tag: fc.constant('InterventionRequired' as const), message }),
  ServiceUnavailable: fc.record({ _tag: fc.constant('ServiceUnavailable' as const), message, retryAfterMs: optNat, httpStatus: optStatus, content: optContent }),
  SessionConflict: fc.record({ _tag: fc.constant('SessionConflict' as const), message }),
  NetworkError: fc.record({ _tag: fc.constant('NetworkError' as const), message, code: optContent }),
  TemporaryError: fc.record({ _tag: fc.constant('TemporaryError' as const), message, code: optContent, httpStatus: optStatus, content: optContent }),
  PermanentError: fc.record({ _tag: fc.constant('PermanentError' as const), message, code: optContent, httpStatus: optStatus, content: optContent }),
  Unsupported: fc.record({ _tag: fc.constant('Unsupported' as const), message }),
  ConsentExpired: fc.record({ _tag: fc.constant('ConsentExpired' as const), message, httpStatus: optStatus, content: optContent }),
  ConsentRevoked: fc.record({ _tag: fc.constant('ConsentRevoked' as const), message, httpStatus: optStatus, content: optContent }),
  RateLimited: fc.record({ _tag: fc.constant('RateLimited' as const), message, retryAfterMs: optNat, httpStatus: optStatus, content: optContent }),
  MissingAccount: fc.record({ _tag: fc.constant('MissingAccount' as const), message, bankAccountId: fc.string({ minLength: 1, maxLength: 8 }) }),
  SignatureError: fc.record({ _tag: fc.constant('SignatureError' as const), message }),
  BankResponse: fc.record({ _tag: fc.constant('BankResponse' as const), message, status: fc.integer({ min: 400, max: 599 }), content: fc.string({ maxLength: 20 }) }),
};
const anyError: fc.Arbitrary<BankError> = fc.oneof(...bankErrorTags.map((t) => byTag[t] as fc.Arbitrary<BankError>));
const anyPhase = fc.constantFrom(...failurePhases);
const anyInput: fc.Arbitrary<DecisionInput> = fc.oneof(
  fc.tuple(anyPhase, anyError).map(([p, e]) => DecisionInput.failed(p, e)),
  fc.constant(DecisionInput.challengeTimedOut()),
  fc.constant(DecisionInput.consentWithdrawn()),
  fc.constant(DecisionInput.consentExpired()),
);

const consent = (status: Consent['status']): Consent => ({
  id: ConsentId.make('00000000-0000-7000-8000-000000000001'),
  status,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  expirationDate: new Date('2026-04-01T00:00:00Z'),
  scope: { data: ['accounts', 'balances', 'transactions'], transactionKinds: ['booked'] },
  maxHistoryDays: 90 as MaxHistoryDays,
});

/** The inputs by which a consent revocation / expiry can come: the bank's answer in any phase, or the user / the clock. */
const revocations: fc.Arbitrary<DecisionInput> = fc.oneof(
  fc.tuple(anyPhase, byTag.ConsentRevoked).map(([p, e]) => DecisionInput.failed(p, e)),
  fc.constant(DecisionInput.consentWithdrawn()),
);
const expiries: fc.Arbitrary<DecisionInput> = fc.oneof(
  fc.tuple(anyPhase, byTag.ConsentExpired).map(([p, e]) => DecisionInput.failed(p, e)),
  fc.constant(DecisionInput.consentExpired()),
);

describe('decide: one decision for every outcome', () => {
  it('lists every error kind once', () => {
    expect(new Set(bankErrorTags).size).toBe(bankErrorTags.length);
    expect(bankErrorTags).toHaveLength(Object.keys(byTag).length);
  });

  it('every error kind in every phase yields a status event the domain transition accepts from every status of that phase', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const d = decide(input);
        for (const from of statusesOfPhase(input)) {
          if (d.event === undefined) continue;
          const next = nextAggregationStatus(from, d.event);
          expect(Result.isSuccess(next)).toBe(true);
        }
        // A retry leaves the status alone (the run goes on); an account's own failure too.
        if (d.retry._tag !== 'no' || d.accountLevel) expect(d.event).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('a failure that ends the run moves the connection to a failure status, a waiting status or keeps it when the account alone failed', () => {
    fc.assert(
      fc.property(anyPhase, anyError, (phase, error) => {
        const d = decide(DecisionInput.failed(phase, error));
        if (d.retry._tag !== 'no' || d.accountLevel) return;
        expect(d.event).toBeDefined();
        const to = Result.getOrThrow(nextAggregationStatus(statusesOfPhase(DecisionInput.failed(phase, error))[0] ?? 'running.auth', d.event!));
        expect(['auth-error', 'error', 'intervention-required', 'waiting']).toContain(aggregationStatusGroup(to));
      }),
    );
  });

  it('when retries are spent nothing is retried and the run ends in the error’s own status (RateLimited: error.service.unavailable, never error.temporary)', () => {
    fc.assert(
      fc.property(anyError, (error) => {
        const d = decide(DecisionInput.failed('retriesExhausted', error));
        expect(d.retry._tag).toBe('no');
        expect(d.event?._tag).toBe('Failed');
      }),
    );
    fc.assert(
      fc.property(byTag.RateLimited, (error) => {
        const d = decide(DecisionInput.failed('retriesExhausted', error));
        expect(d.event).toEqual({ _tag: 'Failed', status: 'error.service.unavailable' });
        expect(d.failure).toMatchObject({ errorType: 'aspspResponse', aspspResponse: { status: String(error.httpStatus ?? 429) } });
      }),
    );
  });

  it('interactive phases never retry; a sync retries network, temporary and rate-limit errors, after the bank’s wait when it gave one', () => {
    fc.assert(
      fc.property(fc.constantFrom('connect' as const, 'credentialLogin' as const, 'challengeAnswer' as const), anyError, (phase, error) => {
        expect(decide(DecisionInput.failed(phase, error)).retry._tag).toBe('no');
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom('auth' as const, 'accounts' as const, 'data' as const), fc.oneof(byTag.RateLimited, byTag.ServiceUnavailable), (phase, error) => {
        const d = decide(DecisionInput.failed(phase, error));
        if (error.retryAfterMs !== undefined) expect(d.retry).toEqual({ _tag: 'after', ms: error.retryAfterMs });
        else expect(d.retry._tag).toBe(error._tag === 'RateLimited' ? 'now' : 'no');
      }),
    );
    expect(decide(DecisionInput.failed('data', { _tag: 'NetworkError', message: 'x' })).retry).toEqual({ _tag: 'now' });
  });

  it('ERROR: account-level errors in the data stage are the account’s own, with the seed’s errorType; the session goes on', () => {
    fc.assert(
      fc.property(fc.oneof(byTag.MissingAccount, byTag.SignatureError, byTag.BankResponse), (error) => {
        const d = decide(DecisionInput.failed('data', error));
        expect(d.accountLevel).toBe(true);
        expect(d.accounts.scope).toBe('account');
        const outcome = d.accounts.outcome!;
        const state = applyAccountSessionOutcome(initialAccountSyncState, outcome, { now: new Date(0), executionId: 'e' });
        expect(state.syncStatus).toBe('failed');
        expect(state.syncError?.errorType).toBe({ MissingAccount: 'missingAccount', SignatureError: 'signature', BankResponse: 'aspspResponse' }[error._tag]);
      }),
    );
  });

  it('ERROR: a temporary error of one account’s data call is retried as that account’s own (its siblings go on; once no retry is left it alone fails); elsewhere the session’s', () => {
    fc.assert(
      fc.property(byTag.TemporaryError, (error) => {
        const d = decide(DecisionInput.failed('data', error));
        expect(d.retry).toEqual({ _tag: 'now' });
        expect(d.event).toBeUndefined();
        expect(d.accounts.scope).toBe('account');
        const state = applyAccountSessionOutcome(initialAccountSyncState, d.accounts.outcome!, { now: new Date(0), executionId: 'e' });
        expect(state.syncStatus).toBe('failed');
        expect(state.syncError?.errorType).toBe(error.httpStatus === undefined ? 'internal' : 'aspspResponse');
        for (const phase of ['auth', 'accounts'] as const) expect(decide(DecisionInput.failed(phase, error)).accounts.scope).toBe('unchanged');
        expect(decide(DecisionInput.failed('retriesExhausted', error)).event).toEqual({ _tag: 'Failed', status: 'error.temporary' });
      }),
    );
    // The bank's own trouble stays the whole session's.
    fc.assert(
      fc.property(fc.oneof(byTag.NetworkError, byTag.RateLimited, byTag.ServiceUnavailable), (error) => {
        expect(decide(DecisionInput.failed('data', error)).accounts.scope).not.toBe('account');
      }),
    );
  });

  it('ERROR: a failure that ends a session gives every unsettled account syncStatus failed with its syncError', () => {
    fc.assert(
      fc.property(anyPhase, anyError, (phase, error) => {
        const d = decide(DecisionInput.failed(phase, error));
        if (d.accounts.scope !== 'unsettled') return;
        const state = applyAccountSessionOutcome(initialAccountSyncState, d.accounts.outcome!, { now: new Date(0), executionId: 'e' });
        expect(state.syncStatus).toBe('failed');
        expect(state.transactionSyncStatus).toBe('failed');
        expect(state.syncError).not.toBeNull();
      }),
    );
  });

  it('DEAUTHORIZED: a revocation hides the accounts and revokes the consent (previousStatus kept), whether the bank reported it or the user withdrew', () => {
    fc.assert(
      fc.property(revocations, fc.constantFrom('valid' as const, 'received' as const), (input, before) => {
        const d = decide(input);
        expect(d.accounts.hide).toBe(true);
        expect(d.consent).toEqual({ status: 'revokedByUser', invalidationReason: 'RevokedByUser' });
        const after = Result.getOrThrow(applyConsentDecision(consent(before), d.consent!));
        expect(after).toMatchObject({ status: 'revokedByUser', invalidationReason: 'RevokedByUser', previousStatus: before });
        expect(applyConsentChange(initialAccountSyncState, 'revoked').isActive).toBe(false);
      }),
    );
  });

  it('EXPIRED: an expiry invalidates the consent with reason Expired and keeps the accounts listed, whichever path it came by', () => {
    fc.assert(
      fc.property(expiries, fc.constantFrom('valid' as const, 'received' as const), (input, before) => {
        const d = decide(input);
        expect(d.accounts.hide).toBe(false);
        const after = Result.getOrThrow(applyConsentDecision(consent(before), d.consent!));
        expect(after).toMatchObject({ status: 'expired', invalidationReason: 'Expired', previousStatus: before });
      }),
    );
    // A final consent stays as it is.
    expect(Result.getOrThrow(applyConsentDecision(consent('rejected'), { status: 'expired', invalidationReason: 'Expired' })).status).toBe('rejected');
  });

  it('a consent the bank ended (expired or revoked) with its answer: the unsettled accounts’ syncError is that answer (aspspResponse), internal only without one; the run ends auth.creds.invalid', () => {
    fc.assert(
      fc.property(fc.oneof(byTag.ConsentExpired, byTag.ConsentRevoked), fc.constantFrom('auth' as const, 'accounts' as const, 'data' as const), (error, phase) => {
        const d = decide(DecisionInput.failed(phase, error));
        expect(d.event).toEqual({ _tag: 'Failed', status: 'auth.creds.invalid' });
        expect(d.failure).toEqual(
          error.httpStatus === undefined
            ? { errorType: 'internal', message: error.message }
            : { errorType: 'aspspResponse', aspspResponse: { status: String(error.httpStatus), content: error.content ?? '' }, message: error.message },
        );
        const state = applyAccountSessionOutcome(initialAccountSyncState, d.accounts.outcome!, { now: new Date(0), executionId: 'e' });
        expect(state.syncError?.errorType).toBe(error.httpStatus === undefined ? 'internal' : 'aspspResponse');
      }),
    );
  });

  it('no other error changes the consent or hides accounts', () => {
    fc.assert(
      fc.property(anyPhase, anyError, (phase, error) => {
        if (error._tag === 'ConsentExpired' || error._tag === 'ConsentRevoked') return;
        const d = decide(DecisionInput.failed(phase, error));
        expect(d.consent).toBeUndefined();
        expect(d.accounts.hide).toBe(false);
      }),
    );
  });

  it('a challenge raised as an error: relayed (suspended.*) during a sync, error.temporary where no state can answer it, auth.creds.*.invalid once the retries are spent', () => {
    fc.assert(
      fc.property(byTag.ChallengeRequired, anyPhase, (error, phase) => {
        const d = decide(DecisionInput.failed(phase, error));
        const from = statusesOfPhase(DecisionInput.failed(phase, error))[0] ?? 'running.auth';
        const to = Result.getOrThrow(nextAggregationStatus(from, d.event!));
        const expected = {
          connect: 'error.temporary',
          credentialLogin: 'error.temporary',
          challengeAnswer: 'error.temporary',
          auth: `suspended.missing-answer.auth.${error.challenge.kind}`,
          accounts: `suspended.missing-answer.auth.${error.challenge.kind}`,
          data: `suspended.missing-answer.auth.${error.challenge.kind}`,
          retriesExhausted: `auth.creds.${error.challenge.kind}.invalid`,
        }[phase];
        expect(to).toBe(expected);
      }),
    );
  });

  it('a challenge timeout ends in the matching auth.creds.*.invalid', () => {
    for (const k of kinds) {
      const d = decide(DecisionInput.challengeTimedOut());
      expect(Result.getOrThrow(nextAggregationStatus(`suspended.missing-answer.auth.${k}`, d.event!))).toBe(`auth.creds.${k}.invalid`);
    }
  });
});
