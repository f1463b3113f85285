/**
 * What a generated ledger is made of: the kinds of transactions an account sees, how
 * often, how large, and how they are described. Profiles are data; the ledger walks them.
 */

/** One kind of transaction (salary, ATM withdrawal, utility direct debit…). */
export interface TransactionKind {
  /** Stable machine name, e.g. `salary`. */
  readonly code: string;
  /** Relative frequency within its group (incomes or expenses). */
  readonly weight: number;
  /** The amount in whole currency units (yen), always positive, from a uniform `u` in [0, 1). */
  amount(u: number): number;
  /** The description a bank prints, from a uniform `u` and the account's flavour (a per-account hash). */
  describe(u: number, flavour: number): string;
}

/** The shape of one kind of account's history. */
export interface LedgerProfile {
  /** Profile name, e.g. `personal-ordinary`. */
  readonly name: string;
  /** Kinds that add money. */
  readonly incomes: readonly TransactionKind[];
  /** Kinds that take money. */
  readonly expenses: readonly TransactionKind[];
  /** The income used when an expense would overdraw an account that may not go negative. */
  readonly topUp: TransactionKind;
  /** A kind booked as the first transaction of a pay day (salary), if any. */
  readonly payday?: TransactionKind;
  /** Probability of an income when the balance sits at its target. */
  readonly incomeBias: number;
  /** Whether the balance may go below zero (credit cards, overdrafts). */
  readonly allowNegative: boolean;
  /** Upper bound of the balance (a card account never shows money in its favour). */
  readonly ceiling?: number;
  /** Relative activity on Saturdays and Sundays (1 = like a weekday). */
  readonly weekendFactor: number;
  /** Share of generated transactions that the bank cancelled and therefore never lists. */
  readonly cancelRate: number;
}

// Local copies: global lookups are slow inside vm contexts (e.g. jest), and this runs per transaction.
const pow = Math.pow;
const max = Math.max;
const round = Math.round;

/** An amount between `lo` and `hi`, log-uniformly (small amounts are more common), rounded to `step`. */
export function logUniform(u: number, lo: number, hi: number, step = 1): number {
  const v = lo * pow(hi / lo, u);
  return max(step, round(v / step) * step);
}
