import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort } from '../../src/database/embedded-postgres';
import { testTempDir } from '../support/test-env';

const PACKAGE = path.resolve(__dirname, '../..');
const HOOK = path.join(PACKAGE, 'test/support/workspace-sources-hook.js');

/**
 * A PostgreSQL cluster of its own for a fault test, so stopping it disturbs no other test
 * file: started by a short-lived Node process (embedded-postgres is an ES module jest cannot
 * load; the server runs detached and outlives that process), stopped by signalling its
 * postmaster — SIGQUIT is `pg_ctl stop -m immediate`, SIGINT a fast shutdown.
 */
export interface DedicatedCluster {
  /** URL of its application database. */
  readonly url: string;
  /** Stops it at once (immediate shutdown: every connection dies, crash recovery at the next start). */
  stopImmediately(): Promise<void>;
  /** Starts it again on the same port and directory. */
  restart(): Promise<void>;
  /** Stops it (fast shutdown) and removes its files. */
  destroy(): Promise<void>;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function signalAndWait(pid: number, signal: NodeJS.Signals): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + 30_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (alive(pid)) throw new Error(`postmaster ${pid} did not stop after ${signal}`);
}

function startServer(dataDir: string, port: number): Promise<{ url: string; pid: number }> {
  const script = `
    const { EmbeddedDatabase } = require(${JSON.stringify(path.join(PACKAGE, 'src/database/embedded-postgres.ts'))});
    EmbeddedDatabase.start({ dataDir: ${JSON.stringify(dataDir)}, port: ${port}, database: 'kinko_fault' })
      .then((db) => { process.stdout.write(JSON.stringify({ url: db.url }) + '\\n'); process.exit(0); })
      .catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--conditions=@kinko/source', '-r', HOOK, '-e', script], { cwd: PACKAGE, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`the dedicated cluster did not start: ${error.message}\n${stderr}`));
      const line = stdout.trim().split('\n').pop() ?? '';
      const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      resolve({ url: (JSON.parse(line) as { url: string }).url, pid });
    });
  });
}

/** Starts a dedicated cluster on a free loopback port, in a temporary directory of the test run. */
export async function startDedicatedCluster(): Promise<DedicatedCluster> {
  const dataDir = path.join(testTempDir('pg-fault'), 'pg');
  const port = await freePort();
  let server = await startServer(dataDir, port);
  return {
    url: server.url,
    stopImmediately: () => signalAndWait(server.pid, 'SIGQUIT'),
    async restart() {
      server = await startServer(dataDir, port);
    },
    async destroy() {
      await signalAndWait(server.pid, 'SIGINT');
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(`${dataDir}.credentials.json`, { force: true });
    },
  };
}
