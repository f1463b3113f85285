import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { approveAtPolishBankPages, loginAtBankPage } from '@kinko/sandbox-bank';
import { LinkBrowser, type VaultRow, vaultRows } from './link/harness';
import { testTempDir } from './support/test-env';

// The main job as a real process: `node dist/main.js` in a fresh working directory, with
// the embedded PostgreSQL. Workspace libraries load from their sources (see
// support/workspace-sources-hook.js), so this needs no build of the other packages.
const PACKAGE = path.resolve(__dirname, '..');
const MAIN = path.join(PACKAGE, 'dist/main.js');
const HOOK = path.join(__dirname, 'support/workspace-sources-hook.js');
// What the root `pnpm start` runs: the development launcher, the main job with the sandbox banks
// plugged in (the app itself does not depend on the sandbox). From its sources, like the libraries.
const LAUNCHER = path.resolve(PACKAGE, '../../tools/dev-server/src/main.ts');

interface Running {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KINKO_') && !['DATABASE_URL', 'NODE_ENV', 'PORT', 'INIT_CWD'].includes(k)) env[k] = v;
  return { ...env, ...extra };
}

function start(cwd: string, env: Record<string, string>, args: string[] = [], entry: string = MAIN): Running {
  const child = spawn(process.execPath, ['--conditions=@kinko/source', '-r', HOOK, entry, ...args], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitFor(running: Running, text: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!running.stdout().includes(text)) {
    if (running.child.exitCode !== null) throw new Error(`exited (${running.child.exitCode}) before "${text}":\n${running.stdout()}\n${running.stderr()}`);
    if (Date.now() > deadline) throw new Error(`no "${text}" within ${timeoutMs} ms:\n${running.stdout()}\n${running.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const field = (out: string, label: string): string => {
  const match = new RegExp(`${label}\\s+(\\S+)`).exec(out);
  if (!match?.[1]) throw new Error(`no "${label}" in:\n${out}`);
  return match[1];
};

/** Registers a webhook endpoint on this machine (a loopback receiver) for the demo tenant: the answer's status. */
const registerLoopbackWebhook = async (url: string, apiKey: string): Promise<number> =>
  (
    await fetch(`${url}/api/v2/tenant/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/kinko-hooks', eventTypes: ['sync.finished'] }),
    })
  ).status;

describe('node dist/main.js', () => {
  const cwd = testTempDir('main');
  const started: Running[] = [];
  const env = { PORT: '0', KINKO_MODE: 'development', KINKO_SANDBOX: 'false', KINKO_LOG_LEVEL: 'warn' };

  beforeAll(() => {
    // Emit only (types are checked by `tsc --noEmit`); other packages need no dist.
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(PACKAGE, 'tsconfig.build.json'), '--noCheck'], { cwd: PACKAGE, stdio: 'pipe' });
  }, 120_000);
  afterAll(async () => {
    for (const r of started) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('starts PostgreSQL and the API, serves, and stops cleanly on SIGINT; a second start reuses the data', async () => {
    const first = start(cwd, env);
    started.push(first);
    await waitFor(first, 'Press Ctrl-C to stop.');
    const out = first.stdout();
    const url = field(out, 'API');
    const tenantId = field(out, 'Demo tenant');
    const apiKey = field(out, 'Demo API key');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out).toContain(`${url}/api/docs`);
    // No sandbox in this run: the banner says how to start a connect flow instead of a URL.
    expect(out).toMatch(/Connect\s+curl -X POST -H "Authorization: Bearer <user token>" http:\/\/127\.0\.0\.1:\d+\/api\/v2\/connect\/<bankId>/);
    expect(out).toMatch(/User token\s+ey/);
    expect(out).toContain('(created now)');

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'up' });
    const me = await fetch(`${url}/api/v2/tenant`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(await me.json()).toMatchObject({ id: tenantId, name: 'Kinko demo' });
    // The app alone refuses webhook endpoints on loopback and private networks (KINKO_WEBHOOKS allows them), and its banner says nothing of it.
    expect(await registerLoopbackWebhook(url, apiKey)).toBe(400);
    expect(out).not.toContain('Webhooks');

    const dataDir = path.join(cwd, '.kinko');
    const pgDir = path.join(dataDir, 'pg');
    const pgPid = Number(fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(fs.statSync(path.join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dataDir, 'demo.json')).mode & 0o777).toBe(0o600);
    if (process.getuid?.() === 0) expect(fs.statSync(pgDir).uid).not.toBe(0); // run by the unprivileged postgres user

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain('stopped');
    expect(fs.existsSync(path.join(pgDir, 'postmaster.pid'))).toBe(false); // PostgreSQL shut down cleanly
    expect(() => process.kill(pgPid, 0)).toThrow();
    expect(fs.existsSync(path.join(pgDir, 'PG_VERSION'))).toBe(true); // and its data stays

    // The app alone (as in production) has no development banks, even when asked for the sandbox.
    const second = start(cwd, { ...env, KINKO_SANDBOX: 'true' });
    started.push(second);
    await waitFor(second, 'Press Ctrl-C to stop.');
    expect(second.stdout() + second.stderr()).toContain('sandbox banks not started: this process has no development banks');
    expect(second.stdout()).not.toContain('Sandbox bank');
    expect(field(second.stdout(), 'Demo tenant')).toBe(tenantId);
    expect(second.stdout()).not.toContain('(created now)');
    const secondUrl = field(second.stdout(), 'API');
    const again = await fetch(`${secondUrl}/api/v2/tenant`, { headers: { 'x-api-key': field(second.stdout(), 'Demo API key') } });
    expect(await again.json()).toMatchObject({ id: tenantId });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 180_000);

  it('with the sandbox banks (development, through the launcher tools/dev-server): the printed connect URL connects the demo user’s banks through the Link pages', async () => {
    const sandboxCwd = testTempDir('main-sandbox');
    try {
      const running = start(sandboxCwd, { ...env, KINKO_SANDBOX: 'true' }, [], LAUNCHER);
      started.push(running);
      await waitFor(running, 'Press Ctrl-C to stop.');
      const out = running.stdout();
      const url = field(out, 'API');
      const connectUrl = field(out, 'Connect URL');
      expect(connectUrl.startsWith(`${url}/link/connect?token=`)).toBe(true);
      // The launcher allows webhook endpoints on this machine by default, and says so.
      expect(out).toMatch(/Webhooks\s+endpoints on loopback and private networks allowed/);
      expect(await registerLoopbackWebhook(url, field(out, 'Demo API key'))).toBe(201);
      const login = /log in at its page as (\S+) \/ (\S+)[:;,.]/.exec(out);
      expect(login).not.toBeNull();
      // The Link page: the token becomes a session cookie (a cookie jar), then the sandbox bank's redirect flow starts there.
      const browser = new LinkBrowser(url);
      const vault = await browser.enter(new URL(connectUrl).searchParams.get('token') as string);
      expect(vault.status).toBe(200);
      expect(browser.cookieNames()).toContain('kinko_link');
      // The connect URL's token is spent by the Link session; the printed user token is another one and still works.
      expect((await fetch(`${url}/api/v2/connections`, { headers: { authorization: `Bearer ${field(out, 'User token')}` } })).status).toBe(200);
      expect((await fetch(`${url}/api/v2/connections`, { headers: { authorization: `Bearer ${new URL(connectUrl).searchParams.get('token') as string}` } })).status).toBe(401);
      const toBank = await browser.get('/link/banks/sandbox-0001/redirect');
      expect(toBank.status).toBe(303);
      const bank = await loginAtBankPage(toBank.headers.get('location') as string, { id: login?.[1] as string, password: login?.[2] as string });
      if (bank.outcome !== 'redirected') throw new Error(`the sandbox refused the demo login: ${bank.status}`);
      expect(bank.location.startsWith(`${url}/api/v2/connect/callback?`)).toBe(true);
      // Back in the browser that started the flow (it holds the flow's binding cookie).
      const connected = await browser.get(bank.location, { accept: 'application/json' });
      expect(connected.status).toBe(200);
      expect(JSON.parse(connected.text)).toMatchObject({ status: 'connected', bankId: 'sandbox-0001', sessionIds: [expect.any(String)] });

      // The PolishAPI bank: printed with its personas, listed by GET /api/v2/banks and on the
      // Link pages, connected through its redirect flow as a persona (the bank's HTML pages).
      const polishLine = /Sandbox bank\s+(\d{3}) .+ \(PolishAPI 2\.1\.2, bankId (\S+)\)\s+(\S+)/.exec(out);
      expect(polishLine).not.toBeNull();
      const polishId = polishLine?.[2] as string;
      const scaCode = /SCA code (\d+)/.exec(out)?.[1] as string;
      const polishPersona = (login: string): { login: string; password: string; scaCode: string } => {
        const m = new RegExp(`^\\s+${login} / (\\S+): `, 'm').exec(out);
        if (!m?.[1]) throw new Error(`no PolishAPI persona ${login} in the banner:\n${out}`);
        return { login, password: m[1], scaCode };
      };
      for (const login of ['jan', 'znika', 'blad', 'czesc', 'awaria', 'podpis', 'wygasa', 'konczy', 'zmiany']) expect(polishPersona(login).password).not.toBe('');
      for (const id of ['kieru', 'shippai', 'kigen']) expect(out).toMatch(new RegExp(`^\\s+${id} / \\S+: `, 'm'));
      const userId = /Demo user\s+\S+ \(([0-9a-f-]{36})\)/.exec(out)?.[1] as string;
      const minted = await fetch(`${url}/api/v2/tenant/users/${userId}/tokens`, { method: 'POST', headers: { authorization: `Bearer ${field(out, 'Demo API key')}`, 'content-type': 'application/json' }, body: '{}' });
      const userToken = ((await minted.json()) as { token: string }).token;
      const banks = (await (await fetch(`${url}/api/v2/banks`, { headers: { authorization: `Bearer ${userToken}` } })).json()) as Array<{ bankId: string; connectorId: string }>;
      expect(banks).toEqual(expect.arrayContaining([expect.objectContaining({ bankId: polishId, connectorId: polishId })]));
      expect((await browser.get('/link/banks')).text).toContain(`/link/banks/${polishId}`);
      const toPolish = await browser.get(`/link/banks/${polishId}/redirect`);
      expect(toPolish.status).toBe(303);
      expect(toPolish.headers.get('location')?.startsWith(polishLine?.[3] as string)).toBe(true);
      const approved = await approveAtPolishBankPages(toPolish.headers.get('location') as string, polishPersona('jan'));
      if (approved.outcome !== 'redirected') throw new Error(`the PolishAPI sandbox refused the persona: ${approved.status} ${approved.page.slice(0, 300)}`);
      expect(approved.location.startsWith(`${url}/api/v2/connect/callback?`)).toBe(true);
      const polishConnected = await browser.get(approved.location, { accept: 'application/json' });
      expect(polishConnected.status).toBe(200);
      const polishDone = JSON.parse(polishConnected.text) as { status: string; bankId: string; sessionIds: string[] };
      expect(polishDone).toMatchObject({ status: 'connected', bankId: polishId, sessionIds: [expect.any(String)] });
      const sessionDeadline = Date.now() + 90_000;
      for (;;) {
        const s = (await (await fetch(`${url}/api/v2/bank/session/${polishDone.sessionIds[0] as string}/status`, { headers: { authorization: `Bearer ${userToken}` } })).json()) as { status: string; finishedAt: string | null };
        if (s.finishedAt !== null) {
          expect(s.status).toBe('completed');
          break;
        }
        if (Date.now() > sessionDeadline) throw new Error(`the PolishAPI first sync did not finish: ${JSON.stringify(s)}`);
        await new Promise((r) => setTimeout(r, 250));
      }

      // The net bank (login details) through the Link pages' credential form, with the personas the banner prints.
      const netbankId = /Sandbox bank\s+\d{4} .*\(net bank, login details, bankId (\S+)\)/.exec(out)?.[1] as string;
      expect(netbankId).toMatch(/^sandbox-netbank-\d{4}$/);
      const persona = (id: string) => {
        const m = new RegExp(`^\\s+${id} / (\\S+): .*?(?:\\(OTP (\\d+)\\))?$`, 'm').exec(out);
        if (!m?.[1]) throw new Error(`no persona ${id} in the banner:\n${out}`);
        return { password: m[1], otp: m[2] };
      };
      const untilInVault = async (connectionId: string, status: string): Promise<VaultRow> => {
        const deadline = Date.now() + 90_000;
        for (;;) {
          const row = vaultRows((await browser.get('/link/vault')).text).find((r) => r.id === connectionId);
          if (row?.status === status) return row;
          if (Date.now() > deadline) throw new Error(`${connectionId} did not reach ${status} in the vault (last: ${row?.status ?? 'not listed'})`);
          await new Promise((r) => setTimeout(r, 250));
        }
      };
      const form = await browser.get(`/link/banks/${netbankId}`);
      expect(form.status).toBe(200);
      expect(form.text).toMatch(/<input[^>]+name="password"/);
      // happy: logs straight in; the first sync runs in the main process's worker.
      const happy = await browser.post(`/link/banks/${netbankId}/credentials`, { userId: 'happy', password: persona('happy').password });
      expect(happy.status).toBe(303);
      const happyId = /\/link\/connections\/([0-9a-f-]{36})$/.exec(happy.headers.get('location') ?? '')?.[1] as string;
      expect(happyId).toBeDefined();
      expect((await untilInVault(happyId, 'success')).label).toBe('ただ今更新されました');
      // otp: the OTP form on the connection page, answered with the code the banner prints → success.
      const otp = persona('otp');
      const asked = await browser.post(`/link/banks/${netbankId}/credentials`, { userId: 'otp', password: otp.password });
      const otpId = /\/link\/connections\/([0-9a-f-]{36})$/.exec(asked.headers.get('location') ?? '')?.[1] as string;
      // The login runs in the background: the page shows the OTP form once the bank has asked.
      let challenge = await browser.get(`/link/connections/${otpId}`);
      for (const deadline = Date.now() + 30_000; !/<input[^>]+name="answer"/.test(challenge.text) && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 250));
        challenge = await browser.get(`/link/connections/${otpId}`);
      }
      expect(challenge.text).toMatch(/<input[^>]+name="answer"/);
      expect((await browser.post(`/link/connections/${otpId}/challenge`, { answer: otp.otp as string })).status).toBe(303);
      await untilInVault(otpId, 'success');
      running.child.kill('SIGINT');
      expect(await running.exited).toBe(0);
    } finally {
      fs.rmSync(sandboxCwd, { recursive: true, force: true });
    }
  }, 180_000);

  it('refuses a bad KINKO_BANKS entry before starting anything: exit 2, one line naming the entry and the field, no stack trace', async () => {
    const bad = start(cwd, { ...env, KINKO_BANKS: JSON.stringify([{ bankId: 'pl-test', connector: 'polish-api', clientId: 'kinko', signingKey: 'k' }]) });
    started.push(bad);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr().trim()).toBe('Invalid configuration: KINKO_BANKS: bank "pl-test" (polish-api): "baseUrl" must be a non-empty string');
    expect(bad.stdout()).toBe('');
    expect(fs.existsSync(path.join(cwd, '.kinko', 'pg', 'postmaster.pid'))).toBe(false);
  }, 60_000);

  it('refuses to start with invalid settings, naming each one', async () => {
    const bad = start(cwd, { ...env, PORT: 'eighty', KINKO_USER_TOKEN_TTL_SECONDS: '1' });
    started.push(bad);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toMatch(/Invalid configuration:[\s\S]*PORT: must be a whole number[\s\S]*KINKO_USER_TOKEN_TTL_SECONDS: must be between 60 and 86400/);
    expect(fs.existsSync(path.join(cwd, '.kinko', 'pg', 'postmaster.pid'))).toBe(false);
  }, 60_000);
});
