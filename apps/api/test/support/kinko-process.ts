import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

const PACKAGE = path.resolve(__dirname, '../..');
const HOOK = path.join(PACKAGE, 'test/support/workspace-sources-hook.js');
/** The main job from its sources (compiled on the fly by the hook): no build needed. */
const MAIN = path.join(PACKAGE, 'src/main.ts');

/** A `node main.js <command>` process of a test. */
export interface KinkoProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  /** Resolves once stdout holds `text`; rejects when the process exits first or after `timeoutMs`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** The JSON log lines it wrote to stdout so far. */
  logLines(): Array<Record<string, unknown>>;
}

/**
 * Spawns the main job (`serve`, `worker`, `create-tenant`…) with `env` on top of this
 * process's environment without any KINKO_*, DATABASE_URL, NODE_ENV, PORT or INIT_CWD.
 */
export function spawnKinko(args: readonly string[], env: Readonly<Record<string, string>>, cwd: string = PACKAGE): KinkoProcess {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KINKO_') && !['DATABASE_URL', 'NODE_ENV', 'PORT', 'INIT_CWD'].includes(k)) clean[k] = v;
  const child = spawn(process.execPath, ['--conditions=@kinko/source', '-r', HOOK, MAIN, ...args], { cwd, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(text: string, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (!out.includes(text)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${args[0] ?? 'serve'} exited (${child.exitCode ?? child.signalCode}) before "${text}":\n${out}\n${err}`);
        if (Date.now() > deadline) throw new Error(`no "${text}" within ${timeoutMs} ms:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    logLines: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
