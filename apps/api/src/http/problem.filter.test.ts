import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp, testSettings } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { BankCallError, ConflictError, ForbiddenError, NotFoundError, ServiceUnavailableError, UnauthorizedError, ValidationFailedError } from '../common/errors';
import { TenantsService } from '../tenants/tenants.service';
import { PROBLEMS, problemType } from './problem';
import { toProblem } from './problem.filter';

describe('toProblem', () => {
  it('maps each app error to its own problem type and status', () => {
    const cases: Array<[Error, string, number]> = [
      [new ValidationFailedError([{ field: 'a', reason: 'b' }]), 'validation', 400],
      [new UnauthorizedError(), 'unauthorized', 401],
      [new ForbiddenError(), 'forbidden', 403],
      [new NotFoundError('User'), 'not-found', 404],
      [new ConflictError('login-in-progress', 'x'), 'login-in-progress', 409],
      [new BankCallError('the bank is in maintenance', 'ServiceUnavailable'), 'bank-error', 502],
      [new ServiceUnavailableError(), 'service-unavailable', 503],
      [new Error('boom: secret internals'), 'internal', 500],
    ];
    for (const [error, kind, status] of cases) {
      const p = toProblem(error, '/x');
      expect([p.type, p.status]).toEqual([problemType(kind as keyof typeof PROBLEMS), status]);
      expect(JSON.stringify(p)).not.toContain('secret internals');
    }
  });
});

describe('errors at the HTTP edge', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let auth: { authorization: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db, { settings: testSettings({ KINKO_BODY_LIMIT_BYTES: '2048' }) });
    auth = { authorization: `Bearer ${(await app.get(TenantsService).bootstrap('Acme')).apiKey.apiKey}` };
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const expectProblem = (res: { statusCode: number; headers: Record<string, unknown>; json: <T>() => T; body: string }, kind: keyof typeof PROBLEMS): void => {
    expect(res.statusCode).toBe(PROBLEMS[kind].status);
    expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ type: problemType(kind), title: PROBLEMS[kind].title, status: PROBLEMS[kind].status });
    expect(res.body).not.toMatch(/\bat .+\.(js|ts):\d+/); // never a stack trace
  };

  it('unknown route → not-found', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/api/v2/nope?token=abc' }), 'not-found');
    const res = await app.inject({ method: 'GET', url: '/api/v2/nope?token=abc' });
    expect(res.json<{ instance: string }>().instance).toBe('/api/v2/nope'); // no query string echoed
  });

  it('missing or bad credentials → unauthorized', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/api/v2/tenant' }), 'unauthorized');
    expectProblem(await app.inject({ method: 'GET', url: '/api/v2/tenant', headers: { authorization: 'Basic abc' } }), 'unauthorized');
  });

  it('malformed JSON → malformed-request', async () => {
    expectProblem(await app.inject({ method: 'POST', url: '/api/v2/tenant/users', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"externalId": ' }), 'malformed-request');
  });

  it('a body over the limit → payload-too-large', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v2/tenant/users', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify({ externalId: 'x'.repeat(4096) }) });
    expectProblem(res, 'payload-too-large');
  });

  it('a body that is not JSON → unsupported-media-type', async () => {
    expectProblem(await app.inject({ method: 'POST', url: '/api/v2/tenant/users', headers: { ...auth, 'content-type': 'application/xml' }, payload: '<user/>' }), 'unsupported-media-type');
  });

  it('an unexpected failure → internal, with nothing of the cause in the answer', async () => {
    const scratch = await createTestDatabase();
    const broken = await createTestApp(scratch);
    try {
      const key = (await broken.get(TenantsService).bootstrap('B')).apiKey.apiKey;
      await scratch.dataSource.query('drop table users cascade');
      const res = await broken.inject({ method: 'GET', url: '/api/v2/tenant/users', headers: { authorization: `Bearer ${key}` } });
      expectProblem(res, 'internal');
      expect(res.body).not.toMatch(/relation|QueryFailedError|select|does not exist/i);
    } finally {
      await broken.close();
      await scratch.drop();
    }
  });
});
