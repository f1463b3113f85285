import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service';
import { SyncQueue } from '../sync/sync-queue';
import { SYNC_SETTINGS, type SyncSettings } from '../sync/sync-options';
import { WEBHOOK_QUEUE, setWebhookQueueSchema } from './tenant-events';
import { sendSigned } from './webhook-sender';
import { WEBHOOK_SETTINGS, type WebhookSettings } from './webhook-settings';
import { WebhookEndpoint } from './webhook.entities';
import { WebhooksService } from './webhooks.service';
import { runTransaction } from '../database/transaction';

interface DeliveryJob {
  readonly deliveryId: string;
}

/** Thrown to let pg-boss retry the delivery later (exponential backoff). */
class AttemptFailed extends Error {}

/**
 * Sends webhook deliveries from the `kinko-webhook` pg-boss queue (in the sync queue's
 * schema). Every attempt is logged (status code, latency, error). A failed attempt is
 * retried with exponential backoff (`retryLimit`, `retryDelaySeconds`: about a day by
 * default); when the retries are spent the delivery is failed and its endpoint disabled
 * with the reason. A delivery that already succeeded or failed is never sent again by a
 * repeated job (a worker killed between the answer and the job's completion).
 */
@Injectable()
export class WebhookWorker implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  private running = false;
  private readonly active = new Set<Promise<unknown>>();

  constructor(
    private readonly queue: SyncQueue,
    private readonly dataSource: DataSource,
    private readonly webhooks: WebhooksService,
    @Inject(WEBHOOK_SETTINGS) private readonly settings: WebhookSettings,
    @Inject(SYNC_SETTINGS) syncSettings: SyncSettings,
    private readonly metrics: MetricsService,
  ) {
    setWebhookQueueSchema(syncSettings.queueSchema);
  }

  /** Creates (or updates) the queue: emitting needs it in every process, worker or not. */
  async onModuleInit(): Promise<void> {
    await this.queue.ensureQueue(WEBHOOK_QUEUE, {
      name: WEBHOOK_QUEUE,
      policy: 'standard',
      retryLimit: this.settings.retryLimit,
      retryDelay: this.settings.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: this.settings.expireInSeconds,
    });
  }

  /** Starts sending (with the sync worker: `serve` with KINKO_WORKER, and `worker`). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const options = { batchSize: 1, includeMetadata: true as const, pollingIntervalSeconds: this.settings.pollingIntervalSeconds };
    for (let i = 0; i < this.settings.concurrency; i += 1) {
      await this.queue.boss.work<DeliveryJob>(WEBHOOK_QUEUE, options, (jobs) => this.track(Promise.all(jobs.map((j) => this.handle(j)))));
    }
  }

  async stop(timeoutMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.queue.boss.offWork(WEBHOOK_QUEUE);
    await Promise.race([Promise.allSettled([...this.active]), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.active.add(work);
    void work.finally(() => this.active.delete(work)).catch(() => undefined);
    return work;
  }

  private async handle(job: PgBoss.JobWithMetadata<DeliveryJob>): Promise<void> {
    const { deliveryId } = job.data;
    const [row] = (await this.dataSource.query(
      `SELECT d.status, d.endpoint_id, d.tenant_id, e.id AS event_id, e.payload::text AS body, e.created_at
         FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE d.id = $1`,
      [deliveryId],
    )) as Array<{ status: string; endpoint_id: string; tenant_id: string; event_id: string; body: string; created_at: Date }>;
    if (!row || row.status !== 'pending') return;
    const endpoint = await this.dataSource.getRepository(WebhookEndpoint).findOneBy({ id: row.endpoint_id, tenantId: row.tenant_id });
    if (!endpoint) return;
    if (!endpoint.enabled) {
      await this.settle(deliveryId, 'failed');
      return;
    }
    const result = await sendSigned(endpoint.url, this.webhooks.secretOf(endpoint), row.event_id, row.body, new Date(), this.settings);
    await runTransaction(this.dataSource, async (m) => {
      await m.query(`INSERT INTO webhook_delivery_attempts (delivery_id, attempted_at, status_code, latency_ms, error) VALUES ($1, now(), $2, $3, $4)`, [
        deliveryId,
        result.statusCode,
        result.latencyMs,
        result.error,
      ]);
      await m.query(`UPDATE webhook_deliveries SET attempts = attempts + 1 WHERE id = $1`, [deliveryId]);
    });
    this.metrics.webhookDelivered(result.ok ? 'succeeded' : job.retryCount < job.retryLimit ? 'retrying' : 'failed');
    if (result.ok) {
      await this.settle(deliveryId, 'succeeded');
      return;
    }
    if (job.retryCount < job.retryLimit) throw new AttemptFailed(`delivery ${deliveryId}: ${result.error ?? 'failed'}`);
    // Retries spent (about a day of them): the delivery fails and the endpoint is disabled.
    await runTransaction(this.dataSource, async (m) => {
      await m.query(`UPDATE webhook_deliveries SET status = 'failed', completed_at = now() WHERE id = $1 AND status = 'pending'`, [deliveryId]);
      const since = (await m.query(`SELECT min(attempted_at) AS first FROM webhook_delivery_attempts WHERE delivery_id = $1`, [deliveryId])) as Array<{ first: Date }>;
      const reason = `deliveries kept failing since ${since[0]?.first?.toISOString() ?? 'the first attempt'} (${job.retryLimit + 1} attempts of delivery ${deliveryId}; last: ${result.error ?? 'failed'})`;
      await m.query(`UPDATE webhook_endpoints SET enabled = false, disabled_at = now(), disabled_reason = $2, updated_at = now() WHERE id = $1 AND enabled`, [endpoint.id, reason]);
    });
    this.logger.warn(`webhook endpoint ${endpoint.id} disabled: its delivery ${deliveryId} failed after ${job.retryLimit + 1} attempts`);
  }

  private async settle(deliveryId: string, status: 'succeeded' | 'failed'): Promise<void> {
    await this.dataSource.query(`UPDATE webhook_deliveries SET status = $2, completed_at = now() WHERE id = $1 AND status = 'pending'`, [deliveryId, status]);
  }
}
