/**
 * Tenant events (issue 14 §2) and their outbox: {@link emitTenantEvent}.
 *
 * ```ts
 * emitTenantEvent(manager: EntityManager, event: TenantEvent): Promise<void>
 * ```
 * Call it with the manager of the transaction that makes the change (e.g. inside
 * `runTransaction(dataSource, async (m) => …)` or a store's transaction). It writes the event
 * (`webhook_events`), one delivery per enabled endpoint of the tenant subscribed to the
 * type, and each delivery's pg-boss job, all in that transaction: the event commits or
 * rolls back with its cause (none lost on a crash, none sent for a rolled-back change).
 * A tenant with no subscribed endpoint costs one indexed SELECT per transaction — none where a
 * statement of the transaction read the endpoints with its own work (`enabledEndpointsColumn`:
 * a sync's status moves and its end).
 *
 * Example (engineer L, consent expiry):
 * `await emitTenantEvent(m, { tenantId, type: 'consent.expiring', data: { userId, connectionId, consentId, expiresAt, daysBefore: 7 } })`.
 *
 * Payloads carry the ids a tenant needs to act and no bank data beyond them.
 */
import { type AggregationStatus, type Language, aggregationStatusGroup, describeStatus } from '@kinko/domain';
import PgBoss from 'pg-boss';
import type { EntityManager } from 'typeorm';
import { newId } from '../database/ids';
import type { ChangeCountsByKind } from './change-counts';
import { transactionalDb } from '../sync/sync-queue';
import { labelLanguageOf } from '../users/user-language';

/** Queue of webhook deliveries (its job id is the delivery's id). */
export const WEBHOOK_QUEUE = 'kinko-webhook';

/** Every event type, in the order the docs list them. */
export const tenantEventTypes = [
  'connection.status_changed',
  'sync.finished',
  'transactions.changed',
  'challenge.waiting',
  'consent.expiring',
  'consent.expired',
  'consent.revoked',
  'account.sync_failed',
] as const;
export type TenantEventType = (typeof tenantEventTypes)[number];

interface UserRef {
  readonly userId: string;
}
interface ConnectionRef extends UserRef {
  readonly connectionId: string;
}

/** What each event's `data` holds. */
export interface TenantEventData {
  readonly 'connection.status_changed': ConnectionRef & {
    readonly sessionId: string | null;
    readonly previousStatus: string;
    readonly status: string;
    readonly group: string;
    /** The user's language (users.language; ja when the user has none). */
    readonly language: Language;
    /** The status label in the user's language. */
    readonly label: string;
    /** The status label in each language. */
    readonly labels: Readonly<Record<Language, string>>;
    readonly nextAction: string;
  };
  readonly 'sync.finished': ConnectionRef & {
    readonly sessionId: string;
    readonly status: string;
    /** The session's transaction changes per kind (booked, pending, …): added, modified, removed (change-counts.ts). */
    readonly counts: ChangeCountsByKind;
  };
  readonly 'transactions.changed': UserRef & { readonly connectionId: string; readonly sessionId: string };
  readonly 'challenge.waiting': ConnectionRef & { readonly status: string; readonly sessionId: string | null };
  readonly 'consent.expiring': ConnectionRef & { readonly consentId: string; readonly expiresAt: string; readonly daysBefore: number };
  readonly 'consent.expired': ConnectionRef & { readonly consentId: string; readonly expiredAt: string };
  readonly 'consent.revoked': ConnectionRef & { readonly consentId: string; readonly by: 'user' | 'bank' };
  readonly 'account.sync_failed': ConnectionRef & {
    readonly accountId: string;
    readonly sessionId: string | null;
    /** The account's syncError without the bank's words: its type and the session that met it. */
    readonly syncError: { readonly errorType: string; readonly executionId: string };
  };
}

/** One event for a tenant. */
export type TenantEvent = { [T in TenantEventType]: { readonly tenantId: string; readonly type: T; readonly data: TenantEventData[T] } }[TenantEventType];

// pg-boss builds the job INSERT; an instance that is never started sends through the
// caller's transaction (`db` option), so emitting needs no connection of its own.
const senders = new Map<string, PgBoss>();
let queueSchema = 'pgboss';

/** Where the queue lives (the sync queue's pg-boss schema); set by the webhooks module. */
export function setWebhookQueueSchema(schema: string): void {
  queueSchema = schema;
}

function sender(): PgBoss {
  let boss = senders.get(queueSchema);
  if (!boss) {
    boss = new PgBoss({ schema: queueSchema, db: { executeSql: () => Promise.reject(new Error('webhook jobs are sent through the caller’s transaction only')) } });
    senders.set(queueSchema, boss);
  }
  return boss;
}

/** A Standard Webhooks message id. */
const messageId = (): string => `msg_${newId().replace(/-/g, '')}`;

/**
 * Writes `event` and its deliveries and queues their jobs in the caller's transaction
 * (see the top of this file). `now` defaults to the database's clock.
 */
export async function emitTenantEvent(manager: EntityManager, event: TenantEvent, now?: Date): Promise<void> {
  await writeTenantEvent(manager, event, await subscribedEndpoints(manager, event.tenantId, event.type), now);
}

// Where a transaction keeps the tenant's enabled endpoints it read (its query runner's `data`):
// the events one transaction emits (a sync's status moves, its end) read them once.
const ENDPOINTS_READ = 'kinko.webhookEndpoints';

/** A tenant's enabled endpoint as read for its events: its id and the event types it is subscribed to. */
export interface EnabledEndpoint {
  readonly id: string;
  readonly event_types: readonly string[];
}

/**
 * The tenant's enabled endpoints (id, event_types) as one json column, for another statement
 * of the transaction to read them with its own work (a connection's status move, the session's
 * end): `tenant` is the tenant id's parameter. {@link rememberEndpoints} then keeps them for the
 * transaction's events, as if read on their own.
 */
export const enabledEndpointsColumn = (tenant: string): string =>
  `(SELECT COALESCE(json_agg(json_build_object('id', e.id, 'event_types', e.event_types) ORDER BY e.id), '[]'::json) FROM webhook_endpoints e WHERE e.tenant_id = ${tenant} AND e.enabled)`;

/** The events a connection's status move emits ({@link emitStatusChanged}). */
export const statusMoveEventTypes: readonly TenantEventType[] = ['connection.status_changed', 'challenge.waiting'];

/**
 * SQL: whether an enabled endpoint of the tenant is subscribed to one of a status move's events
 * ({@link statusMoveEventTypes}); `tenant` is the tenant id's expression.
 */
export const statusEventsSubscribedSql = (tenant: string): string =>
  `EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.tenant_id = ${tenant} AND e.enabled AND e.event_types && ARRAY[${statusMoveEventTypes.map((t) => `'${t}'`).join(', ')}]::text[])`;

const endpointsCacheOf = (manager: EntityManager): Map<string, readonly EnabledEndpoint[]> | undefined => {
  const data = manager.queryRunner?.isTransactionActive ? (manager.queryRunner.data as Record<string, Map<string, readonly EnabledEndpoint[]> | undefined>) : undefined;
  return data ? (data[ENDPOINTS_READ] ??= new Map()) : undefined;
};

/** Whether `manager`'s transaction already read the tenant's enabled endpoints (its events read nothing more). */
export const endpointsKnown = (manager: EntityManager, tenantId: string): boolean => endpointsCacheOf(manager)?.has(tenantId) === true;

/** Keeps the tenant's enabled endpoints another statement of the transaction read ({@link enabledEndpointsColumn}) for its events. */
export function rememberEndpoints(manager: EntityManager, tenantId: string, endpoints: readonly EnabledEndpoint[]): void {
  endpointsCacheOf(manager)?.set(tenantId, endpoints);
}

/** The tenant's enabled endpoints subscribed to `type` (read once per transaction; `known`: read already by the caller). */
async function subscribedEndpoints(manager: EntityManager, tenantId: string, type: TenantEventType, known?: readonly EnabledEndpoint[]): Promise<Array<{ id: string }>> {
  const cache = endpointsCacheOf(manager);
  let endpoints = known ?? cache?.get(tenantId);
  if (!endpoints) {
    endpoints = (await manager.query(`SELECT id, event_types FROM webhook_endpoints WHERE tenant_id = $1 AND enabled ORDER BY id`, [tenantId])) as EnabledEndpoint[];
    cache?.set(tenantId, endpoints);
  }
  return endpoints.filter((e) => e.event_types.includes(type)).map((e) => ({ id: e.id }));
}

/** Whether any enabled endpoint of the tenant is subscribed to one of `types` (read once per transaction, as the events are). */
export async function anySubscribed(manager: EntityManager, tenantId: string, types: readonly TenantEventType[]): Promise<boolean> {
  for (const type of types) if ((await subscribedEndpoints(manager, tenantId, type)).length > 0) return true;
  return false;
}

/** {@link emitTenantEvent} for the endpoints already read (none: nothing is written). */
async function writeTenantEvent(manager: EntityManager, event: TenantEvent, endpoints: ReadonlyArray<{ id: string }>, now?: Date): Promise<void> {
  if (endpoints.length === 0) return;
  const id = messageId();
  const at = now ?? ((await manager.query(`SELECT now() AS now`)) as Array<{ now: Date }>)[0]!.now;
  const payload = { type: event.type, timestamp: at.toISOString(), data: event.data };
  await manager.query(`INSERT INTO webhook_events (id, tenant_id, type, payload, created_at) VALUES ($1, $2, $3, $4::jsonb, $5)`, [id, event.tenantId, event.type, JSON.stringify(payload), at]);
  for (const endpoint of endpoints) await queueDelivery(manager, event.tenantId, endpoint.id, id);
}

/** A new delivery of an event to an endpoint, and its job, in the caller's transaction. Returns its id. */
export async function queueDelivery(manager: EntityManager, tenantId: string, endpointId: string, eventId: string): Promise<string> {
  const deliveryId = newId();
  await manager.query(`INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id) VALUES ($1, $2, $3, $4)`, [deliveryId, tenantId, endpointId, eventId]);
  const job = await sender().send(WEBHOOK_QUEUE, { deliveryId }, { id: deliveryId, db: transactionalDb(manager) });
  if (job === null) throw new Error(`the webhook job of delivery ${deliveryId} was not created (is the ${WEBHOOK_QUEUE} queue created?)`);
  return deliveryId;
}

/** `connection.status_changed` (and `challenge.waiting` for a `suspended.*` status) for a status move; call where the move is written. */
export async function emitStatusChanged(
  manager: EntityManager,
  ids: { readonly tenantId: string; readonly userId: string; readonly connectionId: string; readonly sessionId: string | null },
  from: AggregationStatus,
  to: AggregationStatus,
  now: Date,
  known?: readonly EnabledEndpoint[],
): Promise<void> {
  const d = (lang: Language) => describeStatus(to, lang);
  const en = d('en');
  // The user's language is read only when an endpoint will receive the event.
  const endpoints = await subscribedEndpoints(manager, ids.tenantId, 'connection.status_changed', known);
  const language = endpoints.length > 0 ? await labelLanguageOf(manager, ids) : 'ja';
  await writeTenantEvent(
    manager,
    {
      tenantId: ids.tenantId,
      type: 'connection.status_changed',
      data: {
        userId: ids.userId,
        connectionId: ids.connectionId,
        sessionId: ids.sessionId,
        previousStatus: from,
        status: to,
        group: en.group,
        language,
        label: d(language).label,
        labels: { ja: d('ja').label, en: en.label, pl: d('pl').label },
        nextAction: en.action,
      },
    },
    endpoints,
    now,
  );
  if (aggregationStatusGroup(to) === 'waiting' && to.startsWith('suspended.')) {
    const event: TenantEvent = { tenantId: ids.tenantId, type: 'challenge.waiting', data: { userId: ids.userId, connectionId: ids.connectionId, status: to, sessionId: ids.sessionId } };
    await writeTenantEvent(manager, event, await subscribedEndpoints(manager, ids.tenantId, event.type, known), now);
  }
}
