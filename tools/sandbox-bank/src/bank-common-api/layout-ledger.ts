/**
 * An account history laid out exactly (account option `transactionsByDate`): a given number
 * of listed transactions on given dates and none on any other day. Tests that need "exactly
 * N transactions inside a window, one on each of its edges and one just outside each edge"
 * use it; a generated history spreads its transactions by weight and cannot promise that.
 *
 * It is made of one {@link AccountLedger} per listed date — a one-day generated history holds
 * exactly its count — chained so that each date opens with the previous date's closing
 * balance. Segment k covers its date up to the day before the next listed date; nothing is
 * generated after the last date. Paging stays O(page size + one day), as in the generated
 * history, whatever the number of transactions.
 */
import { dayNumber, fromDayNumber, type IsoDate } from '../calendar';
import {
  AccountLedger,
  type DailyBalance,
  type InsertedTransaction,
  type LedgerEntry,
  type LedgerSpec,
  type LedgerWindowSummary,
  type LedgerWork,
  type WindowPlan,
} from '../generator/ledger';

/** A resolved date window of a {@link Ledger}: how many transactions and days it lists. */
export interface LedgerPlan {
  /** Transactions in the window. */
  readonly total: number;
  /** Days in the window that have a daily balance. */
  readonly days: number;
}

/** What the bank and the truth API read from an account's history (a generated or a laid-out one). */
export interface Ledger {
  /** Resolves the inclusive window [fromDay, toDay] (day numbers) as seen on day `today`. */
  plan(fromDay: number, toDay: number, today: number): LedgerPlan;
  /** Transactions at positions [lo, hi) of the window, oldest first. */
  slice(plan: LedgerPlan, lo: number, hi: number): LedgerEntry[];
  /** Daily balances at positions [lo, hi) of the window's days, oldest first. */
  dailyBalances(plan: LedgerPlan, lo: number, hi: number): DailyBalance[];
  /** Counts, sums and balances over the window. */
  summary(plan: LedgerPlan): LedgerWindowSummary;
  /** Work counters (transactions stepped through). */
  workDone(): LedgerWork;
  /** Adds a transaction; `today` is the current day number. */
  insert(tx: InsertedTransaction, today: number): LedgerEntry;
  /** Calendar date of the account's first day. */
  firstDate(): IsoDate;
}

/** What a laid-out history shares with a generated one (its dates and counts come from the layout). */
export type LayoutSpec = Omit<LedgerSpec, 'firstDay' | 'historyDays' | 'transactions' | 'ongoing'>;

interface Part {
  readonly segment: number;
  readonly plan: WindowPlan;
  /** Window position of the part's first transaction. */
  readonly offset: number;
  /** Window position of the part's first day. */
  readonly dayOffset: number;
  /** Net of the transactions inserted into earlier segments (visible on the plan's day). */
  readonly shift: number;
}

interface LayoutPlan extends LedgerPlan {
  readonly parts: readonly Part[];
  readonly today: number;
  readonly toDay: number;
}

/** A history with exactly the given number of listed transactions on each given date. */
export class LayoutLedger implements Ledger {
  private readonly days: readonly number[];
  private readonly segments: readonly AccountLedger[];
  private readonly inserted: Array<{ readonly segment: number; readonly day: number; readonly amount: number }> = [];

  /** `counts` maps day numbers to listed transactions (at least one date; counts ≥ 0). */
  constructor(
    private readonly spec: LayoutSpec,
    counts: ReadonlyMap<number, number>,
  ) {
    const days = [...counts.keys()].sort((a, b) => a - b);
    if (days.length === 0) throw new Error('a laid-out history needs at least one date');
    const segments: AccountLedger[] = [];
    let opening = spec.openingBalance;
    for (const day of days) {
      const transactions = counts.get(day) ?? 0;
      const segment = new AccountLedger({ ...spec, firstDay: day, historyDays: 1, transactions, openingBalance: opening, ongoing: false });
      segments.push(segment);
      // The day's closing balance (every generated transaction of a past day is visible).
      opening = segment.summary(segment.plan(day, day, day + 1)).balanceAfter;
    }
    this.days = days;
    this.segments = segments;
  }

  /** @inheritdoc */
  firstDate(): IsoDate {
    return fromDayNumber(this.days[0] as number);
  }

  /** @inheritdoc */
  workDone(): LedgerWork {
    let indexed = 0;
    let walked = 0;
    for (const s of this.segments) {
      const w = s.workDone();
      indexed += w.indexed;
      walked += w.walked;
    }
    return { indexed, walked };
  }

  /** @inheritdoc */
  plan(fromDay: number, toDay: number, today: number): LedgerPlan {
    const parts: Part[] = [];
    let total = 0;
    let days = 0;
    for (let k = 0; k < this.segments.length; k++) {
      const lo = Math.max(fromDay, this.days[k] as number);
      const hi = Math.min(toDay, this.lastDayOf(k));
      if (lo > hi) continue;
      const plan = (this.segments[k] as AccountLedger).plan(lo, hi, today);
      if (plan.days === 0) continue; // entirely after today
      parts.push({ segment: k, plan, offset: total, dayOffset: days, shift: this.shift(k, today) });
      total += plan.total;
      days += plan.days;
    }
    const plan: LayoutPlan = { total, days, parts, today, toDay };
    return plan;
  }

  /** @inheritdoc */
  slice(plan: LedgerPlan, lo: number, hi: number): LedgerEntry[] {
    const out: LedgerEntry[] = [];
    for (const part of layoutPlan(plan).parts) {
      const a = Math.max(lo, part.offset);
      const b = Math.min(hi, part.offset + part.plan.total);
      if (a >= b) continue;
      for (const e of (this.segments[part.segment] as AccountLedger).slice(part.plan, a - part.offset, b - part.offset)) out.push(this.adjust(e, part.segment, part.shift));
    }
    return out;
  }

  /** @inheritdoc */
  dailyBalances(plan: LedgerPlan, lo: number, hi: number): DailyBalance[] {
    const out: DailyBalance[] = [];
    for (const part of layoutPlan(plan).parts) {
      const a = Math.max(lo, part.dayOffset);
      const b = Math.min(hi, part.dayOffset + part.plan.days);
      if (a >= b) continue;
      for (const d of (this.segments[part.segment] as AccountLedger).dailyBalances(part.plan, a - part.dayOffset, b - part.dayOffset)) {
        out.push(part.shift === 0 ? d : { date: d.date, balance: d.balance + part.shift });
      }
    }
    return out;
  }

  /** @inheritdoc */
  summary(plan: LedgerPlan): LedgerWindowSummary {
    const { parts, today, toDay } = layoutPlan(plan);
    if (parts.length === 0) {
      // Nothing listed: the balance is the one at the window's end (or today), as a generated history reports it.
      const k = Math.max(0, this.segmentOf(Math.min(toDay, today)));
      const segment = this.segments[k] as AccountLedger;
      const s = segment.summary(segment.plan(toDay + 1, toDay, today));
      const shift = this.shift(k, today);
      return { ...s, balanceBefore: s.balanceBefore + shift, balanceAfter: s.balanceAfter + shift };
    }
    let count = 0;
    let cancelled = 0;
    let inflow = 0;
    let outflow = 0;
    let firstDate: IsoDate | undefined;
    let lastDate: IsoDate | undefined;
    const summaries = parts.map((p) => (this.segments[p.segment] as AccountLedger).summary(p.plan));
    for (const s of summaries) {
      count += s.count;
      cancelled += s.cancelled;
      inflow += s.inflow;
      outflow += s.outflow;
      firstDate ??= s.firstDate;
      lastDate = s.lastDate ?? lastDate;
    }
    const first = parts[0] as Part;
    const last = parts[parts.length - 1] as Part;
    return {
      count,
      cancelled,
      inflow,
      outflow,
      balanceBefore: (summaries[0] as LedgerWindowSummary).balanceBefore + first.shift,
      balanceAfter: (summaries[summaries.length - 1] as LedgerWindowSummary).balanceAfter + last.shift,
      firstDate,
      lastDate,
    };
  }

  /** @inheritdoc */
  insert(tx: InsertedTransaction, today: number): LedgerEntry {
    const day = dayNumber(tx.date);
    const k = this.segmentOf(day);
    if (k < 0) throw new Error(`${tx.date} is before the account's history starts (${this.firstDate()})`);
    const entry = (this.segments[k] as AccountLedger).insert(tx, today);
    this.inserted.push({ segment: k, day, amount: tx.amount });
    return this.adjust(entry, k, this.shift(k, today));
  }

  /** The last day segment k covers (the day before the next listed date). */
  private lastDayOf(k: number): number {
    const next = this.days[k + 1];
    return next === undefined ? Number.POSITIVE_INFINITY : next - 1;
  }

  /** The segment covering `day`, or -1 before the first date. */
  private segmentOf(day: number): number {
    let k = -1;
    while (k + 1 < this.days.length && (this.days[k + 1] as number) <= day) k++;
    return k;
  }

  /** The net of transactions inserted into segments before k, visible on `today`. */
  private shift(k: number, today: number): number {
    let net = 0;
    for (const x of this.inserted) if (x.segment < k && x.day <= today) net += x.amount;
    return net;
  }

  /**
   * Balances shifted by earlier segments' inserts; inserted ids made unique across segments
   * (each segment numbers its own inserts `<account>-x0001`…, so the segment's date is added).
   */
  private adjust(e: LedgerEntry, k: number, shift: number): LedgerEntry {
    if (shift === 0 && e.kind !== 'inserted') return e;
    const id = e.kind === 'inserted' ? e.id.replace(/-x(\d+)$/, `-x${fromDayNumber(this.days[k] as number).replace(/-/g, '')}-$1`) : e.id;
    return { ...e, id, balance: e.balance + shift };
  }
}

function layoutPlan(plan: LedgerPlan): LayoutPlan {
  if (!('parts' in plan)) throw new Error('not a plan of this ledger');
  return plan as LayoutPlan;
}
