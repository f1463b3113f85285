/**
 * End to end with the GMO Aozora Net Bank connector (issue 18) and its own sandbox
 * (tools/sandbox-bank src/gmo-aozora: the personal Open API's shapes, deterministic Japanese
 * data): the user connects through the redirect flow started over the API (OAuth 2.0
 * authorisation code with PKCE S256 at the bank's login form), the first sync runs on real
 * PostgreSQL, and the accounts and transactions are read back through the API — 入金 positive,
 * 出金 negative, in yen, every item of the bank's two nextItemKey pages once.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { dateInZone } from '@kinko/domain';
import { gmoAozoraPersonaUser, startGmoAozoraSandbox, type GmoAozoraSandbox } from '@kinko/sandbox-bank';
import { createApp } from '../../src/app';
import { SyncWorker } from '../../src/sync/sync-worker';
import { TenantsService } from '../../src/tenants/tenants.service';
import { openConnectStart } from '../support/connect-browser';
import { readReply, type Reply } from '../support/http-reply';
import { testSettings } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const BANK_ID = 'sandbox-gmo-aozora';

interface ApiAccount {
  id: string;
  accountNumber: string | null;
}
interface ApiTransaction {
  bankTransactionId: string;
  kind: string;
  amount: { amountMinor: string; currency: string };
  transactionDate: string;
  description?: string | null;
}

describe('GMO Aozora Net Bank end to end (connect over the redirect flow with PKCE, sync, read back)', () => {
  let db: TestDatabase;
  let bank: GmoAozoraSandbox;
  let app: NestFastifyApplication;
  let base: string;
  let apiKey: string;
  const today = dateInZone(new Date(), 'Asia/Tokyo');
  const hanako = gmoAozoraPersonaUser(today);

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
    bank = await startGmoAozoraSandbox({ clientId: 'kinko-e2e', clientSecret: 'e2e-secret', users: [hanako], today });
    app = await createApp({
      settings: { settings: testSettings({}) },
      databaseUrl: db.url,
      logger: false,
      banks: [{ bankId: BANK_ID, connector: 'gmo-aozora', options: { baseUrl: bank.baseUrl, clientId: 'kinko-e2e', clientSecret: 'e2e-secret' } }],
      syncSettings: { pollingIntervalSeconds: 0.5, schedulerIntervalMs: 0, watchdogIntervalMs: 500, retryDelaySeconds: 1 },
    });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    await app.get(SyncWorker).start();
    apiKey = (await app.get(TenantsService).bootstrap('GMO Aozora tenant')).apiKey.apiKey;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await bank?.close();
    await db?.drop();
  });

  it('connects hanako at the bank’s login form (PKCE S256), syncs, and reads accounts and signed yen transactions back', async () => {
    const user = await call<{ id: string }>('POST', '/api/v2/tenant/users', apiKey, { externalId: 'hanako-e2e' });
    const token = (await call<{ token: string }>('POST', `/api/v2/tenant/users/${user.json.id}/tokens`, apiKey, {})).json.token;

    const start = await call<{ redirectUrl: string }>('POST', `/api/v2/connect/${BANK_ID}`, token, {});
    expect(start.status).toBe(201);
    const browser = await openConnectStart(start.json.redirectUrl);
    const asked = new URL(browser.bankUrl).searchParams;
    expect(asked.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(asked.get('code_challenge_method')).toBe('S256');
    const redirectUri = asked.get('redirect_uri') as string;
    expect(redirectUri).toBe(`${base}/api/v2/connect/callback`);

    // The user's browser at the bank: its login page (a form carrying the request), posted with the persona's login, then back with the code.
    const page = await (await fetch(browser.bankUrl)).text();
    const hidden = [...page.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [m[1] as string, (m[2] ?? '').replace(/&#(\d+);/g, (_x, c: string) => String.fromCharCode(Number(c)))]);
    expect(Object.fromEntries(hidden)).toEqual({ redirect_uri: redirectUri, state: asked.get('state'), code_challenge: asked.get('code_challenge') });
    const form = new URLSearchParams([...hidden, ['username', hanako.username], ['password', hanako.password]] as Array<[string, string]>);
    const atBank = await fetch(`${bank.baseUrl}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
    const back = new URL(atBank.headers.get('location') as string);
    const done = await readReply<{ connectionId: string; sessionIds: string[] }>(
      await fetch(back.href, { headers: { accept: 'application/json', cookie: browser.cookie, 'user-agent': 'kinko-e2e-browser' }, redirect: 'manual' }),
    );
    expect(done.status).toBe(200);
    for (const id of done.json.sessionIds) expect(await finished(token, id)).toBe('completed');

    const accounts = (await call<ApiAccount[]>('GET', '/api/v2/bankaccount', token)).json;
    expect(accounts.map((a) => a.accountNumber).sort()).toEqual(['1047569', '1234567']);
    const main = accounts.find((a) => a.accountNumber === '1234567') as ApiAccount;

    const items: ApiTransaction[] = [];
    let cursor: string | null = null;
    do {
      const page: Reply<{ items: ApiTransaction[]; nextCursor: string | null }> = await call('GET', `/api/v2/accounts/${main.id}/transactions?limit=500${cursor ? `&cursor=${cursor}` : ''}`, token);
      expect(page.status).toBe(200);
      items.push(...page.json.items);
      cursor = page.json.nextCursor;
    } while (cursor);
    // The first sync's window: every item the bank holds in it, once (the demo history is 200 days).
    const truth = hanako.accounts[0]!.transactions;
    const stored = new Set(items.map((t) => t.bankTransactionId));
    expect(stored.size).toBe(items.length);
    expect(items.length).toBeGreaterThan(500);
    expect(truth.filter((t) => stored.has(t.itemKey))).toHaveLength(items.length);
    const salary = truth.find((t) => t.remarks === '給与 カ）キンコ')!;
    const card = truth.find((t) => t.remarks === 'デビット ヨドバシカメラ')!;
    expect(items.find((t) => t.bankTransactionId === salary.itemKey)?.amount).toMatchObject({ amountMinor: '285000', currency: 'JPY' });
    expect(items.find((t) => t.bankTransactionId === card.itemKey)?.amount).toMatchObject({ amountMinor: '-3450', currency: 'JPY' });
  }, 180_000);
});
