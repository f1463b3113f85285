import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, TenantApi } from '../auth/auth.decorators';
import type { TenantScope } from '../database/scoped-data';
import { IdPipe } from '../http/id.pipe';
import { Problem } from '../http/problem';
import { CreateWebhookRequest, DeliveryLogQuery, UpdateWebhookRequest, WebhookDeliveryList, WebhookDeliveryView, WebhookEndpointList, WebhookEndpointView, WebhookEndpointWithSecret } from './webhook.dto';
import { WebhooksService } from './webhooks.service';

/** Tenant API: webhook endpoints, their secrets, delivery log and redelivery (apps/api/README.md, "Webhooks"). */
@ApiTags('tenant')
@TenantApi()
@Controller('api/v2/tenant/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({ operationId: 'createWebhookEndpoint', summary: 'Register a webhook endpoint', description: 'The signing secret is in this answer only. Payloads: the `webhooks` of this document.' })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecret })
  @ApiBadRequestResponse({ type: Problem, description: 'A URL the policy refuses (scheme, address), or unknown event types.' })
  async create(@CurrentTenant() scope: TenantScope, @Body() body: CreateWebhookRequest): Promise<WebhookEndpointWithSecret> {
    const created = await this.webhooks.create(scope.tenantId, body);
    return { ...WebhookEndpointView.of(created.endpoint), secret: created.secret };
  }

  @Get()
  @ApiOperation({ operationId: 'listWebhookEndpoints', summary: "The tenant's webhook endpoints" })
  @ApiOkResponse({ type: WebhookEndpointList })
  async list(@CurrentTenant() scope: TenantScope): Promise<WebhookEndpointList> {
    return { items: (await this.webhooks.list(scope.tenantId)).map(WebhookEndpointView.of) };
  }

  @Get(':endpointId')
  @ApiOperation({ operationId: 'getWebhookEndpoint', summary: 'One webhook endpoint (with why it was disabled, if it was)' })
  @ApiOkResponse({ type: WebhookEndpointView })
  @ApiNotFoundResponse({ type: Problem })
  async get(@CurrentTenant() scope: TenantScope, @Param('endpointId', new IdPipe('Webhook endpoint')) id: string): Promise<WebhookEndpointView> {
    return WebhookEndpointView.of(await this.webhooks.get(scope.tenantId, id));
  }

  @Patch(':endpointId')
  @ApiOperation({ operationId: 'updateWebhookEndpoint', summary: 'Change a webhook endpoint (URL, event types, description, enabled)' })
  @ApiOkResponse({ type: WebhookEndpointView })
  @ApiBadRequestResponse({ type: Problem })
  @ApiNotFoundResponse({ type: Problem })
  async update(@CurrentTenant() scope: TenantScope, @Param('endpointId', new IdPipe('Webhook endpoint')) id: string, @Body() body: UpdateWebhookRequest): Promise<WebhookEndpointView> {
    return WebhookEndpointView.of(await this.webhooks.update(scope.tenantId, id, body));
  }

  @Delete(':endpointId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteWebhookEndpoint', summary: 'Delete a webhook endpoint (its deliveries stop)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: Problem })
  async remove(@CurrentTenant() scope: TenantScope, @Param('endpointId', new IdPipe('Webhook endpoint')) id: string): Promise<void> {
    await this.webhooks.remove(scope.tenantId, id);
  }

  @Post(':endpointId/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ operationId: 'rotateWebhookSecret', summary: "Rotate the endpoint's signing secret", description: 'The new secret is in this answer only; deliveries sent from now on are signed with it.' })
  @ApiOkResponse({ type: WebhookEndpointWithSecret })
  @ApiNotFoundResponse({ type: Problem })
  async rotate(@CurrentTenant() scope: TenantScope, @Param('endpointId', new IdPipe('Webhook endpoint')) id: string): Promise<WebhookEndpointWithSecret> {
    const rotated = await this.webhooks.rotateSecret(scope.tenantId, id);
    return { ...WebhookEndpointView.of(rotated.endpoint), secret: rotated.secret };
  }

  @Get(':endpointId/deliveries')
  @ApiOperation({ operationId: 'listWebhookDeliveries', summary: 'The delivery log of an endpoint (newest first): attempts, status codes, latency' })
  @ApiOkResponse({ type: WebhookDeliveryList })
  @ApiNotFoundResponse({ type: Problem })
  async deliveries(@CurrentTenant() scope: TenantScope, @Param('endpointId', new IdPipe('Webhook endpoint')) id: string, @Query() query: DeliveryLogQuery): Promise<WebhookDeliveryList> {
    return { items: (await this.webhooks.deliveries(scope.tenantId, id, query.limit ?? 50)).map(WebhookDeliveryView.of) };
  }

  @Post(':endpointId/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({ operationId: 'redeliverWebhookDelivery', summary: 'Send a delivery’s event again', description: 'A new delivery of the same event (same `webhook-id`, so a receiver that already has it can tell).' })
  @ApiAcceptedResponse({ type: WebhookDeliveryView, description: 'The new delivery, queued.' })
  @ApiNotFoundResponse({ type: Problem })
  async redeliver(
    @CurrentTenant() scope: TenantScope,
    @Param('endpointId', new IdPipe('Webhook endpoint')) id: string,
    @Param('deliveryId', new IdPipe('Webhook delivery')) deliveryId: string,
  ): Promise<WebhookDeliveryView> {
    return WebhookDeliveryView.of(await this.webhooks.redeliver(scope.tenantId, id, deliveryId));
  }
}
