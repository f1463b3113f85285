import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';
import { InstantColumn, UpdatedAtColumn } from '../database/columns';
import { Connection } from './connection.entity';

/**
 * The user's consent at the bank for account information access, as the seed's account
 * object shows it (`status`, `invalidationReason`, `previousStatus`, `createDate`,
 * `expirationDate`), plus what the date-window rules need (`maxHistoryDays`, `lastScaAt`).
 */
@Entity('consents')
@Unique(['tenantId', 'userId', 'id'])
@Index(['connectionId'])
@Check('ck_consents_max_history_days', '"max_history_days" BETWEEN 1 AND 1460')
@Check('ck_consents_frequency_per_day', '"frequency_per_day" IS NULL OR "frequency_per_day" >= 1')
@ForeignKey(() => Connection, ['tenantId', 'userId', 'connectionId'], ['tenantId', 'userId', 'id'], { onDelete: 'CASCADE' })
export class Consent {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  userId!: string;

  @Column('uuid')
  connectionId!: string;

  /** The bank's own id for the consent, when it has one. */
  @Column('text', { nullable: true })
  externalId!: string | null;

  /** received | valid | expired | revoked | rejected (the domain's consent statuses). */
  @Column('text')
  status!: string;

  /** Why it stopped being valid, e.g. `Expired` or `Deauthorized`. */
  @Column('text', { nullable: true })
  invalidationReason!: string | null;

  /** The status before the last change (kept when a consent expires). */
  @Column('text', { nullable: true })
  previousStatus!: string | null;

  @InstantColumn()
  createDate!: Date;

  @InstantColumn({ nullable: true })
  expirationDate!: Date | null;

  /** How far back the consent lets us read (at most 1460 days). */
  @Column('integer')
  maxHistoryDays!: number;

  /** What the consent covers (accounts, balances, transaction kinds…), as the connector reports it. */
  @Column('jsonb', { default: {} })
  scope!: Record<string, unknown>;

  /** Last strong customer authentication; decides whether a fetch may reach past 90 days. */
  @InstantColumn({ nullable: true })
  lastScaAt!: Date | null;

  /** The unattended accesses per day the bank agreed for this consent (Berlin Group frequencyPerDay); null: the manifest's limit. */
  @Column('integer', { nullable: true })
  frequencyPerDay!: number | null;

  @UpdatedAtColumn()
  updatedAt!: Date;
}
