import { ApiProperty } from '@nestjs/swagger';
import type { Connection } from './connection.entity';

/** A connection (one bank registration) with its aggregation status. */
export class ConnectionView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'bank-common-api' })
  connectorId!: string;

  @ApiProperty({ type: String, nullable: true, example: '0001' })
  bankId!: string | null;

  @ApiProperty({
    example: 'success',
    description:
      'The aggregation status (e.g. `running.auth`, `success`, `suspended.missing-answer.auth.otp`, `auth.creds.invalid`, `error.temporary`). ' +
      'New values may appear: handle unknown ones by prefix (`suspended.` waiting, `auth.` auth error, `error.` error, `running.` running).',
  })
  aggregationStatus!: string;

  @ApiProperty({ format: 'date-time' })
  aggregationStatusChangedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastSuccessAt!: string | null;

  @ApiProperty({ description: 'The user stopped using it; not aggregated, data kept.' })
  deactivated!: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static of(c: Connection): ConnectionView {
    return {
      id: c.id,
      connectorId: c.connectorId,
      bankId: c.bankId,
      aggregationStatus: c.aggregationStatus,
      aggregationStatusChangedAt: c.aggregationStatusChangedAt.toISOString(),
      lastSuccessAt: c.lastSuccessAt?.toISOString() ?? null,
      deactivated: c.deactivated,
      createdAt: c.createdAt.toISOString(),
    };
  }
}
