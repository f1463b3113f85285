import { Schema } from 'effect';
import { CalendarDate, addDays } from './calendar-date';
import type { DateWindow } from './date-window';
import { TransactionId } from './ids';
import { CurrencyCode } from './money';
import { TransactionKind } from './transaction-kind';

/**
 * A transaction as a bank reports it and as Kinko stores it for one account.
 * `bankTransactionId` is unique per account and is the row's identity; `bankReference` is
 * the bank's own reference that a pending transaction keeps when it is booked (when the bank
 * gives one). `balanceAfterMinor` is in the account's currency.
 */
export const BankTransaction = Schema.Struct({
  bankTransactionId: TransactionId,
  kind: TransactionKind,
  transactionDate: CalendarDate,
  bookingDate: Schema.optional(Schema.NullOr(CalendarDate)),
  amountMinor: Schema.BigInt,
  currency: CurrencyCode,
  description: Schema.String,
  balanceAfterMinor: Schema.optional(Schema.NullOr(Schema.BigInt)),
  bankReference: Schema.optional(Schema.NullOr(Schema.String)),
});
/** A transaction of one account. */
export type BankTransaction = typeof BankTransaction.Type;

/**
 * What one fetch returned: `complete` only when every page of every window came back.
 * After an incomplete (or failed, with what it got so far) fetch nothing is deleted.
 */
export type FetchResult =
  | { readonly complete: true; readonly items: readonly BankTransaction[] }
  | { readonly complete: false; readonly items: readonly BankTransaction[] };

/** The seed's `DeleteIfNotFetched` kinds: hold, pending and scheduled. */
export const defaultDeleteIfNotFetched: ReadonlySet<TransactionKind> = new Set<TransactionKind>(['hold', 'pending', 'scheduled']);

/** Default number of days a pending and its booked transaction may lie apart to be matched. */
export const DEFAULT_MATCH_DAYS = 3;

/** The window of one kind that a fetch covered (a {@link DateWindow} fits). */
export type ReconciliationWindow = Pick<DateWindow, 'kind' | 'from' | 'to' | 'dateField'>;

/** What to reconcile: the stored rows of one account, the windows fetched and what came back. */
export interface ReconciliationInput {
  /** What the store holds for the account; rows outside every window are left alone, so passing more is safe. */
  readonly stored: readonly BankTransaction[];
  /** One window per kind the fetch covered. */
  readonly windows: readonly ReconciliationWindow[];
  readonly fetch: FetchResult;
  /** Kinds deleted when a complete fetch of their window no longer returns them; `booked` is ignored here. */
  readonly deleteIfNotFetched?: ReadonlySet<TransactionKind>;
  /** How many days apart a pending and a booked transaction may be to match without a bank reference. */
  readonly matchDays?: number;
}

/** A pending-like row (pending, hold, scheduled) replaced by the booked transaction it became. */
export interface PendingLink {
  readonly pendingId: TransactionId;
  readonly bookedId: TransactionId;
  /** `bankReference`: the bank gave both the same reference; `match`: the deterministic match. */
  readonly by: 'bankReference' | 'match';
}

/** Candidates that could not be paired one to one: all are kept, and flagged for review. */
export interface AmbiguousMatch {
  readonly pendingIds: readonly TransactionId[];
  readonly bookedIds: readonly TransactionId[];
  readonly by: 'bankReference' | 'match';
}

/** The changes that bring the store in line with one fetch. */
export interface Reconciliation {
  /** Fetched rows not stored yet. */
  readonly inserts: readonly BankTransaction[];
  /** Fetched rows whose stored content differs (the new content; the id is the key). */
  readonly updates: readonly BankTransaction[];
  /** Ids fetched with exactly the stored content. */
  readonly unchanged: readonly TransactionId[];
  /** Ids to delete: not re-fetched (`DeleteIfNotFetched`) or replaced by their booked transaction (see `links`). */
  readonly deletions: readonly TransactionId[];
  readonly links: readonly PendingLink[];
  readonly ambiguous: readonly AmbiguousMatch[];
  /** Ids the fetch returned more than once (the last occurrence wins). */
  readonly duplicateIds: readonly TransactionId[];
}

const orNull = <A>(a: A | null | undefined): A | null => (a === undefined ? null : a);

/** Whether two rows carry the same content (absent and null optional fields are the same). */
export function sameTransaction(a: BankTransaction, b: BankTransaction): boolean {
  return (
    a.bankTransactionId === b.bankTransactionId &&
    a.kind === b.kind &&
    a.transactionDate === b.transactionDate &&
    orNull(a.bookingDate) === orNull(b.bookingDate) &&
    a.amountMinor === b.amountMinor &&
    a.currency === b.currency &&
    a.description === b.description &&
    orNull(a.balanceAfterMinor) === orNull(b.balanceAfterMinor) &&
    orNull(a.bankReference) === orNull(b.bankReference)
  );
}

/** A description reduced for comparison: NFKC, lower case, runs of white space as one space, trimmed. */
export const normalizeDescription = (s: string): string => s.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();

const tokens = (normalized: string): Set<string> => new Set(normalized.split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 0));

/**
 * Whether two descriptions plausibly name the same payment: after
 * {@link normalizeDescription} they are equal, one contains the other (banks often add or
 * drop a prefix when booking), or at least half of their words are shared (Jaccard ≥ 0.5).
 */
export function similarDescriptions(a: string, b: string): boolean {
  const x = normalizeDescription(a);
  const y = normalizeDescription(b);
  if (x === y) return true;
  if (x.length > 0 && y.length > 0 && (x.includes(y) || y.includes(x))) return true;
  const tx = tokens(x);
  const ty = tokens(y);
  if (tx.size === 0 || ty.size === 0) return false;
  let shared = 0;
  for (const t of tx) if (ty.has(t)) shared += 1;
  return shared / (tx.size + ty.size - shared) >= 0.5;
}

/** Union-find over string keys, to group match candidates into connected components. */
class Groups {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let root = x;
    for (let p = this.parent.get(root); p !== undefined && p !== root; p = this.parent.get(root)) root = p;
    for (let cur = x; cur !== root; ) {
      const next = this.parent.get(cur) ?? root;
      this.parent.set(cur, root);
      cur = next;
    }
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

/**
 * Reconciles what is stored for an account with what one fetch of some windows returned, in
 * O(n) Map operations (plus the candidates sharing amount, currency and a date):
 *
 * - every fetched row is an insert, an update or unchanged (by `bankTransactionId`);
 * - nothing is deleted or linked unless `fetch.complete`;
 * - booked rows are never deleted;
 * - a stored row of a `deleteIfNotFetched` kind inside its kind's window (on the window's
 *   date field) that the fetch did not return is deleted;
 * - a pending-like row that was not returned (its kind was fetched) is linked to the booked
 *   transaction it became, and deleted: by equal `bankReference` when the bank gives one
 *   (wherever the row lies), else, inside its window, by a unique match of same amount and
 *   currency, transaction dates at most `matchDays` apart, and {@link similarDescriptions}
 *   (two rows carrying different bank references never match). A candidate group that is not
 *   one to one is reported in `ambiguous`, and its pending rows are kept.
 *
 * Hence, for a complete fetch, applying the result ({@link applyReconciliation}) leaves
 * exactly: the fetched rows; plus every stored row not re-fetched that is booked, of a kind
 * not in `deleteIfNotFetched`, outside its kind's window (unless linked by reference), or
 * flagged ambiguous.
 */
export function reconcile(input: ReconciliationInput): Reconciliation {
  const matchDays = input.matchDays ?? DEFAULT_MATCH_DAYS;
  if (!Number.isSafeInteger(matchDays) || matchDays < 0) throw new RangeError(`matchDays must be a whole number ≥ 0, got ${matchDays}`);

  const fetched = new Map<TransactionId, BankTransaction>();
  const duplicateIds = new Set<TransactionId>();
  for (const item of input.fetch.items) {
    if (fetched.has(item.bankTransactionId)) duplicateIds.add(item.bankTransactionId);
    fetched.set(item.bankTransactionId, item);
  }
  const stored = new Map<TransactionId, BankTransaction>();
  for (const row of input.stored) stored.set(row.bankTransactionId, row);

  const inserts: BankTransaction[] = [];
  const updates: BankTransaction[] = [];
  const unchanged: TransactionId[] = [];
  for (const [id, item] of fetched) {
    const before = stored.get(id);
    if (before === undefined) inserts.push(item);
    else if (sameTransaction(before, item)) unchanged.push(id);
    else updates.push(item);
  }
  const upserts = { inserts, updates, unchanged, duplicateIds: [...duplicateIds] };
  if (!input.fetch.complete) return { ...upserts, deletions: [], links: [], ambiguous: [] };

  const windows = new Map<TransactionKind, ReconciliationWindow>();
  for (const w of input.windows) {
    if (windows.has(w.kind)) throw new RangeError(`two windows for kind "${w.kind}"`);
    windows.set(w.kind, w);
  }
  const insideWindow = (row: BankTransaction): boolean => {
    const w = windows.get(row.kind);
    const date = w === undefined ? null : w.dateField === 'bookingDate' ? orNull(row.bookingDate) : row.transactionDate;
    return w !== undefined && date !== null && w.from <= date && date <= w.to;
  };

  const deletable = new Set<TransactionKind>([...(input.deleteIfNotFetched ?? defaultDeleteIfNotFetched)].filter((k) => k !== 'booked'));
  // Stored pending-like rows whose kind was fetched and which did not come back.
  const gone = [...stored.values()].filter(
    (row) => deletable.has(row.kind) && windows.has(row.kind) && !fetched.has(row.bankTransactionId),
  );
  const booked = [...fetched.values()].filter((t) => t.kind === 'booked');

  const links: PendingLink[] = [];
  const ambiguous: AmbiguousMatch[] = [];
  const claimed = new Set<TransactionId>(); // pending and booked ids settled by reference
  const kept = new Set<TransactionId>(); // ambiguous pending rows: kept and flagged

  // 1. The bank's reference: authoritative wherever the pending row lies.
  const byReference = new Map<string, { pending: BankTransaction[]; booked: BankTransaction[] }>();
  const refGroup = (ref: string) => {
    let g = byReference.get(ref);
    if (g === undefined) byReference.set(ref, (g = { pending: [], booked: [] }));
    return g;
  };
  for (const p of gone) if (p.bankReference) refGroup(p.bankReference).pending.push(p);
  for (const b of booked) if (b.bankReference && byReference.has(b.bankReference)) refGroup(b.bankReference).booked.push(b);
  for (const g of byReference.values()) {
    if (g.booked.length === 0) continue;
    const [p] = g.pending;
    const [b] = g.booked;
    if (g.pending.length === 1 && g.booked.length === 1 && p && b) {
      links.push({ pendingId: p.bankTransactionId, bookedId: b.bankTransactionId, by: 'bankReference' });
    } else {
      ambiguous.push({ pendingIds: g.pending.map((t) => t.bankTransactionId), bookedIds: g.booked.map((t) => t.bankTransactionId), by: 'bankReference' });
      for (const t of g.pending) kept.add(t.bankTransactionId);
    }
    for (const t of [...g.pending, ...g.booked]) claimed.add(t.bankTransactionId);
  }

  // 2. The deterministic match, for rows known to be gone (inside their fetched window).
  const bucketKey = (currency: string, amount: bigint, date: CalendarDate) => `${currency}|${amount}|${date}`;
  const buckets = new Map<string, BankTransaction[]>();
  for (const b of booked) {
    if (claimed.has(b.bankTransactionId)) continue;
    const key = bucketKey(b.currency, b.amountMinor, b.transactionDate);
    const list = buckets.get(key);
    if (list) list.push(b);
    else buckets.set(key, [b]);
  }
  const groups = new Groups();
  const members = new Map<string, { pending: Set<BankTransaction>; booked: Set<BankTransaction> }>();
  const edges: Array<readonly [BankTransaction, BankTransaction]> = [];
  for (const p of gone) {
    if (claimed.has(p.bankTransactionId) || !insideWindow(p)) continue;
    for (let d = -matchDays; d <= matchDays; d += 1) {
      for (const b of buckets.get(bucketKey(p.currency, p.amountMinor, addDays(p.transactionDate, d))) ?? []) {
        const refsDiffer = p.bankReference && b.bankReference && p.bankReference !== b.bankReference;
        if (refsDiffer || !similarDescriptions(p.description, b.description)) continue;
        edges.push([p, b]);
        groups.union(`p:${p.bankTransactionId}`, `b:${b.bankTransactionId}`);
      }
    }
  }
  for (const [p, b] of edges) {
    const root = groups.find(`p:${p.bankTransactionId}`);
    let m = members.get(root);
    if (m === undefined) members.set(root, (m = { pending: new Set(), booked: new Set() }));
    m.pending.add(p);
    m.booked.add(b);
  }
  for (const m of members.values()) {
    const [p] = m.pending;
    const [b] = m.booked;
    if (m.pending.size === 1 && m.booked.size === 1 && p && b) {
      links.push({ pendingId: p.bankTransactionId, bookedId: b.bankTransactionId, by: 'match' });
    } else {
      const pendingIds = [...m.pending].map((t) => t.bankTransactionId);
      ambiguous.push({ pendingIds, bookedIds: [...m.booked].map((t) => t.bankTransactionId), by: 'match' });
      for (const t of m.pending) kept.add(t.bankTransactionId);
    }
  }

  const linked = new Set(links.map((l) => l.pendingId));
  const deletions = gone
    .filter((row) => linked.has(row.bankTransactionId) || (insideWindow(row) && !kept.has(row.bankTransactionId)))
    .map((row) => row.bankTransactionId);
  return { ...upserts, deletions, links, ambiguous };
}

/**
 * The stored set after a reconciliation: deletions removed, updates replaced, inserts added
 * (stored order first, then inserts). Pure; what the store does in one transaction.
 */
export function applyReconciliation(stored: readonly BankTransaction[], result: Reconciliation): BankTransaction[] {
  const rows = new Map<TransactionId, BankTransaction>();
  for (const row of stored) rows.set(row.bankTransactionId, row);
  for (const id of result.deletions) rows.delete(id);
  for (const row of result.updates) rows.set(row.bankTransactionId, row);
  for (const row of result.inserts) rows.set(row.bankTransactionId, row);
  return [...rows.values()];
}
