import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type BankCommonApiSandbox, demoBanks, startBankCommonApiSandbox } from '@kinko/sandbox-bank';
import { sandboxBankEntries, sandboxBankId } from '../../src/server/sandbox-banks';
import { TenantsService } from '../../src/tenants/tenants.service';
import { createTestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// The 銀行共通API sandbox banks `pnpm start` offers (tools/sandbox-bank demoBanks): in the bank
// list, their English and Polish names are in Latin script (Mizuho Bank…), their Japanese ones
// stay Japanese.

/** Kanji, hiragana, katakana (full and half width) or full-width forms. */
const JAPANESE_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\uFF00-\uFFEF]/u;

describe('the sandbox 銀行共通API banks’ names', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let apiKey: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startBankCommonApiSandbox({ banks: demoBanks(), host: '127.0.0.1' });
    app = await createTestApp(db, { banks: sandboxBankEntries({ banks: sandbox.banks, close: () => sandbox.close() }) });
    apiKey = (await app.get(TenantsService).bootstrap('Names tenant')).apiKey.apiKey;
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('GET /api/v2/tenant/banks: en and pl in Latin script, ja in Japanese', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v2/tenant/banks', headers: { authorization: `Bearer ${apiKey}` } });
    expect(res.statusCode).toBe(200);
    const ids = new Set(sandbox.banks.map((b) => sandboxBankId(b.bankCode)));
    const names = (res.json() as Array<{ bankId: string; displayName: { ja: string; en: string; pl: string } }>).filter((b) => ids.has(b.bankId));
    expect(names.map((b) => b.bankId).sort()).toEqual([...ids].sort());
    for (const { bankId, displayName } of names) {
      expect({ bankId, en: JAPANESE_SCRIPT.test(displayName.en), pl: JAPANESE_SCRIPT.test(displayName.pl), ja: JAPANESE_SCRIPT.test(displayName.ja) }).toEqual({ bankId, en: false, pl: false, ja: true });
    }
    expect(names.find((b) => b.bankId === 'sandbox-0001')?.displayName).toEqual({ ja: 'みずほ銀行（サンドボックス）', en: 'Mizuho Bank (sandbox)', pl: 'Mizuho Bank (piaskownica)' });
  });
});
