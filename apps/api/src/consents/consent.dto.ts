import { consentStatuses, invalidationReasons } from '@kinko/domain';
import { ApiProperty } from '@nestjs/swagger';
import type { Consent } from '../connections/consent.entity';
import { BANK_REVOCATIONS, type BankRevocation } from './consents.service';
import { ConsentExpiryFields, expiryFields } from './expiry-fields';

/** A consent: the user's authorisation at the bank for Kinko to read their accounts. */
export class ConsentView extends ConsentExpiryFields {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  connectionId!: string;

  @ApiProperty({
    enum: [...consentStatuses],
    description: 'valid: usable; expired: past its expiration (seed EXPIRED); revokedByUser: withdrawn (seed DEAUTHORIZED).',
  })
  status!: string;

  @ApiProperty({ type: String, nullable: true, enum: [...invalidationReasons] })
  invalidationReason!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The status before the last change.' })
  previousStatus!: string | null;

  @ApiProperty({ format: 'date-time' })
  createDate!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expirationDate!: string | null;

  @ApiProperty({ type: String, nullable: true, description: "The bank's own id of the consent, when it has one." })
  externalId!: string | null;

  @ApiProperty({ example: 730, description: 'How many days back the consent lets Kinko read (at most 1460).' })
  maxHistoryDays!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last strong customer authentication.' })
  lastScaAt!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { data: ['accounts', 'balances', 'transactions'], transactionKinds: ['booked'] } })
  scope!: Record<string, unknown>;

  /** The view of `c` at `now` (its daysUntilExpiry). */
  static of(c: Consent, now: Date): ConsentView {
    return {
      id: c.id,
      connectionId: c.connectionId,
      status: c.status,
      invalidationReason: c.invalidationReason,
      previousStatus: c.previousStatus,
      createDate: c.createDate.toISOString(),
      expirationDate: c.expirationDate?.toISOString() ?? null,
      externalId: c.externalId,
      maxHistoryDays: c.maxHistoryDays,
      lastScaAt: c.lastScaAt?.toISOString() ?? null,
      scope: c.scope,
      ...expiryFields(c.expirationDate, now),
    };
  }
}

/** The answer to withdrawing a consent. */
export class WithdrawalView {
  @ApiProperty({ type: ConsentView })
  consent!: ConsentView;

  @ApiProperty({
    enum: [...BANK_REVOCATIONS],
    description: 'What the bank did with the grant. Kinko deletes its copy of the grant in every case.',
  })
  bankRevocation!: BankRevocation;
}
