import { Column, Entity, ForeignKey, PrimaryColumn, Unique } from 'typeorm';
import { CreatedAtColumn, InstantColumn, UpdatedAtColumn } from '../database/columns';
import { User } from '../users/user.entity';

/**
 * One end user's registration at one bank through one connector (Moneytree's
 * "credential"). Its aggregation status is shown on every account under it. The grant and
 * credentials live encrypted in `connection_secrets`.
 */
@Entity('connections')
// Also every lookup by user: no index of its own on (tenant_id, user_id) — each index is written at every
// non-HOT status move (migration DropConnectionsTenantUserIndex). When the scheduler may look at a connection
// again is not here: `connection_schedules` (migration ConnectionSchedules), so planning writes none of these indexes.
@Unique(['tenantId', 'userId', 'id'])
@ForeignKey(() => User, ['tenantId', 'userId'], ['tenantId', 'id'], { onDelete: 'CASCADE' })
export class Connection {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  userId!: string;

  /** Manifest id of the connector (e.g. `bank-common-api`). */
  @Column('text')
  connectorId!: string;

  /** The bank entry (`KINKO_BANKS`) the connection is at — within the connector when it serves several (e.g. a 銀行共通API bank code). */
  @Column('text')
  bankId!: string;

  /** The seed's aggregation status, kept verbatim (unknown future values included). */
  @Column('text')
  aggregationStatus!: string;

  @InstantColumn()
  aggregationStatusChangedAt!: Date;

  /** End of the last run that finished with `success`. */
  @InstantColumn({ nullable: true })
  lastSuccessAt!: Date | null;

  /** The user stopped using it: not aggregated any more, data kept, can be re-activated. */
  @Column('boolean', { default: false })
  deactivated!: boolean;

  @CreatedAtColumn()
  createdAt!: Date;

  @UpdatedAtColumn()
  updatedAt!: Date;
}
