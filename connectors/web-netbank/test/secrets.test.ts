// A canary login id and password go through every path the connector has — logins,
// challenges, re-logins, faults — and must never show in an error, a challenge state (even
// serialised), an audit event, or the grant as printed. The serialised grant is the one
// place they are (it is what the app encrypts at once, and what logs in again).
import { inspect } from 'node:util';
import { collectPages, type ChallengeState, type ConnectorClient, type ConnectorError, type Grant, type HttpCallEvent, type Outcome } from '@kinko/connector-sdk';
import { addDays } from '@kinko/domain';
import { webNetbank } from '../src';
import { answer, bankToday, challengeOf, failure, grantOf, logIn, SHORT_TIMEOUT_HTTP, value } from './support/client';
import { applyFault, startTestNetbank, type TestNetbank } from './support/sandbox';

const CANARY_ID = 'canary-login-7f3a9d';
const CANARY_PASSWORD = 'PW-canary-91c2e5b8';
const CANARIES = [CANARY_ID, CANARY_PASSWORD];

let netbank: TestNetbank;
let client: ConnectorClient;
const events: HttpCallEvent[] = [];
const errors: ConnectorError[] = [];
const states: ChallengeState[] = [];

beforeAll(async () => {
  netbank = await startTestNetbank({
    extraPersonas: [
      {
        id: CANARY_ID,
        password: CANARY_PASSWORD,
        accounts: [{ number: '1000301' }],
        secretQuestions: [{ question: '好きな色は？', answer: 'あお' }],
        challenges: [{ kind: 'security' }, { kind: 'otp', when: 'new-device' }],
      },
    ],
    maxWrongPasswords: null,
  });
  client = webNetbank.create({ config: netbank.config, extraAllowedHosts: netbank.allowedHosts, http: SHORT_TIMEOUT_HTTP, onHttpCall: (e) => events.push(e) });
});

afterAll(async () => {
  await client.close();
  await netbank.close();
});

const canary = { userId: CANARY_ID, password: CANARY_PASSWORD };

function keep<T>(out: Outcome<T>): Outcome<T> {
  if (!out.ok) errors.push(out.error);
  return out;
}

async function loginWithAnswers(): Promise<Grant> {
  const first = challengeOf(value(keep(await logIn(client, canary))));
  states.push(first.state);
  keep(await answer(client, first.state, 'ちがう')); // wrong: an error to inspect
  const again = challengeOf(value(await logIn(client, canary)));
  states.push(again.state);
  const otp = challengeOf(value(await answer(client, again.state, 'あお')));
  states.push(otp.state);
  return grantOf(value(await answer(client, otp.state, '123456')));
}

test('the canary never leaks', async () => {
  keep(await logIn(client, { ...canary, password: 'wrong-password' }));
  keep(await logIn(client, { branchCode: '200', accountNumber: '9999999', password: CANARY_PASSWORD }));
  const grant = await loginWithAnswers();
  const [account] = value(await collectPages(client.accounts(grant)));
  if (!account) throw new Error('the canary persona has no account');
  const window = { from: addDays(bankToday(), -30), to: bankToday() };

  // Faults while reading, and re-logins under them.
  for (const fault of [{ type: 'status', status: 500 }, { type: 'malformedBody' }, { type: 'dropConnection' }, { type: 'latency', delayMs: 3_500 }] as const) {
    applyFault(netbank.bank, netbank.clock, fault);
    netbank.bank.knobs.endSessions(CANARY_ID);
    keep(await collectPages(client.transactions(grant, { bankAccountId: account.bankAccountId, kind: 'booked', window })));
    applyFault(netbank.bank, netbank.clock, undefined);
  }
  // A re-login the bank refuses, and one it challenges.
  netbank.bank.knobs.forgetDevices(CANARY_ID);
  netbank.bank.knobs.endSessions(CANARY_ID);
  keep(await collectPages(client.accounts(grant)));
  netbank.bank.knobs.setPassword(CANARY_ID, 'changed-at-the-bank');
  keep(await client.auth.refresh(grant));
  netbank.bank.knobs.lock(CANARY_ID, 'temporary', 600);
  keep(await logIn(client, canary));

  expect(errors.map((e) => e._tag).sort()).toEqual(
    ['ChallengeAnswerInvalid', 'ChallengeRequired', 'CredentialsInvalid', 'CredentialsInvalid', 'CredentialsInvalid', 'LockedTemporary', 'NetworkError', 'PermanentError', 'TemporaryError', 'TemporaryError'].sort(),
  );
  const printed = [
    ...errors.map((e) => JSON.stringify(e)),
    ...errors.map((e) => inspect(e, { depth: 10 })),
    ...states.map((s) => value(webNetbank.serializeChallengeState(s))),
    ...states.map((s) => JSON.stringify(s)),
    ...states.map((s) => inspect(s, { depth: 10 })),
    ...events.map((e) => JSON.stringify(e)),
    JSON.stringify(grant),
    inspect(grant, { depth: 10 }),
    String(grant),
  ];
  expect(states).toHaveLength(3);
  expect(events.length).toBeGreaterThan(10);
  for (const text of printed) for (const c of CANARIES) expect(text).not.toContain(c);

  // The serialised grant is the app's to encrypt: it does hold the credentials (that is how it logs in again).
  const sealedForTheApp = value(webNetbank.serializeGrant(grant));
  for (const c of CANARIES) expect(sealedForTheApp).toContain(c);
}, 60_000);

test('while locked, a login with a mistyped password is LockedTemporary, carrying none of the typed text', async () => {
  const e = failure(await logIn(client, { userId: CANARY_ID, password: `${CANARY_PASSWORD}-typo` }), 'LockedTemporary');
  expect(JSON.stringify(e)).not.toContain(CANARY_PASSWORD);
  expect(JSON.stringify(e)).not.toContain(CANARY_ID);
});
