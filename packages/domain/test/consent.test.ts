import { Result, Schema } from 'effect';
import fc from 'fast-check';
import {
  ACCESS_WINDOW_MS,
  Consent,
  ConsentTransitionError,
  MaxHistoryDays,
  ScaValidityDays,
  calendarDate,
  confirmConsent,
  evaluateConsent,
  historyStartDate,
  isConsentActive,
  isScaFresh,
  rejectConsent,
  revokeConsent,
  unattendedAccessBudget,
} from '../src';

const DAY = 86_400_000;
const HOUR = 3_600_000;

const consent = (overrides: Record<string, unknown> = {}): Consent =>
  Schema.decodeUnknownSync(Consent)({
    id: '909a1a06-c591-415e-88ac-5500c381dae1',
    status: 'valid',
    createdAt: new Date('2020-06-30T07:10:05.455Z'),
    expirationDate: new Date('2021-06-30T00:00:00Z'),
    scope: { data: ['accounts', 'balances', 'transactions'], transactionKinds: ['booked', 'pending'] },
    maxHistoryDays: 730,
    ...overrides,
  });

describe('consent schema', () => {
  it('accepts maximum history of 1..1460 whole days', () => {
    const decode = Schema.decodeUnknownSync(MaxHistoryDays);
    expect(decode(1)).toBe(1);
    expect(decode(1460)).toBe(1460);
    for (const bad of [0, 1461, -1, 1.5, Number.NaN, '90']) expect(() => decode(bad)).toThrow();
    expect(() => consent({ maxHistoryDays: 2000 })).toThrow();
  });

  it('rejects unknown statuses, reasons and scopes', () => {
    expect(() => consent({ status: 'confirmed' })).toThrow();
    expect(() => consent({ invalidationReason: 'Whatever' })).toThrow();
    expect(() => consent({ scope: { data: ['payments'], transactionKinds: [] } })).toThrow();
  });
});

describe('evaluateConsent', () => {
  const expiry = new Date('2021-06-30T00:00:00Z');

  it('leaves a valid consent alone before its expiration date', () => {
    const c = consent();
    expect(evaluateConsent(c, new Date(expiry.getTime() - 1))).toBe(c);
    expect(isConsentActive(c, new Date(expiry.getTime() - 1))).toBe(true);
  });

  it('expires a valid consent from its expiration date on, keeping the previous status', () => {
    const expired = evaluateConsent(consent(), expiry);
    expect(expired).toMatchObject({ status: 'expired', invalidationReason: 'Expired', previousStatus: 'valid' });
    expect(expired.scope).toEqual(consent().scope);
    expect(isConsentActive(consent(), expiry)).toBe(false);
  });

  it('expires a never-confirmed (received) consent too', () => {
    expect(evaluateConsent(consent({ status: 'received' }), expiry)).toMatchObject({
      status: 'expired',
      previousStatus: 'received',
    });
  });

  it('does not turn a revoked or rejected consent into an expired one', () => {
    const revoked = Result.getOrThrow(revokeConsent(consent()));
    expect(evaluateConsent(revoked, new Date('2030-01-01'))).toBe(revoked);
    const rejected = Result.getOrThrow(rejectConsent(consent({ status: 'received' })));
    expect(evaluateConsent(rejected, new Date('2030-01-01'))).toBe(rejected);
  });

  it('is idempotent and expires exactly from the expiration date on (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('received', 'valid', 'expired', 'revokedByUser', 'rejected'),
        fc.date({ min: new Date('2020-01-01'), max: new Date('2023-01-01'), noInvalidDate: true }),
        fc.date({ min: new Date('2020-01-01'), max: new Date('2023-01-01'), noInvalidDate: true }),
        (status, now, later) => {
          const before = consent({ status });
          const once = evaluateConsent(before, now);
          expect(evaluateConsent(once, now)).toEqual(once);
          const open = status === 'valid' || status === 'received';
          expect(once.status).toBe(open && now >= expiry ? 'expired' : status);
          // Once expired it stays as it is, however late it is evaluated again.
          if (once.status === 'expired') expect(evaluateConsent(once, later)).toBe(once);
          if (open && once.status === 'expired') expect(once.previousStatus).toBe(status);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('consent lifecycle', () => {
  it('confirm: received → valid', () => {
    expect(Result.getOrThrow(confirmConsent(consent({ status: 'received' })))).toMatchObject({
      status: 'valid',
      previousStatus: 'received',
    });
    const again = confirmConsent(consent());
    expect(Result.isFailure(again) && again.failure.from).toBe('valid');
  });

  it('reject: received → rejected with reason Rejected', () => {
    expect(Result.getOrThrow(rejectConsent(consent({ status: 'received' })))).toMatchObject({
      status: 'rejected',
      invalidationReason: 'Rejected',
      previousStatus: 'received',
    });
  });

  it('revoke: valid → revokedByUser with reason and previous status; repeating it changes nothing', () => {
    const revoked = Result.getOrThrow(revokeConsent(consent()));
    expect(revoked).toMatchObject({ status: 'revokedByUser', invalidationReason: 'RevokedByUser', previousStatus: 'valid' });
    expect(Result.getOrThrow(revokeConsent(revoked))).toBe(revoked);
  });

  it('an expired or rejected consent cannot be revoked, confirmed or rejected', () => {
    const expired = evaluateConsent(consent(), new Date('2030-01-01'));
    for (const attempt of [revokeConsent, confirmConsent, rejectConsent]) {
      const r = attempt(expired);
      expect(Result.isFailure(r)).toBe(true);
      if (Result.isFailure(r)) {
        expect(r.failure).toBeInstanceOf(ConsentTransitionError);
        expect(r.failure).toMatchObject({ _tag: 'ConsentTransitionError', from: 'expired' });
        expect(r.failure.message).toContain('expired');
      }
    }
  });
});

describe('history start date', () => {
  it('reaches back maxHistoryDays from today', () => {
    const decode = Schema.decodeUnknownSync(MaxHistoryDays);
    // The seed's consent range: today 2020-06-01, history from 2018-06-01 (731 days back).
    expect(historyStartDate(calendarDate('2020-06-01'), decode(731))).toBe('2018-06-01');
    expect(historyStartDate(calendarDate('2020-06-01'), decode(1460))).toBe('2016-06-02');
    expect(historyStartDate(calendarDate('2020-03-01'), decode(1))).toBe('2020-02-29');
  });
});

describe('SCA freshness', () => {
  const sca = new Date('2024-01-01T12:00:00Z');
  const after = (ms: number) => new Date(sca.getTime() + ms);

  it('is fresh for 90 days by default, not on the 90th day boundary', () => {
    expect(isScaFresh(sca, after(0))).toBe(true);
    expect(isScaFresh(sca, after(89 * DAY))).toBe(true);
    expect(isScaFresh(sca, after(90 * DAY - 1))).toBe(true);
    expect(isScaFresh(sca, after(90 * DAY))).toBe(false);
    expect(isScaFresh(sca, after(400 * DAY))).toBe(false);
  });

  it('takes a per-bank validity such as 180 days', () => {
    expect(isScaFresh(sca, after(120 * DAY))).toBe(false);
    expect(isScaFresh(sca, after(120 * DAY), 180)).toBe(true);
    expect(isScaFresh(sca, after(180 * DAY), 180)).toBe(false);
  });

  it('a per-bank validity setting is 1..180 whole days', () => {
    const decode = Schema.decodeUnknownSync(ScaValidityDays);
    expect(decode(90)).toBe(90);
    expect(decode(180)).toBe(180);
    for (const bad of [0, 181, 90.5]) expect(() => decode(bad)).toThrow();
  });

  it('is never fresh without an SCA, and refuses a meaningless validity', () => {
    expect(isScaFresh(undefined, sca)).toBe(false);
    expect(() => isScaFresh(sca, sca, 0)).toThrow(RangeError);
    expect(() => isScaFresh(sca, sca, 1.5)).toThrow(RangeError);
  });
});

describe('unattended access budget', () => {
  const now = new Date('2024-05-10T12:00:00Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);

  it('allows four accesses per rolling 24 h by default', () => {
    expect(unattendedAccessBudget([], now)).toEqual({ allowed: true, remaining: 4, nextAllowedAt: now });
    expect(unattendedAccessBudget([ago(1 * HOUR), ago(2 * HOUR), ago(3 * HOUR)], now)).toMatchObject({
      allowed: true,
      remaining: 1,
    });
  });

  it('when spent, names the oldest access in the window + 24 h as the next allowed instant', () => {
    const accesses = [ago(2 * HOUR), ago(20 * HOUR), ago(1 * HOUR), ago(6 * HOUR)]; // any order
    expect(unattendedAccessBudget(accesses, now)).toEqual({
      allowed: false,
      remaining: 0,
      nextAllowedAt: new Date(ago(20 * HOUR).getTime() + ACCESS_WINDOW_MS),
    });
  });

  it('forgets accesses 24 h old or older', () => {
    const accesses = [ago(24 * HOUR), ago(30 * HOUR), ago(1 * HOUR), ago(2 * HOUR), ago(3 * HOUR)];
    expect(unattendedAccessBudget(accesses, now)).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('with more accesses than the limit in the window, waits until enough have left it', () => {
    const accesses = [ago(1 * HOUR), ago(5 * HOUR), ago(10 * HOUR), ago(15 * HOUR), ago(20 * HOUR)];
    // Five in the window, limit 4: both the 20 h and the 15 h old accesses must leave.
    expect(unattendedAccessBudget(accesses, now).nextAllowedAt).toEqual(new Date(ago(15 * HOUR).getTime() + ACCESS_WINDOW_MS));
  });

  it('takes a bank-specific limit', () => {
    expect(unattendedAccessBudget([ago(HOUR), ago(2 * HOUR)], now, 2).allowed).toBe(false);
    expect(unattendedAccessBudget([ago(HOUR), ago(2 * HOUR)], now, 10)).toMatchObject({ allowed: true, remaining: 8 });
    expect(() => unattendedAccessBudget([], now, 0)).toThrow(RangeError);
  });

  it('following it never puts more than N accesses in any rolling 24 h, and its next instant is exact (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 10 * HOUR }), { minLength: 1, maxLength: 60 }),
        (limit, gaps) => {
          const start = Date.UTC(2024, 0, 1);
          const taken: Date[] = [];
          let t = start;
          for (const gap of gaps) {
            t += gap;
            const at = new Date(t);
            const budget = unattendedAccessBudget(taken, at, limit);
            if (budget.allowed) {
              expect(budget.nextAllowedAt).toEqual(at);
              taken.push(at);
            } else {
              const next = budget.nextAllowedAt;
              expect(next.getTime()).toBeGreaterThan(t);
              expect(unattendedAccessBudget(taken, next, limit).allowed).toBe(true);
              expect(unattendedAccessBudget(taken, new Date(next.getTime() - 1), limit).allowed).toBe(false);
            }
          }
          for (const a of taken) {
            const inWindow = taken.filter((b) => b.getTime() >= a.getTime() && b.getTime() < a.getTime() + ACCESS_WINDOW_MS);
            expect(inWindow.length).toBeLessThanOrEqual(limit);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
