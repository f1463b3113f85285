import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { BigIntColumn, UpdatedAtColumn } from '../database/columns';
import { BankAccount } from '../accounts/bank-account.entity';

/** An account's balance at the end of one calendar day (after the day's last transaction). */
@Entity('daily_balances')
@ForeignKey(() => BankAccount, ['tenantId', 'userId', 'accountId'], ['tenantId', 'userId', 'id'], { onDelete: 'CASCADE' })
export class DailyBalance {
  @PrimaryColumn('uuid')
  accountId!: string;

  @PrimaryColumn('date')
  date!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  userId!: string;

  @BigIntColumn()
  balanceMinor!: bigint;

  @Column('text')
  currencyCode!: string;

  /** bank (reported by the bank) | derived (computed from transactions). */
  @Column('text')
  source!: string;

  @UpdatedAtColumn()
  updatedAt!: Date;
}
