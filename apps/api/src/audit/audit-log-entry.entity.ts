import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../database/columns';

/**
 * One audited event (a secret decrypted, a bank called, a key rotated…). Never holds a
 * secret. No foreign keys: the trail outlives what it talks about.
 */
@Entity('audit_log')
@Index(['tenantId', 'occurredAt'])
@Index(['action', 'occurredAt'])
export class AuditLogEntry {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @InstantColumn({ default: () => 'now()' })
  occurredAt!: Date;

  @Column('uuid', { nullable: true })
  tenantId!: string | null;

  /** Who acted, e.g. `user:<id>`, `api-key:<prefix>`, `system:sync`, `cli:rotate-master-key`. */
  @Column('text')
  actor!: string;

  /** What happened, e.g. `secret.decrypt`, `bank.call`, `master-key.rotate`. */
  @Column('text')
  action!: string;

  /** What it happened to, e.g. `connection:<id>`. */
  @Column('text', { nullable: true })
  target!: string | null;

  @Column('jsonb', { default: {} })
  details!: Record<string, unknown>;
}
