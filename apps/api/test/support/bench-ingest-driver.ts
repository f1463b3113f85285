/**
 * Benchmark hook (used by tools/bench, scenario "ingest", and its own test): development
 * support, not part of the app's production source or build.
 *
 * The bench may not import apps/* (the layering rule), so it runs this file as a child
 * process from its source, as the tests run the app (`node --conditions=@kinko/source -r
 * test/support/workspace-sources-hook.js test/support/bench-ingest-driver.ts '<json IngestJob>'`). It seeds one
 * tenant with one user, connection, account and sync session per account, then writes
 * every account's transactions through the sync engine's real page write — the same
 * `writeTransactionPage` + `addAccountCounts` in one database transaction per page that
 * `SyncEngine.fetchKind` runs — from `lanes` accounts at a time, and prints one line
 * `BENCH-RESULT {…IngestResult}` on stdout.
 */
import type { Transaction } from '@kinko/connector-sdk';
import type { CalendarDate, CurrencyCode, TransactionId } from '@kinko/domain';
import type { DataSource } from 'typeorm';
import { createKinkoDataSource } from '../../src/database/data-source';
import { newId } from '../../src/database/ids';
import { addAccountCounts } from '../../src/sync/account-results';
import { DEFAULT_SYNC_SETTINGS } from '../../src/sync/sync-options';
import { FetchOrder } from '../../src/sync/bank-order';
import { type LoggedChanges, writeTransactionPage } from '../../src/sync/transaction-writer';
import { runTransaction } from '../../src/database/transaction';

/** What to ingest. */
export interface IngestJob {
  readonly databaseUrl: string;
  readonly accounts: number;
  readonly rowsPerAccount: number;
  /** Items per connector page (the 銀行共通API's 200). */
  readonly pageSize: number;
  /** Accounts written at once; default: the worker's sessions × accounts per session. */
  readonly lanes?: number;
  /** Last day of the generated history (YYYY-MM-DD); rows spread over `historyDays` before it. */
  readonly lastDate: string;
  readonly historyDays: number;
  /** Seed of the generated rows (same seed, same rows). */
  readonly seed: number;
}

/** What the ingest did. */
export interface IngestResult {
  readonly rows: number;
  readonly pages: number;
  readonly lanes: number;
  /** Wall time of the write loop only (seeding excluded). */
  readonly elapsedMs: number;
  readonly tenantId: string;
  readonly accountIds: readonly string[];
}

interface SeededAccount {
  readonly tenantId: string;
  readonly userId: string;
  readonly accountId: string;
  readonly sessionId: string;
}

const DAY_MS = 86_400_000;
const WORDS = ['振込', 'カード', 'ATM', '給与', '電気料金', 'ガス料金', '水道料金', 'コンビニ', 'スーパー', '家賃', '通信料', '利息'];

/** A small deterministic generator (mulberry32): same seed, same rows, in this process and the next. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The pages a connector would yield for one account: oldest first, `pageSize` items each. */
export function* accountPages(job: IngestJob, accountIndex: number): Generator<Transaction[]> {
  const next = random(job.seed * 1_000_003 + accountIndex);
  const last = Date.parse(`${job.lastDate}T00:00:00Z`);
  let balance = 1_000_000n;
  let page: Transaction[] = [];
  for (let i = 0; i < job.rowsPerAccount; i += 1) {
    const day = Math.floor((i * job.historyDays) / job.rowsPerAccount);
    const date = new Date(last - (job.historyDays - 1 - day) * DAY_MS).toISOString().slice(0, 10) as CalendarDate;
    const amount = BigInt(Math.floor(next() * 200_000) - 100_000);
    balance += amount;
    page.push({
      bankTransactionId: `${accountIndex}-${i}` as TransactionId,
      kind: 'booked',
      transactionDate: date,
      amountMinor: amount,
      currency: 'JPY' as CurrencyCode,
      description: `${WORDS[Math.floor(next() * WORDS.length)] ?? ''} ${Math.floor(next() * 100_000)}`,
      balanceAfterMinor: balance,
    });
    if (page.length === job.pageSize) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

async function seed(dataSource: DataSource, count: number): Promise<SeededAccount[]> {
  const tenantId = newId();
  const accounts = Array.from({ length: count }, () => ({ tenantId, userId: newId(), accountId: newId(), sessionId: newId(), connectionId: newId() }));
  await runTransaction(dataSource, async (m) => {
    await m.query(`INSERT INTO tenants (id, name) VALUES ($1, 'bench ingest')`, [tenantId]);
    const col = <K extends keyof (typeof accounts)[number]>(k: K): string[] => accounts.map((a) => a[k]);
    await m.query(`INSERT INTO users (id, tenant_id, external_id) SELECT u, $1, 'bench-' || u FROM UNNEST($2::uuid[]) AS u`, [tenantId, col('userId')]);
    await m.query(
      `INSERT INTO connections (id, tenant_id, user_id, connector_id, bank_id, aggregation_status, aggregation_status_changed_at)
        SELECT c, $1, u, 'bench', 'bench', 'running.data', now() FROM UNNEST($2::uuid[], $3::uuid[]) AS t(c, u)`,
      [tenantId, col('connectionId'), col('userId')],
    );
    await m.query(
      `INSERT INTO bank_accounts (id, tenant_id, user_id, connection_id, bank_account_id, currency_code, import_date)
        SELECT a, $1, u, c, 'bench-' || a, 'JPY', now() FROM UNNEST($2::uuid[], $3::uuid[], $4::uuid[]) AS t(a, u, c)`,
      [tenantId, col('accountId'), col('userId'), col('connectionId')],
    );
    await m.query(
      `INSERT INTO sync_sessions (id, tenant_id, user_id, connection_id, status, requested_by, started_at)
        SELECT s, $1, u, c, 'running', 'user', now() FROM UNNEST($2::uuid[], $3::uuid[], $4::uuid[]) AS t(s, u, c)`,
      [tenantId, col('sessionId'), col('userId'), col('connectionId')],
    );
    await m.query(
      `INSERT INTO sync_stages (session_id, stage, tenant_id, user_id, status, started_at)
        SELECT s, 'transactions', $1, u, 'running', now() FROM UNNEST($2::uuid[], $3::uuid[]) AS t(s, u)`,
      [tenantId, col('sessionId'), col('userId')],
    );
    // Each account's row of its session (the accounts stage writes it; the pages add their counts to it).
    await m.query(
      `INSERT INTO sync_account_results (session_id, account_id, tenant_id, user_id, outcome, recorded_at)
        SELECT s, a, $1, u, '{}'::jsonb, now() FROM UNNEST($2::uuid[], $3::uuid[], $4::uuid[]) AS t(s, a, u)`,
      [tenantId, col('sessionId'), col('accountId'), col('userId')],
    );
  });
  return accounts;
}

/** Seeds the accounts, then writes every page through the engine's write path; the loop's wall time is measured. */
export async function runIngest(job: IngestJob): Promise<IngestResult> {
  const dataSource = createKinkoDataSource(job.databaseUrl, { quiet: true, applicationName: 'kinko-bench-ingest' });
  await dataSource.initialize();
  try {
    const accounts = await seed(dataSource, job.accounts);
    const lanes = job.lanes ?? DEFAULT_SYNC_SETTINGS.concurrency * DEFAULT_SYNC_SETTINGS.accountConcurrency;
    const window = { kind: 'booked' as const, from: new Date(Date.parse(`${job.lastDate}T00:00:00Z`) - (job.historyDays - 1) * DAY_MS).toISOString().slice(0, 10) as CalendarDate, to: job.lastDate as CalendarDate, dateField: 'transactionDate' as const };
    let rows = 0;
    let pages = 0;
    let nextAccount = 0;
    const lane = async (): Promise<void> => {
      for (let i = nextAccount++; i < accounts.length; i = nextAccount++) {
        const account = accounts[i] as SeededAccount;
        const key = { tenantId: account.tenantId, userId: account.userId, accountId: account.accountId };
        const stamp = new Date();
        const order = new FetchOrder();
        for (const items of accountPages(job, i)) {
          // Exactly what SyncEngine.fetchKind does per page: the rows and the session's progress in one transaction.
          await runTransaction(dataSource, async (m) => {
            const logged: LoggedChanges = new Map();
            const w = await writeTransactionPage(m, key, window, items, { stamp, order, logged });
            await addAccountCounts(
              m,
              { id: account.sessionId, tenantId: account.tenantId, userId: account.userId },
              account.accountId,
              'transactions',
              { requestsMade: 1, itemsFetched: items.length, itemsWritten: w.inserted + w.updated },
              logged,
            );
          });
          rows += items.length;
          pages += 1;
        }
      }
    };
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, accounts.length)) }, lane));
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    return { rows, pages, lanes, elapsedMs, tenantId: accounts[0]?.tenantId ?? '', accountIds: accounts.map((a) => a.accountId) };
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  const job = JSON.parse(process.argv[2] ?? '{}') as IngestJob;
  runIngest(job).then(
    (result) => {
      process.stdout.write(`BENCH-RESULT ${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`ingest driver: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
