import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WebhookWorker } from '../../src/webhooks/webhook-worker';
import { type LinkWorld, type LoginResult, connectWithCredentials, credentialsOf, reachStatus, secretAnswer, startLinkWorld } from '../link/harness';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type Receiver, eventually, startReceiver } from './receiver';

// `challenge.waiting` from a real credential-bank challenge (issue 14 §2): the net bank
// sandbox over loopback asks a one-time password or a secret question at the login, the
// connection is made through the user API on real PostgreSQL, and a receiver on 127.0.0.1
// verifies every signature with the `standardwebhooks` package. One `challenge.waiting` for
// the question; answering it moves the connection on (`connection.status_changed`, every
// move once) without a second `challenge.waiting`.

const quiet = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('webhooks: challenge.waiting from a credential bank', () => {
  let db: TestDatabase;
  let world: LinkWorld;
  let r: Receiver;

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await startLinkWorld(db, { webhookSettings: { allowPrivateNetworks: true, retryLimit: 1, retryDelaySeconds: 1, pollingIntervalSeconds: 0.5, timeoutMs: 2_000 } });
    await world.app.get(WebhookWorker).start();
    r = await startReceiver();
    const res = await fetch(`${world.base}/api/v2/tenant/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: r.url, eventTypes: ['challenge.waiting', 'connection.status_changed'] }),
    });
    expect(res.status).toBe(201);
    r.secret = ((await res.json()) as { secret: string }).secret;
  }, 60_000);
  afterAll(async () => {
    await r?.close();
    await world?.close();
    await db?.drop();
  });

  const ofConnection = (type: string, connectionId: string) => r.accepted(type).filter((x) => x.data?.['connectionId'] === connectionId);

  it.each([
    ['otp', 'suspended.missing-answer.auth.otp', (_login: LoginResult) => world.netbank.persona('otp').otpCode],
    ['security', 'suspended.missing-answer.auth.security', (login: LoginResult) => secretAnswer(world.netbank, 'security', login.challenge?.prompt as string)],
  ])('%s: one challenge.waiting with %s; the answer moves the connection on without a second one', async (persona, waitingStatus, answerOf) => {
    const login = await connectWithCredentials(world, credentialsOf(world.netbank, persona));
    expect(login).toMatchObject({ outcome: 'challenge', aggregationStatus: waitingStatus });
    const { connectionId } = login;

    const waiting = await eventually('challenge.waiting', () => ofConnection('challenge.waiting', connectionId), (x) => x.length >= 1);
    expect(waiting[0]!.data).toEqual({ userId: world.scope.userId, connectionId, status: waitingStatus, sessionId: null });

    const answered = await world.api<LoginResult>('POST', `/api/v2/connections/${connectionId}/challenge`, { answer: answerOf(login) });
    expect(answered.status).toBe(200);
    expect(answered.json.outcome).toBe('granted');
    await reachStatus(world, connectionId, 'success');

    // Every move of the connection (its history rows but the creation's, which has no previous status), once each.
    const moves = (await world.ds.query(`SELECT previous_status, status FROM connection_status_history WHERE connection_id = $1 AND previous_status IS NOT NULL ORDER BY changed_at, id`, [connectionId])) as Array<{
      previous_status: string;
      status: string;
    }>;
    expect(moves.map((m) => m.status)).toEqual([waitingStatus, 'running.auth', 'running.data', 'running.intelligence', 'success']);
    const changed = await eventually('every connection.status_changed', () => ofConnection('connection.status_changed', connectionId), (x) => x.length >= moves.length);
    await quiet(2_000); // nothing more comes
    const pairs = (xs: Array<[unknown, unknown]>): string[] => xs.map((x) => x.join(' → ')).sort();
    expect(pairs(ofConnection('connection.status_changed', connectionId).map((x) => [x.data!['previousStatus'], x.data!['status']]))).toEqual(pairs(moves.map((m) => [m.previous_status, m.status])));
    expect(changed.map((x) => x.data)).toContainEqual(expect.objectContaining({ previousStatus: waitingStatus, status: 'running.auth', userId: world.scope.userId, connectionId }));
    expect(changed.map((x) => x.data!['status'])).toContain('success');
    // One question, one challenge.waiting.
    expect(ofConnection('challenge.waiting', connectionId)).toHaveLength(1);
    expect(r.received.every((x) => x.verified)).toBe(true);
  }, 60_000);
});
