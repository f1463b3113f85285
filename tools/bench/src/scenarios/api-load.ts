import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { AppProcess, childExecArgv } from '../env/app';
import { appPrerequisite, type BenchBank, type RunningApp, assertAllCompleted, connectUsers, startApp, startBenchBank, waitForSessions } from '../env/bank-world';
import type { BenchUser } from '../env/kinko-client';
import type { CapturedStatement } from '../env/postgres';
import type { BareServerConfig } from '../bare-server';
import { int } from '../progress';
import type { FigureResult } from '../results';
import type { FigureSpec, Scenario } from './types';

/** One endpoint under load: the app's path, the bare server's path, and the SQL the app ran for it. */
interface Endpoint {
  readonly id: 'bankaccount' | 'transactions';
  readonly appPath: string;
  readonly barePath: string;
  readonly statements: readonly CapturedStatement[];
}

interface LoadState {
  readonly bank: BenchBank;
  readonly app: RunningApp;
  readonly bare: AppProcess;
  readonly bareUrl: string;
  readonly token: string;
  readonly endpoints: readonly Endpoint[];
  readonly notes: string[];
}

const LOGIN = 'load-user';

async function load(url: string, headers: Record<string, string>, seconds: number, connections: number): Promise<{ rps: number; p99: number; requests: number }> {
  const r = await autocannon({ url, headers, connections, duration: seconds, pipelining: 1 });
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) throw new Error(`${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors, ${r.timeouts} timeouts under load`);
  return { rps: r.requests.average, p99: r.latency.p99, requests: r.requests.total };
}

const figure = (endpoint: string, what: 'throughput' | 'p99'): FigureSpec =>
  what === 'throughput'
    ? {
        id: `${endpoint}-throughput`,
        label: `${endpoint === 'bankaccount' ? 'GET /api/v2/bankaccount' : 'keyset page of 100 transactions'} throughput`,
        unit: 'req/s',
        floorLabel: 'bare node:http + pg, same SQL',
        floorUnit: 'req/s',
        target: { text: '≥ 0.7× the bare handler', comparator: '>=', threshold: 0.7 },
      }
    : {
        id: `${endpoint}-p99`,
        label: `${endpoint === 'bankaccount' ? 'GET /api/v2/bankaccount' : 'keyset page of 100 transactions'} p99 latency`,
        unit: 'ms',
        floorLabel: 'bare handler p99',
        floorUnit: 'ms',
        target: { text: '≤ 1.5× the bare handler', comparator: '<=', threshold: 1.5 },
      };

const shortSql = (s: CapturedStatement): string => `\`${s.sql.replace(/\s+/g, ' ').slice(0, 160)}${s.sql.length > 160 ? '…' : ''}\` (${s.parameters.length} bound values)`;

/**
 * Scenario 4 — the user API under load (autocannon) against a bare `node:http` + `pg`
 * handler running the very statements the app ran, in the same run.
 */
export const apiLoadScenario: Scenario<LoadState> = {
  id: 'api-load',
  title: 'API under load vs a bare node:http + pg handler',
  method: [
    'Data: one user connected to the sandbox bank through the API (redirect login), synced by the worker: an account holding the stated number of transactions plus two small accounts. Then the app runs as `serve` with KINKO_WORKER=false (nothing else running).',
    "Same SQL: one request to each endpoint is made with PostgreSQL's `log_statement = all` switched on (ALTER SYSTEM + reload); the statements that sessions named `kinko-api` (the app's pool) executed — text and bound values — are parsed from the server log. The bare server replays exactly those statements, in order, on one pooled connection (pool size 10, as the app's), and returns the last one's rows as JSON (no auth, no validation, no mapping). The statements are listed in the notes below.",
    'Load: autocannon (in the bench process), 10 connections, no pipelining, the stated duration per run and endpoint, app and bare server alternately first; any non-2xx answer, error or timeout fails the run. Throughput = mean requests/s; p99 = 99th percentile latency. Keyset page = the second page (`?limit=100&cursor=<nextCursor of the first>`).',
  ],
  parameters: (s) => ({ accountTransactions: s.apiLoad.accountTransactions, durationSecondsPerRun: s.apiLoad.durationSeconds, connections: s.apiLoad.connections, pageLimit: s.apiLoad.pageLimit }),
  figures: [figure('bankaccount', 'throughput'), figure('bankaccount', 'p99'), figure('transactions', 'throughput'), figure('transactions', 'p99')],

  prerequisite: appPrerequisite,

  async setup(ctx) {
    const s = ctx.sizes.apiLoad;
    const bank = await startBenchBank([
      { id: LOGIN, accounts: [{ transactions: s.accountTransactions, historyDays: 700 }, { transactions: 50, historyDays: 100 }, { transactions: 50, historyDays: 100 }] },
    ]);
    const notes: string[] = [];
    let app: RunningApp | undefined;
    let bare: AppProcess | undefined;
    try {
      const databaseUrl = await ctx.freshDatabase('bench_api');
      // 1. Sync the user's history with a worker.
      const syncing = await startApp(ctx, databaseUrl, bank, { worker: true, name: 'api-sync' });
      let owner: BenchUser | undefined;
      try {
        const [connected] = await connectUsers(syncing, [LOGIN], ctx.progress, 1);
        if (!connected) throw new Error('no user connected');
        owner = connected.user;
        ctx.progress.step(`syncing ${int(s.accountTransactions)} transactions…`);
        assertAllCompleted(await waitForSessions(databaseUrl, connected.connected.sessionIds, ctx.progress, 30 * 60_000), 'initial sync');
      } finally {
        await syncing.stop();
      }
      const accountId = await biggestAccount(databaseUrl, s.accountTransactions);
      // 2. The API alone (no worker), same tenant; the user's token stays valid (same master key).
      app = await startApp(ctx, databaseUrl, bank, { worker: false, name: 'api-load', tenant: syncing.tenant });
      if (!owner) throw new Error('no user connected');
      const first = await app.client.getAsUser<{ items: unknown[]; nextCursor: string | null }>(owner, `/api/v2/accounts/${accountId}/transactions?limit=${s.pageLimit}`);
      if (!first.nextCursor) throw new Error('the first page of the big account has no nextCursor');
      const paths = {
        bankaccount: '/api/v2/bankaccount',
        transactions: `/api/v2/accounts/${accountId}/transactions?limit=${s.pageLimit}&cursor=${encodeURIComponent(first.nextCursor)}`,
      } as const;
      // Warm the app (JIT, pool connections), then capture what it runs for one request of each.
      for (let i = 0; i < 50; i += 1) for (const p of Object.values(paths)) await app.client.getAsUser(owner, p);
      const endpoints: Endpoint[] = [];
      for (const id of ['bankaccount', 'transactions'] as const) {
        let answer: unknown;
        const statements = await ctx.postgres.captureStatements('kinko-api', async () => {
          answer = await app?.client.getAsUser(owner, paths[id]);
        });
        if (statements.length === 0) throw new Error(`no statement of the app was captured for ${paths[id]}`);
        const items = Array.isArray(answer) ? answer.length : Array.isArray((answer as { items?: unknown[] })?.items) ? (answer as { items: unknown[] }).items.length : -1;
        notes.push(`SQL of ${id === 'bankaccount' ? 'GET /api/v2/bankaccount' : 'the keyset page'} (captured, replayed by the bare handler; the app answered ${items} items): ${statements.map(shortSql).join('; ')}`);
        endpoints.push({ id, appPath: paths[id], barePath: `/${id}`, statements });
      }
      // 3. The bare handler, a child process like the app.
      const configFile = path.join(ctx.workDir, 'bare-server.json');
      const config: BareServerConfig = { databaseUrl, poolSize: 10, routes: Object.fromEntries(endpoints.map((e) => [e.barePath, e.statements])) };
      fs.writeFileSync(configFile, JSON.stringify(config));
      const script = path.join(__dirname, '..', `bare-server${path.extname(__filename)}`);
      bare = new AppProcess(spawn(process.execPath, [...childExecArgv(), script, configFile], { stdio: ['ignore', 'pipe', 'pipe'] }), 'bare server');
      const m = await bare.waitFor(/BARE-LISTENING (\S+)/, 60_000);
      const bareUrl = m[1] as string;
      for (const e of endpoints) {
        const res = await fetch(`${bareUrl}${e.barePath}`);
        const body = (await res.json()) as { items: unknown[] };
        if (!res.ok) throw new Error(`the bare handler failed on ${e.barePath}`);
        notes.push(`The bare handler answered ${body.items.length} rows for ${e.id}.`);
      }
      return { bank, app, bare, bareUrl, token: owner.token, endpoints, notes };
    } catch (e) {
      await bare?.stop();
      await app?.stop();
      await bank.close();
      throw e;
    }
  },

  async run(ctx, state, runIndex) {
    const s = ctx.sizes.apiLoad;
    const figures: Record<string, { value: number; floor: number }> = {};
    const details: Record<string, number> = {};
    for (const e of state.endpoints) {
      const appFirst = runIndex % 2 === 0;
      const measure = async (which: 'app' | 'bare') => {
        const cpu0 = which === 'app' ? state.app.api.cpuSeconds() : state.bare.cpuSeconds();
        const r =
          which === 'app'
            ? await load(`${state.app.url}${e.appPath}`, { authorization: `Bearer ${state.token}` }, s.durationSeconds, s.connections)
            : await load(`${state.bareUrl}${e.barePath}`, {}, s.durationSeconds, s.connections);
        const cpu1 = which === 'app' ? state.app.api.cpuSeconds() : state.bare.cpuSeconds();
        details[`${e.id}.${which}.cpuMsPerRequest`] = cpu0 !== undefined && cpu1 !== undefined && r.requests > 0 ? ((cpu1 - cpu0) * 1000) / r.requests : 0;
        return r;
      };
      const first = await measure(appFirst ? 'app' : 'bare');
      const second = await measure(appFirst ? 'bare' : 'app');
      const app = appFirst ? first : second;
      const bare = appFirst ? second : first;
      figures[`${e.id}-throughput`] = { value: app.rps, floor: bare.rps };
      figures[`${e.id}-p99`] = { value: app.p99, floor: bare.p99 };
      Object.assign(details, { [`${e.id}.app.rps`]: app.rps, [`${e.id}.bare.rps`]: bare.rps, [`${e.id}.app.p99`]: app.p99, [`${e.id}.bare.p99`]: bare.p99 });
      ctx.progress.step(`run ${runIndex + 1}, ${e.id}: app ${int(app.rps)} req/s p99 ${app.p99} ms; bare ${int(bare.rps)} req/s p99 ${bare.p99} ms`);
    }
    return { figures, details, notes: state.notes };
  },

  async teardown(ctx, state) {
    await state.bare.stop();
    await state.app.stop();
    await state.bank.close();
    await ctx.postgres.dropDatabase('bench_api');
  },

  explain(figures: readonly FigureResult[], details) {
    const missed = figures.filter((f) => !f.met);
    if (missed.length === 0) return [];
    const d = details[details.length - 1] ?? {};
    return ['bankaccount', 'transactions'].map(
      (id) =>
        `${id}: CPU per request (last run) app ${(d[`${id}.app.cpuMsPerRequest`] ?? 0).toFixed(2)} ms vs bare ${(d[`${id}.bare.cpuMsPerRequest`] ?? 0).toFixed(2)} ms in the server process — the difference is the framework path (Fastify + Nest guards, pipes, interceptors, JWT verification, DTO mapping and serialization), the SQL being identical.`,
    );
  },
};

/** The account holding `count` transactions (the big one). */
async function biggestAccount(databaseUrl: string, count: number): Promise<string> {
  const c = new Client({ connectionString: databaseUrl, application_name: 'kinko-bench' });
  await c.connect();
  try {
    const r = await c.query<{ account_id: string; n: string }>(`SELECT account_id, count(*)::text AS n FROM transactions GROUP BY account_id ORDER BY count(*) DESC LIMIT 1`);
    const row = r.rows[0];
    if (!row || Number(row.n) !== count) throw new Error(`the big account holds ${row?.n ?? 0} transactions after the sync, not ${count}`);
    return row.account_id;
  } finally {
    await c.end();
  }
}
