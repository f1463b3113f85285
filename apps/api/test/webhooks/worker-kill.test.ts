import { type ChildProcess, spawn } from 'node:child_process';
import type * as http from 'node:http';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BankCommonApiSandbox } from '@kinko/sandbox-bank';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { newId } from '../../src/database/ids';
import { SyncQueue } from '../../src/sync/sync-queue';
import { SyncService } from '../../src/sync/sync.service';
import { TenantsService } from '../../src/tenants/tenants.service';
import { emitTenantEvent } from '../../src/webhooks/tenant-events';
import { WebhooksService } from '../../src/webhooks/webhooks.service';
import { TEST_MASTER_KEY, TEST_MASTER_KEY_ID, testSettings } from '../support/test-app';
import { builtApp } from '../support/built-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { testTempDir } from '../support/test-env';
import { FAST_SYNC, bankEntry, bankUser, connectUser, credentialsOf, startSandbox, uniqueUserId, waitForSession } from '../sync/harness';
import { type Receiver, eventually, startReceiver } from './receiver';

// A worker PROCESS runs a sync: its status moves and the session's end write their events
// and delivery jobs in the same transactions. It is killed with SIGKILL after the changes
// and before any delivery (its delivery poll is a minute away); a new worker process
// delivers every event exactly once, each verified with the `standardwebhooks` package.

const PACKAGE = path.resolve(__dirname, '../..');
const HOOK = path.join(PACKAGE, 'test/support/workspace-sources-hook.js');
/** The compiled app's folder (set in beforeAll). */
let built = '';

interface Worker {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

describe('webhooks: a worker process killed between the change and the delivery', () => {
  let db: TestDatabase;
  let sandbox: BankCommonApiSandbox;
  let app: NestFastifyApplication;
  let ds: DataSource;
  let receiver: Receiver;
  const workers: Worker[] = [];
  const user = bankUser(uniqueUserId(), [{ transactions: 40, historyDays: 90 }]);

  const spawnWorker = (webhooks: Record<string, number>): Worker => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KINKO_') && !['DATABASE_URL', 'NODE_ENV', 'PORT', 'INIT_CWD'].includes(k)) env[k] = v;
    Object.assign(env, {
      DATABASE_URL: db.url,
      KINKO_MODE: 'test',
      KINKO_DATA_DIR: testTempDir('webhook-worker'),
      KINKO_MASTER_KEY: TEST_MASTER_KEY,
      KINKO_MASTER_KEY_ID: TEST_MASTER_KEY_ID,
      KINKO_LOG_LEVEL: 'warn',
      KINKO_BANKS: JSON.stringify([{ bankId: bankEntry(sandbox).bankId, connector: 'bank-common-api', ...bankEntry(sandbox).options }]),
      KINKO_SYNC: JSON.stringify({ pollingIntervalSeconds: 0.5, watchdogIntervalMs: 500, orphanGraceMs: 1_000, retryDelaySeconds: 1, schedulerIntervalMs: 0 }),
      KINKO_WEBHOOKS: JSON.stringify({ allowPrivateNetworks: 1, retryDelaySeconds: 1, retryLimit: 2, ...webhooks }),
    });
    const child = spawn(process.execPath, ['--conditions=@kinko/source', '-r', HOOK, path.join(built, 'main.js'), 'worker'], { cwd: PACKAGE, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const w = { child, output: () => out, exited: new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code))) };
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    // The app compiled once for the run (test/support/built-app.ts): main.js is started as the worker.
    built = await builtApp();
    db = await createTestDatabase();
    sandbox = await startSandbox([user]);
    // No worker in this process: the spawned ones do the work.
    app = await createApp({ settings: { settings: testSettings() }, databaseUrl: db.url, logger: false, banks: [bankEntry(sandbox)], syncSettings: FAST_SYNC, webhookSettings: { allowPrivateNetworks: true } });
    ds = app.get(DataSource);
    receiver = await startReceiver();
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await receiver?.close();
    await app?.close();
    await sandbox?.close();
    await db?.drop();
  });

  const waitForOutput = async (w: Worker, text: string): Promise<void> => {
    await eventually(`worker output "${text}"`, () => (w.child.exitCode !== null ? `exited: ${w.output()}` : w.output()), (o) => o.includes(text) || o.startsWith('exited'), 90_000);
    if (w.child.exitCode !== null) throw new Error(`worker exited:\n${w.output()}`);
  };

  it('SIGKILL after the sync committed its events: a new worker delivers each exactly once', async () => {
    const { tenant } = await app.get(TenantsService).bootstrap('Kill tenant');
    const created = await app.get(WebhooksService).create(tenant.id, { url: receiver.url, eventTypes: ['connection.status_changed', 'sync.finished', 'transactions.changed'] });
    receiver.secret = created.secret;
    const c = await connectUser(app, sandbox, credentialsOf(user), { tenantId: tenant.id });

    // The first worker syncs, but polls the delivery queue only once a minute (right at its start).
    const first = spawnWorker({ pollingIntervalSeconds: 60 });
    await waitForOutput(first, 'Kinko worker is running');
    await new Promise((r) => setTimeout(r, 1_000)); // its first (empty) delivery poll is done
    const { sessionIds } = await app.get(SyncService).startSync(c.scope, { connectionIds: [c.connectionId] }, { requestedBy: 'user', scaJustPerformed: true });
    const sessionId = sessionIds[0]!;
    await waitForSession(app, c.scope, sessionId);
    const moves = (await ds.query(`SELECT count(*)::int AS n FROM connection_status_history WHERE connection_id = $1 AND session_id = $2`, [c.connectionId, sessionId])) as Array<{ n: number }>;
    const expected = moves[0]!.n + 2; // every move, sync.finished, transactions.changed
    const pending = (await ds.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending'`, [created.endpoint.id])) as Array<{ n: number }>;
    expect(pending[0]!.n).toBe(expected); // committed with the changes
    expect(receiver.received).toHaveLength(0); // nothing delivered yet
    first.child.kill('SIGKILL');
    await first.exited;

    const second = spawnWorker({ pollingIntervalSeconds: 0.5 });
    await waitForOutput(second, 'Kinko worker is running');
    await eventually('all delivered', () => receiver.accepted().length, (n) => n >= expected, 30_000);
    await new Promise((r) => setTimeout(r, 2_000)); // and nothing more
    expect(receiver.received.every((x) => x.verified)).toBe(true);
    expect(receiver.received).toHaveLength(expected);
    expect(new Set(receiver.received.map((x) => x.id)).size).toBe(expected);
    expect(receiver.accepted('sync.finished').map((x) => x.data!['sessionId'])).toEqual([sessionId]);
    expect(receiver.accepted('transactions.changed')).toHaveLength(1);
    const done = (await ds.query(`SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 GROUP BY status`, [created.endpoint.id])) as Array<{ status: string; n: number }>;
    expect(done).toEqual([{ status: 'succeeded', n: expected }]);
  }, 240_000);

  // At least once: a worker killed while its attempt is in flight (the receiver has the request
  // and has not answered) never recorded the outcome; the job expires and another worker sends
  // the delivery again — with the same webhook-id, so the receiver can deduplicate on it.
  it('SIGKILL mid-attempt: the delivery is sent again, with the same webhook-id', async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    const { tenant } = await app.get(TenantsService).bootstrap('Mid-attempt tenant');
    const r = await startReceiver();
    try {
      const created = await app.get(WebhooksService).create(tenant.id, { url: r.url, eventTypes: ['transactions.changed'] });
      r.secret = created.secret;
      const held: http.ServerResponse[] = [];
      r.respond = (res) => void held.push(res); // the receiver takes the request and never answers

      const first = spawnWorker({ pollingIntervalSeconds: 0.5, expireInSeconds: 2, timeoutMs: 60_000 });
      await waitForOutput(first, 'Kinko worker is running');
      const ids = { userId: newId(), connectionId: newId(), sessionId: newId() };
      await ds.transaction((m) => emitTenantEvent(m, { tenantId: tenant.id, type: 'transactions.changed', data: ids }));
      await eventually('the first attempt reached the receiver', () => r.received.length, (n) => n === 1, 30_000);
      first.child.kill('SIGKILL');
      await first.exited;

      r.respond = (res) => {
        res.statusCode = 200;
        res.end('ok');
      };
      // pg-boss's maintenance (every 60 s) expires the dead attempt; run it now rather than wait.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      await app.get(SyncQueue).boss.expire();
      const second = spawnWorker({ pollingIntervalSeconds: 0.5, expireInSeconds: 2 });
      await waitForOutput(second, 'Kinko worker is running');
      await eventually('the delivery sent again', () => r.received.length, (n) => n >= 2, 30_000);
      const [a, b] = r.received;
      expect(a!.verified && b!.verified).toBe(true);
      expect(b!.id).toBe(a!.id);
      expect(b!.id).toMatch(/^msg_/);
      expect(b!.data).toEqual(ids);
      // The worker records the outcome after the receiver's answer reaches it: wait for that write
      // (it stays 'pending' forever if the second attempt's success were not recorded).
      const deliveryRows = async () => (await ds.query(`SELECT d.status, e.id AS event_id FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE d.endpoint_id = $1`, [created.endpoint.id])) as Array<{ status: string; event_id: string }>;
      const rows = await eventually('the second attempt recorded', deliveryRows, (rs) => rs.some((x) => x.status !== 'pending'), 15_000);
      expect(rows).toEqual([{ status: 'succeeded', event_id: a!.id }]);
      for (const res of held) res.destroy();
    } finally {
      await r.close();
    }
  }, 120_000);
});
