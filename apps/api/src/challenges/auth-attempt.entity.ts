import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';
import { Connection } from '../connections/connection.entity';
import { CreatedAtColumn, InstantColumn, UpdatedAtColumn } from '../database/columns';

/**
 * Where a credentials login stands: `bank` — a call to the bank is in flight (the login, or
 * an answer being passed on); `waiting` — the bank asked a challenge and waits for the user.
 */
export type AuthAttemptPhase = 'bank' | 'waiting';

/**
 * A credentials login of one connection that is not finished: at most one per connection.
 * While the bank waits for an answer it holds the challenge (what to show the user) and
 * the connector's challenge state (the bank session, the form to post the answer to),
 * both only envelope-encrypted — a challenge state can carry a sealed login and the
 * bank's session cookies. Answers are never stored. Expired rows are swept: a waiting one
 * ends in the matching `auth.creds.*.invalid` (domain `answerTimedOut`), a `bank` one
 * whose process died in `error.temporary`.
 */
@Entity('auth_attempts')
@Unique(['connectionId'])
@Unique(['tenantId', 'userId', 'id'])
@Index(['phase', 'expiresAt'])
@Check('ck_auth_attempts_phase', `"phase" IN ('bank', 'waiting')`)
@Check('ck_auth_attempts_challenge_kind', `"challenge_kind" IS NULL OR "challenge_kind" IN ('security', 'otp', 'captcha', 'puzzle')`)
@ForeignKey(() => Connection, ['tenantId', 'userId', 'connectionId'], ['tenantId', 'userId', 'id'], { onDelete: 'CASCADE' })
export class AuthAttempt {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  userId!: string;

  @Column('uuid')
  connectionId!: string;

  /** The connector whose challenge state this is (a state is only ever given back to it). */
  @Column('text')
  connectorId!: string;

  @Column('text')
  phase!: AuthAttemptPhase;

  /** The kind of the challenge waiting (null while the first bank call is in flight). */
  @Column('text', { nullable: true })
  challengeKind!: string | null;

  /** How many challenges the bank has asked in this login so far (two in a row are normal). */
  @Column('integer', { default: 0 })
  step!: number;

  /** The challenge and the connector's state, envelope-encrypted (null while no challenge waits). */
  @Column('text', { nullable: true })
  masterKeyId!: string | null;

  @Column('bytea', { nullable: true })
  wrappedDataKey!: Buffer | null;

  @Column('bytea', { nullable: true })
  nonce!: Buffer | null;

  @Column('bytea', { nullable: true })
  ciphertext!: Buffer | null;

  @Column('bytea', { nullable: true })
  authTag!: Buffer | null;

  /** Waiting: the answer must come before this. Bank: the call is presumed dead after it. */
  @InstantColumn()
  expiresAt!: Date;

  @CreatedAtColumn()
  createdAt!: Date;

  @UpdatedAtColumn()
  updatedAt!: Date;
}
