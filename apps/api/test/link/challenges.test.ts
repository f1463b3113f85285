import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_NETBANK_PERSONAS, type NetbankPersonaConfig } from '@kinko/sandbox-bank';
import { UserTokensService } from '../../src/auth/user-tokens.service';
import { ChallengeSweeper } from '../../src/challenges/challenge-sweeper';
import { dumpDatabase, secretForms } from '../e2e/database-dump';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { LinkBrowser, type LinkWorld, type LoginResult, NETBANK_ID, OTP_THEN_CAPTCHA, bankSessionOfChallenge, connectWithCredentials, credentialsOf, reachStatus, secretAnswer, startLinkWorld, statusOf } from './harness';

// The challenge API and the credential flow around it: answers passed to the bank and never
// stored, two questions in a row, the timeout of every kind with a test clock (the sweeper),
// re-entering credentials, logging in again, disconnecting while a question waits.

const canary = (what: string): string => `${what}${randomBytes(6).toString('hex')}`;
const SECRET_ANSWER = canary('kotae-');
const OTP_CODE = String(10_000_000 + (randomBytes(4).readUInt32BE() % 89_999_999));
const PASSWORD = canary('pw-');

/** A persona with a canary secret answer and OTP: a secret question, then an OTP, at every login. */
const CANARY_PERSONA: NetbankPersonaConfig = {
  id: 'canary',
  password: PASSWORD,
  branchCode: '323',
  accounts: [{ number: '1000031' }],
  challenges: [{ kind: 'security' }, { kind: 'otp', when: 'always' }],
  secretQuestions: [{ question: '初めて飼ったペットの名前は？', answer: SECRET_ANSWER }],
  otpCode: OTP_CODE,
};


describe('challenges: answers, timeouts, credentials', () => {
  let db: TestDatabase;
  let world: LinkWorld;
  const logs: string[] = [];
  let restore: () => void = () => undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const capture = (chunk: unknown): boolean => {
      logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return true;
    };
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    restore = () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
    // Every log level on, captured: the answers must not appear in any line.
    world = await startLinkWorld(db, { personas: [...DEFAULT_NETBANK_PERSONAS, OTP_THEN_CAPTCHA, CANARY_PERSONA], logLevels: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] });
  });
  afterAll(async () => {
    restore();
    await world?.close();
    await db?.drop();
  });

  // Answered at once (202, running.auth); the login is followed through the connection.
  const connect = (persona: string, password?: string) => connectWithCredentials(world, credentialsOf(world.netbank, persona, password));
  const answer = (connectionId: string, text: string) => world.api<LoginResult>('POST', `/api/v2/connections/${connectionId}/challenge`, { answer: text });
  const sweeper = () => world.app.get(ChallengeSweeper);

  it('a secret question then an OTP, answered through the API: two challenges in a row, then access and a first sync; no answer is stored or logged', async () => {
    const first = await connect('canary');
    expect(first).toMatchObject({ outcome: 'challenge', aggregationStatus: 'suspended.missing-answer.auth.security', challenge: { kind: 'security', step: 1 } });
    const second = await answer(first.connectionId, secretAnswer(world.netbank, 'canary', first.challenge?.prompt as string));
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ outcome: 'challenge', aggregationStatus: 'suspended.missing-answer.auth.otp', challenge: { kind: 'otp', step: 2 } });
    const done = await answer(first.connectionId, OTP_CODE);
    expect(done.json.outcome).toBe('granted');
    expect(done.json.sessionIds).toHaveLength(1);
    await reachStatus(world, first.connectionId, 'success');
    // The whole walk, every move through the domain, in the history.
    const history = (await world.ds.query(`SELECT status FROM connection_status_history WHERE connection_id = $1 ORDER BY changed_at, id`, [first.connectionId])) as Array<{ status: string }>;
    expect(history.map((h) => h.status)).toEqual([
      'running.auth',
      'suspended.missing-answer.auth.security',
      'running.auth',
      'suspended.missing-answer.auth.otp',
      'running.auth',
      'running.data',
      'running.intelligence',
      'success',
    ]);
    // No challenge waits any more.
    expect((await world.api('GET', `/api/v2/connections/${first.connectionId}/challenge`)).status).toBe(404);

    const dump = await dumpDatabase(db.url);
    expect(logs.length).toBeGreaterThan(0); // the capture works: the app logged
    for (const secret of [SECRET_ANSWER, OTP_CODE, PASSWORD]) {
      for (const form of secretForms(secret)) expect(dump.includes(form)).toBe(false);
      expect(logs.join('').includes(secret)).toBe(false);
    }
    // The credentials and the grant are there — encrypted.
    const secrets = (await world.ds.query(`SELECT kind FROM connection_secrets WHERE connection_id = $1 ORDER BY kind`, [first.connectionId])) as Array<{ kind: string }>;
    expect(secrets.map((s) => s.kind)).toEqual(['credentials', 'grant']);
  });

  it('an OTP then a CAPTCHA read through the sandbox test hook: connected', async () => {
    const first = await connect('otp-captcha');
    expect(first.challenge?.kind).toBe('otp');
    const second = await answer(first.connectionId, world.netbank.persona('otp-captcha').otpCode);
    expect(second.json.challenge?.kind).toBe('captcha');
    const captcha = world.netbank.captchaAnswer(await bankSessionOfChallenge(world, first.connectionId));
    const done = await answer(first.connectionId, captcha as string);
    expect(done.json.outcome).toBe('granted');
    await reachStatus(world, first.connectionId, 'success');
  });

  describe.each([
    ['security', 'suspended.missing-answer.auth.security', 'auth.creds.security.invalid'],
    ['otp', 'suspended.missing-answer.auth.otp', 'auth.creds.otp.invalid'],
    ['captcha', 'suspended.missing-answer.auth.captcha', 'auth.creds.captcha.invalid'],
    ['puzzle', 'suspended.missing-answer.auth.puzzle', 'auth.creds.puzzle.invalid'],
  ])('timeout of a %s challenge (test clock, KINKO_CHALLENGE_TIMEOUT_SECONDS default 180)', (persona, waiting, invalid) => {
    it(`waits 180 s in ${waiting}, then the sweeper moves it to ${invalid}`, async () => {
      const login = await connect(persona);
      expect(login.aggregationStatus).toBe(waiting);
      expect(new Date(login.challenge?.expiresAt as string).getTime() - world.clock.now().getTime()).toBe(180_000);
      world.clock.advance(179_000);
      expect(await sweeper().sweepOnce()).toEqual({ timedOut: 0, abandoned: 0 });
      expect(await statusOf(world.ds, login.connectionId)).toBe(waiting);
      world.clock.advance(1_000);
      const swept = await sweeper().sweepOnce();
      expect(swept.timedOut).toBe(1);
      expect(await statusOf(world.ds, login.connectionId)).toBe(invalid);
      expect((await world.api('GET', `/api/v2/connections/${login.connectionId}/challenge`)).status).toBe(404);
      const audit = (await world.ds.query(`SELECT action FROM audit_log WHERE target = $1 AND action = 'connection.challenge.timeout'`, [`connection:${login.connectionId}`])) as unknown[];
      expect(audit).toHaveLength(1);
    });
  });

  it('an answer after the expiry (before a sweep) is refused and the connection ends in the invalid status', async () => {
    const login = await connect('otp');
    world.clock.advance(181_000);
    const late = await answer(login.connectionId, world.netbank.persona('otp').otpCode);
    expect([late.status, (late.json as unknown as { type: string }).type]).toEqual([409, 'https://kinko.dev/problems/challenge-expired']);
    expect(await statusOf(world.ds, login.connectionId)).toBe('auth.creds.otp.invalid');
  });

  it('log in again after a late answer: a new challenge, answered in time → connected', async () => {
    const login = await connect('otp');
    world.clock.advance(181_000);
    await sweeper().sweepOnce();
    expect(await statusOf(world.ds, login.connectionId)).toBe('auth.creds.otp.invalid');
    const again = await world.api<LoginResult>('POST', `/api/v2/connections/${login.connectionId}/login`);
    expect(again.json).toMatchObject({ outcome: 'challenge', aggregationStatus: 'suspended.missing-answer.auth.otp' });
    expect((await answer(login.connectionId, world.netbank.persona('otp').otpCode)).json.outcome).toBe('granted');
    await reachStatus(world, login.connectionId, 'success');
  });

  it('a question nobody can answer any more (a waiting status without a stored question, e.g. a process that died handing a challenged sync over): logging in again ends it and asks anew', async () => {
    const login = await connect('otp');
    expect((await answer(login.connectionId, world.netbank.persona('otp').otpCode)).json.outcome).toBe('granted');
    await reachStatus(world, login.connectionId, 'success');
    // A waiting status without a question the app holds (challenged syncs are handed over answerable: challenged-sync.test.ts).
    await world.ds.query(`UPDATE connections SET aggregation_status = 'suspended.missing-answer.auth.otp' WHERE id = $1`, [login.connectionId]);
    expect((await world.api('GET', `/api/v2/connections/${login.connectionId}/challenge`)).status).toBe(404);
    const again = await world.api<LoginResult>('POST', `/api/v2/connections/${login.connectionId}/login`);
    expect(again.json).toMatchObject({ outcome: 'challenge', aggregationStatus: 'suspended.missing-answer.auth.otp' });
    const history = (await world.ds.query(`SELECT status FROM connection_status_history WHERE connection_id = $1 ORDER BY changed_at DESC, id DESC LIMIT 3`, [login.connectionId])) as Array<{ status: string }>;
    expect(history.map((h) => h.status)).toEqual(['suspended.missing-answer.auth.otp', 'running.auth', 'auth.creds.otp.invalid']);
  });

  it('re-enter credentials after auth.creds.invalid: PUT credentials → a new login → connected', async () => {
    const login = await connect('otp-opt-in', 'wrong-password');
    expect(login.aggregationStatus).toBe('auth.creds.invalid');
    const fixed = await world.api<LoginResult>('PUT', `/api/v2/connections/${login.connectionId}/credentials`, { credentials: credentialsOf(world.netbank, 'otp-opt-in') });
    expect(fixed.status).toBe(200);
    expect(fixed.json.outcome).toBe('granted');
    await reachStatus(world, login.connectionId, 'success');
    // A field the bank's form does not have is refused before anything is stored or sent.
    const unknown = await world.api<LoginResult>('POST', `/api/v2/connect/${NETBANK_ID}/credentials`, { credentials: { nonsense: 'x' } });
    expect(unknown.status).toBe(400);
  });

  it('the challenge timeout is configurable (KINKO_CHALLENGE_TIMEOUT_SECONDS=60)', async () => {
    const short = await startLinkWorld(db, { env: { KINKO_CHALLENGE_TIMEOUT_SECONDS: '60' }, worker: false });
    try {
      const login = await connectWithCredentials(short, credentialsOf(short.netbank, 'otp'));
      expect(new Date(login.challenge?.expiresAt as string).getTime() - short.clock.now().getTime()).toBe(60_000);
      short.clock.advance(60_000);
      expect((await short.app.get(ChallengeSweeper).sweepOnce()).timedOut).toBe(1);
      expect(await statusOf(short.ds, login.connectionId)).toBe('auth.creds.otp.invalid');
    } finally {
      await short.close();
    }
  });

  it('disconnecting while a question waits: the question is dropped, secrets deleted, the connection inactive', async () => {
    const login = await connect('otp');
    const browser = new LinkBrowser(world.base);
    await browser.enter(await world.mintToken(), 'en');
    await browser.get(`/link/connections/${login.connectionId}`);
    const gone = await browser.post(`/link/connections/${login.connectionId}/disconnect`, {});
    expect(gone.status).toBe(303);
    expect(await statusOf(world.ds, login.connectionId)).toBe('inactive');
    expect((await world.ds.query(`SELECT count(*)::int AS n FROM connection_secrets WHERE connection_id = $1`, [login.connectionId])) as unknown).toEqual([{ n: 0 }]);
    expect((await world.api('GET', `/api/v2/connections/${login.connectionId}/challenge`)).status).toBe(404);
    expect((await answer(login.connectionId, '123456')).status).toBe(404);
  });

  it('"Show a new image" on a waiting CAPTCHA: straight back to logging in and a new question, never the invalid status in between; then answered → connected', async () => {
    const login = await connect('captcha');
    expect(login.aggregationStatus).toBe('suspended.missing-answer.auth.captcha');
    const firstSession = await bankSessionOfChallenge(world, login.connectionId);
    const browser = new LinkBrowser(world.base);
    await browser.enter(await world.mintToken(), 'en');
    await browser.get(`/link/connections/${login.connectionId}`);
    expect((await browser.post(`/link/connections/${login.connectionId}/new-image`, {})).status).toBe(303);
    expect(await statusOf(world.ds, login.connectionId)).toBe('suspended.missing-answer.auth.captcha');
    const secondSession = await bankSessionOfChallenge(world, login.connectionId);
    expect(secondSession).not.toBe(firstSession);
    // One move from waiting to logging in: no `auth.creds.captcha.invalid` for API clients or webhooks to see.
    const history = (await world.ds.query(`SELECT status FROM connection_status_history WHERE connection_id = $1 ORDER BY changed_at, id`, [login.connectionId])) as Array<{ status: string }>;
    expect(history.map((h) => h.status)).toEqual(['running.auth', 'suspended.missing-answer.auth.captcha', 'running.auth', 'suspended.missing-answer.auth.captcha']);
    const done = await answer(login.connectionId, world.netbank.captchaAnswer(secondSession) as string);
    expect(done.json.outcome).toBe('granted');
    await reachStatus(world, login.connectionId, 'success');
  });

  it('"Show a new image" after the question expired: it times out as usual (the invalid status), then a new login asks again', async () => {
    const login = await connect('captcha');
    expect(login.aggregationStatus).toBe('suspended.missing-answer.auth.captcha');
    world.clock.advance(181_000);
    const browser = new LinkBrowser(world.base);
    await browser.enter(await world.mintToken(), 'en');
    await browser.get(`/link/connections/${login.connectionId}`);
    expect((await browser.post(`/link/connections/${login.connectionId}/new-image`, {})).status).toBe(303);
    const history = (await world.ds.query(`SELECT status FROM connection_status_history WHERE connection_id = $1 ORDER BY changed_at, id`, [login.connectionId])) as Array<{ status: string }>;
    expect(history.map((h) => h.status)).toEqual(['running.auth', 'suspended.missing-answer.auth.captcha', 'auth.creds.captcha.invalid', 'running.auth', 'suspended.missing-answer.auth.captcha']);
  });

  it('DELETE /api/v2/connections/{id} while a question waits: the question is given up and the connection disconnected at once', async () => {
    const login = await connect('otp');
    expect(login.aggregationStatus).toBe('suspended.missing-answer.auth.otp');
    const gone = await world.api<{ connection: { aggregationStatus: string } }>('DELETE', `/api/v2/connections/${login.connectionId}`);
    expect(gone.status).toBe(200);
    expect(gone.json.connection.aggregationStatus).toBe('inactive');
    expect(await statusOf(world.ds, login.connectionId)).toBe('inactive');
    // Given up as unanswered (the domain's answerTimedOut), then deactivated — no wait for the sweeper.
    const history = (await world.ds.query(`SELECT status FROM connection_status_history WHERE connection_id = $1 ORDER BY changed_at DESC, id DESC LIMIT 3`, [login.connectionId])) as Array<{ status: string }>;
    expect(history.map((h) => h.status)).toEqual(['inactive', 'auth.creds.otp.invalid', 'suspended.missing-answer.auth.otp']);
    expect((await world.ds.query(`SELECT count(*)::int AS n FROM connection_secrets WHERE connection_id = $1`, [login.connectionId])) as unknown).toEqual([{ n: 0 }]);
    expect((await world.ds.query(`SELECT count(*)::int AS n FROM auth_attempts WHERE connection_id = $1`, [login.connectionId])) as unknown).toEqual([{ n: 0 }]);
    expect((await world.api('GET', `/api/v2/connections/${login.connectionId}/challenge`)).status).toBe(404);
    expect((await answer(login.connectionId, world.netbank.persona('otp').otpCode)).status).toBe(404);
  });

  it("another user's connection: 404 on every challenge route, and nothing changes", async () => {
    const login = await connect('security');
    const other = await startLinkWorld(db, { worker: false });
    try {
      for (const [method, path, body] of [
        ['GET', `/api/v2/connections/${login.connectionId}/challenge`, undefined],
        ['POST', `/api/v2/connections/${login.connectionId}/challenge`, { answer: 'x' }],
        ['PUT', `/api/v2/connections/${login.connectionId}/credentials`, { credentials: { userId: 'a', password: 'b' } }],
        ['POST', `/api/v2/connections/${login.connectionId}/login`, undefined],
      ] as const) {
        const res = await fetch(`${world.base}${path}`, {
          method,
          headers: { authorization: `Bearer ${other.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        expect([method, path, res.status]).toEqual([method, path, 404]);
      }
      const browser = new LinkBrowser(world.base);
      // Minted on this app's clock (moved on by the timeout tests above).
      await browser.enter((await world.app.get(UserTokensService).mint(other.scope, 900, world.clock.now())).token);
      await browser.get(`/link/banks/${NETBANK_ID}`); // a page with a form: the session's CSRF token
      expect(browser.lastCsrf).not.toBe('');
      expect((await browser.get(`/link/connections/${login.connectionId}`)).status).toBe(404);
      expect((await browser.post(`/link/connections/${login.connectionId}/challenge`, { answer: 'x' })).status).toBe(404);
      expect(await statusOf(world.ds, login.connectionId)).toBe('suspended.missing-answer.auth.security');
    } finally {
      await other.close();
    }
  });
});
