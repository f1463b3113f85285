import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp, testSettings } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { bankOperation } from './metrics.service';

describe('GET /metrics', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let production: NestFastifyApplication;
  let productionWithToken: NestFastifyApplication;
  const TOKEN = 'metrics-token-0123456789abcdef';
  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db);
    production = await createTestApp(db, { settings: testSettings({ KINKO_MODE: 'production', KINKO_PUBLIC_URL: 'https://kinko.example' }) });
    productionWithToken = await createTestApp(db, { settings: testSettings({ KINKO_MODE: 'production', KINKO_PUBLIC_URL: 'https://kinko.example', KINKO_METRICS_TOKEN: TOKEN }) });
  });
  afterAll(async () => {
    await app?.close();
    await production?.close();
    await productionWithToken?.close();
    await db?.drop();
  });

  it('a request histogram by route template (never the raw URL) and status, and the process and event-loop metrics', async () => {
    await app.inject({ method: 'GET', url: '/health' });
    await app.inject({ method: 'GET', url: '/health' });
    await app.inject({ method: 'GET', url: '/api/v2/tenant/users/01a1fe9a-0000-7000-8000-000000000001' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('# TYPE kinko_http_request_duration_seconds histogram');
    expect(res.body).toContain('kinko_http_request_duration_seconds_count{method="GET",route="/health",status="200"} 2');
    expect(res.body).toMatch(/kinko_http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/health",status="200"\} \d/);
    expect(res.body).toContain('kinko_http_request_duration_seconds_count{method="GET",route="/api/v2/tenant/users/:userId",status="401"} 1');
    expect(res.body).not.toContain('01a1fe9a-0000-7000-8000-000000000001');
    expect(res.body).toMatch(/^kinko_process_resident_memory_bytes \d+/m);
    expect(res.body).toMatch(/^kinko_nodejs_eventloop_lag_seconds [\d.e-]+/m);
    // Declared before the first sync: the queue gauges are read from pg-boss at each scrape.
    expect(res.body).toContain('# TYPE kinko_queue_depth gauge');
    expect(res.body).toContain('# TYPE kinko_sync_sessions_total counter');
  });

  it("the database pool's checkouts, waits and time held, its size now, and the bank limiter's counters", async () => {
    await app.inject({ method: 'GET', url: '/health' }); // the health check's statement checks out a pooled connection
    const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const value = (series: string): number => Number(/^(\S+) (\S+)$/m.exec(body.split('\n').find((l) => l.startsWith(`${series} `)) ?? '')?.[2] ?? NaN);
    expect(value('kinko_db_pool_checkouts_total')).toBeGreaterThan(0);
    expect(value('kinko_db_pool_waits_total')).toBeGreaterThanOrEqual(0);
    expect(value('kinko_db_pool_wait_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(value('kinko_db_pool_held_seconds_total')).toBeGreaterThan(0);
    expect(value('kinko_db_pool_connections{state="max"}')).toBe(10);
    // The scrape's own queue query may be in pg's queue for an idle connection at that moment.
    expect(value('kinko_db_pool_connections{state="waiting"}')).toBeLessThanOrEqual(1);
    expect(value('kinko_db_pool_connections{state="open"}')).toBeGreaterThanOrEqual(1);
    // No bank was called: the limiter let nothing through and sent no query.
    expect(value('kinko_bank_limiter_requests_total')).toBe(0);
    expect(value('kinko_bank_limiter_queries_total')).toBe(0);
    expect(value('kinko_bank_limiter_delay_seconds_total')).toBe(0);
    expect(value('kinko_bank_limiter_slot_held_seconds_total')).toBe(0);
  });

  it('in production: 404 without KINKO_METRICS_TOKEN; with it, 401 unless Authorization: Bearer <token>', async () => {
    const none = await production.inject({ method: 'GET', url: '/metrics' });
    expect(none.statusCode).toBe(404);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(none.body).not.toContain('kinko_');
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Basic ${TOKEN}`]) {
      const denied = await productionWithToken.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
      expect([authorization, denied.statusCode]).toEqual([authorization, 401]);
      expect(denied.body).not.toContain('kinko_http');
    }
    const allowed = await productionWithToken.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.body).toContain('kinko_http_request_duration_seconds_count{method="GET",route="/metrics",status="401"} 3');
  });

  it('a bank call operation label keeps the path template: ids, account numbers and tokens become :id', () => {
    expect(bankOperation('get', '/v1/accounts/1234567/transactions')).toBe('GET /v1/accounts/:id/transactions');
    expect(bankOperation('POST', '/token')).toBe('POST /token');
    expect(bankOperation('GET', `/consents/${'a'.repeat(40)}`)).toBe('GET /consents/:id');
  });
});
