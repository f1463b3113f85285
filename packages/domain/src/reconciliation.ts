import { Schema } from 'effect';
import { CalendarDate, addDays } from './calendar-date';
import type { DateWindow } from './date-window';
import { TransactionId } from './ids';
import { listedDateOf, reportedDate } from './listed-date';
import { CurrencyCode } from './money';
import { TransactionKind } from './transaction-kind';

/**
 * A transaction as a bank reports it and as Kinko stores it for one account.
 * `bankTransactionId` is unique per account and is the row's identity; `bankReference` is
 * the bank's own reference that a pending transaction keeps when it is booked (when the bank
 * gives one). `balanceAfterMinor` is in the account's currency. It is listed under
 * {@link listedDateOf}: a transaction date may be missing when its kind is filtered on
 * another date (`seenOn` then stands in for a bank that reports none of its dates).
 */
export const BankTransaction = Schema.Struct({
  bankTransactionId: TransactionId,
  kind: TransactionKind,
  transactionDate: Schema.optional(Schema.NullOr(CalendarDate)),
  bookingDate: Schema.optional(Schema.NullOr(CalendarDate)),
  valueDate: Schema.optional(Schema.NullOr(CalendarDate)),
  /** Only for a transaction with none of the dates above: the last day of the window it was first fetched under. */
  seenOn: Schema.optional(Schema.NullOr(CalendarDate)),
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

/** How a pending-like row was paired with its booked successor. */
export const LinkMethod = Schema.Literals(['bankReference', 'amountDateDescription']);
/** `bankReference`: both carry the same bank reference; `amountDateDescription`: same amount and currency, close dates, similar descriptions. */
export type LinkMethod = typeof LinkMethod.Type;
/** Every link method, in the order candidates are preferred. */
export const linkMethods: readonly LinkMethod[] = LinkMethod.literals;

/** How two descriptions compare: equal after {@link normalizeDescription}, {@link similarDescriptions}, or neither. */
export const DescriptionAgreement = Schema.Literals(['same', 'similar', 'different']);
/** How two descriptions compare. */
export type DescriptionAgreement = typeof DescriptionAgreement.Type;
/** Every description agreement, best first. */
export const descriptionAgreements: readonly DescriptionAgreement[] = DescriptionAgreement.literals;

/**
 * How a link was made, with the differences between the two rows, so that an application
 * can show it or have it reviewed.
 */
export interface LinkEvidence {
  readonly method: LinkMethod;
  /** Booked row's listed date minus the pending row's ({@link listedDateOf}), in days (0: same day). */
  readonly dateDifferenceDays: number;
  /** Booked amount minus the pending row's, in minor units (0n for an amount match; a hold may settle at another amount). */
  readonly amountDifferenceMinor: bigint;
  readonly description: DescriptionAgreement;
  /** How many booked rows of the fetch could have been this pending row's successor (1: no choice was made). */
  readonly candidates: number;
}

/** A pending-like row (pending, hold, scheduled) replaced by the booked transaction it became. */
export interface PendingLink {
  readonly pendingId: TransactionId;
  readonly bookedId: TransactionId;
  readonly evidence: LinkEvidence;
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
  /** Each vanished pending-like row paired with its booked successor (at most one link per row on either side). */
  readonly links: readonly PendingLink[];
  /** Ids the fetch returned more than once (the last occurrence wins). */
  readonly duplicateIds: readonly TransactionId[];
}

const orNull = <A>(a: A | null | undefined): A | null => (a === undefined ? null : a);

/** Whether two rows carry the same content (absent and null optional fields are the same; `seenOn` is the app's, not content). */
export function sameTransaction(a: BankTransaction, b: BankTransaction): boolean {
  return (
    a.bankTransactionId === b.bankTransactionId &&
    a.kind === b.kind &&
    orNull(a.transactionDate) === orNull(b.transactionDate) &&
    orNull(a.bookingDate) === orNull(b.bookingDate) &&
    orNull(a.valueDate) === orNull(b.valueDate) &&
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

/** How two descriptions compare (see {@link DescriptionAgreement}). */
export function compareDescriptions(a: string, b: string): DescriptionAgreement {
  if (normalizeDescription(a) === normalizeDescription(b)) return 'same';
  return similarDescriptions(a, b) ? 'similar' : 'different';
}

/** A possible (vanished pending-like row → booked row) pair. */
interface Candidate {
  readonly pending: BankTransaction;
  readonly booked: BankTransaction;
  readonly method: LinkMethod;
  readonly days: number;
  readonly description: DescriptionAgreement;
}

const daysBetween = (from: CalendarDate, to: CalendarDate): number => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The order candidates are taken in: bank reference first, then the closest dates, then the
 * better description agreement, then the rows' order (their bank ids: the result never
 * depends on the order the rows were read in).
 */
function compareCandidates(x: Candidate, y: Candidate): number {
  return (
    linkMethods.indexOf(x.method) - linkMethods.indexOf(y.method) ||
    Math.abs(x.days) - Math.abs(y.days) ||
    descriptionAgreements.indexOf(x.description) - descriptionAgreements.indexOf(y.description) ||
    compareIds(x.pending.bankTransactionId, y.pending.bankTransactionId) ||
    compareIds(x.booked.bankTransactionId, y.booked.bankTransactionId)
  );
}

/**
 * Reconciles what is stored for an account with what one fetch of some windows returned, in
 * O(n) Map operations (plus sorting the candidates sharing a reference, or amount, currency
 * and a nearby date):
 *
 * - every fetched row is an insert, an update or unchanged (by `bankTransactionId`);
 * - nothing is deleted or linked unless `fetch.complete`;
 * - booked rows are never deleted;
 * - a stored row of a `deleteIfNotFetched` kind inside its kind's window (on the window's
 *   date field) that the fetch did not return is deleted (the seed's `DeleteIfNotFetched`);
 * - a pending-like row that was not returned (its kind was fetched) is paired with the booked
 *   transaction it became, and linked to it: candidates are the booked rows of the fetch with
 *   the same `bankReference` (wherever the pending row lies), and — inside its window — those
 *   of the same amount and currency, listed dates ({@link listedDateOf}) at most `matchDays` apart and
 *   {@link similarDescriptions} (two rows carrying different bank references never pair).
 *   Pairs are taken one to one, deterministically: bank reference first, then closest date,
 *   then description, then the rows' ids. Each link records its {@link LinkEvidence}.
 *   A vanished row left without a partner is deleted like any other (never kept beside the
 *   booked rows, which would count it twice).
 *
 * Hence, for a complete fetch, applying the result ({@link applyReconciliation}) leaves
 * exactly: the fetched rows; plus every stored row not re-fetched that is booked, of a kind
 * not in `deleteIfNotFetched`, or outside its kind's window and not linked. No booked row is
 * the successor of two pending rows.
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
  if (!input.fetch.complete) return { ...upserts, deletions: [], links: [] };

  const windows = new Map<TransactionKind, ReconciliationWindow>();
  for (const w of input.windows) {
    if (windows.has(w.kind)) throw new RangeError(`two windows for kind "${w.kind}"`);
    windows.set(w.kind, w);
  }
  const insideWindow = (row: BankTransaction): boolean => {
    const w = windows.get(row.kind);
    if (w === undefined) return false;
    // A date the bank does not report: the row is taken to be inside from its listed day on
    // (the entry date lies on or before the day the row was seen; the bank's window ends today).
    if (w.dateField === 'entryDate') return w.from <= listedDateOf(row);
    const date = reportedDate(row, w.dateField);
    return date !== null && w.from <= date && date <= w.to;
  };

  const deletable = new Set<TransactionKind>([...(input.deleteIfNotFetched ?? defaultDeleteIfNotFetched)].filter((k) => k !== 'booked'));
  // Stored pending-like rows whose kind was fetched and which did not come back.
  const gone = [...stored.values()].filter(
    (row) => deletable.has(row.kind) && windows.has(row.kind) && !fetched.has(row.bankTransactionId),
  );
  const booked = [...fetched.values()].filter((t) => t.kind === 'booked');

  const candidates: Candidate[] = [];
  const candidate = (pending: BankTransaction, b: BankTransaction, method: LinkMethod): Candidate => ({
    pending,
    booked: b,
    method,
    days: daysBetween(listedDateOf(pending), listedDateOf(b)),
    description: compareDescriptions(pending.description, b.description),
  });

  // 1. The bank's reference: authoritative wherever the pending row lies.
  const byReference = new Map<string, BankTransaction[]>();
  for (const b of booked) {
    if (!b.bankReference) continue;
    const list = byReference.get(b.bankReference);
    if (list) list.push(b);
    else byReference.set(b.bankReference, [b]);
  }
  for (const p of gone) {
    if (p.bankReference) for (const b of byReference.get(p.bankReference) ?? []) candidates.push(candidate(p, b, 'bankReference'));
  }

  // 2. Amount, date and description, for rows known to be gone (inside their fetched window).
  const bucketKey = (currency: string, amount: bigint, date: CalendarDate) => `${currency}|${amount}|${date}`;
  const buckets = new Map<string, BankTransaction[]>();
  for (const b of booked) {
    const key = bucketKey(b.currency, b.amountMinor, listedDateOf(b));
    const list = buckets.get(key);
    if (list) list.push(b);
    else buckets.set(key, [b]);
  }
  for (const p of gone) {
    if (!insideWindow(p)) continue;
    for (let d = -matchDays; d <= matchDays; d += 1) {
      for (const b of buckets.get(bucketKey(p.currency, p.amountMinor, addDays(listedDateOf(p), d))) ?? []) {
        if (p.bankReference && b.bankReference) continue; // both referenced: equal ones paired above, different ones never pair
        const c = candidate(p, b, 'amountDateDescription');
        if (c.description !== 'different') candidates.push(c);
      }
    }
  }

  // 3. One to one, best candidates first.
  const perPending = new Map<TransactionId, number>();
  for (const c of candidates) perPending.set(c.pending.bankTransactionId, (perPending.get(c.pending.bankTransactionId) ?? 0) + 1);
  candidates.sort(compareCandidates);
  const links: PendingLink[] = [];
  const linked = new Set<TransactionId>();
  const taken = new Set<TransactionId>();
  for (const c of candidates) {
    const p = c.pending.bankTransactionId;
    const b = c.booked.bankTransactionId;
    if (linked.has(p) || taken.has(b)) continue;
    linked.add(p);
    taken.add(b);
    links.push({
      pendingId: p,
      bookedId: b,
      evidence: {
        method: c.method,
        dateDifferenceDays: c.days,
        amountDifferenceMinor: c.booked.amountMinor - c.pending.amountMinor,
        description: c.description,
        candidates: perPending.get(p) ?? 1,
      },
    });
  }

  const deletions = gone.filter((row) => linked.has(row.bankTransactionId) || insideWindow(row)).map((row) => row.bankTransactionId);
  return { ...upserts, deletions, links };
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
