import { afterEach, describe, expect, it } from '@jest/globals';
import { Redacted, Schema } from 'effect';
import { CookieJar, createHttpClient, createRequestLimiter, type Clock, type HttpCallEvent, type HttpClientOptions } from '../src';
import { sendJson, startServer, startSilentServer, type TestServer } from './support/servers';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function server(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(handler);
  cleanups.push(() => s.close());
  return s;
}

/** A clock whose sleeps return at once and are recorded. */
function fakeClock(now = new Date('2024-05-01T00:00:00Z')): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => now, sleep: async (ms) => void sleeps.push(ms) };
}

function client(options: Partial<HttpClientOptions> & { allowedHosts: readonly string[] }) {
  const c = createHttpClient({ connectorId: 'test', retry: { baseDelayMs: 100, maxDelayMs: 10_000, maxAttempts: 3 }, random: () => 0.5, ...options });
  cleanups.push(() => c.close());
  return c;
}

describe('allowed hosts', () => {
  it('refuses a host outside the list before any connection', async () => {
    const s = await server((_req, res) => sendJson(res, 200, {}));
    const events: HttpCallEvent[] = [];
    const http = client({ allowedHosts: ['bank.example'], onCall: (e) => events.push(e) });
    const out = await http.send({ method: 'GET', url: `${s.origin}/accounts?token=x` });
    expect(out).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'host_not_allowed' } });
    expect(s.connections).toBe(0);
    expect(events).toEqual([expect.objectContaining({ outcome: 'blocked', host: s.host, path: '/accounts', errorTag: 'PermanentError' })]);
  });

  it('refuses plain http to a non-loopback host even when the host is listed', async () => {
    const http = client({ allowedHosts: ['bank.example:80'] });
    expect(await http.send({ method: 'GET', url: 'http://bank.example/x' })).toMatchObject({ ok: false, error: { code: 'host_not_allowed' } });
  });
});

describe('redirects', () => {
  it('are returned, not followed, by default', async () => {
    const s = await server((_req, res) => res.writeHead(302, { location: '/next' }).end());
    const out = await client({ allowedHosts: [s.host] }).send({ method: 'GET', url: `${s.origin}/start` });
    expect(out).toMatchObject({ ok: true, value: { status: 302, headers: { location: '/next' } } });
    expect(s.requests).toHaveLength(1);
  });

  it('are followed on request within the allowed hosts, switching POST to GET on 303', async () => {
    const s = await server((req, res) => (req.url === '/start' ? res.writeHead(303, { location: '/done' }).end() : sendJson(res, 200, { at: req.url })));
    const out = await client({ allowedHosts: [s.host] }).send({ method: 'POST', url: `${s.origin}/start`, body: { json: { a: 1 } }, followRedirects: 3 });
    expect(out.ok && out.value.json()).toEqual({ ok: true, value: { at: '/done' } });
    expect(s.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual(['POST /start {"a":1}', 'GET /done ']);
  });

  it('are never followed to another host, which is never contacted', async () => {
    const other = await server((_req, res) => sendJson(res, 200, {}));
    const s = await server((_req, res) => res.writeHead(302, { location: `${other.origin}/steal` }).end());
    const out = await client({ allowedHosts: [s.host] }).send({ method: 'GET', url: `${s.origin}/start`, followRedirects: 5 });
    expect(out).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'redirect_blocked' } });
    expect(other.connections).toBe(0);
  });

  it('drop the Authorization header when crossing to another allowed origin', async () => {
    const other = await server((_req, res) => sendJson(res, 200, {}));
    const s = await server((_req, res) => res.writeHead(307, { location: `${other.origin}/x` }).end());
    await client({ allowedHosts: [s.host, other.host] }).send({
      method: 'GET',
      url: `${s.origin}/start`,
      headers: { authorization: Redacted.make('Bearer t0ken') },
      followRedirects: 1,
    });
    expect(s.requests[0]?.headers.authorization).toBe('Bearer t0ken');
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('stop after the allowed number of hops', async () => {
    const s = await server((_req, res) => res.writeHead(302, { location: '/again' }).end());
    const out = await client({ allowedHosts: [s.host] }).send({ method: 'GET', url: `${s.origin}/`, followRedirects: 2 });
    expect(out).toMatchObject({ ok: false, error: { code: 'redirect_blocked' } });
    expect(s.requests).toHaveLength(3);
  });
});

describe('retries', () => {
  it('retry an idempotent request on 503 with full-jitter backoff, then succeed', async () => {
    const s = await server((_req, res, i) => (i < 2 ? sendJson(res, 503, {}) : sendJson(res, 200, { fine: true })));
    const clock = fakeClock();
    const out = await client({ allowedHosts: [s.host], clock }).send({ method: 'GET', url: `${s.origin}/x` });
    expect(out.ok && out.value.status).toBe(200);
    expect(s.requests).toHaveLength(3);
    expect(clock.sleeps).toEqual([50, 100]); // random 0.5 × min(cap, 100·2ⁿ⁻¹)
  });

  it('give up after maxAttempts with TemporaryError carrying the bank status', async () => {
    const s = await server((_req, res) => sendJson(res, 500, {}));
    const out = await client({ allowedHosts: [s.host], clock: fakeClock() }).send({ method: 'GET', url: `${s.origin}/x` });
    expect(out).toMatchObject({ ok: false, error: { _tag: 'TemporaryError', code: 'bank_status', httpStatus: 500 } });
    expect(s.requests).toHaveLength(3);
  });

  it('carry the bank answer (status + content) on 500, 429 and 503: bounded, the request secrets, secret members and account numbers redacted', async () => {
    const secret = 'sk-live-0a1b2c3d4e';
    const body = (status: number) => ({ error: 'maintenance', status, echo: `Bearer ${secret}`, access_token: 'at-123456', account: '1234567', iban: 'PL61109010140000071219812874', padding: 'x'.repeat(5_000) });
    const s = await server((req, res) => {
      const status = Number((req.url ?? '').slice(1));
      res.setHeader('retry-after', '3600');
      sendJson(res, status, body(status));
    });
    const http = client({ allowedHosts: [s.host], clock: fakeClock(), retry: { maxAttempts: 1 } });
    for (const [status, tag] of [[500, 'TemporaryError'], [429, 'RateLimited'], [503, 'ServiceUnavailable']] as const) {
      const out = await http.send({ method: 'GET', url: `${s.origin}/${status}`, headers: { authorization: Redacted.make(`Bearer ${secret}`) } });
      expect(out).toMatchObject({ ok: false, error: { _tag: tag, httpStatus: status } });
      const content = out.ok ? '' : String((out.error as { content?: string }).content);
      expect(content).toContain('"error":"maintenance"');
      expect(content.length).toBeLessThanOrEqual(1_000);
      for (const hidden of [secret, 'at-123456', '1234567', 'PL61109010140000071219812874']) expect(content).not.toContain(hidden);
      expect(content).toContain('[redacted]');
    }
  });

  it('do not repeat a POST on 5xx, nor a PUT marked non-idempotent, nor anything with retry: false', async () => {
    const s = await server((_req, res) => sendJson(res, 502, {}));
    const http = client({ allowedHosts: [s.host], clock: fakeClock() });
    await http.send({ method: 'POST', url: `${s.origin}/a` });
    await http.send({ method: 'PUT', url: `${s.origin}/b`, retry: { idempotent: false } });
    await http.send({ method: 'GET', url: `${s.origin}/c`, retry: false });
    expect(s.requests.map((r) => r.url)).toEqual(['/a', '/b', '/c']);
  });

  it('repeat a POST the connector marks idempotent, and a POST answered 429 (not processed)', async () => {
    const s = await server((req, res, i) => (i % 2 === 0 ? sendJson(res, req.url === '/a' ? 500 : 429, {}, { 'retry-after': '1' }) : sendJson(res, 200, {})));
    const clock = fakeClock();
    const http = client({ allowedHosts: [s.host], clock });
    expect((await http.send({ method: 'POST', url: `${s.origin}/a`, retry: { idempotent: true } })).ok).toBe(true);
    expect((await http.send({ method: 'POST', url: `${s.origin}/b` })).ok).toBe(true);
    expect(s.requests.map((r) => r.url)).toEqual(['/a', '/a', '/b', '/b']);
    expect(clock.sleeps).toEqual([50, 1000]); // the 500 backs off; the 429 waits its Retry-After
  });

  it('return listed statuses as responses without retrying', async () => {
    const s = await server((_req, res) => sendJson(res, 503, { maintenanceUntil: '06:00' }));
    const out = await client({ allowedHosts: [s.host] }).send({ method: 'GET', url: `${s.origin}/x`, passStatuses: [503] });
    expect(out.ok && out.value.json()).toEqual({ ok: true, value: { maintenanceUntil: '06:00' } });
    expect(s.requests).toHaveLength(1);
  });
});

describe('Retry-After', () => {
  it('is honoured in seconds', async () => {
    const s = await server((_req, res, i) => (i === 0 ? sendJson(res, 429, {}, { 'retry-after': '2' }) : sendJson(res, 200, {})));
    const clock = fakeClock();
    expect((await client({ allowedHosts: [s.host], clock }).send({ method: 'GET', url: `${s.origin}/x` })).ok).toBe(true);
    expect(clock.sleeps).toEqual([2000]);
  });

  it('is honoured as an HTTP date', async () => {
    const now = new Date('2024-05-01T00:00:00Z');
    const s = await server((_req, res, i) => (i === 0 ? sendJson(res, 503, {}, { 'retry-after': 'Wed, 01 May 2024 00:00:03 GMT' }) : sendJson(res, 200, {})));
    const clock = fakeClock(now);
    expect((await client({ allowedHosts: [s.host], clock }).send({ method: 'GET', url: `${s.origin}/x` })).ok).toBe(true);
    expect(clock.sleeps).toEqual([3000]);
  });

  it('beyond the cap gives up at once with RateLimited carrying the wait', async () => {
    const s = await server((_req, res) => sendJson(res, 429, {}, { 'retry-after': '120' }));
    const clock = fakeClock();
    const out = await client({ allowedHosts: [s.host], clock, retry: { maxDelayMs: 10_000 } }).send({ method: 'GET', url: `${s.origin}/x` });
    expect(out).toMatchObject({ ok: false, error: { _tag: 'RateLimited', retryAfterMs: 120_000 } });
    expect(s.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('on a 503 beyond the cap gives up with ServiceUnavailable carrying the wait', async () => {
    const s = await server((_req, res) => sendJson(res, 503, {}, { 'retry-after': '3600' }));
    const out = await client({ allowedHosts: [s.host], clock: fakeClock() }).send({ method: 'GET', url: `${s.origin}/x` });
    expect(out).toMatchObject({ ok: false, error: { _tag: 'ServiceUnavailable', retryAfterMs: 3_600_000 } });
  });
});

describe('timeouts and broken connections', () => {
  it('bound a bank that never answers by the total timeout of each attempt', async () => {
    const s = await server(() => undefined); // never responds
    const started = performance.now();
    const out = await client({ allowedHosts: [s.host], timeouts: { totalMs: 200 }, retry: { maxAttempts: 2, baseDelayMs: 10 } }).send({ method: 'GET', url: `${s.origin}/slow` });
    const elapsed = performance.now() - started;
    expect(out).toMatchObject({ ok: false, error: { _tag: 'TemporaryError', code: 'timeout' } });
    expect(s.requests).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('bound a body that stops half-way by the same total timeout (the attempt is aborted while its body is read)', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"accounts": [');
    });
    const started = performance.now();
    const out = await client({ allowedHosts: [s.host], timeouts: { totalMs: 200 }, retry: { maxAttempts: 1 } }).send({ method: 'GET', url: `${s.origin}/half` });
    const elapsed = performance.now() - started;
    expect(out).toMatchObject({ ok: false, error: { _tag: 'TemporaryError', code: 'timeout' } });
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('let one call override the timeouts', async () => {
    const s = await server((_req, res) => setTimeout(() => sendJson(res, 200, {}), 300));
    const http = client({ allowedHosts: [s.host], timeouts: { totalMs: 100 }, retry: { maxAttempts: 1 } });
    expect((await http.send({ method: 'GET', url: `${s.origin}/x` })).ok).toBe(false);
    expect((await http.send({ method: 'GET', url: `${s.origin}/x`, timeouts: { totalMs: 2_000 } })).ok).toBe(true);
  });

  it('bound the TCP/TLS setup by the connect timeout', async () => {
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    const started = performance.now();
    const out = await client({ allowedHosts: [silent.host], timeouts: { connectMs: 200, totalMs: 5_000 }, retry: { maxAttempts: 1 } }).send({
      method: 'GET',
      url: `https://${silent.host}/`,
    });
    const elapsed = performance.now() - started;
    expect(out).toMatchObject({ ok: false, error: { _tag: 'NetworkError', code: 'connect_timeout' } });
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(700); // undici's own connect timer alone would take ~1 s
  });

  it('turn a dropped connection into NetworkError after the retries', async () => {
    const s = await server((req) => void req.socket.destroy());
    const out = await client({ allowedHosts: [s.host], clock: fakeClock() }).send({ method: 'GET', url: `${s.origin}/x` });
    expect(out).toMatchObject({ ok: false, error: { _tag: 'NetworkError', code: 'connection_failed' } });
    expect(s.requests).toHaveLength(3);
  });

  it('turn a refused connection into NetworkError', async () => {
    const s = await server(() => undefined);
    const host = s.host;
    await s.close();
    cleanups.pop();
    const out = await client({ allowedHosts: [host], clock: fakeClock() }).send({ method: 'GET', url: `http://${host}/x` });
    expect(out).toMatchObject({ ok: false, error: { _tag: 'NetworkError' } });
  });
});

describe('bodies', () => {
  it('parse JSON, and report a malformed body as PermanentError malformed_body', async () => {
    const s = await server((req, res) => res.writeHead(200).end(req.url === '/good' ? '{"n":1}' : '{"n":'));
    const http = client({ allowedHosts: [s.host] });
    const good = await http.send({ method: 'GET', url: `${s.origin}/good` });
    expect(good.ok && good.value.json(Schema.Struct({ n: Schema.Number }))).toEqual({ ok: true, value: { n: 1 } });
    const bad = await http.send({ method: 'GET', url: `${s.origin}/bad` });
    expect(bad.ok && bad.value.json()).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'malformed_body', httpStatus: 200 } });
  });

  it('report a body of the wrong shape as unexpected_body naming the path', async () => {
    const s = await server((_req, res) => sendJson(res, 200, { n: 'one' }));
    const res = await client({ allowedHosts: [s.host] }).send({ method: 'GET', url: `${s.origin}/x` });
    const parsed = res.ok ? res.value.json(Schema.Struct({ n: Schema.Number })) : res;
    expect(parsed).toMatchObject({ ok: false, error: { code: 'unexpected_body' } });
    expect(!parsed.ok && parsed.error.message).toMatch(/\["n"\]/);
  });

  it('cap the body size', async () => {
    const s = await server((_req, res) => res.writeHead(200).end('x'.repeat(100_000)));
    const out = await client({ allowedHosts: [s.host], maxBodyBytes: 10_000 }).send({ method: 'GET', url: `${s.origin}/x` });
    expect(out).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'body_too_large' } });
  });

  it('reveal Redacted values only on the wire: headers, query, JSON (with bigints) and forms', async () => {
    const s = await server((_req, res) => sendJson(res, 200, {}));
    const http = client({ allowedHosts: [s.host] });
    await http.send({
      method: 'POST',
      url: `${s.origin}/json`,
      query: { key: Redacted.make('q-secret'), page: 2, skipped: undefined },
      headers: { Authorization: Redacted.make('Bearer h-secret') },
      body: { json: { nested: { password: Redacted.make('j-secret') }, amount: 12345678901234567890n } },
    });
    await http.send({ method: 'POST', url: `${s.origin}/form`, body: { form: { password: Redacted.make('f-secret'), user: 'alice' } } });
    const [json, form] = s.requests;
    expect(json?.url).toBe('/json?key=q-secret&page=2');
    expect(json?.headers.authorization).toBe('Bearer h-secret');
    expect(JSON.parse(json?.body ?? '')).toEqual({ nested: { password: 'j-secret' }, amount: '12345678901234567890' });
    expect(form?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form?.body).toBe('password=f-secret&user=alice');
  });
});

describe('query parameters', () => {
  it('are appended to the URL’s own query, encoded as a form, the same on every attempt', async () => {
    let calls = 0;
    const s = await server((_req, res) => (++calls === 1 ? res.writeHead(503).end() : sendJson(res, 200, {})));
    const out = await client({ allowedHosts: [s.host], clock: fakeClock() }).send({
      method: 'GET',
      url: `${s.origin}/list?fixed=a%20b&x=1`,
      query: { account_id: 'ACC/1 2&3=4', name: '銀行 "quoted"', page: 3, none: undefined, x: '2' },
      retry: { idempotent: true },
    });
    expect(out.ok).toBe(true);
    const expected = '/list?fixed=a+b&x=1&account_id=ACC%2F1+2%263%3D4&name=%E9%8A%80%E8%A1%8C+%22quoted%22&page=3&x=2';
    expect(s.requests.map((r) => r.url)).toEqual([expected, expected]);
    const parsed = new URL(`http://h${expected}`).searchParams;
    expect(parsed.get('account_id')).toBe('ACC/1 2&3=4');
    expect(parsed.get('name')).toBe('銀行 "quoted"');
    expect(parsed.getAll('x')).toEqual(['1', '2']);
  });

  it('leave a URL without query parameters as it is', async () => {
    const s = await server((_req, res) => sendJson(res, 200, {}));
    await client({ allowedHosts: [s.host] }).send({ method: 'GET', url: `${s.origin}/plain?keep=a%20b`, query: { skipped: undefined } });
    expect(s.requests.map((r) => r.url)).toEqual(['/plain?keep=a%20b']);
  });
});

describe('cookies, limits and the audit hook', () => {
  it('keep a cookie jar across calls', async () => {
    const s = await server((req, res) =>
      req.url === '/login' ? res.writeHead(200, { 'set-cookie': 'SESSION=abc; Path=/; HttpOnly' }).end() : sendJson(res, 200, { cookie: req.headers.cookie ?? null }),
    );
    const http = client({ allowedHosts: [s.host] });
    const jar = new CookieJar();
    await http.send({ method: 'POST', url: `${s.origin}/login`, cookies: jar });
    const me = await http.send({ method: 'GET', url: `${s.origin}/me`, cookies: jar });
    expect(me.ok && me.value.json()).toEqual({ ok: true, value: { cookie: 'SESSION=abc' } });
  });

  it('never exceed the limiter’s concurrency', async () => {
    const s = await server((_req, res) => setTimeout(() => sendJson(res, 200, {}), 20));
    const http = client({ allowedHosts: [s.host], limiter: createRequestLimiter({ maxConcurrency: 2, requestsPerSecond: 1_000 }) });
    await Promise.all(Array.from({ length: 8 }, (_, i) => http.send({ method: 'GET', url: `${s.origin}/${i}` })));
    expect(s.requests).toHaveLength(8);
    expect(s.peakInFlight).toBe(2);
  });

  it('report each attempt: method, host, path without query, status, duration, retry wait', async () => {
    const s = await server((_req, res, i) => (i === 0 ? sendJson(res, 503, {}) : sendJson(res, 200, {})));
    const events: HttpCallEvent[] = [];
    await client({ allowedHosts: [s.host], clock: fakeClock(), onCall: (e) => events.push(e) }).send({
      method: 'GET',
      url: `${s.origin}/accounts?access_token=secret`,
    });
    expect(events).toEqual([
      { connectorId: 'test', method: 'GET', host: s.host, path: '/accounts', attempt: 1, outcome: 'response', status: 503, durationMs: expect.any(Number), retryInMs: 50 },
      { connectorId: 'test', method: 'GET', host: s.host, path: '/accounts', attempt: 2, outcome: 'response', status: 200, durationMs: expect.any(Number) },
    ]);
  });

  it('survive a hook that throws', async () => {
    const s = await server((_req, res) => sendJson(res, 200, {}));
    const out = await client({
      allowedHosts: [s.host],
      onCall: () => {
        throw new Error('audit log down');
      },
    }).send({ method: 'GET', url: `${s.origin}/x` });
    expect(out.ok).toBe(true);
  });
});
