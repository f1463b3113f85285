import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { problemType } from '../../src/http/problem';
import { TenantsService } from '../../src/tenants/tenants.service';
import { type Reply, readReply } from '../support/http-reply';
import { createTestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

interface KeyView {
  id: string;
  prefix: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  apiKey?: string;
}

// Issue 15 §7: API keys are created (with a label), listed (prefix, label, created, last used)
// and revoked through the tenant API; a revoked key stops at once on every process.
describe('tenant API: API keys', () => {
  let db: TestDatabase;
  let one: NestFastifyApplication;
  let two: NestFastifyApplication;
  let baseOne: string;
  let baseTwo: string;
  let key: string;
  let otherKey: string;

  const call = async <T>(base: string, method: string, path: string, apiKey: string, body?: unknown): Promise<Reply<T>> =>
    readReply<T>(
      await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }),
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    // Two processes' worth of apps on one database.
    one = await createTestApp(db);
    two = await createTestApp(db);
    await one.listen(0, '127.0.0.1');
    await two.listen(0, '127.0.0.1');
    baseOne = await one.getUrl();
    baseTwo = await two.getUrl();
    key = (await one.get(TenantsService).bootstrap('Acme')).apiKey.apiKey;
    otherKey = (await one.get(TenantsService).bootstrap('Other')).apiKey.apiKey;
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await db?.drop();
  });

  it('creates a key with a label, shows the whole key only in that answer, and lists prefix, label, created and last used', async () => {
    const created = await call<KeyView>(baseOne, 'POST', '/api/v2/tenant/api-keys', key, { label: 'billing backend' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ label: 'billing backend', lastUsedAt: null, revokedAt: null });
    expect(created.json.apiKey).toMatch(new RegExp(`^kinko_${created.json.prefix}_[A-Za-z0-9_-]{43}$`));

    const before = await call<{ items: KeyView[] }>(baseOne, 'GET', '/api/v2/tenant/api-keys', key);
    expect(before.status).toBe(200);
    expect(before.json.items.map((k) => k.label)).toEqual(['bootstrap', 'billing backend']);
    const listed = before.json.items.find((k) => k.id === created.json.id);
    expect(listed).toEqual({ id: created.json.id, prefix: created.json.prefix, label: 'billing backend', createdAt: created.json.createdAt, lastUsedAt: null, revokedAt: null });
    // No listing ever carries a secret.
    expect(before.text).not.toContain(created.json.apiKey as string);
    expect(before.json.items.every((k) => !('apiKey' in k))).toBe(true);

    // Using the new key stamps its last use.
    expect((await call(baseTwo, 'GET', '/api/v2/tenant', created.json.apiKey as string)).status).toBe(200);
    const after = await call<{ items: KeyView[] }>(baseOne, 'GET', '/api/v2/tenant/api-keys', key);
    const used = after.json.items.find((k) => k.id === created.json.id);
    expect(used?.lastUsedAt).not.toBeNull();
    expect(Date.now() - Date.parse(used?.lastUsedAt as string)).toBeLessThan(60_000);
  });

  it('writes the last use at most once a minute, not on every request', async () => {
    const created = await call<KeyView>(baseOne, 'POST', '/api/v2/tenant/api-keys', key, { label: 'stamp' });
    const k = created.json.apiKey as string;
    await call(baseOne, 'GET', '/api/v2/tenant', k);
    const stamp = async (): Promise<string> =>
      ((await db.dataSource.query('select last_used_at::text as t from api_keys where id = $1', [created.json.id])) as { t: string }[])[0]?.t as string;
    const first = await stamp();
    for (let i = 0; i < 3; i++) await call(baseTwo, 'GET', '/api/v2/tenant', k);
    expect(await stamp()).toBe(first);
    // A minute later (moved in the database), the next request writes it again.
    await db.dataSource.query(`update api_keys set last_used_at = last_used_at - interval '2 minutes' where id = $1`, [created.json.id]);
    const aged = await stamp();
    await call(baseOne, 'GET', '/api/v2/tenant', k);
    expect(await stamp()).not.toBe(aged);
  });

  it('revokes a key: it stops at once on every process, stays listed as revoked, and a second revoke is a 404', async () => {
    const created = await call<KeyView>(baseOne, 'POST', '/api/v2/tenant/api-keys', key, { label: 'to revoke' });
    const victim = created.json.apiKey as string;
    // Both processes have just accepted it.
    expect((await call(baseOne, 'GET', '/api/v2/tenant', victim)).status).toBe(200);
    expect((await call(baseTwo, 'GET', '/api/v2/tenant', victim)).status).toBe(200);

    const revoked = await call(baseOne, 'DELETE', `/api/v2/tenant/api-keys/${created.json.id}`, key);
    expect(revoked.status).toBe(204);
    for (const base of [baseOne, baseTwo]) {
      const refused = await call(base, 'GET', '/api/v2/tenant', victim);
      expect(refused.status).toBe(401);
      expect(refused.json).toMatchObject({ type: problemType('unauthorized') });
    }
    const listed = (await call<{ items: KeyView[] }>(baseTwo, 'GET', '/api/v2/tenant/api-keys', key)).json.items.find((k) => k.id === created.json.id);
    expect(listed?.revokedAt).not.toBeNull();
    expect((await call(baseTwo, 'DELETE', `/api/v2/tenant/api-keys/${created.json.id}`, key)).json).toMatchObject({ status: 404, type: problemType('not-found') });
    // The calling key itself keeps working.
    expect((await call(baseTwo, 'GET', '/api/v2/tenant', key)).status).toBe(200);
  });

  it("another tenant neither sees nor revokes a tenant's keys (404, nothing changed)", async () => {
    const created = await call<KeyView>(baseOne, 'POST', '/api/v2/tenant/api-keys', key, { label: 'mine' });
    const theirs = await call<{ items: KeyView[] }>(baseOne, 'GET', '/api/v2/tenant/api-keys', otherKey);
    expect(theirs.json.items.map((k) => k.id)).not.toContain(created.json.id);
    expect(theirs.json.items).toHaveLength(1);
    const refused = await call(baseOne, 'DELETE', `/api/v2/tenant/api-keys/${created.json.id}`, otherKey);
    expect(refused.status).toBe(404);
    expect((await call(baseOne, 'GET', '/api/v2/tenant', created.json.apiKey as string)).status).toBe(200);
    expect((await call(baseOne, 'DELETE', '/api/v2/tenant/api-keys/not-a-uuid', key)).status).toBe(404);
  });

  it('refuses a label that is missing, blank or too long (400 validation problem)', async () => {
    for (const body of [{}, { label: '' }, { label: ' padded ' }, { label: 'x'.repeat(201) }, { label: 7 }]) {
      const res = await call(baseOne, 'POST', '/api/v2/tenant/api-keys', key, body);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ type: problemType('validation'), errors: [{ field: 'label' }] });
    }
  });
});
