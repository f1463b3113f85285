import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP proxy in front of a sandbox bank that sees every request: in flight at once, and when each started. */
export interface CountingProxy {
  readonly url: string;
  /** Most requests in flight at the same time (for paths matching `/accounts`, `/transactions`, `/balances`, `/auth/token`). */
  maxInFlight(): number;
  /** Start instants (ms) of the counted requests. */
  starts(): number[];
  reset(): void;
  close(): Promise<void>;
}

const COUNTED = /^\/(accounts|transactions|balances|auth\/token)/;

/** A request the proxy answers itself instead of forwarding (a fault of one account's endpoint), e.g. `{ status: 500, body: '…' }`. */
export type ProxyRefusal = (method: string, url: URL) => { readonly status: number; readonly body: string } | undefined;

/**
 * Starts the proxy on 127.0.0.1 (random port), forwarding to `target` (an http://127.0.0.1:port
 * base URL); a request `refuse` answers for is answered by the proxy (counted all the same).
 */
export async function startCountingProxy(target: string, refuse?: ProxyRefusal): Promise<CountingProxy> {
  const base = new URL(target);
  let inFlight = 0;
  let max = 0;
  let starts: number[] = [];
  const server = http.createServer((req, res) => {
    const counted = COUNTED.test(req.url ?? '');
    if (counted) {
      inFlight += 1;
      max = Math.max(max, inFlight);
      starts.push(Date.now());
    }
    let done = false;
    const finish = (): void => {
      if (counted && !done) inFlight -= 1;
      done = true;
    };
    res.on('close', finish);
    const refusal = refuse?.(req.method ?? 'GET', new URL(req.url ?? '/', base));
    if (refusal) {
      req.resume();
      res.writeHead(refusal.status, { 'content-type': 'application/json' }).end(refusal.body);
      return;
    }
    const upstream = http.request(
      { host: base.hostname, port: base.port, method: req.method, path: req.url, headers: { ...req.headers, host: base.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('end', finish);
      },
    );
    upstream.on('error', () => {
      finish();
      res.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    maxInFlight: () => max,
    starts: () => [...starts],
    reset: () => {
      max = inFlight;
      starts = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
