import type { DateWindow, SyncFailure, TransactionKind } from '@kinko/domain';

// The typed progress of one account within one session, as stored in
// sync_account_results.outcome.progress (JSON): what the sync engine writes as it goes and
// what a retried attempt, and the end of a session, read back.

/** A stored window (JSON) of one kind. */
export type StoredWindow = Pick<DateWindow, 'kind' | 'from' | 'to' | 'dateField' | 'mode' | 'limitedBy'>;

/** What the worker remembers about one account within one session (sync_account_results.outcome.progress). */
export interface AccountProgress {
  bankAccountId: string;
  /** The scheduler's session found the account's unattended budget spent: not fetched. */
  budgetSpent?: string;
  /** An unattended access was recorded in the ledger for this session. */
  accessRecorded?: boolean;
  balances?: { state: 'ok' } | { state: 'failed'; failure: SyncFailure } | { state: 'skipped' };
  windows?: Partial<Record<TransactionKind, StoredWindow>>;
  kinds?: Partial<Record<TransactionKind, { state: 'done'; stamp: string; fetched: number; written: number } | { state: 'failed'; failure: SyncFailure }>>;
  /** A data call said the bank no longer has the account (MissingAccount): its sync state is `missing` (syncError missingAccount). */
  missing?: boolean;
  /** The complete reconciliation ran and the account's sync state was written. */
  settled?: boolean;
  intelligence?: boolean;
}

/** Whether the session is done with the account: its outcome was written, or its unattended budget kept it out. */
export const isAccountDone = (progress: AccountProgress | undefined): boolean => progress?.settled === true || Boolean(progress?.budgetSpent);
