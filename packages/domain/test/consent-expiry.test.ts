import fc from 'fast-check';
import { EXPIRY_WARNING_DAYS, connectionRefreshQuota, daysUntilExpiry, dueExpiryWarning, unattendedAccessBudget } from '../src';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const expiresAt = new Date('2026-06-30T12:00:00Z');
const before = (ms: number): Date => new Date(expiresAt.getTime() - ms);

describe('daysUntilExpiry', () => {
  it('counts whole days left, rounded up, and 0 once expired', () => {
    expect(daysUntilExpiry(expiresAt, before(14 * DAY))).toBe(14);
    expect(daysUntilExpiry(expiresAt, before(13 * DAY + HOUR))).toBe(14);
    expect(daysUntilExpiry(expiresAt, before(13 * DAY))).toBe(13);
    expect(daysUntilExpiry(expiresAt, before(1))).toBe(1);
    expect(daysUntilExpiry(expiresAt, expiresAt)).toBe(0);
    expect(daysUntilExpiry(expiresAt, new Date(expiresAt.getTime() + DAY))).toBe(0);
  });
});

describe('dueExpiryWarning', () => {
  it('is due at 14, 7 and 1 days before expiry, each once', () => {
    expect(dueExpiryWarning(expiresAt, before(14 * DAY + 1), [])).toBeUndefined();
    expect(dueExpiryWarning(expiresAt, before(14 * DAY), [])).toBe(14);
    expect(dueExpiryWarning(expiresAt, before(10 * DAY), [14])).toBeUndefined();
    expect(dueExpiryWarning(expiresAt, before(7 * DAY), [14])).toBe(7);
    expect(dueExpiryWarning(expiresAt, before(3 * DAY), [14, 7])).toBeUndefined();
    expect(dueExpiryWarning(expiresAt, before(DAY), [14, 7])).toBe(1);
    expect(dueExpiryWarning(expiresAt, before(HOUR), [14, 7, 1])).toBeUndefined();
    expect(dueExpiryWarning(expiresAt, expiresAt, [])).toBeUndefined();
  });

  it('sends only the nearest point reached, never a farther one afterwards', () => {
    expect(dueExpiryWarning(expiresAt, before(5 * DAY), [])).toBe(7);
    expect(dueExpiryWarning(expiresAt, before(5 * DAY), [7])).toBeUndefined();
    expect(dueExpiryWarning(expiresAt, before(12 * HOUR), [14])).toBe(1);
  });

  it('over any sequence of rounds, sends each point at most once and in order 14 → 7 → 1', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 * DAY }), { maxLength: 40 }), (lefts) => {
        const sent: number[] = [];
        for (const left of [...lefts].sort((a, b) => b - a)) {
          const due = dueExpiryWarning(expiresAt, before(left), sent);
          if (due !== undefined) {
            expect(left).toBeLessThanOrEqual(due * DAY);
            sent.push(due);
          }
        }
        expect(new Set(sent).size).toBe(sent.length);
        expect(sent).toEqual([...sent].sort((a, b) => b - a));
        for (const d of sent) expect(EXPIRY_WARNING_DAYS).toContain(d);
      }),
    );
  });
});

describe('connectionRefreshQuota', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  it('is possible once every account allows it, as many times as the account with the fewest left', () => {
    const fresh = unattendedAccessBudget([], now, 4);
    const spent = unattendedAccessBudget([1, 2, 3, 4].map((h) => new Date(now.getTime() - h * HOUR)), now, 4);
    const one = unattendedAccessBudget([1, 2, 3].map((h) => new Date(now.getTime() - h * HOUR)), now, 4);
    expect(connectionRefreshQuota([fresh, one], now, 4)).toEqual({ nextRefreshPossibleAt: now, remaining: 1 });
    expect(connectionRefreshQuota([fresh, spent], now, 4)).toEqual({ nextRefreshPossibleAt: new Date(now.getTime() - 4 * HOUR + DAY), remaining: 0 });
    expect(connectionRefreshQuota([], now, 4)).toEqual({ nextRefreshPossibleAt: now, remaining: 4 });
  });
});
