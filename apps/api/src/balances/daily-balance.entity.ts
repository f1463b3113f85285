import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { BigIntColumn, UpdatedAtColumn } from '../database/columns';
import { BankAccount } from '../accounts/bank-account.entity';

/** Where a daily balance comes from: reported by the bank, or derived from transactions. */
export const BALANCE_SOURCES = ['bank', 'derived'] as const;
export type BalanceSource = (typeof BALANCE_SOURCES)[number];

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

  /** One of {@link BALANCE_SOURCES}. */
  @Column('text')
  source!: string;

  @UpdatedAtColumn()
  updatedAt!: Date;
}
