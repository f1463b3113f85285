import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AggregationStatus, StatusEvent, describeStatus } from '@kinko/domain';
import { UserTokensService } from '../../src/auth/user-tokens.service';
import { moveConnection } from '../../src/sync/connection-status';
import { TenantsService } from '../../src/tenants/tenants.service';
import { WebhookWorker } from '../../src/webhooks/webhook-worker';
import { type LinkWorld, LinkBrowser, connectWithCredentials, credentialsOf, reachStatus, startLinkWorld } from '../link/harness';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type Receiver, eventually, startReceiver } from './receiver';

// The user's language (issue 14 §2: connection.status_changed's label "in the user's
// language"): set by the tenant through the API (create, PATCH), remembered when the user
// picks a language on the Link pages, and used for the event's `label` (Japanese when none).
// Real PostgreSQL, the app and a standardwebhooks-verifying receiver over loopback.

describe('the user language and connection.status_changed labels', () => {
  let db: TestDatabase;
  let world: LinkWorld;
  let r: Receiver;

  const tenantApi = async (apiKey: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> /* eslint-disable-line @typescript-eslint/no-explicit-any -- answers of several shapes */ => {
    const res = await fetch(`${world.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const api = (method: string, path: string, body?: unknown) => tenantApi(world.apiKey, method, path, body);
  const statusEvents = (connectionId: string) => r.accepted('connection.status_changed').filter((x) => x.data?.['connectionId'] === connectionId);

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await startLinkWorld(db, { webhookSettings: { allowPrivateNetworks: true, retryLimit: 1, retryDelaySeconds: 1, pollingIntervalSeconds: 0.5, timeoutMs: 2_000 } });
    await world.app.get(WebhookWorker).start();
    r = await startReceiver();
    const created = await api('POST', '/api/v2/tenant/webhooks', { url: r.url, eventTypes: ['connection.status_changed'] });
    expect(created.status).toBe(201);
    r.secret = created.json.secret;
  }, 60_000);
  afterAll(async () => {
    await r?.close();
    await world?.close();
    await db?.drop();
  });

  it('the tenant sets it at creation and with PATCH; a bad value is a 400 problem; another tenant’s user is a 404', async () => {
    const created = await api('POST', '/api/v2/tenant/users', { externalId: 'lang-en', language: 'en' });
    expect(created.status).toBe(201);
    expect(created.json.language).toBe('en');
    expect((await api('GET', `/api/v2/tenant/users/${created.json.id}`)).json.language).toBe('en');
    const plain = await api('POST', '/api/v2/tenant/users', { externalId: 'lang-none' });
    expect(plain.json.language).toBeNull();

    const bad = await api('POST', '/api/v2/tenant/users', { externalId: 'lang-de', language: 'de' });
    expect(bad.status).toBe(400);
    expect(bad.json.type).toMatch(/validation$/);
    expect((await api('PATCH', `/api/v2/tenant/users/${created.json.id}`, { language: 'xx' })).status).toBe(400);
    expect((await api('PATCH', `/api/v2/tenant/users/${created.json.id}`, {})).status).toBe(400);

    const patched = await api('PATCH', `/api/v2/tenant/users/${created.json.id}`, { language: 'pl' });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ id: created.json.id, externalId: 'lang-en', language: 'pl' });
    expect((await api('PATCH', `/api/v2/tenant/users/${created.json.id}`, { language: null })).json.language).toBeNull();

    const other = await world.app.get(TenantsService).bootstrap('Another tenant');
    const foreign = await tenantApi(other.apiKey.apiKey, 'PATCH', `/api/v2/tenant/users/${created.json.id}`, { language: 'ja' });
    expect(foreign.status).toBe(404);
    expect((await api('GET', `/api/v2/tenant/users/${created.json.id}`)).json.language).toBeNull();
  });

  it('labels connection.status_changed in the user’s language: ja by default, then the language the tenant set', async () => {
    const login = await connectWithCredentials(world, credentialsOf(world.netbank, 'happy'));
    const { connectionId } = login;
    await reachStatus(world, connectionId, 'success');
    const first = await eventually('status events', () => statusEvents(connectionId), (x) => x.some((e) => e.data!['status'] === 'success'));
    for (const e of first) {
      expect(e.data).toMatchObject({ language: 'ja', label: describeStatus(e.data!['status'] as AggregationStatus, 'ja').label });
    }

    // The tenant sets English, then Polish: each next move is labelled in it.
    expect((await api('PATCH', `/api/v2/tenant/users/${world.scope.userId}`, { language: 'en' })).status).toBe(200);
    const ids = { ...world.scope, connectionId, sessionId: null };
    await world.ds.transaction((m) => moveConnection(m, ids, StatusEvent.refreshRequested(), new Date()));
    const en = await eventually('an English event', () => statusEvents(connectionId).filter((e) => e.data!['language'] === 'en'), (x) => x.length === 1);
    const enStatus = en[0]!.data!['status'] as AggregationStatus;
    expect(en[0]!.data!['label']).toBe(describeStatus(enStatus, 'en').label);
    expect(en[0]!.data!['label']).not.toBe(describeStatus(enStatus, 'ja').label);

    expect((await api('PATCH', `/api/v2/tenant/users/${world.scope.userId}`, { language: 'pl' })).status).toBe(200);
    await world.ds.transaction((m) => moveConnection(m, ids, StatusEvent.challengeRaised('otp'), new Date()));
    const pl = await eventually('a Polish event', () => statusEvents(connectionId).filter((e) => e.data!['language'] === 'pl'), (x) => x.length === 1);
    expect(pl[0]!.data!['label']).toBe(describeStatus(pl[0]!.data!['status'] as AggregationStatus, 'pl').label);
    expect(r.received.every((x) => x.verified)).toBe(true);
  }, 90_000);

  it('remembers the language the user picks on a Link page', async () => {
    const user = await api('POST', '/api/v2/tenant/users', { externalId: 'picks-on-link', language: 'ja' });
    const token = (await world.app.get(UserTokensService).mint({ tenantId: world.scope.tenantId, userId: user.json.id }, 900, world.clock.now())).token;
    const browser = new LinkBrowser(world.base);
    await browser.enter(token);
    expect((await api('GET', `/api/v2/tenant/users/${user.json.id}`)).json.language).toBe('ja'); // no pick yet (no ?lang=)
    expect((await browser.get('/link/vault?lang=en')).status).toBe(200);
    expect((await api('GET', `/api/v2/tenant/users/${user.json.id}`)).json.language).toBe('en');
    expect((await browser.get('/link/vault')).status).toBe(200); // the remembered cookie alone is no new pick
    expect((await api('GET', `/api/v2/tenant/users/${user.json.id}`)).json.language).toBe('en');
  });
});
