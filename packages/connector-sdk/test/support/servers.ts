// Loopback servers for HTTP tests: record every request and count TCP connections.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface TestServer {
  readonly origin: string;
  /** `127.0.0.1:port`, an allowed-host entry. */
  readonly host: string;
  readonly requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  connections: number;
  /** Requests being handled right now, and the most at once. */
  inFlight: number;
  peakInFlight: number;
  close(): Promise<void>;
}

export async function startServer(
  handler: (req: IncomingMessage & { body: string }, res: ServerResponse, index: number) => unknown,
): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const state: TestServer = {
    origin: '',
    host: '',
    requests: [],
    connections: 0,
    inFlight: 0,
    peakInFlight: 0,
    close: async () => undefined,
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const index = state.requests.length;
    state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    state.inFlight += 1;
    state.peakInFlight = Math.max(state.peakInFlight, state.inFlight);
    res.on('close', () => void (state.inFlight -= 1));
    try {
      await handler(Object.assign(req, { body }), res, index);
    } catch {
      if (!res.headersSent) res.writeHead(599).end();
    }
  });
  server.on('connection', (s: Socket) => {
    state.connections += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** A TCP server that accepts and never says anything (a TLS handshake to it never completes). */
export async function startSilentServer(): Promise<{ host: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
