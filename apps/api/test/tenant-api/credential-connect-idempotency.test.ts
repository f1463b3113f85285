import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { problemType } from '../../src/http/problem';
import { readReply } from '../support/http-reply';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type LinkWorld, NETBANK_ID, credentialsOf, startLinkWorld } from '../link/harness';

// Issue 15 §6 on the credentials connect: `Idempotency-Key` on POST /api/v2/connect/{bankId}/credentials.
// The same key and body answer the first answer (202, its Location, Idempotent-Replayed) without
// a second connection or a second login at the bank; the same key with another body is a 422.
// The body holds the bank login details, so the stored request hash is keyed (an HMAC under a
// key derived from the master key), never a plain SHA-256 of the password.
describe('Idempotency-Key on the credentials connect', () => {
  let db: TestDatabase;
  let world: LinkWorld;
  const path = `/api/v2/connect/${NETBANK_ID}/credentials`;

  const connect = async (credentials: Record<string, string>, key: string) =>
    readReply<{ connectionId: string; outcome: string; aggregationStatus: string }>(
      await fetch(`${world.base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${world.token}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ credentials }),
      }),
    );
  /** POSTs of the bank's login form (one per login attempt at the bank). */
  const bankLogins = (): number => world.netbank.requests().filter((r) => r.method === 'POST' && r.path === '/login').length;
  const connections = async (): Promise<number> => Number(((await world.ds.query('select count(*) as n from connections where user_id = $1', [world.scope.userId])) as { n: string }[])[0]?.n);
  /** Waits until the connection's login is over (no longer running.*). */
  const settled = async (connectionId: string): Promise<string> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await world.api<{ aggregationStatus: string }>('GET', `/api/v2/connections/${connectionId}`);
      if (!r.json.aggregationStatus.startsWith('running.')) return r.json.aggregationStatus;
      if (Date.now() > deadline) throw new Error(`connection ${connectionId} still ${r.json.aggregationStatus}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await startLinkWorld(db);
  });
  afterAll(async () => {
    await world?.close();
    await db?.drop();
  });

  it('the same key and body answer the first answer again (202, Location), with no second connection and no second login at the bank', async () => {
    const credentials = credentialsOf(world.netbank, 'happy');
    const first = await connect(credentials, 'connect-happy');
    expect(first.status).toBe(202);
    expect(first.json).toMatchObject({ outcome: 'running', aggregationStatus: 'running.auth' });
    expect(first.headers.get('location')).toBe(`/api/v2/connections/${first.json.connectionId}`);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await settled(first.json.connectionId)).toBe('success');
    const loginsAfterFirst = bankLogins();
    expect(loginsAfterFirst).toBeGreaterThanOrEqual(1);

    const again = await connect(credentials, 'connect-happy');
    expect({ status: again.status, body: again.json, location: again.headers.get('location'), replayed: again.headers.get('idempotent-replayed') }).toEqual({
      status: 202,
      body: first.json,
      location: first.headers.get('location'),
      replayed: 'true',
    });
    // Nothing started in the background either.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(bankLogins()).toBe(loginsAfterFirst);
    expect(await connections()).toBe(1);
  });

  it('the same key with other credentials is a 422 idempotency-key-reused: no connection, no login at the bank', async () => {
    const before = { logins: bankLogins(), connections: await connections() };
    const reused = await connect(credentialsOf(world.netbank, 'happy', 'another-password'), 'connect-happy');
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reused.json).toMatchObject({ type: problemType('idempotency-key-reused'), status: 422 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect({ logins: bankLogins(), connections: await connections() }).toEqual(before);
  });

  it('stores no plain hash of the login details and never the details themselves', async () => {
    const credentials = credentialsOf(world.netbank, 'happy');
    const rows = (await world.ds.query("select request_hash, response_body::text as body from idempotency_keys where key = 'connect-happy'")) as { request_hash: Buffer; body: string }[];
    expect(rows).toHaveLength(1);
    const plain = createHash('sha256').update(`POST ${path}\n${JSON.stringify({ credentials })}`).digest();
    expect(rows[0]?.request_hash.equals(plain)).toBe(false);
    expect(rows[0]?.request_hash).toHaveLength(32);
    expect(rows[0]?.body).not.toContain(credentials.password as string);
  });
});
