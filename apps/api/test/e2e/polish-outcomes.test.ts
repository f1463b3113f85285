import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { polishApiOperation, type PolishApiOperation } from '@kinko/sandbox-bank';
import { generateKeyPairSync } from 'node:crypto';
import { type ApiAccount, type ApiTransaction, CLIENT_ID, startPolishWorld, type ConnectedUser, type PolishWorld } from './polish-harness';

// The refresh document's outcomes (seeds/ais-refresh-mechanism.pl.txt) replayed end to end
// through the API against the PolishAPI sandbox (today 2020-06-01): what happens to pending
// items, and the DEAUTHORIZED, EXPIRED and ERROR scenarios as GET /api/v2/bankaccount shows them.

const KINDS: readonly PolishApiOperation[] = ['getTransactionsDone', 'getTransactionsPending', 'getTransactionsRejected', 'getTransactionsCancelled', 'getTransactionsScheduled', 'getHolds'];
const quiet = { kind: 'savings', activity: false, transactions: 40, historyDays: 60, ongoing: false } as const;
const HOUR = 3_600_000;

describe('PolishAPI: outcomes of the refresh document through the API (today 2020-06-01)', () => {
  let w: PolishWorld;

  beforeAll(async () => {
    w = await startPolishWorld({
      users: [
        { login: 'piotr', password: 'haslo-piotra', accounts: [{ ...quiet, name: 'Osobiste' }] },
        { login: 'ewa', password: 'haslo-ewy', accounts: [quiet, quiet, quiet] },
        { login: 'kasia', password: 'haslo-kasi', accounts: [quiet] },
        { login: 'marek', password: 'haslo-marka', accounts: [quiet, quiet] },
        { login: 'zofia', password: 'haslo-zofii', accounts: [quiet, quiet] },
        { login: 'adam', password: 'haslo-adama', accounts: [quiet] },
        { login: 'hanna', password: 'haslo-hanny', accounts: [quiet] },
        { login: 'zmiany', password: 'haslo-zmian', accounts: [quiet], behaviour: { changingItemsOnAccount: 0 } },
      ],
      seed: 'polish-outcomes',
    });
  }, 120_000);

  afterAll(async () => {
    await w?.close();
  });

  /** The user's accounts by their account number. */
  const byNumber = async (user: ConnectedUser): Promise<Map<string, ApiAccount>> => new Map((await w.accounts(user.token)).map((a) => [a.accountNumber as string, a]));
  const kindsOf = async (user: ConnectedUser, accountId: string) => (await w.transactions(user.token, accountId)).map((t) => `${t.kind} ${t.amount.amountMinor}`);

  it('pending items: an incomplete fetch deletes nothing; a complete one deletes those that did not come back; booked rows stay; a pending that booked is linked, not duplicated', async () => {
    const piotr = await w.connectUser('piotr-user', 'piotr');
    const [account] = await w.accounts(piotr.token);
    const number = account?.accountNumber as string;
    const id = account?.id as string;
    const bookedAtFirst = (await w.transactions(piotr.token, id)).filter((t) => t.kind === 'booked').map((t) => t.bankTransactionId);
    expect(bookedAtFirst.length).toBeGreaterThan(20);

    const rentAtBank = w.sandbox.knobs.addPending(number, { amount: -5_000n, description: 'Czynsz za maj', tradeDate: '2020-05-30' }) as { itemId: string };
    w.sandbox.knobs.addPending(number, { amount: -1_234n, description: 'Przelew do Anny', tradeDate: '2020-05-31', bookOn: '2020-06-02' });
    expect(await w.sync(piotr)).toBe('completed');
    expect(await kindsOf(piotr, id)).toEqual(expect.arrayContaining(['pending -5000', 'pending -1234']));

    // The bank drops the rent transfer, but another kind fails: the fetch is incomplete, nothing is deleted.
    w.sandbox.knobs.removeItem(number, rentAtBank.itemId);
    w.sandbox.knobs.faults.failNext(1, { type: 'status', status: 400 }, { operations: [polishApiOperation('getTransactionsScheduled')] });
    expect(await w.sync(piotr)).toBe('partiallyFailed');
    expect((await w.accounts(piotr.token))[0]).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'partiallyFailed' });
    expect(await kindsOf(piotr, id)).toContain('pending -5000');

    // A complete fetch: the pending that did not come back is deleted.
    expect(await w.sync(piotr)).toBe('completed');
    expect((await w.accounts(piotr.token))[0]).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'completed' });
    expect(await kindsOf(piotr, id)).not.toContain('pending -5000');
    expect(await kindsOf(piotr, id)).toContain('pending -1234');

    // Two days on, the transfer to Anna books: one booked row, no pending left beside it.
    w.sandbox.testHooks.advance(2);
    expect(await w.sync(piotr)).toBe('completed');
    const after = await w.transactions(piotr.token, id);
    expect(after.filter((t) => t.amount.amountMinor === '-1234').map((t) => t.kind)).toEqual(['booked']);
    // The pending row is kept as history, linked to the booked one that replaced it.
    const booked = after.find((t) => t.amount.amountMinor === '-1234');
    const superseded = (await w.call<{ items: ApiTransaction[] }>('GET', `/api/v2/accounts/${id}/transactions?includeSuperseded=true&kind=pending`, piotr.token)).json.items;
    expect(superseded.filter((t) => t.amount.amountMinor === '-1234').map((t) => t.linkedBookedId)).toEqual([booked?.id]);
    // How the link was made: the bank kept its reference (the itemId) when the transfer booked, two days after it was ordered.
    expect(superseded.filter((t) => t.amount.amountMinor === '-1234').map((t) => t.linkEvidence)).toEqual([
      { method: 'bankReference', dateDifferenceDays: 0, amountDifferenceMinor: '0', description: 'same', candidates: 1 },
    ]);
    // Booked rows are never deleted, though the incremental windows no longer fetch the old ones.
    const bookedNow = new Set(after.filter((t) => t.kind === 'booked').map((t) => t.bankTransactionId));
    expect(bookedAtFirst.filter((b) => !bookedNow.has(b))).toEqual([]);
  });

  it('scheduled payments: listed with their future dates; one cancelled at the bank is deleted; one that executes becomes its booked transaction, linked, counted once', async () => {
    const hanna = await w.connectUser('hanna-user', 'hanna');
    const [account] = await w.accounts(hanna.token);
    const number = account?.accountNumber as string;
    const id = account?.id as string;
    const today = w.sandbox.testHooks.today();
    const inDays = (n: number) => new Date(Date.parse(`${today}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
    // A payment for next week, one in two months (inside the 90-day horizon), and one the PSU cancels tomorrow.
    w.sandbox.knobs.addScheduled(number, { amount: -185_000n, description: 'Czynsz za czerwiec', executionDate: inDays(3) });
    w.sandbox.knobs.addScheduled(number, { amount: -6_500n, description: 'Abonament kwartalny', executionDate: inDays(60) });
    w.sandbox.knobs.addScheduled(number, { amount: -30_000n, description: 'Przelew: prezent', executionDate: inDays(10), outcome: 'cancel', cancelOn: inDays(1) });
    expect(await w.sync(hanna)).toBe('completed');
    const scheduled = (await w.transactions(hanna.token, id)).filter((t) => t.kind === 'scheduled').map((t) => [t.amount.amountMinor, t.transactionDate]);
    expect(scheduled.sort()).toEqual([
      ['-185000', inDays(3)],
      ['-30000', inDays(10)],
      ['-6500', inDays(60)],
    ]);
    // Not yet transactions of the account: its last transaction date stays in the past.
    expect((await w.accounts(hanna.token))[0]?.lastTransactionDate ?? '').not.toMatch(new RegExp(`^(${inDays(3)}|${inDays(10)}|${inDays(60)})`));

    // Tomorrow the gift transfer is cancelled at the bank: the complete fetch no longer returns it, so it is deleted.
    w.sandbox.testHooks.advance(1);
    expect(await w.sync(hanna)).toBe('completed');
    const afterCancel = await w.transactions(hanna.token, id);
    expect(afterCancel.filter((t) => t.amount.amountMinor === '-30000')).toEqual([]);
    expect(afterCancel.filter((t) => t.kind === 'scheduled').map((t) => t.amount.amountMinor).sort()).toEqual(['-185000', '-6500']);

    // On its execution day the rent is booked: one booked row; the scheduled row is kept as history, linked to it.
    w.sandbox.testHooks.advance(2);
    expect(await w.sync(hanna)).toBe('completed');
    const listed = await w.transactions(hanna.token, id);
    const rent = listed.filter((t) => t.amount.amountMinor === '-185000');
    expect(rent.map((t) => [t.kind, t.transactionDate])).toEqual([['booked', inDays(3)]]);
    const history = (await w.call<{ items: ApiTransaction[] }>('GET', `/api/v2/accounts/${id}/transactions?includeSuperseded=true&kind=scheduled`, hanna.token)).json.items;
    expect(history.map((t) => [t.amount.amountMinor, t.linkedBookedId, t.linkEvidence?.method])).toEqual(
      expect.arrayContaining([['-185000', rent[0]?.id, 'bankReference'], ['-6500', null, undefined]]),
    );
    expect(history).toHaveLength(2);
  });

  it('the changing-items persona: a pending that books and a scheduled payment that executes are linked to their booked rows; the hold that disappears and the cancelled payment are deleted; the total counts each once', async () => {
    const user = await w.connectUser('zmiany-user', 'zmiany');
    const [account] = await w.accounts(user.token);
    const id = account?.id as string;
    const sum = (rows: readonly ApiTransaction[]) => rows.reduce((acc, t) => acc + BigInt(t.amount.amountMinor), 0n);
    const first = await w.transactions(user.token, id);
    expect(first.filter((t) => t.kind !== 'booked').map((t) => `${t.kind} ${t.amount.amountMinor}`).sort()).toEqual(['hold -15000', 'pending -4200', 'scheduled -185000', 'scheduled -30000']);
    const bookedBefore = sum(first.filter((t) => t.kind === 'booked'));

    expect(await w.sync(user)).toBe('completed');
    const after = await w.transactions(user.token, id);
    expect(after.filter((t) => t.kind !== 'booked')).toEqual([]);
    const rent = after.find((t) => t.amount.amountMinor === '-185000');
    const transfer = after.find((t) => t.amount.amountMinor === '-4200');
    expect([rent?.kind, transfer?.kind]).toEqual(['booked', 'booked']);
    // Each payment once in the listing: the booked rows are the old ones plus the two that booked.
    expect(sum(after)).toBe(bookedBefore - 185_000n - 4_200n);
    const superseded = (await w.call<{ items: ApiTransaction[] }>('GET', `/api/v2/accounts/${id}/transactions?includeSuperseded=true&limit=500`, user.token)).json.items.filter(
      (t) => t.linkedBookedId !== null,
    );
    expect(superseded.map((t) => [t.kind, t.linkedBookedId, t.linkEvidence?.method, t.linkEvidence?.dateDifferenceDays]).sort()).toEqual([
      ['pending', transfer?.id, 'bankReference', 0],
      ['scheduled', rent?.id, 'bankReference', -7],
    ]);
  });

  // Not passing yet (see /work/notes/POLISH-REPLAYS-REPORT.md): the app fails every account of the
  // connection on one account's error, and a removed account is not always reported missing.
  describe('ERROR', () => {
    let ewa: ConnectedUser;
    beforeAll(async () => {
      ewa = await w.connectUser('ewa-user', 'ewa');
    });
    afterAll(() => w.sandbox.knobs.reset());

    it('an account the bank stops returning: that one failed with missingAccount, its lastSyncDate kept; the other two synced', async () => {
      const before = await byNumber(ewa);
      const [gone, ...kept] = [...before.keys()];
      w.clock.advance(HOUR);
      w.sandbox.knobs.removeAccount(gone as string);
      await w.sync(ewa);
      const after = await byNumber(ewa);
      expect(after.get(gone as string)).toMatchObject({ syncStatus: 'failed', lastSyncDate: before.get(gone as string)?.lastSyncDate, syncError: { errorType: 'missingAccount' } });
      for (const n of kept) {
        expect(after.get(n)).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'completed', syncError: null });
        expect(after.get(n)?.lastSyncDate).not.toBe(before.get(n)?.lastSyncDate);
      }
      w.sandbox.knobs.restoreAccount(gone as string);
      expect(await w.sync(ewa)).toBe('completed');
      expect([...(await byNumber(ewa)).values()].map((a) => a.syncStatus)).toEqual(['active', 'active', 'active']);
    });

    it('a bank error on one account: syncError aspspResponse with the bank’s status and body; the other accounts unaffected', async () => {
      w.sandbox.knobs.faults.failNext(1, { type: 'status', status: 400 }, { operations: [polishApiOperation('getTransactionsPending')] });
      expect(await w.sync(ewa)).toBe('partiallyFailed');
      const all = await w.accounts(ewa.token);
      const hit = all.filter((a) => a.syncError !== null);
      expect(hit).toHaveLength(1);
      expect(hit[0]).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'partiallyFailed', syncError: { errorType: 'aspspResponse', aspspResponse: { status: '400' } } });
      expect(JSON.parse(hit[0]?.syncError?.aspspResponse?.content as string)).toMatchObject({ code: 'HTTP_400', message: 'injected fault' });
      for (const a of all.filter((x) => x.syncError === null)) expect(a).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'completed' });
    });

    it('one kind failing → partiallyFailed; every kind failing → transactions failed, the account (fetched) still active', async () => {
      w.sandbox.knobs.faults.failNext(3, { type: 'status', status: 400 }, { operations: [polishApiOperation('getHolds')] });
      await w.sync(ewa);
      for (const a of await w.accounts(ewa.token)) expect(a).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'partiallyFailed' });

      // Every list refused, the account details fetched: the seed's "accounts fetched but
      // transactions not" — syncStatus stays active and lastSyncDate moves; the transactions failed.
      const before = new Map((await w.accounts(ewa.token)).map((a) => [a.id, a.lastSyncDate]));
      w.clock.advance(HOUR);
      w.sandbox.knobs.faults.set({ errorRates: { 400: 1 }, operations: KINDS.map(polishApiOperation) });
      await w.sync(ewa);
      for (const a of await w.accounts(ewa.token)) {
        expect(a).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'failed', syncError: { errorType: 'aspspResponse' } });
        expect(a.lastSyncDate).not.toBeNull();
        expect(a.lastSyncDate).not.toBe(before.get(a.id));
      }
      w.sandbox.knobs.faults.reset();
      expect(await w.sync(ewa)).toBe('completed');
      for (const a of await w.accounts(ewa.token)) expect(a).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'completed', syncError: null });
    });
  });

  it('EXPIRED: the consent ends at the bank → the next sync shows consent expired, invalidationReason Expired, previousStatus kept', async () => {
    const kasia = await w.connectUser('kasia-user', 'kasia');
    const atBank = w.sandbox.testHooks.consents().filter((c) => c.login === 'kasia' && c.status === 'valid');
    expect(atBank).toHaveLength(1);
    w.sandbox.testHooks.expireConsent(atBank[0]?.consentId as string);
    await w.sync(kasia);
    const [account] = await w.accounts(kasia.token);
    expect(account?.consent).toMatchObject({ id: kasia.consentId, status: 'expired', invalidationReason: 'Expired', previousStatus: 'valid' });
  });

  it('DEAUTHORIZED: deleting the consent calls deleteConsent; its accounts become inactive and are no longer listed; their data is kept', async () => {
    const marek = await w.connectUser('marek-user', 'marek');
    const listed = await w.accounts(marek.token);
    expect(listed).toHaveLength(2);
    const data = await w.transactions(marek.token, listed[0]?.id as string);
    const mark = w.lastSeq();
    const withdrawn = await w.call<{ consent: Record<string, unknown> }>('DELETE', `/api/v2/consents/${marek.consentId}`, marek.token);
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.json.consent).toMatchObject({ status: 'revokedByUser', invalidationReason: 'RevokedByUser', previousStatus: 'valid' });
    expect(w.sandbox.requests({ operation: polishApiOperation('deleteConsent') }).filter((e) => e.seq > mark).map((e) => e.status)).toEqual([204]);
    expect(w.sandbox.testHooks.consents().filter((c) => c.login === 'marek').map((c) => c.status)).not.toContain('valid');
    expect(await w.accounts(marek.token)).toEqual([]);
    expect(await w.transactions(marek.token, listed[0]?.id as string)).toEqual(data);
  });
  it('a refused signature: the bank no longer accepts the app’s key → syncError errorType signature on every account', async () => {
    const zofia = await w.connectUser('zofia-user', 'zofia');
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    w.sandbox.knobs.replaceClientKey(CLIENT_ID, { ...publicKey.export({ format: 'jwk' }), kid: CLIENT_ID });
    try {
      await w.sync(zofia);
      const accounts = await w.accounts(zofia.token);
      expect(accounts).toHaveLength(2);
      for (const a of accounts) expect(a).toMatchObject({ syncStatus: 'failed', syncError: { errorType: 'signature' } });
    } finally {
      w.sandbox.knobs.reset();
    }
    expect(await w.sync(zofia)).toBe('completed');
    for (const a of await w.accounts(zofia.token)) expect(a).toMatchObject({ syncStatus: 'active', syncError: null });
  });

  // Last: it moves the shared clock past every consent's 90 days.
  it('EXPIRED by time: past scopeTimeLimit the consent is expired (invalidationReason Expired) and no bank call is made', async () => {
    const adam = await w.connectUser('adam-user', 'adam');
    const [before] = await w.accounts(adam.token);
    expect(before?.consent).toMatchObject({ status: 'valid' });
    w.clock.advance(91 * 24 * HOUR);
    const mark = w.lastSeq();
    const [account] = await w.accounts(adam.token);
    expect(account?.consent).toMatchObject({ id: adam.consentId, status: 'expired', invalidationReason: 'Expired', previousStatus: 'valid' });
    const refused = await w.call<{ type: string }>('POST', '/api/v2/bank/sandbox-pl-105/sync', adam.token, {});
    expect([refused.status, refused.json.type]).toEqual([409, 'https://kinko.dev/problems/consent-expired']);
    expect(w.lastSeq()).toBe(mark);
  });
});
