import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { problemType } from '../../src/http/problem';
import { SEED_BANK, type SeededTenant, seedTenant } from '../support/fixtures';
import { type Reply, readReply } from '../support/http-reply';
import { createTestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Issue 15 §6: Idempotency-Key on the creating POSTs (users, tokens, connections, syncs): the
// same key and body within 24 hours returns the first answer; the same key with another body
// is a 422 problem; stored in PostgreSQL, safe across processes.
describe('Idempotency-Key', () => {
  let db: TestDatabase;
  let one: NestFastifyApplication;
  let two: NestFastifyApplication;
  let bases: [string, string];
  let tenant: SeededTenant;
  let other: SeededTenant;

  const post = async <T = Record<string, unknown>>(base: string, path: string, bearer: string, body: unknown, key?: string): Promise<Reply<T>> =>
    readReply<T>(
      await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...(key !== undefined ? { 'idempotency-key': key } : {}) },
        body: JSON.stringify(body),
      }),
    );
  const count = async (sql: string, params: unknown[]): Promise<number> => Number(((await db.dataSource.query(sql, params)) as { n: string }[])[0]?.n);

  beforeAll(async () => {
    db = await createTestDatabase();
    // The seeded connections' connector is registered as a bank too, so that a sync starts.
    const banks = [SEED_BANK, { ...SEED_BANK, bankId: 'bank-common-api' }];
    one = await createTestApp(db, { banks });
    two = await createTestApp(db, { banks });
    await one.listen(0, '127.0.0.1');
    await two.listen(0, '127.0.0.1');
    bases = [await one.getUrl(), await two.getUrl()];
    tenant = await seedTenant(one, 'idem');
    other = await seedTenant(one, 'idem-other');
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await db?.drop();
  });

  it('creates a user once: the same key and body answer the first answer again (on any process), marked as replayed', async () => {
    const first = await post(bases[0], '/api/v2/tenant/users', tenant.apiKey, { externalId: 'retry-me' }, 'create-retry-me');
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    for (const base of bases) {
      const again = await post(base, '/api/v2/tenant/users', tenant.apiKey, { externalId: 'retry-me' }, 'create-retry-me');
      expect({ status: again.status, body: again.json, replayed: again.headers.get('idempotent-replayed') }).toEqual({ status: 201, body: first.json, replayed: 'true' });
    }
    expect(await count('select count(*) as n from users where external_id = $1', ['retry-me'])).toBe(1);
    // Without the key the same request is a new request (here: a conflict).
    expect((await post(bases[0], '/api/v2/tenant/users', tenant.apiKey, { externalId: 'retry-me' })).json).toMatchObject({ type: problemType('external-id-taken') });
  });

  it('answers 422 idempotency-key-reused for the same key with another body, and changes nothing', async () => {
    await post(bases[0], '/api/v2/tenant/users', tenant.apiKey, { externalId: 'first-body' }, 'reused-key');
    const reused = await post(bases[1], '/api/v2/tenant/users', tenant.apiKey, { externalId: 'second-body' }, 'reused-key');
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reused.json).toMatchObject({ type: problemType('idempotency-key-reused'), status: 422 });
    expect(await count('select count(*) as n from users where external_id = $1', ['second-body'])).toBe(0);
  });

  it('keeps keys apart per tenant: another tenant using the same key creates its own', async () => {
    const mine = await post(bases[0], '/api/v2/tenant/users', tenant.apiKey, { externalId: 'shared-key-user' }, 'shared-key');
    const theirs = await post(bases[0], '/api/v2/tenant/users', other.apiKey, { externalId: 'shared-key-user' }, 'shared-key');
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect((theirs.json as { id: string }).id).not.toBe((mine.json as { id: string }).id);
  });

  it('concurrent duplicates on two processes: one creates, the others replay or get 409 idempotency-request-in-progress', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => post(bases[i % 2] as string, '/api/v2/tenant/users', tenant.apiKey, { externalId: 'racer' }, 'race-key')),
    );
    const created = answers.filter((a) => a.status === 201 && a.headers.get('idempotent-replayed') === null);
    expect(created).toHaveLength(1);
    for (const a of answers.filter((x) => x !== created[0])) {
      if (a.status === 201) expect(a.json).toEqual(created[0]?.json);
      else expect(a.json).toMatchObject({ status: 409, type: problemType('idempotency-request-in-progress') });
    }
    expect(await count('select count(*) as n from users where external_id = $1', ['racer'])).toBe(1);
  });

  it('mints a user token once per key; a sync started with a key is started once', async () => {
    const [a1] = tenant.users;
    const mint = `/api/v2/tenant/users/${a1.userId}/tokens`;
    const t1 = await post(bases[0], mint, tenant.apiKey, { ttlSeconds: 600 }, 'token-key');
    const t2 = await post(bases[1], mint, tenant.apiKey, { ttlSeconds: 600 }, 'token-key');
    expect(t1.status).toBe(201);
    expect(t2.json).toEqual(t1.json);
    expect((await post(bases[1], mint, tenant.apiKey, { ttlSeconds: 900 }, 'token-key')).status).toBe(422);

    const sync = `/api/v2/bank/connectionId/${a1.connectionId}/sync`;
    const sessions = (): Promise<number> => count('select count(*) as n from sync_sessions where connection_id = $1', [a1.connectionId]);
    const before = await sessions();
    const s1 = await post(bases[0], sync, a1.token, { daysBack: 30 }, 'sync-key');
    expect(s1.status).toBe(202);
    const s2 = await post(bases[1], sync, a1.token, { daysBack: 30 }, 'sync-key');
    expect({ status: s2.status, body: s2.json, replayed: s2.headers.get('idempotent-replayed') }).toEqual({ status: 202, body: s1.json, replayed: 'true' });
    expect(await sessions()).toBe(before + 1);
    expect((await post(bases[1], sync, a1.token, { daysBack: 7 }, 'sync-key')).json).toMatchObject({ status: 422, type: problemType('idempotency-key-reused') });
  });

  it('starts a connection (redirect flow) once per key: the retry answers the same flow', async () => {
    const [, a2] = tenant.users;
    const flows = (): Promise<number> => count('select count(*) as n from connect_flows where user_id = $1', [a2.userId]);
    const before = await flows();
    const c1 = await post<{ connectFlowId: string; redirectUrl: string }>(bases[0], `/api/v2/connect/${SEED_BANK.bankId}`, a2.token, {}, 'connect-key');
    expect(c1.status).toBe(201);
    const c2 = await post(bases[1], `/api/v2/connect/${SEED_BANK.bankId}`, a2.token, {}, 'connect-key');
    expect({ status: c2.status, body: c2.json, replayed: c2.headers.get('idempotent-replayed') }).toEqual({ status: 201, body: c1.json, replayed: 'true' });
    expect(await flows()).toBe(before + 1);
    expect((await post(bases[1], `/api/v2/connect/${SEED_BANK.bankId}`, a2.token, { language: 'en' }, 'connect-key')).status).toBe(422);
  });

  it('frees the key when the request fails, so that a retry runs again', async () => {
    const bad = await post(bases[0], '/api/v2/tenant/users', tenant.apiKey, { externalId: 'retry-me' }, 'failing-key');
    expect(bad.status).toBe(409);
    expect(await count('select count(*) as n from idempotency_keys where key = $1', ['failing-key'])).toBe(0);
  });

  it('refuses a malformed key (400 validation), and forgets a key after 24 hours', async () => {
    const malformed = await post(bases[0], '/api/v2/tenant/users', tenant.apiKey, { externalId: 'x1' }, 'has space');
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ type: problemType('validation'), errors: [{ field: 'Idempotency-Key' }] });
    expect((await post(bases[0], '/api/v2/tenant/users', tenant.apiKey, { externalId: 'x1' }, 'k'.repeat(256))).status).toBe(400);

    await post(bases[0], '/api/v2/tenant/users', tenant.apiKey, { externalId: 'day-old' }, 'day-key');
    await db.dataSource.query(`update idempotency_keys set created_at = created_at - interval '25 hours' where key = $1`, ['day-key']);
    const later = await post(bases[1], '/api/v2/tenant/users', tenant.apiKey, { externalId: 'day-later' }, 'day-key');
    expect(later.status).toBe(201);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
  });
});
