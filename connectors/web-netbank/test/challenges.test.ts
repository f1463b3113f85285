// Challenges through the connector against the sandbox: the round trips of every kind,
// two in a row, states that travel (serialised, another process), wrong and late answers,
// and the remembered device that spares the next login its OTP or CAPTCHA.
import { collectPages, type ChallengeState, type ConnectorClient, type Grant } from '@kinko/connector-sdk';
import { webNetbank } from '../src';
import { answer, challengeOf, clientFor, credentialsOf, failure, grantOf, logIn, sessionIdOf, value } from './support/client';
import { startTestNetbank, type TestNetbank } from './support/sandbox';

let netbank: TestNetbank;
let client: ConnectorClient;

beforeEach(async () => {
  netbank = await startTestNetbank();
  client = clientFor(netbank, webNetbank);
});

afterEach(async () => {
  await client.close();
  await netbank.close();
});

const PNG_SIGNATURE = '89504e470d0a1a0a';

/** The answer to the secret question the bank showed (looked up in the persona's questions). */
function secretAnswer(personaId: string, prompt: string): string {
  const q = netbank.bank.persona(personaId).secretQuestions.find((s) => s.question === prompt);
  if (!q) throw new Error(`the prompt "${prompt}" is none of ${personaId}'s questions`);
  return q.answer;
}

/** What another process does with a state it gets from the store: deserialise and use it. */
function travel(state: ChallengeState): ChallengeState {
  return value(webNetbank.deserializeChallengeState(value(webNetbank.serializeChallengeState(state))));
}

async function accountsWork(grant: Grant, c: ConnectorClient = client): Promise<void> {
  const accounts = value(await collectPages(c.accounts(grant)));
  expect(accounts.length).toBeGreaterThan(0);
}

describe('round trips', () => {
  test('two different secret questions in a row, each answered from another process', async () => {
    const first = challengeOf(value(await logIn(client, credentialsOf(netbank, 'security-twice'))));
    expect(first.challenge.kind).toBe('security');
    const firstPrompt = first.challenge.prompt;
    expect(netbank.bank.persona('security-twice').secretQuestions.map((q) => q.question)).toContain(firstPrompt);

    const other = clientFor(netbank, webNetbank);
    try {
      const second = challengeOf(value(await answer(other, travel(first.state), secretAnswer('security-twice', firstPrompt))));
      expect(second.challenge.kind).toBe('security');
      expect(second.challenge.prompt).not.toBe(firstPrompt);
      const grant = grantOf(value(await answer(client, travel(second.state), secretAnswer('security-twice', second.challenge.prompt))));
      await accountsWork(grant);
    } finally {
      await other.close();
    }
  });

  test('a secret question, then an OTP of 6 digits', async () => {
    const first = challengeOf(value(await logIn(client, credentialsOf(netbank, 'security-otp'))));
    expect(first.challenge.kind).toBe('security');
    const second = challengeOf(value(await answer(client, first.state, secretAnswer('security-otp', first.challenge.prompt))));
    expect(second.challenge).toMatchObject({ kind: 'otp', length: 6 });
    await accountsWork(grantOf(value(await answer(client, second.state, netbank.bank.persona('security-otp').otpCode))));
  });

  test('a full-width answer to the OTP is accepted (the bank folds it)', async () => {
    const step = challengeOf(value(await logIn(client, credentialsOf(netbank, 'otp'))));
    await accountsWork(grantOf(value(await answer(client, step.state, '１２３４５６'))));
  });

  test('CAPTCHA: the image is relayed as a valid PNG in base64, and the text read from it lets the user in', async () => {
    const step = challengeOf(value(await logIn(client, credentialsOf(netbank, 'captcha'))));
    if (step.challenge.kind !== 'captcha') throw new Error(`expected a CAPTCHA, got ${step.challenge.kind}`);
    const { image, prompt } = step.challenge;
    expect(image.mediaType).toBe('image/png');
    expect(image.base64).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    const png = Buffer.from(image.base64, 'base64');
    expect(png.subarray(0, 8).toString('hex')).toBe(PNG_SIGNATURE);
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([200, 70]); // the page's 200×70 image
    expect(prompt).toContain('画像');

    const text = netbank.bank.captchaAnswer(sessionIdOf(webNetbank, step.state));
    expect(text).toMatch(/^[A-Za-z0-9]{5}$/);
    await accountsWork(grantOf(value(await answer(client, travel(step.state), text ?? ''))));
  });

  test('puzzle: relayed with its picture; the offset a person reads on the Link page is passed through and lets the user in', async () => {
    const step = challengeOf(value(await logIn(client, credentialsOf(netbank, 'puzzle'))));
    if (step.challenge.kind !== 'puzzle') throw new Error(`expected a puzzle, got ${step.challenge.kind}`);
    const png = Buffer.from(step.challenge.image?.base64 ?? '', 'base64');
    expect(png.subarray(0, 8).toString('hex')).toBe(PNG_SIGNATURE);
    const offset = netbank.bank.puzzleAnswer(sessionIdOf(webNetbank, step.state));
    expect(offset).toEqual(expect.any(Number));
    await accountsWork(grantOf(value(await answer(client, step.state, String(offset)))));
  });
});

describe('wrong answers', () => {
  const cases: Array<[string, string, (state: ChallengeState) => string]> = [
    ['security', 'security', () => 'まちがい'],
    ['otp', 'otp', () => '000000'],
    ['captcha', 'captcha', () => '?????'],
    ['puzzle', 'puzzle', (state) => String(((netbank.bank.puzzleAnswer(sessionIdOf(webNetbank, state)) ?? 0) + 40) % 200)],
  ];
  test.each(cases)('a wrong %s answer is ChallengeAnswerInvalid { %s }', async (persona, kind, wrong) => {
    const step = challengeOf(value(await logIn(client, credentialsOf(netbank, persona))));
    expect(step.challenge.kind).toBe(kind);
    expect(failure(await answer(client, step.state, wrong(step.state)), 'ChallengeAnswerInvalid').challengeKind).toBe(kind);
  });

  test('the second challenge answered wrongly names the second kind', async () => {
    const first = challengeOf(value(await logIn(client, credentialsOf(netbank, 'security-otp'))));
    const second = challengeOf(value(await answer(client, first.state, secretAnswer('security-otp', first.challenge.prompt))));
    expect(failure(await answer(client, second.state, '999999'), 'ChallengeAnswerInvalid').challengeKind).toBe('otp');
  });
});

describe('late answers', () => {
  test.each(['security', 'otp', 'captcha', 'puzzle'])('a %s answer after the bank’s time limit is ChallengeTimedOut', async (kind) => {
    const step = challengeOf(value(await logIn(client, credentialsOf(netbank, kind))));
    netbank.clock.shift(301_000); // the bank allows 300 s per challenge
    expect(failure(await answer(client, step.state, 'whatever'), 'ChallengeTimedOut').challengeKind).toBe(kind);
  });

  test('an answer after the bank forgot the session (idle too long) is ChallengeTimedOut too', async () => {
    const step = challengeOf(value(await logIn(client, credentialsOf(netbank, 'otp'))));
    netbank.clock.shift(601_000); // sessions end after 600 idle seconds
    expect(failure(await answer(client, step.state, '123456'), 'ChallengeTimedOut').challengeKind).toBe('otp');
  });
});

describe('challenge states', () => {
  test('a state sealed under another stateKey cannot be answered (PermanentError), and tells nothing', async () => {
    const step = challengeOf(value(await logIn(client, credentialsOf(netbank, 'otp'))));
    const elsewhere = webNetbank.create({ config: { ...(netbank.config as object), stateKey: 'another-deployment-key' }, extraAllowedHosts: netbank.allowedHosts });
    try {
      const e = failure(await answer(elsewhere, step.state, '123456'), 'PermanentError');
      expect(e.code).toBe('challenge_state_unreadable');
    } finally {
      await elsewhere.close();
    }
  });

  test('a state holds cookies, form token and step, and the credentials only sealed (never the password in clear)', async () => {
    const step = challengeOf(value(await logIn(client, credentialsOf(netbank, 'otp'))));
    const text = value(webNetbank.serializeChallengeState(step.state));
    expect(text).not.toContain('pass-otp');
    expect(Object.keys(JSON.parse(text) as object).sort()).toEqual(['action', 'cookies', 'field', 'kind', 'sealedCredentials', 'step', 'token', 'version']);
    expect(JSON.parse(text)).toMatchObject({ kind: 'otp', step: 1, action: '/login/otp', field: 'otp' });
  });
});

describe('remembered devices', () => {
  test('the OTP asked from a new device is not asked again: the grant keeps the device cookie', async () => {
    const step = challengeOf(value(await logIn(client, credentialsOf(netbank, 'otp-new-device'))));
    expect(step.challenge.kind).toBe('otp');
    const grant = grantOf(value(await answer(client, step.state, '123456')));
    expect(value(webNetbank.serializeGrant(grant))).toContain('NBDEVICE');

    // Another process, later: the bank session has ended; the connector logs in again with
    // the stored grant, and the bank knows the device.
    netbank.bank.knobs.endSessions('otp-new-device');
    const restored = value(webNetbank.deserializeGrant(value(webNetbank.serializeGrant(grant))));
    const later = clientFor(netbank, webNetbank);
    try {
      await accountsWork(restored, later);
      const refreshed = value(await later.auth.refresh(restored));
      await accountsWork(refreshed.grant, later);
    } finally {
      await later.close();
    }
    // A browser the bank does not know is still asked.
    expect(challengeOf(value(await logIn(client, credentialsOf(netbank, 'otp-new-device')))).challenge.kind).toBe('otp');
  });

  test('the CAPTCHA asked from a new device is not asked again either', async () => {
    const step = challengeOf(value(await logIn(client, credentialsOf(netbank, 'captcha-new-device'))));
    const grant = grantOf(value(await answer(client, step.state, netbank.bank.captchaAnswer(sessionIdOf(webNetbank, step.state)) ?? '')));
    netbank.bank.knobs.endSessions('captcha-new-device');
    await accountsWork(grant);
  });

  test('a bank that asks its OTP at every login makes an unattended re-login ChallengeRequired { otp }', async () => {
    const step = challengeOf(value(await logIn(client, credentialsOf(netbank, 'otp'))));
    const grant = grantOf(value(await answer(client, step.state, '123456')));
    await accountsWork(grant); // the session of the login itself serves at once
    netbank.bank.knobs.endSessions('otp');
    const e = failure(await collectPages(client.accounts(grant)), 'ChallengeRequired');
    expect(e.challenge).toMatchObject({ kind: 'otp', length: 6 });
  });

  test('an OTP the user switches on later is asked at the next login', async () => {
    await accountsWork(grantOf(value(await logIn(client, credentialsOf(netbank, 'otp-opt-in')))));
    netbank.bank.knobs.setOtpEnabled('otp-opt-in', true);
    expect(challengeOf(value(await logIn(client, credentialsOf(netbank, 'otp-opt-in')))).challenge.kind).toBe('otp');
  });
});
