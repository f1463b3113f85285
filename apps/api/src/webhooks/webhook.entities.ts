import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { CreatedAtColumn, InstantColumn, UpdatedAtColumn } from '../database/columns';
import { Tenant } from '../tenants/tenant.entity';

/** The purpose an endpoint's signing secret is sealed with (secrets/envelope.ts binding; the endpoint id stands for the connection id). */
export const WEBHOOK_SECRET_PURPOSE = 'webhook-signing-secret';

/** Where a delivery stands: queued or being retried, delivered (2xx), or given up (retries spent). */
export const webhookDeliveryStatuses = ['pending', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatuses)[number];

/**
 * A tenant's webhook endpoint: where events of `eventTypes` are delivered, signed with the
 * endpoint's secret (Standard Webhooks). The secret is envelope-encrypted like connection
 * secrets (secrets/envelope.ts, bound to the tenant and the endpoint id). An endpoint whose
 * deliveries kept failing for the whole retry period is disabled, with the reason.
 */
@Entity('webhook_endpoints')
@Index(['tenantId', 'createdAt', 'id'])
@ForeignKey(() => Tenant, ['tenantId'], ['id'], { onDelete: 'CASCADE' })
export class WebhookEndpoint {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('text')
  url!: string;

  @Column('text', { array: true })
  eventTypes!: string[];

  @Column('text', { nullable: true })
  description!: string | null;

  @Column('boolean', { default: true })
  enabled!: boolean;

  @InstantColumn({ nullable: true })
  disabledAt!: Date | null;

  @Column('text', { nullable: true })
  disabledReason!: string | null;

  @Column('text')
  masterKeyId!: string;

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

  @UpdatedAtColumn()
  updatedAt!: Date;
}

/** One event for a tenant (its id is the `webhook-id` of every delivery of it), written in the transaction of its cause. */
@Entity('webhook_events')
@Index(['tenantId', 'createdAt'])
@ForeignKey(() => Tenant, ['tenantId'], ['id'], { onDelete: 'CASCADE' })
export class WebhookEvent {
  @PrimaryColumn('text')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('text')
  type!: string;

  /** The whole body sent: `{ type, timestamp, data }`. */
  @Column('jsonb')
  payload!: unknown;

  @CreatedAtColumn()
  createdAt!: Date;
}

/** One event to one endpoint (a redelivery is a new one), with its attempts. */
@Entity('webhook_deliveries')
@Index(['endpointId', 'createdAt', 'id'])
@Index(['eventId'])
@Check('ck_webhook_deliveries_status', `"status" IN ('pending', 'succeeded', 'failed')`)
@ForeignKey(() => WebhookEndpoint, ['endpointId'], ['id'], { onDelete: 'CASCADE' })
@ForeignKey(() => WebhookEvent, ['eventId'], ['id'], { onDelete: 'CASCADE' })
export class WebhookDelivery {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @Column('uuid')
  endpointId!: string;

  @Column('text')
  eventId!: string;

  @Column('text', { default: 'pending' })
  status!: WebhookDeliveryStatus;

  @Column('integer', { default: 0 })
  attempts!: number;

  @CreatedAtColumn()
  createdAt!: Date;

  @InstantColumn({ nullable: true })
  completedAt!: Date | null;
}

/** One HTTP attempt of a delivery: when, the status code (null: no answer), latency, what went wrong. */
@Entity('webhook_delivery_attempts')
@Index(['deliveryId', 'id'])
@ForeignKey(() => WebhookDelivery, ['deliveryId'], ['id'], { onDelete: 'CASCADE' })
export class WebhookDeliveryAttempt {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column('uuid')
  deliveryId!: string;

  @InstantColumn()
  attemptedAt!: Date;

  @Column('integer', { nullable: true })
  statusCode!: number | null;

  @Column('integer')
  latencyMs!: number;

  @Column('text', { nullable: true })
  error!: string | null;
}
