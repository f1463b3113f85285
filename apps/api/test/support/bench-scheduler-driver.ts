/**
 * Benchmark hook (used by tools/bench, scenario "scheduler-plan", and its own test):
 * development support, not part of the app's production source or build.
 *
 * The bench may not import apps/*, so it runs this file as a child process from its source
 * (`node --conditions=@kinko/source -r test/support/workspace-sources-hook.js
 * test/support/bench-scheduler-driver.ts '<json SchedulerPlanJob>'`), as it runs the ingest
 * driver. `seed` inserts connections directly into each database given (generate_series: one user, one connection of
 * the bank and its grant secret row each — whose trigger adds its schedule row —, due for a background refresh) until the database
 * holds `connections`; `plan` boots the app (its Nest module, no HTTP listener, no worker) and
 * times `passes` of the scheduler's own planning round (`SyncScheduler.planRound`: up to
 * `schedulerRoundLimit` due connections in batches, each batch one transaction — its candidates,
 * their unattended budgets, their sessions and queue jobs, each read or written at once). Prints one line `BENCH-RESULT {…}` on stdout.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { createApp } from '../../src/app';
import { loadSettings } from '../../src/config/settings';

import { SyncScheduler } from '../../src/sync/sync-scheduler';

/** A KINKO_BANKS entry as an operator writes it (bankId, connector and the package's own fields). */
export type BankSettingEntry = Readonly<{ bankId: string; connector: string } & Record<string, unknown>>;

/** Grow the database to `connections` connections of `bank`, all due for a background refresh. */
export interface SchedulerSeedJob {
  readonly databaseUrl: string;
  readonly connections: number;
  readonly bank: BankSettingEntry;
}

/** Seed several databases in one process (the app's sources are compiled once). */
export interface SchedulerSeedCommand {
  readonly command: 'seed';
  readonly databases: ReadonlyArray<{ readonly databaseUrl: string; readonly connections: number }>;
  readonly bank: BankSettingEntry;
}

/** Time `passes` planning rounds of the app's scheduler. */
export interface SchedulerPlanJob {
  readonly command: 'plan';
  readonly databaseUrl: string;
  readonly passes: number;
  readonly bank: BankSettingEntry;
  /** Grow the database to this many connections first ({@link seedConnections}, untimed; a process less to start). */
  readonly connections?: number;
  /** The app's `schedulerRoundLimit` (the most connections a round takes); the app's default when absent. */
  readonly roundLimit?: number;
}

/** What `seed` did. */
export interface SchedulerSeedResult {
  readonly connections: number;
  readonly inserted: number;
  readonly elapsedMs: number;
}

/** One planning round: its wall time and decisions. */
export interface PlanPass {
  readonly ms: number;
  readonly started: number;
  readonly deferred: number;
  readonly skipped: number;
}

/** What `plan` measured. */
export interface SchedulerPlanResult {
  /** What the seeding before the rounds did, when asked. */
  readonly seeded?: SchedulerSeedResult;
  readonly passes: readonly PlanPass[];
  /** Resident set once the app was booted, before the first round. */
  readonly rssAfterBootBytes: number;
  /** Peak resident set of this process (boot and rounds). */
  readonly peakRssBytes: number;
}

/** Rows per INSERT … SELECT generate_series. */
const SEED_BATCH = 100_000;

/** Inserts users, connections and grant secrets until the database holds `job.connections` connections. */
export async function seedConnections(job: SchedulerSeedJob): Promise<SchedulerSeedResult> {
  const db = new Client({ connectionString: job.databaseUrl, application_name: 'kinko-bench-scheduler' });
  await db.connect();
  const started = process.hrtime.bigint();
  try {
    let tenant = (await db.query<{ id: string }>(`SELECT id FROM tenants WHERE name = 'bench scheduler'`)).rows[0]?.id;
    tenant ??= (await db.query<{ id: string }>(`INSERT INTO tenants (id, name) VALUES (gen_random_uuid(), 'bench scheduler') RETURNING id`)).rows[0]?.id;
    if (!tenant) throw new Error('no tenant');
    const existing = Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM connections')).rows[0]?.n ?? 0);
    for (let from = existing + 1; from <= job.connections; from += SEED_BATCH) {
      const to = Math.min(job.connections, from + SEED_BATCH - 1);
      await db.query('BEGIN');
      // Status changed i seconds ago: the planner takes the oldest first, through its index. A configured
      // bank is a connector of its own bank id (BankDirectory.connectorSetups): connections carry it as both.
      await db.query(
        `WITH u AS (INSERT INTO users (id, tenant_id, external_id) SELECT gen_random_uuid(), $1, 'plan-' || i FROM generate_series($2::int, $3::int) AS i RETURNING id, tenant_id, external_id)
         INSERT INTO connections (id, tenant_id, user_id, connector_id, bank_id, aggregation_status, aggregation_status_changed_at)
         SELECT gen_random_uuid(), u.tenant_id, u.id, $4, $5, 'success', now() - make_interval(secs => substr(u.external_id, 6)::int) FROM u`,
        [tenant, from, to, job.bank.bankId, job.bank.bankId],
      );
      await db.query(
        `INSERT INTO connection_secrets (id, tenant_id, user_id, connection_id, kind, master_key_id, wrapped_data_key, nonce, ciphertext, auth_tag, wrapped_at)
         SELECT gen_random_uuid(), c.tenant_id, c.user_id, c.id, 'grant', 'k', '\\x00', '\\x00', '\\x00', '\\x00', now() FROM connections c
          WHERE c.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM connection_secrets s WHERE s.connection_id = c.id)`,
        [tenant],
      );
      await db.query('COMMIT');
    }
    // What autovacuum does after a bulk insert, done now (untimed) rather than whenever it wakes: the
    // statistics and the visibility map (of the connections' schedule rows too, which the grants'
    // trigger added), and no vacuum of a million rows running during the timed rounds of the
    // large database only. Then a checkpoint: the seeding's WAL is not flushed out during those rounds
    // either, and both sizes start their rounds with no page written since the last checkpoint.
    await db.query('VACUUM ANALYZE users, connections, connection_secrets, connection_schedules');
    if (job.connections > existing) await db.query('CHECKPOINT');
    const connections = Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM connections')).rows[0]?.n ?? 0);
    return { connections, inserted: connections - existing, elapsedMs: Number(process.hrtime.bigint() - started) / 1e6 };
  } finally {
    await db.end();
  }
}

/** The app booted on a database of seeded connections (its Nest module, no listener, no worker): {@link timePlanning}, and tests running its scheduler. */
export async function bootSchedulerApp(job: Pick<SchedulerPlanJob, 'databaseUrl' | 'bank' | 'roundLimit'>): Promise<{ readonly app: INestApplicationContext; close(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinko-bench-scheduler-'));
  const settings = loadSettings({
    KINKO_MODE: 'production',
    KINKO_MASTER_KEY: randomBytes(32).toString('base64'),
    KINKO_DATA_DIR: dataDir,
    KINKO_DEMO: 'false',
    KINKO_SANDBOX: 'false',
    KINKO_LOG_LEVEL: 'warn',
    KINKO_BANKS: JSON.stringify([job.bank]),
    ...(job.roundLimit !== undefined ? { KINKO_SYNC: JSON.stringify({ schedulerRoundLimit: job.roundLimit }) } : {}),
  });
  try {
    const app = await createApp({ settings: { settings }, databaseUrl: job.databaseUrl, logger: ['error'] });
    return {
      app,
      close: async () => {
        await app.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

/** Boots the app on the database (no listener, no worker) and times `passes` planning rounds of its scheduler. */
export async function timePlanning(job: SchedulerPlanJob): Promise<SchedulerPlanResult> {
  const seeded = job.connections !== undefined ? await seedConnections({ databaseUrl: job.databaseUrl, connections: job.connections, bank: job.bank }) : undefined;
  const booted = await bootSchedulerApp(job);
  try {
    const scheduler = booted.app.get(SyncScheduler);
    const rssAfterBootBytes = process.memoryUsage().rss;
    const passes: PlanPass[] = [];
    for (let i = 0; i < job.passes; i += 1) {
      const t0 = process.hrtime.bigint();
      const plan = await scheduler.planRound();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      passes.push({ ms, started: plan.filter((d) => d.decision === 'started').length, deferred: plan.filter((d) => d.decision === 'deferred').length, skipped: plan.filter((d) => d.decision === 'skipped').length });
    }
    return { ...(seeded ? { seeded } : {}), passes, rssAfterBootBytes, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
  } finally {
    await booted.close();
  }
}

if (require.main === module) {
  const job = JSON.parse(process.argv[2] ?? '{}') as SchedulerSeedCommand | SchedulerPlanJob;
  const seedAll = async (c: SchedulerSeedCommand): Promise<SchedulerSeedResult[]> => {
    const out: SchedulerSeedResult[] = [];
    for (const d of c.databases) out.push(await seedConnections({ ...d, bank: c.bank }));
    return out;
  };
  const work: Promise<unknown> = job.command === 'seed' ? seedAll(job) : timePlanning(job);
  work.then(
    (result) => {
      process.stdout.write(`BENCH-RESULT ${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`scheduler driver: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
