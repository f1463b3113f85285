import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChallengeSweeper } from '../../src/challenges/challenge-sweeper';
import { BANK_CALL_TIMEOUT_MS } from '../../src/challenges/credential-login.service';
import { problemType } from '../../src/http/problem';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type LinkWorld, type LoginResult, NETBANK_ID, credentialsOf, eventually, followLogin, startLinkWorld, statusOf } from './harness';

// The login-abandoned problem (issue 13 §5), over loopback HTTP against the sandbox net bank:
// a login whose attempt was ended while the bank was still answering (the challenge sweeper
// presumed its process dead) cannot make the connection wait for the bank's question. The
// request answers 409 login-abandoned, and the connection keeps the status the sweeper gave
// it (error.temporary) rather than a question nobody can answer.

const BANK_LATENCY_MS = 3_000;

describe('login-abandoned through the API', () => {
  let db: TestDatabase;
  let world: LinkWorld;

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await startLinkWorld(db, { worker: false });
  });
  afterAll(async () => {
    await world?.close();
    await db?.drop();
  });

  it('re-entered credentials whose login the sweeper ends while the bank answers with a challenge → 409 login-abandoned; the connection stays error.temporary, no challenge waits', async () => {
    // A settled connection to log in again: the first login is refused (wrong password).
    const first = await world.api<LoginResult>('POST', `/api/v2/connect/${NETBANK_ID}/credentials`, { credentials: credentialsOf(world.netbank, 'otp', 'wrong-password') });
    expect(first.status).toBe(202);
    const connectionId = first.json.connectionId;
    expect(await followLogin(world, connectionId, 30_000)).toMatchObject({ aggregationStatus: 'auth.creds.invalid' });

    // The right password now, at a slow bank that will answer with an OTP question.
    world.netbank.knobs.faults.set({ latencyMs: BANK_LATENCY_MS, operations: ['POST /login'] });
    try {
      const reply = world.api<{ type: string; status: number }>('PUT', `/api/v2/connections/${connectionId}/credentials`, { credentials: credentialsOf(world.netbank, 'otp') });
      await eventually('the login at the bank', async () => ((await statusOf(world.ds, connectionId)) === 'running.auth' ? true : undefined), 10_000);
      // Meanwhile the attempt outlives its bank-call deadline: the sweeper presumes it dead and ends it.
      world.clock.advance(BANK_CALL_TIMEOUT_MS + 1_000);
      expect(await world.app.get(ChallengeSweeper).sweepOnce()).toMatchObject({ abandoned: 1 });
      expect(await statusOf(world.ds, connectionId)).toBe('error.temporary');
      const answered = await reply;
      expect(answered.status).toBe(409);
      expect(answered.json.type).toBe(problemType('login-abandoned'));
    } finally {
      world.netbank.knobs.faults.reset();
    }
    expect(await statusOf(world.ds, connectionId)).toBe('error.temporary');
    expect((await world.api('GET', `/api/v2/connections/${connectionId}/challenge`)).status).toBe(404);
    expect(await world.ds.query(`SELECT 1 FROM auth_attempts WHERE connection_id = $1`, [connectionId])).toEqual([]);
  });
});
