import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { NotFoundError, ValidationFailedError } from '../common/errors';
import { newId } from '../database/ids';
import { type SecretBinding, openSecret, sealSecret } from '../secrets/envelope';
import type { MasterKeyring } from '../secrets/master-keyring';
import { MASTER_KEYRING } from '../secrets/secrets.service';
import { queueDelivery } from './tenant-events';
import { type UrlPolicy, WebhookUrlRefused, checkWebhookUrl } from './url-policy';
import { WEBHOOK_SETTINGS, type WebhookSettings } from './webhook-settings';
import { WEBHOOK_SECRET_PURPOSE, type WebhookDeliveryStatus, WebhookEndpoint } from './webhook.entities';
import { runTransaction } from '../database/transaction';

/** An endpoint as the tenant sees it (never the secret). */
export interface EndpointRecord {
  readonly id: string;
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly description: string | null;
  readonly enabled: boolean;
  readonly disabledAt: Date | null;
  readonly disabledReason: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** One delivery of the log, with its attempts. */
export interface DeliveryRecord {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: WebhookDeliveryStatus;
  readonly createdAt: Date;
  readonly completedAt: Date | null;
  readonly attempts: ReadonlyArray<{ readonly at: Date; readonly statusCode: number | null; readonly latencyMs: number; readonly error: string | null }>;
}

/** The binding of an endpoint's secret in the envelope (its own purpose: never a connection secret). */
export const endpointSecretBinding = (tenantId: string, endpointId: string): SecretBinding => ({ tenantId, connectionId: endpointId, purpose: WEBHOOK_SECRET_PURPOSE });

const record = (e: WebhookEndpoint): EndpointRecord => ({
  id: e.id,
  url: e.url,
  eventTypes: e.eventTypes,
  description: e.description,
  enabled: e.enabled,
  disabledAt: e.disabledAt,
  disabledReason: e.disabledReason,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});

/** A new Standard Webhooks secret: `whsec_` + 32 random bytes, base64. */
const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * A tenant's webhook endpoints: register (the secret is returned once), list, update,
 * delete, rotate the secret, the delivery log and redelivery. Secrets are stored
 * envelope-encrypted; a URL must pass the policy (webhooks/url-policy.ts).
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(MASTER_KEYRING) private readonly keyring: MasterKeyring,
    @Inject(WEBHOOK_SETTINGS) private readonly settings: WebhookSettings,
  ) {}

  private get policy(): UrlPolicy {
    return this.settings;
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await checkWebhookUrl(url, this.policy);
    } catch (e) {
      if (e instanceof WebhookUrlRefused) throw new ValidationFailedError([{ field: 'url', reason: e.message }]);
      throw e;
    }
  }

  async create(tenantId: string, input: { url: string; eventTypes: readonly string[]; description?: string | undefined }): Promise<{ endpoint: EndpointRecord; secret: string }> {
    await this.checkUrl(input.url);
    const id = newId();
    const secret = newSecret();
    const sealed = sealSecret(this.keyring, Buffer.from(secret, 'utf8'), endpointSecretBinding(tenantId, id));
    const repo = this.dataSource.getRepository(WebhookEndpoint);
    await repo.insert({ id, tenantId, url: input.url, eventTypes: [...new Set(input.eventTypes)], description: input.description ?? null, enabled: true, ...sealed });
    return { endpoint: record(await repo.findOneByOrFail({ id, tenantId })), secret };
  }

  async list(tenantId: string): Promise<EndpointRecord[]> {
    const rows = await this.dataSource.getRepository(WebhookEndpoint).find({ where: { tenantId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(record);
  }

  async get(tenantId: string, id: string): Promise<EndpointRecord> {
    return record(await this.row(this.dataSource.manager, tenantId, id));
  }

  private async row(manager: EntityManager, tenantId: string, id: string): Promise<WebhookEndpoint> {
    const row = await manager.getRepository(WebhookEndpoint).findOneBy({ id, tenantId });
    if (!row) throw new NotFoundError('Webhook endpoint');
    return row;
  }

  /** Changes URL, event types, description; `enabled: true` re-enables a disabled endpoint (its reason is cleared). */
  async update(tenantId: string, id: string, input: { url?: string | undefined; eventTypes?: readonly string[] | undefined; description?: string | undefined; enabled?: boolean | undefined }): Promise<EndpointRecord> {
    await this.row(this.dataSource.manager, tenantId, id);
    if (input.url !== undefined) await this.checkUrl(input.url);
    const changes: Partial<WebhookEndpoint> = {};
    if (input.url !== undefined) changes.url = input.url;
    if (input.eventTypes !== undefined) changes.eventTypes = [...new Set(input.eventTypes)];
    if (input.description !== undefined) changes.description = input.description;
    if (input.enabled === true) Object.assign(changes, { enabled: true, disabledAt: null, disabledReason: null });
    if (input.enabled === false) Object.assign(changes, { enabled: false, disabledAt: new Date(), disabledReason: 'disabled by the tenant' });
    if (Object.keys(changes).length > 0) await this.dataSource.getRepository(WebhookEndpoint).update({ id, tenantId }, changes);
    return this.get(tenantId, id);
  }

  async remove(tenantId: string, id: string): Promise<void> {
    const result = await this.dataSource.getRepository(WebhookEndpoint).delete({ id, tenantId });
    if (!result.affected) throw new NotFoundError('Webhook endpoint');
  }

  /** A new secret (returned once); deliveries sent from now on are signed with it. */
  async rotateSecret(tenantId: string, id: string): Promise<{ endpoint: EndpointRecord; secret: string }> {
    await this.row(this.dataSource.manager, tenantId, id);
    const secret = newSecret();
    const sealed = sealSecret(this.keyring, Buffer.from(secret, 'utf8'), endpointSecretBinding(tenantId, id));
    await this.dataSource.getRepository(WebhookEndpoint).update({ id, tenantId }, { ...sealed });
    return { endpoint: await this.get(tenantId, id), secret };
  }

  /** The endpoint's secret (for signing a delivery). */
  secretOf(endpoint: Pick<WebhookEndpoint, 'id' | 'tenantId' | 'masterKeyId' | 'wrappedDataKey' | 'nonce' | 'ciphertext' | 'authTag'>): string {
    const plain = openSecret(this.keyring, endpoint, endpointSecretBinding(endpoint.tenantId, endpoint.id));
    const secret = plain.toString('utf8');
    plain.fill(0);
    return secret;
  }

  /** The newest deliveries of an endpoint (at most `limit`), with their attempts. */
  async deliveries(tenantId: string, endpointId: string, limit: number): Promise<DeliveryRecord[]> {
    await this.row(this.dataSource.manager, tenantId, endpointId);
    return this.deliveryRecords(tenantId, endpointId, limit, null);
  }

  private async deliveryRecords(tenantId: string, endpointId: string, limit: number, deliveryId: string | null): Promise<DeliveryRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT d.id, d.event_id, e.type, d.status, d.created_at, d.completed_at,
              COALESCE((SELECT json_agg(json_build_object('at', a.attempted_at, 'statusCode', a.status_code, 'latencyMs', a.latency_ms, 'error', a.error) ORDER BY a.id)
                          FROM webhook_delivery_attempts a WHERE a.delivery_id = d.id), '[]') AS attempts
         FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
        WHERE d.endpoint_id = $1 AND d.tenant_id = $2 AND ($4::uuid IS NULL OR d.id = $4)
        ORDER BY d.created_at DESC, d.id DESC LIMIT $3`,
      [endpointId, tenantId, limit, deliveryId],
    )) as Array<{ id: string; event_id: string; type: string; status: WebhookDeliveryStatus; created_at: Date; completed_at: Date | null; attempts: Array<{ at: string; statusCode: number | null; latencyMs: number; error: string | null }> }>;
    return rows.map((r) => ({
      id: r.id,
      eventId: r.event_id,
      eventType: r.type,
      status: r.status,
      createdAt: r.created_at,
      completedAt: r.completed_at,
      attempts: r.attempts.map((a) => ({ ...a, at: new Date(a.at) })),
    }));
  }

  /** Sends a delivery's event again (a new delivery of the same event: the same `webhook-id`). */
  async redeliver(tenantId: string, endpointId: string, deliveryId: string): Promise<DeliveryRecord> {
    const newDelivery = await runTransaction(this.dataSource, async (m) => {
      await this.row(m, tenantId, endpointId);
      const [d] = (await m.query(`SELECT event_id FROM webhook_deliveries WHERE id = $1 AND endpoint_id = $2 AND tenant_id = $3`, [deliveryId, endpointId, tenantId])) as Array<{ event_id: string }>;
      if (!d) throw new NotFoundError('Webhook delivery');
      return queueDelivery(m, tenantId, endpointId, d.event_id);
    });
    const [found] = await this.deliveryRecords(tenantId, endpointId, 1, newDelivery);
    if (!found) throw new NotFoundError('Webhook delivery');
    return found;
  }
}
