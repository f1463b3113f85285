import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { CreatedAtColumn, InstantColumn } from '../database/columns';
import { Tenant } from './tenant.entity';

/**
 * A tenant's API key, stored hashed: the public `prefix` finds the row, the SHA-256 of the
 * secret part is compared in constant time. The secret itself is never stored.
 */
@Entity('api_keys')
@Index(['tenantId'])
@ForeignKey(() => Tenant, ['tenantId'], ['id'], { onDelete: 'CASCADE' })
export class ApiKey {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  /** Public lookup id, the part of the key before the secret. */
  @Index({ unique: true })
  @Column('text')
  prefix!: string;

  /** SHA-256 of the secret part. */
  @Column('bytea')
  secretHash!: Buffer;

  @Column('text')
  label!: string;

  @CreatedAtColumn()
  createdAt!: Date;

  @InstantColumn({ nullable: true })
  revokedAt!: Date | null;

  /** When the key last authenticated a request (kept to the minute: at most one write a minute). */
  @InstantColumn({ nullable: true })
  lastUsedAt!: Date | null;
}
