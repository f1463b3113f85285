import { existsSync } from 'node:fs';
import { Redacted, Schema } from 'effect';
import { addDays, compareDates, missingDateProblem, reportedDate, type CalendarDate, type DateField, type TransactionKind } from '@kinko/domain';
import type { AuthStep, ChallengeStep } from '../auth';
import { systemClock, todayAt } from '../clock';
import { collectPages, type ChallengeState, type ConnectorClient, type Grant } from '../connector';
import type { ConnectorError, ConnectorErrorTag } from '../errors';
import { manifestProblems, type ConnectorManifest } from '../manifest';
import { Account, Branch, DailyBalance, Transaction, type FetchWindow } from '../model';
import type { Outcome } from '../outcome';
import { createPkcePair, createState } from '../pkce';
import {
  ConformanceFailure,
  validateConformanceConfig,
  type CheckName,
  type ConformanceConfig,
  type ConformanceIdentities,
  type Identity,
  type SandboxFault,
  type SandboxHandle,
  type SandboxScenario,
} from './config';

/** The kit's default HTTP settings for the connector under test: short, so faults surface quickly. */
export const kitHttpDefaults = {
  timeouts: { connectMs: 1_000, totalMs: 2_000 },
  retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 1_500 },
} as const;

/** The errors that say "this grant no longer works". */
const GRANT_GONE: readonly ConnectorErrorTag[] = ['CredentialsInvalid', 'ConsentExpired', 'ConsentRevoked'];

/** What a check runs with: the config and its resolved settings. */
export interface Env {
  readonly config: ConformanceConfig;
  readonly manifest: ConnectorManifest;
  readonly timeouts: { readonly connectMs: number; readonly totalMs: number };
  readonly retry: { readonly maxAttempts: number; readonly baseDelayMs: number; readonly maxDelayMs: number };
  readonly slackMs: number;
  readonly redirectUri: string;
}

interface Session {
  readonly handle: SandboxHandle;
  readonly client: ConnectorClient;
  readonly identities: ConformanceIdentities;
}

/** One check of the kit. */
export interface ConformanceCheck {
  readonly name: CheckName;
  /** What it proves, as the test title. */
  readonly title: string;
  /** Jest timeout for it. */
  readonly timeoutMs: number;
  /** A reason the manifest makes the check irrelevant (e.g. no challenges declared). */
  notApplicable?(manifest: ConnectorManifest, config: ConformanceConfig): string | undefined;
  run(env: Env): Promise<void>;
}

// ---------------------------------------------------------------- assertions

function fail(message: string): never {
  throw new ConformanceFailure(message);
}

const describeError = (e: ConnectorError): string => `${e._tag}: ${e.message}`;

function expectOk<T>(out: Outcome<T>, what: string): T {
  if (!out.ok) fail(`${what} failed with ${describeError(out.error)}`);
  return out.value;
}

function expectError<T>(out: Outcome<T>, tags: readonly ConnectorErrorTag[], what: string): ConnectorError {
  if (out.ok) fail(`${what} succeeded; expected ${tags.join(' or ')}`);
  if (!tags.includes(out.error._tag)) fail(`${what} failed with ${describeError(out.error)}; expected ${tags.join(' or ')}`);
  return out.error;
}

function expectWithin(elapsedMs: number, boundMs: number, what: string): void {
  if (elapsedMs > boundMs) fail(`${what} took ${Math.round(elapsedMs)} ms; the bound is ${boundMs} ms`);
}

// ---------------------------------------------------------------- sandbox sessions

async function withSession(env: Env, scenario: SandboxScenario, body: (s: Session) => Promise<void>): Promise<void> {
  const handle = await env.config.startSandbox(scenario);
  let client: ConnectorClient | undefined;
  try {
    client = env.config.connector.create({
      config: handle.config,
      extraAllowedHosts: handle.allowedHosts,
      http: { timeouts: env.timeouts, retry: env.retry },
    });
    const identities = { ...env.config.identities, ...handle.identities };
    await body({ handle, client, identities });
  } finally {
    await handle.knobs.setFault(undefined).catch(() => undefined);
    await client?.close().catch(() => undefined);
    await handle.close();
  }
}

/** The user the kit logs in as (a documentation address, RFC 5737): present, in a browser. */
const KIT_PSU = { ipAddress: '192.0.2.10', userAgent: 'kinko-conformance-kit', userPresent: true } as const;

async function startLogin(env: Env, s: Session, identity: Identity): Promise<Outcome<AuthStep<Grant, ChallengeState>>> {
  const pkce = createPkcePair();
  const start = expectOk(
    await s.client.auth.begin({ redirectUri: env.redirectUri, state: createState(), codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', psu: KIT_PSU }),
    'auth.begin',
  );
  if (env.manifest.authFlow === 'redirect') {
    if (start.type !== 'redirect') fail('auth.begin of a redirect connector returned a form');
    if (s.handle.completeRedirect === undefined) fail('the sandbox handle needs completeRedirect(url, identity) for a redirect connector');
    const callbackParams = await s.handle.completeRedirect(start.url, identity);
    // Contract v2: what begin asked to be kept (sealed by the app) comes back to complete.
    const flowState = start.flowState === undefined ? {} : { flowState: Redacted.make(start.flowState) };
    return s.client.auth.complete({ type: 'redirect', callbackParams, redirectUri: env.redirectUri, codeVerifier: pkce.verifier, psu: KIT_PSU, ...flowState });
  }
  if (start.type !== 'form') fail('auth.begin of a credentials connector returned a redirect');
  const fieldNames = new Set(start.fields.map((f) => f.name));
  for (const name of Object.keys(identity.credentials)) {
    if (!fieldNames.has(name)) fail(`the credential form has no field "${name}" (fields: ${[...fieldNames].join(', ')})`);
  }
  const credentials: Record<string, Redacted.Redacted<string>> = {};
  for (const [name, value] of Object.entries(identity.credentials)) credentials[name] = Redacted.make(value);
  return s.client.auth.complete({ type: 'credentials', credentials });
}

/** Logs in and answers any challenges with the identity's answers; returns the grant. */
async function login(env: Env, s: Session, identity: Identity): Promise<Grant> {
  let step = expectOk(await startLogin(env, s, identity), 'auth.complete');
  for (let i = 0; step.type === 'challenge'; i += 1) {
    const answer = identity.challengeAnswers?.[i];
    if (answer === undefined) fail(`the bank raised challenge #${i + 1} (${step.challenge.kind}) and the identity has no answer for it`);
    step = expectOk(await s.client.auth.answerChallenge({ state: step.state, answer: Redacted.make(answer) }), `answering challenge #${i + 1}`);
  }
  return step.grant;
}

function validate<T>(schema: Schema.Codec<T, unknown>, item: unknown, what: string): void {
  if (!Schema.is(schema)(item)) {
    const result = Schema.decodeUnknownResult(schema)(item);
    fail(`${what} does not match the SDK's schema: ${result._tag === 'Failure' ? result.failure.message : 'invalid'}`);
  }
}

async function listAccounts(s: Session, grant: Grant): Promise<Account[]> {
  const accounts = expectOk(await collectPages(s.client.accounts(grant)), 'accounts');
  const ids = new Set<string>();
  for (const a of accounts) {
    validate(Account, a, `account ${a.bankAccountId}`);
    if (ids.has(a.bankAccountId)) fail(`account ${a.bankAccountId} was listed twice`);
    ids.add(a.bankAccountId);
  }
  return accounts;
}

const filterFieldOf = (env: Env, t: Transaction): DateField => env.manifest.dateFieldByKind[t.kind] ?? 'transactionDate';

/** The date the item's kind is filtered on, as the item reports it (the contract's rule: see the domain's `missingDateProblem`). */
function dateOf(env: Env, t: Transaction): CalendarDate {
  const field = filterFieldOf(env, t);
  const problem = missingDateProblem(t, field);
  if (problem !== undefined) fail(`${t.kind} transaction ${t.bankTransactionId} has ${problem}`);
  const date = reportedDate(t, field);
  if (date === null) fail(`${t.kind} transactions are filtered on an entry date the bank does not report: ${t.bankTransactionId} cannot be placed in a window`);
  return date;
}

/** Reads one fetch completely, checking every page against the contract. */
async function readTransactions(env: Env, s: Session, grant: Grant, bankAccountId: string, kind: TransactionKind, window: FetchWindow): Promise<Transaction[]> {
  const items: Transaction[] = [];
  let expectedIndex = 0;
  for await (const page of s.client.transactions(grant, { bankAccountId, kind, window })) {
    const p = expectOk(page, `transactions ${window.from}..${window.to} page ${expectedIndex}`);
    if (p.index !== expectedIndex) fail(`page index ${p.index} where ${expectedIndex} was expected`);
    if (p.window?.from !== window.from || p.window?.to !== window.to) fail(`page ${p.index} carries window ${p.window?.from}..${p.window?.to}, not the fetch's ${window.from}..${window.to}`);
    for (const t of p.items) items.push(t);
    expectedIndex += 1;
  }
  // Validate after reading: per-item schema checks are the slow part of 100 000 items.
  for (const t of items) {
    if (t.kind !== kind) fail(`a ${t.kind} transaction came back from a ${kind} fetch`);
    validate(Transaction, t, `transaction ${t.bankTransactionId}`);
    if (filterFieldOf(env, t) === 'entryDate') continue; // a date the bank does not report: nothing to hold against the window
    const d = dateOf(env, t);
    if (d < window.from || d > window.to) fail(`transaction ${t.bankTransactionId} dated ${d} is outside the fetch window ${window.from}..${window.to}`);
  }
  return items;
}

function expectExactlyOnce(items: readonly Transaction[], count: number, what: string): void {
  const seen = new Map<string, number>();
  for (const t of items) seen.set(t.bankTransactionId, (seen.get(t.bankTransactionId) ?? 0) + 1);
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  if (duplicates.length > 0) fail(`${what}: ${duplicates.length} transaction(s) returned more than once (e.g. ${duplicates.slice(0, 5).join(', ')})`);
  if (seen.size !== count) fail(`${what}: ${seen.size} distinct transactions returned, the sandbox holds ${count} (${count > seen.size ? 'items were lost' : 'extra items appeared'})`);
}

/** The kit's window: 30 days ending 5 days ago (so from−1 and to+1 are both history) or less for short histories. */
function kitWindow(manifest: ConnectorManifest): FetchWindow {
  const to = addDays(todayAt(systemClock, manifest.timeZone), -5);
  const span = Math.max(2, Math.min(30, manifest.limits.maxHistoryDays - 10));
  return { from: addDays(to, -(span - 1)), to };
}

const primaryKind = (m: ConnectorManifest): TransactionKind =>
  m.capabilities.transactions.includes('booked') ? 'booked' : (m.capabilities.transactions[0] as TransactionKind);

async function withScenarioAccount(
  env: Env,
  scenario: { kind: TransactionKind; window: FetchWindow; count: number },
  body: (s: Session, grant: Grant, bankAccountId: string) => Promise<void>,
  extras: { readonly currency?: string; readonly bankPageSize?: number } = {},
): Promise<void> {
  await withSession(env, { type: 'transactions', ...scenario, ...extras }, async (s) => {
    const bankAccountId = s.handle.bankAccountId ?? fail('the sandbox handle of a transactions scenario must name bankAccountId');
    const grant = await login(env, s, s.identities.valid);
    const accounts = await listAccounts(s, grant);
    if (!accounts.some((a) => a.bankAccountId === bankAccountId)) fail(`account ${bankAccountId} of the scenario is not among the listed accounts`);
    await body(s, grant, bankAccountId);
  });
}

/** The kit's read: the primary kind in the kit's window. */
interface KitRead {
  readonly window: FetchWindow;
  readonly kind: TransactionKind;
}

/** A transactions scenario of `count` items of the primary kind in the kit's window, logged in (the preamble of most read checks). */
async function withPrimaryKind(
  env: Env,
  count: number,
  body: (s: Session, grant: Grant, bankAccountId: string, read: KitRead) => Promise<void>,
  extras: { readonly currency?: string; readonly bankPageSize?: number } = {},
): Promise<void> {
  const read: KitRead = { window: kitWindow(env.manifest), kind: primaryKind(env.manifest) };
  await withScenarioAccount(env, { ...read, count }, (s, grant, account) => body(s, grant, account, read), extras);
}

/** A basic session in which the challenged identity has logged in and been asked its first challenge. */
async function withFirstChallenge(env: Env, body: (s: Session, identity: Identity, step: ChallengeStep<ChallengeState>) => Promise<void>): Promise<void> {
  await withSession(env, { type: 'basic' }, async (s) => {
    const identity = s.identities.withChallenge ?? fail('identities.withChallenge is required when the manifest declares challenges');
    const step = expectOk(await startLogin(env, s, identity), 'auth.complete');
    if (step.type !== 'challenge') fail('the challenged identity was granted access without a challenge');
    await body(s, identity, step);
  });
}

/** A grant that no longer works: listing accounts with it and refreshing it both fail as gone. */
async function expectGrantGone(s: Session, grant: Grant, what: string): Promise<void> {
  expectError(await collectPages(s.client.accounts(grant)), GRANT_GONE, `listing accounts with ${what}`);
  expectError(await s.client.auth.refresh(grant), GRANT_GONE, `refreshing ${what}`);
}

/** A basic session, logged in as the valid identity. */
async function withValidLogin(env: Env, body: (s: Session, grant: Grant) => Promise<void>): Promise<void> {
  await withSession(env, { type: 'basic' }, async (s) => body(s, await login(env, s, s.identities.valid)));
}

const canonical = (t: Transaction): string =>
  JSON.stringify(t, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v), 0);

// ---------------------------------------------------------------- fault checks

function faultCheck(
  name: CheckName,
  title: string,
  fault: (env: Env) => SandboxFault,
  expect: (env: Env, out: Outcome<unknown>, elapsedMs: number) => void,
): ConformanceCheck {
  return {
    name,
    title,
    timeoutMs: 60_000,
    async run(env) {
      await withValidLogin(env, async (s, grant) => {
        await s.handle.knobs.setFault(fault(env));
        const started = performance.now();
        const out = await collectPages(s.client.accounts(grant));
        const elapsed = performance.now() - started;
        await s.handle.knobs.setFault(undefined);
        expect(env, out, elapsed);
      });
    },
  };
}

/** Worst case of a call that fails every attempt after `perAttemptMs`, plus slack. */
const retryBound = (env: Env, perAttemptMs: number): number =>
  env.retry.maxAttempts * perAttemptMs + (env.retry.maxAttempts - 1) * env.retry.maxDelayMs + env.slackMs;

// ---------------------------------------------------------------- stricter checks' helpers

/** A knob of the sandbox handle a check needs; its absence fails the check, naming the way out. */
function needs<K extends 'requests' | 'endConsentAtBank'>(s: Session, key: K, what: string): NonNullable<SandboxHandle[K]> {
  const knob = s.handle[key];
  if (knob === undefined) fail(`the sandbox handle has no ${key} (${what}): add it, or skip this check in the kit config with the reason`);
  return knob as NonNullable<SandboxHandle[K]>;
}

interface PartialRead {
  readonly items: Transaction[];
  /** Pages yielded before the end or the error. */
  readonly pages: number;
  readonly error?: ConnectorError;
  /** The connector kept yielding pages past `maxPages`. */
  readonly runaway?: boolean;
}

/** Reads a fetch to its end, its first error, or `maxPages` pages (whichever comes first). */
async function readUntilError(s: Session, grant: Grant, bankAccountId: string, kind: TransactionKind, window: FetchWindow, maxPages: number): Promise<PartialRead> {
  const items: Transaction[] = [];
  let pages = 0;
  for await (const page of s.client.transactions(grant, { bankAccountId, kind, window })) {
    if (!page.ok) return { items, pages, error: page.error };
    pages += 1;
    for (const t of page.value.items) items.push(t);
    if (pages > maxPages) return { items, pages, runaway: true };
  }
  return { items, pages };
}

/** Three pages at the manifest's page size. */
const threePages = (m: ConnectorManifest): number => 2 * m.limits.pageSize + 1;

/** A currency that is not the manifest's. */
const otherCurrency = (m: ConnectorManifest): string => (m.currency === 'EUR' ? 'USD' : 'EUR');

const carriesDate = (values: readonly string[], date: string): boolean => values.some((v) => v.includes(date) || v.includes(date.replaceAll('-', '')));

/** A fault on page 2 of a three-page fetch must end the stream with an error, never look like its end. */
function midStreamCheck(name: CheckName, title: string, fault: SandboxFault, expected: readonly ConnectorErrorTag[]): ConformanceCheck {
  return {
    name,
    title,
    timeoutMs: 60_000,
    async run(env) {
      const count = threePages(env.manifest);
      await withPrimaryKind(env, count, async (s, grant, account, { window, kind }) => {
        await s.handle.knobs.setFault(fault);
        const read = await readUntilError(s, grant, account, kind, window, 10);
        await s.handle.knobs.setFault(undefined);
        if (read.runaway) fail(`the connector read ${read.pages} pages of a ${count}-item fetch: it follows a next link that leads back to the same page`);
        if (read.error === undefined) fail(`page 2 went wrong (${fault.type}) but the stream ended without an error after ${read.items.length} of ${count} items: a failure looks like the end of the data`);
        if (!expected.includes(read.error._tag)) fail(`the stream ended with ${describeError(read.error)}; expected ${expected.join(' or ')}`);
        if (read.pages < 1) fail('page 1 (answered normally) was not yielded before the failure on page 2');
      });
    },
  };
}

// ---------------------------------------------------------------- the checks

const noChallenges = (m: ConnectorManifest): string | undefined =>
  m.capabilities.challenges.length === 0 ? 'the manifest declares no challenges' : undefined;

/** Every check of the kit, in the order the suite runs them. */
export const conformanceChecks: readonly ConformanceCheck[] = [
  {
    name: 'manifest',
    title: 'the manifest is valid and the implementation matches its capabilities',
    timeoutMs: 30_000,
    async run(env) {
      const problems = manifestProblems(env.manifest);
      if (problems.length > 0) fail(problems.join('; '));
      // create() checks the implementation against the declared capabilities.
      await withSession(env, { type: 'basic' }, async () => undefined);
    },
  },
  {
    name: 'auth-happy-path',
    title: 'a valid user logs in; the grant survives serialisation and lists accounts',
    timeoutMs: 30_000,
    async run(env) {
      await withValidLogin(env, async (s, grant) => {
        const text = expectOk(env.config.connector.serializeGrant(grant), 'serializeGrant');
        const restored = expectOk(env.config.connector.deserializeGrant(text), 'deserializeGrant');
        const accounts = await listAccounts(s, restored);
        if (accounts.length === 0) fail('the valid identity has no accounts');
      });
    },
  },
  {
    name: 'wrong-credentials',
    title: 'a wrong password yields CredentialsInvalid',
    timeoutMs: 30_000,
    async run(env) {
      await withSession(env, { type: 'basic' }, async (s) => {
        expectError(await startLogin(env, s, s.identities.wrongPassword), ['CredentialsInvalid'], 'logging in with a wrong password');
      });
    },
  },
  {
    name: 'challenge-round-trip',
    title: 'a challenge is raised, survives serialisation, and the right answer grants access',
    timeoutMs: 30_000,
    notApplicable: noChallenges,
    async run(env) {
      await withFirstChallenge(env, async (s, identity, first) => {
        let step: AuthStep<Grant, ChallengeState> = first;
        for (let i = 0; step.type === 'challenge'; i += 1) {
          if (!env.manifest.capabilities.challenges.includes(step.challenge.kind)) fail(`challenge ${step.challenge.kind} is not declared`);
          const text: string = expectOk(env.config.connector.serializeChallengeState(step.state), 'serializeChallengeState');
          const state: ChallengeState = expectOk(env.config.connector.deserializeChallengeState(text), 'deserializeChallengeState');
          const answer = identity.challengeAnswers?.[i] ?? fail(`no answer for challenge #${i + 1}`);
          step = expectOk(await s.client.auth.answerChallenge({ state, answer: Redacted.make(answer) }), `answering challenge #${i + 1}`);
        }
        await listAccounts(s, step.grant);
      });
    },
  },
  {
    name: 'challenge-wrong-answer',
    title: 'a wrong answer yields ChallengeAnswerInvalid of the same kind',
    timeoutMs: 30_000,
    notApplicable: noChallenges,
    async run(env) {
      await withFirstChallenge(env, async (s, identity, step) => {
        const right = identity.challengeAnswers?.[0] ?? '';
        const wrong = identity.wrongChallengeAnswer ?? (right === '0'.repeat(right.length) ? '1' : '0').repeat(Math.max(1, right.length));
        const error = expectError(
          await s.client.auth.answerChallenge({ state: step.state, answer: Redacted.make(wrong) }),
          ['ChallengeAnswerInvalid'],
          'a wrong challenge answer',
        );
        if (error._tag === 'ChallengeAnswerInvalid' && error.challengeKind !== step.challenge.kind) {
          fail(`ChallengeAnswerInvalid names ${error.challengeKind}, the challenge was ${step.challenge.kind}`);
        }
      });
    },
  },
  {
    name: 'refresh-rotates',
    title: 'refresh returns a new grant and the old one stops working',
    timeoutMs: 30_000,
    async run(env) {
      await withValidLogin(env, async (s, old) => {
        const renewed = expectOk(await s.client.auth.refresh(old), 'auth.refresh');
        await listAccounts(s, renewed.grant);
        await expectGrantGone(s, old, 'the replaced grant');
      });
    },
  },
  {
    name: 'revoke',
    title: 'a revoked grant stops working',
    timeoutMs: 30_000,
    async run(env) {
      await withValidLogin(env, async (s, grant) => {
        expectOk(await s.client.auth.revoke(grant), 'auth.revoke');
        expectError(await collectPages(s.client.accounts(grant)), GRANT_GONE, 'listing accounts with a revoked grant');
      });
    },
  },
  {
    name: 'pagination',
    title: 'every transaction exactly once at 0, 1, page size, page size + 1 and 2·page size + 1 items',
    timeoutMs: 120_000,
    async run(env) {
      const ps = env.manifest.limits.pageSize;
      for (const count of [...new Set([0, 1, ps, ps + 1, 2 * ps + 1])]) {
        await withPrimaryKind(env, count, async (s, grant, account, { window, kind }) => {
          const items = await readTransactions(env, s, grant, account, kind, window);
          expectExactlyOnce(items, count, `${count} items (page size ${ps})`);
        });
      }
    },
  },
  {
    name: 'pagination-large',
    title: 'every transaction exactly once in a large fetch (100 000 items unless largeCount says otherwise)',
    timeoutMs: 600_000,
    async run(env) {
      const count = env.config.largeCount ?? 100_000;
      await withPrimaryKind(env, count, async (s, grant, account, { window, kind }) => {
        expectExactlyOnce(await readTransactions(env, s, grant, account, kind, window), count, `${count} items`);
      });
    },
  },
  {
    name: 'date-bounds-inclusive',
    title: 'items dated exactly on from and to are returned; items a day outside are not',
    timeoutMs: 60_000,
    async run(env) {
      await withPrimaryKind(env, 4, async (s, grant, account, { window, kind }) => {
        // readTransactions already fails on any item outside the window.
        const inside = await readTransactions(env, s, grant, account, kind, window);
        const dates = new Set(inside.map((t) => dateOf(env, t)));
        if (!dates.has(window.from)) fail(`no transaction dated ${window.from} (the window's first day): the lower bound is not inclusive`);
        if (!dates.has(window.to)) fail(`no transaction dated ${window.to} (the window's last day): the upper bound is not inclusive`);
        expectExactlyOnce(inside, 4, 'the window');
        const wider = { from: addDays(window.from, -1), to: addDays(window.to, 1) };
        const around = await readTransactions(env, s, grant, account, kind, wider);
        const aroundDates = new Set(around.map((t) => dateOf(env, t)));
        if (!aroundDates.has(wider.from) || !aroundDates.has(wider.to)) {
          fail(`a window one day wider did not return the items dated ${wider.from} and ${wider.to} the scenario places outside`);
        }
        expectExactlyOnce(around, 6, 'the window one day wider');
      });
    },
  },
  {
    name: 'repeatable-read',
    title: 'two full reads return the same items',
    timeoutMs: 60_000,
    async run(env) {
      const count = 2 * env.manifest.limits.pageSize + 3;
      await withPrimaryKind(env, count, async (s, grant, account, { window, kind }) => {
        const first = (await readTransactions(env, s, grant, account, kind, window)).map(canonical).sort();
        const second = (await readTransactions(env, s, grant, account, kind, window)).map(canonical).sort();
        if (first.length !== second.length) fail(`the reads returned ${first.length} and ${second.length} items`);
        const differing = first.findIndex((item, i) => item !== second[i]);
        if (differing >= 0) fail(`the reads differ, e.g. ${first[differing]} vs ${second[differing]}`);
      });
    },
  },
  {
    name: 'incremental-read',
    title: 'an incremental read (latest date − 4 days .. to) returns exactly the full read’s items in its window',
    timeoutMs: 60_000,
    async run(env) {
      const count = 2 * env.manifest.limits.pageSize + 3;
      await withPrimaryKind(env, count, async (s, grant, account, { window, kind }) => {
        const full = await readTransactions(env, s, grant, account, kind, window);
        const latest = full.map((t) => dateOf(env, t)).reduce((a, b) => (compareDates(a, b) >= 0 ? a : b), window.from);
        const incremental = { from: addDays(latest, -4), to: window.to };
        const items = await readTransactions(env, s, grant, account, kind, incremental);
        for (const t of items) {
          if (dateOf(env, t) < incremental.from) fail(`the incremental read from ${incremental.from} returned ${t.bankTransactionId} dated ${dateOf(env, t)}`);
        }
        const expected = full.filter((t) => dateOf(env, t) >= incremental.from);
        expectExactlyOnce(items, expected.length, `the incremental window ${incremental.from}..${incremental.to}`);
        const ids = new Set(items.map((t) => t.bankTransactionId));
        const missing = expected.filter((t) => !ids.has(t.bankTransactionId));
        if (missing.length > 0) fail(`the incremental read lacks ${missing.length} item(s) of the full read, e.g. ${missing[0]?.bankTransactionId}`);
      });
    },
  },
  {
    name: 'every-kind',
    title: 'every declared kind is fetched by itself; an undeclared kind is Unsupported',
    timeoutMs: 60_000,
    async run(env) {
      const window = kitWindow(env.manifest);
      const undeclared = (['booked', 'pending', 'hold', 'scheduled', 'rejected', 'cancelled'] as const).find(
        (k) => !env.manifest.capabilities.transactions.includes(k),
      );
      for (const [i, kind] of env.manifest.capabilities.transactions.entries()) {
        await withScenarioAccount(env, { kind, window, count: 3 }, async (s, grant, account) => {
          expectExactlyOnce(await readTransactions(env, s, grant, account, kind, window), 3, `${kind} transactions`);
          if (i === 0 && undeclared !== undefined) {
            const out = await collectPages(s.client.transactions(grant, { bankAccountId: account, kind: undeclared, window }));
            expectError(out, ['Unsupported'], `fetching undeclared ${undeclared} transactions`);
          }
        });
      }
    },
  },
  {
    name: 'balances',
    title: 'daily balances: one per day at most, within the window',
    timeoutMs: 60_000,
    notApplicable: (m) => (m.capabilities.balances ? undefined : 'the manifest declares no balances'),
    async run(env) {
      await withPrimaryKind(env, 5, async (s, grant, account, { window }) => {
        const balances = expectOk(await collectPages(s.client.balances(grant, { bankAccountId: account, window })), 'balances');
        if (balances.length === 0) fail('no daily balances within a window holding transactions');
        const days = new Set<string>();
        for (const b of balances) {
          validate(DailyBalance, b, `the balance of ${b.date}`);
          if (b.date < window.from || b.date > window.to) fail(`a balance dated ${b.date} is outside ${window.from}..${window.to}`);
          if (days.has(b.date)) fail(`two balances for ${b.date}`);
          days.add(b.date);
        }
      });
    },
  },
  {
    name: 'branches',
    title: 'branches are listed once each',
    timeoutMs: 60_000,
    notApplicable: (m) => (m.capabilities.branches ? undefined : 'the manifest declares no branches'),
    async run(env) {
      await withValidLogin(env, async (s, grant) => {
        const branches = expectOk(await collectPages(s.client.branches(grant)), 'branches');
        if (branches.length === 0) fail('no branches listed');
        const ids = new Set<string>();
        for (const b of branches) {
          validate(Branch, b, `branch ${b.bankBranchId}`);
          if (ids.has(b.bankBranchId)) fail(`branch ${b.bankBranchId} listed twice`);
          ids.add(b.bankBranchId);
        }
      });
    },
  },
  faultCheck(
    'fault-timeout',
    'a bank slower than the timeout yields TemporaryError within the retry bound',
    (env) => ({ type: 'latency', delayMs: env.timeouts.totalMs + 1_000 }),
    (env, out, elapsed) => {
      expectError(out, ['TemporaryError'], 'a call to a bank slower than the timeout');
      expectWithin(elapsed, retryBound(env, env.timeouts.totalMs), 'the timed-out call');
    },
  ),
  faultCheck(
    'fault-5xx',
    'a bank answering 500 yields TemporaryError within the retry bound',
    () => ({ type: 'status', status: 500 }),
    (env, out, elapsed) => {
      expectError(out, ['TemporaryError'], 'a call answered 500');
      expectWithin(elapsed, retryBound(env, 0), 'the failing call');
    },
  ),
  faultCheck(
    'fault-503-retry-after',
    'a 503 with Retry-After: 3600 (seconds) yields ServiceUnavailable carrying it, without waiting',
    () => ({ type: 'status', status: 503, retryAfter: '3600' }),
    (env, out, elapsed) => {
      const e = expectError(out, ['ServiceUnavailable'], 'a call answered 503 with Retry-After: 3600');
      if (e._tag === 'ServiceUnavailable' && e.retryAfterMs !== 3_600_000) fail(`retryAfterMs is ${e.retryAfterMs}, expected 3600000`);
      expectWithin(elapsed, env.slackMs, 'the call');
    },
  ),
  faultCheck(
    'fault-429-retry-after-too-long',
    'a 429 with Retry-After as an HTTP date 2 minutes away yields RateLimited carrying it, without waiting',
    () => ({ type: 'status', status: 429, retryAfter: new Date(Date.now() + 120_000).toUTCString() }),
    (env, out, elapsed) => {
      const e = expectError(out, ['RateLimited'], 'a call answered 429 with a Retry-After date');
      if (e._tag === 'RateLimited' && (e.retryAfterMs === undefined || e.retryAfterMs < 100_000 || e.retryAfterMs > 121_000)) {
        fail(`retryAfterMs is ${e.retryAfterMs}, expected about 120000`);
      }
      expectWithin(elapsed, env.slackMs, 'the call');
    },
  ),
  faultCheck(
    'fault-429-retry-after-honoured',
    'a single 429 with Retry-After: 1 is waited out and the call succeeds',
    () => ({ type: 'status', status: 429, retryAfter: '1', times: 1 }),
    (env, out, elapsed) => {
      expectOk(out, 'a call answered 429 once with Retry-After: 1');
      if (elapsed < 950) fail(`the call succeeded after ${Math.round(elapsed)} ms: Retry-After: 1 was not honoured`);
      expectWithin(elapsed, 1_000 + env.slackMs, 'the call');
    },
  ),
  faultCheck(
    'fault-malformed-body',
    'a malformed body yields PermanentError promptly',
    () => ({ type: 'malformedBody' }),
    (env, out, elapsed) => {
      expectError(out, ['PermanentError'], 'a call answered with a malformed body');
      expectWithin(elapsed, env.slackMs, 'the call');
    },
  ),
  faultCheck(
    'fault-dropped-connection',
    'a dropped connection yields NetworkError within the retry bound',
    () => ({ type: 'dropConnection' }),
    (env, out, elapsed) => {
      expectError(out, ['NetworkError'], 'a call whose connection was dropped');
      expectWithin(elapsed, retryBound(env, 0), 'the call');
    },
  ),
  {
    name: 'requests-repeat-window',
    title: 'every page request repeats the window and the first page’s filters (next links keep them)',
    timeoutMs: 60_000,
    async run(env) {
      const count = threePages(env.manifest);
      await withPrimaryKind(env, count, async (s, grant, account, { window, kind }) => {
        const requests = needs(s, 'requests', 'the record of the requests the bank received');
        const mark = requests().length;
        const items = await readTransactions(env, s, grant, account, kind, window);
        const sent = requests().slice(mark);
        const paging = new Set(env.config.pagingParameters ?? []);
        const [first] = sent;
        if (first === undefined) fail('no request recorded');
        const filters = Object.entries(first.query).filter(([k]) => !paging.has(k));
        for (const [i, r] of sent.entries()) {
          const shown = `request ${i + 1} (${r.method} ${r.path})`;
          if (r.path !== first.path) fail(`${shown} went to another path than the first page (${first.path})`);
          const values = Object.values(r.query);
          if (!carriesDate(values, window.from) || !carriesDate(values, window.to)) fail(`${shown} does not carry the window ${window.from}..${window.to}`);
          for (const [k, v] of filters) {
            if (r.query[k] !== v) fail(`${shown} lost the first page's filter ${k}=${v} (it sent ${k}=${r.query[k] ?? 'nothing'})`);
          }
        }
        if (sent.length < 3) fail(`${count} items at page size ${env.manifest.limits.pageSize} were read in ${sent.length} request(s); expected at least 3 pages`);
        expectExactlyOnce(items, count, `${count} items`);
      });
    },
  },
  midStreamCheck('fault-mid-stream', 'a 500 on page 2 ends the stream with TemporaryError after page 1, not with a short read', { type: 'status', status: 500, afterRequests: 1 }, [
    'TemporaryError',
  ]),
  midStreamCheck('next-link-looping', 'a next link leading back to the same page ends the stream with an error, not an endless read', { type: 'loopingNext', afterRequests: 1 }, [
    'PermanentError',
  ]),
  midStreamCheck('next-link-malformed', 'a malformed next link ends the stream with PermanentError, not with a short read', { type: 'malformedNext', afterRequests: 1 }, [
    'PermanentError',
  ]),
  {
    name: 'consent-ended-at-bank',
    title: 'a consent the user ended at the bank yields ConsentRevoked, ConsentExpired or CredentialsInvalid, and refresh fails alike',
    timeoutMs: 30_000,
    async run(env) {
      await withValidLogin(env, async (s, grant) => {
        const end = needs(s, 'endConsentAtBank', 'ending a consent at the bank');
        await listAccounts(s, grant);
        await end(s.identities.valid);
        // A redirect connector may answer CredentialsInvalid too: a token API's bare 401 cannot tell a
        // consent ended at the bank from a stale access token, and the app answers CredentialsInvalid
        // by refreshing once — which must then fail as well (below), ending the grant.
        await expectGrantGone(s, grant, 'a grant after the consent ended at the bank');
      });
    },
  },
  {
    name: 'other-currency',
    title: 'an account in another currency than the manifest’s: the account and its transactions carry the bank’s currency',
    timeoutMs: 60_000,
    async run(env) {
      const currency = otherCurrency(env.manifest);
      await withPrimaryKind(env, 3, async (s, grant, account, { window, kind }) => {
        const listed = (await listAccounts(s, grant)).find((a) => a.bankAccountId === account);
        if (listed?.currency !== currency) fail(`account ${account} is held in ${currency} at the bank; the connector reports ${listed?.currency}`);
        const items = await readTransactions(env, s, grant, account, kind, window);
        expectExactlyOnce(items, 3, `${currency} transactions`);
        const wrong = items.find((t) => t.currency !== currency);
        if (wrong !== undefined) fail(`transaction ${wrong.bankTransactionId} is in ${currency} at the bank; the connector reports ${wrong.currency}`);
      }, { currency });
    },
  },
  {
    name: 'bank-page-size',
    title: 'a bank that sends fewer items per page than asked: every item exactly once (a short page is not the end)',
    timeoutMs: 60_000,
    async run(env) {
      const count = threePages(env.manifest);
      const bankPageSize = Math.max(1, Math.floor(env.manifest.limits.pageSize / 2));
      await withPrimaryKind(env, count, async (s, grant, account, { window, kind }) => {
        const read = await readUntilError(s, grant, account, kind, window, 10 * count + 10);
        if (read.error !== undefined) fail(`the read failed with ${describeError(read.error)}`);
        const short = Math.ceil(count / bankPageSize);
        expectExactlyOnce(read.items, count, `${count} items in pages of ${bankPageSize} (asked: ${env.manifest.limits.pageSize})`);
        // A sandbox that ignores bankPageSize would make this check pass without proving anything.
        if (read.pages < short) fail(`the sandbox served ${count} items in ${read.pages} pages: it does not honour the scenario's bankPageSize (${bankPageSize}); implement it, or skip this check with the reason`);
      }, { bankPageSize });
    },
  },
  {
    name: 'previous-versions',
    title: 'grants and challenge states serialised by earlier versions (committed fixtures) still decode',
    timeoutMs: 10_000,
    async run(env) {
      const previous = env.config.previousVersions;
      if (previous === undefined) fail('previousVersions is not set: commit a grant (and a challenge state) serialised by the released version as fixtures and pass their text, or skip this check with the reason');
      const grants = previous.grants ?? [];
      if (grants.length === 0) fail('previousVersions.grants is empty');
      for (const [i, text] of grants.entries()) {
        const grant = expectOk(env.config.connector.deserializeGrant(text), `decoding previousVersions.grants[${i}]`);
        expectOk(env.config.connector.serializeGrant(grant), `serialising previousVersions.grants[${i}] again`);
      }
      const states = previous.challengeStates ?? [];
      if (env.manifest.capabilities.challenges.length > 0 && states.length === 0) fail('the manifest declares challenges but previousVersions.challengeStates is empty');
      for (const [i, text] of states.entries()) expectOk(env.config.connector.deserializeChallengeState(text), `decoding previousVersions.challengeStates[${i}]`);
    },
  },
  {
    name: 'pending-to-booked',
    title: 'pending items the bank books leave pending and come back booked, under stable ids, with the pending items’ bank references',
    timeoutMs: 60_000,
    notApplicable: (m) =>
      m.capabilities.transactions.includes('pending') && m.capabilities.transactions.includes('booked') ? undefined : 'the manifest does not declare both pending and booked transactions',
    async run(env) {
      const window = kitWindow(env.manifest);
      await withScenarioAccount(env, { kind: 'pending', window, count: 3 }, async (s, grant, account) => {
        const book = s.handle.bookPending ?? fail('the sandbox handle has no bookPending (booking pending items at the bank): add it, or skip this check in the kit config with the reason');
        const pending = await readTransactions(env, s, grant, account, 'pending', window);
        expectExactlyOnce(pending, 3, 'pending transactions before the bank books them');
        const unreferenced = pending.find((t) => t.bankReference === undefined);
        if (unreferenced !== undefined) fail(`pending transaction ${unreferenced.bankTransactionId} carries no bankReference: nothing ties it to its booked successor`);
        await book(account);
        const left = await readTransactions(env, s, grant, account, 'pending', window);
        if (left.length > 0) fail(`${left.length} pending transaction(s) still listed after the bank booked them (e.g. ${left[0]?.bankTransactionId})`);
        const booked = await readTransactions(env, s, grant, account, 'booked', window);
        const again = await readTransactions(env, s, grant, account, 'booked', window);
        const ids = (items: readonly Transaction[]): string => items.map((t) => t.bankTransactionId).sort().join(', ');
        if (ids(booked) !== ids(again)) fail(`two reads of the same booked transactions gave different ids (${ids(booked)} / ${ids(again)}): ids must be stable`);
        for (const p of pending) {
          if (!booked.some((b) => b.bankReference === p.bankReference)) fail(`no booked transaction carries the bank reference ${p.bankReference} of pending ${p.bankTransactionId}`);
        }
      });
    },
  },
  {
    name: 'sandbox-matches-spec',
    title: 'every answer the sandbox gave (login, accounts, a three-page read) conforms to the published spec',
    timeoutMs: 60_000,
    notApplicable: (_m, config) =>
      config.spec === undefined
        ? 'no published spec declared (ConformanceConfig.spec)'
        : existsSync(config.spec.file)
          ? undefined
          : `the spec file ${config.spec.file} is absent (a public clone has no ../shared)`,
    async run(env) {
      await withPrimaryKind(env, threePages(env.manifest), async (s, grant, account, { window, kind }) => {
        const problems = s.handle.specProblems ?? fail('the sandbox handle has no specProblems (validating its answers against the spec): add it, or skip this check in the kit config with the reason');
        await readTransactions(env, s, grant, account, kind, window);
        const found = problems();
        if (found.length > 0) fail(`${found.length} sandbox answer(s) do not conform to ${env.config.spec?.file}: ${found.slice(0, 5).join('; ')}`);
      });
    },
  },
];

/** How one check ended. */
export interface CheckReport {
  readonly name: CheckName;
  readonly status: 'passed' | 'failed' | 'skipped' | 'notApplicable';
  /** The skip reason, the not-applicable reason or the failure message. */
  readonly detail?: string;
}

function environment(config: ConformanceConfig): Env {
  return {
    config,
    manifest: config.connector.manifest,
    timeouts: { ...kitHttpDefaults.timeouts, ...config.http?.timeouts },
    retry: { ...kitHttpDefaults.retry, ...config.http?.retry },
    slackMs: config.slackMs ?? 2_000,
    redirectUri: config.redirectUri ?? 'https://kinko.invalid/link/callback',
  };
}

/** The check with this name. */
export function conformanceCheck(name: CheckName): ConformanceCheck {
  const check = conformanceChecks.find((c) => c.name === name);
  if (!check) throw new Error(`no conformance check "${name}"`);
  return check;
}

/**
 * Runs one check outside jest. Resolves with `skipped`/`notApplicable`/`passed`; rejects
 * with a {@link ConformanceFailure} (or the sandbox's own error) when the connector fails it.
 */
export async function runConformanceCheck(name: CheckName, config: ConformanceConfig): Promise<CheckReport> {
  validateConformanceConfig(config);
  const check = conformanceCheck(name);
  const skip = config.skips?.[name];
  if (skip !== undefined) return { name, status: 'skipped', detail: skip };
  const na = check.notApplicable?.(config.connector.manifest, config);
  if (na !== undefined) return { name, status: 'notApplicable', detail: na };
  await check.run(environment(config));
  return { name, status: 'passed' };
}

/** Runs every check (or `names`) in order and reports each; never rejects for a failed check. */
export async function runConformanceChecks(config: ConformanceConfig, names: readonly CheckName[] = conformanceChecks.map((c) => c.name)): Promise<CheckReport[]> {
  const reports: CheckReport[] = [];
  for (const name of names) {
    try {
      reports.push(await runConformanceCheck(name, config));
    } catch (e) {
      reports.push({ name, status: 'failed', detail: e instanceof Error ? e.message : String(e) });
    }
  }
  return reports;
}
