import * as path from 'node:path';
import { Client } from 'pg';
import { AppUnderTest, type AppConfig, type AppProcess } from '../env/app';
import { BENCH_BANK_CODE, BENCH_BANK_ID, type ConnectedUser, type RunningApp, connectUsers, startBenchBank } from '../env/bank-world';
import { KinkoClient } from '../env/kinko-client';
import { BenchPostgres } from '../env/postgres';
import { type Progress, int } from '../progress';

/** What a chaos run does (see tools/bench/README.md, "pnpm chaos"). */
export interface ChaosOptions {
  /** SIGKILLs of a worker process, at random points. */
  readonly kills: number;
  /** Immediate PostgreSQL stops (then restarts), spread over the run. */
  readonly outages: number;
  /** Consent withdrawals / disconnects through the API, at random points of a sync. */
  readonly withdrawals: number;
  /** Users connected per round (their first syncs are what the kills hit). */
  readonly usersPerRound: number;
  readonly transactionsPerAccount: number;
  /** Worker processes kept running. */
  readonly workers: number;
  /** Seeds every random choice (printed with the figures, to replay a run). */
  readonly seed: number;
  readonly workDir: string;
  readonly progress: Progress;
}

/** What a chaos run counted. Lost, extra, duplicated and stuck must all be 0. */
export interface ChaosFigures {
  readonly seed: number;
  readonly kills: number;
  /** Kills while a session of the round was still unfinished (the others hit an idle worker). */
  readonly killsDuringSync: number;
  readonly outages: number;
  readonly withdrawals: number;
  readonly rounds: number;
  /** Sessions run (chaos rounds and the final check), per final status. */
  readonly sessions: Readonly<Record<string, number>>;
  /** Bank transactions compared with the stored ones after the run. */
  readonly rowsChecked: number;
  /** Bank transactions missing from the database. */
  readonly lost: number;
  /** Stored transactions the bank does not have (or whose amount differs). */
  readonly extra: number;
  /** Stored rows beyond the first of the same (account, bank transaction id). */
  readonly duplicated: number;
  /** Sessions unfinished, or connections left running.* / waiting, once everything settled. */
  readonly stuck: number;
  /** App processes that exited without being killed (a crash). */
  readonly unexpectedExits: number;
  readonly durationS: number;
}

const SYNC_TUNING = { pollingIntervalSeconds: 0.5, watchdogIntervalMs: 500, orphanGraceMs: 1_000, retryDelaySeconds: 1, retryLimit: 25, schedulerIntervalMs: 0 };

/** xorshift32: the run's random choices, from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4_294_967_296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function query<R>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new Client({ connectionString: databaseUrl, application_name: 'kinko-chaos' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Runs the app (API + worker processes, built) against a sandbox bank and its own
 * PostgreSQL, and breaks it: rounds of first syncs (new users connected through the API),
 * during which a random worker is SIGKILLed at random moments (and restarted), PostgreSQL is
 * stopped immediately and restarted, and a user withdraws the consent or disconnects. Then
 * everything settles, the surviving users sync once more without chaos, and the database is
 * compared with the bank's truth.
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosFigures> {
  const started = Date.now();
  const random = prng(o.seed);
  const app = AppUnderTest.locate();
  const pg = await BenchPostgres.start(path.join(o.workDir, 'pg'));
  const workers: AppProcess[] = [];
  let api: AppProcess | undefined;
  let bankClose: (() => Promise<void>) | undefined;
  let killed = 0;
  try {
    await pg.createDatabase('kinko_chaos');
    const databaseUrl = pg.url('kinko_chaos');
    const rounds = o.kills;
    const logins = Array.from({ length: rounds * o.usersPerRound }, (_, i) => `chaos${i}`);
    const bank = await startBenchBank(
      logins.map((id) => ({ id, accounts: 2, transactionsPerAccount: o.transactionsPerAccount, historyDays: 365 })),
      { pageSize: 100 },
    );
    bankClose = bank.close;
    bank.bank.knobs.faults.setLatency(15);
    const config: AppConfig = { databaseUrl, banks: [bank.entry], dataDir: path.join(o.workDir, 'app') };
    await app.migrate(config);
    const tenant = await app.createTenant(config, 'chaos');
    const served = await app.serve(config, { worker: false });
    api = served.process;
    const client = new KinkoClient(served.url, tenant.apiKey);
    const running: RunningApp = { config, tenant, api, url: served.url, client, stop: () => served.process.stop() };
    const env = { KINKO_SYNC: JSON.stringify(SYNC_TUNING) };
    for (let i = 0; i < o.workers; i += 1) workers.push(await app.worker(config, env));

    let kills = 0;
    let killsDuringSync = 0;
    let outages = 0;
    let withdrawals = 0;
    const sessionIds: string[] = [];
    const withdrawn = new Set<string>();
    const survivors: ConnectedUser[] = [];
    const unfinished = async (ids: readonly string[]): Promise<number> =>
      Number((await query<{ n: string }>(databaseUrl, `SELECT count(*)::text AS n FROM sync_sessions WHERE id = ANY($1::uuid[]) AND finished_at IS NULL`, [ids]))[0]?.n ?? 0);

    // One kill per round, while the round's first syncs run; outages and withdrawals spread over the rounds.
    const outageEvery = o.outages > 0 ? Math.max(1, Math.floor(rounds / o.outages)) : Infinity;
    const withdrawEvery = o.withdrawals > 0 ? Math.max(1, Math.floor(rounds / o.withdrawals)) : Infinity;
    for (let round = 0; round < rounds; round += 1) {
      const batch = await connectUsers(running, logins.slice(round * o.usersPerRound, (round + 1) * o.usersPerRound), o.progress.forScope(`round ${round + 1}`), 4);
      const ids = batch.flatMap((u) => u.connected.sessionIds);
      sessionIds.push(...ids);
      await sleep(200 + random() * 1_300);
      const victim = Math.floor(random() * workers.length);
      const w = workers[victim] as AppProcess;
      if (!w.running) throw new Error(`a worker exited by itself:\n${w.output()}`);
      if ((await unfinished(ids)) > 0) killsDuringSync += 1;
      process.kill(w.pid, 'SIGKILL');
      killed += 1;
      while (w.running) await sleep(10);
      kills += 1;
      if (withdrawals < o.withdrawals && round % withdrawEvery === withdrawEvery - 1) {
        const user = batch[Math.floor(random() * batch.length)] as ConnectedUser;
        await sleep(random() * 1_000);
        await withdraw(client, user, withdrawals % 2 === 0 ? 'consent' : 'connection');
        withdrawn.add(user.connected.connectionId);
        withdrawals += 1;
      }
      if (outages < o.outages && round % outageEvery === Math.floor(outageEvery / 2)) {
        await pg.stopImmediately();
        await sleep(500 + random() * 1_500);
        if (!api.running) throw new Error(`the API process died during the outage:\n${api.output()}`);
        await pg.restart();
        outages += 1;
      }
      workers[victim] = await app.worker(config, env);
      for (const u of batch) if (!withdrawn.has(u.connected.connectionId)) survivors.push(u);
      o.progress.step(`round ${round + 1}: ${int(kills)} kills, ${outages} outages, ${withdrawals} withdrawals; ${await unfinished(ids)} of ${ids.length} sessions of the round still running`);
    }
    const unexpectedExits = workers.filter((w) => !w.running).length + (api.running ? 0 : 1);

    // Everything settles (the watchdog resumes what the kills interrupted), then one calm sync each.
    const settle = async (ids: readonly string[]): Promise<number> => {
      const deadline = Date.now() + 300_000;
      for (;;) {
        const left = await unfinished(ids);
        if (left === 0 || Date.now() > deadline) return left;
        await sleep(500);
      }
    };
    let stuck = await settle(sessionIds);
    const finalIds: string[] = [];
    for (const u of survivors) finalIds.push(...(await client.syncBank(u.user, BENCH_BANK_ID)));
    stuck += await settle(finalIds);
    stuck += Number(
      (await query<{ n: string }>(databaseUrl, `SELECT count(*)::text AS n FROM connections WHERE aggregation_status LIKE 'running.%' OR aggregation_status LIKE 'suspended.%'`))[0]?.n ?? 0,
    );
    const statuses = await query<{ status: string; n: string }>(databaseUrl, `SELECT status, count(*)::text AS n FROM sync_sessions GROUP BY status ORDER BY status`);

    // The database against the bank.
    const truth = bank.sandbox.truth;
    const today = truth.today(BENCH_BANK_CODE);
    let rowsChecked = 0;
    let lost = 0;
    let extra = 0;
    for (const u of survivors) {
      const stored = await query<{ bank_account_id: string; bank_transaction_id: string; amount: string }>(
        databaseUrl,
        `SELECT a.bank_account_id, t.bank_transaction_id, t.amount_minor::text AS amount FROM transactions t JOIN bank_accounts a ON a.id = t.account_id WHERE a.connection_id = $1`,
        [u.connected.connectionId],
      );
      const have = new Map(stored.map((r) => [`${r.bank_account_id}|${r.bank_transaction_id}`, r.amount]));
      const want = new Map<string, string>();
      for (const account of truth.accounts(BENCH_BANK_CODE, u.login)) {
        for (const t of truth.transactions(BENCH_BANK_CODE, account.accountId, { from: account.firstDate, to: today })) want.set(`${account.accountId}|${t.id}`, String(t.amount));
      }
      rowsChecked += want.size;
      for (const [key, amount] of want) if (have.get(key) !== amount) lost += 1;
      for (const key of have.keys()) if (!want.has(key)) extra += 1;
    }
    const duplicated = Number(
      (await query<{ n: string }>(databaseUrl, `SELECT (count(*) - count(DISTINCT (account_id, bank_transaction_id)))::text AS n FROM transactions`))[0]?.n ?? 0,
    );
    return {
      seed: o.seed,
      kills,
      killsDuringSync,
      outages,
      withdrawals,
      rounds,
      sessions: Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)])),
      rowsChecked,
      lost,
      extra,
      duplicated,
      stuck,
      unexpectedExits,
      durationS: (Date.now() - started) / 1000,
    };
  } finally {
    for (const w of workers) await w.stop(5_000).catch(() => undefined);
    await api?.stop(5_000).catch(() => undefined);
    await bankClose?.().catch(() => undefined);
    await pg.stop();
    o.progress.step(`chaos: ${killed} workers killed; cleaned up`);
  }
}

/** Withdraws the user's consent (`DELETE /consents/{id}`) or disconnects (`DELETE /connections/{id}`). */
async function withdraw(client: KinkoClient, user: ConnectedUser, how: 'consent' | 'connection'): Promise<void> {
  const headers = { authorization: `Bearer ${user.user.token}` };
  let target = `${client.baseUrl}/api/v2/connections/${user.connected.connectionId}`;
  if (how === 'consent') {
    const consents = (await (await fetch(`${client.baseUrl}/api/v2/consents`, { headers })).json()) as Array<{ id: string; connectionId: string }>;
    const consent = consents.find((c) => c.connectionId === user.connected.connectionId);
    if (consent) target = `${client.baseUrl}/api/v2/consents/${consent.id}`;
  }
  const res = await fetch(target, { method: 'DELETE', headers });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`DELETE ${target} answered ${res.status}`);
}
