import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EVENT_LOOP_RESOLUTION_MS, metricSum, metricsWindow, parsePrometheus, runQueueSeconds, scrapeMetrics } from '../src/env/app-metrics';

// Two scrapes of a worker's /metrics as prom-client writes them (what the bench reads of them).
const BEFORE = `# HELP kinko_db_pool_checkouts_total Connections handed out.
# TYPE kinko_db_pool_checkouts_total counter
kinko_db_pool_checkouts_total 100
kinko_db_pool_waits_total 10
kinko_db_pool_wait_seconds_total 0.5
kinko_db_pool_held_seconds_total 2
kinko_bank_limiter_requests_total 7
kinko_bank_limiter_delay_seconds_total 0.25
kinko_bank_call_duration_seconds_sum{connector="bank-common-api",operation="GET /accounts",status="200"} 0.1
kinko_bank_call_duration_seconds_count{connector="bank-common-api",operation="GET /accounts",status="200"} 5
kinko_nodejs_eventloop_lag_mean_seconds 0.0105
`;
const AFTER = `kinko_db_pool_checkouts_total 4100
kinko_db_pool_waits_total 1510
kinko_db_pool_wait_seconds_total 12.5
kinko_db_pool_held_seconds_total 21
kinko_db_pool_connections{state="max"} 10
kinko_db_pool_connections{state="open"} 10
kinko_bank_limiter_requests_total 707
kinko_bank_limiter_delay_seconds_total 3.75
kinko_bank_limiter_slot_held_seconds_total 9.5
kinko_bank_call_duration_seconds_sum{connector="bank-common-api",operation="GET /accounts",status="200"} 2.1
kinko_bank_call_duration_seconds_count{connector="bank-common-api",operation="GET /accounts",status="200"} 105
kinko_bank_call_duration_seconds_sum{connector="bank-common-api",operation="GET /accounts/:id/transactions",status="200"} 4
kinko_bank_call_duration_seconds_count{connector="bank-common-api",operation="GET /accounts/:id/transactions",status="200"} 200
kinko_nodejs_eventloop_lag_mean_seconds 0.01225
kinko_nodejs_eventloop_lag_p99_seconds 0.0245
kinko_nodejs_eventloop_lag_max_seconds 0.005
`;

describe("a worker's metrics over a window", () => {
  it('parses the exposition by series (labels kept, comments skipped) and sums a metric over its labels', () => {
    const after = parsePrometheus(AFTER);
    expect(after.get('kinko_db_pool_connections{state="max"}')).toBe(10);
    expect(parsePrometheus(BEFORE).has('# TYPE kinko_db_pool_checkouts_total counter')).toBe(false);
    expect(metricSum(after, 'kinko_bank_call_duration_seconds_count')).toBe(305);
    expect(metricSum(after, 'kinko_queue_depth')).toBeUndefined();
  });

  it("the counters' differences, the pool's size and the event loop's delay beyond its sampling interval, under a prefix", () => {
    const d = metricsWindow(parsePrometheus(BEFORE), parsePrometheus(AFTER), 'long.');
    expect(d).toMatchObject({
      'long.poolCheckouts': 4000,
      'long.poolWaits': 1500,
      'long.poolWaitS': 12,
      'long.poolHeldS': 19,
      'long.poolMax': 10,
      'long.limiterRequests': 700,
      'long.limiterDelayS': 3.5,
      'long.limiterSlotHeldS': 9.5,
      'long.bankCalls': 300,
      'long.bankCallS': 6,
    });
    // 12.25 ms between two 10 ms samples: 2.25 ms late; a max under the interval reads 0.
    expect(EVENT_LOOP_RESOLUTION_MS).toBe(10);
    expect(d['long.eventLoopDelayMeanMs']).toBeCloseTo(2.25, 6);
    expect(d['long.eventLoopDelayP99Ms']).toBeCloseTo(14.5, 6);
    expect(d['long.eventLoopDelayMaxMs']).toBe(0);
    // A metric the process does not serve is left out, not reported as 0.
    expect(d).not.toHaveProperty('long.limiterQueries');
  });

  it("reads this process's main thread's run-queue wait from the kernel, and nothing for a process that is gone", () => {
    const waited = runQueueSeconds(process.pid);
    expect(typeof waited).toBe('number');
    expect(waited).toBeGreaterThanOrEqual(0);
    expect(runQueueSeconds(2 ** 22 + 1)).toBeUndefined();
  });

  describe('over HTTP', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url === '/metrics') res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(AFTER);
        else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('scrapes <url>/metrics, and answers undefined for a process that does not answer', async () => {
      expect((await scrapeMetrics(url))?.get('kinko_db_pool_checkouts_total')).toBe(4100);
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      expect(await scrapeMetrics(`http://127.0.0.1:${port}`)).toBeUndefined();
    });
  });
});
