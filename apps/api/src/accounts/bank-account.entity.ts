import { Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';
import { CalendarDateColumn, CreatedAtColumn, InstantColumn, UpdatedAtColumn } from '../database/columns';
import { Connection } from '../connections/connection.entity';
import { Consent } from '../connections/consent.entity';

/** Who holds an account. */
export const HOLDER_TYPES = ['individual', 'business'] as const;
export type HolderType = (typeof HOLDER_TYPES)[number];

/** The seed's `syncError`: why the last sync of this account failed. */
export interface AccountSyncError {
  readonly errorType: 'internal' | 'aspspResponse' | 'signature' | 'missingAccount';
  readonly aspspResponse?: { readonly content: string; readonly status: string } | null;
  readonly executionId: string;
  readonly message: string;
}

/**
 * A bank account under a connection — the seed's bank-account object. Its aggregation
 * status is its connection's; its consent fields come from `consents`.
 */
@Entity('bank_accounts')
@Unique(['tenantId', 'userId', 'id'])
@Unique(['connectionId', 'bankAccountId'])
@Index(['tenantId', 'userId'])
@Index(['consentId'])
@ForeignKey(() => Connection, ['tenantId', 'userId', 'connectionId'], ['tenantId', 'userId', 'id'], { onDelete: 'CASCADE' })
@ForeignKey(() => Consent, ['tenantId', 'userId', 'consentId'], ['tenantId', 'userId', 'id'])
export class BankAccount {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  userId!: string;

  @Column('uuid')
  connectionId!: string;

  @Column('uuid', { nullable: true })
  consentId!: string | null;

  /** The account's id at the bank (unique per connection). */
  @Column('text')
  bankAccountId!: string;

  @Column('text', { nullable: true })
  iban!: string | null;

  /** Account number as the bank shows it — possibly masked with `*`, kept so. */
  @Column('text', { nullable: true })
  accountNumber!: string | null;

  /** ISO 4217 code. */
  @Column('text')
  currencyCode!: string;

  @Column('text', { nullable: true })
  holderInfo!: string | null;

  /** One of {@link HOLDER_TYPES} (the seed's `holderType`). */
  @Column('text', { nullable: true })
  holderType!: string | null;

  @Column('boolean', { default: false })
  isBusiness!: boolean;

  /** The bank's (or the user's) name for the account. */
  @Column('text', { nullable: true })
  name!: string | null;

  /** Account type code (e.g. 普通, 当座, credit card). */
  @Column('text', { nullable: true })
  type!: string | null;

  @Column('text', { nullable: true })
  typeName!: string | null;

  /** api | scraping | manual — how the data is obtained. */
  @Column('text', { default: 'api' })
  providerType!: string;

  /** When the account was first imported. */
  @InstantColumn()
  importDate!: Date;

  /** Last session that fetched the account's details successfully. */
  @InstantColumn({ nullable: true })
  lastSyncDate!: Date | null;

  /** Date of the latest transaction stored (the bank's calendar day). */
  @CalendarDateColumn({ nullable: true })
  lastTransactionDate!: string | null;

  @Column('jsonb', { nullable: true })
  syncError!: AccountSyncError | null;

  /** Id of the session (execution) that last touched the account. */
  @Column('uuid', { nullable: true })
  syncExecutionId!: string | null;

  /** active | failed | inProgress — the account's own sync status. */
  @Column('text', { default: 'active' })
  syncStatus!: string;

  /** Last successful transaction sync. */
  @InstantColumn({ nullable: true })
  transactionSyncDate!: Date | null;

  /** Completed | Failed | PartiallyFailed | InProgress. */
  @Column('text', { nullable: true })
  transactionSyncStatus!: string | null;

  /** False once the consent is withdrawn: no longer listed, data kept. */
  @Column('boolean', { default: true })
  isActive!: boolean;

  /** The bank's own fields that have no column (branch, account_type1/2…). */
  @Column('jsonb', { default: {} })
  raw!: Record<string, unknown>;

  @CreatedAtColumn()
  createdAt!: Date;

  @UpdatedAtColumn()
  updatedAt!: Date;
}
