/**
 * The user's PSU context (IP address, user agent, "present") on every path where the user is
 * present: the user API's refresh (`GET /api/v2/bankaccount?RefreshActiveAccounts=true`), its
 * sync routes, the credential login and the challenge answer (through the API and the Link
 * pages). A tenant's backend relays its user's with `Kinko-PSU-IP-Address` /
 * `Kinko-PSU-User-Agent`; the Berlin Group sandbox records the PSU-IP-Address of every data
 * call. The scheduler's and the tenant's background syncs send none; the values are erased once
 * the sessions have finished. Real PostgreSQL, HTTP over loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { berlinGroupPersonaUsers, startBerlinGroupSandbox, type BerlinGroupSandbox } from '@kinko/sandbox-bank';
import { readReply, type Reply } from '../support/http-reply';
import { SyncScheduler } from '../../src/sync/sync-scheduler';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { startRedirectBankHarness, type RedirectBankHarness } from '../support/redirect-bank-harness';
import { LinkBrowser, type LinkWorld, type LoginResult, NETBANK_ID, credentialsOf, eventually, followLogin, reachStatus, startLinkWorld } from '../link/harness';

const BANK_ID = 'sandbox-berlin-group';
const RELAYED = { 'kinko-psu-ip-address': '198.51.100.23', 'kinko-psu-user-agent': 'TenantApp/3.1 (iPhone)' };

type Psu = { ipAddress?: string; userAgent?: string } | undefined;

const psuOfSessions = async (query: (sql: string, params: unknown[]) => Promise<unknown>, ids: readonly string[]): Promise<Psu[]> =>
  ((await query(`SELECT parameters->'psu' AS psu FROM sync_sessions WHERE id = ANY($1::uuid[]) ORDER BY id`, [ids])) as Array<{ psu: Psu | null }>).map((r) => r.psu ?? undefined);

describe('PSU context on the user-present paths of a Berlin Group bank (the bank records PSU-IP-Address)', () => {
  let sandbox: BerlinGroupSandbox;
  let h: RedirectBankHarness;

  beforeAll(async () => {
    sandbox = await startBerlinGroupSandbox({ users: berlinGroupPersonaUsers() });
    h = await startRedirectBankHarness({
      tenantName: 'PSU paths tenant',
      bank: { bankId: BANK_ID, connector: 'berlin-group', options: { baseUrl: sandbox.url, clientId: 'kinko-e2e', bankName: 'Sandbox Bank (Berlin Group)' } },
      syncSettings: { psuRetentionMinutes: 0 },
    });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await sandbox?.close();
  });

  const send = async <T>(method: string, path: string, token: string, headers: Record<string, string> = {}): Promise<Reply<T>> =>
    readReply<T>(await fetch(`${h.base}${path}`, { method, headers: { accept: 'application/json', 'user-agent': 'tenant-backend/1.0', authorization: `Bearer ${token}`, ...headers }, redirect: 'manual' }));

  /** The PSU-IP-Address of each data call the bank got while `run` ran (one entry per distinct value; undefined: none sent). */
  const dataCallPsu = async (token: string, run: () => Promise<readonly string[]>): Promise<Array<string | undefined>> => {
    const before = sandbox.requests().length;
    const sessionIds = await run();
    expect(sessionIds.length).toBeGreaterThan(0);
    for (const id of sessionIds) expect(await h.finished(token, id)).toBe('completed');
    const calls = sandbox.requests().slice(before).filter((r) => r.method === 'GET' && r.path.startsWith('/v1/accounts'));
    expect(calls.map((r) => r.path)).toEqual(expect.arrayContaining([expect.stringMatching(/^\/v1\/accounts\/.+\/transactions$/)]));
    return [...new Set(calls.map((r) => r.psuIpAddress))];
  };

  it('the refresh and the sync routes pass the relayed address; the tenant’s background sync and its acting-as refresh pass none; all erased after', async () => {
    const { userId, token } = await h.newUser('psu-paths');
    const browser = await h.startConnect(BANK_ID, token);
    const back = await sandbox.testHooks.approve(browser.bankUrl, 'max', 'sandbox');
    const redirectUri = new URL(browser.bankUrl).searchParams.get('redirect_uri') as string;
    const done = await h.completeConnect(`${redirectUri}?${new URLSearchParams(back).toString()}`, browser);
    expect(done.status).toBe(200);
    for (const id of done.json.sessionIds) expect(await h.finished(token, id)).toBe('completed');
    const all: string[] = [...done.json.sessionIds];

    // GET /api/v2/bankaccount?RefreshActiveAccounts=true with the user's address relayed by the tenant's backend.
    let refreshIds: string[] = [];
    expect(
      await dataCallPsu(token, async () => {
        const r = await send<unknown[]>('GET', '/api/v2/bankaccount?RefreshActiveAccounts=true', token, RELAYED);
        expect(r.status).toBe(200);
        refreshIds = (r.headers.get('kinko-sync-session-ids') ?? '').split(',').filter((s) => s !== '');
        return refreshIds;
      }),
    ).toEqual(['198.51.100.23']);
    expect(await psuOfSessions((q, p) => h.db.dataSource.query(q, p), refreshIds)).toEqual(refreshIds.map(() => ({ ipAddress: '198.51.100.23', userAgent: 'TenantApp/3.1 (iPhone)' })));
    all.push(...refreshIds);

    // POST /api/v2/bank/{bankId}/sync, an IPv6 address relayed.
    expect(
      await dataCallPsu(token, async () => {
        const r = await send<{ sessionIds: string[] }>('POST', `/api/v2/bank/${BANK_ID}/sync`, token, { 'kinko-psu-ip-address': '2001:db8::17' });
        expect(r.status).toBe(202);
        all.push(...r.json.sessionIds);
        return r.json.sessionIds;
      }),
    ).toEqual(['2001:db8::17']);

    // The tenant's background refresh: the user is not present, no PSU-IP-Address.
    expect(
      await dataCallPsu(token, async () => {
        const r = await send<{ sessionIds: string[] }>('POST', `/api/v2/tenant/users/${userId}/connections/${done.json.connectionId}/sync`, h.apiKey);
        expect(r.status).toBe(202);
        all.push(...r.json.sessionIds);
        return r.json.sessionIds;
      }),
    ).toEqual([undefined]);

    // The API key acting as the user, without the headers: the backend's own socket is not the user's.
    expect(
      await dataCallPsu(token, async () => {
        const r = await send<unknown[]>('GET', '/api/v2/bankaccount?RefreshActiveAccounts=true', h.apiKey, { 'kinko-acting-as-user': userId });
        expect(r.status).toBe(200);
        const ids = (r.headers.get('kinko-sync-session-ids') ?? '').split(',').filter((s) => s !== '');
        all.push(...ids);
        return ids;
      }),
    ).toEqual([undefined]);

    // The scheduler's round (retention 0) erases every finished session's address and user agent.
    await h.app.get(SyncScheduler).planRound();
    expect(await psuOfSessions((q, p) => h.db.dataSource.query(q, p), all)).toEqual(all.map(() => undefined));
  }, 180_000);

  it('a relayed value that is not an IP address, or a user agent without the address, is a 400 validation problem and starts nothing', async () => {
    const { token } = await h.newUser('psu-bad');
    const sessionsBefore = ((await h.db.dataSource.query(`SELECT count(*)::int AS n FROM sync_sessions`)) as [{ n: number }])[0].n;
    const refused: Array<Record<string, string>> = [{ 'kinko-psu-ip-address': '198.51.100.300' }, { 'kinko-psu-ip-address': 'localhost' }, { 'kinko-psu-user-agent': 'TenantApp/3.1' }];
    for (const headers of refused) {
      const r = await send<{ type: string; errors: Array<{ field: string }> }>('GET', '/api/v2/bankaccount?RefreshActiveAccounts=true', token, headers);
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.json.type).toBe('https://kinko.dev/problems/validation');
      expect(r.json.errors.map((i) => i.field)).toEqual([Object.keys(headers)[0] === 'kinko-psu-ip-address' ? 'Kinko-PSU-IP-Address' : 'Kinko-PSU-User-Agent']);
    }
    const bad = await send<{ type: string }>('POST', `/api/v2/bank/${BANK_ID}/sync`, token, { 'kinko-psu-ip-address': '10.0.0.1, 10.0.0.2' });
    expect(bad.status).toBe(400);
    expect(((await h.db.dataSource.query(`SELECT count(*)::int AS n FROM sync_sessions`)) as [{ n: number }])[0].n).toBe(sessionsBefore);
  });
});

describe('PSU context of the sync a credential login or a challenge answer starts', () => {
  let db: TestDatabase;
  let world: LinkWorld;

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await startLinkWorld(db);
  }, 120_000);
  afterAll(async () => {
    await world?.close();
    await db?.drop();
  });

  const api = async <T>(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Reply<T>> =>
    readReply<T>(
      await fetch(`${world.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${world.token}`, accept: 'application/json', 'content-type': 'application/json', 'user-agent': 'tenant-backend/1.0', ...headers },
        body: JSON.stringify(body),
        redirect: 'manual',
      }),
    );
  const sessionsOf = async (connectionId: string): Promise<string[]> =>
    ((await world.ds.query(`SELECT id FROM sync_sessions WHERE connection_id = $1 ORDER BY created_at`, [connectionId])) as Array<{ id: string }>).map((r) => r.id);
  const query = (q: string, p: unknown[]): Promise<unknown> => world.ds.query(q, p);

  it('API: a login granted at once, and an answered challenge, keep the relayed address for their first sync; the round erases it', async () => {
    // Granted at once (no challenge): the login's own headers.
    const happy = await api<LoginResult>('POST', `/api/v2/connect/${NETBANK_ID}/credentials`, { credentials: credentialsOf(world.netbank, 'happy') }, RELAYED);
    expect(happy.status).toBe(202);
    await reachStatus(world, happy.json.connectionId, 'success');
    const happySessions = await sessionsOf(happy.json.connectionId);
    expect(await psuOfSessions(query, happySessions)).toEqual([{ ipAddress: '198.51.100.23', userAgent: 'TenantApp/3.1 (iPhone)' }]);

    // A challenge: the answer's headers are the ones of the sync it starts.
    const otp = await api<LoginResult>('POST', `/api/v2/connect/${NETBANK_ID}/credentials`, { credentials: credentialsOf(world.netbank, 'otp') }, RELAYED);
    expect(otp.status).toBe(202);
    expect((await followLogin(world, otp.json.connectionId, 30_000)).outcome).toBe('challenge');
    const answered = await api<LoginResult>('POST', `/api/v2/connections/${otp.json.connectionId}/challenge`, { answer: world.netbank.persona('otp').otpCode }, { 'kinko-psu-ip-address': '203.0.113.9' });
    expect(answered.status).toBe(200);
    expect(answered.json.outcome).toBe('granted');
    expect(await psuOfSessions(query, answered.json.sessionIds)).toEqual([{ ipAddress: '203.0.113.9' }]);

    // A bad address on the answer is refused before the bank sees it.
    const bad = await api<{ type: string }>('POST', `/api/v2/connections/${otp.json.connectionId}/login`, {}, { 'kinko-psu-ip-address': 'not-an-ip' });
    expect(bad.status).toBe(400);
    expect(bad.json.type).toBe('https://kinko.dev/problems/validation');

    await reachStatus(world, otp.json.connectionId, 'success');
    world.clock.advance(60_000); // the world's clock stands still: the sessions finished before the round's cutoff
    await world.app.get(SyncScheduler).planRound();
    expect(await psuOfSessions(query, [...happySessions, ...answered.json.sessionIds])).toEqual([undefined, undefined]);
  }, 120_000);

  it('Link page: the credential login passes the browser’s own address and user agent to its first sync', async () => {
    const browser = new LinkBrowser(world.base);
    await browser.enter(await world.mintToken(), 'en');
    await browser.get(`/link/banks/${NETBANK_ID}`);
    const posted = await browser.post(`/link/banks/${NETBANK_ID}/credentials`, credentialsOf(world.netbank, 'happy'));
    expect(posted.status).toBe(303);
    const id = (posted.headers.get('location') as string).split('/').pop() as string;
    await reachStatus(world, id, 'success');
    const sessions = await eventually('the first sync', async () => {
      const ids = await sessionsOf(id);
      return ids.length > 0 ? ids : undefined;
    });
    const [psu] = await psuOfSessions(query, sessions);
    expect(psu?.ipAddress).toBe('127.0.0.1');
  }, 120_000);
});
