import { Column, Entity, ForeignKey, PrimaryColumn, Unique } from 'typeorm';
import { CreatedAtColumn } from '../database/columns';
import { Tenant } from '../tenants/tenant.entity';

/** An end user of a tenant, known to the tenant by its own `externalId`. */
@Entity('users')
@Unique(['tenantId', 'externalId'])
// Target of the composite (tenant_id, user_id) foreign keys below it: a row can never
// point at a user of another tenant, whatever the application does.
@Unique(['tenantId', 'id'])
@ForeignKey(() => Tenant, ['tenantId'], ['id'], { onDelete: 'CASCADE' })
export class User {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  /** The tenant's own id for this user (unique per tenant). */
  @Column('text')
  externalId!: string;

  @CreatedAtColumn()
  createdAt!: Date;
}
