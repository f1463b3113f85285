import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SyncService } from '../../src/sync/sync.service';
import { polishApiOperation } from '@kinko/sandbox-bank';
import { DONE, startPolishWorld, type ConnectedUser, type PolishWorld } from './polish-harness';

// The refresh document's date windows (seeds/ais-refresh-mechanism.pl.txt) replayed end to end
// through the API against the PolishAPI sandbox, with one fixed clock (today 2020-06-01 in
// Warsaw) shared by the app and the bank.

/** Booked history of the laid-out account: 2018-06-01 .. 2020-05-01, the latest done transaction on 2020-05-01. */
function layout(): Record<string, number> {
  const out: Record<string, number> = {};
  for (let d = Date.parse('2018-06-01'); d <= Date.parse('2020-05-01'); d += 7 * 86_400_000) out[new Date(d).toISOString().slice(0, 10)] = 1;
  out['2020-05-01'] = 2;
  return out;
}

describe('PolishAPI: the refresh document replayed through the API (today 2020-06-01)', () => {
  let w: PolishWorld;

  /** The transaction fetches of getTransactionsDone (the balances' requests filter by booking date instead). */
  const doneRequests = (after: number) =>
    w.sandbox
      .requests({ operation: DONE })
      .map((e) => ({ seq: e.seq, status: e.status, params: e.params ?? {} }))
      .filter((e) => e.seq > after && e.params.bookingDateFrom === undefined);

  beforeAll(async () => {
    w = await startPolishWorld({
      users: [
        { login: 'jan', password: 'haslo-jana', name: 'Jan Kowalski', accounts: [{ kind: 'savings', activity: false, transactionsByDate: layout(), name: 'Historia' }] },
        { login: 'ola', password: 'haslo-oli', name: 'Ola Nowak', accounts: [{ kind: 'savings', activity: false, transactions: 0, historyDays: 400, ongoing: false }] },
      ],
      seed: 'polish-replay',
    });
  }, 120_000);

  afterAll(async () => {
    await w?.close();
  });

  let jan: ConnectedUser;

  it('first sync after SCA: the consent range 2018-06-01..2020-06-01, the same dates on every page; the next sync 2020-04-27..2020-06-01', async () => {
    jan = await w.connectUser('jan-user', 'jan');
    const first = doneRequests(0);
    expect(first.length).toBeGreaterThan(3); // several pages of 20
    expect(first.filter((e) => e.params.pageId !== undefined).length).toBe(first.length - 1);
    for (const e of first) expect([e.status, e.params.transactionDateFrom, e.params.transactionDateTo, e.params.perPage]).toEqual([200, '2018-06-01', '2020-06-01', 20]);
    // Scheduled payments are dated on their execution day: their window looks 90 days ahead (the SDK's default horizon).
    const scheduled = w.sandbox.requests({ operation: polishApiOperation('getTransactionsScheduled') }).map((e) => [e.params?.transactionDateFrom, e.params?.transactionDateTo]);
    expect(scheduled).toEqual([['2018-06-01', '2020-08-30']]);

    const before = w.lastSeq();
    expect(await w.sync(jan)).toBe('completed');
    const next = doneRequests(before);
    expect(next.length).toBeGreaterThan(0);
    for (const e of next) expect([e.params.transactionDateFrom, e.params.transactionDateTo]).toEqual(['2020-04-27', '2020-06-01']);
    const [account] = await w.accounts(jan.token);
    expect(account).toMatchObject({ isActive: true, syncStatus: 'active', transactionSyncStatus: 'completed' });
  });

  it('background refresh (scheduler, no fresh SCA) without data: daysBack 365 → 90 days, daysBack 20 → 20 days', async () => {
    const ola = await w.connectUser('ola-user', 'ola');
    for (const [daysBack, from] of [
      [365, '2020-03-03'],
      [20, '2020-05-12'],
    ] as const) {
      const before = w.lastSeq();
      const started = await w.app.get(SyncService).startSync({ tenantId: w.tenantId, userId: ola.userId }, { connectionIds: [ola.connectionId] }, { requestedBy: 'scheduler', daysBack });
      for (const id of started.sessionIds) await w.finished(ola.token, id);
      const requests = doneRequests(before);
      expect(requests.length).toBeGreaterThan(0);
      for (const e of requests) expect([daysBack, e.status, e.params.transactionDateFrom, e.params.transactionDateTo]).toEqual([daysBack, 200, from, '2020-06-01']);
    }
  });
});
