import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger, type LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app';
import { problemType } from '../../src/http/problem';
import { TenantsService } from '../../src/tenants/tenants.service';
import { readReply } from '../support/http-reply';
import { testSettings } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Log lines the app writes (Nest's logger replaced for the test). */
const lines: string[] = [];
const capture: LoggerService = {
  log: (m: unknown) => lines.push(String(m)),
  error: (m: unknown) => lines.push(String(m)),
  warn: (m: unknown) => lines.push(String(m)),
  debug: (m: unknown) => lines.push(String(m)),
  verbose: (m: unknown) => lines.push(String(m)),
};

// Issue 15 §5: every answer carries X-Request-Id (the caller's when well-formed, else a new
// one); it appears in problem bodies and in the logs.
describe('request ids', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let base: string;
  let port: number;
  let auth: { authorization: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createApp({ settings: { settings: testSettings() }, databaseUrl: db.url, logger: ['error', 'warn', 'verbose'] });
    Logger.overrideLogger(capture);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    port = Number(new URL(base).port);
    auth = { authorization: `Bearer ${(await app.get(TenantsService).bootstrap('Acme')).apiKey.apiKey}` };
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const get = async (path: string, headers: Record<string, string> = {}) => readReply<{ requestId?: string; type?: string }>(await fetch(`${base}${path}`, { headers }));

  it('generates a fresh id for every answer that brings none', async () => {
    const one = await get('/api/v2/tenant', auth);
    const two = await get('/api/v2/tenant', auth);
    expect(one.status).toBe(200);
    expect(one.headers.get('x-request-id')).toMatch(UUID);
    expect(two.headers.get('x-request-id')).toMatch(UUID);
    expect(one.headers.get('x-request-id')).not.toBe(two.headers.get('x-request-id'));
  });

  it("keeps the caller's id when it is well-formed, and replaces one that is not", async () => {
    const kept = await get('/api/v2/tenant', { ...auth, 'x-request-id': 'caller-abc.123_X' });
    expect(kept.headers.get('x-request-id')).toBe('caller-abc.123_X');
    for (const bad of ['has space', 'x'.repeat(129), 'semi;colon', 'ünïcode', '']) {
      const res = await get('/api/v2/tenant', { ...auth, 'x-request-id': bad });
      expect(res.headers.get('x-request-id')).toMatch(UUID);
    }
  });

  it('puts the id in every problem body: 401, 404, validation, and framework errors before routing', async () => {
    const cases = [
      { res: await get('/api/v2/tenant', { 'x-request-id': 'req-401' }), type: 'unauthorized', id: 'req-401' },
      { res: await get('/api/v2/tenant/users/01a1fe9a-0000-7000-8000-000000000009', { ...auth, 'x-request-id': 'req-404' }), type: 'not-found', id: 'req-404' },
      { res: await get('/api/v2/nowhere', { 'x-request-id': 'req-unrouted' }), type: 'not-found', id: 'req-unrouted' },
      { res: await get('/api/v2/tenant/users?limit=nope', { ...auth, 'x-request-id': 'req-400' }), type: 'validation', id: 'req-400' },
      { res: await get('/api/v2/tenant/users/x%FF', { ...auth, 'x-request-id': 'req-bad-url' }), type: 'malformed-request', id: 'req-bad-url' },
    ];
    for (const { res, type, id } of cases) {
      expect({ status: res.status, header: res.headers.get('x-request-id'), type: res.json.type, requestId: res.json.requestId }).toEqual({
        status: expect.any(Number),
        header: id,
        type: problemType(type as 'not-found'),
        requestId: id,
      });
    }
  });

  it("answers a request Node's parser refuses with a problem carrying a new id in header and body", async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', reject);
      socket.write('GET /api/v2/tenant HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    });
    const header = /\r\nx-request-id: ([^\r]+)/i.exec(raw)?.[1];
    expect(header).toMatch(UUID);
    expect(JSON.parse(raw.split('\r\n\r\n')[1] as string)).toMatchObject({ type: problemType('malformed-request'), requestId: header });
  });

  it('writes the id in the log line of each request (the route template, never the URL)', async () => {
    // The request log is a JSON line (pino) on stdout, not a Nest logger call.
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: unknown) => written.push(String(chunk)) > 0) as typeof process.stdout.write;
    const userId = '01a1fe9a-0000-7000-8000-00000000abcd';
    try {
      await get(`/api/v2/tenant/users/${userId}`, { ...auth, 'x-request-id': 'trace-me-42' });
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.stdout.write = write;
    }
    const line = written.find((l) => l.includes('trace-me-42'));
    expect(JSON.parse(line as string)).toMatchObject({ context: 'HTTP', msg: 'request', requestId: 'trace-me-42', method: 'GET', route: '/api/v2/tenant/users/:userId', status: 404, durationMs: expect.any(Number), tenantId: expect.any(String) });
    expect(written.join('\n')).not.toContain(userId);
  });
});
