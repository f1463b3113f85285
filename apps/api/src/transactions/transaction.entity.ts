import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';
import { BigIntColumn, CalendarDateColumn, CreatedAtColumn, InstantColumn } from '../database/columns';
import type { StoredLinkEvidence } from './link-evidence';

/**
 * One transaction of one account. Keys are chosen for the scale-out path
 * (apps/api/docs/scaling.md): every unique key holds `account_id` (hash partitioning by account)
 * and `user_id` (Citus distribution by user), so neither needs a key change.
 */
@Entity('transactions')
@Unique(['userId', 'accountId', 'bankTransactionId'])
// Keyset pagination: WHERE user_id = $2 AND account_id = $3 AND (listed_date, bank_order, id) < ($4, $5, $6)
// ORDER BY listed_date DESC, bank_order DESC, id DESC — a backward scan of this ascending B-tree, whose
// equality prefix is the primary key's: whatever the statistics say (none yet right after a
// first sync), this index serves both the filter and the order, so no plan reads the account's
// rows through the primary key and sorts them. Also the account's latest date and date ranges.
@Index(['userId', 'accountId', 'listedDate', 'bankOrder', 'id'])
// Partial, a few rows per account each (migration SupersededIndex): the superseded rows — "is
// this booked row some row's successor?", asked by the complete reconciliation and by the
// self-reference's check when a row is deleted — and the open rows of the kinds other than
// booked, which the complete reconciliation reads (transaction-writer.ts).
@Index('ix_transactions_superseded', ['userId', 'accountId', 'linkedBookedId'], { where: `"linked_booked_id" IS NOT NULL` })
@Index('ix_transactions_open_not_booked', ['userId', 'accountId', 'kind'], { where: `"kind" <> 'booked' AND "linked_booked_id" IS NULL` })
// Partial, in the listing's order: the booked rows carrying the bank's balance after them, read by
// the daily balances (none of an account whose bank reports no such balance: migration BookedBalanceIndex).
// Partial, by kind: the rows of the kinds other than booked, whose latest date each incremental
// sync asks for (account-store's latestStoredDates; migration NotBookedKindIndex).
@Index('ix_transactions_not_booked_kind', ['userId', 'accountId', 'kind', 'listedDate'], { where: `"kind" <> 'booked'` })
@Index('ix_transactions_booked_balance', ['userId', 'accountId', 'listedDate', 'bankOrder', 'id'], { where: `"kind" = 'booked' AND "balance_after_minor" IS NOT NULL` })
// Partial, the latest-dates walk's filter as its predicate: the booked rows carrying a transaction
// date, by listed date — the windows' latest booked transaction date in one index entry whatever the
// statistics say (account-store's latestStoredDates; migration BookedDatedIndex).
@Index('ix_transactions_booked_dated', ['userId', 'accountId', 'listedDate'], { where: `"kind" = 'booked' AND "transaction_date" IS NOT NULL` })
@Check('ck_transactions_link_evidence', `"link_evidence" IS NULL OR "linked_booked_id" IS NOT NULL`)
@Check('ck_transactions_kind', `"kind" IN ('booked', 'pending', 'hold', 'scheduled', 'rejected', 'cancelled')`)
// The account of each row is checked per statement, not per row, and its rows go with it (triggers:
// migration AccountRowsCheckedPerStatement); no foreign key to bank_accounts.
@ForeignKey(() => Transaction, ['userId', 'accountId', 'linkedBookedId'], ['userId', 'accountId', 'id'], { onDelete: 'NO ACTION' })
export class Transaction {
  @PrimaryColumn('uuid')
  userId!: string;

  @PrimaryColumn('uuid')
  accountId!: string;

  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  /** The bank's id of the transaction (unique per account). */
  @Column('text')
  bankTransactionId!: string;

  /** booked | pending | hold | scheduled | rejected | cancelled. */
  @Column('text')
  kind!: string;

  /** When it happened; null when the bank does not report it (its kind is filtered on another date). */
  @CalendarDateColumn({ nullable: true })
  transactionDate!: string | null;

  @CalendarDateColumn({ nullable: true })
  bookingDate!: string | null;

  @CalendarDateColumn({ nullable: true })
  valueDate!: string | null;

  /**
   * The date it is listed under (the domain's `listedDateOf`: transaction, else booking, else
   * value date; a row with none keeps the last day of the window it was first fetched under).
   * Listings, keyset paging and daily balances order by it.
   */
  @CalendarDateColumn()
  listedDate!: string;

  /** Signed amount in minor units (+ in, − out). */
  @BigIntColumn()
  amountMinor!: bigint;

  @Column('text')
  currencyCode!: string;

  @Column('text', { default: '' })
  description!: string;

  /** Balance after this transaction, when the bank gives it. */
  @BigIntColumn({ nullable: true })
  balanceAfterMinor!: bigint | null;

  @Column('text', { nullable: true })
  bankReference!: string | null;

  /** On a pending/hold/scheduled row: the booked transaction that replaced it. */
  @Column('uuid', { nullable: true })
  linkedBookedId!: string | null;

  /** With `linkedBookedId`: how the link was made (the domain's LinkEvidence, amounts as strings; see StoredLinkEvidence). */
  @Column('jsonb', { nullable: true })
  linkEvidence!: StoredLinkEvidence | null;

  @Column('text', { array: true, default: [] })
  flags!: string[];

  @CreatedAtColumn()
  createdAt!: Date;

  /** Last time a fetch returned it; reconciliation of DeleteIfNotFetched kinds reads it. */
  @InstantColumn()
  lastFetchedAt!: Date;

  /**
   * The bank's order within the day (greater is later): its own sequence when the connector
   * gives one, else the place the bank listed it at among the day's transactions in the fetch
   * that last returned it (sync/bank-order.ts). Listings sort by date, then this; daily
   * balances take the day's last transaction in this order.
   */
  @BigIntColumn({ default: 0 })
  bankOrder!: bigint;
}
