import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp } from '../../test/support/test-app';
import { type TestDatabase, createTestDatabase } from '../../test/support/test-database';
import { TenantsService } from './tenants.service';

describe('GET /api/v2/tenant', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let apiKey: string;
  let tenantId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db);
    const boot = await app.get(TenantsService).bootstrap('Acme');
    apiKey = boot.apiKey.apiKey;
    tenantId = boot.tenant.id;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('answers the calling tenant for a Bearer API key and for X-Api-Key', async () => {
    for (const headers of [{ authorization: `Bearer ${apiKey}` }, { 'x-api-key': apiKey }]) {
      const res = await app.inject({ method: 'GET', url: '/api/v2/tenant', headers });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: tenantId, name: 'Acme' });
    }
  });

  it('sends security headers on every response, errors included', async () => {
    for (const url of ['/api/v2/tenant', '/no-such-route']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });
});
