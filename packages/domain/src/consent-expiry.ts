import { type AccessBudget } from './consent';

const DAY_MS = 86_400_000;

/** How many days before a consent expires its user is warned: 14, 7 and 1 (once each). */
export const EXPIRY_WARNING_DAYS = [14, 7, 1] as const;
/** One of the warning points, in days before expiry. */
export type ExpiryWarningDays = (typeof EXPIRY_WARNING_DAYS)[number];

/**
 * Whole days left until `expiresAt` at `now`, rounded up (13 days and an hour left is 14):
 * the number a user reads as "expires in N days". 0 once expired.
 */
export function daysUntilExpiry(expiresAt: Date, now: Date): number {
  const left = expiresAt.getTime() - now.getTime();
  return left <= 0 ? 0 : Math.ceil(left / DAY_MS);
}

/**
 * The expiry warning due at `now` for a consent expiring at `expiresAt`, given the warning
 * points already sent: the nearest point reached (at most that many days left, not yet
 * expired) unless it or a nearer one was sent. A point passed while a nearer one was due is
 * not sent afterwards (a consent granted for 5 days gets the 7-day warning only, never the
 * 14-day one), so each is sent at most once and never out of order. Undefined when none.
 */
export function dueExpiryWarning(expiresAt: Date, now: Date, sent: readonly number[]): ExpiryWarningDays | undefined {
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return undefined;
  const reached = EXPIRY_WARNING_DAYS.filter((d) => left <= d * DAY_MS);
  const nearest = reached[reached.length - 1];
  if (nearest === undefined || sent.some((s) => s <= nearest)) return undefined;
  return nearest;
}

/** The unattended-refresh figures of a connection: its accounts' budgets taken together. */
export interface RefreshQuota {
  /** The first instant at which every account may be read without the user (`now` when already). */
  readonly nextRefreshPossibleAt: Date;
  /** Unattended accesses left in the rolling 24 h: the fewest of any account. */
  readonly remaining: number;
}

/**
 * A connection's quota from its active accounts' budgets: a background refresh reads every
 * account, so it is possible once the last of them allows it, and as many times as the
 * account with the fewest accesses left. No accounts: `limit` left, possible `now`.
 */
export function connectionRefreshQuota(budgets: readonly AccessBudget[], now: Date, limit: number): RefreshQuota {
  if (budgets.length === 0) return { nextRefreshPossibleAt: now, remaining: limit };
  const next = Math.max(...budgets.map((b) => b.nextAllowedAt.getTime()));
  return { nextRefreshPossibleAt: new Date(next), remaining: Math.min(...budgets.map((b) => b.remaining)) };
}
