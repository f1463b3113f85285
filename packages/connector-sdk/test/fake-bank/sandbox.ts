// The toy bank as the conformance kit's sandbox: scenarios become users and accounts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { addDays, calendarDate } from '@kinko/domain';
import type { ConformanceConfig, Identity, SandboxHandle, SandboxScenario } from '../../src/testkit';
import type { Connector } from '../../src';
import { startFakeBank, type FakeAccount, type FakeBank, type FakeTransaction } from './bank';

const AUTH_PATHS = new Set(['/login', '/login/otp', '/authorize', '/token', '/revoke']);

/** Grants and OTP states as the toy connectors serialised them before (committed fixtures). */
export const toyPreviousVersions = {
  grants: [readFileSync(join(__dirname, '../fixtures/previous-versions/toy-grant.v1.json'), 'utf8')],
  challengeStates: [readFileSync(join(__dirname, '../fixtures/previous-versions/toy-otp-state.v1.json'), 'utf8')],
};

/** The users every scenario has. */
export const toyIdentities = {
  valid: { credentials: { username: 'alice', password: 'correct-horse' } },
  wrongPassword: { credentials: { username: 'alice', password: 'wrong-horse' } },
  withChallenge: { credentials: { username: 'bob', password: 'battery-staple' }, challengeAnswers: ['123456'] },
} satisfies ConformanceConfig['identities'];

function spread(kind: string, count: number, from: string, to: string, prefix: string, currency?: string): FakeTransaction[] {
  const days = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
  const out: FakeTransaction[] = [];
  let balance = 1_000_000;
  const push = (date: string, id: string): void => {
    balance += 100;
    out.push({ id, kind, date, amount: 100, description: `振込 ${id}`, balance, reference: `REF-${id}`, ...(currency === undefined ? {} : { currency }) });
  };
  push(addDays(calendarDate(from), -1), `${prefix}-before`);
  for (let i = 0; i < count; i += 1) {
    // Item 0 on `from`, the last on `to`, the rest evenly between.
    const offset = count === 1 ? days : Math.round((i * days) / (count - 1));
    push(addDays(calendarDate(from), offset), `${prefix}-${String(i).padStart(7, '0')}`);
  }
  push(addDays(calendarDate(to), 1), `${prefix}-after`);
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id < b.id ? -1 : 1));
}

/** Starts the toy bank for one scenario; `pageSize` must match the connector's manifest. */
/** The toy bank's "published spec": its answers' content type and each data route's required members. */
export const TOY_SPEC_FILE = join(__dirname, '../fixtures/toy-bank-spec.json');

/** What the toy bank's answers break of its spec (the spec file read as the check runs). */
function toySpecProblems(bank: FakeBank): string[] {
  const spec = JSON.parse(readFileSync(TOY_SPEC_FILE, 'utf8')) as { contentType: string; required: Record<string, string[]> };
  const problems: string[] = [];
  for (const a of bank.answers) {
    if (a.contentType !== spec.contentType) problems.push(`${a.path} ${a.status}: content-type ${a.contentType}, the spec says ${spec.contentType}`);
    const required = a.status === 200 ? spec.required[a.path] : undefined;
    for (const member of required ?? []) {
      if (typeof a.body !== 'object' || a.body === null || !(member in a.body)) problems.push(`${a.path} ${a.status}: no "${member}"`);
    }
  }
  return problems;
}

export async function startToySandbox(scenario: SandboxScenario, pageSize: number, bankOptions: { readonly contentType?: string } = {}): Promise<SandboxHandle & { bank: FakeBank }> {
  const main: FakeAccount = {
    id: 'acc-main',
    number: '****1234',
    name: '普通預金',
    currency: 'JPY',
    transactions: spread('booked', 3, '2024-01-01', '2024-01-03', 'main'),
  };
  const accounts: FakeAccount[] = [main];
  if (scenario.type === 'transactions') {
    accounts.push({
      id: 'acc-scenario',
      number: '****5678',
      name: 'シナリオ口座',
      currency: scenario.currency ?? 'JPY',
      transactions: spread(scenario.kind, scenario.count, scenario.window.from, scenario.window.to, 'tx', scenario.currency),
    });
  }
  const bank = await startFakeBank({
    ...bankOptions,
    pageSize: scenario.type === 'transactions' ? (scenario.bankPageSize ?? pageSize) : pageSize,
    users: [
      { username: 'alice', password: 'correct-horse', accounts },
      { username: 'bob', password: 'battery-staple', otp: '123456', accounts: [main] },
    ],
  });
  return {
    bank,
    config: { baseUrl: bank.baseUrl, clientId: 'kinko', clientSecret: 's3cret' },
    allowedHosts: [`127.0.0.1:${bank.port}`],
    bankAccountId: scenario.type === 'transactions' ? 'acc-scenario' : undefined,
    knobs: { setFault: async (fault) => bank.setFault(fault) },
    requests: () =>
      bank.requests
        .filter((r) => !AUTH_PATHS.has(r.path))
        .map((r) => ({ method: r.method, path: r.path, query: Object.fromEntries(r.query) })),
    endConsentAtBank: async (identity) => bank.endSession(identity.credentials.username ?? ''),
    bookPending: async (bankAccountId) => bank.bookPending(bankAccountId),
    specProblems: () => toySpecProblems(bank),
    async completeRedirect(url: string, identity: Identity) {
      // What the user's browser does: post the login form, read the redirect.
      const params = new URL(url).searchParams;
      const form = new URLSearchParams({
        username: identity.credentials.username ?? '',
        password: identity.credentials.password ?? '',
        redirect_uri: params.get('redirect_uri') ?? '',
        state: params.get('state') ?? '',
        code_challenge: params.get('code_challenge') ?? '',
      });
      const res = await request(`${bank.baseUrl}/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      await res.body.dump();
      const location = res.headers.location;
      if (res.statusCode !== 302 || typeof location !== 'string') throw new Error(`the bank answered ${res.statusCode} without a redirect`);
      return Object.fromEntries(new URL(location).searchParams);
    },
    close: () => bank.close(),
  };
}

/** A kit config for a toy connector. */
export function toyConformanceConfig(connector: Connector, overrides: Partial<ConformanceConfig> = {}): ConformanceConfig {
  return {
    connector,
    startSandbox: (scenario) => startToySandbox(scenario, connector.manifest.limits.pageSize),
    identities: connector.manifest.authFlow === 'credentials' ? toyIdentities : { valid: toyIdentities.valid, wrongPassword: toyIdentities.wrongPassword },
    pagingParameters: ['page'],
    previousVersions: toyPreviousVersions,
    spec: { file: TOY_SPEC_FILE },
    ...overrides,
  };
}
