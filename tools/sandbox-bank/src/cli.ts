/**
 * `pnpm sandbox`: starts the demo sandbox banks on loopback ports, prints their URLs and
 * demo identities, and runs until Ctrl-C.
 *
 *   node dist/cli.js [--seed S] [--today YYYY-MM-DD] [--port N] [--redirect-domain HOST]… [--no-admin]
 *
 * --port N gives the banks ports N, N+1, …; the default picks free ports at random.
 * --today pins the data's anchor date and starts the clock on that day (time then runs).
 *
 * Each kind of sandbox is one {@link Launcher}; a new sandbox adds its launcher to
 * {@link launchers}.
 */
import { parseArgs } from 'node:util';
import { startBankCommonApiSandbox } from './bank-common-api';
import { demoBanks } from './bank-common-api/demo';
import { ADMIN_PREFIX } from './bank-common-api/http';
import { isIsoDate, type IsoDate } from './calendar';
import { offsetClock, systemClock, type Clock } from './clock';
import { NETBANK_ADMIN_PREFIX, startNetbankSandbox } from './netbank';
import { DEFAULT_SCA_CODE, DEMO_POLISH_API_CLIENT_ID, POLISH_API_PATHS, demoPolishApiBank, startPolishApiSandbox } from './polish-api';

/** What every launcher gets from the command line. */
interface LaunchContext {
  readonly seed: string;
  readonly clock: Clock;
  readonly anchorDate: IsoDate | undefined;
  readonly admin: boolean;
  readonly redirectDomains: readonly string[];
  /** The port for the next server: consecutive from --port, or 0 (random). */
  nextPort(): number;
}

/** A started sandbox: what to print, and how to stop it. */
interface Launched {
  readonly description: string;
  close(): Promise<void>;
}

type Launcher = (ctx: LaunchContext) => Promise<Launched>;

const bankCommonApi: Launcher = async (ctx) => {
  const banks = demoBanks(ctx.redirectDomains).map((b) => ({ ...b, port: ctx.nextPort() }));
  const sandbox = await startBankCommonApiSandbox({ banks, seed: ctx.seed, clock: ctx.clock, admin: ctx.admin, ...(ctx.anchorDate ? { anchorDate: ctx.anchorDate } : {}) });
  const lines = ['銀行共通API v0.5.0', ''];
  for (const bank of sandbox.banks) {
    const loginPage = `${bank.url}/auth/login?${new URLSearchParams({ api_key: bank.client.apiKey, redirect_uri: 'http://localhost/callback' }).toString()}`;
    lines.push(`${bank.bankCode} ${bank.bankName}  ${bank.url}   (today ${sandbox.truth.today(bank.bankCode)})`);
    lines.push(`     client: api_key=${bank.client.apiKey} password=${bank.client.password} redirect domains: ${bank.client.redirectDomains.join(', ')}`);
    lines.push(`     login page: ${loginPage}`);
    lines.push(`     POST /auth/login: ${bank.knobs.options().passwordLogin ? 'offered' : 'not offered (404)'}`);
    for (const user of bank.users) {
      const accounts = sandbox.truth.accounts(bank.bankCode, user.id);
      const otp = user.otp === undefined ? '' : ` + one-time password ${user.otp}`;
      lines.push(`     user ${user.id} / ${user.password}${otp}: ${accounts.map((a) => `${a.item.account_type2} ${a.accountId}`).join(', ')}`);
    }
    if (ctx.admin) lines.push(`     admin: ${bank.url}${ADMIN_PREFIX}/state`);
    lines.push('');
  }
  return { description: lines.join('\n'), close: () => sandbox.close() };
};

const netbank: Launcher = async (ctx) => {
  const bank = await startNetbankSandbox({ seed: ctx.seed, clock: ctx.clock, port: ctx.nextPort(), testHooks: ctx.admin, ...(ctx.anchorDate ? { anchorDate: ctx.anchorDate } : {}) });
  const lines = [`Net bank (HTML internet banking) — ${bank.bankCode} ${bank.bankName}`, ''];
  lines.push(`     login page: ${bank.url}/login   log in directly (terms): ${bank.url}/direct/login   (today ${bank.truth.today()})`);
  lines.push('     one-time password 123456; secret-question answers in tools/sandbox-bank/README.md');
  for (const p of bank.personas) {
    const account = p.branchCode === undefined ? '' : ` (店番 ${p.branchCode} 口座 ${p.accountNumber})`;
    lines.push(`     ${p.id} / ${p.password}${account} → ${p.produces ?? '?'}`);
  }
  if (ctx.admin) lines.push(`     admin: ${bank.url}${NETBANK_ADMIN_PREFIX}/state`);
  lines.push('');
  return { description: lines.join('\n'), close: () => bank.close() };
};

const polishApi: Launcher = async (ctx) => {
  const demo = demoPolishApiBank(ctx.redirectDomains);
  const sandbox = await startPolishApiSandbox({ banks: [{ ...demo, port: ctx.nextPort() }], seed: ctx.seed, clock: ctx.clock, ...(ctx.anchorDate ? { anchorDate: ctx.anchorDate } : {}) });
  const lines = [`PolishAPI 2.1.2 (AS + AIS) — ${sandbox.bankCode} ${sandbox.bankName}  ${sandbox.url}   (today ${sandbox.truth.today()})`, ''];
  lines.push(`     authorize: POST ${sandbox.url}${POLISH_API_PATHS.authorize}   (every request signed: X-JWS-SIGNATURE, detached JWS)`);
  lines.push(`     client: ${DEMO_POLISH_API_CLIENT_ID} — ES256 key demoPolishApiTppKey() (kid ${DEMO_POLISH_API_CLIENT_ID}); redirect URIs: ${demo.clients[0]?.redirectUris.join(', ')}`);
  for (const user of sandbox.users) {
    const accounts = sandbox.truth.accounts(user.login).map((a) => `${a.kind} ${a.accountNumber}`);
    lines.push(`     PSU ${user.login} / ${user.password}, SMS code ${user.scaCode ?? DEFAULT_SCA_CODE}: ${accounts.join(', ')}`);
  }
  lines.push('');
  return { description: lines.join('\n'), close: () => sandbox.close() };
};

/** Every sandbox `pnpm sandbox` starts, in order. */
const launchers: readonly Launcher[] = [bankCommonApi, netbank, polishApi];

async function main(): Promise<void> {
  // `pnpm sandbox -- --today …` passes the `--` through; it is not an argument.
  const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
  const { values } = parseArgs({
    args,
    options: {
      seed: { type: 'string', default: 'kinko' },
      today: { type: 'string' },
      port: { type: 'string', default: '0' },
      'redirect-domain': { type: 'string', multiple: true },
      'no-admin': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('usage: sandbox [--seed S] [--today YYYY-MM-DD] [--port N] [--redirect-domain HOST]… [--no-admin]\n');
    return;
  }
  const basePort = Number(values.port);
  if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65_000) throw new Error(`--port: not a port: ${values.port}`);
  if (values.today !== undefined && !isIsoDate(values.today)) throw new Error(`--today: expected YYYY-MM-DD, got ${values.today}`);
  let port = basePort;
  const ctx: LaunchContext = {
    seed: values.seed,
    clock: values.today === undefined ? systemClock : offsetClock(`${values.today}T09:00:00+09:00`),
    anchorDate: values.today,
    admin: !values['no-admin'],
    redirectDomains: values['redirect-domain'] ?? ['localhost', '127.0.0.1'],
    nextPort: () => (basePort === 0 ? 0 : port++),
  };
  const running: Launched[] = [];
  try {
    for (const launch of launchers) running.push(await launch(ctx));
  } catch (e) {
    await Promise.all(running.map((r) => r.close()));
    throw e;
  }
  process.stdout.write(`Kinko sandbox banks — seed "${ctx.seed}"\n\n${running.map((r) => r.description).join('\n')}\nPress Ctrl-C to stop.\n`);
  const stop = (): void => {
    void Promise.all(running.map((r) => r.close())).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`sandbox: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
