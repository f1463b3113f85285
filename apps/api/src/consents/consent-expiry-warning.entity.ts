import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { InstantColumn } from '../database/columns';
import { Consent } from '../connections/consent.entity';

/**
 * Which expiry warnings (`consent.expiring`, 14/7/1 days before) were sent for a consent:
 * one row per warning point, written in the transaction that emits the event, so each is
 * sent once whatever the number of scheduler processes or restarts.
 */
@Entity('consent_expiry_warnings')
@ForeignKey(() => Consent, ['tenantId', 'userId', 'consentId'], ['tenantId', 'userId', 'id'], { onDelete: 'CASCADE' })
export class ConsentExpiryWarning {
  @PrimaryColumn('uuid')
  consentId!: string;

  /** The warning point: days before expiry (14, 7 or 1). */
  @PrimaryColumn('smallint')
  daysBefore!: number;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  userId!: string;

  @InstantColumn()
  sentAt!: Date;
}
