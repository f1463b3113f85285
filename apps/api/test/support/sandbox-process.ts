import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import type { SandboxUserConfig } from '@kinko/sandbox-bank';

const PACKAGE = path.resolve(__dirname, '../..');
const HOOK = path.join(PACKAGE, 'test/support/workspace-sources-hook.js');

/** The 銀行共通API sandbox bank's client (what KINKO_BANKS gives the connector). */
const CLIENT = { apiKey: 'kinko-topology-key', password: 'kinko-topology-secret', redirectDomains: ['127.0.0.1'] };

/** A sandbox bank running as its own process (what `pnpm sandbox` is for staging). */
export interface SandboxProcess {
  readonly child: ChildProcess;
  /** The bank's base URL on loopback. */
  readonly url: string;
  /** The KINKO_BANKS value that lets any API or worker process reach it. */
  readonly kinkoBanks: string;
  readonly bankId: string;
  /** Transactions the bank holds per user (every account, from its first day to today). */
  readonly transactionsByUser: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

/**
 * Starts one 銀行共通API sandbox bank with `users` in a child process (from sources, through
 * the workspace hook), on a random loopback port; resolves once it printed its URL and truth.
 * `latencyMs` slows every answer (so a sync is under way long enough to be interrupted).
 */
export function startSandboxProcess(users: readonly SandboxUserConfig[], options: { bankId?: string; bankCode?: string; seed?: number; latencyMs?: number } = {}): Promise<SandboxProcess> {
  const bankCode = options.bankCode ?? '0010';
  const bankId = options.bankId ?? 'topology-bank';
  const script = `
    const { startBankCommonApiSandbox } = require('@kinko/sandbox-bank');
    const users = ${JSON.stringify(users)};
    startBankCommonApiSandbox({ banks: [{ bankCode: '${bankCode}', bankName: 'トポロジー銀行', client: ${JSON.stringify(CLIENT)}, users }], seed: ${options.seed ?? 7}, requestLogLimit: 1000 })
      .then((sandbox) => {
        ${options.latencyMs ? `sandbox.bank('${bankCode}').knobs.faults.setLatency(${options.latencyMs});` : ''}
        const today = sandbox.truth.today('${bankCode}');
        const truth = {};
        for (const u of users) {
          truth[u.id] = sandbox.truth.accounts('${bankCode}', u.id).reduce((n, a) => n + sandbox.truth.summary('${bankCode}', a.accountId, { from: a.firstDate, to: today }).count, 0);
        }
        process.stdout.write(JSON.stringify({ url: sandbox.url('${bankCode}'), truth }) + '\\n');
        const stop = () => sandbox.close().then(() => process.exit(0));
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      })
      .catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
  const child = spawn(process.execPath, ['--conditions=@kinko/source', '-r', HOOK, '-e', script], { cwd: PACKAGE, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the sandbox process did not start:\n${err}`)), 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox process exited (${code}):\n${err}`));
    });
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      const started = JSON.parse(line) as { url: string; truth: Record<string, number> };
      resolve({
        child,
        url: started.url,
        bankId,
        kinkoBanks: JSON.stringify([{ bankId, connector: 'bank-common-api', bankCode, bankName: 'トポロジー銀行', baseUrl: started.url, apiKey: CLIENT.apiKey, password: CLIENT.password }]),
        transactionsByUser: started.truth,
        close: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}
