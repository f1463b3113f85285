import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { insertUser } from '../../test/support/secret-fixtures';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { UnauthorizedError } from '../common/errors';
import { ApiKey } from '../tenants/api-key.entity';
import { ApiKeysService } from './api-keys.service';

describe('ApiKeysService', () => {
  let db: TestDatabase;
  let keys: ApiKeysService;
  let tenantId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    keys = new ApiKeysService(db.dataSource);
    tenantId = (await insertUser(db.dataSource)).tenantId;
  });
  afterAll(() => db?.drop());

  it('authenticates a minted key as its tenant', async () => {
    const minted = await keys.mint(tenantId, 'backend');
    expect(minted.apiKey).toMatch(/^kinko_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    expect(await keys.authenticate(minted.apiKey)).toEqual({ tenantId, apiKeyId: minted.apiKeyId, prefix: minted.prefix });
  });

  it('stores only a hash of the secret', async () => {
    const minted = await keys.mint(tenantId, 'hash-check');
    const row = await db.dataSource.getRepository(ApiKey).findOneByOrFail({ id: minted.apiKeyId });
    const secret = minted.apiKey.split('_').slice(2).join('_');
    expect(row.secretHash).toHaveLength(32);
    expect(row.secretHash.toString('utf8')).not.toContain(secret);
    expect(JSON.stringify(await db.dataSource.query('select * from api_keys'))).not.toContain(secret);
  });

  it('rejects a wrong secret, an unknown prefix, a malformed key, and a revoked key', async () => {
    const minted = await keys.mint(tenantId, 'to-revoke');
    const wrongSecret = `${minted.apiKey.slice(0, -1)}${minted.apiKey.endsWith('A') ? 'B' : 'A'}`;
    const unknownPrefix = `kinko_0000000000000000_${minted.apiKey.split('_').slice(2).join('_')}`;
    for (const bad of [wrongSecret, unknownPrefix, 'kinko_x', '', minted.apiKey.toUpperCase()]) {
      await expect(keys.authenticate(bad)).rejects.toBeInstanceOf(UnauthorizedError);
    }
    expect(await keys.revoke(tenantId, { prefix: minted.prefix })).toBe(true);
    await expect(keys.authenticate(minted.apiKey)).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
