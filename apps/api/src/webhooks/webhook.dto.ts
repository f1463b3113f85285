import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { tenantEventTypes } from './tenant-events';
import { webhookDeliveryStatuses } from './webhook.entities';
import type { DeliveryRecord, EndpointRecord } from './webhooks.service';

const URL_DOC = 'Where events are POSTed. https:// only in production; no loopback, private or link-local address unless the operator allows it (checked now and before every delivery).';

/** Body of `POST /api/v2/tenant/webhooks`. */
export class CreateWebhookRequest {
  @ApiProperty({ description: URL_DOC, example: 'https://93.184.216.34/kinko/webhooks', maxLength: 2048 })
  @IsString()
  @Length(1, 2048)
  url!: string;

  @ApiProperty({ description: 'The event types sent to this endpoint.', enum: tenantEventTypes, isArray: true, minItems: 1 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(tenantEventTypes.length)
  @IsIn(tenantEventTypes, { each: true })
  eventTypes!: string[];

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  description?: string;
}

/** Body of `PATCH /api/v2/tenant/webhooks/{endpointId}`. */
export class UpdateWebhookRequest {
  @ApiPropertyOptional({ description: URL_DOC, maxLength: 2048 })
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  url?: string;

  @ApiPropertyOptional({ enum: tenantEventTypes, isArray: true, minItems: 1 })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(tenantEventTypes.length)
  @IsIn(tenantEventTypes, { each: true })
  eventTypes?: string[];

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  description?: string;

  @ApiPropertyOptional({ description: 'true re-enables an endpoint disabled after failing deliveries (the reason is cleared); false disables it.' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

/** A webhook endpoint (never its secret). */
export class WebhookEndpointView {
  @ApiProperty({ format: 'uuid', example: '0f8fad5b-d9cb-469f-a165-70867728950e' })
  id!: string;

  @ApiProperty({ example: 'https://93.184.216.34/kinko/webhooks' })
  url!: string;

  @ApiProperty({ enum: tenantEventTypes, isArray: true, example: ['connection.status_changed', 'sync.finished'] })
  eventTypes!: string[];

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ description: 'false once its deliveries kept failing for the whole retry period (about a day), or the tenant disabled it.' })
  enabled!: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  disabledAt!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why the endpoint was disabled.' })
  disabledReason!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static of(e: EndpointRecord): WebhookEndpointView {
    return {
      id: e.id,
      url: e.url,
      eventTypes: [...e.eventTypes],
      description: e.description,
      enabled: e.enabled,
      disabledAt: e.disabledAt?.toISOString() ?? null,
      disabledReason: e.disabledReason,
      createdAt: e.createdAt.toISOString(),
      updatedAt: e.updatedAt.toISOString(),
    };
  }
}

/** An endpoint with its signing secret: answered once, at creation and rotation. */
export class WebhookEndpointWithSecret extends WebhookEndpointView {
  @ApiProperty({ description: 'The Standard Webhooks signing secret (`whsec_…`). Shown only in this answer: store it now.', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
  secret!: string;
}

/** An endpoint listing. */
export class WebhookEndpointList {
  @ApiProperty({ type: [WebhookEndpointView] })
  items!: WebhookEndpointView[];
}

/** One HTTP attempt of a delivery. */
export class WebhookAttemptView {
  @ApiProperty({ format: 'date-time', example: '2026-12-06T09:00:05.020Z' })
  at!: string;

  @ApiProperty({ type: Number, nullable: true, description: "The endpoint's status code; null when it did not answer.", example: 204 })
  statusCode!: number | null;

  @ApiProperty({ example: 38 })
  latencyMs!: number;

  @ApiProperty({ type: String, nullable: true })
  error!: string | null;
}

/** One delivery of an event to the endpoint. */
export class WebhookDeliveryView {
  @ApiProperty({ format: 'uuid', example: '7c9e6679-7425-40de-944b-e07fc1f90ae7' })
  id!: string;

  @ApiProperty({ description: 'The event id: the `webhook-id` header of every delivery of this event.', example: 'msg_2f1c0e7a9b3d4c58a6e1f0b2c3d4e5f6' })
  eventId!: string;

  @ApiProperty({ enum: tenantEventTypes, example: 'sync.finished' })
  eventType!: string;

  @ApiProperty({ enum: [...webhookDeliveryStatuses] })
  status!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  completedAt!: string | null;

  @ApiProperty({ type: [WebhookAttemptView] })
  attempts!: WebhookAttemptView[];

  static of(d: DeliveryRecord): WebhookDeliveryView {
    return {
      id: d.id,
      eventId: d.eventId,
      eventType: d.eventType,
      status: d.status,
      createdAt: d.createdAt.toISOString(),
      completedAt: d.completedAt?.toISOString() ?? null,
      attempts: d.attempts.map((a) => ({ at: a.at.toISOString(), statusCode: a.statusCode, latencyMs: a.latencyMs, error: a.error })),
    };
  }
}

/** The delivery log of an endpoint, newest first. */
export class WebhookDeliveryList {
  @ApiProperty({ type: [WebhookDeliveryView] })
  items!: WebhookDeliveryView[];
}

/** Query of the delivery log. */
export class DeliveryLogQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}
