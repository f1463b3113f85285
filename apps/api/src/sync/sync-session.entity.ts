import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';
import { CreatedAtColumn, InstantColumn } from '../database/columns';
import { Connection } from '../connections/connection.entity';

/** Who asks for a sync: the user (present, may do SCA), the tenant's backend, or the scheduler. */
export const SYNC_REQUESTERS = ['user', 'tenant', 'scheduler'] as const;
/** One of {@link SYNC_REQUESTERS}. */
export type SyncRequester = (typeof SYNC_REQUESTERS)[number];

/** One sync run of one connection (the seed's session, `GET /api/v2/bank/session/{id}`). */
@Entity('sync_sessions')
@Unique(['tenantId', 'userId', 'id'])
@Index(['tenantId', 'userId', 'createdAt'])
@Index(['connectionId', 'createdAt'])
// The sessions that still keep the user's IP address and user agent: what the PSU retention reads (session-psu.ts).
@Index('ix_sync_sessions_psu_kept', ['finishedAt'], { where: `"parameters" ? 'psu'` })
@Check('ck_sync_sessions_requested_by', `"requested_by" IN ('user', 'tenant', 'scheduler')`)
@ForeignKey(() => Connection, ['tenantId', 'userId', 'connectionId'], ['tenantId', 'userId', 'id'], { onDelete: 'CASCADE' })
export class SyncSession {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  userId!: string;

  @Column('uuid')
  connectionId!: string;

  /** The session's status, derived from its stages by the domain rules. */
  @Column('text')
  status!: string;

  @Column('text')
  requestedBy!: SyncRequester;

  /** What was asked (daysBack, SCA performed, accounts…). */
  @Column('jsonb', { default: {} })
  parameters!: Record<string, unknown>;

  @Column('jsonb', { nullable: true })
  error!: Record<string, unknown> | null;

  @CreatedAtColumn()
  createdAt!: Date;

  @InstantColumn({ nullable: true })
  startedAt!: Date | null;

  @InstantColumn({ nullable: true })
  finishedAt!: Date | null;
}
