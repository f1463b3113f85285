import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import { type RequestLogEntry, polishApiOperation } from '@kinko/sandbox-bank';
import { DataSource } from 'typeorm';
import { problemType } from '../../src/http/problem';
import { openConnectStart } from '../support/connect-browser';
import { BANK_ID, type ConnectedUser, type PolishWorld, startPolishWorld } from './polish-harness';

// Issue 13: one decision for every outcome. Each consequence the issue lists, through the API
// on real PostgreSQL against the PolishAPI sandbox: whichever path a failure takes (a data
// call, the retries running out, the bank reporting the consent gone), the connection,
// consent and accounts end as the domain's one decision says.

const quiet = { kind: 'savings', activity: false, transactions: 30, historyDays: 40, ongoing: false } as const;
const DONE = polishApiOperation('getTransactionsDone');

describe('one decision for every outcome, through the API', () => {
  let w: PolishWorld;

  beforeAll(async () => {
    w = await startPolishWorld({
      users: [
        { login: 'znika', password: 'haslo-znika', accounts: [quiet, quiet] },
        { login: 'limit', password: 'haslo-limitu', accounts: [quiet] },
        { login: 'cofa', password: 'haslo-cofa', accounts: [quiet, quiet] },
        { login: 'wraca', password: 'haslo-wraca', accounts: [quiet] },
        { login: 'odwolal', password: 'haslo-odwolal', accounts: [quiet, quiet] },
      ],
      seed: 'one-decision',
    });
  }, 120_000);

  afterAll(async () => {
    await w?.close();
  });

  const connection = async (user: ConnectedUser) =>
    (await w.call<{ aggregationStatus: string }>('GET', `/api/v2/connections/${user.connectionId}`, user.token)).json;

  /** A user sync through the API, followed to its end: its status and its error as GET /api/v2/bank/session/{id} answers them. */
  const syncedSession = async (user: ConnectedUser): Promise<{ status: string; error: Record<string, unknown> | null }> => {
    const started = await w.call<{ sessionId: string }>('POST', `/api/v2/bank/${BANK_ID}/sync`, user.token, {});
    expect(started.status).toBe(202);
    await w.finished(user.token, started.json.sessionId);
    const res = await w.call<{ status: string; error: Record<string, unknown> | null }>('GET', `/api/v2/bank/session/${started.json.sessionId}`, user.token);
    expect(res.status).toBe(200);
    return res.json;
  };

  it('an account the bank drops during the data calls (MissingAccount from a transactions call) → syncStatus failed, syncError missingAccount (not internal); the other account completes', async () => {
    const user = await w.connectUser('znika-user', 'znika');
    const before = await w.accounts(user.token);
    expect(before).toHaveLength(2);
    const gone = before[0]?.accountNumber as string;
    // The account is listed by this sync's accounts call; it disappears when the first
    // transactions request arrives, so the bank answers its data calls 403 ACCOUNT_UNAVAILABLE.
    const log = w.sandbox.requestLog;
    const record = log.record.bind(log);
    let removed = false;
    log.record = (entry: Omit<RequestLogEntry, 'seq'>) => {
      if (!removed && entry.operation === DONE) {
        removed = true;
        w.sandbox.knobs.removeAccount(gone);
      }
      return record(entry);
    };
    try {
      await w.sync(user);
    } finally {
      log.record = record;
      w.sandbox.knobs.restoreAccount(gone);
    }
    expect(removed).toBe(true);
    const after = new Map((await w.accounts(user.token)).map((a) => [a.accountNumber, a]));
    expect(after.get(gone)).toMatchObject({ syncStatus: 'failed', transactionSyncStatus: 'failed', syncError: { errorType: 'missingAccount' } });
    const other = before[1]?.accountNumber as string;
    expect(after.get(other)).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'completed', syncError: null });
    // An account-level error: the connection's run still succeeds.
    expect((await connection(user)).aggregationStatus).toBe('success');
  });

  it('a bank that keeps answering 429 until the retries are spent → the connection ends error.service.unavailable (not error.temporary), the accounts carry the bank’s 429', async () => {
    const user = await w.connectUser('limit-user', 'limit');
    // A 429 without Retry-After: retried by the HTTP client, then by the queue, until the dead letter.
    w.sandbox.knobs.faults.failNext(10_000, { type: 'status', status: 429 }, { operations: [DONE] });
    let session: Awaited<ReturnType<typeof syncedSession>> | undefined;
    try {
      session = await syncedSession(user);
      expect(session.status).toBe('failed');
    } finally {
      w.sandbox.knobs.faults.reset();
    }
    expect((await connection(user)).aggregationStatus).toBe('error.service.unavailable');
    const [account] = await w.accounts(user.token);
    expect(account?.syncError).toMatchObject({ errorType: 'aspspResponse', aspspResponse: { status: '429' } });
    // The session's error keeps the whole connector error (JSON-safe), readable through the session API.
    expect(session?.error).toMatchObject({ errorType: 'aspspResponse', aspspResponse: { status: '429' }, connectorError: { _tag: 'RateLimited', httpStatus: 429 } });
  }, 180_000);

  it('DEAUTHORIZED reported by the bank (the PSU withdrew the consent at the bank): the consent is revokedByUser and its accounts are hidden, as after the user’s DELETE', async () => {
    const user = await w.connectUser('cofa-user', 'cofa');
    const listed = await w.accounts(user.token);
    expect(listed).toHaveLength(2);
    const data = await w.transactions(user.token, listed[0]?.id as string);
    const atBank = w.sandbox.testHooks.consents().filter((c) => c.login === 'cofa' && c.status === 'valid');
    expect(atBank).toHaveLength(1);
    w.sandbox.testHooks.deleteConsent(atBank[0]?.consentId as string);
    const session = await syncedSession(user);
    expect(await w.accounts(user.token)).toEqual([]);
    const consent = (await w.call<Record<string, unknown>>('GET', `/api/v2/consents/${user.consentId}`, user.token)).json;
    expect(consent).toMatchObject({ status: 'revokedByUser', invalidationReason: 'RevokedByUser', previousStatus: 'valid' });
    expect((await connection(user)).aggregationStatus).toBe('auth.creds.invalid');
    // The bank's refusal (its 401 and body) is the error, not an internal one.
    expect(session.error).toMatchObject({ errorType: 'aspspResponse', aspspResponse: { status: '401', content: expect.stringContaining('CONSENT_REVOKED') }, connectorError: { _tag: 'ConsentRevoked', message: expect.any(String) } });
    // The data is kept.
    expect(await w.transactions(user.token, listed[0]?.id as string)).toEqual(data);
  });

  it('the connect flow moves the status through the domain under the row lock: a reconnect waits for a concurrent writer and decides from the status the row has then (the history stays one chain)', async () => {
    const user = await w.connectUser('wraca-user', 'wraca');
    const ds = w.app.get(DataSource);
    expect((await w.call('POST', `/api/v2/connections/${user.connectionId}/deactivate`, user.token, {})).status).toBeLessThan(300);
    expect((await connection(user)).aggregationStatus).toBe('inactive');
    // The user reconnects: the bank approves, the browser is about to come back to the callback.
    const started = await w.call<{ redirectUrl: string }>('POST', `/api/v2/connect/${BANK_ID}`, user.token, { connectionId: user.connectionId });
    expect(started.status).toBe(201);
    const base = `http://127.0.0.1:${(w.app.getHttpServer().address() as AddressInfo).port}`;
    const startUrl = new URL(started.json.redirectUrl);
    const browser = await openConnectStart(`${base}${startUrl.pathname}${startUrl.search}`);
    const callback = new URL(w.sandbox.testHooks.approveConsent(browser.bankUrl, { user: 'wraca' }).location);
    // Meanwhile another writer holds the connection's row and reactivates it (as POST …/reactivate would).
    const other = ds.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    let answered = false;
    let reply: Promise<Response> | undefined;
    try {
      await other.query(`SELECT 1 FROM connections WHERE id = $1 FOR UPDATE`, [user.connectionId]);
      await other.query(`UPDATE connections SET aggregation_status = 'success', deactivated = false WHERE id = $1`, [user.connectionId]);
      await other.query(
        `INSERT INTO connection_status_history (tenant_id, user_id, connection_id, previous_status, status, changed_at) SELECT tenant_id, user_id, id, 'inactive', 'success', now() FROM connections WHERE id = $1`,
        [user.connectionId],
      );
      reply = fetch(`${base}${callback.pathname}${callback.search}`, { headers: { accept: 'application/json', cookie: browser.cookie }, redirect: 'manual' });
      void reply.then(() => (answered = true));
      await new Promise((r) => setTimeout(r, 1_000));
      expect(answered).toBe(false); // the callback waits for the row
    } finally {
      await other.commitTransaction();
      await other.release();
    }
    const done = await reply;
    expect(done?.status).toBe(200);
    const body = (await done?.json()) as { sessionIds: string[] };
    for (const id of body.sessionIds) await w.finished(user.token, id);
    // Decided on the status the row had once the lock was free (success: no second reactivation),
    // every history row starts where the one before it ended.
    const history = (await ds.query(`SELECT previous_status, status FROM connection_status_history WHERE connection_id = $1 ORDER BY id`, [user.connectionId])) as Array<{
      previous_status: string | null;
      status: string;
    }>;
    for (let i = 1; i < history.length; i += 1) expect([i, history[i]?.previous_status]).toEqual([i, history[i - 1]?.status]);
    expect(history.filter((h) => h.previous_status === 'inactive')).toHaveLength(1);
    expect((await connection(user)).aggregationStatus).toBe('success');
  });

  it('the user’s withdrawal goes through the one store under the connection’s row lock: it waits for a concurrent writer without holding the consent (the lock order of a session’s end), then revokes the consent, hides its accounts and deactivates the connection from the status the row has then', async () => {
    const user = await w.connectUser('odwolal-user', 'odwolal');
    const ds = w.app.get(DataSource);
    expect(await w.accounts(user.token)).toHaveLength(2);
    // Another writer (as a session's end would) holds the connection's row and moves its status.
    const other = ds.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    let answered = false;
    let reply: Promise<{ status: number }> | undefined;
    try {
      await other.query(`SELECT 1 FROM connections WHERE id = $1 FOR UPDATE`, [user.connectionId]);
      await other.query(
        `INSERT INTO connection_status_history (tenant_id, user_id, connection_id, previous_status, status, changed_at) SELECT tenant_id, user_id, id, aggregation_status, 'error.temporary', now() FROM connections WHERE id = $1`,
        [user.connectionId],
      );
      await other.query(`UPDATE connections SET aggregation_status = 'error.temporary' WHERE id = $1`, [user.connectionId]);
      reply = w.call('DELETE', `/api/v2/consents/${user.consentId}`, user.token);
      void reply.then(() => (answered = true));
      await new Promise((r) => setTimeout(r, 1_000));
      expect(answered).toBe(false); // the withdrawal waits for the connection's row
      // …and has not taken the consent meanwhile: the writer holding the connection can still
      // lock it (a withdrawal that locked the consent first would deadlock a session's end).
      await other.query(`SELECT 1 FROM consents WHERE id = $1 FOR UPDATE NOWAIT`, [user.consentId]);
    } finally {
      await other.commitTransaction();
      await other.release();
    }
    expect((await reply)?.status).toBe(200);
    const consent = (await w.call<Record<string, unknown>>('GET', `/api/v2/consents/${user.consentId}`, user.token)).json;
    expect(consent).toMatchObject({ status: 'revokedByUser', invalidationReason: 'RevokedByUser', previousStatus: 'valid' });
    expect(await w.accounts(user.token)).toEqual([]);
    expect((await connection(user)).aggregationStatus).toBe('inactive');
    // Deactivated from the status the row had once free: one chain, error.temporary → inactive.
    const history = (await ds.query(`SELECT previous_status, status FROM connection_status_history WHERE connection_id = $1 ORDER BY id`, [user.connectionId])) as Array<{
      previous_status: string | null;
      status: string;
    }>;
    for (let i = 1; i < history.length; i += 1) expect([i, history[i]?.previous_status]).toEqual([i, history[i - 1]?.status]);
    expect(history.at(-1)).toEqual({ previous_status: 'error.temporary', status: 'inactive' });
  });

  it('the redirect callback’s refusal answers by the domain’s decision for the connect phase: the user declining at the bank (auth error) is a 403 forbidden problem, the bank unavailable a 502 bank-error; no connection is created', async () => {
    const token = (await w.call<{ token: string }>('POST', `/api/v2/tenant/users/${(await w.call<{ id: string }>('POST', '/api/v2/tenant/users', w.apiKey, { externalId: 'odmowa-user' })).json.id}/tokens`, w.apiKey, {})).json.token;
    const base = `http://127.0.0.1:${(w.app.getHttpServer().address() as AddressInfo).port}`;
    const refuse = async (error: string): Promise<{ status: number; type: unknown }> => {
      const started = await w.call<{ redirectUrl: string }>('POST', `/api/v2/connect/${BANK_ID}`, token, {});
      expect(started.status).toBe(201);
      const startUrl = new URL(started.json.redirectUrl);
      const browser = await openConnectStart(`${base}${startUrl.pathname}${startUrl.search}`);
      // The bank sends the user back with an OAuth error instead of a code (same flow, same state).
      const back = new URL(w.sandbox.testHooks.approveConsent(browser.bankUrl, { user: 'odwolal' }).location);
      const refused = new URLSearchParams({ state: back.searchParams.get('state') ?? '', error });
      const res = await fetch(`${base}${back.pathname}?${refused.toString()}`, { headers: { accept: 'application/json', cookie: browser.cookie }, redirect: 'manual' });
      return { status: res.status, type: ((await res.json()) as { type?: unknown }).type };
    };
    expect(await refuse('access_denied')).toEqual({ status: 403, type: problemType('forbidden') });
    expect(await refuse('temporarily_unavailable')).toEqual({ status: 502, type: problemType('bank-error') });
    expect((await w.call<unknown[]>('GET', '/api/v2/connections', token)).json).toEqual([]);
  });
});
