import { Check, Column, Entity, ForeignKey, PrimaryColumn, Unique } from 'typeorm';
import type { Language } from '@kinko/domain';
import { CreatedAtColumn } from '../database/columns';
import { Tenant } from '../tenants/tenant.entity';

/** An end user of a tenant, known to the tenant by its own `externalId`. */
@Entity('users')
@Unique(['tenantId', 'externalId'])
// Target of the composite (tenant_id, user_id) foreign keys below it: a row can never
// point at a user of another tenant, whatever the application does.
@Unique(['tenantId', 'id'])
@ForeignKey(() => Tenant, ['tenantId'], ['id'], { onDelete: 'CASCADE' })
@Check('ck_users_language', `"language" IS NULL OR "language" IN ('ja', 'en', 'pl')`)
export class User {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  /** The tenant's own id for this user (unique per tenant). */
  @Column('text')
  externalId!: string;

  /** The user's language for labels (ja | en | pl), set by the tenant or picked on the Link pages; null: not known. */
  @Column('text', { nullable: true })
  language!: Language | null;

  /** The newest feed position whose removal the retention pruning dropped (feed-retention.ts); a cursor before it is unusable. */
  @Column('bigint', { nullable: true })
  feedPrunedTxid!: string | null;

  @Column('bigint', { nullable: true })
  feedPrunedSeq!: string | null;

  @CreatedAtColumn()
  createdAt!: Date;
}
