import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../database/columns';
import { BankAccount } from '../accounts/bank-account.entity';

/**
 * The unattended-access ledger: one row per background (user not present) access to an
 * account, counted against the PSD2 budget (4 per account per 24 h unless the bank allows more).
 */
@Entity('unattended_accesses')
@Index(['accountId', 'accessedAt'])
@ForeignKey(() => BankAccount, ['tenantId', 'userId', 'accountId'], ['tenantId', 'userId', 'id'], { onDelete: 'CASCADE' })
export class UnattendedAccess {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  userId!: string;

  @Column('uuid')
  accountId!: string;

  @InstantColumn()
  accessedAt!: Date;

  @Column('uuid', { nullable: true })
  sessionId!: string | null;
}
