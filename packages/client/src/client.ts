import createClient, { type Client } from 'openapi-fetch';
import { KinkoTimeoutError, unwrap } from './errors';
import type { components, paths } from './schema';

/** Every schema of the OpenAPI document (`Schemas['TransactionView']`…). */
export type Schemas = components['schemas'];
/** The raw typed client over every route of the document (openapi-fetch). */
export type KinkoApi = Client<paths>;

export type User = Schemas['UserView'];
export type UserToken = Schemas['UserTokenView'];
export type Bank = Schemas['BankView'];
export type Connection = Schemas['ConnectionView'];
export type Consent = Schemas['ConsentView'];
export type BankAccount = Schemas['BankAccountView'];
export type Transaction = Schemas['TransactionView'];
export type TransactionPage = Schemas['TransactionPage'];
export type TransactionsSyncPage = Schemas['TransactionsSyncPage'];
export type DailyBalances = Schemas['DailyBalancesView'];
export type ConnectStart = Schemas['ConnectStartView'];
export type LoginResult = Schemas['LoginResultView'];
export type CredentialForm = Schemas['CredentialFormView'];
export type SyncStarted = Schemas['SyncStartedView'];
export type SessionStatus = Schemas['SessionStatusResponse'];
export type SessionDetails = Schemas['SessionDetailsResponse'];

/** The header that lets the API key read one of the tenant's users' data (GET routes of the user API). */
export const ACTING_AS_USER_HEADER = 'Kinko-Acting-As-User';

/** How a bounded wait polls: the delay grows from `initialDelayMs` by `factor` up to `maxDelayMs`; it gives up after `timeoutMs`. */
export interface PollOptions {
  readonly timeoutMs?: number;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly factor?: number;
}

const POLL_DEFAULTS: Required<PollOptions> = { timeoutMs: 120_000, initialDelayMs: 200, maxDelayMs: 5_000, factor: 1.6 };

/** Calls `probe` until it returns a value, waiting longer each time, at most `timeoutMs` in all. */
async function poll<T>(what: string, options: PollOptions, probe: () => Promise<T | undefined>): Promise<T> {
  const { timeoutMs, initialDelayMs, maxDelayMs, factor } = { ...POLL_DEFAULTS, ...options };
  const deadline = Date.now() + timeoutMs;
  let delay = initialDelayMs;
  for (;;) {
    const done = await probe();
    if (done !== undefined) return done;
    const left = deadline - Date.now();
    if (left <= 0) throw new KinkoTimeoutError(`${what} did not end within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
    delay = Math.min(maxDelayMs, delay * factor);
  }
}

/** `Idempotency-Key` for a creating POST: a retry with the same key and body answers the first answer. */
export interface Idempotency {
  readonly idempotencyKey?: string;
}

const idempotencyHeader = (options: Idempotency | undefined): Record<string, string> =>
  options?.idempotencyKey !== undefined ? { 'Idempotency-Key': options.idempotencyKey } : {};

/** An aggregation status still moving on its own (`running.*`): the login or the first sync is under way. */
export const isRunningStatus = (aggregationStatus: string): boolean => aggregationStatus.startsWith('running.');

/**
 * What the user API lets one read — with the user's token, or with the tenant's API key
 * acting as the user ({@link KinkoClient.actingAs}).
 */
export class KinkoUserReader {
  constructor(
    /** The raw typed client, authenticated for this user. */
    readonly api: KinkoApi,
  ) {}

  /** The banks the user can connect. */
  async banks(): Promise<Bank[]> {
    return unwrap(await this.api.GET('/api/v2/banks'));
  }

  async connections(): Promise<Connection[]> {
    return unwrap(await this.api.GET('/api/v2/connections'));
  }

  async connection(connectionId: string): Promise<Connection> {
    return unwrap(await this.api.GET('/api/v2/connections/{connectionId}', { params: { path: { connectionId } } }));
  }

  async consents(): Promise<Consent[]> {
    return unwrap(await this.api.GET('/api/v2/consents'));
  }

  /** The user's active accounts. */
  async accounts(): Promise<BankAccount[]> {
    return unwrap(await this.api.GET('/api/v2/bankaccount'));
  }

  /** Daily balances of an account, oldest first. */
  async balances(accountId: string, query: { from?: string; to?: string } = {}): Promise<DailyBalances> {
    return unwrap(await this.api.GET('/api/v2/accounts/{accountId}/balances', { params: { path: { accountId }, query } }));
  }

  /** A sync session's status (`finishedAt` set once it has ended). */
  async sessionStatus(sessionId: string): Promise<SessionStatus> {
    return unwrap(await this.api.GET('/api/v2/bank/session/{sessionId}/status', { params: { path: { sessionId } } }));
  }

  async session(sessionId: string): Promise<SessionDetails> {
    return unwrap(await this.api.GET('/api/v2/bank/session/{sessionId}', { params: { path: { sessionId } } }));
  }

  /** Polls a sync session (growing delays, bounded by `timeoutMs`) until it has ended; its final status. */
  async followSession(sessionId: string, options: PollOptions = {}): Promise<SessionStatus> {
    return poll(`sync session ${sessionId}`, options, async () => {
      const status = await this.sessionStatus(sessionId);
      return status.finishedAt !== null ? status : undefined;
    });
  }

  /** Polls a connection until its status is no longer `running.*` (login and first sync over, a challenge waiting, or an error). */
  async followConnection(connectionId: string, options: PollOptions = {}): Promise<Connection> {
    return poll(`connection ${connectionId}`, options, async () => {
      const connection = await this.connection(connectionId);
      return isRunningStatus(connection.aggregationStatus) ? undefined : connection;
    });
  }

  /** Every page of an account's transactions (newest first), following the keyset cursor to the last page. */
  async *transactionPages(accountId: string, query: TransactionQuery = {}): AsyncGenerator<TransactionPage> {
    let cursor: string | undefined = undefined;
    do {
      const page: TransactionPage = unwrap(
        await this.api.GET('/api/v2/accounts/{accountId}/transactions', { params: { path: { accountId }, query: { ...query, ...(cursor !== undefined ? { cursor } : {}) } } }),
      );
      yield page;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** Every transaction of an account (newest first), page after page. */
  async *transactions(accountId: string, query: TransactionQuery = {}): AsyncGenerator<Transaction> {
    for await (const page of this.transactionPages(accountId, query)) yield* page.items;
  }

  /**
   * The change feed from `cursor` (none: from the beginning): every page until `hasMore` is
   * false. Keep the last page's `nextCursor` and pass it next time to get only later changes.
   */
  async *changePages(cursor?: string, options: { count?: number } = {}): AsyncGenerator<TransactionsSyncPage> {
    let next = cursor;
    for (;;) {
      const page = unwrap(
        await this.api.GET('/api/v2/transactions/sync', {
          params: { query: { ...(next !== undefined ? { cursor: next } : {}), ...(options.count !== undefined ? { count: options.count } : {}) } },
        }),
      );
      yield page;
      if (!page.hasMore) return;
      next = page.nextCursor;
    }
  }

  /** The change feed from `cursor` to now, pages merged: apply `added`/`modified` as upserts, `removed` as deletes; store `nextCursor`. */
  async changes(cursor?: string, options: { count?: number } = {}): Promise<TransactionsSyncPage> {
    const all: TransactionsSyncPage = { added: [], modified: [], removed: [], nextCursor: cursor ?? '', hasMore: false };
    for await (const page of this.changePages(cursor, options)) {
      all.added.push(...page.added);
      all.modified.push(...page.modified);
      all.removed.push(...page.removed);
      all.nextCursor = page.nextCursor;
    }
    return all;
  }
}

/** Filters of the transaction listing (the cursor is the iterator's). */
export type TransactionQuery = Omit<NonNullable<paths['/api/v2/accounts/{accountId}/transactions']['get']['parameters']['query']>, 'cursor'>;

/** The user API with a user token: the reads, and connecting and syncing banks. */
export class KinkoUserClient extends KinkoUserReader {
  /**
   * Starts connecting a redirect-flow bank: open `redirectUrl` in the user's browser (once);
   * the bank sends it back to Kinko, which creates the connection and starts the first sync.
   */
  async startRedirectConnection(bankId: string, body: Schemas['ConnectRequest'] = {}, options?: Idempotency): Promise<ConnectStart> {
    return unwrap(await this.api.POST('/api/v2/connect/{bankId}', { params: { path: { bankId } }, body, headers: idempotencyHeader(options) }));
  }

  /** A credentials-flow bank's login form (the fields to ask the user for). */
  async credentialForm(bankId: string): Promise<CredentialForm> {
    return unwrap(await this.api.GET('/api/v2/connect/{bankId}/credentials', { params: { path: { bankId } } }));
  }

  /**
   * Connects a credentials-flow bank with the user's login details. Answers at once (outcome
   * `running`): {@link followConnection} then tells how the login ended.
   */
  async connectWithCredentials(bankId: string, credentials: Record<string, string>, options?: Idempotency): Promise<LoginResult> {
    return unwrap(await this.api.POST('/api/v2/connect/{bankId}/credentials', { params: { path: { bankId } }, body: { credentials }, headers: idempotencyHeader(options) }));
  }

  /** The challenge waiting on a connection (`suspended.missing-answer.auth.*`). */
  async challenge(connectionId: string): Promise<Schemas['ChallengeView']> {
    return unwrap(await this.api.GET('/api/v2/connections/{connectionId}/challenge', { params: { path: { connectionId } } }));
  }

  /** Answers the waiting challenge; the next step. */
  async answerChallenge(connectionId: string, answer: string): Promise<LoginResult> {
    return unwrap(await this.api.POST('/api/v2/connections/{connectionId}/challenge', { params: { path: { connectionId } }, body: { answer } }));
  }

  /** Syncs every connection of the user at a bank; the sessions started (follow them with {@link followSession}). */
  async syncBank(bankId: string, body: Schemas['SyncRequest'] = {}, options?: Idempotency): Promise<SyncStarted> {
    return unwrap(await this.api.POST('/api/v2/bank/{bankId}/sync', { params: { path: { bankId } }, body, headers: idempotencyHeader(options) }));
  }

  /** Syncs a bank and follows every session it started to its end; their final statuses. */
  async syncBankAndWait(bankId: string, body: Schemas['SyncRequest'] = {}, options: PollOptions & Idempotency = {}): Promise<SessionStatus[]> {
    const started = await this.syncBank(bankId, body, options);
    return Promise.all(started.sessionIds.map((id) => this.followSession(id, options)));
  }
}

/** Options of {@link createKinkoClient}. */
export interface KinkoClientOptions {
  /** Where Kinko answers, e.g. `https://kinko.example.com` (no path). */
  readonly baseUrl: string;
  /** The tenant's API key. */
  readonly apiKey: string;
  /** A fetch implementation (default: the global one). */
  readonly fetch?: typeof globalThis.fetch;
}

/** The tenant API (API key): users, user tokens, and the users' data read with the key. */
export class KinkoClient {
  /** The raw typed client with the API key. */
  readonly api: KinkoApi;

  constructor(private readonly options: KinkoClientOptions) {
    this.api = this.raw({ authorization: `Bearer ${options.apiKey}` });
  }

  private raw(headers: Record<string, string>): KinkoApi {
    return createClient<paths>({ baseUrl: this.options.baseUrl.replace(/\/+$/, ''), headers, ...(this.options.fetch ? { fetch: this.options.fetch } : {}) });
  }

  /** Creates a user (`externalId`: the tenant's own id for them, unique per tenant). */
  async createUser(externalId: string, options?: Idempotency): Promise<User> {
    return unwrap(await this.api.POST('/api/v2/tenant/users', { body: { externalId }, headers: idempotencyHeader(options) }));
  }

  async user(userId: string): Promise<User> {
    return unwrap(await this.api.GET('/api/v2/tenant/users/{userId}', { params: { path: { userId } } }));
  }

  /** Mints a short-lived user token (default lifetime: the server's, 15 minutes). */
  async mintUserToken(userId: string, body: Schemas['MintUserTokenRequest'] = {}, options?: Idempotency): Promise<UserToken> {
    return unwrap(await this.api.POST('/api/v2/tenant/users/{userId}/tokens', { params: { path: { userId } }, body, headers: idempotencyHeader(options) }));
  }

  /** The user API with a user token (connect, sync, read). */
  asUser(token: string): KinkoUserClient {
    return new KinkoUserClient(this.raw({ authorization: `Bearer ${token}` }));
  }

  /** Mints a user token and returns the user API with it. */
  async forUser(userId: string, body: Schemas['MintUserTokenRequest'] = {}): Promise<KinkoUserClient> {
    return this.asUser((await this.mintUserToken(userId, body)).token);
  }

  /** Reads a user's data with the API key (header `Kinko-Acting-As-User`): no token to mint; reads only. */
  actingAs(userId: string): KinkoUserReader {
    return new KinkoUserReader(this.raw({ authorization: `Bearer ${this.options.apiKey}`, [ACTING_AS_USER_HEADER]: userId }));
  }
}

/** A client of the tenant API with the tenant's API key. */
export function createKinkoClient(options: KinkoClientOptions): KinkoClient {
  return new KinkoClient(options);
}
