/**
 * End to end with the GMO Aozora Net Bank connector (issue 18) and its own sandbox
 * (tools/sandbox-bank src/gmo-aozora: the personal Open API's shapes, deterministic Japanese
 * data): the user connects through the redirect flow started over the API (OAuth 2.0
 * authorisation code with PKCE S256 at the bank's login form), the first sync runs on real
 * PostgreSQL, and the accounts and transactions are read back through the API — 入金 positive,
 * 出金 negative, in yen, every item of the bank's two nextItemKey pages once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dateInZone } from '@kinko/domain';
import { gmoAozoraPersonaUser, startGmoAozoraSandbox, type GmoAozoraSandbox } from '@kinko/sandbox-bank';
import { startRedirectBankHarness, type RedirectBankHarness } from '../support/redirect-bank-harness';

const BANK_ID = 'sandbox-gmo-aozora';

interface ApiAccount {
  id: string;
  accountNumber: string | null;
}
interface ApiTransaction {
  bankTransactionId: string;
  kind: string;
  amount: { amountMinor: string; currency: string };
  transactionDate: string;
  description?: string | null;
}

describe('GMO Aozora Net Bank end to end (connect over the redirect flow with PKCE, sync, read back)', () => {
  let bank: GmoAozoraSandbox;
  let h: RedirectBankHarness;
  const today = dateInZone(new Date(), 'Asia/Tokyo');
  const hanako = gmoAozoraPersonaUser(today);

  beforeAll(async () => {
    bank = await startGmoAozoraSandbox({ clientId: 'kinko-e2e', clientSecret: 'e2e-secret', users: [hanako], today });
    h = await startRedirectBankHarness({
      tenantName: 'GMO Aozora tenant',
      bank: { bankId: BANK_ID, connector: 'gmo-aozora', options: { baseUrl: bank.baseUrl, clientId: 'kinko-e2e', clientSecret: 'e2e-secret' } },
    });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await bank?.close();
  });

  it('connects hanako at the bank’s login form (PKCE S256), syncs, and reads accounts and signed yen transactions back', async () => {
    const { token } = await h.newUser('hanako-e2e');
    const browser = await h.startConnect(BANK_ID, token);
    const asked = new URL(browser.bankUrl).searchParams;
    expect(asked.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(asked.get('code_challenge_method')).toBe('S256');
    const redirectUri = asked.get('redirect_uri') as string;
    expect(redirectUri).toBe(`${h.base}/api/v2/connect/callback`);

    // The user's browser at the bank: its login page (a form carrying the request), posted with the persona's login, then back with the code.
    const page = await (await fetch(browser.bankUrl)).text();
    const hidden = [...page.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [m[1] as string, (m[2] ?? '').replace(/&#(\d+);/g, (_x, c: string) => String.fromCharCode(Number(c)))]);
    expect(Object.fromEntries(hidden)).toEqual({ redirect_uri: redirectUri, state: asked.get('state'), code_challenge: asked.get('code_challenge') });
    const form = new URLSearchParams([...hidden, ['username', hanako.username], ['password', hanako.password]] as Array<[string, string]>);
    const atBank = await fetch(`${bank.baseUrl}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
    const back = new URL(atBank.headers.get('location') as string);
    const done = await h.completeConnect(back.href, browser);
    expect(done.status).toBe(200);
    for (const id of done.json.sessionIds) expect(await h.finished(token, id)).toBe('completed');

    const accounts = (await h.call<ApiAccount[]>('GET', '/api/v2/bankaccount', token)).json;
    expect(accounts.map((a) => a.accountNumber).sort()).toEqual(['1047569', '1234567']);
    const main = accounts.find((a) => a.accountNumber === '1234567') as ApiAccount;

    const items = await h.allTransactions<ApiTransaction>(token, main.id);
    // The first sync's window: every item the bank holds in it, once (the demo history is 200 days).
    const truth = hanako.accounts[0]!.transactions;
    const stored = new Set(items.map((t) => t.bankTransactionId));
    expect(stored.size).toBe(items.length);
    expect(items.length).toBeGreaterThan(500);
    expect(truth.filter((t) => stored.has(t.itemKey))).toHaveLength(items.length);
    const salary = truth.find((t) => t.remarks === '給与 カ）キンコ')!;
    const card = truth.find((t) => t.remarks === 'デビット ヨドバシカメラ')!;
    expect(items.find((t) => t.bankTransactionId === salary.itemKey)?.amount).toMatchObject({ amountMinor: '285000', currency: 'JPY' });
    expect(items.find((t) => t.bankTransactionId === card.itemKey)?.amount).toMatchObject({ amountMinor: '-3450', currency: 'JPY' });
  }, 180_000);
});
