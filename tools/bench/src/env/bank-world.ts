import * as path from 'node:path';
import { type BankCommonApiSandbox, type SandboxBank, type SandboxUserConfig, startBankCommonApiSandbox } from '@kinko/sandbox-bank';
import { Client } from 'pg';
import { type Progress, duration, int } from '../progress';
import type { ScenarioContext } from '../scenarios/types';
import { type AppProcess, type AppConfig, type BankEntry } from './app';
import { type BenchUser, type Connected, KinkoClient, inParallel } from './kinko-client';
import { untracked } from './postgres';

/** The bank every scenario connects to: a 銀行共通API sandbox bank on loopback. */
export const BENCH_BANK_CODE = '0001';
/** Its bankId in the app (`KINKO_BANKS`). */
export const BENCH_BANK_ID = 'bench-0001';

/** A running sandbox bank and the `KINKO_BANKS` entry pointing the app at it. */
export interface BenchBank {
  readonly sandbox: BankCommonApiSandbox;
  readonly bank: SandboxBank;
  readonly entry: BankEntry;
  close(): Promise<void>;
}

/**
 * Starts a sandbox bank with `users` (password `bench-pass`), data generated from a fixed
 * seed, a request log large enough to count every request of a run, and no answers kept.
 */
export async function startBenchBank(
  users: readonly Omit<SandboxUserConfig, 'password'>[],
  options: { readonly pageSize?: number; readonly maxHistoryDays?: number; readonly requestLogLimit?: number } = {},
): Promise<BenchBank> {
  const client = { apiKey: 'bench-api-key', password: 'bench-client-secret', redirectDomains: ['127.0.0.1', 'localhost'] };
  const sandbox = await startBankCommonApiSandbox({
    banks: [{ bankCode: BENCH_BANK_CODE, client, users: users.map((u) => ({ ...u, password: BENCH_PASSWORD })), pageSize: options.pageSize ?? 200 }],
    seed: 424_242,
    host: '127.0.0.1',
    requestLogLimit: options.requestLogLimit ?? 2_000_000,
    // The bench never reads the answers: kept, each with its body, they cost the bank CPU (copied by the GC) and memory.
    answerLimit: 0,
  });
  const bank = sandbox.bank(BENCH_BANK_CODE);
  const entry: BankEntry = {
    bankId: BENCH_BANK_ID,
    connector: 'bank-common-api',
    bankCode: BENCH_BANK_CODE,
    bankName: 'Bench Bank',
    baseUrl: bank.url,
    apiKey: client.apiKey,
    password: client.password,
    ...(options.maxHistoryDays ? { limits: { maxHistoryDays: options.maxHistoryDays } } : {}),
  };
  return { sandbox, bank, entry, close: () => sandbox.close() };
}

/** Password of every bench user at the sandbox bank. */
export const BENCH_PASSWORD = 'bench-pass';

/** The app serving one scenario: its API process, a tenant, and a REST client. */
export interface RunningApp {
  readonly config: AppConfig;
  /** The tenant the bench created (its API key is the client's). */
  readonly tenant: { readonly tenantId: string; readonly apiKey: string };
  readonly api: AppProcess;
  readonly client: KinkoClient;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts `serve` on `databaseUrl` with the bench bank (with the sync worker inside, or
 * not), for `tenant` — created with the app's CLI unless given (an earlier app's).
 */
export async function startApp(
  ctx: ScenarioContext,
  databaseUrl: string,
  bank: BenchBank,
  options: { readonly worker: boolean; readonly name: string; readonly tenant?: RunningApp['tenant'] },
): Promise<RunningApp> {
  const app = ctx.app;
  if (!app) throw new Error('the app is not available');
  const config: AppConfig = { databaseUrl, banks: [bank.entry], dataDir: path.join(ctx.workDir, `app-${options.name}`) };
  const tenant = options.tenant ?? (await app.createTenant(config, `bench ${options.name}`));
  const { process: api, url } = await app.serve(config, { worker: options.worker });
  return { config, tenant, api, url, client: new KinkoClient(url, tenant.apiKey), stop: () => api.stop() };
}

/** A connected bench user. */
export interface ConnectedUser {
  readonly login: string;
  readonly user: BenchUser;
  readonly connected: Connected;
}

/** Creates each user in the app and connects it to the bench bank through the redirect flow (`concurrency` at a time). */
export async function connectUsers(app: RunningApp, logins: readonly string[], progress: Progress, concurrency = 8): Promise<ConnectedUser[]> {
  const started = Date.now();
  let done = 0;
  const out = await inParallel(logins, concurrency, async (login) => {
    const user = await app.client.createUser(`bench-${login}`);
    const connected = await app.client.connect(user, BENCH_BANK_ID, { id: login, password: BENCH_PASSWORD });
    done += 1;
    if (done % 100 === 0) progress.step(`connected ${int(done)} of ${int(logins.length)} users…`);
    return { login, user, connected };
  });
  progress.step(`connected ${int(logins.length)} users in ${duration(Date.now() - started)}`);
  return out;
}

/** How a set of sessions ended, from sync_sessions. */
export interface SessionsOutcome {
  /** First start to last finish, as the database recorded them (ms). */
  readonly spanMs: number;
  readonly firstStartedAt: Date;
  readonly lastFinishedAt: Date;
  /** Sessions per final status (completed, partiallyFailed, failed). */
  readonly statuses: Readonly<Record<string, number>>;
  /** Errors of sessions that did not complete (a few, for the report). */
  readonly errors: readonly string[];
}

/** One look at the database while waiting: done, or the progress line to print (every 10 s) and the error to throw once the time is up. */
export interface PollAnswer {
  readonly done: boolean;
  readonly progress: string;
  readonly late: string;
}

/**
 * Opens one client, asks `look` every 200 ms until it answers done (throws its `late` text
 * once `timeoutMs` has passed, prints its progress line every 10 s), then answers `then`.
 */
export async function pollDatabase<T>(
  databaseUrl: string,
  progress: Progress,
  timeoutMs: number,
  look: (client: Client) => Promise<PollAnswer>,
  then: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ connectionString: databaseUrl, application_name: 'kinko-bench' });
  await client.connect();
  try {
    await untracked(client);
    const deadline = Date.now() + timeoutMs;
    let lastReport = Date.now();
    for (;;) {
      const answer = await look(client);
      if (answer.done) break;
      if (Date.now() > deadline) throw new Error(answer.late);
      if (Date.now() - lastReport > 10_000) {
        progress.step(answer.progress);
        lastReport = Date.now();
      }
      await new Promise((res) => setTimeout(res, 200));
    }
    return await then(client);
  } finally {
    await client.end();
  }
}

/** Polls the database until every session has finished (or `timeoutMs` passes), then reports how they ended. */
export async function waitForSessions(databaseUrl: string, sessionIds: readonly string[], progress: Progress, timeoutMs: number): Promise<SessionsOutcome> {
  const look = async (client: Client): Promise<PollAnswer> => {
    const r = await client.query<{ finished: string }>(`SELECT count(*) FILTER (WHERE finished_at IS NOT NULL)::text AS finished FROM sync_sessions WHERE id = ANY($1::uuid[])`, [sessionIds]);
    const finished = Number(r.rows[0]?.finished ?? 0);
    return {
      done: finished >= sessionIds.length,
      progress: `${int(finished)} of ${int(sessionIds.length)} sessions finished…`,
      late: `only ${finished} of ${sessionIds.length} sessions finished within ${duration(timeoutMs)}`,
    };
  };
  return pollDatabase(databaseUrl, progress, timeoutMs, look, async (client) => {
    const rows = await client.query<{ status: string; started_at: Date | null; created_at: Date; finished_at: Date; error: unknown }>(
      `SELECT status, started_at, created_at, finished_at, error FROM sync_sessions WHERE id = ANY($1::uuid[])`,
      [sessionIds],
    );
    const statuses: Record<string, number> = {};
    const errors: string[] = [];
    let first = Infinity;
    let last = -Infinity;
    for (const row of rows.rows) {
      statuses[row.status] = (statuses[row.status] ?? 0) + 1;
      if (row.status !== 'completed' && errors.length < 3) errors.push(`${row.status}: ${JSON.stringify(row.error)}`);
      first = Math.min(first, (row.started_at ?? row.created_at).getTime());
      last = Math.max(last, row.finished_at.getTime());
    }
    return { spanMs: last - first, firstStartedAt: new Date(first), lastFinishedAt: new Date(last), statuses, errors };
  });
}

/**
 * Connects every login through the API (redirect flow) and waits, untimed, for the
 * initial full syncs those connections started; throws unless every one completed.
 */
export async function connectAndSyncUsers(app: RunningApp, databaseUrl: string, logins: readonly string[], progress: Progress): Promise<ConnectedUser[]> {
  const users = await connectUsers(app, logins, progress);
  progress.step('initial full syncs…');
  assertAllCompleted(
    await waitForSessions(
      databaseUrl,
      users.flatMap((u) => u.connected.sessionIds),
      progress,
      3 * 3600_000,
    ),
    'initial sync',
  );
  return users;
}

/** The sandbox account ids of these users at the bench bank. */
export function sandboxAccountIds(bank: BenchBank, logins: readonly string[]): string[] {
  return logins.flatMap((id) => bank.sandbox.truth.accounts(BENCH_BANK_CODE, id).map((a) => a.accountId));
}

/** The prerequisite of every scenario that runs the built app. */
export async function appPrerequisite(ctx: ScenarioContext): Promise<string | null> {
  return ctx.app ? null : `the app is not available (${ctx.appMissing ?? 'unknown'})`;
}

/** Throws unless every session completed (a figure from a partly failed sync would be meaningless). */
export function assertAllCompleted(outcome: SessionsOutcome, what: string): void {
  const total = Object.values(outcome.statuses).reduce((a, b) => a + b, 0);
  const completed = outcome.statuses['completed'] ?? 0;
  if (completed !== total) throw new Error(`${what}: ${completed} of ${total} sessions completed (${JSON.stringify(outcome.statuses)}); e.g. ${outcome.errors.join(' | ')}`);
}

/** Number of rows of a query's single count. */
export async function countRows(databaseUrl: string, sql: string, params: unknown[] = []): Promise<number> {
  const client = new Client({ connectionString: databaseUrl, application_name: 'kinko-bench' });
  await client.connect();
  try {
    const r = await client.query<{ n: string }>(sql, params);
    return Number(r.rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/** Where the time of a set of sessions went, from the app's own records (sync_sessions, sync_stages). */
export interface SessionsProfile {
  /** Sum of session durations ÷ the span: how many sessions ran at once on average. */
  readonly meanConcurrent: number;
  /** Most sessions running at the same instant. */
  readonly peakConcurrent: number;
  readonly meanSessionS: number;
  /** Mean duration of each stage over the sessions (s). */
  readonly stageMeanS: Readonly<Record<string, number>>;
}

/** Profiles finished sessions: concurrency over time and the mean time of each stage. */
export async function profileSessions(databaseUrl: string, sessionIds: readonly string[]): Promise<SessionsProfile> {
  const client = new Client({ connectionString: databaseUrl, application_name: 'kinko-bench' });
  await client.connect();
  try {
    const sessions = await client.query<{ s: Date; f: Date }>(`SELECT COALESCE(started_at, created_at) AS s, finished_at AS f FROM sync_sessions WHERE id = ANY($1::uuid[]) AND finished_at IS NOT NULL`, [
      sessionIds,
    ]);
    const events: Array<[number, number]> = [];
    let total = 0;
    let first = Infinity;
    let last = -Infinity;
    for (const r of sessions.rows) {
      const s = r.s.getTime();
      const f = r.f.getTime();
      total += f - s;
      first = Math.min(first, s);
      last = Math.max(last, f);
      events.push([s, 1], [f, -1]);
    }
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let running = 0;
    let peak = 0;
    for (const [, d] of events) peak = Math.max(peak, (running += d));
    const stages = await client.query<{ stage: string; mean_s: string }>(
      `SELECT stage, (avg(EXTRACT(EPOCH FROM (finished_at - started_at))))::text AS mean_s FROM sync_stages
        WHERE session_id = ANY($1::uuid[]) AND started_at IS NOT NULL AND finished_at IS NOT NULL GROUP BY stage`,
      [sessionIds],
    );
    const n = sessions.rows.length;
    return {
      meanConcurrent: last > first ? total / (last - first) : 0,
      peakConcurrent: peak,
      meanSessionS: n > 0 ? total / n / 1000 : 0,
      stageMeanS: Object.fromEntries(stages.rows.map((r) => [r.stage, Number(r.mean_s)])),
    };
  } finally {
    await client.end();
  }
}

/** A profile as flat details (`<prefix>meanConcurrent`, `<prefix>stage.<name>S`…). */
export function profileDetails(prefix: string, p: SessionsProfile): Record<string, number> {
  return {
    [`${prefix}meanConcurrentSessions`]: p.meanConcurrent,
    [`${prefix}peakConcurrentSessions`]: p.peakConcurrent,
    [`${prefix}meanSessionS`]: p.meanSessionS,
    ...Object.fromEntries(Object.entries(p.stageMeanS).map(([k, v]) => [`${prefix}stage.${k}.meanS`, v])),
  };
}

/** "auth 0.05 s, accounts 0.10 s, …" from flat details. */
export function stageSummary(details: Readonly<Record<string, number>>, prefix: string): string {
  return ['auth', 'accounts', 'balances', 'transactions', 'intelligence', 'finished']
    .filter((s) => details[`${prefix}stage.${s}.meanS`] !== undefined)
    .map((s) => `${s} ${(details[`${prefix}stage.${s}.meanS`] ?? 0).toFixed(2)} s`)
    .join(', ');
}
