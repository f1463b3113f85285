import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { CreatedAtColumn } from '../database/columns';

/** What happened to a transaction row (the stored `change`). */
export const transactionChangeKinds = ['added', 'modified', 'removed'] as const;
export type TransactionChangeKind = (typeof transactionChangeKinds)[number];

/**
 * One change of one transaction row: the change feed's log (`GET /api/v2/transactions/sync`).
 * Written only by the statement-level triggers on `transactions` (migration
 * TransactionChangeFeed), in the same transaction as the change itself, whoever makes it (the
 * page upsert, the pending → booked link, a DeleteIfNotFetched delete, a cascade from a
 * deleted account). `txid` is the writing transaction's id (`pg_current_xact_id()`, xid8 as
 * bigint): the feed is read in (txid, seq) order, only below the reader's snapshot xmin, so
 * a change that commits after a later-numbered one is never skipped (apps/api/README.md,
 * "Transactions change feed"). The row data is not copied: the reader joins the current row.
 */
@Entity('transaction_changes')
// The feed's one access path: WHERE user_id = $1 AND (txid, seq) > cursor AND txid < xmin ORDER BY txid, seq LIMIT n.
@Index(['userId', 'txid', 'seq'])
// The retention pruning's path (feed-retention.ts).
@Index(['createdAt'])
@Check('ck_transaction_changes_change', `"change" IN ('added', 'modified', 'removed')`)
// No foreign key to users: it checked every logged row on its own (a quarter of PostgreSQL's
// CPU per written transaction); the rows come from `transactions`, whose rows reference their
// account. A deleted user's log goes with them through a statement-level trigger on `users`
// (migration FeedLogUserCascade).
export class TransactionChange {
  /** Order of the changes within a transaction (and a unique key). */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  userId!: string;

  /** The id of the transaction that wrote the change (`pg_current_xact_id()`). */
  @Column('bigint')
  txid!: string;

  @Column('uuid')
  accountId!: string;

  /** The changed transaction row's id (it may be gone: removed). */
  @Column('uuid')
  transactionId!: string;

  /** `removed` also for a pending/hold/scheduled row its booked successor superseded. */
  @Column('text')
  change!: TransactionChangeKind;

  /** The row's transaction kind (booked, pending, …) when it changed; null for changes logged before it was recorded. */
  @Column('text', { nullable: true })
  kind!: string | null;

  /** When the change was logged (its transaction's start): the retention pruning's clock. */
  @CreatedAtColumn()
  createdAt!: Date;
}
