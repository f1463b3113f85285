import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BANK_COMMON_API_PERSONAS, type BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TenantsService } from '../../src/tenants/tenants.service';
import { readReply, type Reply } from '../support/http-reply';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { BANK_CODE, BANK_ID, type Connected, type SharedClock, connectUser, sharedClock, startSandbox, startWorker, syncApp } from '../sync/harness';

// The 銀行共通API personas `pnpm start` offers at its first bank (BANK_COMMON_API_PERSONAS):
// each one, connected through the bank's login page and synced through the API on real
// PostgreSQL, reaches its outcome with no knob turned.

interface ApiAccount {
  id: string;
  accountNumber: string | null;
  syncStatus: string;
  transactionSyncStatus: string | null;
  lastSyncDate: string | null;
  consent: { status: string; invalidationReason: string | null } | null;
  syncError: { errorType: string; aspspResponse: { status: unknown; content: string } | null } | null;
}

const MINUTE = 60_000;
const persona = (id: string) => BANK_COMMON_API_PERSONAS.find((p) => p.id === id) as (typeof BANK_COMMON_API_PERSONAS)[number];

describe('銀行共通API personas of the main job: each reaches its outcome through the API', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let clock: SharedClock;
  let base: string;
  let apiKey: string;
  let tenantId: string;

  beforeAll(async () => {
    clock = sharedClock('2026-03-10T03:00:00Z');
    db = await createTestDatabase();
    sandbox = await startSandbox(
      BANK_COMMON_API_PERSONAS.map((p) => p.user),
      { clock: clock.sandbox },
    );
    app = await syncApp(db, sandbox, { clock });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer() as { address(): AddressInfo }).address().port}`;
    await startWorker(app);
    const boot = await app.get(TenantsService).bootstrap('Persona tenant');
    apiKey = boot.apiKey.apiKey;
    tenantId = boot.tenant.id;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  const call = async <T>(method: string, path: string, token: string, body?: unknown): Promise<Reply<T>> =>
    readReply<T>(
      await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }),
    );
  /** Connects the persona at the bank's login page; a user token for the API. */
  const connect = async (id: string): Promise<{ c: Connected; token: string }> => {
    const p = persona(id);
    const c = await connectUser(app, sandbox, { id: p.id, password: p.password }, { now: clock.now(), tenantId });
    const token = (await call<{ token: string }>('POST', `/api/v2/tenant/users/${c.scope.userId}/tokens`, apiKey, {})).json.token;
    return { c, token };
  };
  const sync = async (token: string): Promise<string> => {
    const started = await call<{ sessionId: string }>('POST', `/api/v2/bank/${BANK_ID}/sync`, token, {});
    expect(started.status).toBe(202);
    const deadline = Date.now() + 90_000;
    for (;;) {
      const s = await call<{ status: string; finishedAt: string | null }>('GET', `/api/v2/bank/session/${started.json.sessionId}/status`, token);
      if (s.json.finishedAt !== null) return s.json.status;
      if (Date.now() > deadline) throw new Error(`session did not finish: ${s.text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const accounts = async (token: string): Promise<ApiAccount[]> => (await call<ApiAccount[]>('GET', '/api/v2/bankaccount', token)).json;
  /** The API's account for the bank's account at `position` of the persona. */
  const atPosition = (list: readonly ApiAccount[], id: string, position: number): ApiAccount => {
    const number = sandbox.truth.accounts(BANK_CODE, id)[position]?.item.account_number as string;
    const found = list.find((a) => a.accountNumber === number);
    if (!found) throw new Error(`no account ${number} in ${JSON.stringify(list.map((a) => a.accountNumber))}`);
    return found;
  };

  it('kieru: the second account is listed by the first sync only → the next sync marks it failed, missingAccount; the other completes', async () => {
    const { token } = await connect('kieru');
    expect(await sync(token)).toBe('completed');
    const first = await accounts(token);
    expect(first).toHaveLength(2);
    const gone = atPosition(first, 'kieru', 1);
    clock.advance(MINUTE);
    await sync(token);
    const after = await accounts(token);
    expect(after.find((a) => a.id === gone.id)).toMatchObject({ syncStatus: 'failed', lastSyncDate: gone.lastSyncDate, syncError: { errorType: 'missingAccount' } });
    expect(atPosition(after, 'kieru', 0)).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'completed', syncError: null });
  });

  it('shippai: GET /transactions answers 500 for the first account → its syncError aspspResponse with status 500; the other completes', async () => {
    const { token } = await connect('shippai');
    await sync(token);
    const list = await accounts(token);
    const hit = atPosition(list, 'shippai', 0);
    expect(hit.transactionSyncStatus).not.toBe('completed');
    expect(hit.syncError).toMatchObject({ errorType: 'aspspResponse', aspspResponse: { status: '500' } });
    expect(hit.syncError?.aspspResponse?.content).toContain('server_error');
    expect(atPosition(list, 'shippai', 1)).toMatchObject({ syncStatus: 'active', transactionSyncStatus: 'completed', syncError: null });
  });

  it('kigen: the refresh token dies 5 minutes after the login → a sync after that is refused: the consent expired, the bank’s answer (redacted) is the syncError, the user must connect again', async () => {
    const { c, token } = await connect('kigen');
    expect(await sync(token)).toBe('completed');
    clock.advance(2 * MINUTE); // the access token (1 minute) has expired; the refresh works
    expect(await sync(token)).toBe('completed');
    clock.advance(5 * MINUTE); // past the refresh token's 5 minutes from the login
    expect(await sync(token)).toBe('failed');
    const connection = await call<{ aggregationStatus: string; nextAction: string | null }>('GET', `/api/v2/connections/${c.connectionId}`, token);
    expect(connection.json.nextAction).toBe('reconnect');
    const [account] = await accounts(token);
    expect(account?.consent).toMatchObject({ status: 'expired' });
    // The bank's refusal of PUT /auth/token (its 401 and what it said), not an internal error.
    expect(account?.syncError).toMatchObject({ errorType: 'aspspResponse', aspspResponse: { status: '401' } });
    const content = account?.syncError?.aspspResponse?.content ?? '';
    expect(content).toContain('refresh_token is invalid, expired or already used');
    expect(content.length).toBeLessThanOrEqual(300);
    // No token, no client secret, no account number in what is stored and shown.
    const [leaks] = (await db.dataSource.query(`SELECT count(*)::int AS n FROM bank_accounts WHERE sync_error::text LIKE '%' || account_number || '%'`)) as Array<{ n: number }>;
    expect(leaks?.n).toBe(0);
    expect(content).not.toMatch(/\d{6,}|[A-Za-z0-9._~+/=-]{24,}/);
  });
});
