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

  @InstantColumn()
  recordedAt!: Date;
}
