/**
 * The GMO Aozora failure personas `pnpm start` offers (tools/sandbox-bank src/gmo-aozora
 * gmoAozoraFailureUsers) and the login page's 許可しない: each, connected through the redirect flow
 * over the API on real PostgreSQL, reaches its honest outcome with no knob turned — only the
 * bank's own behaviour for that user.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dateInZone } from '@kinko/domain';
import { gmoAozoraFailureUsers, gmoAozoraPersonaUser, startGmoAozoraSandbox, type GmoAozoraSandbox, type GmoAozoraUser } from '@kinko/sandbox-bank';
import { startRedirectBankHarness, type ConnectDone, type RedirectBankHarness } from '../support/redirect-bank-harness';
import type { Reply } from '../support/http-reply';

const BANK_ID = 'sandbox-gmo-aozora';

interface ApiAccount {
  id: string;
  accountNumber: string | null;
  consent: { status: string; invalidationReason: string | null } | null;
  syncStatus: string;
  transactionSyncStatus: string | null;
  syncError: { errorType: string; aspspResponse: { status: unknown; content: string } | null } | null;
}

describe('GMO Aozora failure personas: each reaches its outcome through the API', () => {
  let bank: GmoAozoraSandbox;
  let h: RedirectBankHarness;
  const today = dateInZone(new Date(), 'Asia/Tokyo');
  const hanako = gmoAozoraPersonaUser(today);
  const failing = gmoAozoraFailureUsers(today);
  const persona = (name: string): GmoAozoraUser => failing.find((u) => u.username === name) as GmoAozoraUser;

  beforeAll(async () => {
    bank = await startGmoAozoraSandbox({ clientId: 'kinko-e2e', clientSecret: 'e2e-secret', users: [hanako, ...failing], today });
    h = await startRedirectBankHarness({
      tenantName: 'GMO Aozora personas',
      bank: { bankId: BANK_ID, connector: 'gmo-aozora', options: { baseUrl: bank.baseUrl, clientId: 'kinko-e2e', clientSecret: 'e2e-secret' } },
    });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await bank?.close();
  });

  /** A new API user connects `user` at the bank's login page, pressing `decision`; the callback's answer. */
  async function connect(user: GmoAozoraUser, decision: 'allow' | 'deny' = 'allow'): Promise<{ token: string; done: Reply<ConnectDone> }> {
    const { token } = await h.newUser(`${user.username}-${decision}-e2e`);
    const browser = await h.startConnect(BANK_ID, token);
    const page = await (await fetch(browser.bankUrl)).text();
    expect(page).toContain('許可しない');
    // The form's hidden fields (its two buttons carry the decision).
    const hidden = [...page.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [m[1] as string, (m[2] ?? '').replace(/&#(\d+);/g, (_x, c: string) => String.fromCharCode(Number(c)))]);
    const form = new URLSearchParams([...hidden, ['username', user.username], ['password', user.password], ['decision', decision]]);
    const atBank = await fetch(`${bank.baseUrl}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
    return { token, done: await h.completeConnect(atBank.headers.get('location') as string, browser) };
  }
  const accounts = async (token: string): Promise<ApiAccount[]> => (await h.call<ApiAccount[]>('GET', '/api/v2/bankaccount', token)).json;

  it('許可しない at the login page: the callback answers 403 problem+json and no account or connection is made', async () => {
    const { token, done } = await connect(hanako, 'deny');
    expect([done.status, (done.json as unknown as { type: string }).type]).toEqual([403, 'https://kinko.dev/problems/forbidden']);
    expect(await accounts(token)).toEqual([]);
  }, 60_000);

  it('yuki: the 凍結 account fails with the bank’s 403 ErrorResponse as its syncError; the other account syncs', async () => {
    const yuki = persona('yuki');
    const { token, done } = await connect(yuki);
    expect(done.status).toBe(200);
    for (const id of done.json.sessionIds) await h.finished(token, id);
    const listed = await accounts(token);
    expect(listed.map((a) => a.accountNumber).sort()).toEqual(['1300001', '1300002']);
    const frozen = listed.find((a) => a.accountNumber === '1300002');
    expect(frozen).toMatchObject({ syncError: { errorType: 'aspspResponse', aspspResponse: { status: '403', content: 'WG_ERR_403: 口座が凍結されているため照会できません' } } });
    expect(frozen?.transactionSyncStatus).not.toBe('completed');
    expect(listed.find((a) => a.accountNumber === '1300001')).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'completed', syncError: null });
  }, 120_000);

  it('jiro: the first sync completes; after he withdrew at the bank the next sync fails and the consent shows expired (the user must authorise again)', async () => {
    const jiro = persona('jiro');
    const { token, done } = await connect(jiro);
    expect(done.status).toBe(200);
    for (const id of done.json.sessionIds) expect(await h.finished(token, id)).toBe('completed');
    expect(await accounts(token)).toEqual([expect.objectContaining({ syncStatus: 'active', transactionSyncStatus: 'completed', consent: expect.objectContaining({ status: 'valid' }) })]);
    const again = await h.call<{ sessionId: string }>('POST', `/api/v2/bank/${BANK_ID}/sync`, token, {});
    expect(again.status).toBe(202);
    expect(await h.finished(token, again.json.sessionId)).toBe('failed');
    const [after] = await accounts(token);
    expect(after).toEqual(expect.objectContaining({ consentStatus: 'inactive', consent: expect.objectContaining({ status: 'expired', invalidationReason: 'Expired', previousStatus: 'valid' }) }));
    // The bank's refusal is the syncError (its 401 and what it said), not an internal error.
    expect(after?.syncError).toMatchObject({ errorType: 'aspspResponse', aspspResponse: { status: '401', content: 'WG_ERR_102: アクセストークンが無効です' } });
  }, 120_000);

  it('isogashi: the bank throttles his first three requests (429, Retry-After 1 s): the sync waits as told and completes', async () => {
    const busy = persona('isogashi');
    const mark = bank.answers.length;
    const { token, done } = await connect(busy);
    expect(done.status).toBe(200);
    for (const id of done.json.sessionIds) expect(await h.finished(token, id)).toBe('completed');
    expect(bank.answers.slice(mark).filter((a) => a.status === 429)).toHaveLength(3);
    expect(await accounts(token)).toEqual([expect.objectContaining({ syncStatus: 'active', transactionSyncStatus: 'completed', syncError: null })]);
  }, 120_000);
});
