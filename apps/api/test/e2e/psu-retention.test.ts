/**
 * The retention of the PSU context (the user's IP address and user agent a user-started sync
 * keeps in `sync_sessions.parameters.psu`): the sync sends them to the bank (PSU-IP-Address on
 * the Berlin Group data calls, as the sandbox received them),
 * and the scheduler's round erases them from the sessions that finished `psuRetentionMinutes`
 * ago — not before, and never from a session not yet finished. Real PostgreSQL, HTTP over loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { berlinGroupPersonaUsers, startBerlinGroupSandbox, type BerlinGroupSandbox } from '@kinko/sandbox-bank';
import { newId } from '../../src/database/ids';
import { psuParameters } from '../../src/sync/session-psu';
import { insertSession } from '../../src/sync/session-store';
import { SyncScheduler } from '../../src/sync/sync-scheduler';
import { E2E_USER_AGENT, startRedirectBankHarness, type RedirectBankHarness } from '../support/redirect-bank-harness';

const BANK_ID = 'sandbox-berlin-group';

describe('the user’s IP address and user agent of a user sync: sent to the bank, erased once the session has finished', () => {
  let sandbox: BerlinGroupSandbox;
  let h: RedirectBankHarness;

  beforeAll(async () => {
    sandbox = await startBerlinGroupSandbox({ users: berlinGroupPersonaUsers() });
    h = await startRedirectBankHarness({
      tenantName: 'PSU retention tenant',
      bank: { bankId: BANK_ID, connector: 'berlin-group', options: { baseUrl: sandbox.url, clientId: 'kinko-e2e', bankName: 'Sandbox Bank (Berlin Group)' } },
      syncSettings: { psuRetentionMinutes: 60 },
    });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await sandbox?.close();
  });

  const parametersOf = async (sessionId: string): Promise<Record<string, unknown>> =>
    ((await h.db.dataSource.query(`SELECT parameters FROM sync_sessions WHERE id = $1`, [sessionId])) as Array<{ parameters: Record<string, unknown> }>)[0]?.parameters ?? {};

  it('the bank gets PSU-IP-Address on the data calls; the round keeps it within the retention, then erases it from the finished sessions only', async () => {
    const { userId, token } = await h.newUser('max-psu');
    const browser = await h.startConnect(BANK_ID, token);
    const back = await sandbox.testHooks.approve(browser.bankUrl, 'max', 'sandbox');
    const redirectUri = new URL(browser.bankUrl).searchParams.get('redirect_uri') as string;
    const done = await h.completeConnect(`${redirectUri}?${new URLSearchParams(back).toString()}`, browser);
    expect(done.status).toBe(200);
    const sessionIds = done.json.sessionIds;
    expect(sessionIds.length).toBeGreaterThan(0);
    for (const id of sessionIds) expect(await h.finished(token, id)).toBe('completed');

    // The sync got the user's address: every data call to the bank carried it.
    const dataCalls = sandbox.requests().filter((r) => r.method === 'GET' && r.path.startsWith('/v1/accounts'));
    expect(dataCalls.map((r) => r.path)).toEqual(expect.arrayContaining(['/v1/accounts', expect.stringMatching(/^\/v1\/accounts\/.+\/transactions$/)]));
    expect([...new Set(dataCalls.map((r) => r.psuIpAddress))]).toEqual(['127.0.0.1']);

    // Kept with the finished session until the retention has passed.
    const before = await parametersOf(sessionIds[0] as string);
    expect(before.psu).toEqual({ ipAddress: '127.0.0.1', userAgent: E2E_USER_AGENT });
    await h.app.get(SyncScheduler).planRound();
    expect((await parametersOf(sessionIds[0] as string)).psu).toEqual({ ipAddress: '127.0.0.1', userAgent: E2E_USER_AGENT });

    // A session of the user not yet finished (queued) keeps its PSU context whatever its age.
    const [{ tenant_id: tenantId }] = (await h.db.dataSource.query(`SELECT tenant_id FROM connections WHERE id = $1`, [done.json.connectionId])) as [{ tenant_id: string }];
    const queued = newId();
    const longAgo = new Date(Date.now() - 3 * 3_600_000);
    await insertSession(h.db.dataSource.manager, {
      id: queued,
      tenantId,
      userId,
      connectionId: done.json.connectionId,
      requestedBy: 'user',
      parameters: psuParameters('user', { userPresent: true, ipAddress: '192.0.2.7', userAgent: 'queued-browser' }),
      createdAt: longAgo,
    });

    // 61 minutes later (the sessions' end moved back): the round erases the address and the user agent, nothing else.
    await h.db.dataSource.query(`UPDATE sync_sessions SET finished_at = finished_at - interval '61 minutes' WHERE id = ANY($1::uuid[])`, [sessionIds]);
    await h.app.get(SyncScheduler).planRound();
    const { psu: _erased, ...rest } = before;
    for (const id of sessionIds) expect(await parametersOf(id)).toEqual(rest);
    const left = (await h.db.dataSource.query(`SELECT id FROM sync_sessions WHERE parameters::text LIKE '%127.0.0.1%' OR parameters::text LIKE '%${E2E_USER_AGENT}%'`)) as unknown[];
    expect(left).toEqual([]);
    expect((await parametersOf(queued)).psu).toEqual({ ipAddress: '192.0.2.7', userAgent: 'queued-browser' });

    // The session API still answers for the erased sessions.
    const shown = await h.call<{ id: string; status: string }>('GET', `/api/v2/bank/session/${sessionIds[0]}`, token);
    expect(shown.status).toBe(200);
    expect(shown.json.status).toBe('completed');
  }, 120_000);
});
