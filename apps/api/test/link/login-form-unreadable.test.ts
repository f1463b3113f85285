import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { problemType } from '../../src/http/problem';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type LinkWorld, type LoginResult, NETBANK_ID, credentialsOf, startLinkWorld } from './harness';

// The login-form-unreadable problem (issue 13), over loopback HTTP against the sandbox net
// bank: the web-netbank connector reads the bank's login page for the credential form. A
// bank that is down (its login page answers 503) or a login page without the login form
// makes the form request and the credential connect answer 409 login-form-unreadable as
// problem+json; the failure is not cached: once the page is back, the form is the bank's.

const FORM_PATH = `/api/v2/connect/${NETBANK_ID}/credentials`;

describe('login-form-unreadable through the API', () => {
  let db: TestDatabase;
  let world: LinkWorld;

  beforeAll(async () => {
    db = await createTestDatabase();
    world = await startLinkWorld(db, { worker: false });
  });
  afterEach(() => world.netbank.knobs.faults.reset());
  afterAll(async () => {
    await world?.close();
    await db?.drop();
  });

  const expectUnreadable = (reply: { status: number; json: unknown; headers: Headers }): void => {
    expect(reply.status).toBe(409);
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reply.json).toMatchObject({ type: problemType('login-form-unreadable'), status: 409 });
  };
  const formNames = async (): Promise<string[]> => {
    const form = await world.api<{ fields: { name: string; secret: boolean }[] }>('GET', FORM_PATH);
    expect(form.status).toBe(200);
    return form.json.fields.map((f) => `${f.name}${f.secret ? ' (secret)' : ''}`);
  };
  const bankFields = ['userId', 'branchCode', 'accountNumber', 'password (secret)'];

  it('a login page without the login form → 409 login-form-unreadable (read at the bank each time: a failure is not cached)', async () => {
    // A fresh app has no form cached: every request reads the page (a failure is not cached).
    world.netbank.knobs.faults.failNext(2, { type: 'status', status: 200, body: 'html' }, { operations: ['GET /login'] });
    const before = world.netbank.requests({ operation: 'GET /login' }).length;
    expectUnreadable(await world.api('GET', FORM_PATH));
    expectUnreadable(await world.api('GET', FORM_PATH));
    expect(world.netbank.requests({ operation: 'GET /login' }).length).toBe(before + 2);
  });

  it('a bank that is down (login page 503): GET of the form and POST of credentials → 409 login-form-unreadable, no connection; then, the bank back, its fields (the failures were not cached)', async () => {
    world.netbank.knobs.faults.set({ errorRates: { 503: 1 }, operations: ['GET /login'] });
    expectUnreadable(await world.api('GET', FORM_PATH));
    expectUnreadable(await world.api<LoginResult>('POST', FORM_PATH, { credentials: credentialsOf(world.netbank, 'happy') }));
    expect(await world.ds.query(`SELECT 1 FROM connections WHERE user_id = $1`, [world.scope.userId])).toEqual([]);
    world.netbank.knobs.faults.reset();
    expect(await formNames()).toEqual(bankFields);
  });
});
