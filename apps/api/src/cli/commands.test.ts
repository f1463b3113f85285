import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { testTempDir } from '../../test/support/test-env';
import { ApiKeysService } from '../auth/api-keys.service';
import { loadSettings, type Settings } from '../config/settings';
import { Tenant } from '../tenants/tenant.entity';
import { createApiKeyCommand, createTenantCommand, generateMasterKeyCommand, listApiKeysCommand, migrateCommand, revokeApiKeyCommand } from './commands';

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
};

describe('CLI commands', () => {
  let db: TestDatabase;
  let settings: Settings;
  beforeAll(async () => {
    db = await createTestDatabase();
    settings = loadSettings({ KINKO_MODE: 'test', DATABASE_URL: db.url, KINKO_DATA_DIR: testTempDir('cli'), KINKO_MASTER_KEY: Buffer.alloc(32, 4).toString('base64') });
  });
  afterAll(() => db?.drop());

  it('create-tenant bootstraps a tenant and prints its first API key once', async () => {
    const c = capture();
    expect(await createTenantCommand(settings, ['--name', 'Acme Budgeting'], c.io)).toBe(0);
    const tenantId = /tenant\s+(\S+)/.exec(c.out.join('\n'))?.[1] as string;
    const apiKey = /API key\s+(\S+)/.exec(c.out.join('\n'))?.[1] as string;
    expect(await db.dataSource.getRepository(Tenant).findOneByOrFail({ id: tenantId })).toMatchObject({ name: 'Acme Budgeting' });
    expect((await new ApiKeysService(db.dataSource).authenticate(apiKey)).tenantId).toBe(tenantId);

    const more = capture();
    expect(await createApiKeyCommand(settings, ['--tenant', tenantId, '--label', 'ci'], more.io)).toBe(0);
    const second = /API key\s+(\S+)/.exec(more.out.join('\n'))?.[1] as string;
    expect(second).not.toBe(apiKey);
    expect((await new ApiKeysService(db.dataSource).authenticate(second)).tenantId).toBe(tenantId);
  });

  it('list-api-keys shows prefix, label, created, last used; revoke-api-key stops a key at once', async () => {
    const c = capture();
    expect(await createTenantCommand(settings, ['--name', 'Keys Inc'], c.io)).toBe(0);
    const tenantId = /tenant\s+(\S+)/.exec(c.out.join('\n'))?.[1] as string;
    const more = capture();
    expect(await createApiKeyCommand(settings, ['--tenant', tenantId, '--label', 'nightly job'], more.io)).toBe(0);
    const apiKey = /API key\s+(\S+)/.exec(more.out.join('\n'))?.[1] as string;
    const prefix = apiKey.split('_')[1] as string;
    const keys = new ApiKeysService(db.dataSource);
    await keys.authenticate(apiKey);

    const listed = capture();
    expect(await listApiKeysCommand(settings, ['--tenant', tenantId], listed.io)).toBe(0);
    const line = listed.out.find((l) => l.includes(prefix)) as string;
    expect(line).toMatch(/nightly job$/);
    expect(line).toMatch(/\d{4}-\d{2}-\d{2}T.*\d{4}-\d{2}-\d{2}T.*-\s+nightly job$/); // created, last used, not revoked
    expect(listed.out.join('\n')).not.toContain(apiKey);
    expect(listed.out.filter((l) => /bootstrap$/.test(l))).toHaveLength(1);

    const revoked = capture();
    expect(await revokeApiKeyCommand(settings, ['--tenant', tenantId, '--prefix', prefix], revoked.io)).toBe(0);
    await expect(keys.authenticate(apiKey)).rejects.toThrow('Invalid API key.');
    expect(await revokeApiKeyCommand(settings, ['--tenant', tenantId, '--prefix', prefix], capture().io)).toBe(1);
    const usage = capture();
    expect(await revokeApiKeyCommand(settings, ['--tenant', tenantId], usage.io)).toBe(2);
    expect(usage.err[0]).toMatch(/^usage: revoke-api-key/);
  });

  it('explains its usage instead of guessing', async () => {
    const c = capture();
    expect(await createTenantCommand(settings, [], c.io)).toBe(2);
    expect(c.err).toEqual(['usage: create-tenant --name <name>']);
    await expect(createApiKeyCommand(settings, ['--tenant', '01a1fe9a-0000-7000-8000-000000000009'], capture().io)).rejects.toThrow('Tenant not found.');
  });

  it('migrate reports an up-to-date database', async () => {
    const c = capture();
    expect(await migrateCommand(settings, c.io)).toBe(0);
    expect(c.out).toEqual(['the database is up to date']);
  });

  it('generate-master-key prints a usable key', () => {
    const c = capture();
    expect(generateMasterKeyCommand(c.io)).toBe(0);
    const env = Object.fromEntries(c.out.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(loadSettings({ ...env }).masterKey?.id).toBe(env['KINKO_MASTER_KEY_ID']);
  });
});
