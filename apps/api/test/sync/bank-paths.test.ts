import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BankCommonApiSandbox, loginAtBankPage } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { UserTokensService } from '../../src/auth/user-tokens.service';
import { BankCallAudit } from '../../src/sync/bank-call-audit';
import { SyncService } from '../../src/sync/sync.service';
import { TenantsService } from '../../src/tenants/tenants.service';
import { UsersService } from '../../src/users/users.service';
import { openConnectStart } from '../support/connect-browser';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { BANK_CODE, BANK_ID, type SharedClock, bankUser, connectUser, credentialsOf, sharedClock, startSandbox, startWorker, syncApp, waitForSession } from './harness';

// One way to reach a bank: the connect flow, the withdrawal's revoke and the sync engine use
// the same connector client of the process — every call is in the bank.call audit trail, and
// the connector's in-process guards (one system token request, one refresh per grant in
// flight) hold across all of them.

const HOURS_2 = 2 * 3_600_000;

interface BankCallRow {
  readonly tenant_id: string | null;
  readonly actor: string;
  readonly target: string | null;
  readonly method: string;
  readonly path: string;
}

describe('one way to reach a bank: connect, revoke and sync share the audited client', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let clock: SharedClock;
  const apps: NestFastifyApplication[] = [];
  const alice = bankUser('alice-paths', [{ transactions: 30, historyDays: 20 }]);
  const bob = bankUser('bob-paths', [{ transactions: 20, historyDays: 10 }]);
  const carol = bankUser('carol-paths', [{ transactions: 10, historyDays: 10 }]);

  /** An app listening on loopback, with its base URL. */
  const listening = async (): Promise<{ app: NestFastifyApplication; base: string }> => {
    const app = await syncApp(db, sandbox, { clock });
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    return { app, base: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` };
  };

  /** A tenant, a user and a user token. */
  const newUser = async (app: NestFastifyApplication, name: string): Promise<{ tenantId: string; userId: string; token: string }> => {
    const tenantId = (await app.get(TenantsService).bootstrap(`Paths ${name}`)).tenant.id;
    const userId = (await app.get(UsersService).create({ tenantId }, name)).id;
    const token = (await app.get(UserTokensService).mint({ tenantId, userId })).token;
    return { tenantId, userId, token };
  };

  /** Starts a connect flow through the API and logs in at the bank: the callback is left to the caller. */
  const startConnect = async (base: string, token: string, who: { id: string; password: string }): Promise<{ connectFlowId: string; callback: () => Promise<Response> }> => {
    const res = await fetch(`${base}/api/v2/connect/${BANK_ID}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(201);
    const start = (await res.json()) as { redirectUrl: string; connectFlowId: string };
    const browser = await openConnectStart(start.redirectUrl);
    const login = await loginAtBankPage(browser.bankUrl, who);
    if (login.outcome !== 'redirected') throw new Error(`the bank refused the login: ${login.status}`);
    return { connectFlowId: start.connectFlowId, callback: () => fetch(login.location, { headers: { cookie: browser.cookie, accept: 'application/json' }, redirect: 'manual' }) };
  };

  const bankCalls = async (app: NestFastifyApplication, target: string): Promise<BankCallRow[]> => {
    await app.get(BankCallAudit).flush();
    return (await app
      .get(DataSource)
      .query(`SELECT tenant_id, actor, target, details->>'method' AS method, details->>'path' AS path FROM audit_log WHERE action = 'bank.call' AND target = $1 ORDER BY id`, [target])) as BankCallRow[];
  };

  beforeAll(async () => {
    clock = sharedClock('2026-03-10T03:00:00Z');
    db = await createTestDatabase();
    sandbox = await startSandbox([alice, bob, carol], { clock: clock.sandbox });
  }, 120_000);
  afterAll(async () => {
    for (const app of apps) await app.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('the connect flow and the disconnect revoke are audited as bank calls, for the tenant, the flow and the connection', async () => {
    const { app, base } = await listening();
    const user = await newUser(app, 'alice');
    const flow = await startConnect(base, user.token, credentialsOf(alice));
    const done = await flow.callback();
    expect(done.status).toBe(200);
    const { connectionId } = (await done.json()) as { connectionId: string };

    const connectCalls = await bankCalls(app, `connect_flow:${flow.connectFlowId}`);
    expect(connectCalls.length).toBeGreaterThan(0);
    expect(connectCalls.every((c) => c.tenant_id === user.tenantId && c.actor === `user:${user.userId}`)).toBe(true);
    // Every POST /auth/token the bank saw is in the trail.
    const tokenPosts = sandbox.requestLog.entries({ bank: BANK_CODE, operation: 'POST /auth/token' }).length;
    expect(connectCalls.filter((c) => c.method === 'POST' && c.path.endsWith('/auth/token'))).toHaveLength(tokenPosts);

    const gone = await fetch(`${base}/api/v2/connections/${connectionId}`, { method: 'DELETE', headers: { authorization: `Bearer ${user.token}` } });
    expect(gone.status).toBeLessThan(300);
    await gone.arrayBuffer();
    const revokeCalls = await bankCalls(app, `connection:${connectionId}`);
    expect(revokeCalls.filter((c) => c.method === 'DELETE' && c.path.endsWith('/auth/token'))).toHaveLength(1);
    expect(revokeCalls.every((c) => c.tenant_id === user.tenantId)).toBe(true);
    expect(sandbox.requestLog.entries({ bank: BANK_CODE, operation: 'DELETE /auth/token' })).toHaveLength(1);
  }, 60_000);

  it('a callback, a disconnect and a sync that refreshes, at once in a fresh process: one system token request, one refresh', async () => {
    const first = await listening();
    // Two connections made earlier, through the first process.
    const synced = await connectUser(first.app, sandbox, credentialsOf(bob), { now: clock.now() });
    const revoked = await connectUser(first.app, sandbox, credentialsOf(carol), { now: clock.now() });
    clock.advance(HOURS_2); // bob's access token (60 min) is dead: his sync refreshes it
    const revokedToken = (await first.app.get(UserTokensService).mint(revoked.scope)).token;

    // A fresh process: its connector client holds no system token yet.
    const { app, base } = await listening();
    await startWorker(app);
    const user = await newUser(app, 'alice-again');
    const flow = await startConnect(base, user.token, credentialsOf(alice));
    sandbox.requestLog.clear();

    const [done, gone, sync] = await Promise.all([
      flow.callback(),
      fetch(`${base}/api/v2/connections/${revoked.connectionId}`, { method: 'DELETE', headers: { authorization: `Bearer ${revokedToken}` } }),
      app.get(SyncService).startSync(synced.scope, { connectionIds: [synced.connectionId] }, { requestedBy: 'user' }),
    ]);
    expect(done.status).toBe(200);
    const connected = (await done.json()) as { sessionIds: string[] };
    expect(gone.status).toBeLessThan(300);
    await gone.arrayBuffer();
    expect((await waitForSession(app, synced.scope, sync.sessionIds[0] as string)).status.status).toBe('completed');
    for (const id of connected.sessionIds) expect((await waitForSession(app, { tenantId: user.tenantId, userId: user.userId }, id)).status.status).toBe('completed');

    const log = (operation: string) => sandbox.requestLog.entries({ bank: BANK_CODE, operation });
    expect(log('POST /auth/system_token')).toHaveLength(1);
    expect(log('PUT /auth/token')).toHaveLength(1);
    expect(log('POST /auth/token')).toHaveLength(1);
    expect(log('DELETE /auth/token')).toHaveLength(1);
    expect(sandbox.requestLog.entries({ bank: BANK_CODE }).filter((e) => e.status === 401)).toEqual([]);
  }, 90_000);
});
