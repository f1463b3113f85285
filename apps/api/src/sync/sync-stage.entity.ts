import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { InstantColumn } from '../database/columns';
import { SyncSession } from './sync-session.entity';

/** One stage of a session (auth, accounts, balances, transactions, transactionDetails, intelligence, finished). */
@Entity('sync_stages')
@ForeignKey(() => SyncSession, ['tenantId', 'userId', 'sessionId'], ['tenantId', 'userId', 'id'], { onDelete: 'CASCADE' })
export class SyncStage {
  @PrimaryColumn('uuid')
  sessionId!: string;

  @PrimaryColumn('text')
  stage!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  userId!: string;

  @Column('text')
  status!: string;

  /** Items seen/written in the stage (accounts, pages, transactions…). */
  @Column('jsonb', { default: {} })
  counts!: Record<string, number>;

  /** The transaction changes the stage wrote, per kind and change (`booked.added` …; webhooks/change-counts.ts). */
  @Column('jsonb', { default: {} })
  changeCounts!: Record<string, number>;

  @InstantColumn({ nullable: true })
  startedAt!: Date | null;

  @InstantColumn({ nullable: true })
  finishedAt!: Date | null;

  @Column('jsonb', { nullable: true })
  error!: Record<string, unknown> | null;
}
