/**
 * End to end with the Berlin Group NextGenPSD2 1.3.12 sandbox bank (issue 17 §4) and the
 * contract v2 paths of the app (§2): the user connects through the redirect flow started over
 * the API (the consent id the bank assigns on POST /v1/consents rides as the connector's
 * flowState, sealed in the connect flow — never in the redirect URI; PSU-IP-Address from the
 * user's request, which the bank requires), the first sync runs on real PostgreSQL, and the
 * accounts, the balances (the bank's current booked balance, the days before it derived from
 * the booked transactions) and the transactions are read back through the API. The consent
 * row ends when the bank's validUntil says (the connector's consent facts).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { berlinGroupPersonaUsers, startBerlinGroupSandbox, type BerlinGroupSandbox } from '@kinko/sandbox-bank';
import { addDays, dateInZone } from '@kinko/domain';
import { startRedirectBankHarness, type RedirectBankHarness } from '../support/redirect-bank-harness';

const BANK_ID = 'sandbox-berlin-group';
const ZONE = 'Europe/Berlin';

interface ApiAccount {
  id: string;
  accountNumber: string | null;
  iban?: string | null;
  consent: { id: string; status: string; expirationDate: string | null } | null;
}
interface ApiTransaction {
  bankTransactionId: string;
  kind: string;
  amount: { amountMinor: string; currency: string };
  transactionDate: string;
  bookingDate?: string | null;
}

describe('Berlin Group bank end to end (connect over the redirect flow, sync, read back)', () => {
  let sandbox: BerlinGroupSandbox;
  let h: RedirectBankHarness;
  const today = dateInZone(new Date(), ZONE);

  beforeAll(async () => {
    sandbox = await startBerlinGroupSandbox({ users: berlinGroupPersonaUsers(today) });
    h = await startRedirectBankHarness({
      tenantName: 'Berlin Group tenant',
      bank: { bankId: BANK_ID, connector: 'berlin-group', options: { baseUrl: sandbox.url, clientId: 'kinko-e2e', bankName: 'Sandbox Bank (Berlin Group)', consentValidityDays: 30 } },
    });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await sandbox?.close();
  });

  it('connects lena through the bank’s SCA page, syncs, and reads accounts, balances and transactions back', async () => {
    const { token } = await h.newUser('lena-e2e');
    const browser = await h.startConnect(BANK_ID, token);
    // The bank's OAuth page for the consent the connector created (POST /v1/consents, which
    // refuses a request without PSU-IP-Address): scope AIS:<consentId>.
    const bankUrl = new URL(browser.bankUrl);
    expect(`${bankUrl.origin}${bankUrl.pathname}`).toBe(`${sandbox.url}/oauth/authorize`);
    const consentId = /^AIS:(.+)$/.exec(bankUrl.searchParams.get('scope') ?? '')?.[1] as string;
    expect(sandbox.testHooks.consent(consentId)).toMatchObject({ status: 'received', recurringIndicator: true, validUntil: addDays(today, 30), frequencyPerDay: 4 });
    // The redirect URI the bank sends the user back to does not carry the consent id: it comes back to the connector as sealed flow state.
    const redirectUri = bankUrl.searchParams.get('redirect_uri') as string;
    expect(redirectUri).toBe(`${h.base}/api/v2/connect/callback`);

    const back = await sandbox.testHooks.approve(browser.bankUrl, 'lena', 'sandbox');
    expect(Object.keys(back).sort()).toEqual(['code', 'state']);
    const done = await h.completeConnect(`${redirectUri}?${new URLSearchParams(back).toString()}`, browser);
    expect(done.status).toBe(200);
    expect(sandbox.testHooks.consent(consentId)?.status).toBe('valid');
    for (const id of done.json.sessionIds) expect(await h.finished(token, id)).toBe('completed');

    // Accounts, with the consent ending when the bank's validUntil says (end of that day).
    const accounts = (await h.call<ApiAccount[]>('GET', '/api/v2/bankaccount', token)).json;
    expect(accounts.map((a) => a.accountNumber).sort()).toEqual(['DE02120300000000202051', 'DE89370400440532013000']);
    const giro = accounts.find((a) => a.accountNumber === 'DE89370400440532013000') as ApiAccount;
    expect(giro.consent?.status).toBe('valid');
    expect(giro.consent?.expirationDate?.slice(0, 10)).toBe(addDays(today, 31));

    // Transactions: every booked item of the 120 days and the 2 pending ones, amounts in cents.
    const truth = berlinGroupPersonaUsers(today)[0]?.accounts[0];
    const items = await h.allTransactions<ApiTransaction>(token, giro.id);
    expect(items.filter((t) => t.kind === 'booked')).toHaveLength(truth?.booked.length ?? -1);
    expect(items.filter((t) => t.kind === 'pending').map((t) => t.bankTransactionId).sort()).toEqual(['pending:lena-p-1', 'pending:lena-p-2']);
    const salary = items.find((t) => t.bankTransactionId === `booked:${truth?.booked.find((b) => b.remittanceInformationUnstructured === 'Gehalt')?.transactionId}`);
    expect(salary?.amount).toMatchObject({ amountMinor: '285000', currency: 'EUR' });

    // Balances: today's is the bank's current booked balance; the days before it are derived
    // backwards from it over the booked transactions (the bank keeps no daily history).
    const balances = await h.call<{ items: Array<{ date: string; balance: { amountMinor: string }; source: string }> }>('GET', `/api/v2/accounts/${giro.id}/balances?from=${addDays(today, -3)}&to=${today}`, token);
    expect(balances.status).toBe(200);
    const bookedUpTo = (day: string) => (truth?.booked ?? []).filter((t) => (t.bookingDate as string) <= day).reduce((s, t) => s + t.amountMinor, truth?.openingBalanceMinor ?? 0n);
    expect(balances.json.items).toEqual(
      [3, 2, 1, 0].map((back) => ({
        date: addDays(today, -back),
        balance: expect.objectContaining({ amountMinor: bookedUpTo(addDays(today, -back)).toString() }),
        source: back === 0 ? 'bank' : 'derived',
      })),
    );
  }, 120_000);
});
