/**
 * Several transaction kinds in one call (issue 17 §2, contract v2 e) through the app, on real
 * PostgreSQL, over loopback: the Berlin Group bank serves booked and pending together
 * (bookingStatus=both), so the sync engine asks once per page for both kinds — the bank's
 * request recorder shows it — and still records per kind what the per-kind path records: the
 * stored transactions (every column, the listing order included), the windows per kind, the
 * per-kind fetched/written counts and the stage's items. The same persona is synced twice,
 * once by a bank entry with `bookingStatusBoth: false` (one fetch per kind, as before). One call
 * serves both kinds only while their windows coincide (the first sync); on the next, pending's
 * window is its whole horizon and booked's is incremental, so each kind gets its own call.
 */
import { describe, expect, it } from '@jest/globals';
import { berlinGroupPersonaUsers, startBerlinGroupSandbox, type BerlinGroupRequest } from '@kinko/sandbox-bank';
import { addDays, dateInZone } from '@kinko/domain';
import { startRedirectBankHarness } from '../support/redirect-bank-harness';

const BANK_ID = 'sandbox-berlin-group';
const PAGE_SIZE = 50;

interface StageCounts {
  requestsMade: number;
  itemsFetched: number;
  itemsWritten: number;
  errors: number;
}

/** Connects lena through the API, lets the first sync finish, and reads back what it stored and asked. */
async function syncLena(options: { bookingStatusBoth: boolean }) {
  const today = dateInZone(new Date(), 'Europe/Berlin');
  const sandbox = await startBerlinGroupSandbox({ users: berlinGroupPersonaUsers(today), pageSize: PAGE_SIZE });
  const h = await startRedirectBankHarness({
    tenantName: 'Berlin Group kinds tenant',
    bank: {
      bankId: BANK_ID,
      connector: 'berlin-group',
      options: { baseUrl: sandbox.url, clientId: 'kinko-e2e', bankName: 'Sandbox Bank (Berlin Group)', ...(options.bookingStatusBoth ? {} : { bookingStatusBoth: false }) },
    },
  });
  try {
    const { userId, token } = await h.newUser('lena-kinds');
    const browser = await h.startConnect(BANK_ID, token);
    const back = await sandbox.testHooks.approve(browser.bankUrl, 'lena', 'sandbox');
    const redirectUri = new URL(browser.bankUrl).searchParams.get('redirect_uri') as string;
    const done = await h.completeConnect(`${redirectUri}?${new URLSearchParams(back).toString()}`, browser);
    expect(done.status).toBe(200);
    const sessionId = done.json.sessionIds[0] as string;
    expect(done.json.sessionIds).toHaveLength(1);
    expect(await h.finished(token, sessionId)).toBe('completed');

    const stage = (await h.call<{ counts: StageCounts }>('GET', `/api/v2/bank/session/${sessionId}/stage/transactions/status`, token)).json;
    const q = (sql: string, params: unknown[]) => h.db.dataSource.query(sql, params) as Promise<Array<Record<string, unknown>>>;
    const rows = await q(
      `SELECT a.bank_account_id, t.bank_transaction_id, t.kind, t.transaction_date::text AS transaction_date, t.booking_date::text AS booking_date,
              t.amount_minor::text AS amount_minor, t.currency_code, t.description, t.balance_after_minor::text AS balance_after_minor, t.bank_reference, t.bank_order::text AS bank_order
         FROM transactions t JOIN bank_accounts a ON a.id = t.account_id AND a.user_id = t.user_id
        WHERE t.user_id = $1 ORDER BY a.bank_account_id, t.bank_transaction_id`,
      [userId],
    );
    const results = await q(
      `SELECT a.bank_account_id, r.outcome -> 'progress' AS progress FROM sync_account_results r JOIN bank_accounts a ON a.id = r.account_id WHERE r.session_id = $1 ORDER BY a.bank_account_id`,
      [sessionId],
    );
    const reads = sandbox.requests().filter((r) => r.path.endsWith('/transactions'));

    // A second sync the user starts: incremental, each kind from its latest date − 4 days.
    const again = await h.call<{ sessionIds: string[] }>('POST', `/api/v2/bank/connectionId/${done.json.connectionId}/sync`, token, {});
    expect(again.status).toBe(202);
    const secondId = again.json.sessionIds[0] as string;
    expect(await h.finished(token, secondId)).toBe('completed');
    const second = {
      reads: sandbox.requests().filter((r) => r.path.endsWith('/transactions')).slice(reads.length),
      results: (await q(
        `SELECT a.bank_account_id, r.outcome -> 'progress' AS progress FROM sync_account_results r JOIN bank_accounts a ON a.id = r.account_id WHERE r.session_id = $1 ORDER BY a.bank_account_id`,
        [secondId],
      )) as Array<{ bank_account_id: string; progress: Progress }>,
      rows: await q(`SELECT bank_transaction_id, kind, amount_minor::text AS amount_minor, bank_order::text AS bank_order FROM transactions WHERE user_id = $1 ORDER BY bank_transaction_id`, [userId]),
    };
    return { rows, results: results as Array<{ bank_account_id: string; progress: Progress }>, reads, stage, today, second };
  } finally {
    await h.close();
    await sandbox.close();
  }
}

interface Progress {
  windows: Record<string, { kind: string; from: string; to: string; dateField: string; mode: string; limitedBy: string | null }>;
  kinds: Record<string, { state: string; fetched: number; written: number }>;
}

const shape = (r: BerlinGroupRequest) => ({ account: r.path.split('/')[3], bookingStatus: r.query['bookingStatus'], dateFrom: r.query['dateFrom'], dateTo: r.query['dateTo'], page: r.query['pageIndex'] ?? '0' });

describe('Berlin Group booked + pending in one call (bookingStatus=both) through the sync engine', () => {
  it('asks once per page for both kinds, and stores per kind exactly what the per-kind path stores', async () => {
    const both = await syncLena({ bookingStatusBoth: true });
    const perKind = await syncLena({ bookingStatusBoth: false });
    const truth = berlinGroupPersonaUsers(both.today)[0]?.accounts[0];
    const giroItems = (truth?.booked.length ?? 0) + (truth?.pending.length ?? 0);
    expect(giroItems).toBe(242);

    // One call per page for both kinds: lena-giro's 242 items in 5 pages of 50, the empty savings account in 1.
    const window = both.results.find((r) => r.bank_account_id === 'lena-giro')?.progress.windows['booked'];
    expect(both.reads.map(shape)).toEqual(
      expect.arrayContaining([
        ...['0', '1', '2', '3', '4'].map((page) => ({ account: 'lena-giro', bookingStatus: 'both', dateFrom: window?.from, dateTo: window?.to, page })),
        { account: 'lena-tagesgeld', bookingStatus: 'both', dateFrom: window?.from, dateTo: window?.to, page: '0' },
      ]),
    );
    expect(both.reads).toHaveLength(6);
    // The per-kind path: booked in 5 pages + pending in 1 for the giro account, 1 + 1 for the savings one.
    expect(perKind.reads.map((r) => r.query['bookingStatus']).sort()).toEqual([...Array<string>(6).fill('booked'), ...Array<string>(2).fill('pending')]);

    // Stored per kind identically: every column, the bank's listing order included.
    expect(both.rows).toHaveLength(242);
    expect(both.rows).toEqual(perKind.rows);
    // Windows and per-kind counts recorded per kind as before; the stage counts one request per bank page.
    // (Each fetch's stamp is its own time: left out.)
    const recorded = (r: { bank_account_id: string; progress: Progress }) => ({
      account: r.bank_account_id,
      windows: r.progress.windows,
      kinds: Object.fromEntries(Object.entries(r.progress.kinds).map(([kind, k]) => [kind, { state: k.state, fetched: k.fetched, written: k.written }])),
    });
    expect(both.results.map(recorded)).toEqual(perKind.results.map(recorded));
    expect(both.results.find((r) => r.bank_account_id === 'lena-giro')?.progress.kinds).toMatchObject({ booked: { state: 'done', fetched: 240, written: 240 }, pending: { state: 'done', fetched: 2, written: 2 } });
    expect(Object.keys(both.results[0]?.progress.windows ?? {}).sort()).toEqual(['booked', 'pending']);
    expect(both.stage.counts).toEqual({ ...perKind.stage.counts, requestsMade: 6 });
    expect(perKind.stage.counts).toMatchObject({ requestsMade: 8, itemsFetched: 242, itemsWritten: 242, errors: 0 });

    // The second sync: booked incremental, from its latest (yesterday) − 4 days; pending (filtered on
    // the entry date the bank does not report) over its whole horizon, today − 90 (mode full). The
    // windows differ, so a bookingStatus=both bank is asked per kind as well: widening booked to
    // pending's horizon would re-read the whole booked history on every sync.
    const today = both.today;
    const giro = (r: typeof both.second) => r.results.find((x) => x.bank_account_id === 'lena-giro')?.progress.windows;
    const secondReads = [
      { account: 'lena-giro', bookingStatus: 'booked', dateFrom: addDays(today, -5), dateTo: today, page: '0' },
      { account: 'lena-giro', bookingStatus: 'pending', dateFrom: addDays(today, -90), dateTo: today, page: '0' },
    ];
    expect(perKind.second.reads.filter((r) => r.path.includes('lena-giro')).map(shape)).toEqual(secondReads);
    expect(both.second.reads.filter((r) => r.path.includes('lena-giro')).map(shape)).toEqual(secondReads);
    const secondWindows = {
      booked: { kind: 'booked', from: addDays(today, -5), to: today, dateField: 'bookingDate', mode: 'incremental', limitedBy: null },
      pending: { kind: 'pending', from: addDays(today, -90), to: today, dateField: 'entryDate', mode: 'full', limitedBy: null },
    };
    expect(giro(both.second)).toEqual(secondWindows);
    expect(giro(perKind.second)).toEqual(secondWindows);
    expect(both.second.rows).toEqual(perKind.second.rows);
  }, 240_000);
});
