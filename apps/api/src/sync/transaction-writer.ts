import type { DailyBalance as BankDailyBalance, Transaction as BankApiTransaction } from '@kinko/connector-sdk';
import {
  type BankTransaction,
  type CalendarDate,
  type CurrencyCode,
  type ReconciliationWindow,
  type TransactionId,
  type TransactionKind,
  type DateField,
  dailyBalances,
  reconcile,
} from '@kinko/domain';
import type { EntityManager } from 'typeorm';
import { idsAt } from '../database/ids';
import { preparedQuery } from '../database/prepared-sql';
import { storedLinkEvidence } from '../transactions/link-evidence';
import { type FetchOrder, listedDayOf } from './bank-order';
import type { Statement } from './carried-sql';

/** Whose rows: the account (and its owner, for the scoped keys). */
export interface AccountKey {
  readonly tenantId: string;
  readonly userId: string;
  readonly accountId: string;
}

/** What one page write did. */
export interface PageWrite {
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
}

interface StoredTxRow {
  bank_transaction_id: string;
  kind: TransactionKind;
  transaction_date: string | null;
  booking_date: string | null;
  value_date: string | null;
  listed_date: string;
  amount_minor: string;
  currency_code: string;
  description: string;
  balance_after_minor: string | null;
  bank_reference: string | null;
}

const toBankTransaction = (r: StoredTxRow): BankTransaction => ({
  bankTransactionId: r.bank_transaction_id as TransactionId,
  kind: r.kind,
  transactionDate: r.transaction_date as CalendarDate | null,
  bookingDate: r.booking_date as CalendarDate | null,
  valueDate: r.value_date as CalendarDate | null,
  seenOn: r.listed_date as CalendarDate,
  amountMinor: BigInt(r.amount_minor),
  currency: r.currency_code as CurrencyCode,
  description: r.description,
  balanceAfterMinor: r.balance_after_minor === null ? null : BigInt(r.balance_after_minor),
  bankReference: r.bank_reference,
});

/**
 * The stored column of each date a bank may filter on. `entryDate` is not reported: the listed
 * date stands in (for a row without dates of its own, the day it was first seen: no earlier
 * than its entry).
 */
export const DATE_COLUMNS: Readonly<Record<DateField, string>> = { transactionDate: 'transaction_date', bookingDate: 'booking_date', valueDate: 'value_date', entryDate: 'listed_date' };

const TX_COLUMNS = `bank_transaction_id, kind, transaction_date::text AS transaction_date, booking_date::text AS booking_date,
  value_date::text AS value_date, listed_date::text AS listed_date, amount_minor::text AS amount_minor,
  currency_code, description, balance_after_minor::text AS balance_after_minor, bank_reference`;

// The stored version of each upserted row, as the row was before this statement (PostgreSQL
// 18's `RETURNING old.*`; all NULL for a row the statement inserted).
const OLD_TX_COLUMNS = `old.bank_transaction_id, old.kind, old.transaction_date::text AS transaction_date, old.booking_date::text AS booking_date,
  old.value_date::text AS value_date, old.listed_date::text AS listed_date,
  old.amount_minor::text AS amount_minor, old.currency_code, old.description, old.balance_after_minor::text AS balance_after_minor, old.bank_reference`;

// The conflict arbiter (the unique key) finds each stored row: no separate lookup whose plan
// could depend on statistics (before the first ANALYZE a generic plan for `bank_transaction_id =
// ANY(…)` scanned the whole account on every page: quadratic in the history's size).
// A row carrying none of its own dates keeps the day it was first listed under (the listed
// date of a new one is the end of its window: see listedDateOf).
const PAGE_UPSERT = `WITH w AS (INSERT INTO transactions (user_id, account_id, id, tenant_id, bank_transaction_id, kind, transaction_date, booking_date, value_date, listed_date,
    amount_minor, currency_code, description, balance_after_minor, bank_reference, last_fetched_at, bank_order)
  SELECT $1, $2, t.id, $3, t.btid, t.kind, t.tdate, t.bdate, t.vdate, t.ldate, t.amount, t.currency, t.descr, t.balance, t.ref, $4, t.ord
    FROM UNNEST($5::uuid[], $6::text[], $7::text[], $8::date[], $9::date[], $10::bigint[], $11::text[], $12::text[], $13::bigint[], $14::text[], $15::bigint[],
                $16::date[], $17::date[])
      AS t(id, btid, kind, tdate, bdate, amount, currency, descr, balance, ref, ord, vdate, ldate)
  ON CONFLICT (user_id, account_id, bank_transaction_id) DO UPDATE SET
    kind = EXCLUDED.kind, transaction_date = EXCLUDED.transaction_date, booking_date = EXCLUDED.booking_date, value_date = EXCLUDED.value_date,
    listed_date = CASE WHEN COALESCE(EXCLUDED.transaction_date, EXCLUDED.booking_date, EXCLUDED.value_date) IS NULL THEN transactions.listed_date ELSE EXCLUDED.listed_date END,
    amount_minor = EXCLUDED.amount_minor, currency_code = EXCLUDED.currency_code, description = EXCLUDED.description,
    balance_after_minor = EXCLUDED.balance_after_minor, bank_reference = EXCLUDED.bank_reference,
    last_fetched_at = EXCLUDED.last_fetched_at, bank_order = EXCLUDED.bank_order
  WHERE $18::boolean
     OR (transactions.kind, transactions.transaction_date, transactions.booking_date, transactions.value_date, transactions.amount_minor, transactions.currency_code,
         transactions.description, transactions.balance_after_minor, transactions.bank_reference, transactions.bank_order,
         transactions.listed_date)
        IS DISTINCT FROM
        (EXCLUDED.kind, EXCLUDED.transaction_date, EXCLUDED.booking_date, EXCLUDED.value_date, EXCLUDED.amount_minor, EXCLUDED.currency_code,
         EXCLUDED.description, EXCLUDED.balance_after_minor, EXCLUDED.bank_reference, EXCLUDED.bank_order,
         CASE WHEN COALESCE(EXCLUDED.transaction_date, EXCLUDED.booking_date, EXCLUDED.value_date) IS NULL THEN transactions.listed_date ELSE EXCLUDED.listed_date END)
  RETURNING ${OLD_TX_COLUMNS}, new.bank_transaction_id AS written_id,
    CASE WHEN old.bank_transaction_id IS NULL THEN new.kind || '.added'
         WHEN (old.kind, old.transaction_date, old.booking_date, old.value_date, old.amount_minor, old.currency_code, old.description, old.balance_after_minor, old.bank_reference)
              IS DISTINCT FROM
              (new.kind, new.transaction_date, new.booking_date, new.value_date, new.amount_minor, new.currency_code, new.description, new.balance_after_minor, new.bank_reference)
         THEN new.kind || '.modified' END AS logged)
  SELECT w.*, 1 AS n, NULL::text[] AS inserted_ids FROM w WHERE w.bank_transaction_id IS NOT NULL
  UNION ALL
  SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, i.logged, i.n, i.ids
    FROM (SELECT w.logged, count(*)::int AS n, CASE WHEN (SELECT count(*) FROM w) < cardinality($6::text[]) THEN array_agg(w.written_id) END AS ids
            FROM w WHERE w.bank_transaction_id IS NULL GROUP BY w.logged) i`;

/**
 * The change feed's rows a transaction's writes logged, per `kind.change` (`booked.added` → n):
 * the shape of `sync_account_results.change_counts` (webhooks/change-counts.ts).
 */
export type LoggedChanges = Map<string, number>;

/**
 * Whether the complete reconciliation reads the fetch stamps (`last_fetched_at`) of `kind`'s
 * rows: those of a kind deleted when not fetched ("vanished" = not stamped by the fetch), and
 * the booked ones (the successors it pairs them with) when the bank has such a kind. When it
 * does not, a re-fetched row that did not change is not rewritten (no new row version, index
 * entries or WAL): it keeps the stamp of the fetch that last changed it.
 */
export const stampsRead = (kind: TransactionKind, deleteIfNotFetched: readonly TransactionKind[]): boolean =>
  deleteIfNotFetched.some((k) => k !== 'booked') && (kind === 'booked' || deleteIfNotFetched.includes(kind));

/**
 * Writes one page of fetched transactions in ONE statement (a named prepared statement):
 * every fetched row is written by a multi-row `INSERT … ON CONFLICT (user_id, account_id,
 * bank_transaction_id) DO UPDATE` (arrays unnested server-side), stamped with the fetch's
 * instant and its place in the bank's order within its day (`bank_order`, from the fetch's
 * {@link FetchOrder}), and `RETURNING old.*` gives back the stored
 * version of each row that existed; the domain's `reconcile` (incomplete fetch: upserts only)
 * classifies the page against those stored versions. A stored row that did not change is not
 * rewritten unless its stamp is read later (`stampsRead`, default true: see {@link stampsRead})
 * or a later page of the fetch may reverse its order key: it is unchanged. Re-running a page
 * changes nothing but the stamp: retries never duplicate. With `fetch.logged`, the rows the
 * change feed's triggers logged for the statement are added to it, read from the same
 * RETURNING: an inserted row 'added', a rewritten one whose shown columns changed 'modified'
 * (the columns of the feed's UPDATE trigger that this statement writes: migration
 * FeedLogChangedRowsOnly), so its caller can count them without reading the log again.
 */
export async function writeTransactionPage(
  manager: EntityManager,
  key: AccountKey,
  window: ReconciliationWindow,
  items: readonly BankApiTransaction[],
  fetch: { readonly stamp: Date; readonly order: FetchOrder; readonly stampsRead?: boolean; readonly logged?: LoggedChanges },
): Promise<PageWrite> {
  if (items.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  // A transaction carrying no date of its own is listed under the end of the window it came in.
  const seenOn = window.to;
  const { keys, reverseDay, reversible } = fetch.order.page(items, seenOn);
  if (reverseDay !== undefined) {
    // Once per fetch at most: its first pages held one day only, keyed oldest first before
    // this page showed that the bank lists newest first.
    await manager.query(
      `UPDATE transactions SET bank_order = -bank_order WHERE user_id = $1 AND account_id = $2 AND listed_date = $3 AND kind = ANY($4::text[]) AND last_fetched_at = $5`,
      [key.userId, key.accountId, reverseDay, [...new Set(items.map((i) => i.kind))], fetch.stamp],
    );
  }
  // The last occurrence of an id wins (what reconcile reports as duplicateIds).
  const latest = new Map<string, { item: BankApiTransaction; order: number }>();
  items.forEach((item, i) => latest.set(item.bankTransactionId, { item, order: keys[i] as number }));
  const rows = [...latest.values()];
  const n = rows.length;
  const idCol = new Array<string>(n);
  const btids = new Array<string>(n);
  const kinds = new Array<string>(n);
  const tdates = new Array<string | null>(n);
  const bdates = new Array<string | null>(n);
  const vdates = new Array<string | null>(n);
  const ldates = new Array<string>(n);
  const amounts = new Array<string>(n);
  const currencies = new Array<string>(n);
  const descriptions = new Array<string>(n);
  const balances = new Array<string | null>(n);
  const refs = new Array<string | null>(n);
  const orders = new Array<number>(n);
  const nextId = idsAt(fetch.stamp.getTime());
  for (let i = 0; i < n; i += 1) {
    const { item, order } = rows[i] as { item: BankApiTransaction; order: number };
    idCol[i] = nextId();
    btids[i] = item.bankTransactionId;
    kinds[i] = item.kind;
    tdates[i] = item.transactionDate ?? null;
    bdates[i] = item.bookingDate ?? null;
    vdates[i] = item.valueDate ?? null;
    ldates[i] = listedDayOf(item, seenOn);
    amounts[i] = item.amountMinor.toString();
    currencies[i] = item.currency;
    descriptions[i] = item.description;
    balances[i] = item.balanceAfterMinor === undefined ? null : item.balanceAfterMinor.toString();
    refs[i] = item.bankReference ?? null;
    orders[i] = order;
  }
  // One statement, one round trip: every fetched row is upserted, and the stored versions of
  // the rows that existed (as they were before this statement) come back for reconcile; the
  // inserted rows come back as one row per kind (their number, and their ids only when some
  // fetched row was not written), not one row each.
  const returned = (await preparedQuery(manager, PAGE_UPSERT, [
    key.userId,
    key.accountId,
    key.tenantId,
    fetch.stamp,
    idCol,
    btids,
    kinds,
    tdates,
    bdates,
    amounts,
    currencies,
    descriptions,
    balances,
    refs,
    orders,
    vdates,
    ldates,
    (fetch.stampsRead ?? true) || reversible,
  ])) as Array<((StoredTxRow & { written_id: string; inserted_ids: null }) | { bank_transaction_id: null; inserted_ids: string[] | null }) & { logged: string | null; n: number }>;
  const logged = fetch.logged;
  if (logged) for (const r of returned) if (r.logged !== null) logged.set(r.logged, (logged.get(r.logged) ?? 0) + r.n);
  const stored = returned.filter((r): r is StoredTxRow & { written_id: string; inserted_ids: null; logged: string | null; n: number } => r.bank_transaction_id !== null);
  const writtenRows = returned.reduce((sum, r) => sum + r.n, 0);
  // A row not written was stored and did not change (not rewritten): unchanged.
  const written = writtenRows === n ? undefined : new Set([...stored.map((r) => r.written_id), ...returned.flatMap((r) => r.inserted_ids ?? [])]);
  const result = reconcile({ stored: stored.map(toBankTransaction), windows: [window], fetch: { complete: false, items: written ? items.filter((i) => written.has(i.bankTransactionId)) : items } });
  return { inserted: result.inserts.length, updated: result.updates.length, unchanged: result.unchanged.length + n - writtenRows };
}

/** One kind fetched completely for an account: its window, and the stamp its rows carry. */
export interface CompletedKindFetch {
  readonly window: ReconciliationWindow;
  readonly stamp: Date;
}

/** What the final, complete reconciliation of an account did. */
export interface CompleteReconciliation {
  readonly deleted: number;
  readonly linked: number;
}

// The complete reconciliation's statements (named prepared statements: run once per account
// and session). Each reads what it needs through an index whatever the account's history: the
// open (not superseded) rows of the deletable kinds — never booked — through the partial index
// of open non-booked rows, and "is this booked row already some row's successor?" through the
// partial index of superseded rows (migration SupersededIndex; test/sync/reconciliation-work.test.ts).
export const OPEN_NOT_BOOKED_SQL = `SELECT ${TX_COLUMNS}, last_fetched_at FROM transactions
  WHERE user_id = $1 AND account_id = $2 AND kind <> 'booked' AND linked_booked_id IS NULL AND kind = ANY($3::text[])`;
export const BOOKED_CANDIDATES_SQL = `SELECT ${TX_COLUMNS} FROM transactions b WHERE user_id = $1 AND account_id = $2 AND kind = 'booked' AND last_fetched_at = $3
    AND (bank_reference = ANY($4::text[]) OR (amount_minor = ANY($5::bigint[]) AND listed_date BETWEEN $6 AND $7))
    AND NOT EXISTS (SELECT 1 FROM transactions p WHERE p.user_id = $1 AND p.account_id = $2 AND p.linked_booked_id = b.id)`;
const LINK_SQL = `UPDATE transactions p SET linked_booked_id = b.id, link_evidence = l.evidence
    FROM UNNEST($3::text[], $4::text[], $5::jsonb[]) AS l(pending_id, booked_id, evidence)
    JOIN transactions b ON b.user_id = $1 AND b.account_id = $2 AND b.bank_transaction_id = l.booked_id
   WHERE p.user_id = $1 AND p.account_id = $2 AND p.bank_transaction_id = l.pending_id AND p.kind <> 'booked'`;
const DELETE_VANISHED_SQL = `DELETE FROM transactions WHERE user_id = $1 AND account_id = $2 AND kind <> 'booked' AND bank_transaction_id = ANY($3::text[])`;

/**
 * The final reconciliation of an account once every kind's window was fetched completely
 * (the domain's `reconcile` with `complete: true`): `DeleteIfNotFetched` rows of the window
 * that did not come back are deleted, and a pending row that became booked is kept with
 * `linked_booked_id` pointing at its booked successor and `link_evidence` saying how the
 * pair was made (listings hide it as superseded: never counted twice). A booked row that is
 * already some pending row's successor is not offered again. Memory stays small whatever the
 * history: only the account's pending-like rows (few) and the booked rows of this fetch that
 * could match one of the vanished ones (same bank reference, or same amount near its date)
 * are read.
 */
export async function completeReconciliation(
  manager: EntityManager,
  key: AccountKey,
  fetched: ReadonlyMap<TransactionKind, CompletedKindFetch>,
  deleteIfNotFetched: ReadonlySet<TransactionKind>,
  matchDays = 3,
): Promise<CompleteReconciliation> {
  const deletableKinds = [...fetched.keys()].filter((k) => k !== 'booked' && deleteIfNotFetched.has(k));
  if (deletableKinds.length === 0) return { deleted: 0, linked: 0 };
  // Rows already linked to their booked successor are history: settled, never deleted.
  const pendingRows = (await preparedQuery(manager, OPEN_NOT_BOOKED_SQL, [key.userId, key.accountId, deletableKinds])) as Array<StoredTxRow & { last_fetched_at: Date }>;
  const refetched = pendingRows.filter((r) => r.last_fetched_at.getTime() === fetched.get(r.kind)?.stamp.getTime());
  const vanished = pendingRows.filter((r) => r.last_fetched_at.getTime() !== fetched.get(r.kind)?.stamp.getTime());
  if (vanished.length === 0) return { deleted: 0, linked: 0 };

  const booked = fetched.get('booked');
  let bookedCandidates: StoredTxRow[] = [];
  if (booked) {
    const dates = vanished.map((r) => r.listed_date).sort();
    const from = shift(dates[0] as string, -matchDays);
    const to = shift(dates[dates.length - 1] as string, matchDays);
    bookedCandidates = (await preparedQuery(manager, BOOKED_CANDIDATES_SQL, [
      key.userId,
      key.accountId,
      booked.stamp,
      vanished.map((r) => r.bank_reference).filter((r) => r !== null),
      [...new Set(vanished.map((r) => r.amount_minor))],
      from,
      to,
    ])) as StoredTxRow[];
  }
  const result = reconcile({
    stored: pendingRows.map(toBankTransaction),
    windows: [...fetched.values()].map((f) => f.window),
    fetch: { complete: true, items: [...refetched, ...bookedCandidates].map(toBankTransaction) },
    deleteIfNotFetched,
    matchDays,
  });
  // A pending row that booked is kept, linked to its booked successor with the evidence of the
  // pairing (hidden from listings as superseded: never counted twice); the others that did not
  // come back are deleted.
  if (result.links.length > 0) {
    await preparedQuery(manager, LINK_SQL, [
      key.userId,
      key.accountId,
      result.links.map((l) => l.pendingId),
      result.links.map((l) => l.bookedId),
      result.links.map((l) => JSON.stringify(storedLinkEvidence(l.evidence))),
    ]);
  }
  const linkedIds = new Set<string>(result.links.map((l) => l.pendingId));
  const deletions = result.deletions.filter((id) => !linkedIds.has(id));
  if (deletions.length > 0) {
    await preparedQuery(manager, DELETE_VANISHED_SQL, [key.userId, key.accountId, deletions]);
  }
  return { deleted: deletions.length, linked: result.links.length };
}

const shift = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

// The rows {@link deriveDailyBalances} derives from, for each account of a VALUES list (`$3..`:
// the account and its `from`, one text per number of accounts): each day's last booked row
// carrying a balance within from..$2 (in the bank's order: date, bank_order, id), and the last one
// before from. A VALUES list, not arrays: its size is in the text, so the prepared statement's
// generic plan (the same index walks per account) is costed for the accounts it has.
const DERIVATION_ROWS_SQL = new Map<number, string>();
const derivationRowsSql = (accounts: number): string => {
  let text = DERIVATION_ROWS_SQL.get(accounts);
  if (text === undefined) {
    const values = Array.from({ length: accounts }, (_, i) => `($${3 + 2 * i}::uuid, $${4 + 2 * i}::date)`).join(', ');
    text = `SELECT v.account_id::text AS account_id, r.* FROM (VALUES ${values}) AS v(account_id, from_date) CROSS JOIN LATERAL (
  (SELECT DISTINCT ON (t.listed_date) ${TX_COLUMNS} FROM transactions t
      WHERE user_id = $1 AND account_id = v.account_id AND kind = 'booked' AND balance_after_minor IS NOT NULL AND t.listed_date BETWEEN v.from_date AND $2
      ORDER BY t.listed_date, t.bank_order DESC, t.id DESC)
  UNION ALL
  (SELECT ${TX_COLUMNS} FROM transactions t
      WHERE user_id = $1 AND account_id = v.account_id AND kind = 'booked' AND balance_after_minor IS NOT NULL AND t.listed_date < v.from_date
      ORDER BY t.listed_date DESC, t.bank_order DESC, t.id DESC LIMIT 1)) AS r`;
    DERIVATION_ROWS_SQL.set(accounts, text);
  }
  return text;
};

/** One account to derive: its key's account, the first day to derive and its currency. */
export interface DerivedAccount {
  readonly accountId: string;
  readonly from: CalendarDate;
  readonly currency: string;
}

/**
 * Daily balances of an account for `from..to`, derived by the domain's `dailyBalances`
 * from the stored booked transactions: only the day's last one (in the bank's order: the
 * listing's, date then `bank_order` then id) and
 * the last one before `from` are read, so at most one row per day is in memory. Written in
 * one multi-row upsert as `derived`; a balance the bank reported (`bank`) is kept, and a day
 * whose balance did not change is not rewritten (no new row version: a re-sync's overlap days
 * cost a read, not a write). Returns the days derived. {@link deriveAccountsDailyBalances} for one account.
 */
export async function deriveDailyBalances(manager: EntityManager, key: AccountKey, range: { from: CalendarDate; to: CalendarDate }, currency: string): Promise<number> {
  const days = await deriveAccountsDailyBalances(manager, key, [{ accountId: key.accountId, from: range.from, currency }], range.to);
  return days.get(key.accountId) ?? 0;
}

/**
 * {@link deriveDailyBalances} for several accounts of one user up to the same `to`: one read of
 * their rows and one write of their days (two statements per session, not two per account).
 * Returns the days derived per account.
 */
export async function deriveAccountsDailyBalances(manager: EntityManager, owner: Pick<AccountKey, 'tenantId' | 'userId'>, accounts: readonly DerivedAccount[], to: CalendarDate): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (accounts.length === 0) return out;
  // Both reads walk the partial index of booked rows carrying a balance (migration
  // BookedBalanceIndex), in its order: `t.listed_date`, the column — a bare `listed_date` here
  // names the output's text alias, whose order no index gives (every row of the account before
  // `from` was read and sorted). test/sync/daily-balance-work.test.ts
  const rows = (await preparedQuery(manager, derivationRowsSql(accounts.length), [owner.userId, to, ...accounts.flatMap((a) => [a.accountId, a.from])])) as Array<StoredTxRow & { account_id: string }>;
  const byAccount = new Map<string, StoredTxRow[]>();
  for (const r of rows) {
    const list = byAccount.get(r.account_id);
    if (list) list.push(r);
    else byAccount.set(r.account_id, [r]);
  }
  const perAccount: Array<readonly [string, readonly DayWritten[]]> = [];
  for (const a of accounts) {
    const series = dailyBalances({ transactions: (byAccount.get(a.accountId) ?? []).map(toBankTransaction), from: a.from, to, dateField: 'transactionDate' /* i.e. the listed date */ }).filter(
      (d) => d.balanceMinor !== null,
    );
    out.set(a.accountId, series.length);
    perAccount.push([a.accountId, series.map((d) => ({ date: d.date, balanceMinor: d.balanceMinor as bigint, currency: a.currency }))]);
  }
  const days = daysWritten(perAccount);
  if (days) await preparedQuery(manager, DERIVED_BALANCES_SQL, [owner.tenantId, owner.userId, ...days]);
  return out;
}

/** A day of a daily balances write: a bank's reported balance, or a derived one. */
type DayWritten = Pick<BankDailyBalance, 'date' | 'balanceMinor'> & { readonly currency: string };

/**
 * The parameters of a daily balances write ({@link balancesWrite}) after the owner's, `$3..$9`:
 * each account that has days with the first and last of them, then every day (its account,
 * date, balance, currency). Undefined when no account has a day.
 */
function daysWritten(perAccount: Iterable<readonly [string, readonly DayWritten[]]>): [string[], string[], string[], string[], string[], string[], string[]] | undefined {
  const accounts: string[] = [];
  const los: string[] = [];
  const his: string[] = [];
  const dayAccounts: string[] = [];
  const dates: string[] = [];
  const balances: string[] = [];
  const currencies: string[] = [];
  for (const [accountId, days] of perAccount) {
    if (days.length === 0) continue;
    const [lo, hi] = spanOf(days.map((d) => d.date));
    accounts.push(accountId);
    los.push(lo);
    his.push(hi);
    for (const d of days) {
      dayAccounts.push(accountId);
      dates.push(d.date);
      balances.push(d.balanceMinor.toString());
      currencies.push(d.currency);
    }
  }
  return dates.length === 0 ? undefined : [accounts, los, his, dayAccounts, dates, balances, currencies];
}

/**
 * The daily balances' write, of the days of one user's accounts (`$1` tenant, `$2` user; `$3..$5`
 * each written account with the first and last of its days; `select` the days `d` from `$6` on): an
 * INSERT of the batch's days that pays for `ON CONFLICT` only
 * when some day of the batch may be stored. On a first sync none is, and the upsert's
 * speculative insertion (a conflict pre-check, a speculative token and a confirm WAL record per
 * row) bought nothing: 3 WAL records a row instead of 2, 300 WAL bytes instead of 227, ~5 µs of
 * PostgreSQL CPU. The stored days of each account's span (no day of the batch lies outside it)
 * pick the plain INSERT (a CTE) or the upsert (`conflict`), never both.
 * A concurrent writer of the same days would make the plain one fail on the key; the retry
 * finds them stored and upserts. The upsert leaves out the days stored as they would stay
 * (`kept`, a condition on the stored row `b` and the batch's day `d`: what `conflict`'s WHERE
 * would not rewrite): ON CONFLICT DO UPDATE locks every conflicting row before its WHERE, a WAL
 * record each, and a daily refresh re-derives and re-reports days it has stored unchanged. The
 * stored days of the batch's spans (`span`) are read once, by one range scan of the primary key
 * per account (a LATERAL subquery the planner cannot flatten: OFFSET 0), and joined with the batch:
 * written as a join of the batch's days with the table, the planner hashed the whole table for a
 * batch of a year of days of 3 accounts (~6-9 ms a statement in the bench), and one probe per day
 * costs more than a scan of the span. test/sync/daily-balance-work.test.ts
 */
const balancesWrite = (select: string, conflict: string, kept: string): string =>
  `WITH span AS MATERIALIZED (SELECT b.account_id, b.date, b.balance_minor, b.currency_code, b.source FROM unnest($3::uuid[], $4::date[], $5::date[]) AS s(account_id, lo, hi)
       CROSS JOIN LATERAL (SELECT b.account_id, b.date, b.balance_minor, b.currency_code, b.source FROM daily_balances b WHERE b.account_id = s.account_id AND b.date BETWEEN s.lo AND s.hi OFFSET 0) AS b),
     stored AS (SELECT EXISTS (SELECT 1 FROM span) AS found),
     fresh AS (INSERT INTO daily_balances (account_id, date, tenant_id, user_id, balance_minor, currency_code, source) ${select} WHERE NOT (SELECT found FROM stored))
   INSERT INTO daily_balances (account_id, date, tenant_id, user_id, balance_minor, currency_code, source) ${select}
     LEFT JOIN span AS b ON b.account_id = d.account_id AND b.date = d.date
    WHERE (SELECT found FROM stored) AND NOT COALESCE(${kept}, false)
   ${conflict}`;

/** The first and last of `dates` (YYYY-MM-DD strings: their order is the calendar's). */
const spanOf = (dates: readonly string[]): [string, string] => [dates.reduce((a, b) => (b < a ? b : a)), dates.reduce((a, b) => (b > a ? b : a))];

/** Derived balances: a day whose bank balance is stored keeps it; an unchanged day is not rewritten. */
export const DERIVED_BALANCES_SQL = balancesWrite(
  `SELECT d.account_id, d.date, $1, $2, d.balance, d.currency, 'derived' FROM UNNEST($6::uuid[], $7::date[], $8::bigint[], $9::text[]) AS d(account_id, date, balance, currency)`,
  `ON CONFLICT (account_id, date) DO UPDATE SET balance_minor = EXCLUDED.balance_minor, currency_code = EXCLUDED.currency_code, updated_at = now()
        WHERE daily_balances.source = 'derived'
          AND (daily_balances.balance_minor, daily_balances.currency_code) IS DISTINCT FROM (EXCLUDED.balance_minor, EXCLUDED.currency_code)`,
  `(b.source <> 'derived' OR (b.balance_minor, b.currency_code) IS NOT DISTINCT FROM (d.balance, d.currency))`,
);

/** Bank balances: authoritative over derived ones; a day stored with the same balance, currency and source is not rewritten. */
export const BANK_BALANCES_SQL = balancesWrite(
  `SELECT d.account_id, d.date, $1, $2, d.balance, d.currency, 'bank' FROM UNNEST($6::uuid[], $7::date[], $8::bigint[], $9::text[]) AS d(account_id, date, balance, currency)`,
  `ON CONFLICT (account_id, date) DO UPDATE SET balance_minor = EXCLUDED.balance_minor, currency_code = EXCLUDED.currency_code, source = 'bank', updated_at = now()
        WHERE (daily_balances.balance_minor, daily_balances.currency_code, daily_balances.source) IS DISTINCT FROM (EXCLUDED.balance_minor, EXCLUDED.currency_code, 'bank')`,
  `(b.balance_minor, b.currency_code, b.source) IS NOT DISTINCT FROM (d.balance, d.currency, 'bank')`,
);

/** The days of the bank's reported balances as written: one per date, the last reported for a date wins. */
export const bankBalanceDays = (balances: readonly BankDailyBalance[]): BankDailyBalance[] => [...new Map(balances.map((b) => [b.date, b])).values()];

/**
 * The daily balances the bank reported for accounts of one user (`bank`: authoritative over
 * derived ones), as one statement — each account's pages in the order given, a later page's day
 * over an earlier one's (as writing them one after the other did) — to write alone or to carry
 * others (carried-sql.ts; its own WITH makes it the carrying one). A day stored with the same
 * balance, currency and source is left as it is (no new row version). Undefined for no balance.
 */
export function bankBalancesStatement(owner: Pick<AccountKey, 'tenantId' | 'userId'>, pages: ReadonlyArray<{ readonly accountId: string; readonly balances: readonly BankDailyBalance[] }>): Statement | undefined {
  const byAccount = new Map<string, BankDailyBalance[]>();
  for (const page of pages) {
    const list = byAccount.get(page.accountId);
    if (list) list.push(...page.balances);
    else byAccount.set(page.accountId, [...page.balances]);
  }
  const days = daysWritten([...byAccount].map(([accountId, balances]) => [accountId, bankBalanceDays(balances)] as const));
  return days ? { text: BANK_BALANCES_SQL, values: [owner.tenantId, owner.userId, ...days] } : undefined;
}

/**
 * Writes the daily balances the bank reported for one account ({@link bankBalancesStatement});
 * returns the days written.
 */
export async function writeBankBalances(manager: EntityManager, key: AccountKey, balances: readonly BankDailyBalance[]): Promise<number> {
  const statement = bankBalancesStatement(key, [{ accountId: key.accountId, balances }]);
  if (!statement) return 0;
  await preparedQuery(manager, statement.text, statement.values);
  return bankBalanceDays(balances).length;
}
