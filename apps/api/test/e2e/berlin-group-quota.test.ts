/**
 * The per-consent unattended budget (issue 17 §2) with the Berlin Group sandbox bank: a
 * consent agreed with frequencyPerDay 1 (the connector's `frequencyPerDay` option) is what the
 * quota the API shows counts with — the same budget the sync engine takes unattended accesses
 * from (`ConnectorClients.unattendedBudget`), not the manifest's 4: one unattended access
 * remains after connecting, none after one background sync, and the next background sync is
 * refused with 429 refresh-quota-spent. The bank counts as the app does: one unattended read of
 * an account's balances and transactions is one access, so that background sync completes. And a sync the user starts (the connect callback's,
 * the user API's) passes the PSU context to the bank's data calls (PSU-IP-Address), so the
 * bank does not count it against frequencyPerDay: two user syncs in a row both complete
 * (without it the bank answers the second — even the first's balances — 429 ACCESS_EXCEEDED).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { berlinGroupPersonaUsers, startBerlinGroupSandbox, type BerlinGroupSandbox } from '@kinko/sandbox-bank';
import { dateInZone } from '@kinko/domain';
import { startRedirectBankHarness, type RedirectBankHarness } from '../support/redirect-bank-harness';

const BANK_ID = 'sandbox-berlin-group';

interface Quota {
  nextRefreshPossibleAt: string | null;
  unattendedAccessesRemainingToday: number | null;
}

describe('Berlin Group consent with frequencyPerDay 1: the quota counts with the consent’s budget', () => {
  let sandbox: BerlinGroupSandbox;
  let h: RedirectBankHarness;
  const today = dateInZone(new Date(), 'Europe/Berlin');

  beforeAll(async () => {
    sandbox = await startBerlinGroupSandbox({ users: berlinGroupPersonaUsers(today) });
    h = await startRedirectBankHarness({
      tenantName: 'Berlin Group quota tenant',
      bank: { bankId: BANK_ID, connector: 'berlin-group', options: { baseUrl: sandbox.url, clientId: 'kinko-e2e', bankName: 'Sandbox Bank (Berlin Group)', consentValidityDays: 30, frequencyPerDay: 1 } },
    });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await sandbox?.close();
  });

  it('shows 1 unattended access after connecting, none after one background sync, then refuses the next with 429', async () => {
    const { userId, token } = await h.newUser('lena-quota');
    const browser = await h.startConnect(BANK_ID, token);
    const consentId = /^AIS:(.+)$/.exec(new URL(browser.bankUrl).searchParams.get('scope') ?? '')?.[1] as string;
    expect(sandbox.testHooks.consent(consentId)).toMatchObject({ frequencyPerDay: 1 });
    const back = await sandbox.testHooks.approve(browser.bankUrl, 'lena', 'sandbox');
    const redirectUri = new URL(browser.bankUrl).searchParams.get('redirect_uri') as string;
    const done = await h.completeConnect(`${redirectUri}?${new URLSearchParams(back).toString()}`, browser);
    expect(done.status).toBe(200);
    for (const id of done.json.sessionIds) expect(await h.finished(token, id)).toBe('completed');

    // The user's own first sync does not count: the consent's one unattended access remains (not the manifest's 4).
    const before = (await h.call<Array<Quota & { id: string }>>('GET', '/api/v2/bankaccount', token)).json;
    expect(before).toHaveLength(2);
    for (const a of before) expect(a.unattendedAccessesRemainingToday).toBe(1);
    const connection = async (): Promise<Quota> => (await h.call<Quota>('GET', `/api/v2/connections/${done.json.connectionId}`, token)).json;
    expect((await connection()).unattendedAccessesRemainingToday).toBe(1);

    // Two more syncs the user starts over the user API: the bank does not count them (PSU present).
    for (let i = 0; i < 2; i++) {
      const own = await h.call<{ sessionIds: string[] }>('POST', `/api/v2/bank/connectionId/${done.json.connectionId}/sync`, token, {});
      expect(own.status).toBe(202);
      for (const id of own.json.sessionIds) expect(await h.finished(token, id)).toBe('completed');
    }
    // The session request keeps the PSU context for the engine, but the API does not show it.
    const shown = await h.call<{ parameters: Record<string, unknown> }>('GET', `/api/v2/bank/session/${done.json.sessionIds[0]}`, token);
    expect(shown.status).toBe(200);
    expect(shown.text).not.toContain('127.0.0.1');
    expect(shown.json.parameters).not.toHaveProperty('psu');
    expect((await connection()).unattendedAccessesRemainingToday).toBe(1);

    // One background sync takes it — and the bank agrees: reading each account's balances and its
    // transactions unattended is ONE access (frequencyPerDay: "maximum frequency for an access
    // without PSU involvement per day"), so with frequencyPerDay 1 every read is answered.
    const t0 = Date.now();
    const mark = sandbox.requests().length;
    const unattended = await h.call<{ sessionId: string }>('POST', `/api/v2/tenant/users/${userId}/connections/${done.json.connectionId}/sync`, h.apiKey);
    expect(unattended.status).toBe(202);
    expect(await h.finished(token, unattended.json.sessionId)).toBe('completed');
    const reads = sandbox.requests().slice(mark).filter((r) => /^\/v1\/accounts\/[^/]+\/(balances|transactions)$/.test(r.path));
    expect(reads.filter((r) => r.psuIpAddress === undefined).map((r) => r.path.split('/').slice(3).join('/')).sort()).toEqual(
      expect.arrayContaining(['lena-giro/balances', 'lena-giro/transactions', 'lena-tagesgeld/balances', 'lena-tagesgeld/transactions']),
    );
    expect(reads.map((r) => r.status)).not.toContain(429);
    const after = (await h.call<Array<Quota & { syncError: unknown }>>('GET', '/api/v2/bankaccount', token)).json;
    for (const a of after) {
      expect(a.syncError).toBeNull();
      expect(a.unattendedAccessesRemainingToday).toBe(0);
      expect(Date.parse(a.nextRefreshPossibleAt as string)).toBeGreaterThan(t0 + 23 * 3_600_000);
    }
    expect((await connection()).unattendedAccessesRemainingToday).toBe(0);

    // The next background sync is refused before any session starts.
    const refused = await h.call<{ type: string; nextRefreshPossibleAt: string }>('POST', `/api/v2/tenant/users/${userId}/connections/${done.json.connectionId}/sync`, h.apiKey);
    expect(refused.status).toBe(429);
    expect(refused.json.type).toMatch(/refresh-quota-spent$/);
  }, 120_000);
});
