import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { decodeJwt } from 'jose';
import { createTestApp } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { problemType } from '../http/problem';
import { TenantsService } from '../tenants/tenants.service';

describe('tenant API: users and user tokens', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let auth: { authorization: string };
  let otherAuth: { authorization: string };

  const post = (url: string, body: unknown, headers = auth) =>
    app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  const get = (url: string, headers: Record<string, string> = auth) => app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db);
    auth = { authorization: `Bearer ${(await app.get(TenantsService).bootstrap('Acme')).apiKey.apiKey}` };
    otherAuth = { authorization: `Bearer ${(await app.get(TenantsService).bootstrap('Other')).apiKey.apiKey}` };
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('creates a user and reads it back', async () => {
    const res = await post('/api/v2/tenant/users', { externalId: 'customer-1' });
    expect(res.statusCode).toBe(201);
    const user = res.json<{ id: string; externalId: string; createdAt: string }>();
    expect(user).toMatchObject({ externalId: 'customer-1' });
    expect((await get(`/api/v2/tenant/users/${user.id}`)).json()).toEqual(user);
    // Another tenant neither sees it nor is blocked by its external id.
    expect((await get(`/api/v2/tenant/users/${user.id}`, otherAuth)).statusCode).toBe(404);
    expect((await post('/api/v2/tenant/users', { externalId: 'customer-1' }, otherAuth)).statusCode).toBe(201);
  });

  it('answers 409 external-id-taken problem+json for a duplicate external id', async () => {
    await post('/api/v2/tenant/users', { externalId: 'dup' });
    const res = await post('/api/v2/tenant/users', { externalId: 'dup' });
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ type: problemType('external-id-taken'), status: 409, detail: 'A user with externalId "dup" already exists.' });
  });

  it('validates the body at the edge, naming each field and why', async () => {
    const missing = await post('/api/v2/tenant/users', {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ type: problemType('validation'), errors: [{ field: 'externalId', reason: expect.stringMatching(/externalId must be a string/) }] });

    const unknown = await post('/api/v2/tenant/users', { externalId: 'ok', admin: true });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<{ errors: unknown[] }>().errors).toEqual([{ field: 'admin', reason: 'admin is not a known field' }]);

    const wrongType = await post('/api/v2/tenant/users', { externalId: 42 });
    expect(wrongType.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toEqual(['externalId']);

    const noBody = await app.inject({ method: 'POST', url: '/api/v2/tenant/users', headers: auth });
    expect(noBody.statusCode).toBe(400);
    expect(noBody.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toEqual(['externalId']);
  });

  it('lists users with keyset pagination', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i += 1) created.push((await post('/api/v2/tenant/users', { externalId: `page-${i}` })).json<{ id: string }>().id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = (await get(`/api/v2/tenant/users?limit=2${cursor ? `&after=${cursor}` : ''}`)).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((u) => u.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(created));
    expect(new Set(seen).size).toBe(seen.length);
    const bad = await get('/api/v2/tenant/users?limit=1000');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toEqual(['limit']);
  });

  it('mints a short-lived user token that opens the user API for that user only', async () => {
    const user = (await post('/api/v2/tenant/users', { externalId: 'token-user' })).json<{ id: string }>();
    const res = await post(`/api/v2/tenant/users/${user.id}/tokens`, {});
    expect(res.statusCode).toBe(201);
    const minted = res.json<{ token: string; tokenType: string; expiresAt: string }>();
    expect(minted.tokenType).toBe('Bearer');
    const lifetime = Date.parse(minted.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(14 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(15 * 60_000);
    expect(decodeJwt(minted.token).sub).toBe(user.id);
    const connections = await get('/api/v2/connections', { authorization: `Bearer ${minted.token}` });
    expect(connections.statusCode).toBe(200);
    expect(connections.json()).toEqual([]);

    const custom = (await post(`/api/v2/tenant/users/${user.id}/tokens`, { ttlSeconds: 120 })).json<{ expiresAt: string }>();
    expect(Date.parse(custom.expiresAt) - Date.now()).toBeLessThanOrEqual(120_000);
    expect((await post(`/api/v2/tenant/users/${user.id}/tokens`, { ttlSeconds: 10 })).statusCode).toBe(400);
    // Not for another tenant's user; and a malformed id is just not found.
    expect((await post(`/api/v2/tenant/users/${user.id}/tokens`, {}, otherAuth)).statusCode).toBe(404);
    expect((await post('/api/v2/tenant/users/not-a-uuid/tokens', {})).json()).toMatchObject({ type: problemType('not-found') });
  });
});
