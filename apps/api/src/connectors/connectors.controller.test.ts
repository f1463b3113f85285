import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DuplicateConnectorIdError, type Connector } from '@kinko/connector-sdk';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { TenantsService } from '../tenants/tenants.service';
import { REGISTERED_CONNECTORS } from './registered-connectors';

// Only the manifest matters to the registry and the listing; the rest of a connector is
// exercised by the connector packages' own conformance tests.
const connector = (id: string, authFlow: 'redirect' | 'credentials' = 'redirect'): Connector =>
  ({ manifest: { id, displayName: { ja: `銀行 ${id}`, en: `Bank ${id}`, pl: `Bank ${id}` }, country: 'JP', authFlow, timeZone: 'Asia/Tokyo' } }) as unknown as Connector;

describe('connector registry', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('lists the registered connectors on the tenant API', async () => {
    const app = await createTestApp(db, { connectors: [connector('bank-common-api'), connector('web-netbank', 'credentials')] });
    try {
      const key = (await app.get(TenantsService).bootstrap('Acme')).apiKey.apiKey;
      const res = await app.inject({ method: 'GET', url: '/api/v2/tenant/connectors', headers: { 'x-api-key': key } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual([
        { id: 'bank-common-api', displayName: { ja: '銀行 bank-common-api', en: 'Bank bank-common-api', pl: 'Bank bank-common-api' }, country: 'JP', authFlow: 'redirect', timeZone: 'Asia/Tokyo' },
        { id: 'web-netbank', displayName: { ja: '銀行 web-netbank', en: 'Bank web-netbank', pl: 'Bank web-netbank' }, country: 'JP', authFlow: 'credentials', timeZone: 'Asia/Tokyo' },
      ]);
    } finally {
      await app.close();
    }
  });

  it('refuses to start with two connectors of the same id', async () => {
    let app: NestFastifyApplication | undefined;
    try {
      app = await createTestApp(db, { connectors: [connector('dup'), connector('ok'), connector('dup')] });
    } catch (e) {
      expect(e).toBeInstanceOf(DuplicateConnectorIdError);
      expect((e as Error).message).toContain('dup');
    } finally {
      await app?.close();
    }
    expect(app).toBeUndefined();
  });

  it('starts with the app’s own list (unique ids)', () => {
    const ids = REGISTERED_CONNECTORS.map((c) => c.manifest.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
