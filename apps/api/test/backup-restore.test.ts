import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loginAtBankPage } from '@kinko/sandbox-bank';
import { openConnectStart } from './support/connect-browser';
import { freePort } from '../src/database/embedded-postgres';
import { type KinkoProcess, spawnKinko } from './support/kinko-process';
import { type SandboxProcess, startSandboxProcess } from './support/sandbox-process';
import { testTempDir } from './support/test-env';

// Issue 20 §5, the procedure of docs/deployment.md §8 for the embedded server: Kinko runs in
// production with the explicit opt-in to the embedded PostgreSQL; a user connects and syncs;
// Kinko stops, the cluster directory is archived with PostgreSQL's file-system-level backup,
// the data directory is wiped and restored from the archive; Kinko started again with the
// same master key serves the same data and syncs the connection with its stored grant.

const MASTER_KEY = Buffer.alloc(32, 0x2b).toString('base64');
const USER = { id: 'backup-user', password: 'pw-backup-user', accounts: [{ kind: 'ordinary' as const, transactions: 120, historyDays: 200 }, { kind: 'current' as const, transactions: 60, historyDays: 90 }] };

describe('backup and restore (embedded PostgreSQL, file-system-level backup + the master key)', () => {
  const cwd = testTempDir('backup');
  const dataDir = path.join(cwd, '.kinko');
  const archive = path.join(cwd, 'kinko-backup.tgz');
  const started: KinkoProcess[] = [];
  let sandbox: SandboxProcess;
  let port: number;
  let base: string;

  const env = (): Record<string, string> => ({
    NODE_ENV: 'production',
    KINKO_EMBEDDED_POSTGRES: '1',
    KINKO_DATA_DIR: dataDir,
    KINKO_MASTER_KEY: MASTER_KEY,
    KINKO_MASTER_KEY_ID: 'backup-key-1',
    HOST: '127.0.0.1',
    PORT: String(port),
    KINKO_PUBLIC_URL: base,
    KINKO_LOG_LEVEL: 'warn',
    KINKO_BANKS: sandbox.kinkoBanks,
    KINKO_SYNC: JSON.stringify({ pollingIntervalSeconds: 0.5, schedulerIntervalMs: 0 }),
  });
  const run = (args: string[] = []): KinkoProcess => {
    const p = spawnKinko(args, env(), cwd);
    started.push(p);
    return p;
  };
  const stop = async (p: KinkoProcess): Promise<void> => {
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  };

  beforeAll(async () => {
    sandbox = await startSandboxProcess([USER], { bankId: 'backup-bank', bankCode: '0005', seed: 3 });
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
  }, 120_000);
  afterAll(async () => {
    for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(started.map((p) => p.exited));
    await sandbox?.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  const call = async <T>(method: string, pathname: string, token: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${pathname}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (res.status >= 300) throw new Error(`${method} ${pathname}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const finished = async (token: string, sessionId: string): Promise<string> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const s = await call<{ status: string; finishedAt: string | null }>('GET', `/api/v2/bank/session/${sessionId}/status`, token);
      if (s.finishedAt !== null) return s.status;
      if (Date.now() > deadline) throw new Error(`session ${sessionId} did not finish`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  /** Every transaction id of every account the user sees, through the API. */
  const transactionIds = async (token: string): Promise<string[]> => {
    const ids: string[] = [];
    for (const account of await call<Array<{ id: string }>>('GET', '/api/v2/bankaccount', token)) {
      let cursor: string | null = null;
      do {
        const page: { items: Array<{ id: string }>; nextCursor: string | null } = await call('GET', `/api/v2/accounts/${account.id}/transactions?limit=100${cursor ? `&cursor=${cursor}` : ''}`, token);
        ids.push(...page.items.map((t) => t.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
    }
    return ids.sort();
  };

  it('back up, wipe, restore: the restored instance serves the same data and syncs with the stored grant', async () => {
    const first = run();
    await first.waitFor('Press Ctrl-C to stop.');
    // The operator's command beside the running server (it attaches to the running embedded cluster).
    const tenant = run(['create-tenant', '--name', 'Backup']);
    expect(await tenant.exited).toBe(0);
    const apiKey = /API key\s+(\S+)/.exec(tenant.stdout())?.[1] as string;
    const user = await call<{ id: string }>('POST', '/api/v2/tenant/users', apiKey, { externalId: 'backup-customer' });
    const token = (await call<{ token: string }>('POST', `/api/v2/tenant/users/${user.id}/tokens`, apiKey, {})).token;
    const startFlow = await call<{ redirectUrl: string }>('POST', `/api/v2/connect/${sandbox.bankId}`, token, {});
    const browser = await openConnectStart(startFlow.redirectUrl);
    const login = await loginAtBankPage(browser.bankUrl, { id: USER.id, password: USER.password });
    if (login.outcome !== 'redirected') throw new Error(`the bank refused the login: ${login.status}`);
    const callback = await fetch(login.location, { headers: { cookie: browser.cookie, accept: 'application/json' } });
    const connected = (await callback.json()) as { status: string; sessionIds: string[] };
    expect([callback.status, connected.status]).toEqual([200, 'connected']);
    expect(await finished(token, connected.sessionIds[0] as string)).toBe('completed');
    const before = await transactionIds(token);
    expect(before).toHaveLength(sandbox.transactionsByUser[USER.id] as number);
    await stop(first); // SIGTERM shuts the embedded cluster down cleanly

    // Back up (the cluster directory, stopped), wipe, restore.
    // The cluster directory and its credentials file (the role's password Kinko connects with).
    execFileSync('tar', ['-czf', archive, '-C', dataDir, 'pg', 'pg.credentials.json']);
    fs.rmSync(dataDir, { recursive: true, force: true });
    expect(fs.existsSync(dataDir)).toBe(false);
    fs.mkdirSync(dataDir, { recursive: true });
    execFileSync('tar', ['-xzf', archive, '-C', dataDir]);

    const restored = run();
    await restored.waitFor('Press Ctrl-C to stop.');
    // The tenant's API key is in the restored database; a new user token, the same data.
    const token2 = (await call<{ token: string }>('POST', `/api/v2/tenant/users/${user.id}/tokens`, apiKey, {})).token;
    expect(await transactionIds(token2)).toEqual(before);
    // A sync of the restored connection: the stored grant is unwrapped with the master key and used at the bank.
    const { sessionId } = await call<{ sessionId: string }>('POST', `/api/v2/bank/${sandbox.bankId}/sync`, token2, {});
    expect(sessionId).toEqual(expect.any(String));
    expect(await finished(token2, sessionId)).toBe('completed');
    const connections = await call<Array<{ aggregationStatus: string }>>('GET', '/api/v2/connections', token2);
    expect(connections.map((c) => c.aggregationStatus)).toEqual(['success']);
    expect(await transactionIds(token2)).toEqual(before);
    await stop(restored);
  }, 240_000);
});
