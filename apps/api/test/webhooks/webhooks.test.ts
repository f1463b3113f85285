import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { StatusEvent } from '@kinko/domain';
import { createApp } from '../../src/app';
import { ConsentsService } from '../../src/consents/consents.service';
import { MetricsService } from '../../src/metrics/metrics.service';
import { moveConnection } from '../../src/sync/connection-status';
import { SyncService } from '../../src/sync/sync.service';
import { TenantsService } from '../../src/tenants/tenants.service';
import { emitTenantEvent } from '../../src/webhooks/tenant-events';
import { WebhookWorker } from '../../src/webhooks/webhook-worker';
import { testSettings } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { BANK_CODE, type Connected, FAST_SYNC, bankEntry, bankUser, connectUser, credentialsOf, startSandbox, startWorker, uniqueUserId, waitForSession } from '../sync/harness';
import { type Receiver, eventually, startReceiver } from './receiver';

// Webhooks over real HTTP on loopback and real PostgreSQL: a receiver verifies every
// signature with the `standardwebhooks` package; each cause is delivered exactly once.

const ALL_TYPES = ['connection.status_changed', 'sync.finished', 'transactions.changed', 'challenge.waiting', 'consent.expiring', 'consent.expired', 'consent.revoked', 'account.sync_failed'];

describe('webhooks', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let base: string;
  let apiKey: string;
  let tenantId: string;
  let ds: DataSource;
  const receivers: Receiver[] = [];
  const user = bankUser(uniqueUserId(), [{ transactions: 30, historyDays: 60 }]);

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> /* eslint-disable-line @typescript-eslint/no-explicit-any -- answers of several shapes */ => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };

  const register = async (receiver: Receiver, eventTypes = ALL_TYPES): Promise<string> => {
    const created = await api('POST', '/api/v2/tenant/webhooks', { url: receiver.url, eventTypes });
    expect(created.status).toBe(201);
    receiver.secret = created.json.secret;
    return created.json.id as string;
  };

  const receiver = async (): Promise<Receiver> => {
    const r = await startReceiver();
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox([user]);
    app = await createApp({
      settings: { settings: testSettings() },
      databaseUrl: db.url,
      logger: false,
      banks: [bankEntry(sandbox)],
      syncSettings: FAST_SYNC,
      webhookSettings: { allowPrivateNetworks: true, retryLimit: 2, retryDelaySeconds: 1, pollingIntervalSeconds: 0.5, timeoutMs: 1_500, maxResponseBytes: 1024 },
    });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    ds = app.get(DataSource);
    const boot = await app.get(TenantsService).bootstrap('Webhook tenant');
    apiKey = boot.apiKey.apiKey;
    tenantId = boot.tenant.id;
    await startWorker(app);
    await app.get(WebhookWorker).start();
  }, 60_000);

  afterAll(async () => {
    for (const r of receivers) await r.close();
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('registers, lists, updates, rotates and deletes endpoints; the secret is shown only at creation and rotation', async () => {
    const r = await receiver();
    const created = await api('POST', '/api/v2/tenant/webhooks', { url: r.url, eventTypes: ['sync.finished'], description: 'crud' });
    expect(created.status).toBe(201);
    expect(created.json.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const id = created.json.id as string;
    const listed = await api('GET', '/api/v2/tenant/webhooks');
    expect(listed.status).toBe(200);
    const mine = listed.json.items.find((e: { id: string }) => e.id === id);
    expect(mine).toMatchObject({ url: r.url, eventTypes: ['sync.finished'], enabled: true, disabledReason: null });
    expect(JSON.stringify(listed.json)).not.toContain(created.json.secret);
    expect(JSON.stringify((await api('GET', `/api/v2/tenant/webhooks/${id}`)).json)).not.toContain('whsec_');
    // Stored encrypted: the secret is nowhere in the row.
    const [row] = await ds.query(`SELECT * FROM webhook_endpoints WHERE id = $1`, [id]);
    expect(JSON.stringify(row)).not.toContain(created.json.secret.slice(6, 30));

    const updated = await api('PATCH', `/api/v2/tenant/webhooks/${id}`, { eventTypes: ['sync.finished', 'consent.revoked'] });
    expect(updated.status).toBe(200);
    expect(updated.json.eventTypes).toEqual(['sync.finished', 'consent.revoked']);
    const rotated = await api('POST', `/api/v2/tenant/webhooks/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).toMatch(/^whsec_/);
    expect(rotated.json.secret).not.toBe(created.json.secret);

    expect((await api('POST', '/api/v2/tenant/webhooks', { url: r.url, eventTypes: ['no.such'] })).status).toBe(400);
    expect((await api('POST', '/api/v2/tenant/webhooks', { url: r.url, eventTypes: [] })).status).toBe(400);
    expect((await api('DELETE', `/api/v2/tenant/webhooks/${id}`)).status).toBe(204);
    const gone = await api('GET', `/api/v2/tenant/webhooks/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json.type).toMatch(/not-found$/);
  });

  it('a sync: connection.status_changed for every move, sync.finished and transactions.changed, each exactly once, signed', async () => {
    const r = await receiver();
    await register(r);
    const c: Connected = await connectUser(app, sandbox, credentialsOf(user), { tenantId });
    const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    const sessionId = sessionIds[0]!;
    await waitForSession(app, c.scope, sessionId);
    const moves = (await ds.query(`SELECT previous_status, status FROM connection_status_history WHERE connection_id = $1 AND session_id = $2 ORDER BY changed_at, id`, [c.connectionId, sessionId])) as Array<{ previous_status: string; status: string }>;
    expect(moves.length).toBeGreaterThanOrEqual(3);
    await eventually('deliveries', () => r.accepted().length, (n) => n >= moves.length + 2);
    await new Promise((res) => setTimeout(res, 1_500)); // nothing more comes
    expect(r.received.every((x) => x.verified)).toBe(true);
    const ids = r.received.map((x) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
    const changes = r.accepted('connection.status_changed').map((x) => x.data!);
    // Deliveries are concurrent: the order of arrival is not the order of the moves (each payload has its timestamp).
    const pairs = (xs: Array<[unknown, unknown]>): string[] => xs.map((x) => x.join(' → ')).sort();
    expect(pairs(changes.map((d) => [d['previousStatus'], d['status']]))).toEqual(pairs(moves.map((m) => [m.previous_status, m.status])));
    expect(changes.find((d) => d['status'] === 'success')).toMatchObject({ userId: c.scope.userId, connectionId: c.connectionId, sessionId, status: 'success', group: 'ok' });
    expect(changes.find((d) => d['status'] === 'success')!['labels']).toEqual(expect.objectContaining({ ja: expect.any(String), en: expect.any(String), pl: expect.any(String) }));
    const finished = r.accepted('sync.finished');
    expect(finished).toHaveLength(1);
    expect(finished[0]!.data).toMatchObject({ sessionId, connectionId: c.connectionId, userId: c.scope.userId, status: 'completed' });
    // Counts per transaction kind, as the change feed shows them: every stored row of this new user was added by this session.
    const stored = (await ds.query(`SELECT kind, count(*)::int AS n FROM transactions WHERE user_id = $1 GROUP BY kind`, [c.scope.userId])) as Array<{ kind: string; n: number }>;
    const firstCounts = finished[0]!.data!['counts'] as Record<string, Record<string, number>>;
    expect(Object.keys(firstCounts).sort()).toEqual(['booked', 'cancelled', 'hold', 'pending', 'rejected', 'scheduled']);
    expect(stored.length).toBeGreaterThan(0);
    for (const kind of Object.keys(firstCounts)) {
      expect(firstCounts[kind]).toEqual({ added: stored.find((x) => x.kind === kind)?.n ?? 0, modified: 0, removed: 0 });
    }
    expect(r.accepted('transactions.changed').map((x) => x.data)).toEqual([{ userId: c.scope.userId, connectionId: c.connectionId, sessionId }]);
    // No bank data: no amounts, descriptions or account numbers in any payload.
    expect(JSON.stringify(r.received.map((x) => x.data))).not.toMatch(/amount|description|accountNumber|iban/i);

    // A second sync with nothing new: sync.finished again, no transactions.changed.
    const again = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    await waitForSession(app, c.scope, again.sessionIds[0]!);
    await eventually('second sync.finished', () => r.accepted('sync.finished').length, (n) => n === 2);
    await new Promise((res) => setTimeout(res, 1_000));
    expect(r.accepted('transactions.changed')).toHaveLength(1);
    const zero = { added: 0, modified: 0, removed: 0 };
    expect(r.accepted('sync.finished').find((x) => x.data!['sessionId'] === again.sessionIds[0])!.data!['counts']).toEqual(
      Object.fromEntries(Object.keys(firstCounts).map((k) => [k, zero])),
    );

    // The stored copy drifted from the bank: the newest booked row lost, the next one altered. The next
    // sync writes them back: one booked added and one booked modified, nothing else.
    const [newest, next] = (await ds.query(`SELECT id FROM transactions WHERE user_id = $1 AND kind = 'booked' ORDER BY transaction_date DESC, id LIMIT 2`, [c.scope.userId])) as Array<{ id: string }>;
    await ds.query(`DELETE FROM transactions WHERE id = $1`, [newest!.id]);
    await ds.query(`UPDATE transactions SET description = 'altered here' WHERE id = $1`, [next!.id]);
    const third = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    await waitForSession(app, c.scope, third.sessionIds[0]!);
    const thirdFinished = await eventually('third sync.finished', () => r.accepted('sync.finished').find((x) => x.data!['sessionId'] === third.sessionIds[0]), (x) => x !== undefined);
    expect(thirdFinished!.data!['counts']).toEqual({ ...Object.fromEntries(Object.keys(firstCounts).map((k) => [k, zero])), booked: { added: 1, modified: 1, removed: 0 } });
    await eventually('transactions.changed of the third sync', () => r.accepted('transactions.changed').length, (n) => n === 2);

    // The user withdraws the consent: consent.revoked (by the user), once.
    await app.get(ConsentsService).withdraw(c.scope, c.consentId, `user:${c.scope.userId}`);
    const revoked = await eventually('consent.revoked', () => r.accepted('consent.revoked'), (x) => x.length >= 1);
    await new Promise((res) => setTimeout(res, 1_000));
    expect(r.accepted('consent.revoked')).toHaveLength(1);
    expect(revoked[0]!.data).toEqual({ userId: c.scope.userId, connectionId: c.connectionId, consentId: c.consentId, by: 'user' });
  }, 90_000);

  it('challenge.waiting for a suspended.* status, and nothing for a rolled-back change', async () => {
    const r = await receiver();
    await register(r, ['challenge.waiting', 'account.sync_failed']);
    const c = await connectUser(app, sandbox, credentialsOf(user), { tenantId });
    const ids = { ...c.scope, connectionId: c.connectionId, sessionId: null };
    await ds.transaction((m) => moveConnection(m, ids, StatusEvent.refreshRequested(), new Date()));
    await ds.transaction((m) => moveConnection(m, ids, StatusEvent.challengeRaised('otp'), new Date()));
    const waiting = await eventually('challenge.waiting', () => r.accepted('challenge.waiting'), (x) => x.length === 1);
    expect(waiting[0]!.data).toEqual({ userId: c.scope.userId, connectionId: c.connectionId, status: 'suspended.missing-answer.auth.otp', sessionId: null });

    // Rolled back: neither the event nor its job exist, nothing is sent.
    const before = Number((await ds.query(`SELECT count(*)::int AS n FROM webhook_events WHERE tenant_id = $1`, [tenantId]))[0].n);
    await expect(
      ds.transaction(async (m) => {
        await emitTenantEvent(m, { tenantId, type: 'account.sync_failed', data: { userId: c.scope.userId, connectionId: c.connectionId, accountId: c.connectionId, sessionId: null, syncError: { errorType: 'x', executionId: 'y' } } });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(Number((await ds.query(`SELECT count(*)::int AS n FROM webhook_events WHERE tenant_id = $1`, [tenantId]))[0].n)).toBe(before);
    await new Promise((res) => setTimeout(res, 1_500));
    expect(r.received.filter((x) => x.type === 'account.sync_failed')).toHaveLength(0);
    expect(r.received).toHaveLength(1);
  }, 60_000);

  it('account.sync_failed once per account and session when its transactions fail; consent.expired once when found expired', async () => {
    const r = await receiver();
    await register(r, ['account.sync_failed', 'consent.expired']);
    const c = await connectUser(app, sandbox, credentialsOf(user), { tenantId, consentExpiresAt: new Date(Date.now() + 60 * 86_400_000) });
    const faults = sandbox.bank(BANK_CODE).knobs.faults;
    faults.set({ faultRates: { 'malformed-json': 1 }, operations: ['GET /transactions'] });
    try {
      const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
      await waitForSession(app, c.scope, sessionIds[0]!);
      const failed = await eventually('account.sync_failed', () => r.accepted('account.sync_failed'), (x) => x.length >= 1);
      await new Promise((res) => setTimeout(res, 1_500));
      const accounts = (await ds.query(`SELECT id, sync_error->>'errorType' AS error_type FROM bank_accounts WHERE connection_id = $1 AND sync_error IS NOT NULL`, [c.connectionId])) as Array<{ id: string; error_type: string }>;
      expect(accounts.length).toBeGreaterThan(0);
      expect(r.accepted('account.sync_failed')).toHaveLength(accounts.length);
      expect(failed.map((x) => x.data!['accountId']).sort()).toEqual(accounts.map((a) => a.id).sort());
      expect(failed[0]!.data).toMatchObject({ userId: c.scope.userId, connectionId: c.connectionId, sessionId: sessionIds[0], syncError: { errorType: accounts[0]!.error_type, executionId: sessionIds[0] } });
    } finally {
      faults.reset();
    }

    // A consent past its expiration, found so when read: consent.expired once (not again on the next read).
    const soon = await connectUser(app, sandbox, credentialsOf(user), { tenantId, consentExpiresAt: new Date(Date.now() + 1_000) });
    await new Promise((res) => setTimeout(res, 1_200));
    await app.get(ConsentsService).list(soon.scope);
    await app.get(ConsentsService).list(soon.scope);
    const expired = await eventually('consent.expired', () => r.accepted('consent.expired'), (x) => x.length >= 1);
    await new Promise((res) => setTimeout(res, 1_000));
    expect(r.accepted('consent.expired')).toHaveLength(1);
    expect(expired[0]!.data).toMatchObject({ userId: soon.scope.userId, connectionId: soon.connectionId, consentId: soon.consentId });
  }, 60_000);

  it('retries with backoff, then fails the delivery and disables the endpoint (reason in GET); redelivery after the fix', async () => {
    const r = await receiver();
    r.respond = (res) => {
      res.statusCode = 503;
      res.end('down');
    };
    const id = await register(r, ['consent.revoked']);
    // Delivery attempts by outcome (issue 20 §2): counted from here on.
    const deliveries = async (outcome: string): Promise<number> =>
      Number(new RegExp(`^kinko_webhook_deliveries_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(await app.get(MetricsService).render())?.[1] ?? 0);
    const [retryingBefore, failedBefore] = [await deliveries('retrying'), await deliveries('failed')];
    const c = await connectUser(app, sandbox, credentialsOf(user), { tenantId });
    await app.get(ConsentsService).withdraw(c.scope, c.consentId, 'user:test');
    // 1 attempt + 2 retries (retryLimit 2, 1 s then 2 s).
    const disabled = await eventually('endpoint disabled', async () => (await api('GET', `/api/v2/tenant/webhooks/${id}`)).json, (e) => e.enabled === false, 30_000);
    expect(disabled.disabledReason).toMatch(/kept failing since .*\(3 attempts of delivery .*; last: answered 503\)/);
    expect(r.received.map((x) => x.status)).toEqual([503, 503, 503]);
    expect(new Set(r.received.map((x) => x.id)).size).toBe(1);
    const log = await api('GET', `/api/v2/tenant/webhooks/${id}/deliveries`);
    expect(log.status).toBe(200);
    expect(log.json.items).toHaveLength(1);
    const delivery = log.json.items[0];
    expect(delivery).toMatchObject({ eventType: 'consent.revoked', status: 'failed', eventId: r.received[0]!.id });
    expect(delivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([503, 503, 503]);
    expect([(await deliveries('retrying')) - retryingBefore, (await deliveries('failed')) - failedBefore]).toEqual([2, 1]);
    for (const a of delivery.attempts) expect(a.latencyMs).toBeGreaterThanOrEqual(0);
    const gaps = delivery.attempts.map((a: { at: string }) => Date.parse(a.at)).map((t: number, i: number, all: number[]) => (i === 0 ? 0 : t - all[i - 1]!));
    expect(gaps[2]).toBeGreaterThan(gaps[1]); // exponential
    expect(JSON.stringify(log.json)).not.toContain('whsec_');

    // Fixed, re-enabled, redelivered: the same event id, accepted once.
    r.respond = (res) => {
      res.statusCode = 204;
      res.end();
    };
    expect((await api('PATCH', `/api/v2/tenant/webhooks/${id}`, { enabled: true })).json).toMatchObject({ enabled: true, disabledReason: null });
    const again = await api('POST', `/api/v2/tenant/webhooks/${id}/deliveries/${delivery.id}/redeliver`);
    expect(again.status).toBe(202);
    await eventually('redelivered', () => r.accepted('consent.revoked'), (x) => x.length === 1);
    expect(r.accepted('consent.revoked')[0]!.id).toBe(delivery.eventId);
    const after = await eventually('delivery succeeded', async () => (await api('GET', `/api/v2/tenant/webhooks/${id}/deliveries`)).json.items, (items) => items[0]?.status === 'succeeded');
    expect(after).toHaveLength(2);
    expect((await api('POST', `/api/v2/tenant/webhooks/${id}/deliveries/${c.connectionId}/redeliver`)).status).toBe(404);
  }, 60_000);

  it('follows no redirect, reads a bounded answer and gives up on a silent endpoint', async () => {
    const target = await receiver();
    const r = await receiver();
    r.respond = (res) => {
      res.statusCode = 302;
      res.setHeader('location', target.url);
      res.end();
    };
    const id = await register(r, ['consent.revoked']);
    const c = await connectUser(app, sandbox, credentialsOf(user), { tenantId });
    await app.get(ConsentsService).withdraw(c.scope, c.consentId, 'user:test');
    const items = await eventually('first attempt', async () => (await api('GET', `/api/v2/tenant/webhooks/${id}/deliveries`)).json.items, (x) => x[0]?.attempts.length >= 1);
    expect(items[0].attempts[0]).toMatchObject({ statusCode: 302, error: 'redirect not followed' });
    expect(target.received).toHaveLength(0);
    await api('DELETE', `/api/v2/tenant/webhooks/${id}`);

    // A huge answer: read up to the bound, the 200 still counts. A silent one: the timeout.
    const big = await receiver();
    big.respond = (res) => {
      res.statusCode = 200;
      res.write(Buffer.alloc(64 * 1024, 120));
      // never ended: only the bound ends the read
    };
    const silent = await receiver();
    silent.respond = () => undefined;
    const bigId = await register(big, ['consent.revoked']);
    const silentId = await register(silent, ['consent.revoked']);
    const c2 = await connectUser(app, sandbox, credentialsOf(user), { tenantId });
    await app.get(ConsentsService).withdraw(c2.scope, c2.consentId, 'user:test');
    const bigLog = await eventually('big answer', async () => (await api('GET', `/api/v2/tenant/webhooks/${bigId}/deliveries`)).json.items, (x) => x[0]?.status === 'succeeded');
    expect(bigLog[0].attempts[0]).toMatchObject({ statusCode: 200, error: null });
    const silentLog = await eventually('silent', async () => (await api('GET', `/api/v2/tenant/webhooks/${silentId}/deliveries`)).json.items, (x) => x[0]?.attempts.length >= 1);
    expect(silentLog[0].attempts[0]).toMatchObject({ statusCode: null, error: 'no answer within 1500 ms' });
    expect(silentLog[0].attempts[0].latencyMs).toBeGreaterThanOrEqual(1_400);
    await api('DELETE', `/api/v2/tenant/webhooks/${bigId}`);
    await api('DELETE', `/api/v2/tenant/webhooks/${silentId}`);
  }, 60_000);
});
