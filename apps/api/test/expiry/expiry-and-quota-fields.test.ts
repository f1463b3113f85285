import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { UserTokensService } from '../../src/auth/user-tokens.service';
import { OPENAPI_PATHS } from '../../src/http/openapi';
import { SyncScheduler } from '../../src/sync/sync-scheduler';
import { SyncService } from '../../src/sync/sync.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type Connected, type SharedClock, bankUser, connectUser, credentialsOf, sharedClock, startSandbox, startWorker, syncApp, waitForSession } from '../sync/harness';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Expiry {
  expiresAt: string | null;
  daysUntilExpiry: number | null;
}
interface Quota {
  nextRefreshPossibleAt: string | null;
  unattendedAccessesRemainingToday: number | null;
}
type AccountBody = Expiry & Quota & { id: string; connectionId: string; consent: Expiry & { id: string } };
type ConnectionBody = Quota & { id: string; consent: Expiry & { id: string } };
type ConsentBody = Expiry & { id: string };

describe('expiry and unattended-refresh figures on consents, accounts and connections (HTTP over loopback)', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let clock: SharedClock;
  let base: string;
  let c: Connected;
  const user = bankUser('figures', [{ transactions: 5, historyDays: 10 }, { transactions: 3, historyDays: 10 }]);
  const start = new Date('2026-03-10T00:00:00Z');
  // 10 days and an hour: 11 days left, rounded up.
  const expiresAt = new Date(start.getTime() + 10 * DAY + HOUR);

  const get = async <T>(path: string): Promise<T> => {
    const token = (await app.get(UserTokensService).mint(c.scope, 900)).token; // the auth guard reads real time
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  const backgroundRefresh = async (): Promise<void> => {
    clock.advance(HOUR);
    const plan = await app.get(SyncScheduler).planRound();
    expect(plan).toMatchObject([{ connectionId: c.connectionId, decision: 'started' }]);
    await waitForSession(app, c.scope, plan[0]?.sessionId as string);
  };

  beforeAll(async () => {
    clock = sharedClock(start.toISOString());
    db = await createTestDatabase();
    sandbox = await startSandbox([user], { clock: clock.sandbox });
    // The bank allows 3 unattended accesses a day (not PSD2's default 4).
    app = await syncApp(db, sandbox, { clock, sync: { refreshIntervalMinutes: 30 }, limits: { unattendedAccessesPerDay: 3 } });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
    await startWorker(app);
    c = await connectUser(app, sandbox, credentialsOf(user), { now: clock.now(), consentExpiresAt: expiresAt });
    const first = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    await waitForSession(app, c.scope, first.sessionIds[0] as string);
  });
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  it('every consent and account shows expiresAt and daysUntilExpiry (whole days, rounded up) at the clock’s now', async () => {
    const expiry = { expiresAt: expiresAt.toISOString(), daysUntilExpiry: 11 };
    const consents = await get<ConsentBody[]>('/api/v2/consents');
    expect(consents).toEqual([expect.objectContaining({ id: c.consentId, ...expiry })]);
    expect(await get<ConsentBody>(`/api/v2/consents/${c.consentId}`)).toMatchObject(expiry);
    const accounts = await get<AccountBody[]>('/api/v2/bankaccount');
    expect(accounts).toHaveLength(2);
    for (const a of accounts) {
      expect(a).toMatchObject(expiry);
      expect(a.consent).toMatchObject({ id: c.consentId, ...expiry });
    }
    const [connection] = await get<ConnectionBody[]>('/api/v2/connections');
    expect(connection?.consent).toMatchObject({ id: c.consentId, ...expiry });

    // Ten days on, an hour is left: one day, rounded up.
    clock.advance(10 * DAY);
    expect(await get<ConsentBody>(`/api/v2/consents/${c.consentId}`)).toMatchObject({ daysUntilExpiry: 1 });
    clock.set(start);
  });

  it('every connection and account shows nextRefreshPossibleAt and the unattended accesses left, from the ledger and the bank’s limit', async () => {
    // The user's own sync is not unattended: the whole budget is left, a refresh is possible now.
    let accounts = await get<AccountBody[]>('/api/v2/bankaccount');
    for (const a of accounts) expect(a).toMatchObject({ nextRefreshPossibleAt: clock.now().toISOString(), unattendedAccessesRemainingToday: 3 });
    let connection = (await get<ConnectionBody[]>(`/api/v2/connections`))[0];
    expect(connection).toMatchObject({ nextRefreshPossibleAt: clock.now().toISOString(), unattendedAccessesRemainingToday: 3 });

    await backgroundRefresh();
    const firstAccess = clock.now();
    await backgroundRefresh();
    accounts = await get<AccountBody[]>('/api/v2/bankaccount');
    for (const a of accounts) expect(a).toMatchObject({ nextRefreshPossibleAt: clock.now().toISOString(), unattendedAccessesRemainingToday: 1 });
    expect(await get<ConnectionBody>(`/api/v2/connections/${c.connectionId}`)).toMatchObject({ nextRefreshPossibleAt: clock.now().toISOString(), unattendedAccessesRemainingToday: 1 });

    await backgroundRefresh();
    // Spent: the next unattended access is possible once the first one is 24 h old.
    const next = new Date(firstAccess.getTime() + DAY).toISOString();
    accounts = await get<AccountBody[]>('/api/v2/bankaccount');
    for (const a of accounts) expect(a).toMatchObject({ nextRefreshPossibleAt: next, unattendedAccessesRemainingToday: 0 });
    connection = (await get<ConnectionBody[]>(`/api/v2/connections`))[0];
    expect(connection).toMatchObject({ nextRefreshPossibleAt: next, unattendedAccessesRemainingToday: 0 });
    // The scheduler agrees: it defers the connection to that very instant.
    clock.advance(HOUR);
    expect(await app.get(SyncScheduler).planRound()).toEqual([{ connectionId: c.connectionId, decision: 'deferred', notBefore: new Date(next) }]);

    // At that instant one access has left the window.
    clock.set(new Date(next));
    connection = (await get<ConnectionBody[]>(`/api/v2/connections`))[0];
    expect(connection).toMatchObject({ nextRefreshPossibleAt: next, unattendedAccessesRemainingToday: 1 });
  });

  it('the OpenAPI document describes the fields on every consent, account and connection schema', async () => {
    const res = await fetch(`${base}${OPENAPI_PATHS.json}`);
    // OpenAPI 3.1: a nullable field lists null among its JSON Schema types.
    const doc = (await res.json()) as { components: { schemas: Record<string, { properties?: Record<string, { type?: string | string[]; format?: string }> }> } };
    const props = (schema: string): Record<string, { type?: string | string[]; format?: string }> => doc.components.schemas[schema]?.properties ?? {};
    for (const schema of ['ConsentView', 'AccountConsentView', 'ConnectionConsentView', 'BankAccountView']) {
      expect(props(schema)['expiresAt']).toMatchObject({ type: ['string', 'null'], format: 'date-time' });
      expect(props(schema)['daysUntilExpiry']).toMatchObject({ type: ['number', 'null'] });
    }
    for (const schema of ['ConnectionView', 'BankAccountView']) {
      expect(props(schema)['nextRefreshPossibleAt']).toMatchObject({ type: ['string', 'null'], format: 'date-time' });
      expect(props(schema)['unattendedAccessesRemainingToday']).toMatchObject({ type: ['number', 'null'] });
    }
  });
});
