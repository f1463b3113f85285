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
    description: "Unattended accesses left in the rolling 24 h (PSD2: 4 per account unless the bank allows more). For a connection, the fewest of its active accounts'. A sync with the user present does not count; a refresh by an API key acting as the user without `Kinko-PSU-IP-Address` does.",
  })
  unattendedAccessesRemainingToday!: number | null;
}

/** The quota fields of a budget (none: nulls). */
export const quotaFields = (q: { readonly nextRefreshPossibleAt: Date; readonly remaining: number } | undefined): RefreshQuotaFields => ({
  nextRefreshPossibleAt: q?.nextRefreshPossibleAt.toISOString() ?? null,
  unattendedAccessesRemainingToday: q?.remaining ?? null,
});
