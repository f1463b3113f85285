import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { machineCpu } from '../env/app';
import { COPY_TABLE, exportTransactions, prepareCopyTable, timedCopy } from '../env/copy';
import { serverTimeByStatement } from '../env/postgres';
import type { AppUnderTest } from '../env/app';
import { duration, int } from '../progress';
import type { Sizes } from '../options';
import type { FigureResult } from '../results';
import type { Scenario } from './types';

interface IngestState {
  readonly client: Client;
  readonly databaseUrl: string;
  /** Where PostgreSQL's time goes per page (a profiled sample run, not timed). */
  readonly profile: string;
}

/** What the app's ingest driver prints (apps/api/test/support/bench-ingest-driver.ts). */
interface DriverResult {
  readonly rows: number;
  readonly pages: number;
  readonly lanes: number;
  readonly elapsedMs: number;
}

/** Busy share of all cores between two /proc/stat readings, in percent. */
export function busyPercent(a: ReturnType<typeof machineCpu>, b: ReturnType<typeof machineCpu>): number {
  if (!a || !b || b.total === a.total) return 0;
  return (100 * (b.busy - a.busy)) / (b.total - a.total);
}

const yesterday = (): string => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

/** The driver's job for the ingest sizes (same seed every run: same rows). */
function jobOf(s: Sizes['ingest'], databaseUrl: string) {
  return { databaseUrl, accounts: s.accounts, rowsPerAccount: s.rowsPerAccount, pageSize: s.pageSize, lastDate: yesterday(), historyDays: s.historyDays, seed: 20_240_601 };
}

/** Runs the app's ingest driver to completion and reads its result line. */
async function runDriver(app: AppUnderTest, job: ReturnType<typeof jobOf>, cwd: string): Promise<DriverResult> {
  const out = await app.script(app.ingestDriver, [JSON.stringify(job)], cwd);
  const line = out.split('\n').find((l) => l.startsWith('BENCH-RESULT '));
  if (!line) throw new Error(`the ingest driver printed no result:\n${out.slice(-1000)}`);
  return JSON.parse(line.slice('BENCH-RESULT '.length)) as DriverResult;
}

/**
 * Scenario 1 — ingest: the sync engine's real page write (connector pages → the domain's
 * reconciliation → one multi-row upsert + the session's progress per page, one database
 * transaction per page) against a raw COPY of exactly the same rows into an identical table.
 */
export const ingestScenario: Scenario<IngestState> = {
  id: 'ingest',
  title: 'Ingest: write path vs raw COPY',
  method: [
    "Write path: the app's own `writeTransactionPage` + `addStageCounts` in one transaction per page, exactly as `SyncEngine.fetchKind` calls them, run by the app's bench hook `apps/api/test/support/bench-ingest-driver.ts` (development support outside the app's production source, run from source in a child process: nothing imports apps/*) from as many accounts at once as one worker runs (sessions × accounts per session). Pages of connector `Transaction`s (200 items, generated deterministically) go through the domain's `reconcile` and one `INSERT … ON CONFLICT` each. Timed: the write loop only.",
    'Floor: the rows the write path stored are exported (`COPY (SELECT * FROM transactions) TO STDOUT`, not timed), then `COPY … FROM STDIN` (pg-copy-streams) into `CREATE TABLE … (LIKE transactions INCLUDING ALL)` (same columns, defaults, checks, primary key, unique and secondary indexes), plus the same foreign keys (LIKE copies none; a self-reference points at the floor table) in the same run. A CHECKPOINT precedes each timed phase; every run starts from empty tables.',
  ],
  parameters: (s) => ({ accounts: s.ingest.accounts, rowsPerAccount: s.ingest.rowsPerAccount, rows: s.ingest.accounts * s.ingest.rowsPerAccount, pageSize: s.ingest.pageSize }),
  figures: [
    {
      id: 'write-rate',
      label: 'Write-path ingest rate',
      unit: 'rows/s',
      floorLabel: 'raw COPY rate',
      floorUnit: 'rows/s',
      target: { text: '≥ 0.6× the COPY rate', comparator: '>=', threshold: 0.6 },
    },
  ],

  async prerequisite(ctx) {
    if (!ctx.app) return `the app is not available (${ctx.appMissing ?? 'unknown'})`;
    if (!fs.existsSync(ctx.app.ingestDriver)) return `the app has no ingest hook (${path.relative(ctx.app.root, ctx.app.ingestDriver)} is missing)`;
    return null;
  },

  async setup(ctx) {
    const app = ctx.app;
    if (!app) throw new Error('no app');
    const databaseUrl = await ctx.freshDatabase('bench_ingest');
    const client = new Client({ connectionString: databaseUrl, application_name: 'kinko-bench' });
    await client.connect();
    await prepareCopyTable(client);
    // Profile (not timed): PostgreSQL's own duration of every statement of a small sample.
    const sample = { ...jobOf(ctx.sizes.ingest, databaseUrl), accounts: Math.min(3, ctx.sizes.ingest.accounts) };
    let result: DriverResult | undefined;
    const durations = await ctx.postgres.captureDurations('kinko-bench-ingest', async () => {
      result = await runDriver(app, sample, ctx.workDir);
    });
    let profile = '';
    if (result && durations.length > 0) {
      const pages = result.pages;
      // The seeding of the sample's tenant, users and accounts is not the write path.
      const by = serverTimeByStatement(durations).filter((b) => !/^INSERT (tenants|users|connections|bank_accounts|sync_sessions|sync_stages)$/.test(b.statement));
      const serverMs = by.reduce((a, b) => a + b.ms, 0);
      const wallPerPage = (result.elapsedMs * Math.min(result.lanes, sample.accounts)) / pages;
      profile = `Profile of the write path (a sample of ${pages} pages, not timed; PostgreSQL's log_min_duration_statement = 0, parse + bind + execute): per page ${by
        .slice(0, 6)
        .map((b) => `${b.statement} ${(b.ms / pages).toFixed(2)} ms`)
        .join(', ')} — ${(serverMs / pages).toFixed(2)} ms of server time in ${wallPerPage.toFixed(1)} ms of wall time per page and lane; the rest is the Node side (reconcile, building the parameter arrays, the driver) and round trips.`;
    }
    return { client, databaseUrl, profile };
  },

  async run(ctx, state, runIndex) {
    const app = ctx.app;
    if (!app) throw new Error('no app');
    const { client } = state;
    const s = ctx.sizes.ingest;
    // Every run from empty tables (CASCADE: users, connections, accounts, sessions and their transactions).
    await client.query(`TRUNCATE tenants CASCADE`);
    await client.query(`TRUNCATE ${COPY_TABLE}`);
    await client.query('CHECKPOINT');
    ctx.progress.step(`run ${runIndex + 1}: write path, ${int(s.accounts * s.rowsPerAccount)} rows over ${int(s.accounts)} accounts…`);
    const cpu0 = machineCpu();
    const driver = await runDriver(app, jobOf(s, state.databaseUrl), ctx.workDir);
    const cpu1 = machineCpu();
    const file = path.join(ctx.workDir, 'ingest-rows.copy');
    const stored = await exportTransactions(client, file);
    if (stored !== driver.rows) throw new Error(`the write path reported ${driver.rows} rows but the table holds ${stored}`);
    ctx.progress.step(`run ${runIndex + 1}: write path ${int(driver.rows)} rows in ${duration(driver.elapsedMs)} (${int(driver.rows / (driver.elapsedMs / 1000))} rows/s); COPY of the same rows…`);
    const cpu2 = machineCpu();
    const copyMs = await timedCopy(client, file);
    const cpu3 = machineCpu();
    const copied = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${COPY_TABLE}`);
    if (Number(copied.rows[0]?.n) !== stored) throw new Error('COPY did not load every row');
    const copyBytes = fs.statSync(file).size;
    fs.rmSync(file, { force: true });
    const writeRate = driver.rows / (driver.elapsedMs / 1000);
    const copyRate = stored / (copyMs / 1000);
    ctx.progress.step(`run ${runIndex + 1}: COPY ${int(stored)} rows in ${duration(copyMs)} (${int(copyRate)} rows/s) → ratio ${(writeRate / copyRate).toFixed(2)}`);
    return {
      figures: { 'write-rate': { value: writeRate, floor: copyRate } },
      notes: state.profile ? [state.profile] : [],
      details: {
        rows: driver.rows,
        pages: driver.pages,
        lanes: driver.lanes,
        writeMs: driver.elapsedMs,
        copyMs,
        copyBytes,
        writeCpuBusyPercent: busyPercent(cpu0, cpu1),
        copyCpuBusyPercent: busyPercent(cpu2, cpu3),
      },
    };
  },

  async teardown(ctx, state) {
    await state.client.end().catch(() => undefined);
    await ctx.postgres.dropDatabase('bench_ingest');
  },

  explain(figures: readonly FigureResult[], details) {
    const f = figures[0];
    if (!f || f.met) return [];
    const d = details[details.length - 1] ?? {};
    return [
      `Write path at ${f.ratio.median.toFixed(2)}× COPY (target ≥ 0.6×). Last run: ${int(d['rows'] ?? 0)} rows in ${int(d['pages'] ?? 0)} page transactions from ${d['lanes'] ?? '?'} lanes took ${duration(d['writeMs'] ?? 0)}, COPY ${duration(d['copyMs'] ?? 0)}.`,
      `CPU: all cores ${(d['writeCpuBusyPercent'] ?? 0).toFixed(0)}% busy during the write path vs ${(d['copyCpuBusyPercent'] ?? 0).toFixed(0)}% during COPY. Per page the write path runs a transaction of several statements (see the profile above) where COPY streams all rows in one.`,
    ];
  },
};
