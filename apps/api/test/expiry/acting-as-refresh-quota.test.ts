import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BANK_CODE, bankUser, waitForSession } from '../sync/harness';
import { type QuotaWorld, startQuotaWorld } from './quota-world';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// GET /api/v2/bankaccount?RefreshActiveAccounts=true with the tenant's API key acting as the
// user (Kinko-Acting-As-User) and no Kinko-PSU-IP-Address: the user is not present, the bank
// sees an unattended read (PSD2 RTS art. 36(5)(b): four a day per account). One rule — whether
// the user is present — decides for the ledger too: such a refresh counts against the
// unattended-access quota, and once it is spent the connection is not refreshed (deferred, as
// the scheduler defers it). The same request relaying the user's address is the user's own:
// neither counted nor limited.
describe('acting-as refresh: the user not present, counted and limited by the unattended-access quota (HTTP over loopback)', () => {
  let world: QuotaWorld;
  let sandbox: QuotaWorld['sandbox'];
  let app: QuotaWorld['app'];
  let clock: QuotaWorld['clock'];
  let base: string;
  let apiKey: string;
  let c: QuotaWorld['c'];
  const user = bankUser('acting', [{ transactions: 5, historyDays: 10 }, { transactions: 4, historyDays: 10 }]);

  /** The refresh and listing, as the tenant's backend sends it for its user; `relayed`: the user's own address. */
  const refresh = async (relayed?: string): Promise<{ status: number; sessionIds: string[]; body: Array<Record<string, unknown>> }> => {
    const res = await fetch(`${base}/api/v2/bankaccount?RefreshActiveAccounts=true`, {
      headers: { authorization: `Bearer ${apiKey}`, 'kinko-acting-as-user': c.scope.userId, ...(relayed ? { 'kinko-psu-ip-address': relayed } : {}) },
    });
    const sessionIds = (res.headers.get('kinko-sync-session-ids') ?? '').split(',').filter((s) => s !== '');
    return { status: res.status, sessionIds, body: (await res.json()) as Array<Record<string, unknown>> };
  };
  const sessions = (): Promise<number> => world.sessions();
  const ledger = (): Promise<number> => world.ledger();

  beforeAll(async () => {
    // The bank allows 2 unattended accesses per account a day.
    world = await startQuotaWorld('Acting-as quota tenant', user);
    ({ sandbox, app, clock, base, apiKey, c } = world);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('counts each acting-as refresh without the user’s address; once the quota is spent the connection is not refreshed (no session, no bank call) and the listing says when it can be; relaying the user’s address is the user’s own refresh', async () => {
    expect(await ledger()).toBe(0);
    const firstAccess = clock.now();
    for (let i = 0; i < 2; i += 1) {
      if (i > 0) clock.advance(HOUR);
      const r = await refresh();
      expect(r.status).toBe(200);
      expect(r.sessionIds).toHaveLength(1);
      const views = await waitForSession(app, c.scope, r.sessionIds[0] as string);
      expect(views.status.status).toBe('completed');
    }
    expect(await ledger()).toBe(4); // 2 accounts × 2 unattended accesses

    // The quota is spent: the listing answers, but nothing is started nor asked of the bank.
    clock.advance(HOUR);
    const before = await sessions();
    sandbox.requestLog.clear();
    const spent = await refresh();
    const next = new Date(firstAccess.getTime() + DAY);
    expect(spent.status).toBe(200);
    expect(spent.sessionIds).toEqual([]);
    expect(spent.body).toHaveLength(2);
    for (const account of spent.body) expect(account).toMatchObject({ unattendedAccessesRemainingToday: 0, nextRefreshPossibleAt: next.toISOString() });
    expect(await sessions()).toBe(before);
    expect(sandbox.requestLog.entries({ bank: BANK_CODE })).toEqual([]);
    expect(await ledger()).toBe(4);

    // The backend relaying its user's address: the user is present — refreshed, not counted.
    const own = await refresh('198.51.100.23');
    expect(own.status).toBe(200);
    expect(own.sessionIds).toHaveLength(1);
    expect((await waitForSession(app, c.scope, own.sessionIds[0] as string)).status.status).toBe('completed');
    expect(await ledger()).toBe(4);

    // At that instant the quota allows an unattended refresh again.
    clock.set(next);
    const again = await refresh();
    expect(again.sessionIds).toHaveLength(1);
    await waitForSession(app, c.scope, again.sessionIds[0] as string);
    expect(await ledger()).toBe(6);
  }, 120_000);
});
