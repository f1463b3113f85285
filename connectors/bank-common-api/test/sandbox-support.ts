/**
 * The conformance kit's adapter to the 銀行共通API sandbox (@kinko/sandbox-bank): one
 * sandbox bank per scenario, the kit's faults mapped onto the sandbox's knobs, and the
 * bank's HTML login page driven over HTTP as the user's browser would.
 */
import { addDays, daysBetween, type CalendarDate } from '@kinko/domain';
import type { Identity, SandboxFault, SandboxHandle, SandboxScenario } from '@kinko/connector-sdk/testkit';
import {
  loginAtBankPage,
  startBankCommonApiSandbox,
  type BankCommonApiBankConfig,
  type BankCommonApiSandbox,
  type SandboxAccountConfig,
  type SandboxBank,
} from '@kinko/sandbox-bank';
import { bankCommonApiSpecChecker } from '@kinko/sandbox-bank/spec';
import { sharedFile } from '../../../tools/jest/shared-files';
import { bankCommonApiConnector } from '../src';

/** The published spec the sandbox speaks (../shared, absent in a public clone: the kit then skips sandbox-matches-spec, naming it). */
export const SPEC = sharedFile('specs/bank-common-api.yaml');

/** みずほ's bank code (the sandbox needs a code zengin-code knows, for its branches). */
export const BANK_CODE = '0001';

/** The client the sandbox bank registered for Kinko. `kinko.invalid` is the kit's default redirect host. */
export const CLIENT = { apiKey: 'kinko-test-key', password: 'kinko-test-secret', redirectDomains: ['kinko.invalid', '127.0.0.1', 'localhost'] };

/** The scenario user. */
export const USER = { id: 'hanako', password: 'correct-horse-battery' };

/** The identities the kit logs in with. */
export const identities = {
  valid: { credentials: { id: USER.id, password: USER.password } },
  wrongPassword: { credentials: { id: USER.id, password: 'not-her-password' } },
};

/**
 * The connector under test. Its definition names the bank's production host (a reserved,
 * unreachable name); every client points at a sandbox through the config's `baseUrl`, whose
 * loopback host the kit allows with `extraAllowedHosts`.
 */
export const sandboxConnector = bankCommonApiConnector({
  id: 'bca-sandbox',
  bankCode: BANK_CODE,
  bankName: { ja: 'サンドボックス銀行', en: 'Sandbox Bank', pl: 'Bank Sandbox' },
  baseUrl: 'https://api.sandbox-bank.invalid/v1',
});

/** The endpoints the kit's faults apply to (never the auth endpoints). */
const DATA_OPERATIONS = ['GET /accounts', 'GET /transactions', 'GET /balances', 'GET /branches'];

/**
 * Listed transactions per date for a `transactions` scenario: exactly `count` inside the
 * window — one on `from` and one on `to` when count ≥ 2, the rest spread evenly — and one on
 * each day just outside it.
 */
export function layoutFor(window: { readonly from: CalendarDate; readonly to: CalendarDate }, count: number): Record<string, number> {
  const days = daysBetween(window.from, window.to) + 1;
  const counts = new Array<number>(days).fill(0);
  if (count === 1) counts[0] = 1;
  if (count >= 2) {
    counts[0] = 1;
    counts[days - 1] = (counts[days - 1] as number) + 1;
    const rest = count - 2;
    for (let d = 0; d < days; d++) counts[d] = (counts[d] as number) + Math.floor(rest / days) + (d < rest % days ? 1 : 0);
  }
  const layout: Record<string, number> = { [addDays(window.from, -1)]: 1, [addDays(window.to, 1)]: 1 };
  counts.forEach((n, d) => {
    if (n > 0) layout[addDays(window.from, d)] = n;
  });
  return layout;
}

/** The sandbox bank's config for a scenario: the user holds a 普通 and a card account, plus the scenario account first. */
export function bankFor(scenario: SandboxScenario, overrides: Partial<BankCommonApiBankConfig> = {}): BankCommonApiBankConfig {
  const accounts: SandboxAccountConfig[] = [
    { kind: 'ordinary', transactions: 40, historyDays: 60 },
    { kind: 'credit-card', transactions: 10, historyDays: 60 },
  ];
  if (scenario.type === 'transactions') {
    if (scenario.kind !== 'booked') throw new Error(`the 銀行共通API has only booked transactions, not ${scenario.kind}`);
    accounts.unshift({ kind: 'ordinary', transactionsByDate: layoutFor(scenario.window, scenario.count) });
  }
  // The bank's own page size: the scenario's bankPageSize (a bank sending fewer items than the connector expects).
  const pageSize = scenario.type === 'transactions' && scenario.bankPageSize !== undefined ? { pageSize: scenario.bankPageSize } : {};
  return { bankCode: BANK_CODE, client: CLIENT, users: [{ ...USER, accounts }], ...pageSize, ...overrides };
}

/** Sets (or clears) the kit's fault through the sandbox's knobs. */
export function applyFault(bank: SandboxBank, fault: SandboxFault | undefined): void {
  const { knobs } = bank;
  knobs.faults.reset();
  for (const status of [429, 500, 502, 503, 504]) knobs.setRetryAfter(status, undefined);
  if (fault === undefined) return;
  // "Until cleared" is a queue longer than any test.
  const times = fault.times ?? Number.MAX_SAFE_INTEGER;
  const options = { operations: DATA_OPERATIONS, after: fault.afterRequests ?? 0 };
  switch (fault.type) {
    case 'latency':
      if (fault.times !== undefined) throw new Error('the sandbox delays every request of an operation, not a number of them');
      knobs.faults.set({ latencyMs: fault.delayMs, operations: DATA_OPERATIONS });
      return;
    case 'status':
      if (fault.retryAfter !== undefined) knobs.setRetryAfter(fault.status, fault.retryAfter);
      knobs.faults.failNext(times, fault.status, options);
      return;
    case 'malformedBody':
      knobs.faults.failNext(times, { type: 'malformed-json' }, options);
      return;
    case 'dropConnection':
      knobs.faults.failNext(times, { type: 'drop-connection' }, options);
      return;
    case 'loopingNext':
      knobs.faults.failNext(times, { type: 'next-link', form: 'looping' }, options);
      return;
    case 'malformedNext':
      knobs.faults.failNext(times, { type: 'next-link', form: 'malformed' }, options);
      return;
  }
}

/** The query parameters of a redirect's Location. */
const paramsOf = (location: string): Record<string, string> => Object.fromEntries(new URL(location).searchParams);

/**
 * What the user's browser does at the bank's login page. A wrong password leaves the user on
 * the page; the user then gives up with Cancel and the bank redirects back with error=access_denied.
 */
export async function completeRedirect(url: string, identity: Identity): Promise<Record<string, string>> {
  const user = { id: identity.credentials.id ?? '', password: identity.credentials.password ?? '' };
  const result = await loginAtBankPage(url, user);
  if (result.outcome === 'redirected') return paramsOf(result.location);
  const cancelled = await loginAtBankPage(url, user, { cancel: true });
  if (cancelled.outcome === 'redirected') return paramsOf(cancelled.location);
  throw new Error(`the bank's login page answered ${cancelled.status}`);
}

/** A running sandbox for one scenario, with its handle for the kit. */
export interface ScenarioSandbox {
  readonly sandbox: BankCommonApiSandbox;
  readonly bank: SandboxBank;
  readonly handle: SandboxHandle;
}

/** Starts a sandbox bank for a scenario (bank config overrides for the connector's own tests). */
export async function startScenario(scenario: SandboxScenario, overrides: Partial<BankCommonApiBankConfig> = {}): Promise<ScenarioSandbox> {
  const sandbox = await startBankCommonApiSandbox({ seed: 'kinko-bca-connector', banks: [bankFor(scenario, overrides)] });
  const bank = sandbox.bank(BANK_CODE);
  const checker = SPEC.present ? await bankCommonApiSpecChecker(SPEC.path) : undefined;
  const handle: SandboxHandle = {
    // Every answer the bank gave, checked against the spec (the kit's sandbox-matches-spec).
    ...(checker === undefined ? {} : { specProblems: () => bank.answers().flatMap((a) => checker.problems(a)) }),
    config: { apiKey: CLIENT.apiKey, password: CLIENT.password, baseUrl: bank.url },
    allowedHosts: [new URL(bank.url).host],
    knobs: { setFault: async (fault) => applyFault(bank, fault) },
    ...(scenario.type === 'transactions' ? { bankAccountId: sandbox.truth.accounts(BANK_CODE, USER.id)[0]?.accountId } : {}),
    completeRedirect,
    // The user withdrawing the consent at the bank: every token of the bank's users stops working.
    endConsentAtBank: async () => bank.knobs.revokeAllUserTokens(),
    // The data requests of the sandbox's request log, for the kit's requests-repeat-window.
    requests: () =>
      bank
        .requests()
        .filter((r) => r.operation !== null && DATA_OPERATIONS.includes(r.operation))
        .map((r) => ({ method: r.method, path: r.path, query: Object.fromEntries(Object.entries(r.query).map(([k, v]) => [k, typeof v === 'string' ? v : (v[v.length - 1] ?? '')])) })),
    close: () => sandbox.close(),
  };
  return { sandbox, bank, handle };
}

/** The kit's `startSandbox`. */
export const startSandbox = async (scenario: SandboxScenario): Promise<SandboxHandle> => (await startScenario(scenario)).handle;
