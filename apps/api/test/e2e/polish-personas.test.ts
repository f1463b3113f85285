import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { POLISH_API_PERSONAS } from '@kinko/sandbox-bank';
import { type ApiAccount, BANK_ID, type ConnectedUser, startPolishWorld, type PolishWorld } from './polish-harness';

// The PolishAPI personas `pnpm start` offers (POLISH_API_PERSONAS): each one, connected as
// its PSU and synced through the API on real PostgreSQL, reaches its outcome of the refresh
// document (SEEDS.md §3) with no knob turned — only the bank's own behaviour for that PSU.

const MINUTE = 60_000;
/** An account number's 26 digits (the API and the bank may write the country code or spaces differently). */
const digits = (n: string | null): string => (n ?? '').replace(/\D/g, '').slice(-26);

describe('PolishAPI personas of the main job: each reaches its seed outcome through the API', () => {
  let w: PolishWorld;

  beforeAll(async () => {
    w = await startPolishWorld({ users: POLISH_API_PERSONAS.map((p) => p.user), seed: 'polish-personas' });
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  });

  const connect = (login: string): Promise<ConnectedUser> => w.connectUser(`${login}-user`, login);
  const named = async (user: ConnectedUser): Promise<ApiAccount[]> => w.accounts(user.token);

  it('znika: the third account is listed by the first sync only → the next sync marks it failed, missingAccount, its lastSyncDate kept; the others complete', async () => {
    const user = await connect('znika');
    const first = await named(user);
    expect(first).toHaveLength(3);
    for (const a of first) expect(a).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'completed', syncError: null });
    // The bank's third account (the API lists in its own order): matched by its number's digits.
    const third = digits(w.sandbox.truth.accounts('znika')[2]?.accountNumber ?? null);
    const gone = first.find((a) => digits(a.accountNumber) === third) as ApiAccount;
    expect(gone).toBeDefined();
    w.clock.advance(MINUTE);
    await w.sync(user);
    const after = new Map((await named(user)).map((a) => [a.id, a]));
    expect(after.get(gone.id)).toMatchObject({ syncStatus: 'failed', lastSyncDate: gone.lastSyncDate, syncError: { errorType: 'missingAccount' } });
    for (const a of first.filter((x) => x.id !== gone.id)) {
      expect(after.get(a.id)).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'completed', syncError: null });
      expect(after.get(a.id)?.lastSyncDate).not.toBe(a.lastSyncDate);
    }
  });

  it('blad: one of three accounts — its booked list answers 400 → syncError aspspResponse with the bank’s status and content; the other two untouched', async () => {
    const user = await connect('blad');
    const accounts = await named(user);
    expect(accounts).toHaveLength(3);
    const hit = accounts.filter((a) => a.syncError !== null);
    expect(hit).toHaveLength(1);
    expect(digits(hit[0]?.accountNumber ?? null)).toBe(digits(w.sandbox.truth.accounts('blad')[1]?.accountNumber ?? null));
    expect(hit[0]?.syncError).toMatchObject({ errorType: 'aspspResponse', aspspResponse: { status: '400' } });
    expect(JSON.parse(hit[0]?.syncError?.aspspResponse?.content as string)).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(hit[0]?.transactionSyncStatus).not.toBe('completed');
    for (const a of accounts.filter((x) => x.syncError === null)) expect(a).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'completed' });
  });

  it('czesc: one kind (holds) refused on every account → partiallyFailed, aspspResponse', async () => {
    const user = await connect('czesc');
    const [account] = await named(user);
    expect(account).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'partiallyFailed', syncError: { errorType: 'aspspResponse', aspspResponse: { status: '400' } } });
  });

  it('awaria: every kind refused (500) → failed, aspspResponse', async () => {
    const user = await connect('awaria');
    const [account] = await named(user);
    expect(account).toMatchObject({ syncStatus: 'failed', transactionSyncStatus: 'failed', syncError: { errorType: 'aspspResponse', aspspResponse: { status: '500' } } });
  });

  it('podpis: after the first sync the bank refuses the app’s signature → the next sync fails every account with errorType signature', async () => {
    const user = await connect('podpis');
    expect(await named(user)).toEqual([expect.objectContaining({ syncStatus: 'active', syncError: null })]);
    w.clock.advance(MINUTE);
    await w.sync(user);
    for (const a of await named(user)) expect(a).toMatchObject({ syncStatus: 'failed', syncError: { errorType: 'signature' } });
  });

  it('jan: withdrawn through DELETE /api/v2/consents/{id} → DEAUTHORIZED, its accounts no longer listed', async () => {
    const user = await connect('jan');
    expect(await named(user)).toHaveLength(2);
    const withdrawn = await w.call<{ consent: Record<string, unknown> }>('DELETE', `/api/v2/consents/${user.consentId}`, user.token);
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.json.consent).toMatchObject({ status: 'revokedByUser', invalidationReason: 'RevokedByUser' });
    expect(await named(user)).toEqual([]);
  });

  it('konczy: the bank ends the consent 2 minutes after it is given → the next sync shows it expired (Expired, previousStatus valid)', async () => {
    const user = await connect('konczy');
    const [before] = await named(user);
    expect(before?.consent).toMatchObject({ status: 'valid' });
    w.clock.advance(3 * MINUTE);
    await w.sync(user);
    const [after] = await named(user);
    expect(after?.consent).toMatchObject({ id: user.consentId, status: 'expired', invalidationReason: 'Expired', previousStatus: 'valid' });
  });

  // Last: it moves the shared clock on.
  it('wygasa: the bank grants 5 minutes (scopeTimeLimit) → after them the consent is expired and a sync is refused without a bank call', async () => {
    const user = await connect('wygasa');
    const [before] = await named(user);
    expect(before?.consent).toMatchObject({ status: 'valid' });
    w.clock.advance(6 * MINUTE);
    const mark = w.lastSeq();
    const [after] = await named(user);
    expect(after?.consent).toMatchObject({ id: user.consentId, status: 'expired', invalidationReason: 'Expired', previousStatus: 'valid' });
    const refused = await w.call<{ type: string }>('POST', `/api/v2/bank/${BANK_ID}/sync`, user.token, {});
    expect([refused.status, refused.json.type]).toEqual([409, 'https://kinko.dev/problems/consent-expired']);
    expect(w.lastSeq()).toBe(mark);
  });
});
