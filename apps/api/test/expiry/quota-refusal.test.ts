import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { problemType } from '../../src/http/problem';
import { MetricsService } from '../../src/metrics/metrics.service';
import { SyncService } from '../../src/sync/sync.service';
import { BANK_CODE, bankUser, waitForSession } from '../sync/harness';
import { type QuotaWorld, startQuotaWorld } from './quota-world';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// A background refresh asked by the tenant's backend (the user not present) counts against
// the unattended-access quota; once it is spent the request answers the refresh-quota-spent
// problem with the instant a refresh is possible again, and starts no session.
describe('tenant background refresh: refused for the unattended-access quota (HTTP over loopback)', () => {
  let world: QuotaWorld;
  let sandbox: QuotaWorld['sandbox'];
  let app: QuotaWorld['app'];
  let clock: QuotaWorld['clock'];
  let base: string;
  let apiKey: string;
  let c: QuotaWorld['c'];
  const user = bankUser('quota', [{ transactions: 5, historyDays: 10 }, { transactions: 4, historyDays: 10 }]);

  const refresh = async (): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> => {
    const res = await fetch(`${base}/api/v2/tenant/users/${c.scope.userId}/connections/${c.connectionId}/sync`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  const sessions = (): Promise<number> => world.sessions();
  const ledger = (): Promise<number> => world.ledger();

  beforeAll(async () => {
    // The bank allows 2 unattended accesses per account a day.
    world = await startQuotaWorld('Quota tenant', user);
    ({ sandbox, app, clock, base, apiKey, c } = world);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('counts each tenant refresh, then answers 429 refresh-quota-spent with nextRefreshPossibleAt and Retry-After instead of starting a session', async () => {
    expect(await ledger()).toBe(0); // the user's own sync is not unattended
    const firstAccess = clock.now();
    for (let i = 0; i < 2; i += 1) {
      if (i > 0) clock.advance(HOUR);
      const started = await refresh();
      expect(started.status).toBe(202);
      const views = await waitForSession(app, c.scope, started.body['sessionId'] as string);
      expect(views.requestedBy).toBe('tenant');
      expect(views.status.status).toBe('completed');
    }
    expect(await ledger()).toBe(4); // 2 accounts × 2 accesses

    clock.advance(HOUR);
    const before = await sessions();
    sandbox.requestLog.clear();
    const refused = await refresh();
    const next = new Date(firstAccess.getTime() + DAY);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ type: problemType('refresh-quota-spent'), status: 429, nextRefreshPossibleAt: next.toISOString() });
    expect(refused.headers.get('retry-after')).toBe(String((next.getTime() - clock.now().getTime()) / 1000));
    // Nothing started, nothing asked of the bank.
    expect(await sessions()).toBe(before);
    expect(sandbox.requestLog.entries({ bank: BANK_CODE })).toEqual([]);
    // The refusal is counted (issue 20 §2).
    expect(await app.get(MetricsService).render()).toContain('kinko_access_budget_refusals_total{where="refresh-route"} 1\n');

    // The user, present, is not limited by it.
    const own = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user' });
    await waitForSession(app, c.scope, own.sessionIds[0] as string);
    expect(await ledger()).toBe(4);

    // At that instant the quota allows a background refresh again.
    clock.set(next);
    const again = await refresh();
    expect(again.status).toBe(202);
    await waitForSession(app, c.scope, again.body['sessionId'] as string);
    expect(await ledger()).toBe(6);
  });

  it('answers 404 for a connection that is not the user’s, as every tenant route', async () => {
    const res = await fetch(`${base}/api/v2/tenant/users/${c.scope.userId}/connections/00000000-0000-7000-8000-000000000000/sync`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } });
    expect(res.status).toBe(404);
  });
});
