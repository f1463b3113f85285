import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { SyncService } from '../../src/sync/sync.service';
import { TenantsService } from '../../src/tenants/tenants.service';
import { testSettings } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { BANK_CODE, type Connected, FAST_SYNC, bankEntry, bankUser, connectUser, credentialsOf, startSandbox, startWorker, uniqueUserId, waitForSession } from '../sync/harness';
import { type Receiver, startReceiver } from './receiver';

// Issue 19 (STMT): a sync session reads the tenant's webhook endpoints with statements it makes
// anyway (its connection moves, its end) instead of a SELECT of their own — still in the
// transaction of each event, so an endpoint registered or deleted while a session runs takes
// effect from the session's next event on (not from its next session).
describe('webhooks: endpoints changed while a session runs', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let base: string;
  let apiKey: string;
  let tenantId: string;
  let ds: DataSource;
  let receiver: Receiver;
  let c: Connected;
  const user = bankUser(uniqueUserId(), [
    { transactions: 20, historyDays: 60 },
    { transactions: 10, historyDays: 60 },
  ]);

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: { id?: string } | undefined }> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as { id?: string }) : undefined };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox([user]);
    receiver = await startReceiver();
    app = await createApp({
      settings: { settings: testSettings() },
      databaseUrl: db.url,
      logger: false,
      banks: [bankEntry(sandbox)],
      syncSettings: FAST_SYNC,
      webhookSettings: { allowPrivateNetworks: true, retryLimit: 0, retryDelaySeconds: 1, pollingIntervalSeconds: 0.5, timeoutMs: 1_500, maxResponseBytes: 1024 },
    });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    ds = app.get(DataSource);
    const boot = await app.get(TenantsService).bootstrap('Endpoints tenant');
    apiKey = boot.apiKey.apiKey;
    tenantId = boot.tenant.id;
    await startWorker(app);
    c = await connectUser(app, sandbox, credentialsOf(user), { tenantId });
    // The first sync, with no endpoint.
    const first = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    await waitForSession(app, c.scope, first.sessionIds[0]!);
  }, 90_000);

  afterAll(async () => {
    await receiver?.close();
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  /** The events of a session queued for an endpoint: the status moves (`from→to`) and the other types, sorted. */
  const eventsFor = async (endpointId: string, sessionId: string): Promise<string[]> => {
    const rows = (await ds.query(
      `SELECT e.type, e.payload->'data'->>'previousStatus' AS previous, e.payload->'data'->>'status' AS status
         FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
        WHERE d.endpoint_id = $1 AND e.payload->'data'->>'sessionId' = $2 ORDER BY e.created_at, e.id`,
      [endpointId, sessionId],
    )) as Array<{ type: string; previous: string | null; status: string | null }>;
    // Sorted: the session's end and its last move share one instant.
    return rows.map((r) => (r.type === 'connection.status_changed' ? `${r.previous}→${r.status}` : r.type)).sort();
  };

  /** Starts a session with the bank slow, and runs `meanwhile` once its connection is running.data (the data stage's requests still to come). */
  const sessionWith = async (meanwhile: () => Promise<void>): Promise<string> => {
    sandbox.bank(BANK_CODE).knobs.faults.setLatency(400);
    try {
      const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
      const sessionId = sessionIds[0]!;
      for (const deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 20))) {
        const [row] = (await ds.query(`SELECT aggregation_status FROM connections WHERE id = $1`, [c.connectionId])) as Array<{ aggregation_status: string }>;
        if (row?.aggregation_status === 'running.data') break;
        if (Date.now() > deadline) throw new Error(`the session did not reach running.data (status ${row?.aggregation_status})`);
      }
      await meanwhile();
      await waitForSession(app, c.scope, sessionId);
      return sessionId;
    } finally {
      sandbox.bank(BANK_CODE).knobs.faults.setLatency(0);
    }
  };

  it('an endpoint registered mid-session gets the session\'s next events; one deleted mid-session gets none after', async () => {
    let endpointId = '';
    const added = await sessionWith(async () => {
      const created = await api('POST', '/api/v2/tenant/webhooks', { url: receiver.url, eventTypes: ['connection.status_changed', 'sync.finished'] });
      expect(created.status).toBe(201);
      endpointId = created.json!.id!;
    });
    // The moves before the registration (running.auth, running.data) went to no endpoint; the ones after, and the end, to this one.
    expect(await eventsFor(endpointId, added)).toEqual(['running.data→running.intelligence', 'running.intelligence→success', 'sync.finished'].sort());

    const deleted = await sessionWith(async () => {
      expect((await api('DELETE', `/api/v2/tenant/webhooks/${endpointId}`)).status).toBe(204);
    });
    const [gone] = (await ds.query(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE id = $1`, [endpointId])) as Array<{ n: number }>;
    expect(gone?.n).toBe(0);
    // Deleted with its deliveries, or kept with those queued before the deletion: none after it.
    const after = await eventsFor(endpointId, deleted);
    expect(after.filter((e) => e === 'running.data→running.intelligence' || e === 'running.intelligence→success' || e === 'sync.finished')).toEqual([]);
  }, 90_000);
});
