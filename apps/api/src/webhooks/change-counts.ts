/**
 * The counts of `sync.finished` (issue 14 §2): what a session changed in the user's
 * transactions, per transaction kind — added, modified and removed (deleted, or a
 * pending/hold/scheduled row superseded by its booked successor), as the change feed shows it.
 *
 * They come from the feed's own log: each transaction that writes the session's transactions
 * (a page, the complete reconciliation) adds its `transaction_changes` rows — as its writes
 * counted them, or read by its transaction id through the feed's index ({@link loggedChangeCounts})
 * — to its account's `change_counts` in the session (account-results.ts); {@link sumChangeCounts} adds them up and
 * {@link countsByKind} shapes them for the event.
 */
import { type TransactionKind, transactionKinds } from '@kinko/domain';
import { type TransactionChangeKind, transactionChangeKinds } from '../transactions/transaction-change.entity';

/** Changes of one kind of transaction. */
export type KindChangeCounts = Readonly<Record<TransactionChangeKind, number>>;
/** Changes per transaction kind (every kind, zeros included). */
export type ChangeCountsByKind = Readonly<Record<TransactionKind, KindChangeCounts>>;

/**
 * The current transaction's logged changes of the user, per `kind.change`, as a jsonb
 * expression (a row's proposed `change_counts`: {@link addedChangeCounts} adds it to the
 * stored ones).
 */
export const loggedChangeCounts = (userId: string, tenantId: string): string => `(SELECT COALESCE(jsonb_object_agg(x.key, x.n), '{}'::jsonb) FROM (
        SELECT COALESCE(c.kind, 'unknown') || '.' || c.change AS key, count(*)::int AS n
          FROM transaction_changes c
         WHERE c.user_id = ${userId} AND c.tenant_id = ${tenantId} AND c.txid = pg_current_xact_id()::text::bigint
         GROUP BY 1) x)`;

/**
 * Two stored change counts (jsonb expressions) added key by key; when either is empty (most
 * settlements: one side only), the other as it is, without the per-key merge.
 */
export const addedChangeCounts = (a: string, b: string): string => `CASE WHEN ${b} = '{}'::jsonb THEN ${a} WHEN ${a} = '{}'::jsonb THEN ${b} ELSE (SELECT COALESCE(jsonb_object_agg(key, total), '{}'::jsonb) FROM (
        SELECT key, sum(value::int)::int AS total FROM (SELECT * FROM jsonb_each_text(${a}) UNION ALL SELECT * FROM jsonb_each_text(${b})) x GROUP BY key) y) END`;
/** Several stored `change_counts` added up (a session's stage row and its accounts' rows). */
export function sumChangeCounts(stored: ReadonlyArray<Readonly<Record<string, number>> | null | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of stored) for (const [k, n] of Object.entries(s ?? {})) out[k] = (out[k] ?? 0) + Number(n);
  return out;
}

/** The stored `change_counts` (`booked.added` → n) as counts per kind, every kind and change present. */
export function countsByKind(stored: Readonly<Record<string, number>> | null | undefined): ChangeCountsByKind {
  const counts = {} as Record<TransactionKind, KindChangeCounts>;
  for (const kind of transactionKinds) {
    const perChange = {} as Record<TransactionChangeKind, number>;
    for (const change of transactionChangeKinds) perChange[change] = Number(stored?.[`${kind}.${change}`] ?? 0);
    counts[kind] = perChange;
  }
  return counts;
}

/** Whether any change was counted. */
export const anyChange = (counts: ChangeCountsByKind): boolean => Object.values(counts).some((c) => c.added + c.modified + c.removed > 0);
