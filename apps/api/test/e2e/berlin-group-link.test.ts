/**
 * The Berlin Group sandbox bank through the Link pages (issue 17 §4, "offered in the main job
 * through the Link pages"): the bank list shows it, its redirect flow starts from the Link
 * page (the user's IP and browser reach POST /v1/consents, which requires PSU-IP-Address),
 * the persona logs in at the bank's SCA page, the callback lands back in the vault, and the
 * first sync stores the accounts — over loopback, on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { berlinGroupPersonaUsers, startBerlinGroupSandbox, type BerlinGroupSandbox } from '@kinko/sandbox-bank';
import { SANDBOX_BERLIN_GROUP_BANK_ID } from '../../src/server/sandbox-banks';
import { LinkBrowser, eventually, startLinkWorld, type LinkWorld } from '../link/harness';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('Berlin Group bank through the Link pages', () => {
  let db: TestDatabase;
  let sandbox: BerlinGroupSandbox;
  let world: LinkWorld;

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startBerlinGroupSandbox({ users: berlinGroupPersonaUsers() });
    world = await startLinkWorld(db, {
      extraBanks: [{ bankId: SANDBOX_BERLIN_GROUP_BANK_ID, connector: 'berlin-group', options: { baseUrl: sandbox.url, clientId: 'kinko', bankName: 'Sandbox Bank (Berlin Group)' } }],
    });
  }, 120_000);

  afterAll(async () => {
    await world?.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('lists the bank, sends the user to its SCA page, and back in the vault the connection syncs max’s account', async () => {
    const browser = new LinkBrowser(world.base);
    await browser.enter(await world.mintToken(), 'en');
    const banks = await browser.get('/link/banks');
    expect(banks.text).toContain(`href="/link/banks/${SANDBOX_BERLIN_GROUP_BANK_ID}"`);

    const toBank = await browser.get(`/link/banks/${SANDBOX_BERLIN_GROUP_BANK_ID}/redirect`, { 'user-agent': 'Mozilla/5.0 (Link test)' });
    expect(toBank.status).toBe(303);
    const bankUrl = toBank.headers.get('location') as string;
    expect(bankUrl.startsWith(`${sandbox.url}/oauth/authorize?`)).toBe(true);
    const consentId = /^AIS:(.+)$/.exec(new URL(bankUrl).searchParams.get('scope') ?? '')?.[1] as string;
    expect(sandbox.testHooks.consent(consentId)?.status).toBe('received');

    const back = await sandbox.testHooks.approve(bankUrl, 'max', 'sandbox');
    const redirectUri = new URL(bankUrl).searchParams.get('redirect_uri') as string;
    const landed = await browser.get(`${redirectUri}?${new URLSearchParams(back).toString()}`, { accept: 'text/html' });
    expect({ status: landed.status, location: landed.headers.get('location') }).toEqual({ status: 303, location: '/link/vault?connected=1' });
    expect(sandbox.testHooks.consent(consentId)?.status).toBe('valid');

    const accounts = await eventually('max’s account synced', async () => {
      const list = (await world.api<Array<{ accountNumber: string | null; lastSyncDate: string | null }>>('GET', '/api/v2/bankaccount')).json;
      return list.length > 0 && list.every((a) => a.lastSyncDate !== null) ? list : undefined;
    });
    expect(accounts.map((a) => a.accountNumber)).toEqual(['DE75512108001245126199']);
    const vault = await browser.get('/link/vault');
    expect(vault.text).toContain('Sandbox Bank (Berlin Group)');
  }, 120_000);
});
