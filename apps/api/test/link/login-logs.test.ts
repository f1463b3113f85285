import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type LinkWorld, connectWithCredentials, credentialsOf, startLinkWorld, statusOf } from './harness';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Issue 20 §1: a failed login or challenge answer is logged — one JSON line with the
// connection's new status and the connector's error tag — and nothing the user typed.

describe('logs: failed logins and challenge answers', () => {
  let db: TestDatabase;
  let world: LinkWorld;
  const raw: string[] = [];
  const write = process.stdout.write.bind(process.stdout);

  beforeAll(async () => {
    process.stdout.write = ((chunk: unknown) => {
      raw.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
    db = await createTestDatabase();
    world = await startLinkWorld(db, { logLevels: ['fatal', 'error', 'warn', 'log'] });
  }, 60_000);
  afterAll(async () => {
    await world?.close();
    await db?.drop();
    process.stdout.write = write;
  });

  const failures = () =>
    raw
      .join('')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e['msg'] === 'login failed');

  it('a wrong password and a wrong one-time password: one line each, with the status and the error tag', async () => {
    const WRONG_PASSWORD = 'wrong-password-canary-7f3a';
    const refused = await connectWithCredentials(world, credentialsOf(world.netbank, 'happy', WRONG_PASSWORD));
    expect(refused.outcome).toBe('failed');
    const status = await statusOf(world.ds, refused.connectionId);
    expect(failures()).toEqual([
      expect.objectContaining({ level: 'warn', context: 'CredentialLogin', connectionId: refused.connectionId, status, errorTag: expect.any(String), tenantId: world.scope.tenantId }),
    ]);

    const otp = await connectWithCredentials(world, credentialsOf(world.netbank, 'otp'));
    expect(otp.outcome).toBe('challenge');
    const answered = await world.api<{ outcome: string }>('POST', `/api/v2/connections/${otp.connectionId}/challenge`, { answer: '000000' });
    expect(answered.json.outcome).toBe('failed');
    expect(failures()).toContainEqual(expect.objectContaining({ connectionId: otp.connectionId, status: await statusOf(world.ds, otp.connectionId), errorTag: expect.any(String) }));
    expect(raw.join('')).not.toContain(WRONG_PASSWORD);
    expect(raw.join('')).not.toContain(world.netbank.persona('happy').password);
  }, 120_000);
});
