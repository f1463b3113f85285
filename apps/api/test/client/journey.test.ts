import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type KinkoClient, KinkoApiError, type KinkoUserClient, type Transaction, createKinkoClient } from '@kinko/client';
import { type BankCommonApiSandbox, loginAtBankPage, startBankCommonApiSandbox } from '@kinko/sandbox-bank';
import { problemType } from '../../src/http/problem';
import { openConnectStart } from '../support/connect-browser';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type LinkWorld, NETBANK_ID, credentialsOf, startLinkWorld } from '../link/harness';

// Issue 15 §2: a tenant's backend runs the whole journey through @kinko/client against the
// app over loopback on real PostgreSQL: create a user, mint a token, connect a credentials
// bank (the sandbox net bank) and a redirect bank (the sandbox 銀行共通API bank), follow the
// login and the sync sessions to their end, read accounts, every page of transactions and the
// change feed — and the same reads with the API key acting as the user.

const REDIRECT_BANK_ID = 'journey-redirect-bank';
const REDIRECT_BANK_CODE = '0005';
const REDIRECT_LOGIN = { id: 'journey-at-bank', password: `pw-${randomUUID()}` };

describe('@kinko/client journey: connect → sync → read', () => {
  let db: TestDatabase;
  let redirectBank: BankCommonApiSandbox;
  let world: LinkWorld;
  let kinko: KinkoClient;
  let userId: string;
  let user: KinkoUserClient;

  /** Every transaction of every account, through the page iterator (small pages: many of them). */
  const listing = async (reader: Pick<KinkoUserClient, 'accounts' | 'transactionPages'>): Promise<{ byId: Map<string, Transaction>; pages: number }> => {
    const byId = new Map<string, Transaction>();
    let pages = 0;
    for (const account of await reader.accounts()) {
      for await (const page of reader.transactionPages(account.id, { limit: 50 })) {
        pages += 1;
        expect(page.items.length).toBeLessThanOrEqual(50);
        for (const t of page.items) {
          expect(byId.has(t.id)).toBe(false);
          byId.set(t.id, t);
        }
      }
    }
    return { byId, pages };
  };

  /** The change feed from the beginning (small pages), applied as upserts and deletes. */
  const replayFeed = async (reader: Pick<KinkoUserClient, 'changePages'>): Promise<{ state: Map<string, Transaction>; pages: number; cursor: string }> => {
    const state = new Map<string, Transaction>();
    let pages = 0;
    let cursor = '';
    for await (const page of reader.changePages(undefined, { count: 100 })) {
      pages += 1;
      for (const t of [...page.added, ...page.modified]) state.set(t.id, t);
      for (const r of page.removed) state.delete(r.id);
      cursor = page.nextCursor;
    }
    return { state, pages, cursor };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    redirectBank = await startBankCommonApiSandbox({
      banks: [
        {
          bankCode: REDIRECT_BANK_CODE,
          bankName: 'ジャーニー銀行',
          client: { apiKey: 'kinko-journey', password: 'journey-client-password', redirectDomains: ['127.0.0.1'] },
          users: [{ id: REDIRECT_LOGIN.id, password: REDIRECT_LOGIN.password, accounts: [{ kind: 'ordinary', transactions: 60, historyDays: 90 }] }],
        },
      ],
      seed: 15,
    });
    world = await startLinkWorld(db, {
      extraBanks: [
        {
          bankId: REDIRECT_BANK_ID,
          connector: 'bank-common-api',
          options: { bankCode: REDIRECT_BANK_CODE, bankName: 'ジャーニー銀行', baseUrl: redirectBank.url(REDIRECT_BANK_CODE), apiKey: 'kinko-journey', password: 'journey-client-password' },
        },
      ],
    });
    kinko = createKinkoClient({ baseUrl: world.base, apiKey: world.apiKey });
  }, 120_000);

  afterAll(async () => {
    await world?.close();
    await redirectBank?.close();
    await db?.drop();
  });

  it('creates a user and mints its token; the user sees both banks', async () => {
    const created = await kinko.createUser('journey-alice');
    expect(created).toMatchObject({ id: expect.any(String), externalId: 'journey-alice' });
    userId = created.id;
    expect(await kinko.user(userId)).toEqual(created);
    user = await kinko.forUser(userId, { ttlSeconds: 3600 });
    const banks = await user.banks();
    expect(banks.map((b) => [b.bankId, b.authFlow]).sort()).toEqual([
      [REDIRECT_BANK_ID, 'redirect'],
      [NETBANK_ID, 'credentials'],
    ].sort());
  });

  it('errors are KinkoApiError with the problem+json: type, title, status, detail, requestId', async () => {
    const taken = await kinko.createUser('journey-alice').catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(KinkoApiError);
    expect(taken).toMatchObject({ status: 409, type: problemType('external-id-taken'), title: expect.any(String), requestId: expect.any(String) });
    const missing = (await user.connection(randomUUID()).catch((e: unknown) => e)) as KinkoApiError;
    expect(missing).toBeInstanceOf(KinkoApiError);
    expect({ status: missing.status, type: missing.type, detail: typeof missing.detail }).toEqual({ status: 404, type: problemType('not-found'), detail: 'string' });
    expect(missing.problem.requestId).toBe(missing.requestId);
  });

  it('connects the credentials bank: answers at once, the login and first sync are followed to the end', async () => {
    const form = await user.credentialForm(NETBANK_ID);
    expect(form.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['userId', 'password']));
    const started = await user.connectWithCredentials(NETBANK_ID, credentialsOf(world.netbank, 'happy'));
    expect(started).toMatchObject({ outcome: 'running', bankId: NETBANK_ID });
    const connection = await user.followConnection(started.connectionId, { timeoutMs: 60_000 });
    expect(connection.aggregationStatus).toBe('success');
    expect((await user.connections()).map((c) => c.id)).toEqual([started.connectionId]);
  });

  it('connects the redirect bank: the authorisation URL, the bank login, the callback, the first session followed', async () => {
    const start = await user.startRedirectConnection(REDIRECT_BANK_ID);
    expect(start.redirectUrl.startsWith(`${world.base}/api/v2/connect/flows/${start.connectFlowId}/browser`)).toBe(true);
    // The user's browser: Kinko's start URL, the bank's login page, back to Kinko's callback.
    const browser = await openConnectStart(start.redirectUrl);
    const login = await loginAtBankPage(browser.bankUrl, REDIRECT_LOGIN);
    if (login.outcome !== 'redirected') throw new Error(`the bank refused the login: ${login.status}`);
    const callback = await fetch(login.location, { headers: { accept: 'application/json', cookie: browser.cookie } });
    const done = (await callback.json()) as { status: string; sessionIds: string[] };
    expect([callback.status, done.status]).toEqual([200, 'connected']);
    for (const sessionId of done.sessionIds) expect(await user.followSession(sessionId, { timeoutMs: 60_000 })).toMatchObject({ status: 'completed', stage: 'finished' });
    expect((await user.connections()).map((c) => c.bankId).sort()).toEqual([REDIRECT_BANK_ID, NETBANK_ID].sort());
  });

  it('syncs a bank and follows every session to its end; reads accounts, every page of transactions, the change feed', async () => {
    const finals = await user.syncBankAndWait(NETBANK_ID, {}, { timeoutMs: 60_000 });
    expect(finals.length).toBeGreaterThan(0);
    for (const f of finals) expect(f).toMatchObject({ status: 'completed', finishedAt: expect.any(String) });

    const accounts = await user.accounts();
    expect(new Set(accounts.map((a) => a.bankId))).toEqual(new Set([NETBANK_ID, REDIRECT_BANK_ID]));
    const { byId, pages } = await listing(user);
    expect(byId.size).toBeGreaterThan(100); // the happy persona's accounts and the redirect bank's
    expect(pages).toBeGreaterThan(accounts.length); // the iterator followed the cursor past the first page

    // The item iterator walks the same pages.
    const first = accounts[0]?.id as string;
    const items: string[] = [];
    for await (const t of user.transactions(first, { limit: 25 })) items.push(t.id);
    expect(items.sort()).toEqual([...byId.values()].filter((t) => t.accountId === first).map((t) => t.id).sort());

    // The change feed replayed from the beginning (small pages) is exactly the listing.
    const feed = await replayFeed(user);
    expect(feed.pages).toBeGreaterThan(1);
    expect([...feed.state.keys()].sort()).toEqual([...byId.keys()].sort());
    // From the last cursor: nothing new.
    expect(await user.changes(feed.cursor)).toMatchObject({ added: [], modified: [], removed: [], hasMore: false });
  });

  it('reads the same with the API key acting as the user (no token to mint)', async () => {
    const asKey = kinko.actingAs(userId);
    expect(await asKey.accounts()).toEqual(await user.accounts());
    expect(await asKey.connections()).toEqual(await user.connections());
    const [viaKey, viaToken] = await Promise.all([listing(asKey), listing(user)]);
    expect([...viaKey.byId.keys()].sort()).toEqual([...viaToken.byId.keys()].sort());
    expect([...(await replayFeed(asKey)).state.keys()].sort()).toEqual([...viaToken.byId.keys()].sort());
  });
});
