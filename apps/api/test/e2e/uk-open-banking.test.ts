/**
 * End to end with the UK Open Banking 4.0 AIS connector (issue 18) and its sandbox
 * (tools/sandbox-bank src/uk-open-banking: deterministic GBP personas): the user connects
 * through the redirect flow started over the API — the connector creates the account-access
 * consent, the user authorises it at the bank's page (code + PKCE S256, exact redirect URI,
 * state, nonce) — the first sync runs on real PostgreSQL, and the accounts, booked, pending
 * and scheduled transactions (GBP minor units) are read back through the API; then the
 * personas whose consent goes wrong: rejected at the bank, revoked there, expired, and one
 * account the bank cannot read.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dateInZone } from '@kinko/domain';
import { startUkOpenBankingSandbox, ukOpenBankingPersonaUsers, type UkOpenBankingSandbox } from '@kinko/sandbox-bank';
import { startRedirectBankHarness, type RedirectBankHarness } from '../support/redirect-bank-harness';

const BANK_ID = 'sandbox-uk-open-banking';

interface ApiAccount {
  id: string;
  accountNumber: string | null;
  syncStatus: string;
  transactionSyncStatus: string | null;
  syncError: { errorType: string; aspspResponse?: { status: string } } | null;
  consent: { id: string; status: string; expirationDate: string | null; invalidationReason?: string | null } | null;
}
interface ApiTransaction {
  bankTransactionId: string;
  kind: string;
  amount: { amountMinor: string; currency: string };
  transactionDate: string;
}

describe('UK Open Banking end to end (consent, redirect with PKCE/state/nonce, sync, read back, consent outcomes)', () => {
  let bank: UkOpenBankingSandbox;
  let h: RedirectBankHarness;
  let clock = Date.now();
  const today = dateInZone(new Date(), 'Europe/London');
  const users = ukOpenBankingPersonaUsers(today);

  beforeAll(async () => {
    // Kinko's callback is registered at the bank on loopback (any port, RFC 8252): the exact path is enforced.
    bank = await startUkOpenBankingSandbox({ clientId: 'kinko-e2e', clientSecret: 'e2e-secret', users, redirectUris: ['http://127.0.0.1/api/v2/connect/callback'], now: () => clock });
    h = await startRedirectBankHarness({
      tenantName: 'UK Open Banking tenant',
      bank: { bankId: BANK_ID, connector: 'uk-open-banking', options: { baseUrl: bank.baseUrl, clientId: 'kinko-e2e', clientSecret: 'e2e-secret' } },
    });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await bank?.close();
  });

  /** Starts the connect over the API and plays the user's browser at the bank's page; the callback's answer. */
  async function connect(login: string, decision: 'allow' | 'deny' = 'allow') {
    const { token } = await h.newUser(`${login}-e2e-${Math.random().toString(36).slice(2, 8)}`);
    const browser = await h.startConnect(BANK_ID, token);
    const asked = new URL(browser.bankUrl).searchParams;
    const page = await (await fetch(browser.bankUrl)).text();
    const hidden = [...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m): [string, string] => [m[1] as string, (m[2] ?? '').replace(/&#(\d+);/g, (_x, c: string) => String.fromCharCode(Number(c)))]);
    const form = new URLSearchParams([...hidden, ['username', login], ['password', 'sandbox'], ['decision', decision]]);
    const atBank = await fetch(`${bank.baseUrl}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
    const done = await h.completeConnect(atBank.headers.get('location') as string, browser);
    return { token, asked, hidden: Object.fromEntries(hidden), done };
  }
  const accounts = async (token: string) => (await h.call<ApiAccount[]>('GET', '/api/v2/bankaccount', token)).json;
  const consent = async (token: string, id: string | undefined) => (await h.call<{ status: string; invalidationReason: string | null }>('GET', `/api/v2/consents/${id ?? 'none'}`, token)).json;
  async function sync(token: string): Promise<string> {
    const started = await h.call<{ sessionId: string }>('POST', `/api/v2/bank/${BANK_ID}/sync`, token, {});
    expect(started.status).toBe(202);
    return h.finished(token, started.json.sessionId);
  }

  it('connects oliver (consent AUTH), syncs, and reads accounts and booked, pending and scheduled GBP transactions back', async () => {
    const { token, asked, hidden, done } = await connect('oliver');
    expect(asked.get('code_challenge_method')).toBe('S256');
    expect(asked.get('redirect_uri')).toBe(`${h.base}/api/v2/connect/callback`);
    expect(asked.get('nonce')).toMatch(/^[\w-]{20,}$/);
    const consentId = asked.get('openbanking_intent_id') as string;
    expect(hidden).toMatchObject({ redirect_uri: `${h.base}/api/v2/connect/callback`, state: asked.get('state'), nonce: asked.get('nonce'), openbanking_intent_id: consentId });
    expect(done.status).toBe(200);
    expect(bank.consentStatus(consentId)).toBe('AUTH');
    for (const id of done.json.sessionIds) expect(await h.finished(token, id)).toBe('completed');

    const listed = await accounts(token);
    expect(listed.map((a) => a.accountNumber).sort()).toEqual(['40400411112222', '40400433334444']);
    const current = listed.find((a) => a.accountNumber === '40400411112222') as ApiAccount;
    expect(current.consent?.status).toBe('valid');

    const truth = users.find((u) => u.username === 'oliver')!.accounts[0]!;
    const items = await h.allTransactions<ApiTransaction>(token, current.id);
    expect(items.filter((t) => t.kind === 'booked')).toHaveLength(truth.transactions.filter((t) => t.status === 'BOOK').length);
    expect(items.filter((t) => t.kind === 'pending').map((t) => t.bankTransactionId).sort()).toEqual(['pending:oliver-p-1', 'pending:oliver-p-2']);
    expect(items.filter((t) => t.kind === 'scheduled').map((t) => [t.bankTransactionId, t.amount.amountMinor]).sort()).toEqual([
      ['scheduled:oliver-sp-1', '-95000'],
      ['scheduled:oliver-sp-2', '-4500'],
      ['scheduled:oliver-sp-3', '-25000'],
    ]);
    const salary = truth.transactions.find((t) => t.information === 'SALARY KINKO LTD')!;
    expect(items.find((t) => t.bankTransactionId === `booked:${salary.transactionId}`)?.amount).toMatchObject({ amountMinor: '265000', currency: 'GBP' });
    const card = truth.transactions.find((t) => t.status === 'BOOK' && t.amountMinor < 0)!;
    expect(items.find((t) => t.bankTransactionId === `booked:${card.transactionId}`)?.amount).toMatchObject({ amountMinor: String(card.amountMinor), currency: 'GBP' });
  }, 180_000);

  it('rachel rejects the consent at the bank (RJCT): the connect fails as declined, no account', async () => {
    const { token, asked, done } = await connect('rachel');
    expect(done.status).toBe(403);
    expect(bank.consentStatus(asked.get('openbanking_intent_id') as string)).toBe('RJCT');
    expect(await accounts(token)).toEqual([]);
  }, 120_000);

  it('victor revokes the consent at the bank (CANC): the next sync finds it revokedByUser (DEAUTHORIZED), its account no longer listed', async () => {
    const { token, done } = await connect('victor');
    for (const id of done.json.sessionIds) expect(await h.finished(token, id)).toBe('completed');
    expect(await accounts(token)).toHaveLength(1);
    clock += 61_000; // a minute later he revokes it at the bank
    try {
      await sync(token);
      expect(await consent(token, done.json.consentId)).toMatchObject({ status: 'revokedByUser', invalidationReason: 'RevokedByUser' });
      expect(await accounts(token)).toEqual([]);
    } finally {
      clock = Date.now();
    }
  }, 120_000);

  it('edith’s consent expires at the bank (EXPD): the next sync shows the consent expired (reason Expired)', async () => {
    const { token, done } = await connect('edith');
    for (const id of done.json.sessionIds) expect(await h.finished(token, id)).toBe('completed');
    clock += 61_000; // the bank gave it one minute
    try {
      await sync(token);
      expect(await consent(token, done.json.consentId)).toMatchObject({ status: 'expired', invalidationReason: 'Expired' });
      const [account] = await accounts(token);
      expect(account?.consent).toMatchObject({ status: 'expired' });
    } finally {
      clock = Date.now();
    }
  }, 120_000);

  it('fiona: the bank refuses one account (403 OBErrorResponse1) — that one fails with the bank’s answer, the other syncs', async () => {
    const { token, done } = await connect('fiona');
    for (const id of done.json.sessionIds) await h.finished(token, id);
    const byNumber = new Map((await accounts(token)).map((a) => [a.accountNumber, a]));
    expect(byNumber.get('40400412121212')).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'completed', syncError: null });
    expect(byNumber.get('40400434343434')).toMatchObject({ syncStatus: 'failed', syncError: { errorType: 'aspspResponse', aspspResponse: { status: '403' } } });
  }, 180_000);
});
