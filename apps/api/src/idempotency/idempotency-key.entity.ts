import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { CreatedAtColumn } from '../database/columns';

/**
 * One `Idempotency-Key` a caller used on a creating POST (issue 15 §6), per principal (a
 * tenant, or one user): the hash of the request it came with and, once answered, the answer.
 * A row without an answer is a request under way. Kept 24 hours.
 */
@Entity('idempotency_keys')
export class IdempotencyKey {
  /** `tenant:<tenantId>` or `user:<tenantId>:<userId>`. */
  @PrimaryColumn('text')
  principal!: string;

  @PrimaryColumn('text')
  key!: string;

  /** SHA-256 of method, path and JSON body. */
  @Column('bytea')
  requestHash!: Buffer;

  @Column('integer', { nullable: true })
  responseStatus!: number | null;

  @Column('jsonb', { nullable: true })
  responseBody!: unknown;

  @Index()
  @CreatedAtColumn()
  createdAt!: Date;
}
