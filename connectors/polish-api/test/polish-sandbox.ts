/**
 * The PolishAPI sandbox bank as the conformance kit's sandbox, and helpers for the other
 * tests: a TPP key registered at the bank, scenarios laid out exactly (for every kind), the
 * customer's part of the redirect done over HTTP on the bank's own pages, and the kit's
 * faults mapped onto the sandbox's fault injector.
 */
import { generateKeyPairSync } from 'node:crypto';
import { addDays, type CalendarDate, type TransactionKind } from '@kinko/domain';
import type { ConformanceConfig, Identity, SandboxFault, SandboxHandle, SandboxScenario } from '@kinko/connector-sdk/testkit';
import { createPkcePair, createState, type Connector, type ConnectorClient, type CreateConnectorOptions, type Grant, type Granted } from '@kinko/connector-sdk';
import {
  offsetClock,
  polishApiOperation,
  startPolishApiSandbox,
  type PolishApiAccountConfig,
  type PolishApiOperation,
  type PolishApiSandbox,
  type PolishApiSandboxOptions,
} from '@kinko/sandbox-bank';
import { polishApiSpecChecker } from '@kinko/sandbox-bank/spec';
import { sharedFile } from '../../../tools/jest/shared-files';

/** The published spec the sandbox speaks (../shared, absent in a public clone: the kit then skips sandbox-matches-spec, naming it). */
export const SPEC = sharedFile('specs/polish-api/PolishAPI-ver2_1_2.yaml');

/** The TPP's client id at the sandbox. */
export const CLIENT_ID = 'kinko-test-tpp';
/** The redirect URI the conformance kit uses (registered at the sandbox). */
export const REDIRECT_URI = 'https://kinko.invalid/link/callback';
/** The PSU every scenario has. */
export const PSU = { login: 'jan', password: 'haslo-jana', smsCode: '123456' } as const;

/** The identities of the kit: the right password, and a wrong one (the PSU then cancels at the bank). */
export const identities = {
  valid: { credentials: { login: PSU.login, password: PSU.password, smsCode: PSU.smsCode } },
  wrongPassword: { credentials: { login: PSU.login, password: 'to-nie-jest-haslo', smsCode: PSU.smsCode } },
} satisfies ConformanceConfig['identities'];

/** A TPP key pair: the private JWK (JSON text, as the config takes it) and the public JWK the bank registers. */
export interface TppKey {
  readonly privateJwk: string;
  readonly publicJwk: Record<string, unknown>;
  /** The private scalar (`d`): a canary that must never appear in errors or logs. */
  readonly d: string;
}

/** A fresh ES256 TPP key with kid = {@link CLIENT_ID}. */
export function newTppKey(kid = CLIENT_ID): TppKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const priv = privateKey.export({ format: 'jwk' });
  return { privateJwk: JSON.stringify({ ...priv, kid }), publicJwk: { ...publicKey.export({ format: 'jwk' }), kid }, d: priv.d as string };
}

const DATA_OPERATIONS: readonly PolishApiOperation[] = [
  'getAccounts',
  'getAccount',
  'getTransactionsDone',
  'getTransactionsPending',
  'getTransactionsRejected',
  'getTransactionsCancelled',
  'getTransactionsScheduled',
  'getHolds',
  'getTransactionDetail',
];
const DATA_PATHS = DATA_OPERATIONS.map(polishApiOperation);

/** The dates of a scenario: one day before `from`, `count` spread over the window (first on from, last on to), one after `to`. */
export function scenarioDates(window: { readonly from: CalendarDate; readonly to: CalendarDate }, count: number): { inside: CalendarDate[]; before: CalendarDate; after: CalendarDate } {
  const days = Math.round((Date.parse(window.to) - Date.parse(window.from)) / 86_400_000);
  const inside: CalendarDate[] = [];
  for (let i = 0; i < count; i += 1) inside.push(addDays(window.from, count === 1 ? days : Math.round((i * days) / (count - 1))));
  return { inside, before: addDays(window.from, -1), after: addDays(window.to, 1) };
}

/** A running sandbox for one scenario, with what the tests need besides the kit's handle. */
export interface PolishSandbox extends SandboxHandle {
  readonly sandbox: PolishApiSandbox;
  readonly key: TppKey;
  /** The PSU's everyday account (always present). */
  readonly mainAccount: string;
}

/** Options of {@link startPolishSandbox}. */
export interface PolishSandboxOptions {
  /** The TPP key registered at the bank (default: a fresh one). */
  readonly key?: TppKey;
  /** More sandbox options (settings, clock…). */
  readonly sandbox?: Partial<PolishApiSandboxOptions>;
  /** Extra config fields of the connector (e.g. a wrong keyId). */
  readonly config?: Record<string, unknown>;
  /** Verify the bank's answer signatures (default true). */
  readonly verifyAnswers?: boolean;
}

const amountFor = (i: number): bigint => -BigInt(1_000 + (i % 9_000));

/** The scenario account's currency, when the scenario names one (the bank's default is PLN). */
const currencyOf = (scenario: SandboxScenario): { currency?: string } =>
  scenario.type === 'transactions' && scenario.currency !== undefined ? { currency: scenario.currency } : {};

/** Starts the PolishAPI sandbox for a scenario of the kit (or `basic` for the other tests). */
export async function startPolishSandbox(scenario: SandboxScenario, options: PolishSandboxOptions = {}): Promise<PolishSandbox> {
  const key = options.key ?? newTppKey();
  const everyday: PolishApiAccountConfig = { kind: 'personal', transactions: 120, historyDays: 200, activity: false };
  const accounts: PolishApiAccountConfig[] = [everyday];
  let dates: ReturnType<typeof scenarioDates> | undefined;
  let kind: TransactionKind | undefined;
  if (scenario.type === 'transactions') {
    kind = scenario.kind;
    dates = scenarioDates(scenario.window, scenario.count);
    if (kind === 'booked') {
      // Booked items: an exact layout of the ledger (savings: trade date = booking date).
      const layout: Record<string, number> = { [dates.before]: 1, [dates.after]: 1 };
      for (const d of dates.inside) layout[d] = (layout[d] ?? 0) + 1;
      accounts.push({ kind: 'savings', activity: false, transactionsByDate: layout, name: 'Scenariusz', ...currencyOf(scenario) });
    } else {
      accounts.push({ kind: 'savings', activity: false, transactions: 0, historyDays: 400, ongoing: false, name: 'Scenariusz', ...currencyOf(scenario) });
    }
  }
  // Scheduled payments lie in the future: the bank's "today" is put two days before the window.
  const clock =
    kind === 'scheduled' && scenario.type === 'transactions' ? offsetClock(`${addDays(scenario.window.from, -2)}T12:00:00+02:00`) : undefined;
  const sandbox = await startPolishApiSandbox({
    seed: 'polish-connector',
    clients: [{ clientId: CLIENT_ID, name: 'Kinko (test)', publicJwk: key.publicJwk, redirectUris: [REDIRECT_URI] }],
    users: [{ login: PSU.login, password: PSU.password, scaCode: PSU.smsCode, name: 'Jan Kowalski', accounts }],
    ...(clock !== undefined ? { clock } : {}),
    ...options.sandbox,
  });
  try {
    // Refreshing retires the access token it replaces (the kit checks that the old grant dies).
    sandbox.knobs.set({ refreshRevokesAccessToken: true });
    // A bank that sends fewer items a page than asked: it caps perPage at the scenario's bankPageSize.
    if (scenario.type === 'transactions' && scenario.bankPageSize !== undefined) sandbox.knobs.set({ maxPerPage: scenario.bankPageSize });
    const numbers = sandbox.truth.accounts(PSU.login).map((a) => a.accountNumber);
    const mainAccount = numbers[0] as string;
    const scenarioAccount = numbers[1];
    if (dates !== undefined && kind !== undefined && kind !== 'booked' && scenarioAccount !== undefined) {
      const all = [dates.before, ...dates.inside, dates.after];
      all.forEach((d, i) => {
        const description = `Przelew wychodzący: scenariusz ${i}`;
        const amount = amountFor(i);
        switch (kind) {
          case 'pending':
            sandbox.knobs.addPending(scenarioAccount, { amount, tradeDate: d, bookOn: null, description });
            break;
          case 'hold':
            sandbox.knobs.addHold(scenarioAccount, { amount, tradeDate: d, settleOn: null, description: `Płatność kartą SKLEP ${i}` });
            break;
          case 'scheduled':
            sandbox.knobs.addScheduled(scenarioAccount, { amount, executionDate: d, description });
            break;
          case 'rejected':
            sandbox.knobs.addRejected(scenarioAccount, { amount, tradeDate: d, description });
            break;
          case 'cancelled':
            sandbox.knobs.addCancelled(scenarioAccount, { amount, tradeDate: d, description });
            break;
        }
      });
    }
    const checker = SPEC.present ? await polishApiSpecChecker(SPEC.path) : undefined;
    return {
      sandbox,
      key,
      mainAccount,
      // Every answer the bank gave, checked against the spec (the kit's sandbox-matches-spec).
      ...(checker === undefined ? {} : { specProblems: () => sandbox.answers().flatMap((a) => checker.problems(a)) }),
      config: {
        baseUrl: sandbox.url,
        clientId: CLIENT_ID,
        signingKey: key.privateJwk,
        ...(options.verifyAnswers === false ? {} : { bankSigningKey: JSON.stringify(sandbox.signingKey) }),
        ...options.config,
      },
      allowedHosts: [new URL(sandbox.url).host],
      ...(scenario.type === 'transactions' ? { bankAccountId: scenarioAccount } : {}),
      knobs: { setFault: async (fault) => setFault(sandbox, fault) },
      completeRedirect: (url, identity) => authorizeAtBank(url, identity),
      // The data requests, each with the body's filter and paging parameters as its query (PolishAPI sends them in the body).
      requests: () =>
        sandbox
          .requests()
          .filter((r) => r.operation !== null && DATA_PATHS.includes(r.operation))
          .map((r) => ({ method: r.method, path: r.path, query: Object.fromEntries(Object.entries(r.params ?? {}).map(([k, v]) => [k, String(v)])) })),
      // The PSU withdraws every consent at the bank.
      endConsentAtBank: async (identity) => {
        for (const c of sandbox.testHooks.consents().filter((v) => v.login === identity.credentials['login'])) sandbox.testHooks.deleteConsent(c.consentId, c.clientId);
      },
      bookPending: async (bankAccountId) => void sandbox.knobs.bookPending(bankAccountId),
      close: () => sandbox.close(),
    };
  } catch (e) {
    await sandbox.close();
    throw e;
  }
}

/** Applies a kit fault to the data operations (never authorize/token/deleteConsent). */
export function setFault(sandbox: PolishApiSandbox, fault: SandboxFault | undefined): void {
  const faults = sandbox.knobs.faults;
  faults.reset();
  for (const status of [429, 500, 502, 503, 504]) sandbox.knobs.setRetryAfter(status, undefined);
  if (fault === undefined) return;
  const times = fault.times ?? Number.MAX_SAFE_INTEGER;
  const operations = { operations: DATA_PATHS, after: fault.afterRequests ?? 0 };
  switch (fault.type) {
    case 'latency':
      if (fault.times !== undefined) throw new Error('the sandbox delays every request: latency with `times` is not available');
      faults.set({ latencyMs: fault.delayMs, operations: DATA_PATHS });
      return;
    case 'status':
      if (fault.retryAfter !== undefined) sandbox.knobs.setRetryAfter(fault.status, fault.retryAfter);
      faults.failNext(times, { type: 'status', status: fault.status }, operations);
      return;
    case 'malformedBody':
      faults.failNext(times, { type: 'malformed-json' }, operations);
      return;
    case 'dropConnection':
      faults.failNext(times, { type: 'drop-connection' }, operations);
      return;
    case 'loopingNext':
      faults.failNext(times, { type: 'next-link', form: 'looping' }, operations);
      return;
    case 'malformedNext':
      faults.failNext(times, { type: 'next-link', form: 'malformed' }, operations);
      return;
  }
}

const hidden = (html: string, name: string): string => {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`the bank's page has no ${name} field`);
  return m[1] as string;
};

async function post(url: URL, form: URLSearchParams): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(), redirect: 'manual' });
}

function callbackParams(res: Response): Record<string, string> {
  const location = res.headers.get('location');
  if (res.status !== 302 || location === null) throw new Error(`the bank answered ${res.status} without a redirect`);
  return Object.fromEntries(new URL(location).searchParams);
}

/**
 * What the user's browser does at the bank: opens `aspspRedirectUri`, logs in, types the SMS
 * code, approves the accounts ticked by default. With a wrong password the user gives up
 * (Cancel), and the bank redirects back with `error=access_denied`.
 */
export async function authorizeAtBank(aspspRedirectUri: string, identity: Identity): Promise<Record<string, string>> {
  const page = await fetch(aspspRedirectUri, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`the bank's login page answered ${page.status}`);
  const action = new URL(/<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '/psu/authorize', aspspRedirectUri);
  const flow = hidden(html, 'flow');
  const { login = '', password = '', smsCode = '' } = identity.credentials;
  const loggedIn = await post(action, new URLSearchParams({ flow, stage: 'login', login, password, action: 'login' }));
  await loggedIn.text();
  if (loggedIn.status !== 200) return callbackParams(await post(action, new URLSearchParams({ flow, stage: 'login', action: 'cancel' })));
  const sca = await post(action, new URLSearchParams({ flow, stage: 'sca', code: smsCode, action: 'sca' }));
  const consentPage = await sca.text();
  if (sca.status !== 200) return callbackParams(await post(action, new URLSearchParams({ flow, stage: 'sca', action: 'cancel' })));
  const approve = new URLSearchParams({ flow, stage: 'consent', action: 'approve' });
  for (const m of consentPage.matchAll(/name="account" value="([^"]+)" checked/g)) approve.append('account', m[1] as string);
  return callbackParams(await post(action, approve));
}

/** The kit's config for a connector against the PolishAPI sandbox. */
export function conformanceConfig(connector: Connector, overrides: Partial<ConformanceConfig> = {}): ConformanceConfig {
  return { connector, startSandbox: (scenario) => startPolishSandbox(scenario), identities, redirectUri: REDIRECT_URI, spec: { file: SPEC.path }, ...overrides };
}

/** A connector client logged in at a running sandbox as the valid PSU. */
export interface LoggedIn {
  readonly client: ConnectorClient;
  readonly grant: Grant;
  readonly granted: Granted<Grant>;
}

/** Creates a client of `connector` for the sandbox (config overrides merged) and logs in through the bank's pages. */
export async function logIn(s: PolishSandbox, connector: Connector, options: { readonly config?: Record<string, unknown>; readonly create?: Partial<CreateConnectorOptions> } = {}): Promise<LoggedIn> {
  const client = connector.create({
    config: { ...(s.config as Record<string, unknown>), ...options.config },
    extraAllowedHosts: s.allowedHosts,
    ...options.create,
  });
  const pkce = createPkcePair();
  const start = await client.auth.begin({ redirectUri: REDIRECT_URI, state: createState(), codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
  if (!start.ok || start.value.type !== 'redirect') throw new Error(`begin failed: ${JSON.stringify(start)}`);
  const callbackParams = await authorizeAtBank(start.value.url, identities.valid);
  const step = await client.auth.complete({ type: 'redirect', callbackParams, redirectUri: REDIRECT_URI, codeVerifier: pkce.verifier });
  if (!step.ok || step.value.type !== 'granted') throw new Error(`complete failed: ${JSON.stringify(step)}`);
  return { client, grant: step.value.grant, granted: step.value };
}
