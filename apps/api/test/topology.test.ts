import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loginAtBankPage } from '@kinko/sandbox-bank';
import { Client } from 'pg';
import { openConnectStart } from './support/connect-browser';
import { type KinkoProcess, spawnKinko } from './support/kinko-process';
import { type SandboxProcess, startSandboxProcess } from './support/sandbox-process';
import { TEST_MASTER_KEY, TEST_MASTER_KEY_ID } from './support/test-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { testTempDir } from './support/test-env';

// Issue 20 §4, the deployment guide's topology (docs/deployment.md): one API process without
// a worker, two worker processes and the sandbox bank as its own process, all on one
// PostgreSQL through DATABASE_URL (the test's embedded cluster). Two dozen users connect
// through the API and their first syncs run on the workers; one worker is killed with
// SIGKILL mid-sync. Every session finishes exactly once, and no row is lost or duplicated.

const USERS = 24;
const users = Array.from({ length: USERS }, (_, i) => ({
  id: `topo-${String(i).padStart(2, '0')}`,
  password: `pw-topo-${i}`,
  accounts: [
    { kind: 'ordinary' as const, transactions: 500, historyDays: 400 },
    { kind: 'current' as const, transactions: 300, historyDays: 300 },
  ],
}));

describe('deployment topology: 1 API, 2 workers, the sandbox bank as its own process', () => {
  let db: TestDatabase;
  let pg: Client;
  let sandbox: SandboxProcess;
  let api: KinkoProcess;
  const workers: KinkoProcess[] = [];
  let base: string;
  let apiKey: string;

  const env = (): Record<string, string> => ({
    KINKO_MODE: 'test',
    DATABASE_URL: db.url,
    HOST: '127.0.0.1',
    PORT: '0',
    KINKO_DATA_DIR: testTempDir('topology'),
    KINKO_MASTER_KEY: TEST_MASTER_KEY,
    KINKO_MASTER_KEY_ID: TEST_MASTER_KEY_ID,
    KINKO_LOG_LEVEL: 'log',
    KINKO_BANKS: sandbox.kinkoBanks,
    KINKO_SYNC: JSON.stringify({ pollingIntervalSeconds: 0.5, watchdogIntervalMs: 500, orphanGraceMs: 1_000, retryDelaySeconds: 1, schedulerIntervalMs: 0, concurrency: 4 }),
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    sandbox = await startSandboxProcess(users, { latencyMs: 15 });
    const tenant = spawnKinko(['create-tenant', '--name', 'Topology'], env());
    expect(await tenant.exited).toBe(0);
    apiKey = /API key\s+(\S+)/.exec(tenant.stdout())?.[1] as string;
    api = spawnKinko([], { ...env(), KINKO_WORKER: 'false' });
    await api.waitFor('Press Ctrl-C to stop.');
    base = /API\s+(http:\/\/\S+)/.exec(api.stdout())?.[1] as string;
  }, 120_000);
  afterAll(async () => {
    for (const p of [api, ...workers]) if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all([api, ...workers].filter(Boolean).map((p) => p.exited));
    await sandbox?.close();
    await pg?.end();
    await db?.drop();
  });

  const json = async <T>(method: string, path: string, token: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  /** A tenant's user connects the bank through the API (the redirect flow, a browser at the bank's page); the first sync is queued. */
  const connect = async (u: (typeof users)[number]): Promise<{ userId: string; sessionIds: string[] }> => {
    const user = await json<{ id: string }>('POST', '/api/v2/tenant/users', apiKey, { externalId: u.id });
    const { token } = await json<{ token: string }>('POST', `/api/v2/tenant/users/${user.id}/tokens`, apiKey, {});
    const start = await json<{ redirectUrl: string }>('POST', `/api/v2/connect/${sandbox.bankId}`, token, {});
    const browser = await openConnectStart(start.redirectUrl);
    const login = await loginAtBankPage(browser.bankUrl, { id: u.id, password: u.password });
    if (login.outcome !== 'redirected') throw new Error(`the bank refused ${u.id}: ${login.status}`);
    const res = await fetch(login.location, { headers: { cookie: browser.cookie, accept: 'application/json' } });
    const done = (await res.json()) as { status: string; sessionIds: string[] };
    expect([res.status, done.status]).toEqual([200, 'connected']);
    return { userId: user.id, sessionIds: done.sessionIds };
  };

  const scalar = async (sql: string, params: unknown[] = []): Promise<number> => Number(((await pg.query(sql, params)).rows[0] as { n: string | number }).n);

  it('every session finishes exactly once after a worker is killed mid-sync; every transaction is stored once', async () => {
    for (let i = 0; i < 2; i += 1) {
      const w = spawnKinko(['worker'], { ...env(), KINKO_WORKER_HTTP_PORT: '0' });
      workers.push(w);
      await w.waitFor('Kinko worker is running');
    }
    const [victim, survivor] = workers as [KinkoProcess, KinkoProcess];

    const connected: Array<{ userId: string; sessionIds: string[] }> = [];
    for (let i = 0; i < users.length; i += 6) connected.push(...(await Promise.all(users.slice(i, i + 6).map(connect))));
    const sessionIds = connected.flatMap((c) => c.sessionIds);
    expect(sessionIds).toHaveLength(USERS);

    // Mid-sync: sessions are running and the victim has written rows of some of them.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const running = await scalar(`SELECT count(*) AS n FROM sync_sessions WHERE status = 'running'`);
      const victimEnded = victim.logLines().filter((l) => l['msg'] === 'sync session ended').length;
      if (running >= 2 && victimEnded >= 1) break;
      if (Date.now() > deadline) throw new Error(`no sync under way on the first worker:\n${victim.stdout()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const beforeKill = await scalar(`SELECT count(*) AS n FROM sync_sessions WHERE finished_at IS NULL`);
    const killedAt = ((await pg.query(`SELECT clock_timestamp() AS at`)).rows as Array<{ at: Date }>)[0]!.at;
    victim.child.kill('SIGKILL');
    await victim.exited;
    expect(beforeKill).toBeGreaterThan(0);

    // The survivor finishes everything (the watchdog hands the dead worker's jobs back).
    const until = Date.now() + 90_000;
    while ((await scalar(`SELECT count(*) AS n FROM sync_sessions WHERE id = ANY($1::uuid[]) AND finished_at IS NOT NULL`, [sessionIds])) < USERS) {
      if (Date.now() > until) throw new Error(`sessions left unfinished:\n${survivor.stdout().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    const sessions = (await pg.query(`SELECT id, status FROM sync_sessions WHERE id = ANY($1::uuid[])`, [sessionIds])).rows as Array<{ id: string; status: string }>;
    expect(sessions.filter((s) => s.status !== 'completed')).toEqual([]);
    // Exactly once: one queue job per session, completed; one end per session across both workers' logs.
    const jobs = (await pg.query(`SELECT id, state, retry_count FROM pgboss.job WHERE name = 'kinko-sync' AND id = ANY($1::uuid[])`, [sessionIds])).rows as Array<{ id: string; state: string; retry_count: number }>;
    expect(jobs).toHaveLength(USERS);
    expect(jobs.filter((j) => j.state !== 'completed')).toEqual([]);
    expect(jobs.some((j) => j.retry_count >= 1)).toBe(true); // the killed worker's sessions were retried
    // Each session's end is logged at most once, after its commit. A SIGKILL can fall between
    // the victim's commit and its log line, so a session the victim ended may go unlogged;
    // every session finished after the kill is logged by the survivor.
    const ends = [...victim.logLines(), ...survivor.logLines()].filter((l) => l['msg'] === 'sync session ended').map((l) => l['sessionId'] as string);
    expect(new Set(ends).size).toBe(ends.length);
    expect(ends.filter((id) => !sessionIds.includes(id))).toEqual([]);
    const finishedAfterKill = ((await pg.query(`SELECT id FROM sync_sessions WHERE id = ANY($1::uuid[]) AND finished_at > $2`, [sessionIds, killedAt])).rows as Array<{ id: string }>).map((r) => r.id);
    expect(finishedAfterKill.length).toBeGreaterThan(0);
    expect(finishedAfterKill.filter((id) => !ends.includes(id))).toEqual([]);
    expect(await scalar(`SELECT count(*) AS n FROM sync_sessions`)).toBe(USERS);

    // No row lost or duplicated: each user's transactions are the bank's, once.
    for (const [i, c] of connected.entries()) {
      const stored = await scalar(`SELECT count(*) AS n FROM transactions WHERE user_id = $1`, [c.userId]);
      expect([users[i]?.id, stored]).toEqual([users[i]?.id, sandbox.transactionsByUser[users[i]?.id as string]]);
    }
    expect(await scalar(`SELECT count(*) AS n FROM (SELECT account_id, bank_transaction_id FROM transactions GROUP BY 1, 2 HAVING count(*) > 1) d`)).toBe(0);

    // The survivor's health and metrics on its own port say what it did.
    const ops = /Health\s+(http:\/\/127\.0\.0\.1:\d+)\/health/.exec(survivor.stdout())?.[1] as string;
    expect((await fetch(`${ops}/health`)).status).toBe(200);
    const metrics = await (await fetch(`${ops}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^kinko_sync_sessions_total\\{connector="${sandbox.bankId}",status="completed"\\} \\d+`, 'm'));
    expect(metrics).toMatch(/^kinko_queue_depth\{queue="kinko-sync"\} 0$/m);
    process.stdout.write(`topology: ${USERS} sessions; ${beforeKill} unfinished when the worker was killed; ${jobs.filter((j) => j.retry_count >= 1).length} retried on the survivor\n`);
  }, 180_000);
});
