import { EXPIRY_WARNING_DAYS, transactionKinds } from '@kinko/domain';
import type { OpenAPIObject } from '@nestjs/swagger';
import { LANGUAGES } from '../http/language';
import { transactionChangeKinds } from '../transactions/transaction-change.entity';
import { type TenantEventType, tenantEventTypes } from './tenant-events';

type Schema = Record<string, unknown>;

const id = (description: string): Schema => ({ type: 'string', format: 'uuid', description });
const USER = id('The user.');
const CONNECTION = id('The connection.');
const SESSION = id('The sync session.');
/** OpenAPI 3.1 (JSON Schema): null is one of the types. */
const nullable = (s: Schema): Schema => ({ ...s, type: [s['type'], 'null'] });
const KIND_COUNTS: Schema = {
  type: 'object',
  required: [...transactionChangeKinds],
  properties: Object.fromEntries(transactionChangeKinds.map((change) => [change, { type: 'integer', minimum: 0 }])),
};

/** The `data` of each event type (tenant-events.ts `TenantEventData`, as JSON Schema). */
const DATA: Readonly<Record<TenantEventType, { description: string; properties: Record<string, Schema> }>> = {
  'connection.status_changed': {
    description: "A connection's aggregation status moved (one event per move).",
    properties: {
      userId: USER,
      connectionId: CONNECTION,
      sessionId: nullable(SESSION),
      previousStatus: { type: 'string', description: 'The aggregation_status before.' },
      status: { type: 'string', description: 'The aggregation_status now.' },
      group: { type: 'string', description: "The status's group." },
      language: { type: 'string', enum: [...LANGUAGES], description: "The user's language (set by the tenant on the user, or picked by the user on the Link pages; ja when none)." },
      label: { type: 'string', description: "The status label in the user's language." },
      labels: { type: 'object', description: 'The status label in each language (ja, en, pl).', properties: { ja: { type: 'string' }, en: { type: 'string' }, pl: { type: 'string' } }, required: ['ja', 'en', 'pl'] },
      nextAction: { type: 'string', description: 'What the user should do next.' },
    },
  },
  'sync.finished': {
    description: 'A sync session ended (once per session).',
    properties: {
      userId: USER,
      connectionId: CONNECTION,
      sessionId: SESSION,
      status: { type: 'string', description: "The session's status." },
      counts: {
        type: 'object',
        description: "The session's changes to the user's transactions per transaction kind, as the change feed shows them: added, modified, removed (deleted, or superseded by the booked successor).",
        required: [...transactionKinds],
        properties: Object.fromEntries(transactionKinds.map((kind) => [kind, KIND_COUNTS])),
      },
    },
  },
  'transactions.changed': {
    description: 'The session wrote transactions: the user has new entries in GET /api/v2/transactions/sync (once per session).',
    properties: { userId: USER, connectionId: CONNECTION, sessionId: SESSION },
  },
  'challenge.waiting': {
    description: 'A `suspended.*` status: the user must answer a challenge.',
    properties: { userId: USER, connectionId: CONNECTION, status: { type: 'string' }, sessionId: nullable(SESSION) },
  },
  'consent.expiring': {
    description: 'A consent expires in 14, 7 or 1 days (once each).',
    properties: { userId: USER, connectionId: CONNECTION, consentId: id('The consent.'), expiresAt: { type: 'string', format: 'date-time' }, daysBefore: { type: 'integer', enum: [...EXPIRY_WARNING_DAYS] } },
  },
  'consent.expired': {
    description: 'A consent expired.',
    properties: { userId: USER, connectionId: CONNECTION, consentId: id('The consent.'), expiredAt: { type: 'string', format: 'date-time' } },
  },
  'consent.revoked': {
    description: 'A consent was revoked, by the user or the bank.',
    properties: { userId: USER, connectionId: CONNECTION, consentId: id('The consent.'), by: { type: 'string', enum: ['user', 'bank'] } },
  },
  'account.sync_failed': {
    description: "An account's sync failed (its syncError; once per session).",
    properties: {
      userId: USER,
      connectionId: CONNECTION,
      accountId: id('The account.'),
      sessionId: nullable(SESSION),
      syncError: { type: 'object', properties: { errorType: { type: 'string' }, executionId: { type: 'string' } }, required: ['errorType', 'executionId'] },
    },
  },
};

const header = (name: string, description: string): Schema => ({ name, in: 'header', required: true, description, schema: { type: 'string' } });

/**
 * Describes every webhook payload as a callback of `POST /api/v2/tenant/webhooks` (the
 * document is OpenAPI 3.0: callbacks, not 3.1's `webhooks`): the Standard Webhooks headers
 * and a body `{ type, timestamp, data }` per event type.
 */
export function describeWebhookCallbacks(document: OpenAPIObject): void {
  const operation = document.paths['/api/v2/tenant/webhooks']?.post;
  if (!operation) return;
  const callbacks: Record<string, unknown> = {};
  for (const type of tenantEventTypes) {
    const data = DATA[type];
    callbacks[type] = {
      '{$request.body#/url}': {
        post: {
          summary: type,
          description: `${data.description} Signed per Standard Webhooks (verify with the endpoint's secret, e.g. the standardwebhooks package); retried with exponential backoff for about a day; the same webhook-id on every retry and redelivery.`,
          parameters: [
            header('webhook-id', 'The event id (deduplicate on it).'),
            header('webhook-timestamp', 'Unix seconds of this attempt.'),
            header('webhook-signature', 'v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">'),
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['type', 'timestamp', 'data'],
                  properties: {
                    type: { type: 'string', enum: [type] },
                    timestamp: { type: 'string', format: 'date-time', description: 'When the change happened.' },
                    data: { type: 'object', required: Object.keys(data.properties), properties: data.properties },
                  },
                },
              },
            },
          },
          // Kinko sends it: no credential of the tenant's; the signature headers authenticate it.
          security: [],
          responses: {
            '2XX': { description: 'Received. Anything else (or no answer within the timeout, or a redirect) is retried.' },
            '4XX': { description: 'Not received: retried like any answer other than 2XX.' },
          },
        },
      },
    };
  }
  (operation as { callbacks?: unknown }).callbacks = callbacks;
}
