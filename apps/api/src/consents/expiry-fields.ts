import { daysUntilExpiry } from '@kinko/domain';
import { ApiProperty } from '@nestjs/swagger';

/** When a consent expires, as every consent and account shows it. */
export class ConsentExpiryFields {
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: "When the consent expires (its expirationDate); null when the bank set none." })
  expiresAt!: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 14,
    description: 'Whole days until expiresAt, rounded up (13 days and an hour left is 14; 0 once expired). Kinko emits consent.expiring at 14, 7 and 1 days, once each.',
  })
  daysUntilExpiry!: number | null;
}

/** The expiry fields of a consent expiring at `expirationDate` (none: nulls), at `now`. */
export const expiryFields = (expirationDate: Date | null | undefined, now: Date): ConsentExpiryFields => ({
  expiresAt: expirationDate?.toISOString() ?? null,
  daysUntilExpiry: expirationDate ? daysUntilExpiry(expirationDate, now) : null,
});
