// Driving the connector the way the app does: a client per test bank, logins with the
// credential form, and a few readers for what comes back.
import { Redacted } from 'effect';
import {
  collectPages,
  todayAt,
  systemClock,
  type AuthStep,
  type ChallengeState,
  type Connector,
  type ConnectorClient,
  type ConnectorError,
  type ConnectorErrorTag,
  type CreateConnectorOptions,
  type Grant,
  type Outcome,
  type Transaction,
} from '@kinko/connector-sdk';
import { addDays, type CalendarDate } from '@kinko/domain';
import type { TestNetbank } from './sandbox';

/**
 * Short retries, so faults end quickly; a page may take up to 10 s (a normal page on a loaded
 * 2-core CI machine once took longer than 3 s).
 */
export const TEST_HTTP: CreateConnectorOptions['http'] = {
  timeouts: { connectMs: 2_000, totalMs: 10_000 },
  retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 500 },
};

/** A 3 s page timeout, for the test of a page slower than the client waits. */
export const SHORT_TIMEOUT_HTTP: CreateConnectorOptions['http'] = { ...TEST_HTTP, timeouts: { connectMs: 1_000, totalMs: 3_000 } };

/** A client of `connector` pointed at the test bank. */
export function clientFor(netbank: TestNetbank, connector: Connector, http = TEST_HTTP): ConnectorClient {
  return connector.create({ config: netbank.config, extraAllowedHosts: netbank.allowedHosts, http });
}

/** Submits the credential form. */
export function logIn(client: ConnectorClient, credentials: Readonly<Record<string, string>>): Promise<Outcome<AuthStep<Grant, ChallengeState>>> {
  return client.auth.complete({
    type: 'credentials',
    credentials: Object.fromEntries(Object.entries(credentials).map(([k, v]) => [k, Redacted.make(v)])),
  });
}

/** Answers a challenge. */
export function answer(client: ConnectorClient, state: ChallengeState, text: string): Promise<Outcome<AuthStep<Grant, ChallengeState>>> {
  return client.auth.answerChallenge({ state, answer: Redacted.make(text) });
}

/** The value of an outcome that must be ok (with the error in the failure message). */
export function value<T>(out: Outcome<T>): T {
  if (!out.ok) throw new Error(`expected success, got ${out.error._tag}: ${out.error.message}`);
  return out.value;
}

/** The error of an outcome that must have failed with `tag`. */
export function failure<K extends ConnectorErrorTag>(out: Outcome<unknown>, tag: K): Extract<ConnectorError, { _tag: K }> {
  if (out.ok) throw new Error(`expected ${tag}, got success`);
  if (out.error._tag !== tag) throw new Error(`expected ${tag}, got ${out.error._tag}: ${out.error.message}`);
  return out.error as Extract<ConnectorError, { _tag: K }>;
}

/** A step that must be a challenge. */
export function challengeOf(step: AuthStep<Grant, ChallengeState>): Extract<AuthStep<Grant, ChallengeState>, { type: 'challenge' }> {
  if (step.type !== 'challenge') throw new Error('expected a challenge, the bank let the user in');
  return step;
}

/** A step that must be granted. */
export function grantOf(step: AuthStep<Grant, ChallengeState>): Grant {
  if (step.type !== 'granted') throw new Error(`expected access, the bank asked a ${step.challenge.kind} challenge`);
  return step.grant;
}

/** Credentials of a persona (login id + password). */
export const credentialsOf = (netbank: TestNetbank, personaId: string): Record<string, string> => ({
  userId: personaId,
  password: netbank.bank.persona(personaId).password,
});

/** Today at the bank (Asia/Tokyo). */
export const bankToday = (): CalendarDate => todayAt(systemClock, 'Asia/Tokyo');

/** The last `days` days up to today. */
export const lastDays = (days: number): { from: CalendarDate; to: CalendarDate } => ({ from: addDays(bankToday(), -(days - 1)), to: bankToday() });

/** Every booked transaction of an account in a window. */
export function readTransactions(client: ConnectorClient, grant: Grant, bankAccountId: string, window: { from: CalendarDate; to: CalendarDate }): Promise<Outcome<Transaction[]>> {
  return collectPages(client.transactions(grant, { bankAccountId, kind: 'booked', window }));
}

/** The bank session id (NBSESSIONID) inside a serialised challenge state: the sandbox's test hooks are keyed by it. */
export function sessionIdOf(connector: Connector, state: ChallengeState): string {
  const text = value(connector.serializeChallengeState(state));
  const jar = JSON.parse((JSON.parse(text) as { cookies: string }).cookies) as { cookies: Array<{ key: string; value: string }> };
  const cookie = jar.cookies.find((c) => c.key === 'NBSESSIONID');
  if (!cookie) throw new Error('no bank session cookie in the challenge state');
  return cookie.value;
}
