import { Result } from 'effect';
import fc from 'fast-check';
import {
  type AggregationStatus,
  type ChallengeKind,
  InvalidStatusTransition,
  type StatusEvent,
  StatusEvent as Ev,
  aggregationStatusGroup,
  knownAggregationStatuses,
  nextAggregationStatus,
  parseAggregationStatus,
  statusForChallengeKind,
  statusMoves,
} from '../src';

const kinds: readonly ChallengeKind[] = ['security', 'otp', 'captcha', 'puzzle'];

/** Applies events in order; the first rejection stops the run. */
function run(from: AggregationStatus, events: readonly StatusEvent[]) {
  let result: Result.Result<AggregationStatus, InvalidStatusTransition> = Result.succeed(from);
  for (const event of events) result = Result.flatMap(result, (s) => nextAggregationStatus(s, event));
  return result;
}
const ok = (from: AggregationStatus, ...events: StatusEvent[]) => Result.getOrThrow(run(from, events));
const rejection = (from: AggregationStatus, event: StatusEvent) => {
  const r = nextAggregationStatus(from, event);
  if (Result.isSuccess(r)) throw new Error(`expected ${event._tag} in ${from} to be rejected, got ${r.success}`);
  return r.failure;
};

describe('status transitions', () => {
  it('a refresh runs through running.auth, .data and .intelligence to success', () => {
    expect(ok('success', Ev.refreshRequested())).toBe('running.auth');
    expect(ok('success', Ev.refreshRequested(), Ev.loggedIn())).toBe('running.data');
    expect(ok('success', Ev.refreshRequested(), Ev.loggedIn(), Ev.dataFetched())).toBe('running.intelligence');
    expect(ok('success', Ev.refreshRequested(), Ev.loggedIn(), Ev.dataFetched(), Ev.processingDone())).toBe('success');
  });

  it('every refresh from a settled status enters running.auth first', () => {
    const settled = knownAggregationStatuses.filter((s) => !/^(running|suspended)\./.test(s) && s !== 'inactive');
    expect(settled).toHaveLength(15);
    for (const status of settled) expect([status, ok(status, Ev.refreshRequested())]).toEqual([status, 'running.auth']);
    expect(ok(parseAggregationStatus('error.brand-new'), Ev.refreshRequested())).toBe('running.auth');
    expect(ok(parseAggregationStatus('mystery'), Ev.refreshRequested())).toBe('running.auth');
  });

  it('a challenge waits in its suspended status; the answer resumes the login', () => {
    for (const kind of kinds) {
      expect(ok('running.auth', Ev.challengeRaised(kind))).toBe(statusForChallengeKind(kind));
      expect(ok('running.auth', Ev.challengeRaised(kind), Ev.answered())).toBe('running.auth');
    }
  });

  it('a challenge can come while downloading (the bank ended the session and asks again at the re-login)', () => {
    for (const kind of kinds) {
      expect(ok('running.data', Ev.challengeRaised(kind))).toBe(statusForChallengeKind(kind));
      expect(ok('running.data', Ev.challengeRaised(kind), Ev.answered(), Ev.loggedIn())).toBe('running.data');
    }
  });

  it('allows two questions in a row: running → suspended → running → suspended', () => {
    const events = [Ev.refreshRequested(), Ev.challengeRaised('security'), Ev.answered(), Ev.challengeRaised('otp')];
    expect(ok('success', ...events)).toBe('suspended.missing-answer.auth.otp');
    expect(ok('success', ...events, Ev.answered(), Ev.loggedIn(), Ev.dataFetched(), Ev.processingDone())).toBe('success');
  });

  it('a question replaced at the user\'s request (a new CAPTCHA image) returns to running.auth, never through an invalid status; nothing waits, nothing to replace', () => {
    for (const kind of kinds) {
      expect(ok('running.auth', Ev.challengeRaised(kind), Ev.challengeRenewed())).toBe('running.auth');
      expect(ok('running.auth', Ev.challengeRaised(kind), Ev.challengeRenewed(), Ev.challengeRaised(kind))).toBe(statusForChallengeKind(kind));
    }
    for (const from of ['success', 'running.auth', 'running.data', 'auth.creds.captcha.invalid', 'inactive'] as const) {
      expect(rejection(from, Ev.challengeRenewed()).message).toMatch(/no challenge is waiting to be replaced/);
    }
  });

  it('a timed-out challenge ends in its matching auth.creds.*.invalid', () => {
    expect(ok('suspended.missing-answer.auth.security', Ev.answerTimedOut())).toBe('auth.creds.security.invalid');
    expect(ok('suspended.missing-answer.auth.otp', Ev.answerTimedOut())).toBe('auth.creds.otp.invalid');
    expect(ok('suspended.missing-answer.auth.captcha', Ev.answerTimedOut())).toBe('auth.creds.captcha.invalid');
    expect(ok('suspended.missing-answer.auth.puzzle', Ev.answerTimedOut())).toBe('auth.creds.puzzle.invalid');
  });

  it('an unknown waiting status can be answered, and times out as auth.creds.invalid', () => {
    const waiting = parseAggregationStatus('suspended.missing-answer.auth.face-id');
    expect(ok(waiting, Ev.answered())).toBe('running.auth');
    expect(ok(waiting, Ev.answerTimedOut())).toBe('auth.creds.invalid');
  });

  it('a run fails into any auth error, error, or guest.intervention.required', () => {
    const failures = knownAggregationStatuses.filter((s) => /^(auth|error)\./.test(s) || s === 'guest.intervention.required');
    expect(failures).toHaveLength(14);
    for (const failure of failures) {
      for (const from of ['running.auth', 'running.data', 'running.intelligence', 'suspended.missing-answer.auth.otp'] as const)
        expect(ok(from, Ev.failed(failure))).toBe(failure);
    }
    expect(ok('running.data', Ev.failed(parseAggregationStatus('error.rate-limited')))).toBe('error.rate-limited');
  });

  it('deactivation waits for a settled status; reactivation restores it so a refresh can start', () => {
    expect(ok('auth.creds.invalid', Ev.deactivated())).toBe('inactive');
    expect(ok('success', Ev.deactivated(), Ev.reactivated('success'))).toBe('success');
    expect(ok('inactive', Ev.reactivated('error.temporary'), Ev.refreshRequested())).toBe('running.auth');
  });

  it.each<[AggregationStatus, StatusEvent, RegExp]>([
    ['success', Ev.answered(), /no challenge/],
    ['running.auth', Ev.answered(), /no challenge/],
    ['running.data', Ev.answerTimedOut(), /no challenge/],
    ['inactive', Ev.refreshRequested(), /reactivate/],
    ['running.data', Ev.refreshRequested(), /already under way/],
    ['suspended.missing-answer.auth.otp', Ev.refreshRequested(), /already under way/],
    ['suspended.missing-answer.auth.security', Ev.dataFetched(), /no data/],
    ['running.auth', Ev.dataFetched(), /no data/],
    ['running.data', Ev.loggedIn(), /not logging in/],
    ['success', Ev.loggedIn(), /not logging in/],
    ['running.data', Ev.processingDone(), /nothing is being processed/],
    ['running.intelligence', Ev.challengeRaised('otp'), /only while logging in or downloading/],
    ['success', Ev.challengeRaised('otp'), /only while logging in or downloading/],
    ['suspended.missing-answer.auth.otp', Ev.challengeRaised('otp'), /only while logging in or downloading/],
    ['success', Ev.failed('error.temporary'), /no run/],
    ['running.auth', Ev.failed('success'), /not a failure status/],
    ['running.auth', Ev.failed('running.data'), /not a failure status/],
    ['running.auth', Ev.failed('inactive'), /not a failure status/],
    ['running.data', Ev.deactivated(), /under way/],
    ['inactive', Ev.deactivated(), /already inactive/],
    ['success', Ev.reactivated('success'), /not inactive/],
    ['inactive', Ev.reactivated('running.data'), /not a settled status/],
    ['inactive', Ev.reactivated('inactive'), /not a settled status/],
  ])('rejects %s + %o', (from, event, why) => {
    const error = rejection(from, event);
    expect(error).toBeInstanceOf(InvalidStatusTransition);
    expect(error._tag).toBe('InvalidStatusTransition');
    expect(error.from).toBe(from);
    expect(error.event).toBe(event._tag);
    expect(error.message).toMatch(why);
    expect(error.message).toContain(from);
  });

  it('never throws; refreshes enter running.auth and time-outs end in an auth error (property)', () => {
    const status = fc.oneof(
      fc.constantFrom(...knownAggregationStatuses),
      fc.string().map(parseAggregationStatus),
      fc.constantFrom('suspended.x', 'auth.x', 'error.x', 'running.x').map(parseAggregationStatus),
    );
    const event: fc.Arbitrary<StatusEvent> = fc.oneof(
      fc.constantFrom(
        Ev.refreshRequested(),
        Ev.loggedIn(),
        Ev.answered(),
        Ev.answerTimedOut(),
        Ev.challengeRenewed(),
        Ev.dataFetched(),
        Ev.processingDone(),
        Ev.deactivated(),
      ),
      fc.constantFrom(...kinds).map(Ev.challengeRaised),
      status.map(Ev.failed),
      status.map(Ev.reactivated),
    );
    fc.assert(
      fc.property(status, fc.array(event, { maxLength: 12 }), (from, events) => {
        let current = from;
        for (const e of events) {
          const next = nextAggregationStatus(current, e);
          if (Result.isFailure(next)) {
            expect(next.failure).toBeInstanceOf(InvalidStatusTransition);
            continue;
          }
          if (e._tag === 'RefreshRequested') expect(next.success).toBe('running.auth');
          if (e._tag === 'AnswerTimedOut') expect(aggregationStatusGroup(next.success)).toBe('auth-error');
          current = next.success;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("statusMoves lists exactly the moves nextAggregationStatus allows from each known status, once per event", () => {
    const events: StatusEvent[] = [
      Ev.refreshRequested(),
      Ev.loggedIn(),
      Ev.answered(),
      Ev.answerTimedOut(),
      Ev.challengeRenewed(),
      Ev.dataFetched(),
      Ev.processingDone(),
      Ev.deactivated(),
      ...kinds.map(Ev.challengeRaised),
      ...knownAggregationStatuses.map(Ev.failed),
      Ev.failed(parseAggregationStatus('error.bank.new_kind_of_error')),
      ...knownAggregationStatuses.map(Ev.reactivated),
    ];
    for (const event of events) {
      const expected = knownAggregationStatuses.flatMap((from) => {
        const next = nextAggregationStatus(from, event);
        return Result.isSuccess(next) && next.success !== from ? [[from, next.success]] : [];
      });
      const moves = statusMoves(event);
      expect(moves).toEqual(expected);
      // Kept per event and parameter: the same table again, for an equal event object.
      expect(statusMoves({ ...event })).toBe(moves);
    }
    expect(statusMoves(Ev.processingDone())).toEqual([['running.intelligence', 'success']]);
    expect(statusMoves(Ev.failed('success'))).toEqual([]);
    expect(statusMoves(Ev.challengeRaised('otp'))).not.toEqual(statusMoves(Ev.challengeRaised('captcha')));
  });
});
