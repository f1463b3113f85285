import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DuplicateConnectorIdError, type Connector } from '@kinko/connector-sdk';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SEED_BANK } from '../../test/support/fixtures';
import { createTestApp, testSettings } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { InvalidSettingsError } from '../config/settings';
import { TenantsService } from '../tenants/tenants.service';
import { UserTokensService } from '../auth/user-tokens.service';
import { UsersService } from '../users/users.service';
import { ConnectorClients } from '../sync/connector-clients';
import { BankDirectory } from './bank-directory';
import { REGISTERED_CONNECTOR_PACKAGES } from './registered-connectors';

// A bare connector: only its manifest matters to the registry and the connector listing.
const connector = (id: string, authFlow: 'redirect' | 'credentials' = 'redirect'): Connector =>
  ({ manifest: { id, displayName: { ja: `銀行 ${id}`, en: `Bank ${id}`, pl: `Bank ${id}` }, country: 'JP', authFlow, timeZone: 'Asia/Tokyo' } }) as unknown as Connector;

const MIZUHO = {
  bankId: 'bca-0001',
  connector: 'bank-common-api',
  bankCode: '0001',
  bankName: { ja: 'みずほ銀行', en: 'Mizuho Bank', pl: 'Bank Mizuho' },
  baseUrl: 'https://api.mizuho.example/v1',
  apiKey: 'client-key-canary',
  password: 'client-password-canary',
};

describe('connector registry and bank directory', () => {
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
        { id: 'bank-common-api', displayName: { ja: '銀行 bank-common-api', en: 'Bank bank-common-api', pl: 'Bank bank-common-api' }, country: 'JP', authFlow: 'redirect', timeZone: 'Asia/Tokyo', capabilities: null },
        { id: 'web-netbank', displayName: { ja: '銀行 web-netbank', en: 'Bank web-netbank', pl: 'Bank web-netbank' }, country: 'JP', authFlow: 'credentials', timeZone: 'Asia/Tokyo', capabilities: null },
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

  it('registers each package once', () => {
    const ids = REGISTERED_CONNECTOR_PACKAGES.map((p) => p.id);
    expect(ids).toContain('bank-common-api');
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('builds the banks of KINKO_BANKS and the extra entries, and lists them to tenants and users with names, flow and capabilities', async () => {
    const settings = testSettings({ KINKO_BANKS: JSON.stringify([MIZUHO]) });
    const app = await createTestApp(db, { settings, banks: [SEED_BANK] });
    try {
      const boot = await app.get(TenantsService).bootstrap('Banks');
      const tenant = await app.inject({ method: 'GET', url: '/api/v2/tenant/banks', headers: { 'x-api-key': boot.apiKey.apiKey } });
      expect(tenant.statusCode).toBe(200);
      const banks = tenant.json<Array<Record<string, unknown>>>();
      expect(banks.map((b) => b.bankId)).toEqual(['bca-0001', 'seed-bank']);
      expect(banks[0]).toEqual({
        bankId: 'bca-0001',
        connectorId: 'bca-0001',
        bankCode: '0001',
        id: 'bca-0001',
        displayName: { ja: 'みずほ銀行', en: 'Mizuho Bank', pl: 'Bank Mizuho' },
        country: 'JP',
        authFlow: 'redirect',
        timeZone: 'Asia/Tokyo',
        capabilities: { accounts: true, balances: true, transactions: ['booked'], branches: true, challenges: [], maxHistoryDays: 730, unattendedHistoryDays: 90 },
      });
      // Client credentials never leave the server.
      expect(tenant.body).not.toContain('canary');

      const user = await app.get(UsersService).create({ tenantId: boot.tenant.id }, 'u1');
      const token = (await app.get(UserTokensService).mint({ tenantId: boot.tenant.id, userId: user.id })).token;
      const forUser = await app.inject({ method: 'GET', url: '/api/v2/banks', headers: { authorization: `Bearer ${token}` } });
      expect(forUser.json()).toEqual(banks);

      const directory = app.get(BankDirectory);
      expect(directory.withBankCode('0001').map((b) => b.bankId)).toEqual(['bca-0001', 'seed-bank']);
      expect(Object.keys(directory.connectorSetups())).toEqual(['bca-0001', 'seed-bank']);
      expect(app.get(ConnectorClients).client('bca-0001').manifest.allowedHosts).toEqual(['api.mizuho.example']);
    } finally {
      await app.close();
    }
  });

  it('stops the start when a KINKO_BANKS entry is wrong, naming the setting, the entry and the field — never a secret', async () => {
    const attempts: Array<[unknown[], RegExp]> = [
      [[{ ...MIZUHO, baseUrl: 'not a url' }], /KINKO_BANKS: .*bca-0001.*baseUrl/],
      [[{ ...MIZUHO, connector: 'no-such-package' }], /KINKO_BANKS: bank "bca-0001": no connector package "no-such-package"/],
      [[{ ...MIZUHO, extra: 1 }], /extra is not a field/],
    ];
    for (const [entries, message] of attempts) {
      const settings = testSettings({ KINKO_BANKS: JSON.stringify(entries) });
      const error = await createTestApp(db, { settings }).then(
        async (app) => {
          await app.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidSettingsError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('canary');
    }
  });
});
