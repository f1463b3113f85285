import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { LinkBrowser, type LinkWorld, type LoginResult, NETBANK_ID, credentialsOf, followLogin, startLinkWorld, statusOf } from './harness';

// Connecting a credentials bank whose login is slow (issue 21, item 10): the request is
// answered at once with the connection in running.auth, and the client — the user API's, or
// the Link page — follows the connection to the login's end.

const BANK_LATENCY_MS = 4_000;

describe('credential login answered at once', () => {
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

  it('user API: 202 with running.auth long before the slow bank answers; following the connection reaches the challenge', async () => {
    world.netbank.knobs.faults.set({ latencyMs: BANK_LATENCY_MS, operations: ['POST /login'] });
    try {
      const t0 = Date.now();
      const r = await world.api<LoginResult>('POST', `/api/v2/connect/${NETBANK_ID}/credentials`, { credentials: credentialsOf(world.netbank, 'otp') });
      const took = Date.now() - t0;
      expect(r.status).toBe(202);
      expect(took).toBeLessThan(BANK_LATENCY_MS / 2);
      expect(r.json).toMatchObject({ outcome: 'running', aggregationStatus: 'running.auth', challenge: null, error: null });
      expect(r.headers.get('location')).toBe(`/api/v2/connections/${r.json.connectionId}`);
      // The login is still at the bank: the connection says so, no challenge waits yet.
      expect((await world.api<{ aggregationStatus: string }>('GET', `/api/v2/connections/${r.json.connectionId}`)).json.aggregationStatus).toBe('running.auth');
      expect((await world.api('GET', `/api/v2/connections/${r.json.connectionId}/challenge`)).status).toBe(404);
      const followed = await followLogin(world, r.json.connectionId, 30_000);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(BANK_LATENCY_MS);
      expect(followed).toMatchObject({ outcome: 'challenge', aggregationStatus: 'suspended.missing-answer.auth.otp', challenge: { kind: 'otp', step: 1 } });
    } finally {
      world.netbank.knobs.faults.reset();
    }
  });

  it('user API: a refused login is followed to its status (wrong password → auth.creds.invalid)', async () => {
    const r = await world.api<LoginResult>('POST', `/api/v2/connect/${NETBANK_ID}/credentials`, { credentials: credentialsOf(world.netbank, 'otp', 'wrong-password') });
    expect(r.status).toBe(202);
    expect(await followLogin(world, r.json.connectionId, 30_000)).toMatchObject({ outcome: 'failed', aggregationStatus: 'auth.creds.invalid' });
    // Bad input is still refused at once, before any connection exists.
    const bad = await world.api<{ type: string }>('POST', `/api/v2/connect/${NETBANK_ID}/credentials`, { credentials: { nonsense: 'x' } });
    expect(bad.status).toBe(400);
  });

  it('Link page: the credential form posts, the browser is on the connection’s progress page at once, which then shows the challenge', async () => {
    const browser = new LinkBrowser(world.base);
    await browser.enter(await world.mintToken(), 'en');
    await browser.get(`/link/banks/${NETBANK_ID}`);
    world.netbank.knobs.faults.set({ latencyMs: BANK_LATENCY_MS, operations: ['POST /login'] });
    try {
      const t0 = Date.now();
      const posted = await browser.post(`/link/banks/${NETBANK_ID}/credentials`, credentialsOf(world.netbank, 'otp'));
      expect(posted.status).toBe(303);
      expect(Date.now() - t0).toBeLessThan(BANK_LATENCY_MS / 2);
      const location = posted.headers.get('location') as string;
      const id = location.split('/').pop() as string;
      const progress = await browser.get(location);
      expect(progress.text).toContain('data-poll="/link/vault/status"');
      expect(progress.text).toContain('<noscript><meta http-equiv="refresh" content="3"></noscript>');
      expect(JSON.parse((await browser.get('/link/vault/status')).text)).toEqual({ connections: expect.arrayContaining([{ id, status: 'running.auth' }]) });
      // What the page's polling does: the status changes, the page is loaded again and asks the question.
      await followLogin(world, id, 30_000);
      expect(await statusOf(world.ds, id)).toBe('suspended.missing-answer.auth.otp');
      const asked = await browser.get(location);
      expect(asked.text).toContain('name="answer"');
    } finally {
      world.netbank.knobs.faults.reset();
    }
  });
});
