/**
 * One account's transaction history, generated on demand.
 *
 * Nothing is ever stored per transaction. The history is a sequence of days; each day's
 * transactions come from their own random stream keyed by (seed, account, day), so a
 * day can be regenerated alone. A compact index per day (visible count, generated count
 * incl. cancelled ones, opening balance, inflow) — a few numbers per day, built once by
 * walking the history without creating objects — turns any date window and page into
 * "walk these few days". A page request therefore costs O(page size + one day), whatever
 * the length of the history (1,000,000 transactions included).
 *
 * Transactions are ordered oldest first: within a day by time, and transactions inserted
 * later (fault knobs, live activity) come after the generated ones of their day.
 */
import { fromDayNumber, weekday, type IsoDate } from '../calendar';
import type { LedgerProfile, TransactionKind } from './profile';
import { Prng, hash32, unit } from './prng';

/** Everything that determines one account's generated history. */
export interface LedgerSpec {
  /** The sandbox seed. */
  readonly seed: string;
  /** The account id: keys the random streams and prefixes transaction ids. */
  readonly accountId: string;
  /** What the account's transactions look like. */
  readonly profile: LedgerProfile;
  /** Day number (days since 1970-01-01) of the first day of history. */
  readonly firstDay: number;
  /** Length of the base history in days (the days before the anchor date). */
  readonly historyDays: number;
  /** Number of listed (not cancelled) transactions over the base history. */
  readonly transactions: number;
  /** Balance before the first transaction, in whole yen. */
  readonly openingBalance: number;
  /** Balance the history drifts back to (keeps long histories realistic). */
  readonly targetBalance: number;
  /** Whether days after the base history keep getting transactions as the clock moves on. */
  readonly ongoing: boolean;
}

/** One transaction as the bank lists it. */
export interface LedgerEntry {
  /** Stable id, unique across the sandbox. */
  readonly id: string;
  /** Booking date (calendar date in the bank's zone). */
  readonly date: IsoDate;
  /** Seconds since local midnight. */
  readonly secondsOfDay: number;
  /** Signed amount in whole yen: positive in, negative out. */
  readonly amount: number;
  /** The bank's description (摘要). */
  readonly description: string;
  /** Balance after this transaction. */
  readonly balance: number;
  /** The kind's machine name (`salary`, `atm-withdrawal`, `inserted`…). */
  readonly kind: string;
}

/** A transaction added after the fact (a knob, or activity while the sandbox runs). */
export interface InsertedTransaction {
  /** Booking date; must not be before the account's first day. */
  readonly date: IsoDate;
  /** Seconds since local midnight (ordering within the day is by insertion, after generated ones). */
  readonly secondsOfDay: number;
  /** Signed amount in whole yen. */
  readonly amount: number;
  /** Description. */
  readonly description: string;
}

interface Extra extends InsertedTransaction {
  readonly id: string;
  readonly day: number;
}

/** A date window resolved against the history and today (see {@link AccountLedger.plan}). */
export interface WindowPlan {
  /** First day number in the window that the account has (≥ its first day). */
  readonly from: number;
  /** Last day number in the window that can have transactions (≤ today). `from > to` means empty. */
  readonly to: number;
  /** Last day whose generated transactions are visible (days before today). */
  readonly generatedTo: number;
  /** Number of transactions in the window. */
  readonly total: number;
  /** Number of days in the window that have a daily balance. */
  readonly days: number;
  /** Inserted transactions visible today, in order. */
  readonly visibleExtras: readonly Extra[];
  /** Those inside the window. */
  readonly windowExtras: readonly Extra[];
}

/** Aggregates over a window, computed from the index without listing anything. */
export interface LedgerWindowSummary {
  /** Listed transactions in the window. */
  readonly count: number;
  /** Transactions the bank cancelled in the window (never listed). */
  readonly cancelled: number;
  /** Sum of positive amounts. */
  readonly inflow: number;
  /** Sum of negative amounts (≤ 0). */
  readonly outflow: number;
  /** Balance at the end of the day before the window (the opening balance if the window starts at the account's first day). */
  readonly balanceBefore: number;
  /** Balance at the end of the window's last day. */
  readonly balanceAfter: number;
  /** Date of the first listed transaction, if any. */
  readonly firstDate: IsoDate | undefined;
  /** Date of the last listed transaction, if any. */
  readonly lastDate: IsoDate | undefined;
}

/** Work counters: how many transactions were stepped through, per purpose. */
export interface LedgerWork {
  /** Transactions stepped through to build the per-day index (once per day, ever). */
  readonly indexed: number;
  /** Transactions stepped through to answer queries (pages, searches). */
  readonly walked: number;
}

/** One day's balance at its end. */
export interface DailyBalance {
  /** The day. */
  readonly date: IsoDate;
  /** Balance after the day's last transaction. */
  readonly balance: number;
}

// Local copy for the per-transaction loop: global lookups are slow inside vm contexts (jest).
const floor = Math.floor;
const DAY_START = 6 * 3600;
const DAY_SPAN = 17 * 3600;

/** A generated account history; see the file comment. */
export class AccountLedger {
  private built = false;
  private indexedDays = 0;
  private capacity = 0;
  // Index arrays: entry d holds the running value at the START of relative day d.
  private cumVisible: Float64Array<ArrayBuffer> = new Float64Array(1);
  private cumGenerated: Float64Array<ArrayBuffer> = new Float64Array(1);
  private openBalance: Float64Array<ArrayBuffer> = new Float64Array(1);
  private cumInflow: Float64Array<ArrayBuffer> = new Float64Array(1);
  private meanWeight = 0;
  private readonly extras: Extra[] = [];
  private extraSeq = 0;
  private readonly incomeWeights: Float64Array;
  private readonly expenseWeights: Float64Array;
  private readonly flavour: number;
  private work = { indexed: 0, walked: 0 };

  /** Creates the ledger; nothing is generated until it is first read. */
  constructor(readonly spec: LedgerSpec) {
    if (!Number.isInteger(spec.transactions) || spec.transactions < 0) throw new Error('transactions must be an integer ≥ 0');
    if (!Number.isInteger(spec.historyDays) || spec.historyDays < 0) throw new Error('historyDays must be an integer ≥ 0');
    if (spec.transactions > 0 && spec.historyDays === 0) throw new Error('transactions need a history of at least one day');
    this.incomeWeights = cumulativeWeights(spec.profile.incomes);
    this.expenseWeights = cumulativeWeights(spec.profile.expenses);
    this.flavour = hash32(spec.seed, spec.accountId, 'flavour');
  }

  /** Work done so far (tests use it to prove that a page does not walk the history). */
  workDone(): LedgerWork {
    return { ...this.work };
  }

  /** Bytes held by the per-day index (grows with days, never with transactions). */
  indexBytes(): number {
    return 4 * 8 * (this.capacity + 1);
  }

  /** Calendar date of the account's first day. */
  firstDate(): IsoDate {
    return fromDayNumber(this.spec.firstDay);
  }

  /** Adds a transaction. `today` is the current day number: future dates are refused. */
  insert(tx: InsertedTransaction, today: number): LedgerEntry {
    const day = Math.round(Date.parse(`${tx.date}T00:00:00Z`) / 86_400_000);
    if (Number.isNaN(day)) throw new Error(`invalid date ${tx.date}`);
    if (day < this.spec.firstDay) throw new Error(`${tx.date} is before the account's history starts (${this.firstDate()})`);
    if (day > today) throw new Error(`${tx.date} is in the future`);
    if (!Number.isSafeInteger(tx.amount) || tx.amount === 0) throw new Error('amount must be a non-zero integer');
    this.extraSeq += 1;
    const extra: Extra = { ...tx, id: `${this.spec.accountId}-x${String(this.extraSeq).padStart(4, '0')}`, day };
    let at = this.extras.length;
    while (at > 0 && (this.extras[at - 1] as Extra).day > day) at--;
    this.extras.splice(at, 0, extra);
    const plan = this.plan(day, day, today);
    const [entry] = this.slice(plan, plan.total - (plan.windowExtras.length - plan.windowExtras.indexOf(extra)), plan.total);
    if (!entry) throw new Error('inserted transaction not found');
    return entry;
  }

  /**
   * Resolves the inclusive window [fromDay, toDay] (day numbers) as seen on day `today`:
   * generated transactions are visible up to yesterday, inserted ones up to today.
   */
  plan(fromDay: number, toDay: number, today: number): WindowPlan {
    const from = Math.max(fromDay, this.spec.firstDay);
    const to = Math.min(toDay, today);
    const generatedTo = Math.min(to, today - 1, this.spec.ongoing ? Infinity : this.spec.firstDay + this.spec.historyDays - 1);
    const visibleExtras = this.extras.filter((e) => e.day <= today);
    const windowExtras = visibleExtras.filter((e) => e.day >= from && e.day <= to);
    if (from > to) return { from, to, generatedTo, total: 0, days: 0, visibleExtras, windowExtras: [] };
    this.ensureIndexed(to - this.spec.firstDay);
    const generated = generatedTo >= from ? this.visibleBefore(generatedTo + 1) - this.visibleBefore(from) : 0;
    return { from, to, generatedTo, total: generated + windowExtras.length, days: to - from + 1, visibleExtras, windowExtras };
  }

  /** Transactions at positions [lo, hi) of the window, oldest first. */
  slice(plan: WindowPlan, lo: number, hi: number): LedgerEntry[] {
    const out: LedgerEntry[] = [];
    hi = Math.min(hi, plan.total);
    if (lo >= hi || lo < 0) return out;
    let day = this.dayOfPosition(plan, lo);
    let k = lo - this.positionOfDay(plan, day); // index within the day's combined list
    let pos = lo;
    while (pos < hi && day <= plan.to) {
      const generated = day <= plan.generatedTo ? this.visibleOn(day) : 0;
      const shift = netOf(plan.visibleExtras, (d) => d < day);
      if (k < generated) {
        const upTo = Math.min(generated, k + (hi - pos));
        this.walkDay(day, generated, k, upTo, shift, out);
        pos += upTo - k;
        k = upTo;
      }
      if (pos < hi) {
        let balance = this.closingGenerated(plan, day) + shift;
        let j = 0;
        for (const e of plan.windowExtras) {
          if (e.day !== day) continue;
          balance += e.amount;
          if (generated + j >= k && pos < hi) {
            out.push({ id: e.id, date: e.date, secondsOfDay: e.secondsOfDay, amount: e.amount, description: e.description, balance, kind: 'inserted' });
            pos++;
          }
          j++;
        }
      }
      day++;
      k = 0;
    }
    return out;
  }

  /** Daily balances at positions [lo, hi) of the window's days, oldest first. */
  dailyBalances(plan: WindowPlan, lo: number, hi: number): DailyBalance[] {
    const out: DailyBalance[] = [];
    for (let i = Math.max(0, lo); i < Math.min(hi, plan.days); i++) {
      const day = plan.from + i;
      out.push({ date: fromDayNumber(day), balance: this.closing(plan, day) });
    }
    return out;
  }

  /** Counts, sums and balances over the window, from the index alone. */
  summary(plan: WindowPlan): LedgerWindowSummary {
    const opening = this.spec.openingBalance;
    if (plan.from > plan.to) {
      // An empty window lies before the account's first day or after today.
      const balance = plan.to < this.spec.firstDay ? opening : this.closing(plan, plan.to);
      return { count: 0, cancelled: 0, inflow: 0, outflow: 0, balanceBefore: balance, balanceAfter: balance, firstDate: undefined, lastDate: undefined };
    }
    let inflow = 0;
    let net = 0;
    let cancelled = 0;
    if (plan.generatedTo >= plan.from) {
      const a = plan.from - this.spec.firstDay;
      const b = plan.generatedTo + 1 - this.spec.firstDay;
      inflow = at(this.cumInflow, b) - at(this.cumInflow, a);
      net = at(this.openBalance, b) - at(this.openBalance, a);
      cancelled = at(this.cumGenerated, b) - at(this.cumGenerated, a) - (at(this.cumVisible, b) - at(this.cumVisible, a));
    }
    for (const e of plan.windowExtras) {
      if (e.amount > 0) inflow += e.amount;
      net += e.amount;
    }
    return {
      count: plan.total,
      cancelled,
      inflow,
      outflow: net - inflow,
      balanceBefore: plan.from === this.spec.firstDay ? opening : this.closing(plan, plan.from - 1),
      balanceAfter: this.closing(plan, plan.to),
      firstDate: plan.total > 0 ? fromDayNumber(this.dayOfPosition(plan, 0)) : undefined,
      lastDate: plan.total > 0 ? fromDayNumber(this.dayOfPosition(plan, plan.total - 1)) : undefined,
    };
  }

  // --- positions -------------------------------------------------------------------

  /** Transactions in the window on days before `day`. */
  private positionOfDay(plan: WindowPlan, day: number): number {
    const genEnd = Math.min(day, plan.generatedTo + 1);
    const generated = genEnd > plan.from ? this.visibleBefore(genEnd) - this.visibleBefore(plan.from) : 0;
    let extras = 0;
    for (const e of plan.windowExtras) if (e.day < day) extras++;
    return generated + extras;
  }

  /** The day holding window position `pos` (binary search over the monotone position function). */
  private dayOfPosition(plan: WindowPlan, pos: number): number {
    let a = plan.from;
    let b = plan.to;
    while (a < b) {
      const mid = Math.ceil((a + b) / 2);
      if (this.positionOfDay(plan, mid) <= pos) a = mid;
      else b = mid - 1;
    }
    return a;
  }

  /** Balance at the end of `day` (≥ first day), counting only what is visible. */
  private closing(plan: WindowPlan, day: number): number {
    return this.closingGenerated(plan, day) + netOf(plan.visibleExtras, (d) => d <= day);
  }

  /** Balance after the generated transactions of `day` that are visible. */
  private closingGenerated(plan: WindowPlan, day: number): number {
    const rel = day - this.spec.firstDay;
    this.ensureIndexed(rel);
    return at(this.openBalance, day <= plan.generatedTo ? rel + 1 : rel);
  }

  private visibleBefore(day: number): number {
    return at(this.cumVisible, day - this.spec.firstDay);
  }

  private visibleOn(day: number): number {
    const rel = day - this.spec.firstDay;
    return at(this.cumVisible, rel + 1) - at(this.cumVisible, rel);
  }

  // --- index -------------------------------------------------------------------------

  /** Makes sure index entries exist for relative days 0..rel (and the start of rel + 1). */
  private ensureIndexed(rel: number): void {
    if (!this.built) this.buildBase();
    if (rel < this.indexedDays) return;
    this.grow(rel + 1);
    const { historyDays, transactions, ongoing } = this.spec;
    while (this.indexedDays <= rel) {
      const d = this.indexedDays;
      const abs = this.spec.firstDay + d;
      let count = 0;
      if (ongoing && historyDays > 0 && this.meanWeight > 0) {
        const rate = transactions / historyDays;
        count = Math.floor((rate * this.weight(abs)) / this.meanWeight + unit(this.spec.seed, this.spec.accountId, 'extra-day', abs));
      }
      this.indexDay(d, count);
    }
  }

  /** Spreads the configured number of transactions over the base history and indexes it. */
  private buildBase(): void {
    this.built = true;
    const { historyDays: days, transactions: n, firstDay } = this.spec;
    this.grow(days);
    this.openBalance[0] = this.spec.openingBalance;
    if (days === 0) return;
    const weights = new Float64Array(days);
    let total = 0;
    for (let d = 0; d < days; d++) {
      weights[d] = this.weight(firstDay + d);
      total += weights[d] as number;
    }
    if (total === 0) {
      weights.fill(1);
      total = days;
    }
    this.meanWeight = total / days;
    let running = 0;
    for (let d = 0; d < days; d++) {
      running += weights[d] as number;
      // Cumulative targets make the per-day counts sum to exactly n.
      const target = d === days - 1 ? n : Math.floor((n * running) / total);
      this.indexDay(d, target - at(this.cumVisible, d));
    }
  }

  private weight(abs: number): number {
    const wd = weekday(abs);
    const factor = wd === 0 || wd === 6 ? this.spec.profile.weekendFactor : 1;
    return factor * (0.5 + unit(this.spec.seed, this.spec.accountId, 'weight', abs));
  }

  private indexDay(d: number, count: number): void {
    const r = this.walk(this.spec.firstDay + d, count, at(this.openBalance, d), 0, count, 0, undefined);
    this.work.indexed += r.generated;
    this.cumVisible[d + 1] = at(this.cumVisible, d) + count;
    this.cumGenerated[d + 1] = at(this.cumGenerated, d) + r.generated;
    this.openBalance[d + 1] = at(this.openBalance, d) + r.net;
    this.cumInflow[d + 1] = at(this.cumInflow, d) + r.inflow;
    this.indexedDays = d + 1;
  }

  private grow(days: number): void {
    if (days <= this.capacity) return;
    const capacity = Math.max(days, this.capacity * 2, 16);
    const resize = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(capacity + 1);
      b.set(a.subarray(0, Math.min(a.length, capacity + 1)));
      return b;
    };
    this.cumVisible = resize(this.cumVisible);
    this.cumGenerated = resize(this.cumGenerated);
    this.openBalance = resize(this.openBalance);
    this.cumInflow = resize(this.cumInflow);
    this.capacity = capacity;
  }

  // --- generation --------------------------------------------------------------------

  private walkDay(abs: number, count: number, fromV: number, toV: number, shift: number, out: LedgerEntry[]): void {
    const rel = abs - this.spec.firstDay;
    const r = this.walk(abs, count, at(this.openBalance, rel), fromV, toV, shift, out);
    this.work.walked += r.generated;
  }

  /**
   * Steps through one day's stream until `toV` listed transactions are done, emitting
   * those at listed positions [fromV, toV). Every generated transaction draws the same
   * five numbers, so emitting or not never changes the stream.
   */
  private walk(abs: number, count: number, opening: number, fromV: number, toV: number, shift: number, out: LedgerEntry[] | undefined) {
    const { profile, seed, accountId } = this.spec;
    const prng = new Prng(hash32(seed, accountId, abs));
    const payday = profile.payday !== undefined && isPayday(abs);
    const date = out ? fromDayNumber(abs) : '';
    const idPrefix = out ? `${accountId}-${date.replace(/-/g, '')}` : '';
    const target = this.spec.targetBalance;
    const scale = Math.max(Math.abs(target), 100_000);
    let balance = opening;
    let v = 0;
    let generated = 0;
    let net = 0;
    let inflow = 0;
    const limit = Math.min(count, toV);
    while (v < limit) {
      const uCancel = prng.next();
      const uKind = prng.next();
      const uAmount = prng.next();
      const uText = prng.next();
      const uTime = prng.next();
      const rawIndex = generated;
      generated++;
      if (uCancel < profile.cancelRate) continue;
      let kind: TransactionKind;
      let amount: number;
      if (payday && v === 0 && profile.payday) {
        kind = profile.payday;
        amount = kind.amount(uAmount);
      } else {
        const pIncome = clamp(profile.incomeBias + (0.5 * (target - balance)) / scale, 0.05, 0.95);
        let income = uKind < pIncome;
        const u = income ? uKind / pIncome : (uKind - pIncome) / (1 - pIncome);
        kind = income ? pick(profile.incomes, this.incomeWeights, u) : pick(profile.expenses, this.expenseWeights, u);
        amount = income ? kind.amount(uAmount) : -kind.amount(uAmount);
        if (income && profile.ceiling !== undefined && balance + amount > profile.ceiling) {
          amount = profile.ceiling - balance;
          if (amount <= 0) {
            income = false;
            kind = pick(profile.expenses, this.expenseWeights, u);
            amount = -kind.amount(uAmount);
          }
        }
        if (!income && !profile.allowNegative && balance + amount < 0) {
          kind = profile.topUp;
          amount = kind.amount(uAmount);
        }
      }
      balance += amount;
      net += amount;
      if (amount > 0) inflow += amount;
      if (out && v >= fromV) {
        out.push({
          id: `${idPrefix}${String(rawIndex).padStart(4, '0')}`,
          date,
          secondsOfDay: DAY_START + floor(((v + uTime) * DAY_SPAN) / count),
          amount,
          description: kind.describe(uText, this.flavour),
          balance: balance + shift,
          kind: kind.code,
        });
      }
      v++;
    }
    return { generated, net, inflow };
  }
}

/** Japanese pay day: the 25th, or the Friday before when it falls on a weekend. */
export function isPayday(abs: number): boolean {
  const date = new Date(abs * 86_400_000);
  const dom = date.getUTCDate();
  const wd = weekday(abs);
  if (dom === 25) return wd !== 0 && wd !== 6;
  if (wd === 5 && (dom === 23 || dom === 24)) return true; // the 25th is Saturday (24th) or Sunday (23rd)
  return false;
}

function cumulativeWeights(kinds: readonly TransactionKind[]): Float64Array {
  const cum = new Float64Array(kinds.length);
  let total = 0;
  kinds.forEach((k, i) => {
    total += k.weight;
    cum[i] = total;
  });
  if (total > 0) for (let i = 0; i < cum.length; i++) cum[i] = (cum[i] as number) / total;
  return cum;
}

function pick(kinds: readonly TransactionKind[], cum: Float64Array, u: number): TransactionKind {
  for (let i = 0; i < cum.length; i++) if (u < (cum[i] as number)) return kinds[i] as TransactionKind;
  return kinds[kinds.length - 1] as TransactionKind;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function at(a: Float64Array, i: number): number {
  const v = a[i];
  if (v === undefined) throw new Error(`ledger index out of range: ${i}`);
  return v;
}

function netOf(extras: readonly Extra[], include: (day: number) => boolean): number {
  let net = 0;
  for (const e of extras) if (include(e.day)) net += e.amount;
  return net;
}
