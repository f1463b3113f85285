import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../src/database/embedded-postgres';
import { type KinkoProcess, spawnKinko } from './support/kinko-process';
import { TEST_MASTER_KEY } from './support/test-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { testTempDir } from './support/test-env';

// Issue 20 §1-3 as an operator meets them: `node dist/main.js` (serve) and `worker` as real
// processes in production mode — refusals before anything starts, unknown KINKO_* variables
// named, JSON logs with the banner and no route table, /metrics closed on the API port and
// open on its own port, a worker's health and metrics on its port.
const METRICS_TOKEN = 'production-metrics-token-0123456789';

describe('production processes', () => {
  const cwd = testTempDir('production');
  const started: KinkoProcess[] = [];
  let db: TestDatabase;

  const start = (env: Record<string, string>, args: string[] = []): KinkoProcess => {
    const running = spawnKinko(args, env, cwd);
    started.push(running);
    return running;
  };
  const waitFor = (r: KinkoProcess, text: string): Promise<void> => r.waitFor(text);
  const production = (extra: Record<string, string> = {}): Record<string, string> => ({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    KINKO_MASTER_KEY: TEST_MASTER_KEY,
    KINKO_PUBLIC_URL: 'https://kinko.example',
    KINKO_LOG_LEVEL: 'log',
    ...extra,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
  }, 60_000);
  afterAll(async () => {
    for (const r of started) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await Promise.all(started.map((r) => r.exited));
    await db?.drop();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('production without DATABASE_URL refuses to start, with one line saying what to set; nothing is started', async () => {
    const refused = start(production());
    expect(await refused.exited).toBe(2);
    expect(refused.stderr().trim()).toBe(
      'Invalid configuration: DATABASE_URL: is required in production: set it to your PostgreSQL 18 server (postgres://user:password@host:5432/kinko), or KINKO_EMBEDDED_POSTGRES=1 to run the embedded server',
    );
    expect(refused.stdout()).toBe('');
    expect(fs.existsSync(path.join(cwd, '.kinko', 'pg'))).toBe(false);
    // The worker command too.
    const worker = start(production(), ['worker']);
    expect(await worker.exited).toBe(2);
    expect(worker.stderr()).toContain('DATABASE_URL: is required in production');
  }, 60_000);

  it('production without a master key refuses to start', async () => {
    const { KINKO_MASTER_KEY: _key, ...withoutKey } = production({ DATABASE_URL: db.url });
    const refused = start(withoutKey);
    expect(await refused.exited).toBe(2);
    expect(refused.stderr().trim()).toBe('Invalid configuration: KINKO_MASTER_KEY: is required in production (32 bytes, base64); only development creates a local key file');
  }, 60_000);

  it('serves: JSON log lines, the banner and no route table; an unknown KINKO_* named with the closest setting; /metrics 401/404 on the API port, open on KINKO_METRICS_PORT', async () => {
    const api = start(production({ DATABASE_URL: db.url, KINKO_METRICS_PORT: '0', KINKO_WORKER: 'false', KINKO_BANK: '[]' }));
    await waitFor(api, 'Press Ctrl-C to stop.');
    expect(api.stderr()).toContain('kinko: KINKO_BANK is not a Kinko setting (ignored); did you mean KINKO_BANKS?');
    const out = api.stdout();
    const url = /API\s+(\S+)/.exec(out)?.[1] as string;
    const metricsUrl = /Metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(out)?.[1] as string;
    expect(url).toMatch(/^https:\/\/kinko\.example$/); // the public URL; the process listens on 127.0.0.1
    expect(metricsUrl).toBeDefined();
    expect(out).not.toContain('Mapped {');
    expect(out).not.toContain('\u001b['); // no colour codes outside a terminal
    const logLines = out.split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(JSON.parse(line)).toEqual(expect.objectContaining({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) }));
    expect(logLines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain('Nest application successfully started');

    // The API port: where does it listen? The health listener on the metrics port says the database is up.
    const health = await fetch(metricsUrl.replace('/metrics', '/health'));
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok', database: 'up' }]);
    const scraped = await fetch(metricsUrl);
    expect(scraped.status).toBe(200);
    const text = await scraped.text();
    expect(text).toContain('# TYPE kinko_http_request_duration_seconds histogram');
    expect(text).toMatch(/^kinko_queue_depth\{queue="kinko-sync"\} 0$/m);
    expect(text).toMatch(/^kinko_nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^kinko_process_cpu_user_seconds_total /m);

    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
  }, 120_000);

  it('with KINKO_METRICS_TOKEN: /metrics on the API port answers 401 without the bearer token and 200 with it; without a token 404', async () => {
    const port = await freePort();
    const api = start(production({ DATABASE_URL: db.url, PORT: String(port), KINKO_WORKER: 'false', KINKO_METRICS_TOKEN: METRICS_TOKEN }));
    await waitFor(api, 'Press Ctrl-C to stop.');
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer not-the-token-0123456789' } })).status).toBe(401);
    const ok = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('kinko_http_request_duration_seconds_count{method="GET",route="/metrics",status="401"} 2');
    expect(api.stdout()).not.toContain(METRICS_TOKEN);
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);

    const port2 = await freePort();
    const closed = start(production({ DATABASE_URL: db.url, PORT: String(port2), KINKO_WORKER: 'false' }));
    await waitFor(closed, 'Press Ctrl-C to stop.');
    expect(closed.stdout()).toContain('Metrics: not served (production: set KINKO_METRICS_TOKEN or KINKO_METRICS_PORT)');
    expect((await fetch(`http://127.0.0.1:${port2}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port2}/health`)).status).toBe(200);
    closed.child.kill('SIGTERM');
    expect(await closed.exited).toBe(0);
  }, 120_000);

  it('a worker process serves /health and /metrics on KINKO_WORKER_HTTP_PORT, and stops on SIGTERM', async () => {
    const worker = start(production({ DATABASE_URL: db.url, KINKO_WORKER_HTTP_PORT: '0' }), ['worker']);
    await waitFor(worker, 'Kinko worker is running');
    const ops = /Health\s+(http:\/\/127\.0\.0\.1:\d+)\/health/.exec(worker.stdout())?.[1] as string;
    expect(ops).toBeDefined();
    const health = await fetch(`${ops}/health`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok', database: 'up' }]);
    const metrics = await fetch(`${ops}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/^kinko_queue_depth\{queue="kinko-sync"\} \d+$/m);
    // Its database pool has a connection per session it runs at once (concurrency 20 by default).
    expect(text).toMatch(/^kinko_db_pool_connections\{state="max"\} 20$/m);
    expect((await fetch(`${ops}/anything`)).status).toBe(404);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }, 120_000);

  it("a worker's database pool follows its session concurrency (KINKO_SYNC), never below the app's 10", async () => {
    for (const [concurrency, pool] of [
      [32, 32],
      [4, 10],
    ] as const) {
      const worker = start(production({ DATABASE_URL: db.url, KINKO_WORKER_HTTP_PORT: '0', KINKO_SYNC: JSON.stringify({ concurrency }) }), ['worker']);
      await waitFor(worker, 'Kinko worker is running');
      const ops = /Health\s+(http:\/\/127\.0\.0\.1:\d+)\/health/.exec(worker.stdout())?.[1] as string;
      const text = await (await fetch(`${ops}/metrics`)).text();
      expect([concurrency, /^kinko_db_pool_connections\{state="max"\} (\d+)$/m.exec(text)?.[1]]).toEqual([concurrency, String(pool)]);
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    }
  }, 120_000);
});
