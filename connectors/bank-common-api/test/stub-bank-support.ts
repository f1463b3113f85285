/**
 * A scripted 銀行共通API bank on loopback for the edge cases a faithful sandbox never
 * produces (other UTC offsets, fractional or huge amounts, odd statuses and bodies). Each
 * route answers from a handler; every request is recorded.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Grant } from '@kinko/connector-sdk';
import { sandboxConnector } from './sandbox-support';

/** A request as the stub saw it. */
export interface StubRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** A scripted answer: JSON `body`, or `raw` text sent as JSON. */
export interface StubAnswer {
  readonly status?: number;
  readonly body?: unknown;
  readonly raw?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Answers one route (`METHOD /path`). */
export type StubHandler = (req: StubRequest) => StubAnswer;

/** A running stub bank. */
export interface StubBank {
  readonly url: string;
  readonly host: string;
  readonly requests: StubRequest[];
  /** Replaces or adds routes. */
  route(key: string, handler: StubHandler): void;
  close(): Promise<void>;
}

const now = (): number => Math.floor(Date.now() / 1000);

/** The routes every stub starts with: tokens that always work and empty lists. */
const defaults: Record<string, StubHandler> = {
  'POST /auth/system_token': () => ({ body: { access_token: 'system-token', created_at: now(), expired_at: now() + 3600 } }),
  'POST /auth/token': () => ({ body: { access_token: 'access-token', created_at: now(), expired_at: now() + 3600, refresh_token: 'refresh-token' } }),
  'PUT /auth/token': () => ({ body: { access_token: 'access-2', created_at: now(), expired_at: now() + 3600, refresh_token: 'refresh-2' } }),
  'DELETE /auth/token': () => ({ body: {} }),
  'GET /accounts': () => ({ body: { bank_code: '0001', bank_name: 'スタブ銀行', accounts: [], params: { page: 1, next_page: 0 } } }),
  'GET /branches': () => ({ body: { bank_code: '0001', bank_name: 'スタブ銀行', branches: [], params: { page: 1, next_page: 0 } } }),
};

/** Starts a stub bank on 127.0.0.1 (random port). */
export async function startStubBank(routes: Record<string, StubHandler> = {}): Promise<StubBank> {
  const table = new Map<string, StubHandler>(Object.entries({ ...defaults, ...routes }));
  const requests: StubRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stub');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const request: StubRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body };
      requests.push(request);
      const handler = table.get(`${request.method} ${request.path}`);
      const answer: StubAnswer = handler ? handler(request) : { status: 404, body: { error: 'not_found' } };
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.raw ?? (answer.body === undefined ? '' : JSON.stringify(answer.body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    route: (key, handler) => void table.set(key, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A client of the test connector for a stub bank (kit-like short timeouts and retries). */
export function stubClient(stub: StubBank) {
  return sandboxConnector.create({
    config: { apiKey: 'stub-key', password: 'stub-secret', baseUrl: stub.url },
    extraAllowedHosts: [stub.host],
    http: { timeouts: { connectMs: 1_000, totalMs: 2_000 }, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 100 } },
  });
}

/** A grant of the test connector holding the stub's tokens. */
export function stubGrant(access = 'access-token', refresh = 'refresh-token', refreshExpiresAt = new Date(Date.now() + 86_400_000)): Grant {
  const text = JSON.stringify({ accessToken: access, refreshToken: refresh, accessExpiresAt: new Date(Date.now() + 3_600_000).toISOString(), refreshExpiresAt: refreshExpiresAt.toISOString() });
  const out = sandboxConnector.deserializeGrant(text);
  if (!out.ok) throw new Error(out.error.message);
  return out.value;
}

/** A transactions page body. */
export function transactionsPage(items: readonly unknown[], page = 1, nextPage = 0, window = { from: '2020-01-01', to: '2020-01-31' }) {
  return { transactions: items, params: { account_id: 'A1', start_date: window.from, end_date: window.to, page, next_page: nextPage } };
}
