import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENV } from './test-env';

// The app compiled once per test run for the tests that start `node main.js worker` as real
// processes (test/sync/worker-crash, test/webhooks/worker-kill): the first file of the run to
// ask builds it, the others reuse it — each used to compile the whole app for itself.

const PACKAGE = path.resolve(__dirname, '../..');

/** The run's name: its temporary directory's (each jest run has its own, see global-setup.ts). */
function runName(): string {
  const tmp = process.env[ENV.tmp];
  if (tmp === undefined) throw new Error(`${ENV.tmp} is not set: run the app's tests through jest (test/support/global-setup.ts)`);
  return path.basename(path.dirname(tmp));
}

/**
 * The folder holding the compiled app (`main.js` in it), built on first use in this run: tsc
 * emit only (types are checked by `tsc --noEmit`), other packages from their sources
 * (test/support/workspace-sources-hook.js). It lies under the ignored dist/ so the app's
 * modules resolve as in a build, with the run's name, so neither a build of dist/ nor another
 * run is disturbed; globalTeardown removes it.
 */
export async function builtApp(): Promise<string> {
  const out = builtAppDir();
  const complete = path.join(out, '.complete');
  const lock = `${out}.lock`;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  for (;;) {
    if (fs.existsSync(complete)) return out;
    try {
      fs.mkdirSync(lock, { recursive: false });
    } catch {
      // Another worker of the run is building it.
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    try {
      if (!fs.existsSync(complete)) {
        execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(PACKAGE, 'tsconfig.build.json'), '--noCheck', '--outDir', out], { cwd: PACKAGE, stdio: 'pipe' });
        fs.writeFileSync(complete, '');
      }
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** Where this run's compiled app goes (see {@link builtApp}). */
export function builtAppDir(run: string = runName()): string {
  return path.join(PACKAGE, 'dist', `.test-app-${run}`);
}
