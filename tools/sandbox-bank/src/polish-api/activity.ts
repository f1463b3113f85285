/**
 * What an account has besides its booked history: pending transfers, card holds, scheduled
 * payments (standing orders and future-dated transfers), rejected and cancelled payments —
 * and how they evolve as the clock moves (see {@link AccountActivity.catchUp}):
 *
 * - a pending transfer books one or two business days later as a done transaction with the same
 *   `itemId` and `tradeDate` (1 in 20 disappears instead, e.g. returned by the payee's bank);
 * - a card hold settles after 1–3 days as a done transaction with the same `itemId` (fuel
 *   pre-authorisations settle at a different amount), or is released and disappears;
 * - a scheduled payment executes on its date (same `itemId`), or is rejected (it then lists
 *   as rejected), or the PSU cancels it the day after ordering (it then lists as cancelled).
 *
 * Everything is a pure function of (seed, account, day) plus the knobs' additions, so the
 * same seed, anchor and clock give the same items. Bookings go into the account's ledger as
 * inserted transactions; {@link AccountActivity.doneRecord} maps them back to their origin.
 */
import { addDays, dayNumber, fromDayNumber, weekday, type IsoDate } from '../calendar';
import type { Ledger } from '../bank-common-api/layout-ledger';
import type { LedgerEntry } from '../generator/ledger';
import {
  POLISH_KINDS,
  POLISH_MAX_BOOKING_LAG,
  REJECTION_REASONS,
  STANDING_ORDERS,
  atmWithdrawal,
  blikOut,
  cardPayment,
  decodeDescription,
  polishCompany,
  polishPerson,
  transferIn,
  transferOut,
  type DescribedParty,
} from '../generator/polish';
import { logUniform, type TransactionKind } from '../generator/profile';
import { Prng, hash32, pickBy, unit } from '../generator/prng';
import { POLISH_BANKS, type PolishBank } from './banks';
import type { PolishAccountKind } from './config';
import { polishIban, type Iban } from './iban';

/** The lists of the AIS interface. */
export type ItemKind = 'done' | 'pending' | 'hold' | 'scheduled' | 'rejected' | 'cancelled';

/** The other side of a transaction. */
export interface Counterparty {
  /** Person, company or merchant name. */
  readonly name: string;
  /** Street line. */
  readonly street?: string;
  /** `postcode city`. */
  readonly city?: string;
  /** Account number, for transfers. */
  readonly iban?: Iban;
  /** The counterparty's bank, for transfers. */
  readonly bank?: PolishBank;
}

/** An item as the bank knows it, before it is written in the spec's shape. */
export interface ItemRecord {
  /** Stable id; a pending, hold or scheduled item keeps it when it books. */
  readonly itemId: string;
  /** Which list it is on. */
  readonly kind: ItemKind;
  /** Signed amount in minor units: positive credit, negative debit. */
  readonly amount: number;
  /** Title as printed (≤ 140 characters). */
  readonly description: string;
  /** The bank's transaction type. */
  readonly transactionType: string;
  /** The operation's date (the spec's `tradeDate`; `transactionDateFrom/To` filter it). */
  readonly tradeDate: IsoDate;
  /** Seconds since local midnight of the operation. */
  readonly tradeSeconds: number;
  /** Booking date (done items only; `bookingDateFrom/To` filter it). */
  readonly bookingDate?: IsoDate;
  /** Seconds since local midnight of the booking. */
  readonly bookingSeconds?: number;
  /** Balance after the booking (done items only). */
  readonly balanceAfter?: number;
  /** The other side. */
  readonly party?: Counterparty;
  /** Card merchant category code. */
  readonly mcc?: string;
  /** Paid with the account's card. */
  readonly card: boolean;
  /** Holds: when the hold lapses. */
  readonly holdExpirationDate?: IsoDate;
  /** Rejected items: why. */
  readonly rejectionReason?: string;
  /** Rejected items: when. */
  readonly rejectionDate?: IsoDate;
}

/** A pending transfer added by a knob. */
export interface NewPendingItem {
  /** Signed amount in minor units (negative: outgoing). */
  readonly amount: bigint;
  /** Title (default: a generic transfer title). */
  readonly description?: string;
  /** Operation date (default today). */
  readonly tradeDate?: IsoDate;
  /** Day it books as done (default: never; remove it with {@link AccountActivity.removeItem}). */
  readonly bookOn?: IsoDate | null;
}

/** A card hold added by a knob. */
export interface NewHoldItem {
  /** Amount in minor units; holds are debits, so it must be negative. */
  readonly amount: bigint;
  /** Title (default: a card payment). */
  readonly description?: string;
  /** Operation date (default today). */
  readonly tradeDate?: IsoDate;
  /** Hold expiration date (default trade date + 7 days). */
  readonly expiresOn?: IsoDate;
  /** Day it settles as a done transaction (default: never). */
  readonly settleOn?: IsoDate | null;
  /** Amount it settles at, when different (minor units, negative). */
  readonly settledAmount?: bigint;
}

/** A scheduled payment added by a knob. */
export interface NewScheduledItem {
  /** Signed amount in minor units (normally negative). */
  readonly amount: bigint;
  /** Title (default: a generic transfer title). */
  readonly description?: string;
  /** Execution date (after today). */
  readonly executionDate: IsoDate;
  /**
   * What happens to it (default `execute`: it books on its execution date, same `itemId`;
   * `reject`: it lists as rejected from then on; `cancel`: the PSU cancels it on `cancelOn` —
   * it leaves the scheduled list and lists as cancelled).
   */
  readonly outcome?: 'execute' | 'reject' | 'cancel';
  /** With `cancel`: the day the PSU cancels it (default tomorrow; after today, before the execution date). */
  readonly cancelOn?: IsoDate;
}

/**
 * The items of the `changingItems` scenario on one account (see
 * {@link AccountActivity.changeBetweenSyncs}), by what happens to each.
 */
export interface ChangingItems {
  /** A pending transfer that books. */
  readonly pendingThatBooks: string;
  /** A card hold the merchant releases: it disappears. */
  readonly holdThatDisappears: string;
  /** A scheduled payment that executes: it books. */
  readonly scheduledThatExecutes: string;
  /** A scheduled payment the PSU cancels: it lists as cancelled. */
  readonly scheduledThatIsCancelled: string;
  /** 1 once the items exist; 2 once they have changed. */
  readonly step: 1 | 2;
}

/** A rejected payment added by a knob. */
export interface NewRejectedItem {
  /** Signed amount in minor units (normally negative). */
  readonly amount: bigint;
  /** Title (default: a generic transfer title). */
  readonly description?: string;
  /** Operation date (default today). */
  readonly tradeDate?: IsoDate;
  /** Why the bank refused it (default: lack of funds). */
  readonly reason?: string;
  /** When it was refused (default: the trade date). */
  readonly rejectionDate?: IsoDate;
}

/** A cancelled payment added by a knob. */
export interface NewCancelledItem {
  /** Signed amount in minor units (normally negative). */
  readonly amount: bigint;
  /** Title (default: a generic transfer title). */
  readonly description?: string;
  /** Operation date (default today). */
  readonly tradeDate?: IsoDate;
}

/** A booked transaction added by a knob. */
export interface NewDoneItem {
  /** Signed amount in minor units. */
  readonly amount: bigint;
  /** Title (default `Przelew przychodzący: Kinko test`). */
  readonly description?: string;
  /** Booking date (default today); earlier dates book after that day's other transactions. */
  readonly date?: IsoDate;
  /** Operation date (default: the booking date). */
  readonly tradeDate?: IsoDate;
}

type Resolution = { readonly kind: 'book'; readonly amount?: number } | { readonly kind: 'vanish' } | { readonly kind: 'reject'; readonly reason: string } | { readonly kind: 'cancel' };

interface InFlight {
  readonly record: ItemRecord;
  readonly resolveOn: number | null;
  readonly resolution: Resolution;
}

interface StandingOrder {
  readonly index: number;
  readonly dayOfMonth: number;
  readonly amount: number;
  readonly title: string;
  readonly party: Counterparty;
}

/** The account facts the activity needs. */
export interface ActivityAccount {
  readonly iban: Iban;
  readonly key: string;
  readonly kind: PolishAccountKind;
  readonly ledger: Ledger;
}

/** Options of {@link AccountActivity}. */
export interface ActivityOptions {
  readonly seed: string;
  readonly bankCode: string;
  readonly account: ActivityAccount;
  /** Day number of the anchor date (the first day after the generated history). */
  readonly anchor: number;
  /** Whether items are generated (knob additions work either way). */
  readonly enabled: boolean;
}

/** Days before the anchor whose in-flight items are generated (older ones are settled history). */
const LOOKBACK_DAYS = 21;
/** Days ahead a standing order's next execution is listed as scheduled. */
const SCHEDULE_HORIZON_DAYS = 35;

const RATES: Record<PolishAccountKind, { readonly pending: number; readonly holds: number; readonly scheduled: number; readonly history: number }> = {
  personal: { pending: 1, holds: 1.5, scheduled: 0.05, history: 1 },
  business: { pending: 1.2, holds: 0.3, scheduled: 0.08, history: 1 },
  savings: { pending: 0, holds: 0, scheduled: 0, history: 0 },
};

/** The non-booked life of one account. */
export class AccountActivity {
  /** The longest gap, in days, between an item's trade date and its booking date. */
  maxTradeLag = POLISH_MAX_BOOKING_LAG;
  private processedThrough: number;
  private readonly firstDay: number;
  private readonly pending = new Map<string, InFlight>();
  private readonly holds = new Map<string, InFlight>();
  private readonly scheduled = new Map<string, InFlight>();
  private readonly rejectedItems: ItemRecord[] = [];
  private readonly cancelledItems: ItemRecord[] = [];
  private readonly dueOn = new Map<number, string[]>();
  private readonly origins = new Map<string, ItemRecord>();
  private readonly bookings = new Map<string, { readonly extraId: string; readonly day: number }>();
  private readonly standingOrders: StandingOrder[];
  private readonly flavour: number;
  private knobSeq = 0;
  private changing: ChangingItems | undefined;

  /** Creates the activity; nothing evolves until {@link catchUp}. */
  constructor(private readonly options: ActivityOptions) {
    const { account, anchor, seed } = options;
    this.firstDay = dayNumber(account.ledger.firstDate());
    this.processedThrough = Math.max(anchor - LOOKBACK_DAYS, this.firstDay) - 1;
    this.flavour = hash32(seed, account.key, 'activity-flavour');
    this.standingOrders = options.enabled && account.kind === 'personal' ? this.makeStandingOrders() : [];
    if (options.enabled && RATES[account.kind].history > 0) this.makeHistory(this.processedThrough);
  }

  /** The last day whose creations and resolutions have been applied. */
  get processedDay(): number {
    return this.processedThrough;
  }

  /**
   * Applies every day up to `today` (a day number): creates that day's items, then books,
   * rejects, cancels or drops those due. `nowSeconds` is the time of day, for bookings made today.
   */
  catchUp(today: number, nowSeconds: number): void {
    for (let d = this.processedThrough + 1; d <= today; d++) {
      if (this.options.enabled) this.create(d);
      this.resolveDue(d, today, nowSeconds);
      this.processedThrough = d;
    }
  }

  /** Pending items (not yet booked). */
  pendingItems(): ItemRecord[] {
    return [...this.pending.values()].map((f) => f.record);
  }

  /** Holds in force. */
  holdItems(): ItemRecord[] {
    return [...this.holds.values()].map((f) => f.record);
  }

  /** Scheduled payments after `today`: standing-order executions within the horizon and future-dated transfers. */
  scheduledItems(today: number): ItemRecord[] {
    const out = [...this.scheduled.values()].map((f) => f.record);
    for (const so of this.standingOrders) {
      for (const day of this.occurrences(so, today + 1, today + SCHEDULE_HORIZON_DAYS)) out.push(this.standingOrderRecord(so, day));
    }
    return out;
  }

  /** Rejected payments. */
  rejectedList(): ItemRecord[] {
    return [...this.rejectedItems];
  }

  /** Cancelled payments. */
  cancelledList(): ItemRecord[] {
    return [...this.cancelledItems];
  }

  /** Where an item that booked went in the ledger (its inserted entry id and booking day), if it did. */
  bookingOf(itemId: string): { readonly extraId: string; readonly day: number } | undefined {
    return this.bookings.get(itemId);
  }

  /** A ledger entry as a done item: bookings keep their origin's id, trade date and details. */
  doneRecord(entry: LedgerEntry): ItemRecord {
    const origin = this.origins.get(entry.id);
    if (origin) return { ...origin, kind: 'done', amount: entry.amount, bookingDate: entry.date, bookingSeconds: entry.secondsOfDay, balanceAfter: entry.balance };
    const { text, party } = decodeDescription(entry.description);
    const info = POLISH_KINDS[entry.kind];
    const lag = info && info.maxBookingLag > 0 ? Math.floor(unit(this.options.seed, entry.id, 'lag') * (info.maxBookingLag + 1)) : 0;
    const card = info?.card ?? false;
    return {
      itemId: entry.id,
      kind: 'done',
      amount: entry.amount,
      description: text,
      transactionType: info?.type ?? (entry.amount > 0 ? 'Przelew przychodzący' : 'Przelew wychodzący'),
      tradeDate: addDays(entry.date, -lag),
      tradeSeconds: entry.secondsOfDay,
      bookingDate: entry.date,
      bookingSeconds: entry.secondsOfDay,
      balanceAfter: entry.balance,
      card,
      ...(party ? { party: this.counterparty(entry.id, party, !card) } : {}),
      ...(party?.mcc ? { mcc: party.mcc } : {}),
    };
  }

  // --- knobs -------------------------------------------------------------------------

  /** Adds a pending transfer; returns its record. `today` must have been caught up. */
  addPending(item: NewPendingItem, today: number, nowSeconds: number): ItemRecord {
    const amount = knobAmount(item.amount);
    const trade = this.knobTradeDay(item.tradeDate, today);
    const record = this.knobRecord('p', amount, item.description ?? (amount > 0 ? 'Przelew przychodzący: Kinko test' : 'Przelew wychodzący: Kinko test'), trade, nowSeconds, today);
    const bookOn = item.bookOn === undefined || item.bookOn === null ? null : dayNumber(item.bookOn);
    if (bookOn !== null && bookOn < trade) throw new Error('bookOn is before the trade date');
    this.track(this.pending, { record: { ...record, kind: 'pending' }, resolveOn: bookOn, resolution: { kind: 'book' } }, today, nowSeconds);
    return { ...record, kind: 'pending' };
  }

  /** Adds a card hold; returns its record. */
  addHold(item: NewHoldItem, today: number, nowSeconds: number): ItemRecord {
    const amount = knobAmount(item.amount);
    if (amount >= 0) throw new Error('a hold blocks money: its amount must be negative');
    const trade = this.knobTradeDay(item.tradeDate, today);
    const base = this.knobRecord('h', amount, item.description ?? 'Płatność kartą KINKO TEST', trade, nowSeconds, today);
    const record: ItemRecord = { ...base, kind: 'hold', transactionType: 'Płatność kartą', card: true, holdExpirationDate: item.expiresOn ?? fromDayNumber(trade + 7) };
    const settleOn = item.settleOn === undefined || item.settleOn === null ? null : dayNumber(item.settleOn);
    if (settleOn !== null && settleOn < trade) throw new Error('settleOn is before the trade date');
    const settled = item.settledAmount === undefined ? undefined : knobAmount(item.settledAmount);
    this.track(this.holds, { record, resolveOn: settleOn, resolution: { kind: 'book', ...(settled !== undefined ? { amount: settled } : {}) } }, today, nowSeconds);
    return record;
  }

  /** Adds a scheduled payment; returns its record. */
  addScheduled(item: NewScheduledItem, today: number, nowSeconds: number): ItemRecord {
    const amount = knobAmount(item.amount);
    const day = dayNumber(item.executionDate);
    if (day <= today) throw new Error('executionDate must be after today');
    const base = this.knobRecord('s', amount, item.description ?? 'Przelew wychodzący: Kinko test (zlecenie)', day, 36_000, today);
    const record: ItemRecord = { ...base, kind: 'scheduled' };
    let resolveOn = day;
    if (item.outcome === 'cancel') {
      resolveOn = item.cancelOn === undefined ? today + 1 : dayNumber(item.cancelOn);
      if (resolveOn <= today || resolveOn >= day) throw new Error('cancelOn must be after today and before the execution date');
    } else if (item.cancelOn !== undefined) {
      throw new Error('cancelOn goes with outcome "cancel"');
    }
    const resolution: Resolution =
      item.outcome === 'reject' ? { kind: 'reject', reason: REJECTION_REASONS[0] } : item.outcome === 'cancel' ? { kind: 'cancel' } : { kind: 'book' };
    this.track(this.scheduled, { record, resolveOn, resolution }, today, nowSeconds);
    return record;
  }

  /**
   * The `changingItems` scenario, one step per call (the bank calls it on each of the PSU's
   * account listings, i.e. once per sync): the first call adds a pending transfer, a card
   * hold and two scheduled payments (next week and in two weeks); the second books the
   * pending transfer and executes the first scheduled payment (both today, same `itemId`),
   * releases the hold (it disappears) and cancels the second scheduled payment (it lists as
   * cancelled); later calls change nothing. Returns the items and the step reached.
   */
  changeBetweenSyncs(today: number, nowSeconds: number): ChangingItems {
    const current = this.changing;
    if (current === undefined) {
      const pending = this.addPending({ amount: -4_200n, description: 'Przelew do Anny Nowak: za bilety' }, today, nowSeconds);
      const hold = this.addHold({ amount: -15_000n, description: 'Płatność kartą ORLEN Warszawa' }, today, nowSeconds);
      const executes = this.addScheduled({ amount: -185_000n, description: 'Czynsz za mieszkanie', executionDate: fromDayNumber(today + 7) }, today, nowSeconds);
      const cancelled = this.addScheduled({ amount: -30_000n, description: 'Przelew: prezent dla Ani', executionDate: fromDayNumber(today + 14) }, today, nowSeconds);
      this.changing = { pendingThatBooks: pending.itemId, holdThatDisappears: hold.itemId, scheduledThatExecutes: executes.itemId, scheduledThatIsCancelled: cancelled.itemId, step: 1 };
      return this.changing;
    }
    if (current.step === 2) return current;
    const settle = (map: Map<string, InFlight>, itemId: string, record: (r: ItemRecord) => ItemRecord): void => {
      const item = map.get(itemId);
      if (item === undefined) return; // already resolved by a knob
      map.delete(itemId);
      this.book(record(item.record), today, item.record.amount, today, nowSeconds);
    };
    settle(this.pending, current.pendingThatBooks, (r) => r);
    // Executed today: its operation date is the day it ran.
    settle(this.scheduled, current.scheduledThatExecutes, (r) => ({ ...r, tradeDate: fromDayNumber(today), tradeSeconds: Math.max(0, Math.min(86_399, nowSeconds)) }));
    this.holds.delete(current.holdThatDisappears);
    const cancelled = this.scheduled.get(current.scheduledThatIsCancelled);
    if (cancelled !== undefined) {
      this.scheduled.delete(current.scheduledThatIsCancelled);
      this.cancelledItems.push({ ...cancelled.record, kind: 'cancelled' });
    }
    this.changing = { ...current, step: 2 };
    return this.changing;
  }

  /** Adds a rejected payment; returns its record. */
  addRejected(item: NewRejectedItem, today: number, nowSeconds: number): ItemRecord {
    const amount = knobAmount(item.amount);
    const trade = this.knobTradeDay(item.tradeDate, today);
    const base = this.knobRecord('r', amount, item.description ?? (amount > 0 ? 'Przelew przychodzący: Kinko test' : 'Przelew wychodzący: Kinko test'), trade, nowSeconds, today);
    const record: ItemRecord = { ...base, kind: 'rejected', rejectionReason: item.reason ?? REJECTION_REASONS[0], rejectionDate: item.rejectionDate ?? base.tradeDate };
    this.rejectedItems.push(record);
    return record;
  }

  /** Adds a cancelled payment; returns its record. */
  addCancelled(item: NewCancelledItem, today: number, nowSeconds: number): ItemRecord {
    const amount = knobAmount(item.amount);
    const trade = this.knobTradeDay(item.tradeDate, today);
    const base = this.knobRecord('c', amount, item.description ?? (amount > 0 ? 'Przelew przychodzący: Kinko test' : 'Przelew wychodzący: Kinko test'), trade, nowSeconds, today);
    const record: ItemRecord = { ...base, kind: 'cancelled' };
    this.cancelledItems.push(record);
    return record;
  }

  /** Books a transaction now (or on `date`); returns it as a done item. */
  addDone(item: NewDoneItem, today: number, nowSeconds: number): ItemRecord {
    const amount = knobAmount(item.amount);
    const day = item.date === undefined ? today : dayNumber(item.date);
    if (day > today) throw new Error('date is in the future');
    const trade = item.tradeDate === undefined ? day : dayNumber(item.tradeDate);
    if (trade > day) throw new Error('tradeDate is after the booking date');
    const record = this.knobRecord('d', amount, item.description ?? (amount > 0 ? 'Przelew przychodzący: Kinko test' : 'Przelew wychodzący: Kinko test'), trade, nowSeconds, today);
    return this.book(record, day, amount, today, nowSeconds);
  }

  /** Makes a pending, hold or scheduled item disappear now; false when there is none with this id. */
  removeItem(itemId: string): boolean {
    return this.pending.delete(itemId) || this.holds.delete(itemId) || this.scheduled.delete(itemId);
  }

  // --- generation ----------------------------------------------------------------------

  private create(d: number): void {
    const { seed, account } = this.options;
    const rates = RATES[account.kind];
    if (rates.pending + rates.holds + rates.scheduled === 0) return;
    const prng = new Prng(hash32(seed, account.key, 'activity', d));
    const wd = weekday(d);
    const factor = wd === 0 || wd === 6 ? 0.6 : 1;
    const compact = fromDayNumber(d).replace(/-/g, '');
    const pendingCount = Math.floor(rates.pending * factor + prng.next());
    for (let i = 0; i < pendingCount; i++) {
      const [uK, uA, uT, uTime, uRes, uLag] = [prng.next(), prng.next(), prng.next(), prng.next(), prng.next(), prng.next()];
      const kind = uK < 0.6 ? transferOut : uK < 0.85 ? blikOut : transferIn;
      const sign = kind === transferIn ? 1 : -1;
      const record = this.generatedRecord(`${account.key}-p${compact}${pad2(i)}`, 'pending', kind, sign * kind.amount(uA), uT, d, uTime);
      // Booked in the next business day's clearing session, or the one after.
      const bookOn = uLag < 0.4 ? nextBusinessDay(nextBusinessDay(d)) : nextBusinessDay(d);
      this.track(this.pending, { record, resolveOn: bookOn, resolution: uRes < 0.95 ? { kind: 'book' } : { kind: 'vanish' } });
    }
    const holdCount = Math.floor(rates.holds * factor + prng.next());
    for (let i = 0; i < holdCount; i++) {
      const [uK, uA, uT, uTime, uRes, uLag] = [prng.next(), prng.next(), prng.next(), prng.next(), prng.next(), prng.next()];
      const id = `${account.key}-h${compact}${pad2(i)}`;
      let record: ItemRecord;
      let settled: number | undefined;
      if (uK < 0.1) {
        // A fuel pre-authorisation blocks a round sum and settles at what was pumped.
        const city = pickBy(['Warszawa', 'Kraków', 'Poznań', 'Gdańsk', 'Wrocław'], uT);
        record = { ...this.generatedRecord(id, 'hold', cardPayment, -50_000, uT, d, uTime), description: `Płatność kartą ORLEN ${city}`, party: { name: 'ORLEN', city }, mcc: '5541' };
        settled = -logUniform(uA, 8_000, 45_000);
      } else {
        const kind = uK < 0.2 ? atmWithdrawal : cardPayment;
        record = this.generatedRecord(id, 'hold', kind, -kind.amount(uA), uT, d, uTime);
      }
      record = { ...record, holdExpirationDate: fromDayNumber(d + 7) };
      const settles = uRes < 0.85;
      const resolveOn = settles ? d + 1 + Math.floor(uLag * 3) : d + 2 + Math.floor(uLag * 6);
      this.track(this.holds, { record, resolveOn, resolution: settles ? { kind: 'book', ...(settled !== undefined ? { amount: settled } : {}) } : { kind: 'vanish' } });
    }
    if (prng.next() < rates.scheduled * factor) {
      const [uA, uT, uTime, uDays, uOutcome] = [prng.next(), prng.next(), prng.next(), prng.next(), prng.next()];
      const exec = d + 3 + Math.floor(uDays * 18);
      const record = this.generatedRecord(`${account.key}-s${compact}00`, 'scheduled', transferOut, -transferOut.amount(uA), uT, exec, uTime);
      const resolution: Resolution =
        uOutcome < 0.1 ? { kind: 'cancel' } : uOutcome < 0.15 ? { kind: 'reject', reason: pickBy(REJECTION_REASONS, unit(uOutcome, 'reason')) } : { kind: 'book' };
      this.track(this.scheduled, { record, resolveOn: resolution.kind === 'cancel' ? d + 1 : exec, resolution });
    }
  }

  private generatedRecord(itemId: string, kind: ItemKind, tk: TransactionKind, amount: number, uText: number, day: number, uTime: number): ItemRecord {
    const { text, party } = decodeDescription(tk.describe(uText, this.flavour));
    const info = POLISH_KINDS[tk.code];
    const card = info?.card ?? false;
    return {
      itemId,
      kind,
      amount,
      description: text,
      transactionType: info?.type ?? 'Przelew',
      tradeDate: fromDayNumber(day),
      tradeSeconds: 25_200 + Math.floor(uTime * 54_000),
      card,
      ...(party ? { party: this.counterparty(itemId, party, !card) } : {}),
      ...(party?.mcc ? { mcc: party.mcc } : {}),
    };
  }

  /** Rejected and cancelled payments of the settled history, roughly one of each per two to three months. */
  private makeHistory(until: number): void {
    const { seed, account } = this.options;
    for (let block = this.firstDay; block + 30 <= until; block += 30) {
      const u = unit(seed, account.key, 'history', block);
      const day = block + Math.floor(unit(seed, account.key, 'history-day', block) * 30);
      const compact = fromDayNumber(day).replace(/-/g, '');
      if (u < 0.35) {
        const r = this.generatedRecord(`${account.key}-r${compact}`, 'rejected', transferOut, -transferOut.amount(unit(u, 'amount')), unit(u, 'text'), day, unit(u, 'time'));
        this.rejectedItems.push({ ...r, rejectionReason: pickBy(REJECTION_REASONS, unit(u, 'reason')), rejectionDate: fromDayNumber(day) });
      }
      const v = unit(seed, account.key, 'history-cancel', block);
      if (v < 0.25) {
        this.cancelledItems.push(this.generatedRecord(`${account.key}-c${compact}`, 'cancelled', transferOut, -transferOut.amount(unit(v, 'amount')), unit(v, 'text'), day, unit(v, 'time')));
      }
    }
  }

  private makeStandingOrders(): StandingOrder[] {
    const { seed, account } = this.options;
    const count = Math.floor(unit(seed, account.key, 'standing-orders') * 3);
    return Array.from({ length: count }, (_, index) => {
      const def = STANDING_ORDERS[index % STANDING_ORDERS.length] as (typeof STANDING_ORDERS)[number];
      const u = unit(seed, account.key, 'standing-order', index);
      const who = def.company ? polishCompany(unit(u, 'to')) : polishPerson(unit(u, 'to'));
      return {
        index,
        dayOfMonth: 1 + Math.floor(unit(u, 'day') * 28),
        amount: -Math.round(logUniform(unit(u, 'amount'), def.lo, def.hi) / 100) * 100,
        title: def.title,
        party: this.counterparty(`${account.key}-so${index}`, who, true),
      };
    });
  }

  private occurrences(so: StandingOrder, from: number, to: number): number[] {
    const out: number[] = [];
    for (let d = from; d <= to; d++) if (new Date(d * 86_400_000).getUTCDate() === so.dayOfMonth) out.push(d);
    return out;
  }

  private standingOrderRecord(so: StandingOrder, day: number): ItemRecord {
    const date = fromDayNumber(day);
    return {
      itemId: `${this.options.account.key}-so${so.index}-${date.slice(0, 7).replace('-', '')}`,
      kind: 'scheduled',
      amount: so.amount,
      description: `Zlecenie stałe: ${so.title}`,
      transactionType: 'Zlecenie stałe',
      tradeDate: date,
      tradeSeconds: 21_600,
      party: so.party,
      card: false,
    };
  }

  /** Books every pending transfer today (same itemId, trade date kept), as the bank does when they settle; returns how many. */
  bookAllPending(today: number, nowSeconds: number): number {
    const items = [...this.pending.values()];
    for (const item of items) {
      this.pending.delete(item.record.itemId);
      this.book(item.record, today, item.record.amount, today, nowSeconds);
    }
    return items.length;
  }

  // --- evolution -------------------------------------------------------------------------

  private track(map: Map<string, InFlight>, item: InFlight, today?: number, nowSeconds?: number): void {
    map.set(item.record.itemId, item);
    if (item.resolveOn === null) return;
    if (today !== undefined && item.resolveOn <= this.processedThrough) {
      // A knob item due on a day already applied resolves at once.
      this.resolve(map, item, Math.max(item.resolveOn, this.firstDay), today, nowSeconds ?? 0);
      return;
    }
    const due = this.dueOn.get(item.resolveOn);
    if (due) due.push(item.record.itemId);
    else this.dueOn.set(item.resolveOn, [item.record.itemId]);
  }

  private resolveDue(d: number, today: number, nowSeconds: number): void {
    const due = this.dueOn.get(d) ?? [];
    this.dueOn.delete(d);
    for (const id of [...due].sort()) {
      for (const map of [this.pending, this.holds, this.scheduled]) {
        const item = map.get(id);
        if (item) this.resolve(map, item, d, today, nowSeconds);
      }
    }
    for (const so of this.standingOrders) {
      if (this.occurrences(so, d, d).length === 0) continue;
      const record = this.standingOrderRecord(so, d);
      if (unit(this.options.seed, record.itemId, 'outcome') < 0.05) this.rejectedItems.push({ ...record, kind: 'rejected', rejectionReason: REJECTION_REASONS[0], rejectionDate: record.tradeDate });
      else this.book(record, d, record.amount, today, nowSeconds);
    }
  }

  private resolve(map: Map<string, InFlight>, item: InFlight, day: number, today: number, nowSeconds: number): void {
    map.delete(item.record.itemId);
    const r = item.resolution;
    switch (r.kind) {
      case 'book':
        if (day >= this.firstDay) this.book(item.record, day, r.amount ?? item.record.amount, today, nowSeconds);
        return;
      case 'reject':
        this.rejectedItems.push({ ...item.record, kind: 'rejected', rejectionReason: r.reason, rejectionDate: fromDayNumber(day) });
        return;
      case 'cancel':
        this.cancelledItems.push({ ...item.record, kind: 'cancelled' });
        return;
      case 'vanish':
        return;
    }
  }

  private book(record: ItemRecord, day: number, amount: number, today: number, nowSeconds: number): ItemRecord {
    const date = fromDayNumber(day);
    const planned = 28_800 + Math.floor(unit(this.options.seed, record.itemId, 'booking-time') * 43_200);
    const seconds = day === today ? Math.min(planned, Math.max(0, nowSeconds)) : planned;
    const entry = this.options.account.ledger.insert({ date, secondsOfDay: seconds, amount, description: record.description }, today);
    const origin: ItemRecord = { ...record, kind: 'done', amount };
    this.origins.set(entry.id, origin);
    this.bookings.set(record.itemId, { extraId: entry.id, day });
    this.maxTradeLag = Math.max(this.maxTradeLag, day - dayNumber(record.tradeDate));
    return { ...origin, bookingDate: entry.date, bookingSeconds: entry.secondsOfDay, balanceAfter: entry.balance };
  }

  private knobRecord(prefix: string, amount: number, description: string, tradeDay: number, nowSeconds: number, today: number): ItemRecord {
    this.knobSeq += 1;
    const { text, party } = decodeDescription(description);
    return {
      itemId: `${this.options.account.key}-k${prefix}${String(this.knobSeq).padStart(4, '0')}`,
      kind: 'done',
      amount,
      description: text.slice(0, 140),
      transactionType: amount > 0 ? 'Przelew przychodzący' : 'Przelew wychodzący',
      tradeDate: fromDayNumber(tradeDay),
      tradeSeconds: tradeDay === today ? Math.max(0, Math.min(86_399, nowSeconds)) : 43_200,
      card: false,
      ...(party ? { party: this.counterparty(`${this.options.account.key}-k${this.knobSeq}`, party, true) } : {}),
    };
  }

  private knobTradeDay(date: IsoDate | undefined, today: number): number {
    const day = date === undefined ? today : dayNumber(date);
    if (day > today) throw new Error('tradeDate is in the future');
    if (day < this.firstDay) throw new Error(`tradeDate is before the account's history starts (${fromDayNumber(this.firstDay)})`);
    return day;
  }

  /** A described party with a valid IBAN at a real Polish bank, derived from the item id. */
  private counterparty(itemId: string, party: DescribedParty, withAccount: boolean): Counterparty {
    const base: Counterparty = { name: party.name, ...(party.street ? { street: party.street } : {}), ...(party.city ? { city: party.city } : {}) };
    if (!withAccount) return base;
    const seed = this.options.seed;
    const bank = pickBy(POLISH_BANKS, unit(seed, itemId, 'cp-bank'));
    const branch = String(1 + (hash32(seed, itemId, 'cp-branch') % 9_999)).padStart(4, '0');
    const digits = `${String(hash32(seed, itemId, 'cp-a') % 100_000_000).padStart(8, '0')}${String(hash32(seed, itemId, 'cp-b') % 100_000_000).padStart(8, '0')}`;
    return { ...base, iban: polishIban(bank.code, branch, digits), bank };
  }
}

/** The next Monday-to-Friday day after `day` (a transfer ordered on Friday books on Monday). */
function nextBusinessDay(day: number): number {
  let d = day + 1;
  while (weekday(d) === 0 || weekday(d) === 6) d++;
  return d;
}

function pad2(i: number): string {
  return String(i).padStart(2, '0');
}

function knobAmount(amount: bigint): number {
  if (typeof amount !== 'bigint') throw new Error('amount must be a bigint in minor units');
  if (amount === 0n || amount > BigInt(Number.MAX_SAFE_INTEGER) || amount < BigInt(Number.MIN_SAFE_INTEGER)) throw new Error('amount must be a non-zero safe integer of minor units');
  return Number(amount);
}
