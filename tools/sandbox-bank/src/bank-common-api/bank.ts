/**
 * One bank speaking the 銀行共通API: the ten operations as plain functions from a request
 * (headers, query, body) to a result, plus the bank's run-time knobs. The HTTP layer
 * (`http.ts`) only routes to these.
 */
import { randomBytes } from 'node:crypto';
import { dateInZone, dayNumber, isIsoDate, localDateTime, secondsOfDayInZone, type IsoDate } from '../calendar';
import type { Clock } from '../clock';
import { FaultInjector } from '../faults';
import type { DailyBalance, LedgerEntry } from '../generator/ledger';
import { hash32 } from '../generator/prng';
import { checkLifetimes, type SandboxUserBehaviour } from './config';
import { renderErrorPage, renderLoginPage } from './login-page';
import type { BankModel, SandboxAccount } from './model';
import { TokenStore, type IssuedPair, type TokenLifetimes, type UserGrant } from './tokens';

/** What an operation answers. */
export type ApiResult =
  | { readonly kind: 'json'; readonly status: number; readonly body: unknown; readonly headers?: Readonly<Record<string, string>>; readonly generated?: number }
  | { readonly kind: 'html'; readonly status: number; readonly html: string }
  | { readonly kind: 'redirect'; readonly location: string };

/** The request parts an operation may look at. */
export interface ApiRequest {
  /** The Authorization header, if any. */
  readonly authorization?: string | undefined;
  /** Parsed query (repeated parameters as arrays). */
  readonly query: Readonly<Record<string, unknown>>;
  /** Parsed body (JSON or form). */
  readonly body: unknown;
}

/** An item of GET /accounts (the spec's field names). */
export interface AccountItem {
  readonly id: string;
  readonly account_number: string;
  readonly owner_type: 'p' | 'c';
  readonly account_type1: 'bank' | 'cc';
  readonly account_type2: string;
  readonly account_type3: string;
  readonly branch_code: string;
  readonly branch_name: string;
}

/** An item of GET /transactions (the spec's field names). */
export interface TransactionItem {
  readonly id: string;
  readonly date: string;
  readonly amount: number;
  readonly description: string;
  readonly balance: number;
}

/** An item of GET /balances (the spec's field names). */
export interface BalanceItem {
  readonly date: string;
  readonly balance: number;
}

/** A transaction to add through a knob. */
export interface NewTransaction {
  /** Signed amount in whole yen (positive in, negative out). */
  readonly amount: number;
  /** Description (default: a transfer from カ）キンコテスト). */
  readonly description?: string;
  /** Booking date (default today in the bank's zone); earlier dates are booked after that day's transactions. */
  readonly date?: IsoDate;
}

/** Run-time knobs of one bank (faults, tokens, accounts, options). */
export interface BankCommonApiKnobs {
  /** Latency, error rates, queued failures, 429, hangs, malformed bodies, dropped connections. */
  readonly faults: FaultInjector;
  /** Current token lifetimes in seconds. */
  tokenLifetimes(): TokenLifetimes;
  /** Changes token lifetimes for tokens issued from now on (e.g. `{ accessToken: 1 }` to see expiry). */
  setTokenLifetimes(lifetimes: Partial<TokenLifetimes>): void;
  /** Invalidates every user token now (as if the bank forced everyone to log in again). */
  revokeAllUserTokens(): void;
  /** The options that can change at run time, as they are now. */
  options(): { readonly passwordLogin: boolean; readonly pageSize: number };
  /** Turns POST /auth/login on or off (404 when off). */
  setPasswordLogin(enabled: boolean): void;
  /** Changes the page size of every list. */
  setPageSize(size: number): void;
  /** Hides an account: no longer listed, and its endpoints answer `status` (400 by default, as the spec allows). */
  removeAccount(accountId: string, options?: { readonly status?: 400 | 404 }): void;
  /** Brings a removed account back. */
  restoreAccount(accountId: string): void;
  /** Books a transaction now and returns it as /transactions will list it. */
  insertTransaction(accountId: string, tx: NewTransaction): TransactionItem;
  /** Books `tx` right after page `page` of the account's /transactions has been served. */
  insertTransactionAfterPage(accountId: string, page: number, tx: NewTransaction): void;
  /**
   * Adds `Retry-After: value` (seconds or an HTTP-date, sent as given) to every answer with
   * this status that carries none, e.g. 503 during maintenance; undefined stops it. Injected
   * 429s of the `rate-limit` fault keep their own header.
   */
  setRetryAfter(status: number, value: string | undefined): void;
  /** Restores every knob to the bank's configuration (faults, lifetimes, accounts, options, Retry-After; tokens stay). */
  reset(): void;
}

interface LoginFlow {
  readonly apiKey: string;
  readonly redirectUri: string;
  readonly grants: string;
  stage: 'credentials' | 'otp';
  userId?: string;
  readonly expiresAt: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const bad = (message: string): HttpError => new HttpError(400, 'invalid_request', message);
const unauthorized = (message: string): HttpError => new HttpError(401, 'invalid_token', message);
const FLOW_LIFETIME_MS = 10 * 60_000;
const DEFAULT_DESCRIPTION = '振込　カ）キンコテスト';

/** One bank of the 銀行共通API sandbox. */
export class BankCommonApiBank {
  /** The bank's knobs. */
  readonly knobs: BankCommonApiKnobs;
  private readonly tokens = new TokenStore();
  private readonly flows = new Map<string, LoginFlow>();
  private removed = new Map<string, 400 | 404>();
  /** Accounts of `accountsGoneAfterFirstListing` already listed once. */
  private readonly listedOnce = new Set<string>();
  private pendingInserts: Array<{ accountId: string; page: number; tx: NewTransaction }> = [];
  private retryAfter = new Map<number, string>();
  private passwordLogin: boolean;
  private pageSize: number;
  private lifetimes: TokenLifetimes;

  /** Creates the bank over its model; `clock` gives "now". */
  constructor(
    readonly model: BankModel,
    private readonly clock: Clock,
  ) {
    const config = model.config;
    this.passwordLogin = config.passwordLogin;
    this.pageSize = config.pageSize;
    this.lifetimes = config.tokenLifetimes;
    const faults = new FaultInjector(hash32(model.seed, config.bankCode, 'faults'), config.faults);
    this.knobs = {
      faults,
      tokenLifetimes: () => this.lifetimes,
      setTokenLifetimes: (l) => {
        const next = { ...this.lifetimes, ...l };
        checkLifetimes(next);
        this.lifetimes = next;
      },
      revokeAllUserTokens: () => this.tokens.revokeAllUserTokens(),
      options: () => ({ passwordLogin: this.passwordLogin, pageSize: this.pageSize }),
      setPasswordLogin: (enabled) => {
        this.passwordLogin = enabled;
      },
      setPageSize: (size) => {
        if (!Number.isInteger(size) || size < 1 || size > 10_000) throw new Error('page size must be an integer in 1..10000');
        this.pageSize = size;
      },
      removeAccount: (accountId, options = {}) => {
        this.account(accountId);
        this.removed.set(accountId, options.status ?? 400);
      },
      restoreAccount: (accountId) => {
        this.account(accountId);
        this.removed.delete(accountId);
      },
      setRetryAfter: (status, value) => {
        if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`invalid status ${status}`);
        if (value === undefined) this.retryAfter.delete(status);
        // A header value must be one visible line.
        else if (!/^[\x20-\x7e]+$/.test(value)) throw new Error('Retry-After must be printable ASCII');
        else this.retryAfter.set(status, value);
      },
      insertTransaction: (accountId, tx) => this.insert(accountId, tx),
      insertTransactionAfterPage: (accountId, page, tx) => {
        this.account(accountId);
        if (!Number.isInteger(page) || page < 1) throw new Error('page must be a positive integer');
        this.pendingInserts.push({ accountId, page, tx });
      },
      reset: () => {
        faults.reset();
        faults.set(config.faults);
        this.lifetimes = config.tokenLifetimes;
        this.passwordLogin = config.passwordLogin;
        this.pageSize = config.pageSize;
        this.removed = new Map();
        this.pendingInserts = [];
        this.retryAfter = new Map();
      },
    };
  }

  /** Bank code. */
  get bankCode(): string {
    return this.model.config.bankCode;
  }

  /** Today in the bank's zone. */
  today(): IsoDate {
    return dateInZone(this.clock(), this.model.config.timeZone);
  }

  /** The Retry-After value set for answers with this status ({@link BankCommonApiKnobs.setRetryAfter}). */
  retryAfterFor(status: number): string | undefined {
    return this.retryAfter.get(status);
  }

  /** Whether an account is currently hidden by {@link BankCommonApiKnobs.removeAccount}. */
  isRemoved(accountId: string): boolean {
    return this.removed.has(accountId);
  }

  // --- operations ----------------------------------------------------------------------

  /** POST /auth/system_token */
  systemToken(req: ApiRequest): ApiResult {
    return this.run(() => {
      const body = objectBody(req.body);
      const apiKey = requiredField(body, 'api_key');
      const password = requiredField(body, 'password');
      const grants = optionalField(body, 'grants') ?? '';
      this.checkClient(apiKey, password);
      const issued = this.tokens.issueSystem(apiKey, grants, this.now(), this.lifetimes.systemToken);
      return ok({ access_token: issued.token, created_at: unix(issued.createdAt), expired_at: unix(issued.expiresAt) });
    });
  }

  /** GET /auth/login — the HTML login page. */
  loginPage(req: ApiRequest): ApiResult {
    const name = this.model.config.bankName;
    const apiKey = stringParam(req.query, 'api_key');
    const redirectUri = stringParam(req.query, 'redirect_uri');
    const grants = stringParam(req.query, 'grants') ?? '';
    if (!apiKey || !redirectUri || Array.isArray(req.query['grants'])) {
      return html(400, renderErrorPage(name, { ja: 'api_key と redirect_uri を指定してください。', en: 'api_key and redirect_uri are required.' }));
    }
    if (apiKey !== this.model.config.client.apiKey) {
      return html(401, renderErrorPage(name, { ja: 'APIキーが登録されていません。', en: 'Unknown API key.' }));
    }
    let url: URL;
    try {
      url = new URL(redirectUri);
    } catch {
      return html(400, renderErrorPage(name, { ja: 'redirect_uri が正しくありません。', en: 'redirect_uri is not an absolute URI.' }));
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || redirectUri.includes('#')) {
      return html(400, renderErrorPage(name, { ja: 'redirect_uri が正しくありません。', en: 'redirect_uri must be an http(s) URI without a fragment.' }));
    }
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (!this.model.config.client.redirectDomains.includes(host)) {
      return html(401, renderErrorPage(name, { ja: 'リダイレクト先のドメインが登録されていません。', en: 'The redirect URI is not on the registered domain.' }));
    }
    this.pruneFlows();
    const flowId = randomBytes(18).toString('base64url');
    this.flows.set(flowId, { apiKey, redirectUri, grants, stage: 'credentials', expiresAt: this.now() + FLOW_LIFETIME_MS });
    return html(200, renderLoginPage({ bankName: name, flowId, stage: 'credentials', grants }));
  }

  /** POST /auth/login/web — the login form's submissions (credentials, then OTP if the user has one). */
  loginForm(req: ApiRequest): ApiResult {
    const name = this.model.config.bankName;
    const body = isRecord(req.body) ? req.body : {};
    const flowId = typeof body['flow'] === 'string' ? body['flow'] : '';
    const flow = this.flows.get(flowId);
    if (!flow || this.now() >= flow.expiresAt) {
      this.flows.delete(flowId);
      return html(400, renderErrorPage(name, { ja: 'ログインの有効期限が切れました。最初からやり直してください。', en: 'This login has expired. Please start again.' }));
    }
    const view = { bankName: name, flowId, grants: flow.grants };
    if (body['action'] === 'cancel') {
      this.flows.delete(flowId);
      // RFC 6749 §4.1.2.1: the user denied the request.
      return { kind: 'redirect', location: appendQuery(flow.redirectUri, 'error', 'access_denied') };
    }
    const field = (k: string): string => (typeof body[k] === 'string' ? (body[k] as string) : '');
    if (flow.stage === 'credentials') {
      const user = this.model.users.get(field('id'));
      if (!user || user.password !== field('password')) {
        return html(401, renderLoginPage({ ...view, stage: 'credentials', error: { ja: 'ログインIDまたはパスワードが正しくありません。', en: 'The login ID or password is incorrect.' } }));
      }
      flow.userId = user.id;
      if (user.otp !== undefined) {
        flow.stage = 'otp';
        return html(200, renderLoginPage({ ...view, stage: 'otp' }));
      }
    } else {
      const user = flow.userId === undefined ? undefined : this.model.users.get(flow.userId);
      if (!user || user.otp !== field('otp')) {
        return html(401, renderLoginPage({ ...view, stage: 'otp', error: { ja: 'ワンタイムパスワードが正しくありません。', en: 'The one-time password is incorrect.' } }));
      }
    }
    this.flows.delete(flowId);
    const token = this.tokens.issueAuth(flow.apiKey, flow.userId as string, flow.grants, this.now(), this.lifetimes.authToken);
    return { kind: 'redirect', location: appendQuery(flow.redirectUri, 'auth_token', token) };
  }

  /** POST /auth/login — the REST login (optional in the spec: 404 when the bank does not offer it). */
  passwordLoginOp(req: ApiRequest): ApiResult {
    if (!this.passwordLogin) return json(404, { error: 'not_found', error_description: 'POST /auth/login is not offered by this bank' });
    return this.run(() => {
      const body = objectBody(req.body);
      const apiKey = requiredField(body, 'api_key');
      const id = requiredField(body, 'id');
      const password = requiredField(body, 'password');
      const grants = optionalField(body, 'grants') ?? '';
      if (apiKey !== this.model.config.client.apiKey) throw unauthorized('unknown api_key');
      const user = this.model.users.get(id);
      // A user with an OTP sends password + OTP concatenated (the spec's "複数のパスワードを…連結").
      if (!user || password !== user.password + (user.otp ?? '')) throw unauthorized('invalid id or password');
      return ok({ auth_token: this.tokens.issueAuth(apiKey, user.id, grants, this.now(), this.lifetimes.authToken) });
    });
  }

  /** POST /auth/token — exchange an auth token for access + refresh tokens. */
  issueToken(req: ApiRequest): ApiResult {
    return this.run(() => {
      const system = this.systemGrant(req.authorization);
      const body = objectBody(req.body);
      const apiKey = requiredField(body, 'api_key');
      const password = requiredField(body, 'password');
      const authToken = requiredField(body, 'auth_token');
      this.checkClient(apiKey, password);
      if (system.apiKey !== apiKey) throw unauthorized('the system token belongs to another client');
      const grant = this.tokens.consumeAuth(authToken, apiKey, this.now());
      if (!grant) throw unauthorized('auth_token is invalid, expired or already used');
      return ok(pairBody(this.tokens.issuePair(grant, this.now(), this.lifetimesOf(grant.userId))));
    });
  }

  /** PUT /auth/token — rotate a pair with its refresh token. */
  refreshToken(req: ApiRequest): ApiResult {
    return this.run(() => {
      const system = this.systemGrant(req.authorization);
      const body = objectBody(req.body);
      const apiKey = requiredField(body, 'api_key');
      const refresh = requiredField(body, 'refresh_token');
      if (system.apiKey !== apiKey) throw unauthorized('the system token belongs to another client');
      const pair = this.tokens.refresh(apiKey, refresh, this.now(), (userId) => this.lifetimesOf(userId), this.model.config.refreshTokenReuse, (userId) => this.behaviourOf(userId).shortTokens !== undefined);
      if (!pair) throw unauthorized('refresh_token is invalid, expired or already used');
      return ok(pairBody(pair));
    });
  }

  /** DELETE /auth/token — revoke a pair. Unknown tokens are not an error (RFC 7009 §2.2). */
  revokeToken(req: ApiRequest): ApiResult {
    return this.run(() => {
      const system = this.systemGrant(req.authorization);
      const body = objectBody(req.body);
      const apiKey = requiredField(body, 'api_key');
      const refresh = requiredField(body, 'refresh_token');
      if (system.apiKey !== apiKey) throw unauthorized('the system token belongs to another client');
      this.tokens.revoke(apiKey, refresh);
      return ok({});
    });
  }

  /** GET /branches — with a system token or a user's access token. */
  branches(req: ApiRequest): ApiResult {
    return this.run(() => {
      const token = bearer(req.authorization);
      const now = this.now();
      const apiKey = this.tokens.checkSystem(token, now)?.apiKey ?? this.tokens.checkAccess(token, now)?.apiKey;
      if (apiKey === undefined) throw unauthorized('invalid or expired access token');
      const page = pageParam(req.query);
      const all = this.model.branches();
      const { lo, hi, next } = paging(all.length, page, this.pageSize, 'oldest-first');
      return ok({ bank_code: this.bankCode, bank_name: this.model.config.bankName, branches: all.slice(lo, hi), params: { page, next_page: next } });
    });
  }

  /** GET /accounts */
  accounts(req: ApiRequest): ApiResult {
    return this.run(() => {
      const grant = this.userGrant(req.authorization);
      const page = pageParam(req.query);
      if (page === 1) this.dropAccountsListedOnce(grant.userId);
      const all = this.listedAccounts(grant.userId);
      const { lo, hi, next } = paging(all.length, page, this.pageSize, 'oldest-first');
      return ok({
        bank_code: this.bankCode,
        bank_name: this.model.config.bankName,
        accounts: all.slice(lo, hi).map((a) => this.accountItem(a)),
        params: { page, next_page: next },
      });
    });
  }

  /** GET /transactions */
  transactions(req: ApiRequest): ApiResult {
    return this.run(() => {
      const grant = this.userGrant(req.authorization);
      const { accountId, start, end, page } = windowParams(req.query);
      const account = this.userAccount(grant.userId, accountId);
      if (this.behaviourOf(grant.userId).failingTransactions?.includes(this.model.accountsOf(grant.userId).indexOf(account))) {
        throw new HttpError(500, 'server_error', 'the bank could not list the transactions of this account');
      }
      const ledger = account.ledger;
      const plan = ledger.plan(dayNumber(start), dayNumber(end), dayNumber(this.today()));
      const { lo, hi, next } = paging(plan.total, page, this.pageSize, this.model.config.transactionOrder);
      const before = ledger.workDone().walked;
      const entries = ledger.slice(plan, lo, hi);
      if (this.model.config.transactionOrder === 'newest-first') entries.reverse();
      const generated = ledger.workDone().walked - before;
      const body = {
        transactions: entries.map((e) => this.transactionItem(e)),
        params: { account_id: accountId, start_date: start, end_date: end, page, next_page: next },
      };
      this.firePendingInserts(accountId, page);
      return { kind: 'json', status: 200, body, generated };
    });
  }

  /** GET /balances — the balance after each day's last transaction, every day of the window. */
  balances(req: ApiRequest): ApiResult {
    return this.run(() => {
      const grant = this.userGrant(req.authorization);
      const { accountId, start, end, page } = windowParams(req.query);
      const account = this.userAccount(grant.userId, accountId);
      const plan = account.ledger.plan(dayNumber(start), dayNumber(end), dayNumber(this.today()));
      const { lo, hi, next } = paging(plan.days, page, this.pageSize, 'oldest-first');
      const before = account.ledger.workDone().walked;
      const balances = account.ledger.dailyBalances(plan, lo, hi).map((b) => this.balanceItem(b));
      return {
        kind: 'json',
        status: 200,
        body: { balances, params: { account_id: accountId, start_date: start, end_date: end, page, next_page: next } },
        generated: account.ledger.workDone().walked - before,
      };
    });
  }

  // --- items -----------------------------------------------------------------------------

  /** An account as GET /accounts lists it. */
  accountItem(a: SandboxAccount): AccountItem {
    const mask = a.accountType1 === 'cc' || this.model.config.maskAccountNumbers;
    return {
      id: a.id,
      account_number: mask ? '*'.repeat(a.number.length - (a.accountType1 === 'cc' ? 4 : 3)) + a.number.slice(a.accountType1 === 'cc' ? -4 : -3) : a.number,
      owner_type: a.ownerType,
      account_type1: a.accountType1,
      account_type2: a.accountType2,
      account_type3: '',
      branch_code: a.branchCode,
      branch_name: a.branchName,
    };
  }

  /** A ledger entry as GET /transactions lists it. */
  transactionItem(e: LedgerEntry): TransactionItem {
    const date = this.model.config.transactionDateFormat === 'date' ? e.date : localDateTime(e.date, e.secondsOfDay, this.model.config.timeZone);
    return { id: e.id, date, amount: e.amount, description: e.description, balance: e.balance };
  }

  /** A daily balance as GET /balances lists it (the day's start in the bank's zone). */
  balanceItem(b: DailyBalance): BalanceItem {
    return { date: localDateTime(b.date, 0, this.model.config.timeZone), balance: b.balance };
  }

  // --- personas (SandboxUserBehaviour) ----------------------------------------------------

  private behaviourOf(userId: string): SandboxUserBehaviour {
    return this.model.users.get(userId)?.behaviour ?? {};
  }

  /** The bank's token lifetimes, with a `shortTokens` user's own. */
  private lifetimesOf(userId: string): TokenLifetimes {
    const short = this.behaviourOf(userId).shortTokens;
    return short === undefined ? this.lifetimes : { ...this.lifetimes, accessToken: short.accessTokenSeconds, refreshToken: short.refreshTokenSeconds };
  }

  /** `accountsGoneAfterFirstListing`: listed by the user's first GET /accounts, removed from the next one on. */
  private dropAccountsListedOnce(userId: string): void {
    const own = this.model.accountsOf(userId);
    for (const position of this.behaviourOf(userId).accountsGoneAfterFirstListing ?? []) {
      const account = own[position];
      if (account === undefined) continue;
      if (this.listedOnce.has(account.id)) this.removed.set(account.id, 400);
      else this.listedOnce.add(account.id);
    }
  }

  /** The accounts GET /accounts lists for a user (removed ones left out). */
  listedAccounts(userId: string): SandboxAccount[] {
    return this.model.accountsOf(userId).filter((a) => !this.removed.has(a.id));
  }

  /** An account by id (removed or not); throws when unknown. */
  account(accountId: string): SandboxAccount {
    const a = this.model.accounts.get(accountId);
    if (!a) throw new Error(`unknown account ${accountId} at bank ${this.bankCode}`);
    return a;
  }

  // --- helpers -----------------------------------------------------------------------------

  private now(): number {
    return this.clock().getTime();
  }

  private run(op: () => ApiResult): ApiResult {
    try {
      return op();
    } catch (e) {
      if (e instanceof HttpError) {
        const headers: Record<string, string> = e.status === 401 ? { 'www-authenticate': `Bearer error="${e.code}"` } : {};
        return { kind: 'json', status: e.status, body: { error: e.code, error_description: e.message }, headers };
      }
      throw e;
    }
  }

  private checkClient(apiKey: string, password: string): void {
    const client = this.model.config.client;
    if (apiKey !== client.apiKey || password !== client.password) throw unauthorized('invalid api_key or password');
  }

  private systemGrant(authorization: string | undefined) {
    const grant = this.tokens.checkSystem(bearer(authorization), this.now());
    if (!grant) throw unauthorized('a valid system token is required (POST /auth/system_token)');
    return grant;
  }

  private userGrant(authorization: string | undefined): UserGrant {
    const grant = this.tokens.checkAccess(bearer(authorization), this.now());
    if (!grant) throw unauthorized('invalid or expired access token');
    return grant;
  }

  private userAccount(userId: string, accountId: string): SandboxAccount {
    const a = this.model.accounts.get(accountId);
    if (!a || a.userId !== userId) throw bad(`unknown account_id ${accountId}`);
    const removed = this.removed.get(accountId);
    if (removed !== undefined) throw new HttpError(removed, removed === 404 ? 'not_found' : 'invalid_request', `unknown account_id ${accountId}`);
    return a;
  }

  private insert(accountId: string, tx: NewTransaction): TransactionItem {
    const account = this.account(accountId);
    const now = this.clock();
    const today = this.today();
    const date = tx.date ?? today;
    if (!isIsoDate(date)) throw new Error(`invalid date ${date}`);
    const secondsOfDay = date === today ? secondsOfDayInZone(now, this.model.config.timeZone) : 86_399;
    const entry = account.ledger.insert({ date, secondsOfDay, amount: tx.amount, description: tx.description ?? DEFAULT_DESCRIPTION }, dayNumber(today));
    return this.transactionItem(entry);
  }

  private firePendingInserts(accountId: string, page: number): void {
    const due = this.pendingInserts.filter((p) => p.accountId === accountId && p.page === page);
    if (due.length === 0) return;
    this.pendingInserts = this.pendingInserts.filter((p) => !due.includes(p));
    for (const p of due) this.insert(p.accountId, p.tx);
  }

  private pruneFlows(): void {
    const now = this.now();
    for (const [id, flow] of this.flows) if (now >= flow.expiresAt) this.flows.delete(id);
  }
}

// --- request parsing ---------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function objectBody(body: unknown): Record<string, unknown> {
  if (!isRecord(body)) throw bad('the body must be a JSON object');
  return body;
}

function requiredField(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (typeof v !== 'string' || v === '') throw bad(`${name} is required and must be a string`);
  return v;
}

function optionalField(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(`${name} must be a string`);
  return v;
}

function stringParam(query: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const v = query[name];
  return typeof v === 'string' ? v : undefined;
}

function requiredParam(query: Readonly<Record<string, unknown>>, name: string): string {
  const v = query[name];
  if (Array.isArray(v)) throw bad(`${name} is given more than once`);
  if (typeof v !== 'string' || v === '') throw bad(`${name} is required`);
  return v;
}

function dateParam(query: Readonly<Record<string, unknown>>, name: string): IsoDate {
  const v = requiredParam(query, name);
  if (!isIsoDate(v)) throw bad(`${name} must be a date YYYY-MM-DD`);
  return v;
}

function pageParam(query: Readonly<Record<string, unknown>>): number {
  const v = query['page'];
  if (v === undefined) return 1;
  if (typeof v !== 'string' || !/^[1-9]\d{0,8}$/.test(v)) throw bad('page must be an integer ≥ 1');
  return Number(v);
}

function windowParams(query: Readonly<Record<string, unknown>>) {
  const accountId = requiredParam(query, 'account_id');
  const start = dateParam(query, 'start_date');
  const end = dateParam(query, 'end_date');
  if (start > end) throw bad('start_date is after end_date');
  return { accountId, start, end, page: pageParam(query) };
}

/** The token of an Authorization header: `Bearer <token>`, or the bare token (the spec declares an apiKey-type header). */
function bearer(authorization: string | undefined): string {
  const value = authorization?.trim() ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(value);
  const token = m ? (m[1] as string) : value;
  if (token === '' || /\s/.test(token)) throw unauthorized('missing access token');
  return token;
}

/** Positions of page `page` in a list of `total` items, and the next page number (0 on the last page). */
function paging(total: number, page: number, size: number, order: 'oldest-first' | 'newest-first'): { lo: number; hi: number; next: number } {
  const next = page * size < total ? page + 1 : 0;
  if (order === 'oldest-first') return { lo: (page - 1) * size, hi: Math.min(total, page * size), next };
  return { lo: Math.max(0, total - page * size), hi: Math.max(0, total - (page - 1) * size), next };
}

/** Adds one query parameter to a URI, leaving its existing query exactly as it was. */
export function appendQuery(uri: string, name: string, value: string): string {
  const sep = !uri.includes('?') ? '?' : uri.endsWith('?') || uri.endsWith('&') ? '' : '&';
  return `${uri}${sep}${name}=${encodeURIComponent(value)}`;
}

function unix(ms: number): number {
  return Math.floor(ms / 1000);
}

function pairBody(pair: IssuedPair) {
  return { access_token: pair.accessToken, created_at: unix(pair.createdAt), expired_at: unix(pair.expiresAt), refresh_token: pair.refreshToken };
}

function ok(body: unknown): ApiResult {
  return { kind: 'json', status: 200, body };
}

function json(status: number, body: unknown): ApiResult {
  return { kind: 'json', status, body };
}

function html(status: number, page: string): ApiResult {
  return { kind: 'html', status, html: page };
}
