import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got, verified (or not) with the `standardwebhooks` package. */
export interface Received {
  readonly id: string;
  readonly verified: boolean;
  readonly type: string | undefined;
  readonly data: Record<string, unknown> | undefined;
  readonly status: number;
}

/**
 * A webhook receiver on 127.0.0.1 (a port the OS picks): verifies every request's signature
 * with `standardwebhooks`' `Webhook.verify` against the current secret and answers `status()`
 * (200 by default; a test may make it fail, redirect, stall or answer a huge body).
 */
export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  secret: string;
  respond: (res: http.ServerResponse) => void;
  /** The verified, accepted (2xx) deliveries of a type. */
  accepted(type?: string): Received[];
  close(): Promise<void>;
}

export async function startReceiver(path = '/hooks'): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = { 'webhook-id': String(req.headers['webhook-id'] ?? ''), 'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''), 'webhook-signature': String(req.headers['webhook-signature'] ?? '') };
      let payload: { type?: string; data?: Record<string, unknown> } | undefined;
      let verified: boolean;
      try {
        payload = new Webhook(receiver.secret).verify(body, headers) as typeof payload;
        verified = true;
      } catch {
        verified = false;
      }
      receiver.respond(res);
      received.push({ id: headers['webhook-id'], verified, type: payload?.type, data: payload?.data, status: res.statusCode });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    secret: 'whsec_' + Buffer.alloc(32).toString('base64'),
    respond: (res) => {
      res.statusCode = 200;
      res.end('ok');
    },
    accepted: (type) => received.filter((r) => r.verified && r.status >= 200 && r.status < 300 && (type === undefined || r.type === type)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}

/** Polls until `check` holds (or fails with what it last saw). */
export async function eventually<T>(what: string, probe: () => T | Promise<T>, check: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (check(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
