import { Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from '../database/columns';
import { Connection } from '../connections/connection.entity';

/**
 * When the scheduler may look at a connection again: one narrow row per connection that has a
 * grant (migration ConnectionSchedules), so planning a connection writes its due time here —
 * into this table's two indexes — and not into every index of `connections`
 * (test/sync/scheduler-writes.test.ts). Kept by the database (triggers on `connection_secrets`):
 * a connection's grant stored, its row (due since its status last changed); its grant deleted,
 * its row deleted; a deleted connection's row goes with it. A connection without a row has no
 * grant: nothing to refresh. The due time is written by the scheduler's own SQL only (sync-scheduler.ts).
 */
@Entity('connection_schedules')
// The planning query's: the due connections, due longest first.
@Index('ix_connection_schedules_due', ['nextRefreshAt', 'connectionId'])
@ForeignKey(() => Connection, ['connectionId'], ['id'], { onDelete: 'CASCADE' })
export class ConnectionSchedule {
  @PrimaryColumn('uuid')
  connectionId!: string;

  /** When the scheduler may look at the connection again (its last planning plus the refresh interval, when its unattended budget allows again, …). */
  @InstantColumn()
  nextRefreshAt!: Date;
}
