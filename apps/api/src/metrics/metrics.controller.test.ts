import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';

describe('GET /metrics', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('counts requests by route template, not by raw URL', async () => {
    await app.inject({ method: 'GET', url: '/health' });
    await app.inject({ method: 'GET', url: '/health' });
    await app.inject({ method: 'GET', url: '/api/v2/tenant/users/01a1fe9a-0000-7000-8000-000000000001' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('kinko_http_requests_total{method="GET",route="/health",status="200"} 2');
    expect(res.body).toContain('kinko_http_requests_total{method="GET",route="/api/v2/tenant/users/:userId",status="401"} 1');
    expect(res.body).not.toContain('01a1fe9a-0000-7000-8000-000000000001');
    expect(res.body).toMatch(/kinko_process_uptime_seconds \d+\.\d+/);
  });
});
