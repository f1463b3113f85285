import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InFlightProxy } from '../src/env/in-flight-proxy';

/** A loopback server that answers every request after `delayMs`, echoing its path. */
function slowServer(delayMs: number): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${req.method} ${req.url}`);
    }, delayMs);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) });
    }),
  );
}

describe('the in-flight proxy', () => {
  let upstream: { url: string; close: () => Promise<void> };
  let proxy: InFlightProxy;
  beforeAll(async () => {
    upstream = await slowServer(150);
    proxy = await InFlightProxy.start(upstream.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await upstream?.close();
  });

  it('forwards requests and counts the most in flight at once, and how many went through', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => fetch(`${proxy.url}/x?i=${i}`).then((r) => r.text())));
    expect(answers).toEqual(Array.from({ length: 5 }, (_, i) => `GET /x?i=${i}`));
    expect(proxy.stats()).toEqual({ peak: 5, requests: 5 });

    proxy.reset();
    for (let i = 0; i < 3; i += 1) await (await fetch(`${proxy.url}/y`)).text();
    expect(proxy.stats()).toEqual({ peak: 1, requests: 3 });
  });
});
