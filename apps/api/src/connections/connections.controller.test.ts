import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { type SeededTenant, seedTenant } from '../../test/support/fixtures';
import { createTestApp } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { Connection } from './connection.entity';

describe('connections', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let tenant: SeededTenant;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db);
    tenant = await seedTenant(app, 'acme');
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('user API: lists the caller’s connections with their aggregation status, and only theirs', async () => {
    const [alice, bob] = tenant.users;
    // Unknown future statuses are passed through verbatim.
    await app.get(DataSource).getRepository(Connection).update({ id: alice.connectionId }, { aggregationStatus: 'suspended.missing-answer.auth.fingerprint' });
    const res = await app.inject({ method: 'GET', url: '/api/v2/connections', headers: { authorization: `Bearer ${alice.token}` } });
    expect(res.statusCode).toBe(200);
    const list = res.json<{ id: string; aggregationStatus: string; connectorId: string }[]>();
    expect(list.map((c) => c.id)).toEqual([alice.connectionId]);
    expect(list[0]).toMatchObject({ connectorId: 'bank-common-api', aggregationStatus: 'suspended.missing-answer.auth.fingerprint', deactivated: false });
    const one = await app.inject({ method: 'GET', url: `/api/v2/connections/${alice.connectionId}`, headers: { authorization: `Bearer ${alice.token}` } });
    expect(one.json()).toEqual(list[0]);
    const foreign = await app.inject({ method: 'GET', url: `/api/v2/connections/${bob.connectionId}`, headers: { authorization: `Bearer ${alice.token}` } });
    expect(foreign.statusCode).toBe(404);
  });

  it('tenant API: reads one of its users’ connections', async () => {
    const [, bob] = tenant.users;
    const res = await app.inject({ method: 'GET', url: `/api/v2/tenant/users/${bob.userId}/connections`, headers: { authorization: `Bearer ${tenant.apiKey}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ id: string }[]>().map((c) => c.id)).toEqual([bob.connectionId]);
  });

  it('stops accepting a user token once its user is gone', async () => {
    const [, bob] = tenant.users;
    await app.get(DataSource).query('delete from users where id = $1', [bob.userId]);
    const res = await app.inject({ method: 'GET', url: '/api/v2/connections', headers: { authorization: `Bearer ${bob.token}` } });
    expect(res.statusCode).toBe(401);
  });
});
