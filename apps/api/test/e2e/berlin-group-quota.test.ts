/**
 * The per-consent unattended budget (issue 17 §2) with the Berlin Group sandbox bank: a
 * consent agreed with frequencyPerDay 1 (the connector's `frequencyPerDay` option) is what the
 * quota the API shows counts with — the same budget the sync engine takes unattended accesses
 * from (`ConnectorClients.unattendedBudget`), not the manifest's 4: one unattended access
 * remains after connecting, none after one background sync, and the next background sync is
 * refused with 429 refresh-quota-spent. And a sync the user starts (the connect callback's,
 * the user API's) passes the PSU context to the bank's data calls (PSU-IP-Address), so the
 * bank does not count it against frequencyPerDay: two user syncs in a row both complete
 * (without it the bank answers the second — even the first's balances — 429 ACCESS_EXCEEDED).
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { berlinGroupPersonaUsers, startBerlinGroupSandbox, type BerlinGroupSandbox } from '@kinko/sandbox-bank';
import { dateInZone } from '@kinko/domain';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app';
import { SyncWorker } from '../../src/sync/sync-worker';
import { TenantsService } from '../../src/tenants/tenants.service';
import { openConnectStart } from '../support/connect-browser';
import { readReply, type Reply } from '../support/http-reply';
import { testSettings } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const BANK_ID = 'sandbox-berlin-group';

interface Quota {
  nextRefreshPossibleAt: string | null;
  unattendedAccessesRemainingToday: number | null;
}

describe('Berlin Group consent with frequencyPerDay 1: the quota counts with the consent’s budget', () => {
  let db: TestDatabase;
  let sandbox: BerlinGroupSandbox;
  let app: NestFastifyApplication;
  let base: string;
  let apiKey: string;
  const today = dateInZone(new Date(), 'Europe/Berlin');

  const call = async <T>(method: string, path: string, token: string | null, body?: unknown): Promise<Reply<T>> => {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'kinko-e2e-browser' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return readReply<T>(await fetch(`${base}${path}`, { method, headers, redirect: 'manual', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }));
  };

  const finished = async (token: string, sessionId: string): Promise<string> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await call<{ status: string; finishedAt: string | null }>('GET', `/api/v2/bank/session/${sessionId}/status`, token);
      if (r.json.finishedAt !== null) return r.json.status;
      if (Date.now() > deadline) throw new Error(`session ${sessionId} did not finish: ${r.text}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startBerlinGroupSandbox({ users: berlinGroupPersonaUsers(today) });
    app = await createApp({
      settings: { settings: testSettings({}) },
      databaseUrl: db.url,
      logger: false,
      banks: [{ bankId: BANK_ID, connector: 'berlin-group', options: { baseUrl: sandbox.url, clientId: 'kinko-e2e', bankName: 'Sandbox Bank (Berlin Group)', consentValidityDays: 30, frequencyPerDay: 1 } }],
      syncSettings: { pollingIntervalSeconds: 0.5, schedulerIntervalMs: 0, watchdogIntervalMs: 500, retryDelaySeconds: 1 },
    });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    await app.get(SyncWorker).start();
    apiKey = (await app.get(TenantsService).bootstrap('Berlin Group quota tenant')).apiKey.apiKey;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('shows 1 unattended access after connecting, none after one background sync, then refuses the next with 429', async () => {
    const user = await call<{ id: string }>('POST', '/api/v2/tenant/users', apiKey, { externalId: 'lena-quota' });
    const token = (await call<{ token: string }>('POST', `/api/v2/tenant/users/${user.json.id}/tokens`, apiKey, {})).json.token;
    const start = await call<{ redirectUrl: string }>('POST', `/api/v2/connect/${BANK_ID}`, token, {});
    expect(start.status).toBe(201);
    const browser = await openConnectStart(start.json.redirectUrl);
    const consentId = /^AIS:(.+)$/.exec(new URL(browser.bankUrl).searchParams.get('scope') ?? '')?.[1] as string;
    expect(sandbox.testHooks.consent(consentId)).toMatchObject({ frequencyPerDay: 1 });
    const back = await sandbox.testHooks.approve(browser.bankUrl, 'lena', 'sandbox');
    const redirectUri = new URL(browser.bankUrl).searchParams.get('redirect_uri') as string;
    const done = await readReply<{ connectionId: string; sessionIds: string[] }>(
      await fetch(`${redirectUri}?${new URLSearchParams(back).toString()}`, { headers: { accept: 'application/json', cookie: browser.cookie, 'user-agent': 'kinko-e2e-browser' }, redirect: 'manual' }),
    );
    expect(done.status).toBe(200);
    for (const id of done.json.sessionIds) expect(await finished(token, id)).toBe('completed');

    // The user's own first sync does not count: the consent's one unattended access remains (not the manifest's 4).
    const before = (await call<Array<Quota & { id: string }>>('GET', '/api/v2/bankaccount', token)).json;
    expect(before).toHaveLength(2);
    for (const a of before) expect(a.unattendedAccessesRemainingToday).toBe(1);
    const connection = async (): Promise<Quota> => (await call<Quota>('GET', `/api/v2/connections/${done.json.connectionId}`, token)).json;
    expect((await connection()).unattendedAccessesRemainingToday).toBe(1);

    // Two more syncs the user starts over the user API: the bank does not count them (PSU present).
    for (let i = 0; i < 2; i++) {
      const own = await call<{ sessionIds: string[] }>('POST', `/api/v2/bank/connectionId/${done.json.connectionId}/sync`, token, {});
      expect(own.status).toBe(202);
      for (const id of own.json.sessionIds) expect(await finished(token, id)).toBe('completed');
    }
    // The session request keeps the PSU context for the engine, but the API does not show it.
    const shown = await call<{ parameters: Record<string, unknown> }>('GET', `/api/v2/bank/session/${done.json.sessionIds[0]}`, token);
    expect(shown.status).toBe(200);
    expect(shown.text).not.toContain('127.0.0.1');
    expect(shown.json.parameters).not.toHaveProperty('psu');
    expect((await connection()).unattendedAccessesRemainingToday).toBe(1);

    // One background sync takes it.
    const t0 = Date.now();
    const unattended = await call<{ sessionId: string }>('POST', `/api/v2/tenant/users/${user.json.id}/connections/${done.json.connectionId}/sync`, apiKey);
    expect(unattended.status).toBe(202);
    // (Not asserted completed: this sandbox counts each data endpoint of an account — balances,
    // transactions — as an access of its own, so frequencyPerDay 1 answers the transactions read 429.)
    await finished(token, unattended.json.sessionId);
    const after = (await call<Array<Quota>>('GET', '/api/v2/bankaccount', token)).json;
    for (const a of after) {
      expect(a.unattendedAccessesRemainingToday).toBe(0);
      expect(Date.parse(a.nextRefreshPossibleAt as string)).toBeGreaterThan(t0 + 23 * 3_600_000);
    }
    expect((await connection()).unattendedAccessesRemainingToday).toBe(0);

    // The next background sync is refused before any session starts.
    const refused = await call<{ type: string; nextRefreshPossibleAt: string }>('POST', `/api/v2/tenant/users/${user.json.id}/connections/${done.json.connectionId}/sync`, apiKey);
    expect(refused.status).toBe(429);
    expect(refused.json.type).toMatch(/refresh-quota-spent$/);
  }, 120_000);
});
