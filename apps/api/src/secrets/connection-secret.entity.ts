import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';
import { CreatedAtColumn, InstantColumn } from '../database/columns';
import { Connection } from '../connections/connection.entity';

/** What a connection secret is: the bank's grant (tokens) or the user's stored credentials. */
export type SecretKind = 'grant' | 'credentials';

/**
 * A connection's grant or credentials, envelope-encrypted (AES-256-GCM): the ciphertext
 * under a per-record data key, and that data key wrapped by the master key `masterKeyId`.
 * Rotation rewrites only `masterKeyId` and `wrappedDataKey`.
 */
@Entity('connection_secrets')
@Unique(['connectionId', 'kind'])
@Index(['masterKeyId'])
@Check('ck_connection_secrets_kind', `"kind" IN ('grant', 'credentials')`)
@ForeignKey(() => Connection, ['tenantId', 'userId', 'connectionId'], ['tenantId', 'userId', 'id'], { onDelete: 'CASCADE' })
export class ConnectionSecret {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  userId!: string;

  @Column('uuid')
  connectionId!: string;

  @Column('text')
  kind!: SecretKind;

  /** Id of the master key that wraps the data key. */
  @Column('text')
  masterKeyId!: string;

  /** The data key encrypted under the master key: nonce ‖ ciphertext ‖ tag. */
  @Column('bytea')
  wrappedDataKey!: Buffer;

  @Column('bytea')
  nonce!: Buffer;

  @Column('bytea')
  ciphertext!: Buffer;

  @Column('bytea')
  authTag!: Buffer;

  @CreatedAtColumn()
  createdAt!: Date;

  /** When the data key was last (re)wrapped. */
  @InstantColumn()
  wrappedAt!: Date;
}
