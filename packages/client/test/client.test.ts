import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { KinkoApiError, KinkoTimeoutError, createKinkoClient } from '../src';

// The client's own mechanics against a scripted server on loopback: the polling is bounded and
// backs off, the iterators follow cursors, the headers (API key, acting-as, Idempotency-Key) are
// sent, and an error without a problem body still becomes a KinkoApiError. The whole journey
// against the real app is apps/api/test/client/journey.test.ts.
interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly at: number;
}

describe('@kinko/client mechanics', () => {
  let server: Server;
  let baseUrl: string;
  const seen: Seen[] = [];
  let handle: (url: URL, res: ServerResponse) => void = () => undefined;
  const json = (res: ServerResponse, status: number, body: unknown, type = 'application/json'): void => {
    res.writeHead(status, { 'content-type': type, 'x-request-id': 'req-1' }).end(JSON.stringify(body));
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, at: Date.now() });
      req.resume().on('end', () => handle(new URL(req.url ?? '/', 'http://x'), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
  });

  it('followSession polls with growing delays until the session has finished', async () => {
    let calls = 0;
    handle = (_url, res) => {
      calls += 1;
      json(res, 200, { sessionId: 's', status: calls < 5 ? 'running' : 'completed', stage: calls < 5 ? 'transactions' : 'finished', finishedAt: calls < 5 ? null : '2026-01-01T00:00:00Z' });
    };
    const user = createKinkoClient({ baseUrl, apiKey: 'k' }).asUser('user-token');
    const done = await user.followSession('s', { initialDelayMs: 20, factor: 2, maxDelayMs: 1_000 });
    expect(done).toMatchObject({ status: 'completed', stage: 'finished' });
    expect(seen.map((s) => s.url)).toEqual(Array.from({ length: 5 }, () => '/api/v2/bank/session/s/status'));
    expect(seen[0]?.headers.authorization).toBe('Bearer user-token');
    // Each wait at least the planned delay (20, 40, 80, 160 ms): the delays grow.
    const gaps = seen.slice(1).map((s, i) => s.at - (seen[i] as Seen).at);
    expect(gaps.map((gap, i) => gap >= 20 * 2 ** i - 2)).toEqual([true, true, true, true]);
  });

  it('gives up after timeoutMs with a KinkoTimeoutError (bounded), the delays capped at maxDelayMs', async () => {
    handle = (_url, res) => json(res, 200, { sessionId: 's', status: 'running', stage: 'accounts', finishedAt: null });
    const user = createKinkoClient({ baseUrl, apiKey: 'k' }).asUser('t');
    const started = Date.now();
    // Capped at 100 ms, the delays (50, 100, 100…) give about 21 polls in 2 s; uncapped (×4:
    // 50, 200, 800…) they would give 5. The margin is for a loaded machine, where each poll's
    // round trip adds to its delay.
    await expect(user.followSession('s', { timeoutMs: 2_000, initialDelayMs: 50, maxDelayMs: 100, factor: 4 })).rejects.toBeInstanceOf(KinkoTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(seen.length).toBeGreaterThanOrEqual(8);
    expect(seen.length).toBeLessThanOrEqual(22);
  });

  it('iterates every transaction page by its cursor, and the change feed until hasMore is false', async () => {
    handle = (url, res) => {
      if (url.pathname === '/api/v2/transactions/sync') {
        const n = Number(url.searchParams.get('cursor') ?? '0');
        json(res, 200, { added: [{ id: `f${n}` }], modified: [], removed: n === 1 ? [{ id: 'f0', accountId: 'a', successorId: null }] : [], nextCursor: String(n + 1), hasMore: n < 2 });
        return;
      }
      const cursor = url.searchParams.get('cursor');
      const page = cursor === null ? 0 : Number(cursor);
      json(res, 200, { items: [{ id: `t${page}a` }, { id: `t${page}b` }], nextCursor: page < 2 ? String(page + 1) : null, limit: 2 });
    };
    const user = createKinkoClient({ baseUrl, apiKey: 'k' }).asUser('t');
    const ids: string[] = [];
    for await (const t of user.transactions('acc', { limit: 2 })) ids.push(t.id);
    expect(ids).toEqual(['t0a', 't0b', 't1a', 't1b', 't2a', 't2b']);
    expect(seen.map((s) => s.url)).toEqual(['/api/v2/accounts/acc/transactions?limit=2', '/api/v2/accounts/acc/transactions?limit=2&cursor=1', '/api/v2/accounts/acc/transactions?limit=2&cursor=2']);

    const changes = await user.changes();
    expect(changes).toEqual({ added: [{ id: 'f0' }, { id: 'f1' }, { id: 'f2' }], modified: [], removed: [{ id: 'f0', accountId: 'a', successorId: null }], nextCursor: '3', hasMore: false });
  });

  it('sends the API key, Kinko-Acting-As-User and Idempotency-Key', async () => {
    handle = (url, res) => (url.pathname === '/api/v2/tenant/users' ? json(res, 201, { id: 'u1', externalId: 'x', createdAt: '2026-01-01T00:00:00Z' }) : json(res, 200, []));
    const kinko = createKinkoClient({ baseUrl: `${baseUrl}/`, apiKey: 'the-key' });
    await kinko.createUser('x', { idempotencyKey: 'once' });
    await kinko.actingAs('u1').accounts();
    expect(seen.map((s) => [s.method, s.url, s.headers.authorization, s.headers['idempotency-key'], s.headers['kinko-acting-as-user']])).toEqual([
      ['POST', '/api/v2/tenant/users', 'Bearer the-key', 'once', undefined],
      ['GET', '/api/v2/bankaccount', 'Bearer the-key', undefined, 'u1'],
    ]);
  });

  it('turns a problem+json into a KinkoApiError, and an answer without one into a problem of its status line', async () => {
    handle = (url, res) =>
      url.pathname === '/api/v2/tenant/users/gone'
        ? json(res, 404, { type: 'https://kinko.dev/problems/not-found', title: 'Not found', status: 404, detail: 'User not found.', requestId: 'req-9' }, 'application/problem+json')
        : res.writeHead(502, { 'content-type': 'text/plain', 'x-request-id': 'req-proxy' }).end('upstream down');
    const kinko = createKinkoClient({ baseUrl, apiKey: 'k' });
    const notFound = (await kinko.user('gone').catch((e: unknown) => e)) as KinkoApiError;
    expect(notFound).toBeInstanceOf(KinkoApiError);
    expect({ type: notFound.type, title: notFound.title, status: notFound.status, detail: notFound.detail, requestId: notFound.requestId }).toEqual({
      type: 'https://kinko.dev/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'User not found.',
      requestId: 'req-9',
    });
    const proxy = (await kinko.user('other').catch((e: unknown) => e)) as KinkoApiError;
    expect(proxy).toBeInstanceOf(KinkoApiError);
    expect({ type: proxy.type, status: proxy.status, detail: proxy.detail, requestId: proxy.requestId }).toEqual({ type: 'about:blank', status: 502, detail: 'upstream down', requestId: 'req-proxy' });
  });
});
