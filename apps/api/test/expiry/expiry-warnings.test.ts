import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { newId } from '../../src/database/ids';
import { SyncScheduler } from '../../src/sync/sync-scheduler';
import { TenantsService } from '../../src/tenants/tenants.service';
import { UsersService } from '../../src/users/users.service';
import { WebhookWorker } from '../../src/webhooks/webhook-worker';
import { testSettings } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { FAST_SYNC, type SharedClock, sharedClock } from '../sync/harness';
import { type Receiver, eventually, startReceiver } from '../webhooks/receiver';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// The scheduler's rounds under a test clock: consent.expiring at 14, 7 and 1 days before
// expiry, once each, delivered to a webhook receiver on 127.0.0.1 that verifies every
// signature with the `standardwebhooks` package.
describe('consent-expiry warnings (consent.expiring) from the scheduler, with a test clock', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let clock: SharedClock;
  let ds: DataSource;
  let receiver: Receiver;
  let tenantId: string;
  let userId: string;
  const start = new Date('2026-04-01T08:00:00Z');

  const connectionWithConsent = async (expiresAt: Date, status = 'valid'): Promise<{ connectionId: string; consentId: string }> => {
    const connectionId = newId();
    const consentId = newId();
    await ds.query(
      `INSERT INTO connections (id, tenant_id, user_id, connector_id, bank_id, aggregation_status, aggregation_status_changed_at, deactivated) VALUES ($1, $2, $3, 'bca-none', 'bca-none', 'success', $4, false)`,
      [connectionId, tenantId, userId, start],
    );
    await ds.query(
      `INSERT INTO consents (id, tenant_id, user_id, connection_id, status, previous_status, create_date, expiration_date, max_history_days, scope, last_sca_at)
        VALUES ($1, $2, $3, $4, $5, 'received', $6, $7, 730, '{"data":["accounts"],"transactionKinds":["booked"]}'::jsonb, $6)`,
      [consentId, tenantId, userId, connectionId, status, start, expiresAt],
    );
    return { connectionId, consentId };
  };
  const roundAt = async (instant: Date): Promise<void> => {
    clock.set(instant);
    await app.get(SyncScheduler).planRound();
  };
  const storedEvents = async (): Promise<Array<{ consentId: string; daysBefore: number }>> =>
    (
      (await ds.query(`SELECT payload FROM webhook_events WHERE tenant_id = $1 AND type = 'consent.expiring' ORDER BY created_at, id`, [tenantId])) as Array<{
        payload: { data: { consentId: string; daysBefore: number } };
      }>
    ).map((r) => ({ consentId: r.payload.data.consentId, daysBefore: r.payload.data.daysBefore }));

  beforeAll(async () => {
    clock = sharedClock(start.toISOString());
    db = await createTestDatabase();
    receiver = await startReceiver();
    app = await createApp({
      settings: { settings: testSettings() },
      databaseUrl: db.url,
      logger: false,
      clock,
      syncSettings: FAST_SYNC,
      webhookSettings: { allowPrivateNetworks: true, retryLimit: 2, retryDelaySeconds: 1, pollingIntervalSeconds: 0.5, timeoutMs: 1_500, maxResponseBytes: 1024 },
    });
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    ds = app.get(DataSource);
    const boot = await app.get(TenantsService).bootstrap('Expiry tenant');
    tenantId = boot.tenant.id;
    userId = (await app.get(UsersService).create({ tenantId }, `expiry-${newId()}`)).id;
    const created = await fetch(`${base}/api/v2/tenant/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${boot.apiKey.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, eventTypes: ['consent.expiring'] }),
    });
    expect(created.status).toBe(201);
    receiver.secret = ((await created.json()) as { secret: string }).secret;
    await app.get(WebhookWorker).start();
  }, 60_000);
  afterAll(async () => {
    await receiver?.close();
    await app?.close();
    await db?.drop();
  });

  it('warns 14, 7 and 1 days before expiry, once each (nearest point first for a short consent), never for a consent not valid', async () => {
    const long = await connectionWithConsent(new Date(start.getTime() + 20 * DAY));
    const short = await connectionWithConsent(new Date(start.getTime() + 5 * DAY + HOUR));
    const revoked = await connectionWithConsent(new Date(start.getTime() + 3 * DAY), 'revokedByUser');
    // A connection whose older consent was replaced by a newer one (re-consent): only the newer counts.
    const renewed = await connectionWithConsent(new Date(start.getTime() + 2 * DAY));
    await ds.query(
      `INSERT INTO consents (id, tenant_id, user_id, connection_id, status, previous_status, create_date, expiration_date, max_history_days, scope, last_sca_at)
        VALUES ($1, $2, $3, $4, 'valid', 'received', $5, $6, 730, '{"data":["accounts"],"transactionKinds":["booked"]}'::jsonb, $5)`,
      [newId(), tenantId, userId, renewed.connectionId, new Date(start.getTime() + HOUR), new Date(start.getTime() + 180 * DAY)],
    );

    await roundAt(start); // short: 5 days left → the 7-day warning (the 14-day one is never sent)
    await roundAt(new Date(start.getTime() + HOUR)); // nothing new
    await roundAt(new Date(start.getTime() + 4 * DAY + 2 * HOUR)); // short: 23 h left → 1
    await roundAt(new Date(start.getTime() + 6 * DAY)); // long: 14 days left → 14
    await roundAt(new Date(start.getTime() + 6 * DAY + 12 * HOUR)); // nothing new
    await roundAt(new Date(start.getTime() + 13 * DAY)); // long → 7
    await roundAt(new Date(start.getTime() + 19 * DAY + HOUR)); // long → 1
    await roundAt(new Date(start.getTime() + 19 * DAY + 20 * HOUR)); // nothing new
    await roundAt(new Date(start.getTime() + 21 * DAY)); // expired: no warning

    const expected = [
      { consentId: short.consentId, daysBefore: 7 },
      { consentId: short.consentId, daysBefore: 1 },
      { consentId: long.consentId, daysBefore: 14 },
      { consentId: long.consentId, daysBefore: 7 },
      { consentId: long.consentId, daysBefore: 1 },
    ];
    expect(await storedEvents()).toEqual(expected);
    const rows = (await ds.query(`SELECT consent_id, days_before, sent_at FROM consent_expiry_warnings WHERE tenant_id = $1 ORDER BY sent_at`, [tenantId])) as Array<{
      consent_id: string;
      days_before: number;
      sent_at: Date;
    }>;
    expect(rows.map((r) => ({ consentId: r.consent_id, daysBefore: r.days_before }))).toEqual(expected);
    expect(rows.map((r) => r.sent_at.getTime())).toEqual([0, 4 * DAY + 2 * HOUR, 6 * DAY, 13 * DAY, 19 * DAY + HOUR].map((ms) => start.getTime() + ms));
    expect(rows.some((r) => r.consent_id === revoked.consentId || r.consent_id === renewed.consentId)).toBe(false);

    // Delivered to the receiver, signatures verified, each warning exactly once.
    const delivered = await eventually('5 warnings delivered', () => receiver.accepted('consent.expiring'), (r) => r.length >= 5);
    expect(delivered.map((r) => ({ consentId: r.data?.['consentId'], daysBefore: r.data?.['daysBefore'] })).sort((a, b) => `${String(a.consentId)}${String(a.daysBefore)}`.localeCompare(`${String(b.consentId)}${String(b.daysBefore)}`))).toEqual(
      [...expected].sort((a, b) => `${a.consentId}${a.daysBefore}`.localeCompare(`${b.consentId}${b.daysBefore}`)),
    );
    expect(new Set(delivered.map((r) => r.id)).size).toBe(5);
    const longWarning = delivered.find((r) => r.data?.['consentId'] === long.consentId);
    expect(longWarning?.data).toEqual({
      userId,
      connectionId: long.connectionId,
      consentId: long.consentId,
      expiresAt: new Date(start.getTime() + 20 * DAY).toISOString(),
      daysBefore: longWarning?.data?.['daysBefore'],
    });
  });
});
