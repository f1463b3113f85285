/**
 * The counts of `sync.finished` (issue 14 §2): what a session changed in the user's
 * transactions, per transaction kind — added, modified and removed (deleted, or a
 * pending/hold/scheduled row superseded by its booked successor), as the change feed shows it.
 *
 * They come from the feed's own log: {@link tallyTransactionChanges} runs in each transaction
 * that writes the session's transactions (a page, the complete reconciliation) and adds that
 * transaction's `transaction_changes` rows (found by its transaction id through the feed's
 * index) to the stage's `change_counts`; {@link countsByKind} shapes them for the event.
 */
import { type TransactionKind, transactionKinds } from '@kinko/domain';
import type { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-sql';
import { type TransactionChangeKind, transactionChangeKinds } from '../transactions/transaction-change.entity';

/** Changes of one kind of transaction. */
export type KindChangeCounts = Readonly<Record<TransactionChangeKind, number>>;
/** Changes per transaction kind (every kind, zeros included). */
export type ChangeCountsByKind = Readonly<Record<TransactionKind, KindChangeCounts>>;

/**
 * Stored change counts (`stored`, a jsonb expression) with the current transaction's logged
 * changes of the user added: an expression for an UPDATE's SET (an account's row of the
 * session, sync_account_results.change_counts; or the stage's, {@link TALLIED_CHANGE_COUNTS}).
 */
export const talliedChangeCounts = (stored: string, userId: string, tenantId: string): string => `(
    SELECT COALESCE(jsonb_object_agg(key, total), '{}'::jsonb) FROM (
      SELECT key, sum(n)::int AS total FROM (
        SELECT e.key, e.value::int AS n FROM jsonb_each_text(${stored}) e
        UNION ALL
        SELECT COALESCE(c.kind, 'unknown') || '.' || c.change, count(*)::int
          FROM transaction_changes c
         WHERE c.user_id = ${userId} AND c.tenant_id = ${tenantId} AND c.txid = pg_current_xact_id()::text::bigint
         GROUP BY 1
      ) x GROUP BY key
    ) y)`;
/** The transactions stage's `change_counts` tallied: `UPDATE sync_stages st … FROM sync_sessions s`. */
export const TALLIED_CHANGE_COUNTS = talliedChangeCounts('st.change_counts', 's.user_id', 's.tenant_id');
// Adds the changes logged by the current transaction to the session's transactions stage
// (atomic in SQL, like the stage counts: concurrent page commits add, never overwrite).
const TALLY_SQL = `UPDATE sync_stages st SET change_counts = ${TALLIED_CHANGE_COUNTS}
  FROM sync_sessions s
 WHERE st.session_id = $1 AND st.tenant_id = $2 AND st.stage = 'transactions' AND s.id = st.session_id AND s.tenant_id = st.tenant_id`;

/**
 * Adds the transaction changes the current database transaction logged to the session's
 * counts. Call once per writing transaction, after its writes (a second call in the same
 * transaction would count them again).
 */
export async function tallyTransactionChanges(manager: EntityManager, session: { readonly id: string; readonly tenantId: string }): Promise<void> {
  await preparedQuery(manager, TALLY_SQL, [session.id, session.tenantId]);
}

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
