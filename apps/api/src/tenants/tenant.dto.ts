import { ApiProperty } from '@nestjs/swagger';
import type { Tenant } from './tenant.entity';

/** The calling tenant. */
export class TenantView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Acme Budgeting' })
  name!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static of(t: Tenant): TenantView {
    return { id: t.id, name: t.name, createdAt: t.createdAt.toISOString() };
  }
}
