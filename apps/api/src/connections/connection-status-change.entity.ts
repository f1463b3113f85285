import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../database/columns';
import { Connection } from './connection.entity';

/** One change of a connection's aggregation status, with its time: the status history. */
@Entity('connection_status_history')
@Index(['connectionId', 'changedAt'])
@ForeignKey(() => Connection, ['tenantId', 'userId', 'connectionId'], ['tenantId', 'userId', 'id'], { onDelete: 'CASCADE' })
export class ConnectionStatusChange {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  userId!: string;

  @Column('uuid')
  connectionId!: string;

  @Column('text', { nullable: true })
  previousStatus!: string | null;

  @Column('text')
  status!: string;

  @InstantColumn()
  changedAt!: Date;

  /** The sync session that caused the change, when one did. */
  @Column('uuid', { nullable: true })
  sessionId!: string | null;
}
