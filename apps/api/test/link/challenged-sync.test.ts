import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChallengeSweeper } from '../../src/challenges/challenge-sweeper';
import { SyncService } from '../../src/sync/sync.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type LinkWorld, type LoginResult, connectWithCredentials, credentialsOf, eventually, reachStatus, secretAnswer, startLinkWorld, statusOf } from './harness';

// A sync of a credentials connection whose bank session has ended: the connector logs in
// again and the bank asks a challenge. The session ends, the connection waits in the
// matching suspended.* status with the question available through the challenge API, and
// answering it completes the refresh — whether the user asked for the sync (the user API)
// or the scheduler did (background); unanswered, it times out like any other challenge.

interface SessionStatus {
  status: string;
  finishedAt: string | null;
  stages: Array<{ stage: string; status: string; failure: { message: string } | null }>;
}

describe('a sync the bank challenges at its re-login', () => {
  let db: TestDatabase;
  let world: LinkWorld;

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await startLinkWorld(db);
  });
  afterAll(async () => {
    await world?.close();
    await db?.drop();
  });

  const answer = (connectionId: string, text: string) => world.api<LoginResult>('POST', `/api/v2/connections/${connectionId}/challenge`, { answer: text });
  const history = async (connectionId: string): Promise<string[]> =>
    ((await world.ds.query(`SELECT status FROM connection_status_history WHERE connection_id = $1 ORDER BY changed_at, id`, [connectionId])) as Array<{ status: string }>).map(
      (h) => h.status,
    );
  const finished = (sessionId: string) =>
    eventually(`session ${sessionId} finished`, async () => {
      const res = await world.api<SessionStatus>('GET', `/api/v2/bank/session/${sessionId}/status/details`);
      return res.json.finishedAt ? res.json : undefined;
    });

  /** A connection of the persona, connected (its first challenge answered) and synced once. */
  async function connected(persona: string, answerOf: (prompt: string) => string): Promise<string> {
    const login = await connectWithCredentials(world, credentialsOf(world.netbank, persona));
    expect(login.outcome).toBe('challenge');
    expect((await answer(login.connectionId, answerOf(login.challenge?.prompt as string))).json.outcome).toBe('granted');
    await reachStatus(world, login.connectionId, 'success');
    return login.connectionId;
  }

  it('API-requested (OTP at every login): suspended.missing-answer.auth.otp, the session ended, the OTP asked through the API; the answer completes the refresh', async () => {
    const otp = world.netbank.persona('otp').otpCode;
    const connectionId = await connected('otp', () => otp);
    const before = await history(connectionId);
    world.netbank.knobs.endSessions('otp');

    const started = await world.api<{ sessionId: string }>('POST', `/api/v2/bank/connectionId/${connectionId}/sync`, {});
    expect(started.status).toBe(202);
    await reachStatus(world, connectionId, 'suspended.missing-answer.auth.otp');
    // The session does not hang: it ended, failed at the stage the bank asked in.
    const session = await finished(started.json.sessionId);
    expect(session.status).toBe('failed');
    expect(session.stages.find((s) => s.status === 'failed')?.failure?.message).toMatch(/otp challenge/);
    // The run went running → suspended (a domain move), not stuck in running.*.
    expect((await history(connectionId)).slice(before.length)).toEqual(['running.auth', 'running.data', 'suspended.missing-answer.auth.otp']);

    const pending = await world.api<{ kind: string; expiresAt: string }>('GET', `/api/v2/connections/${connectionId}/challenge`);
    expect(pending.status).toBe(200);
    expect(pending.json.kind).toBe('otp');
    expect(new Date(pending.json.expiresAt).getTime() - world.clock.now().getTime()).toBe(180_000);

    const done = await answer(connectionId, otp);
    expect(done.json.outcome).toBe('granted');
    expect(done.json.sessionIds).toHaveLength(1);
    expect(done.json.sessionIds[0]).not.toBe(started.json.sessionId);
    await reachStatus(world, connectionId, 'success');
    expect((await finished(done.json.sessionIds[0] as string)).status).toBe('completed');
    expect((await world.api('GET', `/api/v2/connections/${connectionId}/challenge`)).status).toBe(404);
  });

  it('background (scheduler) sync, a secret question: it waits in suspended.missing-answer.auth.security and the answer completes it', async () => {
    const connectionId = await connected('security', (prompt) => secretAnswer(world.netbank, 'security', prompt));
    world.netbank.knobs.endSessions('security');
    const started = await world.app.get(SyncService).startSync(world.scope, { connectionIds: [connectionId] }, { requestedBy: 'scheduler' });
    expect(started.sessionIds).toHaveLength(1);
    await reachStatus(world, connectionId, 'suspended.missing-answer.auth.security');
    expect((await finished(started.sessionIds[0] as string)).status).toBe('failed');

    const pending = await world.api<{ kind: string; prompt: string }>('GET', `/api/v2/connections/${connectionId}/challenge`);
    expect(pending.json.kind).toBe('security');
    const done = await answer(connectionId, secretAnswer(world.netbank, 'security', pending.json.prompt));
    expect(done.json.outcome).toBe('granted');
    await reachStatus(world, connectionId, 'success');
  });

  it('background sync nobody answers: after the timeout the sweeper moves it to auth.creds.otp.invalid, and the scheduler leaves it to the user', async () => {
    const otp = world.netbank.persona('otp').otpCode;
    const connectionId = await connected('otp', () => otp);
    world.netbank.knobs.endSessions('otp');
    const started = await world.app.get(SyncService).startSync(world.scope, { connectionIds: [connectionId] }, { requestedBy: 'scheduler' });
    await reachStatus(world, connectionId, 'suspended.missing-answer.auth.otp');
    await finished(started.sessionIds[0] as string);

    world.clock.advance(180_000);
    expect((await world.app.get(ChallengeSweeper).sweepOnce()).timedOut).toBe(1);
    expect(await statusOf(world.ds, connectionId)).toBe('auth.creds.otp.invalid');
    const again = await world.app.get(SyncService).startSync(world.scope, { connectionIds: [connectionId] }, { requestedBy: 'scheduler' });
    expect(again).toEqual({ sessionIds: [], skipped: [{ connectionId, reason: 'needs-user' }] });
  });
});
