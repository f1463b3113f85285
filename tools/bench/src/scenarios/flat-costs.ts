import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { appPrerequisite, type BenchBank, type RunningApp, startApp, startBenchBank } from '../env/bank-world';
import type { BenchUser } from '../env/kinko-client';
import type { CapturedStatement } from '../env/postgres';
import { int } from '../progress';
import type { FigureResult } from '../results';
import type { FigureSpec, Scenario } from './types';

type Size = 'small' | 'large';

/** One user of a size: its token, its account, and the paths of the second page of each read. */
interface Reader {
  readonly user: BenchUser;
  readonly accountId: string;
  readonly paths: { readonly feed: string; readonly keyset: string };
  /** The statements the app ran for one request of each read (captured from the server log). */
  readonly statements: { readonly feed: readonly CapturedStatement[]; readonly keyset: readonly CapturedStatement[] };
}

interface FlatState {
  readonly bank: BenchBank;
  readonly app: RunningApp;
  readonly databaseUrl: string;
  readonly readers: Readonly<Record<Size, Reader>>;
  readonly seedSeconds: Readonly<Record<Size, number>>;
}

type Read = keyof Reader['paths'];
const READS: readonly Read[] = ['feed', 'keyset'];
const PAGE = 100;
/** Rows per INSERT … SELECT generate_series (the feed's statement trigger logs each statement's rows at once). */
const SEED_BATCH = 100_000;

const blocksFigure = (read: Read): FigureSpec => ({
  id: `${read}-blocks`,
  label: `${read === 'feed' ? 'Change feed page' : 'Keyset page'}: PostgreSQL blocks read by its statements, large user`,
  unit: 'blocks',
  floorLabel: 'the same for the small user',
  floorUnit: 'blocks',
  target: { text: '≤ 1.2× (flat)', comparator: '<=', threshold: 1.2 },
});

/**
 * Shared blocks (hit + read) of the reads (SELECT / WITH) the app ran for one page, each run again under
 * EXPLAIN (ANALYZE, BUFFERS) with its captured parameters, in a transaction rolled back.
 */
async function blocksOf(databaseUrl: string, statements: readonly CapturedStatement[]): Promise<{ blocks: number; executionMs: number; plans: string[] }> {
  const db = new Client({ connectionString: databaseUrl, application_name: 'kinko-bench' });
  await db.connect();
  try {
    await db.query('BEGIN');
    let blocks = 0;
    let executionMs = 0;
    const plans: string[] = [];
    // Reads only: the transaction control and settings a request may also run (START TRANSACTION, SET…) have no plan.
    for (const st of statements.filter((x) => /^\s*(SELECT|WITH)\b/i.test(x.sql))) {
      const r = await db.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, unknown>; 'Execution Time'?: number }> }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${st.sql}`, [...st.parameters]);
      const plan = r.rows[0]?.['QUERY PLAN'][0]?.Plan ?? {};
      executionMs += Number(r.rows[0]?.['QUERY PLAN'][0]?.['Execution Time'] ?? 0);
      const own = Number(plan['Shared Hit Blocks'] ?? 0) + Number(plan['Shared Read Blocks'] ?? 0);
      blocks += own;
      plans.push(`${describePlan(plan)} [${own} blocks]`);
    }
    return { blocks, executionMs, plans };
  } finally {
    await db.query('ROLLBACK').catch(() => undefined);
    await db.end();
  }
}

/**
 * A plan as its node types and relations, outermost first ("Limit > Index Scan Backward on
 * transactions (ix_…) {…}"); each scan with what EXPLAIN ANALYZE says of it: its condition
 * and filter, rows returned, rows the filter removed, heap fetches and its blocks (with its children's).
 */
export function describePlan(plan: Record<string, unknown>): string {
  const parts: string[] = [];
  const clip = (v: unknown): string => (typeof v === 'string' ? (v.length > 160 ? `${v.slice(0, 160)}…` : v) : '');
  const walk = (n: Record<string, unknown>): void => {
    const rel = typeof n['Relation Name'] === 'string' ? ` on ${n['Relation Name']}${typeof n['Index Name'] === 'string' ? ` (${n['Index Name']})` : ''}` : '';
    const facts =
      typeof n['Relation Name'] === 'string'
        ? [
            n['Index Cond'] !== undefined ? `cond ${clip(n['Index Cond'])}` : '',
            n['Filter'] !== undefined ? `filter ${clip(n['Filter'])}` : '',
            `rows ${String(n['Actual Rows'] ?? '?')}×${String(n['Actual Loops'] ?? 1)}`,
            n['Rows Removed by Filter'] ? `removed by filter ${String(n['Rows Removed by Filter'])}` : '',
            n['Heap Fetches'] !== undefined ? `heap fetches ${String(n['Heap Fetches'])}` : '',
            `blocks ${Number(n['Shared Hit Blocks'] ?? 0) + Number(n['Shared Read Blocks'] ?? 0)}`,
          ].filter((x) => x !== '')
        : [];
    parts.push(`${String(n['Node Type'])}${n['Scan Direction'] === 'Backward' ? ' Backward' : ''}${rel}${facts.length > 0 ? ` {${facts.join('; ')}}` : ''}`);
    for (const c of (n['Plans'] as Array<Record<string, unknown>> | undefined) ?? []) walk(c);
  };
  walk(plan);
  return parts.join(' > ');
}

const figure = (read: Read): FigureSpec => ({
  id: `${read}-page`,
  label: read === 'feed' ? 'Change feed page (GET /api/v2/transactions/sync, 100 changes), large user' : 'Keyset page (GET /api/v2/accounts/{id}/transactions, 100 rows), large user',
  unit: 'ms',
  floorLabel: 'the same page of the small user',
  floorUnit: 'ms',
  target: { text: '≤ 1.2× (flat)', comparator: '<=', threshold: 1.2 },
});

/**
 * Seeds one account of `rows` booked transactions for the user over four years, oldest first,
 * directly in PostgreSQL (generate_series) — in date order, as syncs store a history (a day's
 * rows together) — and returns the account.
 */
async function seed(databaseUrl: string, tenantId: string, userId: string, rows: number): Promise<string> {
  const db = new Client({ connectionString: databaseUrl, application_name: 'kinko-bench' });
  await db.connect();
  try {
    const connectionId = randomUUID();
    const accountId = randomUUID();
    await db.query(`INSERT INTO connections (id, tenant_id, user_id, connector_id, bank_id, aggregation_status, aggregation_status_changed_at) VALUES ($1, $2, $3, 'bank-common-api', 'bank-common-api', 'success', now())`, [
      connectionId,
      tenantId,
      userId,
    ]);
    await db.query(`INSERT INTO bank_accounts (id, tenant_id, user_id, connection_id, bank_account_id, currency_code, import_date) VALUES ($1, $2, $3, $4, $5, 'JPY', now())`, [
      accountId,
      tenantId,
      userId,
      connectionId,
      `flat-${accountId}`,
    ]);
    for (let from = 1; from <= rows; from += SEED_BATCH) {
      const to = Math.min(rows, from + SEED_BATCH - 1);
      await db.query(
        `INSERT INTO transactions (user_id, account_id, id, tenant_id, bank_transaction_id, kind, transaction_date, listed_date, amount_minor, currency_code, description, last_fetched_at, bank_order)
         SELECT $1, $2, gen_random_uuid(), $3, 'flat-' || i, 'booked', d, d, -i, 'JPY', 'flat', now(), i
           FROM generate_series($4::int, $5::int) AS i, LATERAL (SELECT DATE '2022-01-01' + ((i - 1)::bigint * 1460 / $6)::int AS d) AS day`,
        [userId, accountId, tenantId, from, to, rows],
      );
    }
    await db.query('ANALYZE transactions');
    await db.query('ANALYZE transaction_changes');
    return accountId;
  } finally {
    await db.end();
  }
}

/** Median of sequential request latencies (ms) of `path` as the user. */
async function timePage(app: RunningApp, reader: Reader, read: Read, requests: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < requests; i += 1) {
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${app.url}${reader.paths[read]}`, { headers: { authorization: `Bearer ${reader.user.token}` } });
    const body = (await res.json()) as { added?: unknown[]; items?: unknown[] };
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!res.ok) throw new Error(`${reader.paths[read]} answered ${res.status}`);
    const n = (read === 'feed' ? body.added : body.items)?.length ?? 0;
    if (n !== PAGE) throw new Error(`${reader.paths[read]} answered ${n} rows, not a full page of ${PAGE}`);
    samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

/**
 * Scenario 6 — flat costs as the tenant grows (issue 19 §4): one page of the change feed and
 * one keyset page of the transactions listing for a user with the small number of stored
 * transactions and for one with the large number, in the same database, through the API.
 */
export const flatCostsScenario: Scenario<FlatState> = {
  id: 'flat-costs',
  title: 'Flat costs: feed and keyset pages at 10k vs 1M stored transactions',
  method: [
    'Data: one database; the app as `serve` with KINKO_WORKER=false; two users created through the tenant API, each with one account whose booked transactions are inserted directly in PostgreSQL (INSERT … SELECT generate_series, 100,000 rows a statement, four years in date order as syncs store a history: the change feed\'s triggers log every row, as for synced rows), then ANALYZE. Not through syncs: the figure is the read path.',
    'Measured per run: for each user, alternately, the median latency of the stated number of sequential requests (after 20 warm-up requests) of the second page of the change feed (`GET /api/v2/transactions/sync?count=100&cursor=<nextCursor of the first page>`) and of the keyset listing (`GET /api/v2/accounts/{id}/transactions?limit=100&cursor=<nextCursor of the first page>`), over loopback HTTP with the user\'s token; every answer must be a full page.',
    'Seeded rows carry their place in the day (bank_order), as synced rows do: without it, rows of one day are listed by their random id and a page visits a heap block per row once a day outgrows a block — a cost of the seed, not of the app.',
    'Figure = the large user\'s median, floor = the small user\'s median in the same run; flat = ratio ≤ 1.2. Server side, independent of the machine\'s load: the statements the app ran for one request of each read are captured from the server log (`log_statement = all`; those bound to the user\'s id, so a background job that ran meanwhile is left out) and run again under EXPLAIN (ANALYZE, BUFFERS) with their parameters (in a transaction rolled back); blocks = shared hit + read blocks of all of them, large vs small user (the plans are in the notes, each scan with its condition, filter, rows and blocks). The scheduler\'s planning round at 100,000 vs 1,000,000 connections (issue 19 §4 b) is its own scenario (scheduler-plan).',
  ],
  parameters: (s) => ({ smallUserTransactions: s.flatCosts.small, largeUserTransactions: s.flatCosts.large, requestsPerFigure: s.flatCosts.requests, pageSize: PAGE }),
  figures: [...READS.map(figure), ...READS.map(blocksFigure)],

  prerequisite: appPrerequisite,

  async setup(ctx) {
    const s = ctx.sizes.flatCosts;
    const bank = await startBenchBank([{ id: 'flat-unused', accounts: [{ transactions: 1, historyDays: 10 }] }]);
    const databaseUrl = await ctx.freshDatabase('bench_flat');
    const app = await startApp(ctx, databaseUrl, bank, { worker: false, name: 'flat' });
    try {
      const readers: Partial<Record<Size, Reader>> = {};
      const seedSeconds: Partial<Record<Size, number>> = {};
      for (const size of ['small', 'large'] as const) {
        const user = await app.client.createUser(`flat-${size}`);
        ctx.progress.step(`seeding ${int(s[size])} transactions of the ${size} user…`);
        const t0 = Date.now();
        const accountId = await seed(databaseUrl, app.tenant.tenantId, user.userId, s[size]);
        seedSeconds[size] = (Date.now() - t0) / 1000;
        const feed = await app.client.getAsUser<{ nextCursor: string; hasMore: boolean }>(user, `/api/v2/transactions/sync?count=${PAGE}`);
        const keyset = await app.client.getAsUser<{ nextCursor: string | null }>(user, `/api/v2/accounts/${accountId}/transactions?limit=${PAGE}`);
        if (!feed.hasMore || !keyset.nextCursor) throw new Error(`the ${size} user has no second page`);
        const paths = {
          feed: `/api/v2/transactions/sync?count=${PAGE}&cursor=${encodeURIComponent(feed.nextCursor)}`,
          keyset: `/api/v2/accounts/${accountId}/transactions?limit=${PAGE}&cursor=${encodeURIComponent(keyset.nextCursor)}`,
        };
        const statements: Record<Read, readonly CapturedStatement[]> = { feed: [], keyset: [] };
        for (const read of READS) {
          // The page's statements are those bound to the user's id: a background job of the app
          // that ran meanwhile on the same pool (the challenge sweeper's auth_attempts query) is not the page's.
          const captured = await ctx.postgres.captureStatements('kinko-api', async () => {
            await app.client.getAsUser(user, paths[read]);
          });
          statements[read] = captured.filter((statement) => statement.parameters.includes(user.userId));
          if (statements[read].length === 0) throw new Error(`no statement of the app was captured for ${paths[read]}`);
        }
        readers[size] = { user, accountId, paths, statements };
      }
      const small = readers.small;
      const large = readers.large;
      if (!small || !large || seedSeconds.small === undefined || seedSeconds.large === undefined) throw new Error('a size was not seeded');
      // Warm the app (JIT, pool connections, prepared statements).
      for (const reader of [small, large]) for (const read of READS) await timePage(app, reader, read, 20);
      return { bank, app, databaseUrl, readers: { small, large }, seedSeconds: { small: seedSeconds.small, large: seedSeconds.large } };
    } catch (e) {
      await app.stop();
      await bank.close();
      throw e;
    }
  },

  async run(ctx, state, runIndex) {
    const requests = ctx.sizes.flatCosts.requests;
    const figures: Record<string, { value: number; floor: number }> = {};
    const details: Record<string, number> = { seedSmallS: state.seedSeconds.small, seedLargeS: state.seedSeconds.large };
    for (const read of READS) {
      // Alternate which size goes first (drift of a shared machine hits both alike).
      const order: Size[] = runIndex % 2 === 0 ? ['small', 'large'] : ['large', 'small'];
      const ms: Partial<Record<Size, number>> = {};
      for (const size of order) ms[size] = await timePage(state.app, state.readers[size], read, requests);
      ctx.progress.step(`run ${runIndex + 1}: ${read} page ${ms.small?.toFixed(2)} ms (small) vs ${ms.large?.toFixed(2)} ms (large)`);
      figures[`${read}-page`] = { value: ms.large ?? Number.NaN, floor: ms.small ?? Number.NaN };
      details[`${read}SmallMs`] = ms.small ?? Number.NaN;
      details[`${read}LargeMs`] = ms.large ?? Number.NaN;
    }
    const notes: string[] = [];
    for (const read of READS) {
      const small = await blocksOf(state.databaseUrl, state.readers.small.statements[read]);
      const large = await blocksOf(state.databaseUrl, state.readers.large.statements[read]);
      figures[`${read}-blocks`] = { value: large.blocks, floor: small.blocks };
      details[`${read}SmallBlocks`] = small.blocks;
      details[`${read}LargeBlocks`] = large.blocks;
      details[`${read}SmallExecutionMs`] = small.executionMs;
      details[`${read}LargeExecutionMs`] = large.executionMs;
      notes.push(`Plans of the ${read} page's statements (EXPLAIN ANALYZE, BUFFERS), small user: ${small.plans.join('; ')} — large user: ${large.plans.join('; ')}.`);
    }
    return { figures, details, notes };
  },

  async teardown(ctx, state) {
    await state.app.stop();
    await state.bank.close();
    await ctx.postgres.dropDatabase('bench_flat');
  },

  explain(figures: readonly FigureResult[], details) {
    const d = details[details.length - 1] ?? {};
    return figures
      .filter((f) => !f.met)
      .map(
        (f) =>
          f.id.endsWith('-blocks')
            ? `${f.label}: ${f.ratio.median.toFixed(2)}× the small user's blocks (last run ${d[`${f.id.replace('-blocks', '')}SmallBlocks`] ?? 0} → ${d[`${f.id.replace('-blocks', '')}LargeBlocks`] ?? 0}): a statement reads more of the history than the page — its plan is in the notes.`
            : `${f.label}: ${f.ratio.median.toFixed(2)}× the small user's page (last run ${(d[`${f.id.replace('-page', '')}SmallMs`] ?? 0).toFixed(2)} → ${(d[`${f.id.replace('-page', '')}LargeMs`] ?? 0).toFixed(2)} ms), while its statements read ${d[`${f.id.replace('-page', '')}SmallBlocks`] ?? 0} → ${d[`${f.id.replace('-page', '')}LargeBlocks`] ?? 0} blocks and PostgreSQL executed them in ${(d[`${f.id.replace('-page', '')}SmallExecutionMs`] ?? 0).toFixed(2)} → ${(d[`${f.id.replace('-page', '')}LargeExecutionMs`] ?? 0).toFixed(2)} ms (EXPLAIN ANALYZE; plans in the notes): when the blocks are flat, the latency difference is not the query's (the machine's load, the Node side of the request).`,
      );
  },
};
