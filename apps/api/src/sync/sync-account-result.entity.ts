import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from '../database/columns';
import { BankAccount } from '../accounts/bank-account.entity';
import { SyncSession } from './sync-session.entity';

/** What one session did to one account (per-endpoint outcomes), from which its sync state follows. */
@Entity('sync_account_results')
@Index(['accountId'])
@ForeignKey(() => SyncSession, ['tenantId', 'userId', 'sessionId'], ['tenantId', 'userId', 'id'], { onDelete: 'CASCADE' })
@ForeignKey(() => BankAccount, ['tenantId', 'userId', 'accountId'], ['tenantId', 'userId', 'id'], { onDelete: 'CASCADE' })
export class SyncAccountResult {
  @PrimaryColumn('uuid')
  sessionId!: string;

  @PrimaryColumn('uuid')
  accountId!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  userId!: string;

  @Column('jsonb')
  outcome!: Record<string, unknown>;

  /** What this account's work added to the session's stage counts: stage → counts (a stage's counts are its row's plus these). */
  @Column('jsonb', { default: {} })
  counts!: Record<string, Record<string, number>>;

  /** The transaction changes this account's writing transactions logged, per kind and change (`booked.added` …; webhooks/change-counts.ts). */
  @Column('jsonb', { default: {} })
  changeCounts!: Record<string, number>;

  @InstantColumn()
  recordedAt!: Date;
}
