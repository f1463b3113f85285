import { ApiProperty } from '@nestjs/swagger';

/** The unattended-refresh quota, as every connection and account shows it. */
export class RefreshQuotaFields {
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      "The first instant a background (unattended) refresh may read it: now when the budget allows one, else when the oldest access in the rolling 24 h leaves it (from the unattended-access ledger and the bank's unattendedAccessesPerDay). For a connection, the latest of its active accounts'. Null when its connector is not configured.",
  })
  nextRefreshPossibleAt!: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 4,
    description: "Unattended accesses left in the rolling 24 h (PSD2: 4 per account unless the bank allows more). For a connection, the fewest of its active accounts'. User-initiated syncs do not count.",
  })
  unattendedAccessesRemainingToday!: number | null;
}

/** The quota fields of a budget (none: nulls). */
export const quotaFields = (q: { readonly nextRefreshPossibleAt: Date; readonly remaining: number } | undefined): RefreshQuotaFields => ({
  nextRefreshPossibleAt: q?.nextRefreshPossibleAt.toISOString() ?? null,
  unattendedAccessesRemainingToday: q?.remaining ?? null,
});
