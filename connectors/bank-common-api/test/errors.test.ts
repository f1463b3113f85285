/**
 * The bank's statuses and the network's failures as the connector reports them: which
 * calls are retried, which error each ends in, and what the error carries.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { addDays } from '@kinko/domain';
import { systemClock, todayAt, type ConnectorClient } from '@kinko/connector-sdk';
import { sandboxConnector, USER, BANK_CODE } from './sandbox-support';
import { beginLogin, collect, completeLogin, grantOf, startSession, type Session } from './session-support';
import { startStubBank, stubClient, stubGrant, transactionsPage, type StubBank } from './stub-bank-support';

describe('against a scripted bank', () => {
  let stub: StubBank;
  let client: ConnectorClient;
  beforeEach(async () => {
    stub = await startStubBank({
      'GET /accounts': () => ({ body: { accounts: [{ id: 'A1', account_number: '1234567', account_type1: 'bank', account_type2: '普通' }], params: { page: 1, next_page: 0 } } }),
    });
    client = stubClient(stub);
  });
  afterEach(async () => {
    await client.close();
    await stub.close();
  });

  const window = { from: '2020-01-01', to: '2020-01-31' } as never;
  const transactions = () => collect(client.transactions(stubGrant(), { bankAccountId: 'A1', kind: 'booked', window }));
  const calls = (method: string, path: string) => stub.requests.filter((r) => r.method === method && r.path === path).length;

  /** A completed redirect as the bank would send it back for `begun` (the state binding included). */
  async function callback(extra: Record<string, string>) {
    const begun = await beginLogin(client);
    const redirect = new URL(new URL(begun.url).searchParams.get('redirect_uri') as string);
    return completeLogin(client, begun, { ...Object.fromEntries(redirect.searchParams), ...extra });
  }

  it('keeps a refusal of a listed account as the bank’s response: status and clipped content', async () => {
    const content = `{"error":"invalid_request","detail":"${'x'.repeat(5_000)}"}`;
    stub.route('GET /transactions', () => ({ status: 400, raw: content }));
    const out = await transactions();
    expect(out).toMatchObject({ ok: false, error: { _tag: 'BankResponse', status: 400 } });
    if (out.ok || out.error._tag !== 'BankResponse') throw new Error('expected BankResponse');
    expect(out.error.content.length).toBeLessThanOrEqual(500);
    expect(content.startsWith(out.error.content.slice(0, -1))).toBe(true);
    expect(calls('GET', '/accounts')).toBe(1);
  });

  it('maps other refusals: 403 of an account call is the bank’s response, of the accounts list a permanent error', async () => {
    stub.route('GET /transactions', () => ({ status: 403, raw: 'forbidden' }));
    expect(await transactions()).toMatchObject({ ok: false, error: { _tag: 'BankResponse', status: 403, content: 'forbidden' } });
    stub.route('GET /accounts', () => ({ status: 403, raw: 'forbidden' }));
    expect(await collect(client.accounts(stubGrant()))).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'bank_status', httpStatus: 403 } });
  });

  it('retries a 5xx of a data call, then reports TemporaryError with the status', async () => {
    stub.route('GET /transactions', () => ({ status: 500, raw: 'boom' }));
    expect(await transactions()).toMatchObject({ ok: false, error: { _tag: 'TemporaryError', httpStatus: 500 } });
    expect(calls('GET', '/transactions')).toBe(2);
  });

  it('reports 503 as ServiceUnavailable and 429 as RateLimited, carrying Retry-After, without waiting it out', async () => {
    stub.route('GET /transactions', () => ({ status: 503, headers: { 'retry-after': '3600' } }));
    const started = Date.now();
    expect(await transactions()).toMatchObject({ ok: false, error: { _tag: 'ServiceUnavailable', retryAfterMs: 3_600_000 } });
    stub.route('GET /transactions', () => ({ status: 429, headers: { 'retry-after': '120' } }));
    expect(await transactions()).toMatchObject({ ok: false, error: { _tag: 'RateLimited', retryAfterMs: 120_000 } });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('never repeats a token exchange or a rotation the bank may have performed', async () => {
    stub.route('POST /auth/token', () => ({ status: 500 }));
    expect(await callback({ auth_token: 'one-time' })).toMatchObject({ ok: false, error: { _tag: 'TemporaryError', httpStatus: 500 } });
    expect(calls('POST', '/auth/token')).toBe(1);
    stub.route('PUT /auth/token', () => ({ status: 502 }));
    expect(await client.auth.refresh(stubGrant())).toMatchObject({ ok: false, error: { _tag: 'TemporaryError', httpStatus: 502 } });
    expect(calls('PUT', '/auth/token')).toBe(1);
  });

  it('reports a refresh the bank refuses as ConsentExpired carrying its status and its answer, without the tokens, the client secret or an account number', async () => {
    const refresh = 'rt-9f8e7d6c5b4a39281706f5e4d3c2b1a0';
    const access = 'at-0a1b2c3d4e5f60718293a4b5c6d7e8f9';
    const body = JSON.stringify({
      error: 'invalid_grant',
      error_description: `refresh_token ${refresh} is revoked; access_token ${access}; api_key stub-key password stub-secret; account 1234567 (口座 0012345678)`,
      trace: 'x'.repeat(2_000),
    });
    stub.route('PUT /auth/token', () => ({ status: 401, raw: body }));
    const out = await client.auth.refresh(stubGrant(access, refresh));
    expect(out).toMatchObject({ ok: false, error: { _tag: 'ConsentExpired', httpStatus: 401 } });
    if (out.ok || out.error._tag !== 'ConsentExpired') throw new Error('expected ConsentExpired');
    const content = out.error.content ?? '';
    expect(content).toContain('invalid_grant');
    expect(content.length).toBeLessThanOrEqual(300);
    for (const secret of [refresh, access, 'stub-key', 'stub-secret', '1234567', '0012345678']) expect(content).not.toContain(secret);
    expect(content).toContain('<redacted>');
    expect(out.error.message).not.toContain(refresh);
    // A 400 likewise (the bank's other refusal status); a 5xx stays a temporary failure (above).
    stub.route('PUT /auth/token', () => ({ status: 400, raw: '{"error":"invalid_request"}' }));
    expect(await client.auth.refresh(stubGrant(access, refresh))).toMatchObject({ ok: false, error: { _tag: 'ConsentExpired', httpStatus: 400, content: '{"error":"invalid_request"}' } });
  });

  it('repeats a rotation the bank refused with 429 (it did not act on it)', async () => {
    let first = true;
    stub.route('PUT /auth/token', () => {
      if (!first) return { body: { access_token: 'a2', created_at: 1, expired_at: 3601, refresh_token: 'r2' } };
      first = false;
      return { status: 429, headers: { 'retry-after': '0' } };
    });
    expect(await client.auth.refresh(stubGrant())).toMatchObject({ ok: true, value: { type: 'granted' } });
    expect(calls('PUT', '/auth/token')).toBe(2);
  });

  it('does not cache a failed system token request, and reports client credentials the bank refuses', async () => {
    stub.route('POST /auth/system_token', () => ({ status: 500 }));
    expect(await callback({ auth_token: 'x' })).toMatchObject({ ok: false, error: { _tag: 'TemporaryError' } });
    stub.route('POST /auth/system_token', () => ({ status: 401 }));
    expect(await collect(client.branches())).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'client_rejected' } });
    expect(calls('POST', '/auth/system_token')).toBe(2 + 1); // the 500 was retried once (a repeatable POST), then one 401
  });

  it('reports a system token the bank keeps refusing for branches as the client’s problem, after one renewal', async () => {
    stub.route('GET /branches', () => ({ status: 401 }));
    expect(await collect(client.branches())).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'client_rejected' } });
    expect(await collect(client.branches())).toMatchObject({ ok: false, error: { code: 'client_rejected' } });
    expect(calls('POST', '/auth/system_token')).toBe(2);
  });

  it('treats a refresh token the bank does not know as already revoked', async () => {
    stub.route('DELETE /auth/token', () => ({ status: 400 }));
    expect(await client.auth.revoke(stubGrant())).toEqual({ ok: true, value: undefined });
    stub.route('DELETE /auth/token', () => ({ status: 500 }));
    expect(await client.auth.revoke(stubGrant())).toMatchObject({ ok: false, error: { _tag: 'TemporaryError' } });
  });

  it('reads a body that is not JSON as PermanentError', async () => {
    stub.route('GET /transactions', () => ({ raw: '<html>maintenance</html>' }));
    expect(await transactions()).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'malformed_body' } });
    stub.route('GET /transactions', () => ({ body: transactionsPage([]) }));
    expect(await transactions()).toEqual({ ok: true, value: [] });
  });
});

describe('when the bank cannot be reached', () => {
  it('reports a refused connection as NetworkError', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    const client = sandboxConnector.create({
      config: { apiKey: 'k', password: 'p', baseUrl: `http://127.0.0.1:${port}` },
      extraAllowedHosts: [`127.0.0.1:${port}`],
      http: { retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 } },
    });
    try {
      expect(await collect(client.accounts(stubGrant()))).toMatchObject({ ok: false, error: { _tag: 'NetworkError' } });
    } finally {
      await client.close();
    }
  });

  it('never contacts a host that is not the bank’s', async () => {
    const client = sandboxConnector.create({ config: { apiKey: 'k', password: 'p', baseUrl: 'http://127.0.0.1:9' } });
    expect(await collect(client.accounts(stubGrant()))).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'host_not_allowed' } });
    await client.close();
  });
});

describe('against the sandbox’s faults, on the transactions of an account', () => {
  let s: Session;
  let grant: Awaited<ReturnType<typeof grantOf>>;
  let accountId: string;
  const today = todayAt(systemClock, 'Asia/Tokyo');
  const window = { from: addDays(today, -30), to: today };
  beforeAll(async () => {
    s = await startSession();
    grant = await grantOf(s.client);
    accountId = s.sandbox.truth.accounts(BANK_CODE, USER.id)[0]?.accountId as string;
  });
  afterAll(() => s.close());
  afterEach(() => s.bank.knobs.reset());
  const transactions = () => collect(s.client.transactions(grant, { bankAccountId: accountId, kind: 'booked', window }));

  it('reports a bank slower than the timeout as TemporaryError (timeout), after the retry', async () => {
    s.bank.knobs.faults.set({ latencyMs: 2_300, operations: ['GET /transactions'] });
    const started = Date.now();
    expect(await transactions()).toMatchObject({ ok: false, error: { _tag: 'TemporaryError', code: 'timeout' } });
    expect(Date.now() - started).toBeLessThan(2 * 2_000 + 1_500 + 1_000);
  });

  it('reports a dropped connection as NetworkError and a cut body as PermanentError', async () => {
    s.bank.knobs.faults.failNext(2, { type: 'drop-connection' }, { operations: ['GET /transactions'] });
    expect(await transactions()).toMatchObject({ ok: false, error: { _tag: 'NetworkError' } });
    s.bank.knobs.faults.failNext(1, { type: 'malformed-json' }, { operations: ['GET /transactions'] });
    expect(await transactions()).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'malformed_body' } });
  });

  it('recovers from a single 500 by retrying', async () => {
    s.bank.knobs.faults.failNext(1, 500, { operations: ['GET /transactions'] });
    const out = await transactions();
    expect(out.ok).toBe(true);
    expect(s.bank.requests({ operation: 'GET /transactions' }).slice(-2).map((r) => r.status)).toEqual([500, 200]);
  });
});
