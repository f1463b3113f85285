import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { loadSettings } from '../../src/config/settings';
import { UserTokensService } from '../../src/auth/user-tokens.service';
import { problemType } from '../../src/http/problem';
import { TenantsService } from '../../src/tenants/tenants.service';
import { UsersService } from '../../src/users/users.service';
import { type Reply, readReply } from '../support/http-reply';
import { createTestApp, testSettings } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Issue 15 §4: rate limits per tenant and per user token (configurable), with RateLimit-* and
// Retry-After headers and a problem type; failed authentication is limited per source
// address so that key guessing is slow.
describe('rate limits', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let base: string;

  const get = async (path: string, headers: Record<string, string>): Promise<Reply<{ type?: string; status?: number; requestId?: string }>> =>
    readReply(await fetch(`${base}${path}`, { headers }));
  const bearer = (secret: string): Record<string, string> => ({ authorization: `Bearer ${secret}` });
  const expectLimited = (res: Reply<{ type?: string; status?: number; requestId?: string }>, limit: number): void => {
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.json).toMatchObject({ type: problemType('rate-limited'), status: 429, requestId: res.headers.get('x-request-id') });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(res.headers.get('ratelimit-limit')).toBe(String(limit));
    expect(res.headers.get('ratelimit-remaining')).toBe('0');
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db, { settings: testSettings({ KINKO_RATE_LIMIT_TENANT: '5', KINKO_RATE_LIMIT_USER: '3', KINKO_RATE_LIMIT_AUTH_FAILURES: '4' }) });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('reads the limits from the settings: defaults outside test mode, none in test mode unless set, bad values refused', () => {
    expect(loadSettings({ KINKO_MODE: 'development' }).rateLimits).toEqual({ tenantPerMinute: 1200, userPerMinute: 300, authFailuresPerMinute: 20 });
    expect(loadSettings({ KINKO_MODE: 'test' }).rateLimits.authFailuresPerMinute).toBe(1_000_000);
    expect(loadSettings({ KINKO_MODE: 'development', KINKO_RATE_LIMIT_USER: '42' }).rateLimits.userPerMinute).toBe(42);
    for (const bad of ['0', '-1', 'many', '1000001']) expect(() => loadSettings({ KINKO_MODE: 'development', KINKO_RATE_LIMIT_TENANT: bad })).toThrow(/KINKO_RATE_LIMIT_TENANT/);
  });

  it("limits a tenant's requests across all its keys, counting down in RateLimit-* headers; another tenant is not affected", async () => {
    const acme = await app.get(TenantsService).bootstrap('Acme');
    const second = await app.get(ApiKeysService).mint(acme.tenant.id, 'second key');
    const other = await app.get(TenantsService).bootstrap('Other');
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await get('/api/v2/tenant', bearer(i % 2 === 0 ? acme.apiKey.apiKey : second.apiKey));
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('5');
      remaining.push(res.headers.get('ratelimit-remaining') as string);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    expectLimited(await get('/api/v2/tenant', bearer(second.apiKey)), 5);
    expectLimited(await get('/api/v2/tenant/users', { 'x-api-key': acme.apiKey.apiKey }), 5);
    expect((await get('/api/v2/tenant', bearer(other.apiKey.apiKey))).status).toBe(200);
  });

  it("limits each user's token requests on their own", async () => {
    const tenant = await app.get(TenantsService).bootstrap('Users Inc');
    const [alice, bob] = [await app.get(UsersService).create({ tenantId: tenant.tenant.id }, 'alice'), await app.get(UsersService).create({ tenantId: tenant.tenant.id }, 'bob')];
    const token = async (userId: string): Promise<string> => (await app.get(UserTokensService).mint({ tenantId: tenant.tenant.id, userId })).token;
    const aliceToken = await token(alice.id);
    for (let i = 0; i < 3; i++) expect((await get('/api/v2/connections', bearer(aliceToken))).status).toBe(200);
    expectLimited(await get('/api/v2/connections', bearer(aliceToken)), 3);
    // Another token of the same user shares the user's limit; another user has their own.
    expectLimited(await get('/api/v2/connections', bearer(await token(alice.id))), 3);
    expect((await get('/api/v2/connections', bearer(await token(bob.id)))).status).toBe(200);
  });

  it('slows key guessing: past the failed-authentication limit an address gets 429 for every credential, even a valid one', async () => {
    const valid = (await app.get(TenantsService).bootstrap('Guessed')).apiKey.apiKey;
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const guess = `kinko_${'0'.repeat(16)}_${String(i).padStart(43, 'x')}`;
      statuses.push((await get('/api/v2/tenant', bearer(guess))).status);
    }
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(new Set(statuses.slice(4))).toEqual(new Set([429]));
    const refused = await get('/api/v2/tenant', bearer(valid));
    expectLimited(refused, 4);
    expect(refused.json).toMatchObject({ detail: expect.stringMatching(/failed authentications/) });
    // Public routes stay open.
    expect((await get('/health', {})).status).toBeLessThan(429);
  });
});
