import type { BankCommonApiSandbox, SandboxUserConfig } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { SyncService } from '../../src/sync/sync.service';
import { TenantsService } from '../../src/tenants/tenants.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type Connected, type SharedClock, connectUser, credentialsOf, sharedClock, startSandbox, startWorker, syncApp, waitForSession } from '../sync/harness';

/**
 * The world of the unattended-access quota tests: a bank allowing 2 unattended accesses per
 * account a day (on a shared clock), the app listening on loopback with its worker, a tenant
 * and its API key, and `user` connected and first-synced by their own (user-present) sync.
 */
export interface QuotaWorld {
  readonly db: TestDatabase;
  readonly sandbox: BankCommonApiSandbox;
  readonly app: NestFastifyApplication;
  readonly clock: SharedClock;
  readonly ds: DataSource;
  readonly base: string;
  readonly apiKey: string;
  readonly c: Connected;
  /** Sync sessions of the connection. */
  sessions(): Promise<number>;
  /** Rows of the unattended-access ledger for the connection's accounts. */
  ledger(): Promise<number>;
  close(): Promise<void>;
}

export async function startQuotaWorld(tenantName: string, user: SandboxUserConfig): Promise<QuotaWorld> {
  const clock = sharedClock('2026-05-04T06:00:00Z');
  const db = await createTestDatabase();
  let sandbox: BankCommonApiSandbox | undefined;
  let app: NestFastifyApplication | undefined;
  const close = async (): Promise<void> => {
    await app?.close();
    await sandbox?.close();
    await db.drop();
  };
  try {
    sandbox = await startSandbox([user], { clock: clock.sandbox });
    app = await syncApp(db, sandbox, { clock, limits: { unattendedAccessesPerDay: 2 } });
    await app.listen(0, '127.0.0.1');
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
    const ds = app.get(DataSource);
    await startWorker(app);
    const boot = await app.get(TenantsService).bootstrap(tenantName);
    const c = await connectUser(app, sandbox, credentialsOf(user), { now: clock.now(), tenantId: boot.tenant.id });
    const first = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    await waitForSession(app, c.scope, first.sessionIds[0] as string);
    const count = async (sql: string): Promise<number> => Number(((await ds.query(sql, [c.connectionId])) as Array<{ n: number }>)[0]?.n);
    return {
      db,
      sandbox,
      app,
      clock,
      ds,
      base,
      apiKey: boot.apiKey.apiKey,
      c,
      sessions: () => count(`SELECT count(*)::int AS n FROM sync_sessions WHERE connection_id = $1`),
      ledger: () => count(`SELECT count(*)::int AS n FROM unattended_accesses u JOIN bank_accounts a ON a.id = u.account_id WHERE a.connection_id = $1`),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
