/**
 * The Berlin Group sandbox set up for the conformance kit's scenarios, and a login helper for
 * the connector's own tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redacted } from 'effect';
import type { ConformanceConfig, SandboxHandle, SandboxScenario } from '@kinko/connector-sdk/testkit';
import { collectPages, createPkcePair, createState, type Connector, type ConnectorClient, type Grant, type PsuContext } from '@kinko/connector-sdk';
import { addDays, type CalendarDate } from '@kinko/domain';
import { startBerlinGroupSandbox, type BerlinGroupAccount, type BerlinGroupSandbox, type BerlinGroupTransaction, type BerlinGroupUser } from '@kinko/sandbox-bank';
import { SPEC_FILE, specCheckerIfPresent } from './spec';

export const LOGIN = 'kit';
export const PASSWORD = 'kit-pass';
export const ACCOUNT = 'kit-acc';
export const REDIRECT_URI = 'https://kinko.invalid/link/callback';
export const PSU: PsuContext = { ipAddress: '192.0.2.10', userAgent: 'kinko-test', userPresent: true };

const tx = (id: string, kind: 'booked' | 'pending', date: CalendarDate, amountMinor: bigint): BerlinGroupTransaction =>
  kind === 'booked'
    ? { transactionId: id, entryReference: `REF-${id}`, bookingDate: date, valueDate: date, amountMinor, remittanceInformationUnstructured: `booked ${id}`, creditorName: 'Shop' }
    : { transactionId: id, valueDate: date, amountMinor, remittanceInformationUnstructured: `pending ${id}`, creditorName: 'Shop' };

/** The scenario's account: `count` items of `kind` in the window (first on `from`, last on `to`), one before, one after. */
export function scenarioAccount(scenario: SandboxScenario): BerlinGroupAccount {
  const booked: BerlinGroupTransaction[] = [];
  const pending: BerlinGroupTransaction[] = [];
  if (scenario.type === 'transactions') {
    const list = scenario.kind === 'booked' ? booked : pending;
    const kind = scenario.kind === 'booked' ? 'booked' : 'pending';
    const { from, to } = scenario.window;
    const span = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000));
    list.push(tx('before', kind, addDays(from, -1), -100n));
    for (let i = 0; i < scenario.count; i += 1) {
      const offset = scenario.count === 1 ? 0 : i === scenario.count - 1 ? span : Math.floor((i * span) / Math.max(1, scenario.count - 1));
      list.push(tx(`t${i}`, kind, addDays(from, offset), -BigInt(100 + (i % 900))));
    }
    list.push(tx('after', kind, addDays(to, 1), -100n));
  } else {
    booked.push(tx('b1', 'booked', '2020-01-02' as CalendarDate, 12_345n));
  }
  return {
    resourceId: ACCOUNT,
    iban: 'DE89370400440532013000',
    currency: scenario.type === 'transactions' && scenario.currency !== undefined ? scenario.currency : 'EUR',
    name: 'Girokonto',
    product: 'Girokonto',
    cashAccountType: 'CACC',
    openingBalanceMinor: 100_000n,
    booked,
    pending,
  };
}

export async function startScenario(scenario: SandboxScenario, pageSize = 50): Promise<BerlinGroupSandbox> {
  const users: BerlinGroupUser[] = [{ login: LOGIN, password: PASSWORD, accounts: [scenarioAccount(scenario)] }];
  return startBerlinGroupSandbox({ users, pageSize: scenario.type === 'transactions' && scenario.bankPageSize !== undefined ? scenario.bankPageSize : pageSize });
}

/** The kit's configuration: every check runs against the sandbox (none skipped), its answers checked against the spec. */
export function conformanceConfig(connector: Connector): ConformanceConfig {
  return {
    connector,
    identities: { valid: { credentials: { login: LOGIN, password: PASSWORD } }, wrongPassword: { credentials: { login: LOGIN, password: 'wrong' } } },
    largeCount: 20_000,
    // The sandbox's answers are checked against the published spec (sandbox-matches-spec).
    spec: { file: SPEC_FILE },
    // The grant as version 0.1.0 (the first) serialises it: later versions must still read it.
    previousVersions: { grants: [readFileSync(join(__dirname, 'fixtures', 'grant-v1.json'), 'utf8').trim()] },
    async startSandbox(scenario): Promise<SandboxHandle> {
      const sandbox = await startScenario(scenario, connector.manifest.limits.pageSize);
      const checker = await specCheckerIfPresent();
      return {
        ...(checker === undefined ? {} : { specProblems: () => sandbox.answers().flatMap((a) => checker.problems(a)) }),
        // The kit reads without a PSU present many times a day: a consent that allows it.
        config: { baseUrl: sandbox.url, clientId: 'kinko-kit', frequencyPerDay: 1000 },
        allowedHosts: [sandbox.hostEntry],
        bankAccountId: ACCOUNT,
        knobs: { setFault: async (fault) => sandbox.setFault(fault) },
        completeRedirect: (url, identity) => sandbox.testHooks.approve(url, identity.credentials['login'] ?? '', identity.credentials['password'] ?? ''),
        requests: () => sandbox.requests().map((r) => ({ method: r.method, path: r.path, query: r.query })),
        bookPending: async (bankAccountId) => sandbox.testHooks.bookPending(bankAccountId),
        endConsentAtBank: async (identity) => {
          for (const c of sandbox.testHooks.consentsOf(identity.credentials['login'] ?? '')) sandbox.testHooks.revokeByPsu(c.consentId);
        },
        close: () => sandbox.close(),
      };
    },
  };
}

/** Logs in through the whole redirect flow (begin → the bank's SCA page → complete) as the app does. */
export async function logIn(sandbox: BerlinGroupSandbox, connector: Connector, options: { config?: Record<string, unknown>; password?: string } = {}) {
  const client: ConnectorClient = connector.create({ config: { baseUrl: sandbox.url, clientId: 'kinko-test', ...options.config }, extraAllowedHosts: [sandbox.hostEntry] });
  const pkce = createPkcePair();
  const state = createState();
  const start = await client.auth.begin({ redirectUri: REDIRECT_URI, state, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', psu: PSU });
  if (!start.ok || start.value.type !== 'redirect') throw new Error(`begin failed: ${JSON.stringify(start)}`);
  const callbackParams = await sandbox.testHooks.approve(start.value.url, LOGIN, options.password ?? PASSWORD);
  const step = await client.auth.complete({
    type: 'redirect',
    callbackParams,
    redirectUri: REDIRECT_URI,
    codeVerifier: pkce.verifier,
    psu: PSU,
    ...(start.value.flowState !== undefined ? { flowState: Redacted.make(start.value.flowState) } : {}),
  });
  return { client, start: start.value, step, callbackParams };
}

/** The grant of a successful login. */
export function grantOf(step: Awaited<ReturnType<typeof logIn>>['step']): Grant {
  if (!step.ok || step.value.type !== 'granted') throw new Error(`not granted: ${JSON.stringify(step)}`);
  return step.value.grant;
}

export { collectPages };
