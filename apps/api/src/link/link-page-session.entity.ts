import { Column, Entity, ForeignKey, PrimaryColumn, Unique } from 'typeorm';
import { CreatedAtColumn, InstantColumn } from '../database/columns';
import { User } from '../users/user.entity';

/**
 * A Link pages session: what the `kinko_link` cookie names. The cookie holds a random
 * secret of its own (never the URL token), stored here only as its SHA-256; the URL token
 * it was exchanged for is remembered by id, so that token opens no second session and is no
 * longer accepted as a bearer token. The session expires after KINKO_USER_TOKEN_TTL_SECONDS
 * without activity.
 */
@Entity('link_page_sessions')
@Unique(['secretHash'])
@Unique(['exchangedTokenId'])
@ForeignKey(() => User, ['tenantId', 'userId'], ['tenantId', 'id'], { onDelete: 'CASCADE' })
export class LinkPageSession {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  userId!: string;

  /** SHA-256 (base64url) of the cookie's secret: the session is found by it. */
  @Column('text')
  secretHash!: string;

  /** The `jti` of the user token the Link URL carried (single use: one session per token). */
  @Column('text')
  exchangedTokenId!: string;

  /** When that token would have expired: until then its id must stay known. */
  @InstantColumn()
  tokenExpiresAt!: Date;

  /** The session ends here unless the user is active before (each renewal moves it on). */
  @InstantColumn()
  expiresAt!: Date;

  /** Last time `expiresAt` was moved on. */
  @InstantColumn()
  renewedAt!: Date;

  /** Where the browser goes at the end of the flow (one of the tenant's registered return URLs), if the tenant asked. */
  @Column('text', { nullable: true })
  returnUri!: string | null;

  /** The tenant's opaque `state`, passed back unchanged with the result. */
  @Column('text', { nullable: true })
  returnState!: string | null;

  @CreatedAtColumn()
  createdAt!: Date;
}
