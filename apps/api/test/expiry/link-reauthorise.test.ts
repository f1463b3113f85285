import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BankCommonApiSandbox, loginAtBankPage } from '@kinko/sandbox-bank';
import { LinkBrowser, type LinkWorld, type LinkWorldWithBank, eventually, reachStatus, startLinkWorldWithBca, vaultRows } from '../link/harness';

// The Link vault's consent-expiry warning (issue 14 §3): within 14 days of expiry a
// connection shows when its consent expires and a one-click re-authorisation (a form POST
// with the session's CSRF token) that renews the consent at the bank — over loopback
// against the sandbox bank — for the same connection and the same account ids.

const BCA_CODE = '0009';
const BCA_ID = 'bca-expiry';
const CLIENT = { apiKey: 'expiry-key', password: 'expiry-secret', redirectDomains: ['127.0.0.1'] };
const OWNER = { id: 'owner', password: 'pw-owner' };
const DAY = 86_400_000;

describe('Link vault: consent-expiry warning and one-click re-authorisation', () => {
  let started: LinkWorldWithBank<BankCommonApiSandbox>;
  let bca: BankCommonApiSandbox;
  let world: LinkWorld;

  beforeAll(async () => {
    started = await startLinkWorldWithBca(BCA_ID, {
      banks: [{ bankCode: BCA_CODE, bankName: '期限銀行', client: CLIENT, users: [{ ...OWNER, accounts: 2, transactionsPerAccount: 3, historyDays: 10 }] }],
      seed: 14,
    });
    ({ bank: bca, world } = started);
  });
  afterAll(() => started?.close());

  const connections = async (): Promise<string[]> =>
    ((await world.ds.query(`SELECT id FROM connections WHERE user_id = $1 AND bank_id = $2 ORDER BY id`, [world.scope.userId, BCA_ID])) as Array<{ id: string }>).map((r) => r.id);
  const accounts = async (connectionId: string): Promise<string[]> =>
    ((await world.ds.query(`SELECT id FROM bank_accounts WHERE connection_id = $1 AND is_active ORDER BY id`, [connectionId])) as Array<{ id: string }>).map((r) => r.id);
  const consents = async (connectionId: string): Promise<Array<{ id: string; status: string; expiration_date: Date }>> =>
    (await world.ds.query(`SELECT id, status, expiration_date FROM consents WHERE connection_id = $1 ORDER BY create_date DESC, id DESC`, [connectionId])) as Array<{
      id: string;
      status: string;
      expiration_date: Date;
    }>;
  const syncedAccounts = (connectionId: string, count: number): Promise<string[]> =>
    eventually(`${count} accounts synced`, async () => {
      const ids = await accounts(connectionId);
      return ids.length === count ? ids : undefined;
    });

  it('shows the warning within 14 days of expiry, and re-authorising keeps the connection and account ids', async () => {
    const browser = new LinkBrowser(world.base);
    await browser.enter(await world.mintToken());
    const toBank = await browser.get(`/link/banks/${BCA_ID}/redirect`);
    const first = await loginAtBankPage(toBank.headers.get('location') as string, OWNER);
    if (first.outcome !== 'redirected') throw new Error(`bank refused: ${first.status}`);
    expect((await browser.get(first.location, { accept: 'text/html' })).headers.get('location')).toBe('/link/vault?connected=1');
    const [connectionId] = await connections();
    if (!connectionId) throw new Error('no connection');
    await reachStatus(world, connectionId, 'success');
    const accountIds = await syncedAccounts(connectionId, 2);
    const [before] = await consents(connectionId);
    if (!before) throw new Error('no consent');

    // 15 days left: no warning.
    await world.ds.query(`UPDATE consents SET expiration_date = $2 WHERE id = $1`, [before.id, new Date(world.clock.now().getTime() + 15 * DAY)]);
    let row = vaultRows((await browser.get('/link/vault')).text).find((r) => r.id === connectionId);
    expect(row?.html).not.toContain('expiry-warning');

    // 6 days and an hour left: the warning (7 days, rounded up) and the re-authorise button, in the page's language.
    const expiresAt = new Date(world.clock.now().getTime() + 6 * DAY + 3_600_000);
    await world.ds.query(`UPDATE consents SET expiration_date = $2 WHERE id = $1`, [before.id, expiresAt]);
    row = vaultRows((await browser.get('/link/vault?lang=en')).text).find((r) => r.id === connectionId);
    expect(row?.html).toContain('data-days-until-expiry="7"');
    expect(row?.html).toContain('Your consent at the bank expires in 7 days');
    // A link into the bank's redirect flow for this connection (a form's POST redirected to the bank would be stopped by the pages' CSP form-action 'self').
    const renew = `/link/banks/${BCA_ID}/redirect?connection=${connectionId}`;
    expect(row?.html).toContain(`<a class="button primary" href="${renew.replace(/&/g, '&amp;')}" data-action="reauthorise">Renew consent</a>`);
    const ja = await browser.get(`/link/connections/${connectionId}?lang=ja`);
    expect(ja.text).toContain('同意の有効期限まであと7日です');
    expect(ja.text).toContain('同意を更新する');

    // The POST endpoint (a credentials bank's button) refuses a request without the session's CSRF token, and nothing starts.
    const forged = await browser.post(`/link/connections/${connectionId}/reauthorise`, { _csrf: 'forged' });
    expect(forged.status).toBe(403);

    // A minute later (the test clock stands still otherwise), one click: to the bank, log in, back to the vault.
    world.clock.advance(60_000);
    const click = await browser.get(renew);
    expect(click.status).toBe(303);
    const bankUrl = click.headers.get('location') as string;
    expect(new URL(bankUrl).origin).toBe(new URL(bca.url(BCA_CODE)).origin);
    const again = await loginAtBankPage(bankUrl, OWNER);
    if (again.outcome !== 'redirected') throw new Error(`bank refused: ${again.status}`);
    expect((await browser.get(again.location, { accept: 'text/html' })).headers.get('location')).toBe('/link/vault?connected=1');

    // The same connection and accounts; a new valid consent that expires later.
    expect(await connections()).toEqual([connectionId]);
    const [after] = await consents(connectionId);
    expect(after?.id).not.toBe(before.id);
    expect(after?.status).toBe('valid');
    expect(after?.expiration_date.getTime()).toBeGreaterThan(expiresAt.getTime());
    await reachStatus(world, connectionId, 'success');
    expect(await syncedAccounts(connectionId, 2)).toEqual(accountIds);
    const covered = (await world.ds.query(`SELECT DISTINCT consent_id FROM bank_accounts WHERE connection_id = $1`, [connectionId])) as Array<{ consent_id: string }>;
    expect(covered.map((r) => r.consent_id)).toEqual([after?.id]);
    row = vaultRows((await browser.get('/link/vault')).text).find((r) => r.id === connectionId);
    expect(row?.html).not.toContain('expiry-warning');
  });
});
