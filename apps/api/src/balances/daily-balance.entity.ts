import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn, UpdatedAtColumn } from '../database/columns';

/** Where a daily balance comes from: reported by the bank, or derived from transactions. */
export const BALANCE_SOURCES = ['bank', 'derived'] as const;
export type BalanceSource = (typeof BALANCE_SOURCES)[number];

/** An account's balance at the end of one calendar day (after the day's last transaction). */
@Entity('daily_balances')
// Its account is checked per statement and its rows go with it (triggers: migration
// AccountRowsCheckedPerStatement); no foreign key to bank_accounts.
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
