import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';
import { CreatedAtColumn, InstantColumn } from '../database/columns';
import { User } from '../users/user.entity';
import { Connection } from './connection.entity';

/** Where a connect flow stands: started, then completed (a connection) or failed, or never used before it expired. */
export type ConnectFlowStatus = 'pending' | 'completed' | 'failed';

/**
 * One attempt of a user to connect a bank through its redirect flow: the OAuth `state`
 * (stored only as its SHA-256) and the PKCE verifier (envelope-encrypted, wiped once used)
 * bound to the user, the bank and the exact redirect URI. A callback is accepted once,
 * before `expiresAt`, for the state it carries.
 */
@Entity('connect_flows')
@Unique(['tenantId', 'userId', 'id'])
@Unique(['stateHash'])
@Index(['tenantId', 'userId', 'createdAt'])
@Check('ck_connect_flows_status', `"status" IN ('pending', 'completed', 'failed')`)
@ForeignKey(() => User, ['tenantId', 'userId'], ['tenantId', 'id'], { onDelete: 'CASCADE' })
@ForeignKey(() => Connection, ['tenantId', 'userId', 'reconnectConnectionId'], ['tenantId', 'userId', 'id'], { onDelete: 'CASCADE' })
export class ConnectFlow {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  userId!: string;

  @Column('text')
  bankId!: string;

  @Column('text')
  connectorId!: string;

  /** SHA-256 (base64url) of the `state` handed to the bank: the callback is found by it. */
  @Column('text')
  stateHash!: string;

  /** The redirect URI given to the connector, exactly: the callback must arrive there. */
  @Column('text')
  redirectUri!: string;

  /** Re-authorising an existing connection (expired or revoked consent) instead of creating one. */
  @Column('uuid', { nullable: true })
  reconnectConnectionId!: string | null;

  /** The PKCE verifier, envelope-encrypted like connection secrets; null once the callback used it. */
  @Column('text', { nullable: true })
  verifierMasterKeyId!: string | null;

  @Column('bytea', { nullable: true })
  verifierWrappedDataKey!: Buffer | null;

  @Column('bytea', { nullable: true })
  verifierNonce!: Buffer | null;

  @Column('bytea', { nullable: true })
  verifierCiphertext!: Buffer | null;

  @Column('bytea', { nullable: true })
  verifierAuthTag!: Buffer | null;

  @Column('text')
  status!: ConnectFlowStatus;

  @InstantColumn()
  expiresAt!: Date;

  /** When the callback consumed it (single use). */
  @InstantColumn({ nullable: true })
  usedAt!: Date | null;

  /** The connection it created or re-authorised. */
  @Column('uuid', { nullable: true })
  connectionId!: string | null;

  /**
   * SHA-256 (base64url) of the flow's browser binding: the secret of the `kinko_flow` cookie
   * set in the browser that started the flow (the Link pages) or that opened the flow's
   * start URL (the API: until then, of the start URL's key). The callback is refused without it.
   */
  @Column('text', { nullable: true })
  bindingHash!: string | null;

  /** When a browser received the binding cookie (once: the start URL works a single time). */
  @InstantColumn({ nullable: true })
  browserBoundAt!: Date | null;

  /**
   * An API-started flow: the bank's login URL, sealed (AES-256-GCM) under a key derived from
   * the binding secret, which only the start URL carries; wiped once a browser opened it.
   */
  @Column('bytea', { nullable: true })
  bankUrlSealed!: Buffer | null;

  /** The Link pages session that started the flow (null: the user API); the callback needs it alive. */
  @Column('uuid', { nullable: true })
  pageSessionId!: string | null;

  /** An API-started flow's return URL (one the tenant registered, exactly): the callback sends the browser there with the result. */
  @Column('text', { nullable: true })
  returnUri!: string | null;

  /** The tenant's `state`, handed back unchanged with the result (only with {@link returnUri}). */
  @Column('text', { nullable: true })
  returnState!: string | null;

  /** Why it failed: a problem kind and a message safe to show (never a bank secret). */
  @Column('jsonb', { nullable: true })
  error!: { readonly code: string; readonly message: string } | null;

  @CreatedAtColumn()
  createdAt!: Date;
}
