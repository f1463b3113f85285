import { expect } from '@jest/globals';
import type { Transaction as BankApiTransaction } from '@kinko/connector-sdk';
import type { CalendarDate, CurrencyCode, DateWindow, TransactionId, TransactionKind } from '@kinko/domain';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DataSource } from 'typeorm';
import { newId } from '../../src/database/ids';
import { FetchOrder } from '../../src/sync/bank-order';
import { type AccountKey, completeReconciliation, writeTransactionPage } from '../../src/sync/transaction-writer';
import { TenantsService } from '../../src/tenants/tenants.service';
import { SEED_BANK, type SeededUser, seedUserData } from '../support/fixtures';
import { createTestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** A transaction as the API shows it (listing and feed). */
export interface View {
  readonly id: string;
  readonly accountId: string;
  readonly amount: { readonly amountMinor: string };
  readonly linkedBookedId: string | null;
  readonly [field: string]: unknown;
}

/** A page of `GET /api/v2/transactions/sync`. */
export interface FeedPage {
  readonly added: View[];
  readonly modified: View[];
  readonly removed: Array<{ id: string; accountId: string; successorId: string | null }>;
  readonly nextCursor: string;
  readonly hasMore: boolean;
}

/** The app listening on loopback, on its own database, with a tenant. */
export interface FeedHarness {
  readonly db: TestDatabase;
  readonly app: NestFastifyApplication;
  readonly base: string;
  readonly tenantId: string;
  /** The tenant's API key (the tenant equivalent: `Kinko-Acting-As-User`). */
  readonly apiKey: string;
  close(): Promise<void>;
}

export async function createFeedHarness(db?: TestDatabase): Promise<FeedHarness> {
  const database = db ?? (await createTestDatabase());
  const app = await createTestApp(database, { banks: [SEED_BANK] });
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  const tenant = await app.get(TenantsService).bootstrap('Feed');
  return {
    db: database,
    app,
    base: base.replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1'),
    tenantId: tenant.tenant.id,
    apiKey: tenant.apiKey.apiKey,
    close: async () => {
      await app.close();
      if (!db) await database.drop();
    },
  };
}

/** GET over real HTTP (loopback), as the user. */
export async function get(base: string, token: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; contentType: string; body: unknown }> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.json() };
}

/** One page of the feed after `cursor` (none: from the beginning); asserts a 200. */
export async function feedPage(base: string, token: string, cursor: string | undefined, count: number): Promise<FeedPage> {
  const query = new URLSearchParams({ count: String(count), ...(cursor !== undefined ? { cursor } : {}) });
  const res = await get(base, token, `/api/v2/transactions/sync?${query.toString()}`);
  expect(res.status).toBe(200);
  return res.body as FeedPage;
}

/**
 * Applies a page to a client's copy (added and modified: upsert by id; removed: delete);
 * asserts the page names each transaction once.
 */
export function apply(replica: Map<string, View>, page: FeedPage): void {
  const ids = [...page.added.map((t) => t.id), ...page.modified.map((t) => t.id), ...page.removed.map((r) => r.id)];
  expect(new Set(ids).size).toBe(ids.length);
  for (const t of [...page.added, ...page.modified]) replica.set(t.id, t);
  for (const r of page.removed) replica.delete(r.id);
}

/** Reads the feed from `cursor` until hasMore is false, applying each page; the last nextCursor. */
export async function drain(base: string, token: string, replica: Map<string, View>, cursor: string | undefined, count: number): Promise<string> {
  let next = cursor;
  for (;;) {
    const page = await feedPage(base, token, next, count);
    apply(replica, page);
    next = page.nextCursor;
    if (!page.hasMore) return next;
  }
}

/**
 * Waits until every transaction that had started when this was called has ended: then every
 * change committed so far is readable in the feed (it shows changes below the oldest running
 * transaction, so an unrelated short transaction of the app — a queue's — can hold it back a moment).
 */
export async function caughtUp(ds: DataSource): Promise<void> {
  const [{ next }] = (await ds.query(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next`)) as [{ next: string }];
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [{ done }] = (await ds.query(`SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS done`, [next])) as [{ done: boolean }];
    if (done) return;
    if (Date.now() > deadline) throw new Error('a transaction stayed open for 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every listed transaction of the accounts (the listing's default: superseded rows hidden), by id. */
export async function listing(base: string, token: string, accountIds: readonly string[]): Promise<Map<string, View>> {
  const all = new Map<string, View>();
  for (const accountId of accountIds) {
    let cursor: string | null = null;
    do {
      const res = await get(base, token, `/api/v2/accounts/${accountId}/transactions?limit=500${cursor !== null ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page = res.body as { items: View[]; nextCursor: string | null };
      for (const t of page.items) {
        expect(all.has(t.id)).toBe(false);
        all.set(t.id, t);
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
  }
  return all;
}

/** The two maps as sorted entries (a readable diff on failure). */
export const entries = (m: ReadonlyMap<string, View>): Array<[string, View]> => [...m.entries()].sort(([a], [b]) => a.localeCompare(b));

/** A harness with the two users most feed tests read: `<prefix>-user` and `<prefix>-other`. */
export interface FeedWorld {
  readonly h: FeedHarness;
  /** `<prefix>-user`: the seed bank's account and `extra` more (accounts[0] is the seed bank's). */
  readonly user: SeededUser;
  readonly accounts: AccountKey[];
  /** `<prefix>-other`: the seed bank's account only — a user whose feed must not show the first's changes. */
  readonly other: SeededUser;
}

/**
 * The feed tests' set-up: a harness (on `db`, else on a database of its own that its close()
 * drops) and its two users.
 */
export async function startFeedWorld(prefix: string, extra: number, db?: TestDatabase): Promise<FeedWorld> {
  const h = await createFeedHarness(db);
  try {
    const { user, accounts } = await seedFeedUser(h, `${prefix}-user`, extra);
    const { user: other } = await seedFeedUser(h, `${prefix}-other`, 0);
    return { h, user, accounts, other };
  } catch (error) {
    await h.close();
    throw error;
  }
}

/** A user of the tenant (the fixtures' connection, account and two transactions) with `extra` more accounts, each on a connection of its own. */
export async function seedFeedUser(h: FeedHarness, externalId: string, extra: number): Promise<{ user: SeededUser; accounts: AccountKey[] }> {
  const user = await seedUserData(h.app, h.tenantId, externalId);
  const accounts: AccountKey[] = [{ tenantId: h.tenantId, userId: user.userId, accountId: user.accountId }];
  const q = (sql: string, params: unknown[]) => h.db.dataSource.query(sql, params);
  for (let i = 0; i < extra; i += 1) {
    const connectionId = newId();
    const accountId = newId();
    await q(`INSERT INTO connections (id, tenant_id, user_id, connector_id, bank_id, aggregation_status, aggregation_status_changed_at) VALUES ($1, $2, $3, 'x', 'x', 'success', now())`, [
      connectionId,
      h.tenantId,
      user.userId,
    ]);
    await q(`INSERT INTO bank_accounts (id, tenant_id, user_id, connection_id, bank_account_id, currency_code, import_date) VALUES ($1, $2, $3, $4, $5, 'JPY', now())`, [
      accountId,
      h.tenantId,
      user.userId,
      connectionId,
      `acc-${i}`,
    ]);
    accounts.push({ tenantId: h.tenantId, userId: user.userId, accountId });
  }
  return { user, accounts };
}

const JPY = 'JPY' as CurrencyCode;

/** A bank transaction as a connector hands it over. */
export const bankTx = (id: string, kind: TransactionKind, date: string, amount: number, extra: Partial<BankApiTransaction> = {}): BankApiTransaction => ({
  bankTransactionId: id as TransactionId,
  kind,
  transactionDate: date as CalendarDate,
  amountMinor: BigInt(amount),
  currency: JPY,
  description: `item ${id}`,
  ...extra,
});

/** The whole year 2026: every row of these tests is inside it. */
export const yearWindow = (kind: TransactionKind): DateWindow =>
  Object.freeze({ kind, from: '2026-01-01' as CalendarDate, to: '2026-12-31' as CalendarDate, dateField: 'transactionDate', mode: 'incremental', limitedBy: null });

/**
 * One sync of an account through the real writer: each kind's page in a transaction of its own
 * (as the sync engine writes them), then the complete reconciliation (DeleteIfNotFetched
 * pending rows; pending → booked links) in another. `pause` runs inside each transaction,
 * before its commit (to interleave commits).
 */
export async function syncAccount(
  ds: DataSource,
  key: AccountKey,
  fetched: { readonly booked: readonly BankApiTransaction[]; readonly pending: readonly BankApiTransaction[] },
  pause: () => Promise<void> = async () => {},
): Promise<void> {
  const stamp = new Date();
  for (const kind of ['booked', 'pending'] as const) {
    await ds.transaction(async (m) => {
      await writeTransactionPage(m, key, yearWindow(kind), fetched[kind], { stamp, order: new FetchOrder() });
      await pause();
    });
  }
  await ds.transaction(async (m) => {
    await completeReconciliation(
      m,
      key,
      new Map([
        ['booked', { window: yearWindow('booked'), stamp }],
        ['pending', { window: yearWindow('pending'), stamp }],
      ]),
      new Set<TransactionKind>(['pending', 'hold', 'scheduled']),
    );
    await pause();
  });
}
