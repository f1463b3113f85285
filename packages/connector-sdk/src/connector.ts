import { Schema } from 'effect';
import type { AnswerChallengeInput, AuthStart, AuthStep, BeginAuthInput, CompleteAuthInput, ConsentFacts, Granted } from './auth';
import { Challenge } from './challenge';
import { systemClock, type Clock } from './clock';
import { ConnectorErrors, isConnectorError, SdkErrorCode, type ConnectorError } from './errors';
import { createHttpClient, type HttpCallEvent, type HttpClient, type HttpTimeouts } from './http/client';
import { isLastPage, markLastPage, withLookAhead } from './http/paging';
import { isUrlAllowed } from './http/hosts';
import { createRequestLimiter, type RequestLimiter } from './http/limiter';
import type { RetryPolicy } from './http/retry';
import { decodeManifest, type ConnectorManifest, type ConnectorManifestInput } from './manifest';
import {
  CurrentBalance,
  FetchWindow,
  type Account,
  type AccountsRequest,
  type BalancesRequest,
  type Branch,
  type CurrentBalancesRequest,
  type DailyBalance,
  type KindsPage,
  type Page,
  type Transaction,
  type TransactionKindsRequest,
  type TransactionsRequest,
} from './model';
import { err, ok, type Outcome } from './outcome';
import { missingDateProblem, type TransactionKind } from '@kinko/domain';

/** What a connector's data methods yield: one bank page of items per element, or an error (then nothing more). */
export type PageStream<T> = AsyncIterable<Outcome<readonly T[]>>;

/** The authorisation steps a connector implements (G: its grant, S: its challenge state). */
export interface ConnectorAuth<G, S> {
  /** A redirect URL (redirect flow) or a credential form description (credentials flow). */
  begin(input: BeginAuthInput): Promise<Outcome<AuthStart>>;
  /** Exchanges the callback or the credentials for a grant, or raises a challenge. */
  complete(input: CompleteAuthInput): Promise<Outcome<AuthStep<G, S>>>;
  /** Required when the manifest declares challenges. */
  answerChallenge?(input: AnswerChallengeInput<S>): Promise<Outcome<AuthStep<G, S>>>;
  /** A new grant; the old one must stop working when the bank rotates tokens. */
  refresh(grant: G): Promise<Outcome<Granted<G>>>;
  /** Revokes the grant at the bank (disconnect). */
  revoke(grant: G): Promise<Outcome<void>>;
}

/**
 * What `create(ctx)` returns. Methods return errors as values; the SDK still catches
 * anything thrown and turns it into a `PermanentError` with code `unexpected_exception`.
 * `balances`/`branches` exist exactly when the manifest declares them.
 */
export interface ConnectorImplementation<G, S> {
  readonly auth: ConnectorAuth<G, S>;
  accounts(grant: G, request?: AccountsRequest): PageStream<Account>;
  /** Must send the same window on every page request (the SDK hands it over frozen). */
  transactions(grant: G, request: TransactionsRequest): PageStream<Transaction>;
  /**
   * Exists exactly when the manifest declares `capabilities.kindsPerCall`: the transactions of
   * `request.kinds` within one window, one bank page (every kind mixed, in the bank's order)
   * per element; the same window on every page request.
   */
  transactionKinds?(grant: G, request: TransactionKindsRequest): PageStream<Transaction>;
  balances?(grant: G, request: BalancesRequest): PageStream<DailyBalance>;
  /** Exists exactly when the manifest declares `currentBalances`. */
  currentBalances?(grant: G, request: CurrentBalancesRequest): Promise<Outcome<CurrentBalance>>;
  branches?(grant: G | undefined): PageStream<Branch>;
}

/** What a connector gets to work with. */
export interface ConnectorContext<C> {
  readonly manifest: ConnectorManifest;
  /** The decoded config (secrets as `Redacted`). */
  readonly config: C;
  /** Bound to the allowed hosts, the manifest's limits, timeouts and retries. */
  readonly http: HttpClient;
  readonly clock: Clock;
}

/**
 * A connector as its author writes it. `config`, `grant` and `challengeState` are effect
 * schemas of plain-JSON shapes (use `Schema.Redacted(Schema.String)` for secrets: they are
 * revealed only in the serialised grant the app encrypts).
 */
export interface ConnectorDefinition<G, S, C> {
  readonly manifest: ConnectorManifestInput;
  readonly config: Schema.Codec<C, unknown>;
  readonly grant: Schema.Codec<G, unknown>;
  /** Required when the manifest declares challenges. */
  readonly challengeState?: Schema.Codec<S, unknown>;
  /** What the bank agreed for the grant's consent (validUntil, frequencyPerDay, last SCA…), read from the grant alone. */
  consentFacts?(grant: G): ConsentFacts | undefined;
  create(ctx: ConnectorContext<C>): ConnectorImplementation<G, S>;
}

declare const grantBrand: unique symbol;
/** A grant as the app holds it: opaque; serialise it only to encrypt it. */
export interface Grant {
  readonly [grantBrand]: 'Grant';
}

declare const challengeStateBrand: unique symbol;
/** A pending challenge's state as the app holds it: opaque; serialise it only to encrypt it. */
export interface ChallengeState {
  readonly [challengeStateBrand]: 'ChallengeState';
}

/** How the app instantiates a connector (once per process and config). */
export interface CreateConnectorOptions {
  /** Decoded with the connector's config schema; secrets may be plain strings here. */
  readonly config: unknown;
  readonly clock?: Clock;
  readonly http?: {
    readonly timeouts?: Partial<HttpTimeouts>;
    readonly retry?: Partial<RetryPolicy>;
    readonly maxBodyBytes?: number;
  };
  /** Hosts allowed besides the manifest's (a sandbox bank on loopback, a test double). */
  readonly extraAllowedHosts?: readonly string[];
  /** Per HTTP attempt: method, host, path, status, duration, retries (no query, no headers). */
  readonly onHttpCall?: (event: HttpCallEvent) => void;
  /** Sees the raw exception when a connector throws (it may hold secrets: log with care). */
  readonly onUnexpected?: (error: unknown, where: { readonly connectorId: string; readonly operation: string }) => void;
}

/** The app-facing instance: never throws, every stream yields pages or one final error. */
export interface ConnectorClient {
  readonly manifest: ConnectorManifest;
  readonly auth: {
    begin(input: BeginAuthInput): Promise<Outcome<AuthStart>>;
    complete(input: CompleteAuthInput): Promise<Outcome<AuthStep<Grant, ChallengeState>>>;
    answerChallenge(input: AnswerChallengeInput<ChallengeState>): Promise<Outcome<AuthStep<Grant, ChallengeState>>>;
    refresh(grant: Grant): Promise<Outcome<Granted<Grant>>>;
    revoke(grant: Grant): Promise<Outcome<void>>;
  };
  accounts(grant: Grant, request?: AccountsRequest): AsyncIterable<Outcome<Page<Account>>>;
  /** Yields `Unsupported` for a kind the manifest does not declare. */
  transactions(grant: Grant, request: TransactionsRequest): AsyncIterable<Outcome<Page<Transaction>>>;
  /**
   * Several kinds in one call (one bank request per page), split per kind on every page.
   * Yields `Unsupported` unless every requested kind is in the manifest's `kindsPerCall`.
   */
  transactionKinds(grant: Grant, request: TransactionKindsRequest): AsyncIterable<Outcome<KindsPage>>;
  /** Yields `Unsupported` when the manifest does not declare balances. */
  balances(grant: Grant, request: BalancesRequest): AsyncIterable<Outcome<Page<DailyBalance>>>;
  /** `Unsupported` when the manifest does not declare `currentBalances`. */
  currentBalances(grant: Grant, request: CurrentBalancesRequest): Promise<Outcome<CurrentBalance>>;
  /** Yields `Unsupported` when the manifest does not declare branches. */
  branches(grant?: Grant): AsyncIterable<Outcome<Page<Branch>>>;
  /** Releases pooled connections. */
  close(): Promise<void>;
}

/** A defined connector: a value the app registers. */
export interface Connector {
  readonly manifest: ConnectorManifest;
  /** The consent facts the grant carries (undefined when the connector keeps none, or for another connector's grant). */
  consentFacts(grant: Grant): ConsentFacts | undefined;
  /** Throws {@link ConnectorSetupError} on an invalid config or an implementation that contradicts the manifest. */
  create(options: CreateConnectorOptions): ConnectorClient;
  /** The grant as JSON text with its secrets revealed: encrypt it at once. */
  serializeGrant(grant: Grant): Outcome<string>;
  deserializeGrant(serialized: string): Outcome<Grant>;
  /** The challenge state as JSON text with its secrets revealed: encrypt it at once. */
  serializeChallengeState(state: ChallengeState): Outcome<string>;
  deserializeChallengeState(serialized: string): Outcome<ChallengeState>;
}

/** A deployment error found when a connector is created (bad config, implementation/manifest mismatch). */
export class ConnectorSetupError extends Error {
  override readonly name = 'ConnectorSetupError';
}

const contractViolation = (id: string, what: string): ConnectorError =>
  ConnectorErrors.permanent({ code: SdkErrorCode.contractViolation, message: `${id}: ${what}` });

function serializer<T>(id: string, what: string, schema: Schema.Codec<T, unknown> | undefined) {
  const codec = schema === undefined ? undefined : Schema.toCodecJson(schema);
  const invalid = (message: string): Outcome<never> =>
    err(ConnectorErrors.permanent({ code: SdkErrorCode.invalidGrant, message: `${id}: ${message}` }));
  return {
    serialize(value: unknown): Outcome<string> {
      if (codec === undefined) return invalid(`has no ${what}`);
      const encoded = Schema.encodeUnknownResult(codec)(value);
      // The schema error could quote the secrets being encoded: never pass it on.
      return encoded._tag === 'Success' ? ok(JSON.stringify(encoded.success)) : invalid(`${what} does not match its schema`);
    },
    deserialize(text: string): Outcome<T> {
      if (codec === undefined) return invalid(`has no ${what}`);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return invalid(`serialised ${what} is not JSON`);
      }
      const decoded = Schema.decodeUnknownResult(codec)(json);
      return decoded._tag === 'Success' ? ok(decoded.success) : invalid(`serialised ${what} does not match its schema`);
    },
  };
}

function decodeConfig<C>(id: string, schema: Schema.Codec<C, unknown>, input: unknown): C {
  // Plain JSON first (secrets as strings, e.g. from the environment), then already-typed values.
  const fromJson = Schema.decodeUnknownResult(Schema.toCodecJson(schema))(input, { errors: 'all' });
  if (fromJson._tag === 'Success') return fromJson.success;
  const typed = Schema.decodeUnknownResult(schema)(input);
  if (typed._tag === 'Success') return typed.success;
  throw new ConnectorSetupError(`invalid config for connector "${id}": ${fromJson.failure.message}`);
}

function checkImplementation(manifest: ConnectorManifest, impl: ConnectorImplementation<unknown, unknown>): void {
  const problems: string[] = [];
  const pairs: Array<[string, boolean, boolean]> = [
    ['balances', manifest.capabilities.balances, typeof impl.balances === 'function'],
    ['currentBalances', manifest.capabilities.currentBalances === true, typeof impl.currentBalances === 'function'],
    ['transactionKinds (capabilities.kindsPerCall)', manifest.capabilities.kindsPerCall !== undefined, typeof impl.transactionKinds === 'function'],
    ['branches', manifest.capabilities.branches, typeof impl.branches === 'function'],
    ['auth.answerChallenge', manifest.capabilities.challenges.length > 0, typeof impl.auth.answerChallenge === 'function'],
  ];
  for (const [what, declared, implemented] of pairs) {
    if (declared && !implemented) problems.push(`the manifest declares ${what} but the connector does not implement it`);
    if (!declared && implemented) problems.push(`the connector implements ${what} but the manifest does not declare it`);
  }
  if (problems.length > 0) throw new ConnectorSetupError(`connector "${manifest.id}": ${problems.join('; ')}`);
}

/**
 * Defines a connector: validates the manifest now (throws `InvalidManifestError`), and
 * returns the value the app registers. One request limiter is shared by every client
 * created from it in this process.
 */
export function defineConnector<G, S = never, C = unknown>(definition: ConnectorDefinition<G, S, C>): Connector {
  const manifest = decodeManifest(definition.manifest);
  const id = manifest.id;
  if (manifest.capabilities.challenges.length > 0 && definition.challengeState === undefined) {
    throw new ConnectorSetupError(`connector "${id}" declares challenges but defines no challengeState schema`);
  }
  const grants = serializer(id, 'grant', definition.grant);
  const states = serializer(id, 'challenge state', definition.challengeState);
  const isGrant = validatedOnce(Schema.is(definition.grant), true);
  const isState = definition.challengeState === undefined ? () => false : Schema.is(definition.challengeState);
  const isChallenge = Schema.is(Challenge);
  const isWindow = validatedOnce(Schema.is(FetchWindow), false);
  const isCurrentBalance = Schema.is(CurrentBalance);
  let limiter: RequestLimiter | undefined;

  function create(options: CreateConnectorOptions): ConnectorClient {
    const config = decodeConfig(id, definition.config, options.config);
    const clock = options.clock ?? systemClock;
    const allowedHosts = [...manifest.allowedHosts, ...(options.extraAllowedHosts ?? [])];
    limiter ??= createRequestLimiter({ maxConcurrency: manifest.limits.maxConcurrency, requestsPerSecond: manifest.limits.requestsPerSecond });
    const http = createHttpClient({
      connectorId: id,
      allowedHosts,
      limiter,
      clock,
      ...options.http,
      onCall: options.onHttpCall,
    });
    const impl = definition.create({ manifest, config, http, clock }) as ConnectorImplementation<unknown, unknown>;
    checkImplementation(manifest, impl);

    const unexpected = (operation: string, e: unknown): ConnectorError => {
      try {
        options.onUnexpected?.(e, { connectorId: id, operation });
      } catch {
        // The hook must not turn a handled failure into a thrown one.
      }
      // Only the exception's class: its message may quote a URL with a token or a body.
      const name = e instanceof Error ? e.name : typeof e;
      return ConnectorErrors.permanent({ code: SdkErrorCode.unexpectedException, message: `unexpected ${name} in ${id}.${operation}` });
    };

    /** Runs one call: never throws, and only well-formed outcomes get out. */
    async function guard<T>(operation: string, call: () => Promise<Outcome<T>>, check: (value: T) => string | undefined): Promise<Outcome<T>> {
      try {
        const out = await call();
        if (typeof out !== 'object' || out === null || typeof out.ok !== 'boolean') return err(contractViolation(id, `${operation} returned no outcome`));
        if (!out.ok) return isConnectorError(out.error) ? out : err(contractViolation(id, `${operation} returned a malformed error`));
        const problem = check(out.value);
        return problem === undefined ? out : err(contractViolation(id, `${operation}: ${problem}`));
      } catch (e) {
        return err(unexpected(operation, e));
      }
    }

    async function* guardStream<T>(
      operation: string,
      open: () => PageStream<T>,
      window: FetchWindow | undefined,
      check: (item: T) => string | undefined = () => undefined,
    ): AsyncGenerator<Outcome<Page<T>>, void, undefined> {
      let index = 0;
      try {
        for await (const { value: out, last } of withLookAhead(open(), isOkOutcome)) {
          if (typeof out !== 'object' || out === null || typeof out.ok !== 'boolean') {
            yield err(contractViolation(id, `${operation} yielded something that is not an outcome`));
            return;
          }
          if (!out.ok) {
            yield isConnectorError(out.error) ? out : err(contractViolation(id, `${operation} yielded a malformed error`));
            return; // an error ends the stream; leaving the loop closes the connector's iterator
          }
          if (!Array.isArray(out.value)) {
            yield err(contractViolation(id, `${operation} yielded a page that is not an array`));
            return;
          }
          for (const item of out.value) {
            const problem = check(item);
            if (problem !== undefined) {
              yield err(contractViolation(id, `${operation}: ${problem}`));
              return;
            }
          }
          const page = window === undefined ? { index, items: out.value } : { index, items: out.value, window };
          yield ok(last ? markLastPage(page) : page);
          index += 1;
        }
      } catch (e) {
        yield err(unexpected(operation, e));
      }
    }

    async function* failWith<T>(error: ConnectorError): AsyncGenerator<Outcome<Page<T>>, void, undefined> {
      yield err(error);
    }

    const badGrant = (operation: string): ConnectorError =>
      ConnectorErrors.permanent({ code: SdkErrorCode.invalidGrant, message: `${id}.${operation}: not a grant of this connector` });

    const checkStep = (step: AuthStep<unknown, unknown>): string | undefined => {
      if (typeof step !== 'object' || step === null) return 'no step returned';
      if (step.type === 'granted') return isGrant(step.grant) ? undefined : 'the grant does not match the grant schema';
      if (step.type === 'challenge') {
        if (!isChallenge(step.challenge)) return 'malformed challenge';
        if (!manifest.capabilities.challenges.includes(step.challenge.kind)) return `challenge "${step.challenge.kind}" is not declared in the manifest`;
        return isState(step.state) ? undefined : 'the challenge state does not match its schema';
      }
      return 'unknown step type';
    };

    // An item must carry the date its kind is filtered on, and a transaction date unless the
    // manifest says its kind is filtered on another one (the domain's rule).
    const datesProblem = (t: Transaction): string | undefined => {
      const problem = missingDateProblem(t, manifest.dateFieldByKind[t.kind] ?? 'transactionDate');
      return problem === undefined ? undefined : `${t.kind} transaction ${String(t.bankTransactionId)} has ${problem}`;
    };

    // A frozen window (the domain's are) is passed through as is, so every page carries the
    // caller's very object; any other is copied and frozen.
    const freezeWindow = (w: FetchWindow): FetchWindow | undefined =>
      !isWindow(w) ? undefined : Object.isFrozen(w) ? w : Object.freeze({ from: w.from, to: w.to });
    const invalidWindow = (operation: string): ConnectorError =>
      ConnectorErrors.permanent({ code: SdkErrorCode.invalidRequest, message: `${id}.${operation}: invalid window` });

    return {
      manifest,
      auth: {
        begin: (input) =>
          guard('auth.begin', () => impl.auth.begin(input), (start) => {
            if (manifest.authFlow === 'redirect') {
              if (start.type !== 'redirect') return 'a redirect connector must begin with a redirect';
              let url: URL;
              try {
                url = new URL(start.url);
              } catch {
                return 'the redirect URL is not a URL';
              }
              if (start.flowState !== undefined && typeof start.flowState !== 'string') return 'flowState must be a string';
              // The user's browser goes there: it must be the bank, never an arbitrary site.
              return isUrlAllowed(url, allowedHosts) ? undefined : 'the redirect URL is outside the allowed hosts';
            }
            return start.type === 'form' ? undefined : 'a credentials connector must begin with a form';
          }),
        complete: (input) => {
          if (input.type !== manifest.authFlow) {
            return Promise.resolve(err(ConnectorErrors.permanent({ code: SdkErrorCode.invalidRequest, message: `${id} uses the ${manifest.authFlow} flow` })));
          }
          return guard('auth.complete', () => impl.auth.complete(input), checkStep) as Promise<Outcome<AuthStep<Grant, ChallengeState>>>;
        },
        answerChallenge: (input) => {
          const answer = impl.auth.answerChallenge;
          if (answer === undefined) return Promise.resolve(err(ConnectorErrors.unsupported({ message: `${id} relays no challenges` })));
          if (!isState(input.state)) {
            return Promise.resolve(err(ConnectorErrors.permanent({ code: SdkErrorCode.invalidGrant, message: `${id}: not a challenge state of this connector` })));
          }
          return guard('auth.answerChallenge', () => answer.call(impl.auth, input), checkStep) as Promise<Outcome<AuthStep<Grant, ChallengeState>>>;
        },
        refresh: (grant) => {
          if (!isGrant(grant)) return Promise.resolve(err(badGrant('auth.refresh')));
          return guard('auth.refresh', () => impl.auth.refresh(grant), (g) => (g?.type === 'granted' ? checkStep(g) : 'refresh must return a granted step')) as Promise<
            Outcome<Granted<Grant>>
          >;
        },
        revoke: (grant) => {
          if (!isGrant(grant)) return Promise.resolve(err(badGrant('auth.revoke')));
          return guard('auth.revoke', () => impl.auth.revoke(grant), () => undefined);
        },
      },
      accounts: (grant, request) =>
        isGrant(grant) ? guardStream('accounts', () => impl.accounts(grant, Object.freeze({ ...(request?.psu ? { psu: request.psu } : {}) })), undefined) : failWith(badGrant('accounts')),
      transactions: (grant, request) => {
        if (!isGrant(grant)) return failWith(badGrant('transactions'));
        if (!manifest.capabilities.transactions.includes(request.kind)) {
          return failWith(ConnectorErrors.unsupported({ message: `${id} does not report ${request.kind} transactions` }));
        }
        const window = freezeWindow(request.window);
        if (window === undefined) return failWith(invalidWindow('transactions'));
        const frozen = Object.freeze({ bankAccountId: request.bankAccountId, kind: request.kind, window, ...(request.psu ? { psu: request.psu } : {}) });
        return guardStream('transactions', () => impl.transactions(grant, frozen), window, (t: Transaction) =>
          t?.kind === request.kind ? datesProblem(t) : `a ${String(t?.kind)} transaction in a ${request.kind} fetch`,
        );
      },
      transactionKinds: (grant, request) => {
        const several = impl.transactionKinds;
        const combinable = manifest.capabilities.kindsPerCall ?? [];
        const failWith = async function* (error: ConnectorError): AsyncGenerator<Outcome<KindsPage>, void, undefined> {
          yield err(error);
        };
        if (several === undefined) return failWith(ConnectorErrors.unsupported({ message: `${id} fetches one kind per call` }));
        if (!isGrant(grant)) return failWith(badGrant('transactionKinds'));
        const kinds = [...request.kinds];
        const odd = kinds.find((k, i) => !combinable.includes(k) || kinds.indexOf(k) !== i);
        if (kinds.length === 0 || odd !== undefined) {
          return failWith(ConnectorErrors.unsupported({ message: `${id} fetches ${combinable.join(', ')} in one call, not ${kinds.join(', ') || 'no kind'}` }));
        }
        const window = freezeWindow(request.window);
        if (window === undefined) return failWith(invalidWindow('transactionKinds'));
        const frozen = Object.freeze({ bankAccountId: request.bankAccountId, kinds: Object.freeze(kinds), window, ...(request.psu ? { psu: request.psu } : {}) });
        const pages = guardStream('transactionKinds', () => several.call(impl, grant, frozen), window, (t: Transaction) =>
          kinds.includes(t?.kind) ? datesProblem(t) : `a ${String(t?.kind)} transaction in a fetch of ${kinds.join(', ')}`,
        );
        return splitKinds(pages, kinds, window);
      },
      balances: (grant, request) => {
        const balances = impl.balances;
        if (balances === undefined) return failWith(ConnectorErrors.unsupported({ message: `${id} does not report balances` }));
        if (!isGrant(grant)) return failWith(badGrant('balances'));
        const window = freezeWindow(request.window);
        if (window === undefined) return failWith(invalidWindow('balances'));
        const frozen = Object.freeze({ bankAccountId: request.bankAccountId, window, ...(request.psu ? { psu: request.psu } : {}) });
        return guardStream('balances', () => balances.call(impl, grant, frozen), window);
      },
      currentBalances: (grant, request) => {
        const current = impl.currentBalances;
        if (current === undefined) return Promise.resolve(err(ConnectorErrors.unsupported({ message: `${id} does not report current balances` })));
        if (!isGrant(grant)) return Promise.resolve(err(badGrant('currentBalances')));
        const frozen = Object.freeze({ bankAccountId: request.bankAccountId, ...(request.psu ? { psu: request.psu } : {}) });
        return guard('currentBalances', () => current.call(impl, grant, frozen), (b) => (isCurrentBalance(b) ? undefined : 'not a current balance (booked and/or available, currency, reference date)'));
      },
      branches: (grant) => {
        const branches = impl.branches;
        if (branches === undefined) return failWith(ConnectorErrors.unsupported({ message: `${id} does not report branches` }));
        if (grant !== undefined && !isGrant(grant)) return failWith(badGrant('branches'));
        return guardStream('branches', () => branches.call(impl, grant), undefined);
      },
      close: () => http.close(),
    };
  }

  const readFacts = definition.consentFacts;
  return {
    manifest,
    consentFacts: (grant) => {
      if (readFacts === undefined || !isGrant(grant)) return undefined;
      try {
        return readFacts(grant);
      } catch {
        return undefined;
      }
    },
    create,
    serializeGrant: (grant) => grants.serialize(grant),
    deserializeGrant: (text) => {
      const out = grants.deserialize(text);
      // Decoded with the grant schema: it is a grant. Not checked again on the session's first call.
      if (out.ok && typeof out.value === 'object' && out.value !== null) isGrant.remember(out.value);
      return out as Outcome<Grant>;
    },
    serializeChallengeState: (state) => states.serialize(state),
    deserializeChallengeState: (text) => states.deserialize(text) as Outcome<ChallengeState>,
  };
}

/**
 * A schema check run once per value object: one that passes is remembered, so the same grant
 * or window passed on every call of a session is not checked against its schema again. Only
 * a value that cannot have changed since is remembered: with `freeze`, a passing value's plain
 * objects and arrays are frozen (deeply; class instances such as Redacted or Date stay what
 * they are); without, only a value its owner already froze (the domain's windows, whose
 * fields are strings) — any other is checked on every call, as before.
 */
function validatedOnce<T>(check: (value: unknown) => value is T, freeze: boolean): ValidatedOnce<T> {
  const passed = new WeakSet<object>();
  const remember = (value: object): void => {
    if (freeze ? deepFreezePlain(value) : Object.isFrozen(value)) passed.add(value);
  };
  const is = (value: unknown): value is T => {
    if (typeof value !== 'object' || value === null) return check(value);
    if (passed.has(value)) return true;
    if (!check(value)) return false;
    remember(value);
    return true;
  };
  return Object.assign(is, { remember });
}

/** {@link validatedOnce}'s check, and `remember` for a value known to pass (e.g. just decoded with the schema). */
type ValidatedOnce<T> = ((value: unknown) => value is T) & { readonly remember: (value: object) => void };

/** Freezes `value`'s plain objects and arrays (not class instances: Dates, Redacted…); true when every plain part is frozen. */
function deepFreezePlain(value: object, depth = 0): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return true;
  if (depth > 16) return false;
  for (const v of Object.values(value)) if (typeof v === 'object' && v !== null && !deepFreezePlain(v, depth + 1)) return false;
  Object.freeze(value);
  return true;
}

/** A connector's page outcome the SDK may look past (not an error: the stream ends there). */
function isOkOutcome(out: unknown): boolean {
  return typeof out === 'object' && out !== null && (out as { readonly ok?: unknown }).ok === true;
}

/** Splits each bank page of a several-kinds fetch into one page per kind (indices counted per kind). */
async function* splitKinds(
  pages: AsyncIterable<Outcome<Page<Transaction>>>,
  kinds: readonly TransactionKind[],
  window: FetchWindow,
): AsyncGenerator<Outcome<KindsPage>, void, undefined> {
  const next = new Map<TransactionKind, number>(kinds.map((k) => [k, 0]));
  for await (const out of pages) {
    if (!out.ok) {
      yield out;
      return;
    }
    const split = kinds.map((kind) => {
      const items = out.value.items.filter((t) => t.kind === kind);
      const index = next.get(kind) ?? 0;
      if (items.length > 0) next.set(kind, index + 1);
      return { kind, page: { index, items, window } };
    });
    const page = { index: out.value.index, window, kinds: split };
    yield ok(isLastPage(out.value) ? markLastPage(page) : page);
  }
}

/** Reads a whole stream: all items, or the first error. For small lists (accounts); stream big ones. */
export async function collectPages<T>(stream: AsyncIterable<Outcome<Page<T>>>): Promise<Outcome<T[]>> {
  const items: T[] = [];
  for await (const page of stream) {
    if (!page.ok) return page;
    for (const item of page.value.items) items.push(item); // no spread: pages may be huge
  }
  return ok(items);
}
