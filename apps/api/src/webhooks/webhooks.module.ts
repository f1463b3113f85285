import { type DynamicModule, Module } from '@nestjs/common';
import { WEBHOOK_SETTINGS, type WebhookSettings } from './webhook-settings';
import { WebhookWorker } from './webhook-worker';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks (issue 14 §2): the tenant's endpoints (`/api/v2/tenant/webhooks`), the outbox
 * (`emitTenantEvent`, tenant-events.ts) and the delivery worker (started with the sync worker).
 */
@Module({})
export class WebhooksModule {
  static forRoot(settings: WebhookSettings): DynamicModule {
    return {
      module: WebhooksModule,
      controllers: [WebhooksController],
      providers: [{ provide: WEBHOOK_SETTINGS, useValue: settings }, WebhooksService, WebhookWorker],
      exports: [WebhookWorker, WebhooksService, WEBHOOK_SETTINGS],
    };
  }
}
