import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The request-rate state of one connector's bank, shared by every worker process: a GCRA
 * token bucket reduced to one instant (see BankLimiter).
 */
@Entity('sync_rate_limits')
export class SyncRateLimit {
  @PrimaryColumn('text')
  connectorId!: string;

  /** The theoretical arrival time of the next request. */
  @Column('timestamptz')
  tat!: Date;
}
