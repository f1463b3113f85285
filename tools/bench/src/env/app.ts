import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';

/** The highest rate limit the app's settings accept (KINKO_RATE_LIMIT_*: 1..1,000,000 per minute). */
const RATE_LIMIT_CEILING = 1_000_000;

/** One bank of `KINKO_BANKS` (the 銀行共通API package's fields). */
export interface BankEntry {
  readonly bankId: string;
  readonly connector: 'bank-common-api';
  readonly bankCode: string;
  readonly bankName: string;
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly password: string;
  readonly limits?: Readonly<Record<string, number>>;
}

/** How to run the app: its database and banks. */
export interface AppConfig {
  readonly databaseUrl: string;
  readonly banks: readonly BankEntry[];
  /** Working directory of the app (its data directory goes there). */
  readonly dataDir: string;
}

let clockTicks: number | undefined;
/** Clock ticks per second of /proc/<pid>/stat times. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU seconds (user + system) a live process has used so far, from /proc/<pid>/stat; undefined when unreadable. */
export function processCpuSeconds(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / ticksPerSecond() : undefined;
}

/**
 * CPU seconds a live process has spent in the kernel on its own behalf (system time: its
 * syscalls, e.g. socket writes, and what the kernel does inside them — on loopback, the
 * receiving side's TCP work too); undefined when unreadable.
 */
export function processKernelCpuSeconds(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? Number(fields[12]) / ticksPerSecond() : undefined;
}

/** The fields of /proc/<pid>/stat after the command (which may contain spaces); undefined when unreadable. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds a process tree has used so far: the parent (user + system), its children that
 * have exited and were reaped (cutime + cstime: a server's finished connections), and every
 * live direct child. For PostgreSQL, `pid` is the postmaster and the children are the
 * backends and background processes. Undefined when the parent is unreadable.
 */
export function processTreeCpuSeconds(pid: number): number | undefined {
  const parent = statFields(pid);
  if (!parent) return undefined;
  let ticks = Number(parent[11]) + Number(parent[12]) + Number(parent[13]) + Number(parent[14]);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = statFields(Number(entry));
    // Field 4 of /proc/<pid>/stat (index 1 after the command) is the parent's pid.
    if (child && Number(child[1]) === pid) ticks += Number(child[11]) + Number(child[12]);
  }
  return ticks / ticksPerSecond();
}

/** A field of /proc/<pid>/status in bytes (VmHWM: peak resident set; VmRSS: current). */
export function processMemoryBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Whole-machine CPU counters from /proc/stat (busy and total jiffies), to tell how saturated the cores were. */
export function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** A running app process (`serve` or `worker`). */
export class AppProcess {
  private readonly tail: string[] = [];
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  constructor(
    private readonly child: ChildProcess,
    readonly role: string,
    /** `http://127.0.0.1:<port>` of its `/metrics` without a token (the worker's KINKO_WORKER_HTTP_PORT, the API's KINKO_METRICS_PORT), when it serves one. */
    readonly metricsUrl?: string,
  ) {
    const keep = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        this.tail.push(line);
        if (this.tail.length > 60) this.tail.shift();
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      }),
    );
  }

  /** The process id (the node process itself). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Whether it is still running. */
  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The last lines it printed (for error messages). */
  output(): string {
    return this.tail.join('\n');
  }

  /** Resolves with the first stdout match of `pattern`; rejects if the process exits first or `timeoutMs` passes. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      let buffer = '';
      const onData = (chunk: Buffer): void => {
        buffer += chunk.toString('utf8');
        const m = pattern.exec(buffer);
        if (m) {
          cleanup();
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.role} did not print ${pattern} within ${timeoutMs} ms:\n${this.output()}`));
      }, timeoutMs);
      const onExit = (code: number | null): void => {
        cleanup();
        reject(new Error(`${this.role} exited (code ${code}) before printing ${pattern}:\n${this.output()}`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.stdout?.off('data', onData);
        this.child.off('exit', onExit);
      };
      this.child.stdout?.on('data', onData);
      this.child.once('exit', onExit);
    });
  }

  /** CPU seconds used so far. */
  cpuSeconds(): number | undefined {
    return processCpuSeconds(this.pid);
  }

  /** Of {@link cpuSeconds}, the seconds spent in the kernel (system time). */
  kernelCpuSeconds(): number | undefined {
    return processKernelCpuSeconds(this.pid);
  }

  /** Peak resident set size so far (VmHWM). */
  peakRssBytes(): number | undefined {
    return processMemoryBytes(this.pid, 'VmHWM');
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

// Where this process was started: relative preload paths in its Node flags are relative to it.
const launchCwd = process.cwd();

/** This process's Node flags with relative `-r`/`--require` paths made absolute (children run elsewhere). */
export function childExecArgv(argv: readonly string[] = process.execArgv, cwd: string = launchCwd): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i] as string;
    if ((a === '-r' || a === '--require') && argv[i + 1] !== undefined) {
      const p = argv[++i] as string;
      out.push(a, p.startsWith('.') ? path.resolve(cwd, p) : p);
    } else if (a.startsWith('--require=') && a.slice(10).startsWith('.')) {
      out.push(`--require=${path.resolve(cwd, a.slice(10))}`);
    } else {
      out.push(a);
    }
  }
  return out;
}

function packageRoot(entry: string): string {
  let dir = path.dirname(entry);
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${entry}`);
    dir = parent;
  }
  return dir;
}

function newestFile(dir: string, ext: string): { file: string; mtimeMs: number } | undefined {
  let newest: { file: string; mtimeMs: number } | undefined;
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(ext)) {
        const m = fs.statSync(p).mtimeMs;
        if (!newest || m > newest.mtimeMs) newest = { file: p, mtimeMs: m };
      }
    }
  };
  walk(dir);
  return newest;
}

/**
 * The Node flags of the app's `worker` script (`node [flags] dist/main.js worker` in its
 * package.json), e.g. its heap budget: the bench starts workers exactly as that script does.
 */
export function workerNodeFlags(script: string | undefined): string[] {
  if (script === undefined) throw new Error("the app's package.json has no `worker` script");
  const m = /^node((?:\s+--\S+)*)\s+dist\/main\.js\s+worker$/.exec(script.trim());
  if (!m) throw new Error(`the app's worker script is not \`node [--flags] dist/main.js worker\`: ${script}`);
  return (m[1] ?? '').trim().split(/\s+/).filter((f) => f !== '');
}

/**
 * Extra Node flags for the process that runs the sync worker (`worker`, or `serve` with its
 * worker), opt-in for profiling: KINKO_BENCH_WORKER_NODE_FLAGS, space-separated, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`. Unset in normal runs: the figures are the app's as deployed.
 */
export function benchWorkerNodeFlags(value: string | undefined = process.env['KINKO_BENCH_WORKER_NODE_FLAGS']): string[] {
  return (value ?? '').trim().split(/\s+/).filter((f) => f !== '');
}

/**
 * The application under test: the BUILT app (`apps/api/dist`, what `pnpm start` runs),
 * run as child processes — the bench never imports app code (nothing imports apps/*).
 * Child processes get the bench's own Node flags, so a bench run from sources
 * (`--conditions=@kinko/source` + a TypeScript hook, as the jest test does) loads the
 * workspace packages from sources in the app too.
 */
export class AppUnderTest {
  /** A master key for this bench run only (32 random bytes). */
  private readonly masterKey = randomBytes(32).toString('base64');

  private constructor(
    /** The app's package directory. */
    readonly root: string,
  ) {}

  /** Finds the app package; throws when its dist is missing. */
  static locate(): AppUnderTest {
    const app = new AppUnderTest(packageRoot(require.resolve('@kinko/api')));
    if (!fs.existsSync(app.main)) throw new Error(`the app is not built (${app.main} is missing): run \`pnpm bench\` from the repository root (it builds first)`);
    return app;
  }

  /** The app's entry point. */
  get main(): string {
    return path.join(this.root, 'dist', 'main.js');
  }

  /**
   * The bench hook that writes pages through the engine's write path: development support of
   * the app (apps/api/test/support/bench-ingest-driver.ts), not in its production build; run
   * from its source ({@link script}).
   */
  get ingestDriver(): string {
    return path.join(this.root, 'test', 'support', 'bench-ingest-driver.ts');
  }

  /**
   * The bench hook that seeds connections and times the scheduler's own planning rounds
   * (apps/api/test/support/bench-scheduler-driver.ts): development support, run from its source.
   */
  get schedulerDriver(): string {
    return path.join(this.root, 'test', 'support', 'bench-scheduler-driver.ts');
  }

  /**
   * How many sessions one worker runs at once as deployed (the built app's default sync
   * setting `concurrency`, read from its dist: a value, not code); undefined when unreadable.
   */
  defaultSessionConcurrency(): number | undefined {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const options = require(path.join(this.root, 'dist', 'sync', 'sync-options.js')) as { DEFAULT_SYNC_SETTINGS?: { concurrency?: unknown } };
      const c = options.DEFAULT_SYNC_SETTINGS?.concurrency;
      return typeof c === 'number' ? c : undefined;
    } catch {
      return undefined;
    }
  }

  /** When dist/main.js was built. */
  builtAt(): Date {
    return fs.statSync(this.main).mtime;
  }

  /** Source files changed after the build (a stale dist would measure old code). */
  staleSources(): string[] {
    const built = fs.statSync(this.main).mtimeMs;
    const newest = newestFile(path.join(this.root, 'src'), '.ts');
    return newest && newest.mtimeMs > built + 1000 ? [path.relative(this.root, newest.file)] : [];
  }

  /** The environment of an app process. */
  env(config: AppConfig, extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KINKO_') && k !== 'DATABASE_URL' && k !== 'PORT' && k !== 'HOST'));
    return {
      ...inherited,
      NODE_ENV: 'production',
      KINKO_MODE: 'production',
      DATABASE_URL: config.databaseUrl,
      KINKO_MASTER_KEY: this.masterKey,
      KINKO_DATA_DIR: config.dataDir,
      KINKO_DEMO: 'false',
      KINKO_SANDBOX: 'false',
      KINKO_LOG_LEVEL: 'warn',
      KINKO_USER_TOKEN_TTL_SECONDS: '86400',
      // The load scenarios measure what one process serves: rate limits at their ceiling (the
      // limiter still runs on every request, so its cost is in the figures).
      KINKO_RATE_LIMIT_TENANT: String(RATE_LIMIT_CEILING),
      KINKO_RATE_LIMIT_USER: String(RATE_LIMIT_CEILING),
      KINKO_RATE_LIMIT_AUTH_FAILURES: String(RATE_LIMIT_CEILING),
      KINKO_BANKS: JSON.stringify(config.banks),
      HOST: '127.0.0.1',
      PORT: '0',
      ...extra,
    };
  }

  private spawn(script: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string, nodeFlags: readonly string[] = []): ChildProcess {
    fs.mkdirSync(cwd, { recursive: true });
    return spawn(process.execPath, [...childExecArgv(), ...nodeFlags, script, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Runs a CLI command of the app to completion; its stdout, or an error with its output. */
  async command(config: AppConfig, args: readonly string[]): Promise<string> {
    return runToEnd(this.spawn(this.main, args, this.env(config), config.dataDir), `kinko ${args.join(' ')}`);
  }

  /** Applies the app's migrations to the database. */
  async migrate(config: AppConfig): Promise<void> {
    await this.command(config, ['migrate']);
  }

  /** Creates a tenant and its first API key with the app's CLI. */
  async createTenant(config: AppConfig, name: string): Promise<{ tenantId: string; apiKey: string }> {
    const out = await this.command(config, ['create-tenant', '--name', name]);
    const tenantId = /^tenant\s+(\S+)/m.exec(out)?.[1];
    const apiKey = /^API key\s+(\S+)/m.exec(out)?.[1];
    if (!tenantId || !apiKey) throw new Error(`create-tenant printed no tenant id / API key:\n${out.replace(/API key\s+\S+/g, 'API key <hidden>')}`);
    return { tenantId, apiKey };
  }

  /** Starts `serve` (the HTTP API; with the sync worker unless `worker: false`) and waits for its URL. */
  async serve(config: AppConfig, options: { readonly worker: boolean; readonly env?: Readonly<Record<string, string>> }): Promise<{ process: AppProcess; url: string }> {
    // Production takes the bank redirect URI from KINKO_PUBLIC_URL only: a port chosen here, so the URL is known before the start.
    const port = options.env?.['PORT'] ?? String(await freePort());
    const publicUrl = { PORT: port, KINKO_PUBLIC_URL: `http://127.0.0.1:${port}` };
    // Its metrics on a port of their own (no token), for the waits the sync scenarios report.
    const metricsPort = options.env?.['KINKO_METRICS_PORT'] ?? String(await freePort());
    const env = this.env(config, { KINKO_WORKER: options.worker ? 'true' : 'false', ...publicUrl, KINKO_METRICS_PORT: metricsPort, ...options.env });
    const child = this.spawn(this.main, ['serve'], env, config.dataDir, options.worker ? benchWorkerNodeFlags() : []);
    const proc = new AppProcess(child, 'kinko serve', `http://127.0.0.1:${metricsPort}`);
    try {
      const m = await proc.waitFor(/^\s*API\s+(http:\/\/\S+)/m, 120_000);
      return { process: proc, url: m[1] as string };
    } catch (e) {
      await proc.stop();
      throw e;
    }
  }

  /** The Node flags the app's `worker` script gives the worker ({@link workerNodeFlags}). */
  get workerFlags(): string[] {
    const manifest = JSON.parse(fs.readFileSync(path.join(this.root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    return [...workerNodeFlags(manifest.scripts?.['worker']), ...benchWorkerNodeFlags()];
  }

  /** Starts `worker` (sync worker only, no HTTP) as the app's `worker` script does, and waits until it takes jobs. */
  async worker(config: AppConfig, env: Readonly<Record<string, string>> = {}): Promise<AppProcess> {
    // Its health and metrics listener, as a deployment runs it (the waits the sync scenarios report).
    const port = env['KINKO_WORKER_HTTP_PORT'] ?? String(await freePort());
    const child = this.spawn(this.main, ['worker'], this.env(config, { KINKO_WORKER_HTTP_PORT: port, ...env }), config.dataDir, this.workerFlags);
    const proc = new AppProcess(child, 'kinko worker', `http://127.0.0.1:${port}`);
    try {
      await proc.waitFor(/worker is running/i, 120_000);
      return proc;
    } catch (e) {
      await proc.stop();
      throw e;
    }
  }

  /**
   * Runs a bench hook of the app to completion; its stdout. A TypeScript hook runs from its
   * source as the app's tests run it: workspace libraries from their sources (the
   * `@kinko/source` condition), compiled on load by swc (the app's workspace-sources hook).
   */
  async script(file: string, args: readonly string[], cwd: string): Promise<string> {
    const fromSource = file.endsWith('.ts') ? ['--conditions=@kinko/source', '-r', path.join(this.root, 'test', 'support', 'workspace-sources-hook.js')] : [];
    return runToEnd(this.spawn(file, args, { ...process.env }, cwd, fromSource), path.basename(file));
  }
}

function runToEnd(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${what} exited with code ${code}:\n${(err || out).slice(-3000)}`));
    });
  });
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
