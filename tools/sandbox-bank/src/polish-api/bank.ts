/**
 * One bank speaking PolishAPI 2.1.2 (AS + AIS): each operation as a function from a request
 * (headers, exact body, parsed body) to a result, the PSU's HTML flow, and the bank's knobs,
 * test hooks and truth API. The HTTP layer (`http.ts`) only routes to these.
 *
 * Every spec operation goes through the same gate, in this order: Accept → X-REQUEST-ID →
 * X-JWS-SIGNATURE (verified with the client's registered key; the signer is the client) →
 * body and `requestHeader` → (AIS) the access token and its consent → the operation.
 */
import { randomBytes } from 'node:crypto';
import type { CryptoKey, JWK } from 'jose';
import { addDays, dateInZone, dayNumber, isIsoDate, secondsOfDayInZone, type IsoDate } from '../calendar';
import type { Clock, ManualClock } from '../clock';
import { FaultInjector } from '../faults';
import { hash32 } from '../generator/prng';
import type { ItemKind, ItemRecord, NewDoneItem } from './activity';
import { checkSettings, type PolishApiBankSettings, type PolishApiClientConfig, type PolishApiUserBehaviour } from './config';
import { AuthorizationServer, type AccessGrant, type AisPrivilege, type AuthorizationFlow, type Consent, type PolishApiConsentView, type PrivilegeGrant } from './consents';
import { PolishApiError } from './errors';
import { normalisePolishAccountNumber, type Iban } from './iban';
import { verifyDetachedJws } from './jws';
import type { BankSigningKey, PolishApiKnobs, PolishApiTestHooks, PolishApiTruth } from './knobs';
import { FIRST_CURSOR, listAll, listItems, type ItemQuery, type ListCursor } from './listing';
import type { PolishAccount, PolishBankModel } from './model';
import { PSU_PAGE_PATH, renderPsuError, renderPsuPage, type PsuPage } from './pages';
import type { PolishApiOperation } from './paths';
import { accountBaseInfo, accountInfo, formatMinor, instant, itemInfo, scopeDetailsOutput, transactionDetail, type Json, type RenderContext } from './render';
import {
  PARAM_NAMES,
  UUID,
  bearerToken,
  checkAccept,
  header,
  invalid,
  isRecord,
  ok,
  optionalAmount,
  optionalDate,
  optionalString,
  parsePrivilegeList,
  requestHeader,
  requiredString,
  type PolishApiRequest,
  type PolishApiResult,
} from './request';

interface PageState {
  readonly key: string;
  readonly cursor: ListCursor;
  readonly number: number;
  readonly previous: string | null;
  readonly perPage: number;
}

const PAGE_LIMIT = 100_000;
const LIST_OPS: Readonly<Partial<Record<PolishApiOperation, { readonly kind: ItemKind; readonly privilege: AisPrivilege; readonly field: 'transactions' | 'holds' }>>> = {
  getTransactionsDone: { kind: 'done', privilege: 'ais:getTransactionsDone', field: 'transactions' },
  getTransactionsPending: { kind: 'pending', privilege: 'ais:getTransactionsPending', field: 'transactions' },
  getTransactionsRejected: { kind: 'rejected', privilege: 'ais:getTransactionsRejected', field: 'transactions' },
  getTransactionsCancelled: { kind: 'cancelled', privilege: 'ais:getTransactionsCancelled', field: 'transactions' },
  getTransactionsScheduled: { kind: 'scheduled', privilege: 'ais:getTransactionsScheduled', field: 'transactions' },
  getHolds: { kind: 'hold', privilege: 'ais:getHolds', field: 'holds' },
};

/** One bank of the PolishAPI sandbox. */
export class PolishApiBank {
  /** Run-time knobs. */
  readonly knobs: PolishApiKnobs;
  /** Test shortcuts. */
  readonly testHooks: PolishApiTestHooks;
  /** Expected answers. */
  readonly truth: PolishApiTruth;
  /** Consents, flows and tokens. */
  readonly auth: AuthorizationServer;
  private current: PolishApiBankSettings;
  private removed = new Map<Iban, 400 | 403>();
  /** getAccounts listings (first pages) per PSU login: personas act from the second on. */
  private readonly listings = new Map<string, number>();
  private retryAfter = new Map<number, string>();
  /** Keys on file that replace a client's configured one (knob `replaceClientKey`). */
  private clientKeys = new Map<string, JWK>();
  private readonly pages = new Map<string, PageState>();
  private pendingInserts: Array<{ readonly iban: Iban; readonly page: number; readonly tx: NewDoneItem }> = [];
  private readonly accesses = new Map<string, number>();
  private readonly keyCache = new Map<string, CryptoKey | Uint8Array>();
  private baseUrl = '';

  /** Creates the bank over its model; `clock` gives "now", `signingKey` signs 200 answers. */
  constructor(
    readonly model: PolishBankModel,
    private readonly clock: Clock,
    readonly signingKey: BankSigningKey,
  ) {
    const config = model.config;
    this.current = config.settings;
    this.auth = new AuthorizationServer(model, clock, () => this.current);
    const faults = new FaultInjector(hash32(model.seed, config.bankCode, 'polish-api-faults'), config.faults);
    const account = (n: string): PolishAccount => {
      const a = this.accountByNumber(n);
      if (!a) throw new Error(`no account ${n} at bank ${config.bankCode}`);
      return a;
    };
    const withActivity = <T>(n: string, f: (a: PolishAccount, today: number, seconds: number) => T): T => {
      const a = account(n);
      this.catchUp();
      return f(a, this.todayDay(), this.nowSeconds());
    };
    this.knobs = {
      faults,
      settings: () => this.current,
      set: (patch) => {
        this.current = checkSettings({ ...this.current, ...patch, tokenLifetimes: { ...this.current.tokenLifetimes, ...patch.tokenLifetimes } });
      },
      removeAccount: (n, options = {}) => {
        this.removed.set(account(n).iban, options.status ?? 403);
      },
      restoreAccount: (n) => {
        this.removed.delete(account(n).iban);
      },
      insertTransaction: (n, tx) => withActivity(n, (a, today, s) => itemInfo(this.ctx(), a, a.activity.addDone(tx, today, s))),
      insertTransactionAfterPage: (n, page, tx) => {
        if (!Number.isInteger(page) || page < 1) throw new Error('page must be a positive integer');
        this.pendingInserts.push({ iban: account(n).iban, page, tx });
      },
      addPending: (n, item) => withActivity(n, (a, today, s) => itemInfo(this.ctx(), a, a.activity.addPending(item, today, s))),
      bookPending: (n) => withActivity(n, (a, today, s) => a.activity.bookAllPending(today, s)),
      addHold: (n, item) => withActivity(n, (a, today, s) => itemInfo(this.ctx(), a, a.activity.addHold(item, today, s))),
      addScheduled: (n, item) => withActivity(n, (a, today, s) => itemInfo(this.ctx(), a, a.activity.addScheduled(item, today, s))),
      addRejected: (n, item) => withActivity(n, (a, today, s) => itemInfo(this.ctx(), a, a.activity.addRejected(item, today, s))),
      addCancelled: (n, item) => withActivity(n, (a, today, s) => itemInfo(this.ctx(), a, a.activity.addCancelled(item, today, s))),
      setRetryAfter: (status, value) => {
        if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`invalid status ${status}`);
        if (value === undefined) this.retryAfter.delete(status);
        // A header value must be one visible line.
        else if (!/^[\x20-\x7e]+$/.test(value)) throw new Error('Retry-After must be printable ASCII');
        else this.retryAfter.set(status, value);
      },
      removeItem: (n, itemId) => {
        if (!account(n).activity.removeItem(itemId)) throw new Error(`no pending, hold or scheduled item ${itemId} on ${n}`);
      },
      revokeAllTokens: () => this.auth.revokeAllTokens(),
      replaceClientKey: (clientId, publicJwk) => {
        if (!config.clients.some((c) => c.clientId === clientId)) throw new Error(`no client ${clientId}`);
        this.clientKeys.set(clientId, publicJwk);
        this.keyCache.clear();
      },
      reset: () => {
        this.clientKeys = new Map();
        this.keyCache.clear();
        faults.reset();
        faults.set(config.faults);
        this.current = config.settings;
        this.removed = new Map();
        this.retryAfter = new Map();
        this.pendingInserts = [];
      },
    };
    this.testHooks = {
      approveConsent: (uri, options) => {
        const flow = this.flowFromUri(uri);
        const user = this.model.users.get(options.user);
        if (!user) throw new Error(`no user ${options.user} at bank ${config.bankCode}`);
        return this.auth.approve(flow, user.login, options.accounts);
      },
      rejectConsent: (uri) => this.auth.reject(this.flowFromUri(uri)),
      consent: (consentId, clientId) => this.findConsent(consentId, clientId),
      consents: () => this.auth.views(),
      expireConsent: (consentId, clientId) => {
        const view = this.findConsent(consentId, clientId);
        if (!view) throw new Error(`no consent ${consentId}`);
        this.auth.expireConsent(view.clientId, consentId);
      },
      deleteConsent: (consentId, clientId) => {
        const view = this.findConsent(consentId, clientId);
        if (!view) throw new Error(`no consent ${consentId}`);
        this.auth.deleteConsent(view.clientId, consentId);
      },
      advance: (days) => {
        const manual = this.clock as Partial<ManualClock>;
        if (typeof manual.advance !== 'function') throw new Error('advance needs a manualClock()');
        if (!Number.isFinite(days)) throw new Error('days must be a number');
        manual.advance(days * 86_400_000);
      },
      today: () => this.today(),
    };
    this.truth = {
      today: () => this.today(),
      accounts: (login) => {
        this.catchUp();
        return [...this.model.accounts.values()]
          .filter((a) => login === undefined || a.login === login)
          .map((a) => {
            const { booking, available } = this.balances(a);
            return {
              accountNumber: a.iban,
              login: a.login,
              kind: a.kind,
              currency: a.currency,
              bookingBalance: formatMinor(booking),
              availableBalance: formatMinor(Math.max(0, available)),
              removed: this.removed.has(a.iban),
            };
          });
      },
      items: (n, kind, filter = {}) => {
        const a = account(n);
        this.catchUp();
        const query: ItemQuery = {
          kind,
          ...(filter.transactionDateFrom !== undefined ? { tradeFrom: filter.transactionDateFrom } : {}),
          ...(filter.transactionDateTo !== undefined ? { tradeTo: filter.transactionDateTo } : {}),
          ...(filter.bookingDateFrom !== undefined && kind !== 'hold' ? { bookingFrom: filter.bookingDateFrom } : {}),
          ...(filter.bookingDateTo !== undefined && kind !== 'hold' ? { bookingTo: filter.bookingDateTo } : {}),
        };
        return listAll(a, query, this.current.order, this.todayDay()).map((r) => itemInfo(this.ctx(), a, r));
      },
    };
  }

  /** Bank code (3 digits). */
  get bankCode(): string {
    return this.model.config.bankCode;
  }

  /** Sets the base URL the PSU pages are served from (known once the server listens). */
  setBaseUrl(url: string): void {
    this.baseUrl = url;
  }

  /** Today in the bank's zone. */
  today(): IsoDate {
    return dateInZone(this.clock(), this.model.config.timeZone);
  }

  /** The Retry-After value injected `status` faults of this status carry ({@link PolishApiKnobs.setRetryAfter}). */
  retryAfterFor(status: number): string | undefined {
    return this.retryAfter.get(status);
  }

  /** Whether an account is currently removed by a knob. */
  isRemoved(iban: Iban): boolean {
    return this.removed.has(iban);
  }

  // --- the spec's operations ------------------------------------------------------------

  /** Handles one spec operation end to end; refusals become the spec's Error body. */
  async handle(op: PolishApiOperation, req: PolishApiRequest): Promise<PolishApiResult> {
    const requestId = header(req, 'x-request-id');
    try {
      checkAccept(req);
      if (requestId === undefined || !UUID.test(requestId)) throw new PolishApiError('INVALID_REQUEST_ID', 'X-REQUEST-ID must be a UUID');
      const client = await this.verifySignature(req);
      const body = req.body;
      if (!isRecord(body)) throw invalid('the body must be a JSON object');
      this.catchUp();
      switch (op) {
        case 'authorize':
          return this.authorize(client, body, requestId);
        case 'token':
          return this.token(client, body, requestId);
        case 'deleteConsent': {
          requestHeader(body, requestId, { required: true, token: false });
          this.auth.deleteConsent(client.clientId, requiredString(body, 'consentId'));
          return { kind: 'empty', status: 204 };
        }
        default:
          return this.ais(op, client, req, body, requestId);
      }
    } catch (e) {
      if (e instanceof PolishApiError) return this.errorResult(e, requestId);
      throw e;
    }
  }

  /** The spec's Error body for a refusal. */
  errorResult(e: { readonly status: number; readonly code: string; readonly message: string; readonly headers?: Readonly<Record<string, string>> }, requestId: string | undefined): PolishApiResult {
    return { kind: 'json', status: e.status, body: { responseHeader: this.responseHeader(requestId), code: e.code, message: e.message }, headers: e.headers ?? {} };
  }

  /** The spec's responseHeader. */
  responseHeader(requestId: string | undefined): Json {
    return { ...(requestId !== undefined && UUID.test(requestId) ? { requestId } : {}), sendDate: instant(this.ctx(), this.clock()), isCallback: false };
  }

  private async verifySignature(req: PolishApiRequest): Promise<PolishApiClientConfig> {
    const value = header(req, 'x-jws-signature');
    if (value === undefined) throw new PolishApiError('MISSING_SIGNATURE', 'X-JWS-SIGNATURE is required');
    const clients = this.model.config.clients;
    const result = await verifyDetachedJws(
      value,
      req.rawBody,
      (kid) => {
        const client = clients.find((c) => (c.publicJwk.kid ?? c.clientId) === kid);
        return client ? { jwk: this.clientKeys.get(client.clientId) ?? client.publicJwk, owner: client } : undefined;
      },
      this.keyCache,
    );
    if (result.ok) return result.keyOwner;
    throw new PolishApiError(result.reason === 'format' ? 'MISSING_SIGNATURE' : 'INVALID_SIGNATURE', result.message);
  }

  private authorize(client: PolishApiClientConfig, body: Record<string, unknown>, requestId: string): PolishApiResult {
    requestHeader(body, requestId, { required: true, token: false });
    if (body['response_type'] !== 'code') throw invalid('response_type must be "code"');
    if (requiredString(body, 'client_id') !== client.clientId) throw invalid("client_id is not the client whose key signed the request");
    const redirectUri = requiredString(body, 'redirect_uri');
    if (!redirectUriRegistered(client, redirectUri)) throw new PolishApiError('INVALID_REDIRECT_URI', 'redirect_uri is not one of the URIs the client registered');
    const state = requiredString(body, 'state');
    const scope = requiredString(body, 'scope');
    const details = body['scope_details'];
    if (!isRecord(details)) throw invalid('scope_details is required');
    const group = details['scopeGroupType'];
    if (scope === 'pis' || group === 'pis') throw new PolishApiError('NOT_IMPLEMENTED', 'this sandbox offers AIS only');
    if (scope !== 'ais' && scope !== 'ais-accounts') throw invalid('scope must be ais or ais-accounts');
    if (group !== scope) throw invalid('scope_details.scopeGroupType must equal scope');
    const consentId = requiredString(details, 'consentId', 'scope_details.consentId');
    const limit = requiredString(details, 'scopeTimeLimit', 'scope_details.scopeTimeLimit');
    const scopeTimeLimit = Date.parse(limit);
    if (Number.isNaN(scopeTimeLimit) || !/^\d{4}-\d{2}-\d{2}T/.test(limit)) throw invalid('scope_details.scopeTimeLimit must be a date-time');
    if (details['throttlingPolicy'] !== 'psd2Regulatory') throw invalid('scope_details.throttlingPolicy must be psd2Regulatory');
    const requested = parsePrivilegeList(details['privilegeList'], scope);
    const flow = this.auth.startAuthorization({ client, redirectUri, state, scope, consentId, scopeTimeLimit, requested });
    return ok({ responseHeader: this.responseHeader(requestId), aspspRedirectUri: `${this.baseUrl}${PSU_PAGE_PATH}?flow=${encodeURIComponent(flow.flowId)}` });
  }

  private token(client: PolishApiClientConfig, body: Record<string, unknown>, requestId: string): PolishApiResult {
    requestHeader(body, requestId, { required: false, token: false });
    const grantType = requiredString(body, 'grant_type');
    if (body['is_user_session'] !== undefined && typeof body['is_user_session'] !== 'boolean') throw invalid('is_user_session must be a boolean');
    if (body['is_user_session'] === true) {
      requiredString(body, 'user_ip');
      requiredString(body, 'user_agent');
    }
    let issued;
    switch (grantType) {
      case 'authorization_code': {
        const code = typeof body['Code'] === 'string' ? body['Code'] : typeof body['code'] === 'string' ? body['code'] : undefined;
        if (!code) throw invalid('Code is required for grant_type=authorization_code');
        if (requiredString(body, 'client_id') !== client.clientId) throw invalid('client_id is not the client whose key signed the request');
        issued = this.auth.exchangeCode(client, code, requiredString(body, 'redirect_uri'));
        break;
      }
      case 'refresh_token':
        issued = this.auth.refreshTokens(client, requiredString(body, 'refresh_token'));
        break;
      case 'exchange_token':
        throw new PolishApiError('NOT_IMPLEMENTED', 'grant_type=exchange_token is not offered by this sandbox');
      default:
        throw invalid('grant_type must be authorization_code, refresh_token or exchange_token');
    }
    return ok({
      responseHeader: this.responseHeader(requestId),
      access_token: issued.accessToken,
      token_type: 'Bearer',
      expires_in: String(issued.expiresIn),
      refresh_token: issued.refreshToken,
      scope: issued.consent.scope,
      scope_details: scopeDetailsOutput(this.ctx(), issued.consent),
    });
  }

  private ais(op: PolishApiOperation, client: PolishApiClientConfig, req: PolishApiRequest, body: Record<string, unknown>, requestId: string): PolishApiResult {
    const h = requestHeader(body, requestId, { required: true, token: true });
    const bearer = bearerToken(header(req, 'authorization'));
    if (bearer === undefined) throw new PolishApiError('TOKEN_INVALID', 'the Authorization header must carry "Bearer <access token>"');
    if (h.token !== bearer) throw new PolishApiError('TOKEN_INVALID', 'requestHeader.token differs from the Authorization header');
    const { grant, consent } = this.auth.checkAccess(bearer, client.clientId);
    const login = consent.login as string;
    if (op === 'getAccounts' && body['pageId'] === undefined) this.listings.set(login, (this.listings.get(login) ?? 0) + 1);
    if (this.behaviourOf(consent).refuseSignaturesAfterFirstListing === true && (this.listings.get(login) ?? 0) > 1) {
      throw new PolishApiError('INVALID_SIGNATURE', 'the signature does not verify with the key on file for this client');
    }
    const ctx = { consent, grant, body, requestId, isDirectPsu: h.isDirectPsu, clientId: client.clientId };
    if (op === 'getAccounts') return this.getAccounts(ctx);
    if (op === 'getAccount') {
      const account = this.consentedAccount(ctx, 'ais:getAccount');
      this.countAccess(ctx, account);
      const { booking, available } = this.balances(account);
      return ok({ responseHeader: this.responseHeader(requestId), account: accountInfo(this.ctx(), account, booking, available) });
    }
    if (op === 'getTransactionDetail') return this.getTransactionDetail(ctx);
    const list = LIST_OPS[op];
    if (!list) throw new PolishApiError('NOT_IMPLEMENTED', `${op} is not implemented`);
    return this.listOperation(ctx, list);
  }

  private getAccounts(ctx: AisContext): PolishApiResult {
    const grant = ctx.consent.listAccounts;
    if (!grant) throw new PolishApiError('PRIVILEGE_NOT_GRANTED', 'the consent does not grant ais-accounts:getAccounts');
    const relation = optionalString(ctx.body, 'typeOfPsuRelation');
    const relations = ['Owner', 'Borrower', 'Guarantor', 'ProxyOwner', 'Beneficiary', 'Trustee'];
    if (relation !== undefined && !relations.includes(relation)) throw invalid(`typeOfPsuRelation must be one of ${relations.join(', ')}`);
    const login = ctx.consent.login as string;
    if (optionalString(ctx.body, 'pageId') === undefined) this.dropAccountsListedOnce(login);
    this.changeItemsBetweenSyncs(login);
    const accounts = (ctx.consent.scope === 'ais-accounts' ? this.model.accountsOf(login) : this.model.accountsOf(login).filter((a) => ctx.consent.accounts.has(a.iban))).filter(
      (a) => !this.removed.has(a.iban) && (relation === undefined || relation === 'Owner'),
    );
    const key = JSON.stringify(['getAccounts', ctx.consent.clientId, ctx.consent.consentId, relation ?? null]);
    const { state, pageId, perPage } = this.pageState(ctx.body, key);
    if (pageId === undefined) this.auth.use(ctx.consent, '*', 'ais-accounts:getAccounts', grant);
    const slice = accounts.slice(state.cursor.offset, state.cursor.offset + perPage);
    const nextOffset = state.cursor.offset + slice.length;
    const pageInfo = this.pageInfo(state, pageId, nextOffset < accounts.length ? { offset: nextOffset, itemIdFromSeen: true } : null, perPage);
    return ok({ responseHeader: this.responseHeader(ctx.requestId), accounts: slice.map((a) => accountBaseInfo(a, this.current.maskAccountNumbers)), pageInfo });
  }

  private listOperation(ctx: AisContext, list: { readonly kind: ItemKind; readonly privilege: AisPrivilege; readonly field: 'transactions' | 'holds' }): PolishApiResult {
    const account = this.consentedAccount(ctx, list.privilege);
    this.refuseFailingList(ctx.consent, account, list.kind);
    const grant = ctx.consent.accounts.get(account.iban)?.[list.privilege] as PrivilegeGrant;
    const body = ctx.body;
    const raw = {
      tradeFrom: optionalDate(body, 'transactionDateFrom'),
      tradeTo: optionalDate(body, 'transactionDateTo'),
      bookingFrom: optionalDate(body, 'bookingDateFrom'),
      bookingTo: optionalDate(body, 'bookingDateTo'),
    };
    if (raw.tradeFrom !== undefined && raw.tradeTo !== undefined && raw.tradeFrom > raw.tradeTo) throw invalid('transactionDateFrom is after transactionDateTo');
    if (raw.bookingFrom !== undefined && raw.bookingTo !== undefined && raw.bookingFrom > raw.bookingTo) throw invalid('bookingDateFrom is after bookingDateTo');
    const minAmount = optionalAmount(body, 'minAmount');
    const maxAmount = optionalAmount(body, 'maxAmount');
    if (minAmount !== undefined && maxAmount !== undefined && minAmount > maxAmount) throw invalid('minAmount is above maxAmount');
    const type = optionalString(body, 'type');
    const types = list.kind === 'hold' ? ['DEBIT'] : ['CREDIT', 'DEBIT'];
    if (type !== undefined && !types.includes(type)) throw invalid(`type must be ${types.join(' or ')}`);
    const itemIdFrom = optionalString(body, 'itemIdFrom');
    if (itemIdFrom !== undefined && itemIdFrom.length > 64) throw invalid('itemIdFrom is longer than 64 characters');
    // Holds ignore booking dates (the spec says so): they neither filter nor count against the history limit.
    const bookingFrom = list.kind === 'hold' ? undefined : raw.bookingFrom;
    const bookingTo = list.kind === 'hold' ? undefined : raw.bookingTo;
    const window = this.historyWindow(ctx.grant, grant, raw.tradeFrom, bookingFrom);
    const query: ItemQuery = {
      kind: list.kind,
      ...(window.tradeFrom !== undefined ? { tradeFrom: window.tradeFrom } : {}),
      ...(raw.tradeTo !== undefined ? { tradeTo: raw.tradeTo } : {}),
      ...(window.bookingFrom !== undefined ? { bookingFrom: window.bookingFrom } : {}),
      ...(bookingTo !== undefined ? { bookingTo } : {}),
      ...(minAmount !== undefined ? { minAmount } : {}),
      ...(maxAmount !== undefined ? { maxAmount } : {}),
      ...(type === 'CREDIT' || type === 'DEBIT' ? { type } : {}),
      ...(itemIdFrom !== undefined ? { itemIdFrom } : {}),
    };
    const key = JSON.stringify([list.kind, ctx.consent.clientId, ctx.consent.consentId, account.iban, ...PARAM_NAMES.filter((n) => n !== 'pageId').map((n) => body[n] ?? null)]);
    const { state, pageId, perPage } = this.pageState(body, key);
    if (pageId === undefined) {
      this.auth.use(ctx.consent, account.iban, list.privilege, grant);
      this.countAccess(ctx, account);
    }
    const page = listItems(account, query, state.cursor, perPage, this.current.order, this.todayDay());
    const pageInfo = this.pageInfo(state, pageId, page.next, perPage);
    const result: PolishApiResult = {
      kind: 'json',
      status: 200,
      body: { responseHeader: this.responseHeader(ctx.requestId), [list.field]: page.items.map((r) => itemInfo(this.ctx(), account, r)), pageInfo },
      generated: page.generated,
    };
    if (list.kind === 'done') this.firePendingInserts(account, state.number);
    return result;
  }

  private getTransactionDetail(ctx: AisContext): PolishApiResult {
    const account = this.consentedAccount(ctx, 'ais:getTransactionDetail');
    const itemId = requiredString(ctx.body, 'itemId');
    if (itemId.length > 64) throw invalid('itemId is longer than 64 characters');
    const booking = ctx.body['bookingDate'];
    if (booking !== undefined && (typeof booking !== 'string' || Number.isNaN(Date.parse(booking)))) throw invalid('bookingDate must be a date-time');
    const record = this.findItem(account, itemId);
    if (!record) throw new PolishApiError('ITEM_NOT_FOUND', `no item ${itemId} on this account`);
    return ok({ responseHeader: this.responseHeader(ctx.requestId), ...transactionDetail(this.ctx(), account, record) });
  }

  // --- PSU pages ------------------------------------------------------------------------

  /** GET of the page `aspspRedirectUri` points to. */
  psuPage(query: Readonly<Record<string, unknown>>): PolishApiResult {
    const flow = typeof query['flow'] === 'string' ? this.auth.flow(query['flow']) : undefined;
    if (!flow) return { kind: 'html', status: 400, html: renderPsuError(this.model.config.bankName, 'Nieznana lub wygasła autoryzacja. / Unknown or expired authorization.') };
    return this.psuView(flow.flowId, flow.stage === 'consent' && flow.login !== undefined ? this.consentPage(flow) : { stage: flow.stage === 'sca' ? 'sca' : 'login' });
  }

  /** POST of the flow's forms (urlencoded). */
  psuForm(form: unknown): PolishApiResult {
    const f = isRecord(form) ? form : {};
    const field = (k: string): string => (typeof f[k] === 'string' ? (f[k] as string) : '');
    const flow = this.auth.flow(field('flow'));
    if (!flow) return { kind: 'html', status: 400, html: renderPsuError(this.model.config.bankName, 'Nieznana lub wygasła autoryzacja. / Unknown or expired authorization.') };
    const action = field('action');
    if (action === 'cancel' || action === 'reject') return { kind: 'redirect', location: this.auth.reject(flow).location };
    if (field('stage') !== flow.stage) return this.psuView(flow.flowId, flow.stage === 'consent' ? this.consentPage(flow) : { stage: flow.stage });
    switch (flow.stage) {
      case 'login': {
        const user = this.model.users.get(field('login'));
        if (!user || user.password !== field('password')) return this.psuView(flow.flowId, { stage: 'login', error: 'Nieprawidłowy login lub hasło. / Wrong login or password.' }, 401);
        flow.login = user.login;
        flow.stage = 'sca';
        return this.psuView(flow.flowId, { stage: 'sca' });
      }
      case 'sca': {
        const user = this.model.users.get(flow.login ?? '');
        if (!user || user.scaCode !== field('code')) return this.psuView(flow.flowId, { stage: 'sca', error: 'Nieprawidłowy kod. / Wrong code.' }, 401);
        flow.stage = 'consent';
        return this.psuView(flow.flowId, this.consentPage(flow));
      }
      case 'consent': {
        const raw = f['account'];
        const ticked = Array.isArray(raw) ? raw.filter((a): a is string => typeof a === 'string') : typeof raw === 'string' ? [raw] : [];
        // A tampered form cannot grant someone else's account: only the PSU's own count.
        const own = new Set(this.model.accountsOf(flow.login as string).map((a) => a.iban));
        const accounts = ticked.filter((a) => own.has(normalisePolishAccountNumber(a) ?? ''));
        return { kind: 'redirect', location: this.auth.approve(flow, flow.login as string, accounts).location };
      }
    }
  }

  private psuView(flowId: string, page: PsuPage, status = 200): PolishApiResult {
    return { kind: 'html', status, html: renderPsuPage(this.model.config.bankName, flowId, page) };
  }

  private consentPage(flow: AuthorizationFlow): PsuPage {
    const consent = this.auth.consentOfFlow(flow);
    const client = this.model.config.clients.find((c) => c.clientId === flow.clientId);
    const requestedAccounts = new Set(consent.requested.map((r) => r.accountNumber));
    const privileges = consent.requested.flatMap((r) =>
      Object.entries(r.privileges).map(([name, g]) => `${name}${g?.maxAllowedHistoryLong !== undefined ? ` (${g.maxAllowedHistoryLong} dni / days)` : ''}${r.accountNumber ? ` — ${r.accountNumber}` : ''}`),
    );
    return {
      stage: 'consent',
      screen: {
        clientName: client?.name ?? flow.clientId,
        scope: consent.scope,
        privileges,
        validUntil: new Date(consent.scopeTimeLimit).toISOString().slice(0, 10),
        accounts: this.model.accountsOf(flow.login as string).map((a) => ({
          iban: a.iban,
          label: a.type.name,
          checked: requestedAccounts.has(null) || requestedAccounts.has(a.iban),
        })),
      },
    };
  }

  // --- personas (PolishApiUserBehaviour) ------------------------------------------------

  private behaviourOf(consent: Consent): PolishApiUserBehaviour {
    return (consent.login === undefined ? undefined : this.model.users.get(consent.login)?.behaviour) ?? {};
  }

  /** `accountsGoneAfterFirstListing`: listed by the PSU's first getAccounts, removed (403) from the next one on. */
  private dropAccountsListedOnce(login: string): void {
    if ((this.listings.get(login) ?? 0) <= 1) return;
    const own = this.model.accountsOf(login);
    for (const position of this.model.users.get(login)?.behaviour.accountsGoneAfterFirstListing ?? []) {
      const account = own[position];
      if (account !== undefined) this.removed.set(account.iban, 403);
    }
  }

  /** `changingItemsOnAccount`: each account listing (one per sync) moves that account's changing items one step. */
  private changeItemsBetweenSyncs(login: string): void {
    const position = this.model.users.get(login)?.behaviour.changingItemsOnAccount;
    const account = position === undefined ? undefined : this.model.accountsOf(login)[position];
    account?.activity.changeBetweenSyncs(this.todayDay(), this.nowSeconds());
  }

  /** `failingLists`: the PSU's refused lists answer their status (the spec's Error body). */
  private refuseFailingList(consent: Consent, account: PolishAccount, kind: ItemKind): void {
    const failing = this.behaviourOf(consent).failingLists;
    if (failing === undefined || !failing.kinds.includes(kind)) return;
    const position = this.model.accountsOf(account.login).findIndex((a) => a.iban === account.iban);
    if (failing.accounts !== undefined && !failing.accounts.includes(position)) return;
    const code = failing.status === 400 ? 'VALIDATION_ERROR' : failing.status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR';
    throw new PolishApiError(code, `the bank could not list the ${kind} items of this account`);
  }

  // --- helpers --------------------------------------------------------------------------

  /** Applies the clock to every account's pending, hold and scheduled items. */
  catchUp(): void {
    const today = this.todayDay();
    const seconds = this.nowSeconds();
    for (const a of this.model.accounts.values()) a.activity.catchUp(today, seconds);
  }

  private ctx(): RenderContext {
    return { bank: this.model.config, dateTimeFormat: this.current.dateTimeFormat };
  }

  private todayDay(): number {
    return dayNumber(this.today());
  }

  private nowSeconds(): number {
    return secondsOfDayInZone(this.clock(), this.model.config.timeZone);
  }

  private accountByNumber(text: string): PolishAccount | undefined {
    const iban = normalisePolishAccountNumber(text);
    return iban === null ? undefined : this.model.accounts.get(iban);
  }

  /** The account named by `accountNumber`, if the consent grants `privilege` on it. */
  private consentedAccount(ctx: AisContext, privilege: AisPrivilege): PolishAccount {
    const text = requiredString(ctx.body, 'accountNumber');
    if (text.length > 34) throw invalid('accountNumber is longer than 34 characters');
    const account = this.accountByNumber(text);
    if (!account || account.login !== ctx.consent.login || !ctx.consent.accounts.get(account.iban)?.[privilege]) {
      throw new PolishApiError('PRIVILEGE_NOT_GRANTED', `the consent does not grant ${privilege} on this account`);
    }
    const removed = this.removed.get(account.iban);
    if (removed !== undefined) throw new PolishApiError(removed === 400 ? 'VALIDATION_ERROR' : 'ACCOUNT_UNAVAILABLE', 'the account is not available');
    return account;
  }

  /**
   * The history rule: without fresh SCA a request may reach back `unattendedHistoryDays`
   * (never more than the consent's `maxAllowedHistoryLong`); with it, `maxAllowedHistoryLong`.
   * Refused (403) or clamped per the bank's `historyLimitMode`; with no from-date the floor applies.
   */
  private historyWindow(access: AccessGrant, grant: PrivilegeGrant, tradeFrom: IsoDate | undefined, bookingFrom: IsoDate | undefined): { tradeFrom?: IsoDate; bookingFrom?: IsoDate } {
    const today = this.today();
    const maxDays = grant.maxAllowedHistoryLong ?? this.current.unattendedHistoryDays;
    const fresh = this.auth.scaFresh(access);
    const allowed = fresh ? maxDays : Math.min(maxDays, this.current.unattendedHistoryDays);
    const floor = addDays(today, -allowed);
    const explicit = [tradeFrom, bookingFrom].filter((d): d is IsoDate => d !== undefined);
    if (explicit.length === 0) return { tradeFrom: floor };
    const lowest = explicit.reduce((a, b) => (a < b ? a : b));
    if (lowest < floor) {
      if (this.current.historyLimitMode === 'refuse') {
        const consentFloor = addDays(today, -maxDays);
        if (lowest < consentFloor) throw new PolishApiError('HISTORY_LIMIT_EXCEEDED', `the consent allows history back to ${consentFloor} (maxAllowedHistoryLong ${maxDays})`);
        throw new PolishApiError('SCA_REQUIRED', `without fresh strong customer authentication history is available back to ${floor} (${allowed} days)`);
      }
      const clamp = (d: IsoDate | undefined): IsoDate | undefined => (d === undefined ? undefined : d < floor ? floor : d);
      return { ...(tradeFrom !== undefined ? { tradeFrom: clamp(tradeFrom) } : {}), ...(bookingFrom !== undefined ? { bookingFrom: clamp(bookingFrom) } : {}) };
    }
    return { ...(tradeFrom !== undefined ? { tradeFrom } : {}), ...(bookingFrom !== undefined ? { bookingFrom } : {}) };
  }

  /** PSD2's unattended-access budget: first pages without the PSU present count per account and day. */
  private countAccess(ctx: AisContext, account: PolishAccount): void {
    const limit = this.current.unattendedAccessesPerDay;
    if (limit === null || ctx.isDirectPsu) return;
    const key = `${this.today()}|${ctx.clientId}|${account.iban}`;
    const used = this.accesses.get(key) ?? 0;
    if (used >= limit) {
      const retry = Math.max(1, 86_400 - this.nowSeconds());
      throw new PolishApiError('TOO_MANY_REQUESTS', `at most ${limit} accesses per account per day without the PSU (psd2Regulatory)`, { 'retry-after': String(retry) });
    }
    this.accesses.set(key, used + 1);
  }

  private pageState(body: Record<string, unknown>, key: string): { state: PageState; pageId: string | undefined; perPage: number } {
    const perPageRaw = body['perPage'];
    if (perPageRaw !== undefined && (typeof perPageRaw !== 'number' || !Number.isInteger(perPageRaw) || perPageRaw < 1 || perPageRaw > 2_147_483_647)) throw invalid('perPage must be an integer ≥ 1');
    const pageId = optionalString(body, 'pageId');
    if (pageId === undefined) {
      const perPage = Math.min(perPageRaw ?? this.current.defaultPerPage, this.current.maxPerPage);
      return { state: { key, cursor: FIRST_CURSOR, number: 1, previous: null, perPage }, pageId: undefined, perPage };
    }
    const state = this.pages.get(pageId);
    if (!state) throw new PolishApiError('INVALID_PAGE_ID', 'pageId is unknown or expired');
    if (state.key !== key) throw new PolishApiError('INVALID_PAGE_ID', 'pageId was issued for another account or other filters; keep every filter of the first page while paging');
    const perPage = perPageRaw === undefined ? state.perPage : Math.min(perPageRaw, this.current.maxPerPage);
    return { state, pageId, perPage };
  }

  private pageInfo(state: PageState, pageId: string | undefined, next: ListCursor | null, perPage: number): Json {
    // The first page gets an id too, so that page 2 can name it as previousPage.
    const current = pageId ?? this.registerPage(state);
    const nextId = next === null ? undefined : this.registerPage({ key: state.key, cursor: next, number: state.number + 1, previous: current, perPage });
    return { ...(state.previous !== null ? { previousPage: state.previous } : {}), ...(nextId !== undefined ? { nextPage: nextId } : {}) };
  }

  private registerPage(state: PageState): string {
    const id = `pg-${randomBytes(12).toString('base64url')}`;
    this.pages.set(id, state);
    if (this.pages.size > PAGE_LIMIT) {
      const oldest = this.pages.keys().next().value;
      if (oldest !== undefined) this.pages.delete(oldest);
    }
    return id;
  }

  private balances(account: PolishAccount): { booking: number; available: number } {
    const today = this.todayDay();
    const plan = account.ledger.plan(today, today, today);
    const booking = account.ledger.summary(plan).balanceAfter;
    let blocked = 0;
    for (const r of [...account.activity.pendingItems(), ...account.activity.holdItems()]) if (r.amount < 0) blocked += r.amount;
    return { booking, available: booking + blocked };
  }

  private findItem(account: PolishAccount, itemId: string): ItemRecord | undefined {
    const today = this.todayDay();
    const inLedger = (day: number, entryId: string): ItemRecord | undefined => {
      if (day > today) return undefined;
      const plan = account.ledger.plan(day, day, today);
      const entry = account.ledger.slice(plan, 0, plan.total).find((e) => e.id === entryId);
      return entry ? account.activity.doneRecord(entry) : undefined;
    };
    const booking = account.activity.bookingOf(itemId);
    if (booking) return inLedger(booking.day, booking.extraId);
    const generated = new RegExp(`^${account.key}-(\\d{4})(\\d{2})(\\d{2})\\d{4,}$`).exec(itemId);
    if (generated) {
      const date = `${generated[1]}-${generated[2]}-${generated[3]}`;
      if (isIsoDate(date)) return inLedger(dayNumber(date), itemId);
    }
    const lists = [account.activity.pendingItems(), account.activity.holdItems(), account.activity.scheduledItems(today), account.activity.rejectedList(), account.activity.cancelledList()];
    for (const list of lists) {
      const found = list.find((r) => r.itemId === itemId);
      if (found) return found;
    }
    return undefined;
  }

  private firePendingInserts(account: PolishAccount, page: number): void {
    const due = this.pendingInserts.filter((p) => p.iban === account.iban && p.page === page);
    if (due.length === 0) return;
    this.pendingInserts = this.pendingInserts.filter((p) => !due.includes(p));
    for (const p of due) account.activity.addDone(p.tx, this.todayDay(), this.nowSeconds());
  }

  private flowFromUri(uri: string): AuthorizationFlow {
    let flowId = uri;
    if (uri.includes('flow=')) flowId = new URL(uri, 'http://sandbox.invalid').searchParams.get('flow') ?? '';
    const flow = this.auth.flow(flowId);
    if (!flow) throw new Error('no live authorization flow for this aspspRedirectUri (unknown, finished or expired)');
    return flow;
  }

  private findConsent(consentId: string, clientId: string | undefined): PolishApiConsentView | undefined {
    const matches = this.auth.views().filter((c) => c.consentId === consentId && (clientId === undefined || c.clientId === clientId));
    if (matches.length > 1) throw new Error(`two clients used consentId ${consentId}: give the clientId`);
    return matches[0];
  }
}

/** Whether `uri` is one the client registered: exactly, or (`loopbackRedirectAnyPort`) a loopback URI on any port (RFC 8252 §7.3). */
export function redirectUriRegistered(client: PolishApiClientConfig, uri: string): boolean {
  if (client.redirectUris.includes(uri)) return true;
  if (client.loopbackRedirectAnyPort !== true) return false;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return false;
  url.port = '';
  return client.redirectUris.includes(url.toString());
}

interface AisContext {
  readonly consent: Consent;
  readonly grant: AccessGrant;
  readonly body: Record<string, unknown>;
  readonly requestId: string;
  readonly isDirectPsu: boolean;
  readonly clientId: string;
}
