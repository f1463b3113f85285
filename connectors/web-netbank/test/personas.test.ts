// Every persona of the net bank sandbox, logged in through the connector the way a first
// refresh does (login, then accounts, then each account's statement), ends in the
// aggregation status the persona exists to produce: errors mapped with the SDK's
// errorOutcome, challenges with the domain's status of their kind.
import { collectPages, errorOutcome, type ConnectorClient, type ConnectorError } from '@kinko/connector-sdk';
import { statusForChallengeKind, type KnownAggregationStatus } from '@kinko/domain';
import { DEFAULT_NETBANK_PERSONAS } from '@kinko/sandbox-bank';
import { webNetbank } from '../src';
import { clientFor, credentialsOf, lastDays, logIn, readTransactions, SHORT_TIMEOUT_HTTP } from './support/client';
import { startTestNetbank, type TestNetbank } from './support/sandbox';

let netbank: TestNetbank;
let client: ConnectorClient;

beforeAll(async () => {
  netbank = await startTestNetbank();
  // The slow page outlasts this client's 3 s timeout (the default, 120 s, would outlast the test).
  netbank.bank.knobs.setSlowMs(6_000);
  client = clientFor(netbank, webNetbank, SHORT_TIMEOUT_HTTP);
});

afterAll(async () => {
  await client.close();
  await netbank.close();
});

const statusOf = (e: ConnectorError): string => {
  const outcome = errorOutcome(e);
  return outcome.scope === 'connection' ? outcome.status : `${outcome.scope} outcome (${e._tag})`;
};

/** Where a first refresh of the persona ends: a status, and the error or challenge that caused it. */
async function firstRefresh(personaId: string): Promise<{ status: KnownAggregationStatus | string; detail: string }> {
  const step = await logIn(client, credentialsOf(netbank, personaId));
  if (!step.ok) return { status: statusOf(step.error), detail: step.error._tag };
  if (step.value.type === 'challenge') return { status: statusForChallengeKind(step.value.challenge.kind), detail: step.value.challenge.kind };
  const grant = step.value.grant;
  const accounts = await collectPages(client.accounts(grant));
  if (!accounts.ok) return { status: statusOf(accounts.error), detail: accounts.error._tag };
  for (const account of accounts.value) {
    const transactions = await readTransactions(client, grant, account.bankAccountId, lastDays(31));
    if (!transactions.ok) return { status: statusOf(transactions.error), detail: transactions.error._tag };
  }
  return { status: 'success', detail: `${accounts.value.length} account(s)` };
}

// What each persona must end in, written out (the sandbox's own `produces` is checked to agree).
const expected: Record<string, { status: KnownAggregationStatus; detail: string }> = {
  happy: { status: 'success', detail: '3 account(s)' },
  security: { status: 'suspended.missing-answer.auth.security', detail: 'security' },
  'security-twice': { status: 'suspended.missing-answer.auth.security', detail: 'security' },
  'security-otp': { status: 'suspended.missing-answer.auth.security', detail: 'security' },
  otp: { status: 'suspended.missing-answer.auth.otp', detail: 'otp' },
  'otp-new-device': { status: 'suspended.missing-answer.auth.otp', detail: 'otp' },
  'otp-opt-in': { status: 'success', detail: '1 account(s)' },
  captcha: { status: 'suspended.missing-answer.auth.captcha', detail: 'captcha' },
  'captcha-new-device': { status: 'suspended.missing-answer.auth.captcha', detail: 'captcha' },
  puzzle: { status: 'suspended.missing-answer.auth.puzzle', detail: 'puzzle' },
  terms: { status: 'guest.intervention.required', detail: 'InterventionRequired' },
  maintenance: { status: 'error.service.unavailable', detail: 'ServiceUnavailable' },
  'double-login': { status: 'error.session', detail: 'SessionConflict' },
  rapid: { status: 'auth.creds.locked.temporary', detail: 'LockedTemporary' },
  'locked-temporary': { status: 'auth.creds.locked.temporary', detail: 'LockedTemporary' },
  locked: { status: 'auth.creds.locked.permanent', detail: 'LockedPermanent' },
  'new-layout': { status: 'error.permanent', detail: 'PermanentError' },
  broken: { status: 'error.temporary', detail: 'TemporaryError' },
  slow: { status: 'error.temporary', detail: 'TemporaryError' },
  dropped: { status: 'error.network', detail: 'NetworkError' },
  unsupported: { status: 'error.unsupported', detail: 'Unsupported' },
};

test('every built-in persona has a test here', () => {
  expect(Object.keys(expected).sort()).toEqual(DEFAULT_NETBANK_PERSONAS.map((p) => p.id).sort());
});

describe.each(DEFAULT_NETBANK_PERSONAS.map((p) => [p.id]))('persona %s', (id) => {
  test(`a first refresh ends in the persona's status`, async () => {
    if (id === 'rapid') {
      // Three logins within a minute are allowed; the fourth locks.
      for (let i = 0; i < 3; i += 1) expect((await logIn(client, credentialsOf(netbank, id))).ok).toBe(true);
    }
    const want = expected[id];
    const got = await firstRefresh(id);
    expect(got).toEqual(want);
    expect(got.status).toBe(netbank.bank.persona(id).produces);
  }, 30_000);
});
