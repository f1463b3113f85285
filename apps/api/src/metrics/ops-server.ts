import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { PROBLEM_MEDIA_TYPE, problem } from '../http/problem';
import type { MetricsService } from './metrics.service';

/** A running operations listener. */
export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Options of {@link startOpsServer}. */
export interface OpsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly metrics: MetricsService;
  /** Health: resolves true when the process can do its work (its database answers…). */
  readonly healthy: () => Promise<boolean>;
}

/**
 * The operations port: `GET /health` (200 `{"status":"ok"}` or 503) and `GET /metrics`
 * (Prometheus text) without a token, and nothing else. What a `worker` process serves
 * (KINKO_WORKER_HTTP_PORT), and the API's separate metrics port (KINKO_METRICS_PORT) —
 * meant for a network only the orchestrator and the monitoring reach.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, PROBLEM_MEDIA_TYPE, JSON.stringify(problem('method-not-allowed')));
    if (path === '/health') {
      void options.healthy().then(
        (ok) => send(ok ? 200 : 503, 'application/json', JSON.stringify(ok ? { status: 'ok', database: 'up' } : { status: 'unavailable' })),
        () => send(503, 'application/json', JSON.stringify({ status: 'unavailable' })),
      );
      return undefined;
    }
    if (path === '/metrics') {
      void options.metrics.render().then(
        (text) => send(200, options.metrics.contentType, text),
        () => send(500, 'text/plain', 'metrics could not be collected\n'),
      );
      return undefined;
    }
    return send(404, PROBLEM_MEDIA_TYPE, JSON.stringify(problem('not-found')));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Whether the database answers `select 1` within two seconds. */
export async function databaseAnswers(dataSource: DataSource): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([dataSource.query('select 1'), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), 2_000)))]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
