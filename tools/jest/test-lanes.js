// The workspace's test command (`pnpm test`): every package's tests, in two lanes at once.
// The app's suite (@kinko/api) is by far the longest (about 25 minutes on one jest worker);
// it runs in one lane while every other package runs in the other, one after another. What
// the tests need built is built first, once (turbo's cache), so the lanes only run tests
// (`--only`) and never write the same `dist` at once. Each package starts its own embedded
// PostgreSQL in a temp directory on a free port, so the lanes do not meet. Exits non-zero when
// either lane failed; both always run to their end (`--continue`).
const { spawn } = require('node:child_process');

/** Runs turbo with `args`; resolves with its exit code (1 for a signal). */
const turbo = (args) =>
  new Promise((resolve) => {
    const child = spawn('turbo', args, { stdio: 'inherit' });
    child.on('error', (e) => {
      console.error(`could not start turbo: ${e.message}`);
      resolve(1);
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });

async function main() {
  const APP = '@kinko/api';
  const built = await turbo(['run', 'build']);
  if (built !== 0) return built;
  const [app, rest] = await Promise.all([
    turbo(['run', 'test', '--only', `--filter=${APP}`]),
    turbo(['run', 'test', '--only', `--filter=!${APP}`, '--concurrency=1', '--continue']),
  ]);
  return app !== 0 ? app : rest;
}

main().then((code) => process.exit(code));
