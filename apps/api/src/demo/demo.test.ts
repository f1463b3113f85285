import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp, testSettings } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { ApiKeysService } from '../auth/api-keys.service';
import { UserTokensService } from '../auth/user-tokens.service';
import type { Settings } from '../config/settings';
import { DEMO_FILE, ensureDemo } from './demo';

describe('demo tenant', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let settings: Settings;

  beforeAll(async () => {
    db = await createTestDatabase();
    settings = testSettings();
    app = await createTestApp(db, { settings });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('is created once, then found again with the same key (kept in a 0600 file)', async () => {
    const first = await ensureDemo(app, settings);
    expect(first.created).toBe(true);
    const file = path.join(settings.dataDir, DEMO_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect((await app.get(ApiKeysService).authenticate(first.apiKey)).tenantId).toBe(first.tenantId);
    expect(await app.get(UserTokensService).verify(first.userToken)).toMatchObject({ tenantId: first.tenantId, userId: first.userId });

    const second = await ensureDemo(app, settings);
    expect(second).toMatchObject({ created: false, tenantId: first.tenantId, userId: first.userId, apiKey: first.apiKey });
  });

  it('mints a new key when the saved one no longer works', async () => {
    const before = await ensureDemo(app, settings);
    await app.get(ApiKeysService).revoke(before.tenantId, { prefix: before.apiKey.split('_')[1] as string });
    const after = await ensureDemo(app, settings);
    expect(after.tenantId).toBe(before.tenantId);
    expect(after.apiKey).not.toBe(before.apiKey);
    expect((await app.get(ApiKeysService).authenticate(after.apiKey)).tenantId).toBe(before.tenantId);
  });
});
