/**
 * The 銀行共通API connector's implementation for one bank: redirect login with a state bound
 * to the PKCE verifier, token exchange/rotation/revocation with a cached system token, and
 * paged data streamed page by page with the bank's statuses mapped onto the SDK's errors.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Redacted } from 'effect';
import {
  ConnectorErrors,
  err,
  ok,
  okVoid,
  pkceChallenge,
  SdkErrorCode,
  type Account,
  type ConnectorContext,
  type ConnectorError,
  type ConnectorImplementation,
  type Granted,
  type HttpRequest,
  type HttpResponse,
  type Outcome,
  type PageStream,
} from '@kinko/connector-sdk';
import type { NormalisedBank } from './bank';
import { redactedAnswer } from './bank-answer';
import { bankDateReader } from './dates';
import { isObject, readAccounts, readBalances, readBranches, readNextPage, readSystemToken, readTokenPair, readTransactions, type Problem } from './payloads';
import type { BankCommonApiConfig, BankCommonApiGrant } from './schemas';
import { SingleFlight, SystemTokenCache } from './single-flight';

/**
 * The callback parameter binding `state` to the Link session: the bank echoes neither
 * `state` nor PKCE, so both ride in our own redirect URI, and completing requires the
 * verifier whose challenge the binding was made with.
 */
export const STATE_BINDING_PARAM = 'state_binding';

/** Bank error bodies have no defined format: this much of one is kept (the SDK clips at 2000). */
const CONTENT_LIMIT = 500;

type Json = Record<string, unknown>;
type Send = (page: number) => Promise<Outcome<HttpResponse>>;
type StatusHandler = (res: HttpResponse, label: string) => Promise<ConnectorError>;

const sha256url = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64url');

/** The binding of a state to a PKCE challenge (S256 of the verifier the app keeps in the Link session). */
export const stateBinding = (state: string, codeChallenge: string): string => sha256url(`${state}\n${codeChallenge}`);

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const clip = (s: string): string => (s.length > CONTENT_LIMIT ? `${s.slice(0, CONTENT_LIMIT - 1)}…` : s);

/** The RFC 6749 `error` of a callback as an SDK error (the value is the bank's text: only a safe token of it is quoted). */
function authorizationError(code: string): ConnectorError {
  const shown = /^[\w.-]{1,40}$/.test(code) ? code : 'unrecognised';
  const message = `the bank's login page answered error=${shown}`;
  switch (code) {
    case 'access_denied':
      return ConnectorErrors.credentialsInvalid({ message: `${message}: the user did not log in or declined` });
    case 'temporarily_unavailable':
      return ConnectorErrors.serviceUnavailable({ message });
    case 'server_error':
      return ConnectorErrors.temporary({ code: 'authorization_error', message });
    default:
      return ConnectorErrors.permanent({ code: 'authorization_error', message });
  }
}

/** Creates the implementation for one bank (called by the SDK once per client). */
export function bankCommonApiImplementation(ctx: ConnectorContext<BankCommonApiConfig>, bank: NormalisedBank): ConnectorImplementation<BankCommonApiGrant, never> {
  const { http, clock, manifest, config } = ctx;
  const base = (config.baseUrl ?? bank.baseUrl).replace(/\/+$/, '');
  const endpoint = (path: string): string => `${base}${path}`;
  const now = (): number => clock.now().getTime();
  const currency = manifest.currency;
  const readDate = bankDateReader(manifest.timeZone);
  const bearer = (token: Redacted.Redacted<string>): Redacted.Redacted<string> => Redacted.make(`Bearer ${Redacted.value(token)}`);

  const unexpectedBody = (label: string, problem: Problem): ConnectorError =>
    ConnectorErrors.permanent({ code: SdkErrorCode.unexpectedBody, httpStatus: 200, message: `unexpected body from ${label}: ${problem}` });
  const bankStatus = (label: string, res: HttpResponse): ConnectorError =>
    ConnectorErrors.permanent({ code: SdkErrorCode.bankStatus, httpStatus: res.status, message: `${label} answered ${res.status}` });
  const clientRejected = (label: string, status: number): ConnectorError =>
    ConnectorErrors.permanent({
      code: 'client_rejected',
      httpStatus: status,
      message: `${label} answered ${status}: the bank rejected the client credentials (api_key/password) configured for ${bank.id}`,
    });

  // ------------------------------------------------------------------ system token

  const systemTokens = new SystemTokenCache(async () => {
    const label = 'POST /auth/system_token';
    const started = now();
    const res = await http.send({
      method: 'POST',
      url: endpoint('/auth/system_token'),
      body: { json: { api_key: config.apiKey, password: config.password, grants: bank.grants } },
      // Issuing another system token leaves the others valid: repeating the request is safe.
      retry: { idempotent: true },
    });
    if (!res.ok) return res;
    const { status } = res.value;
    if (status === 400 || status === 401) return err(clientRejected(label, status));
    if (status !== 200) return err(bankStatus(label, res.value));
    const body = res.value.json();
    if (!body.ok) return body;
    const token = readSystemToken(body.value);
    if (typeof token === 'string') return err(unexpectedBody(label, token));
    // Renewed a little early, so no call carries a token that expires on the way.
    const margin = Math.min(60_000, token.lifetimeMs / 10);
    return ok({ token: Redacted.make(token.accessToken), renewAt: started + token.lifetimeMs - margin });
  }, now);

  /**
   * Sends a request carrying the system token. A 401 to a cached token is answered once
   * more with a new one (the bank may have dropped it early, e.g. on a restart), so a
   * dead system token is never mistaken for a dead user grant.
   */
  async function withSystemToken(send: (token: Redacted.Redacted<string>) => Promise<Outcome<HttpResponse>>): Promise<Outcome<HttpResponse>> {
    const first = await systemTokens.get();
    if (!first.ok) return first;
    const res = await send(first.value.token);
    if (!res.ok || res.value.status !== 401 || first.value.fresh) return res;
    systemTokens.invalidate(first.value.token);
    const second = await systemTokens.get();
    if (!second.ok) return second;
    return send(second.value.token);
  }

  // ------------------------------------------------------------------ user tokens

  /** POST or PUT /auth/token: a new pair as a grant; 400/401 mean the bank refused what we presented. */
  async function tokenCall(
    label: string,
    request: (system: Redacted.Redacted<string>) => HttpRequest,
    refused: (answer: HttpResponse) => ConnectorError,
  ): Promise<Outcome<Granted<BankCommonApiGrant>>> {
    const started = now();
    const res = await withSystemToken((system) => http.send(request(system)));
    if (!res.ok) return res;
    const { status } = res.value;
    if (status === 400 || status === 401) return err(refused(res.value));
    if (status !== 200) return err(bankStatus(label, res.value));
    const body = res.value.json();
    if (!body.ok) return body;
    const pair = readTokenPair(body.value);
    if (typeof pair === 'string') return err(unexpectedBody(label, pair));
    // Lifetimes are measured from when we asked, by our clock: skew between us and the bank cannot stretch them.
    const accessExpiresAt = new Date(started + pair.lifetimeMs);
    const refreshExpiresAt = new Date(started + bank.refreshTokenMs);
    const grant: BankCommonApiGrant = {
      accessToken: Redacted.make(pair.accessToken),
      refreshToken: Redacted.make(pair.refreshToken),
      accessExpiresAt,
      refreshExpiresAt,
    };
    return ok({ type: 'granted', grant, accessExpiresAt, refreshExpiresAt });
  }

  const refreshes = new SingleFlight<Outcome<Granted<BankCommonApiGrant>>>();

  // ------------------------------------------------------------------ paged data

  /** Streams a paged list: one element per bank page, ending after `next_page: 0` or at the first error. */
  async function* pages<T>(label: string, send: Send, onStatus: StatusHandler, read: (body: Json) => T[] | Problem): PageStream<T> {
    for (let page = 1; ; ) {
      const res = await send(page);
      if (!res.ok) {
        yield res;
        return;
      }
      if (res.value.status !== 200) {
        yield err(await onStatus(res.value, label));
        return;
      }
      const json = res.value.json();
      if (!json.ok) {
        yield json;
        return;
      }
      const body = json.value;
      if (!isObject(body)) {
        yield err(unexpectedBody(label, 'not a JSON object'));
        return;
      }
      const items = read(body);
      if (typeof items === 'string') {
        yield err(unexpectedBody(label, items));
        return;
      }
      const next = readNextPage(body, page);
      if (typeof next === 'string') {
        yield err(unexpectedBody(label, next));
        return;
      }
      yield ok(items);
      if (next === 0) return;
      page = next;
    }
  }

  /** GET with the user's access token; the query (the window included) is the same on every page. */
  const userGet =
    (grant: BankCommonApiGrant, path: string, query: Readonly<Record<string, string>>): Send =>
    (page) =>
      http.send({ method: 'GET', url: endpoint(path), query: { ...query, page }, headers: { authorization: bearer(grant.accessToken) } });

  const grantGone = (label: string): ConnectorError =>
    ConnectorErrors.credentialsInvalid({ message: `${label} answered 401: the access token is invalid, expired or revoked` });

  /** Connection-level lists (accounts, branches): 401 is a dead grant; any other status stops the sync. */
  const connectionStatus: StatusHandler = async (res, label) => (res.status === 401 ? grantGone(label) : bankStatus(label, res));

  const accountsOf = (grant: BankCommonApiGrant): PageStream<Account> =>
    pages('GET /accounts', userGet(grant, '/accounts', {}), connectionStatus, (body) => readAccounts(body, currency));

  /** Whether the bank still lists the account (to read a 400 whose body has no defined format). */
  async function isListed(grant: BankCommonApiGrant, accountId: string): Promise<Outcome<boolean>> {
    for await (const page of accountsOf(grant)) {
      if (!page.ok) return page;
      if (page.value.some((a) => a.bankAccountId === accountId)) return ok(true);
    }
    return ok(false);
  }

  /**
   * Account-level calls (transactions, balances): 401 is a dead grant; a 400/404 for an
   * account the bank no longer lists is MissingAccount; any other refusal is the bank's
   * response, kept with its status and (clipped) content for the account's syncError.
   */
  const accountStatus =
    (grant: BankCommonApiGrant, accountId: string): StatusHandler =>
    async (res, label) => {
      if (res.status === 401) return grantGone(label);
      const response = ConnectorErrors.bankResponse({ status: res.status, content: clip(res.text()), message: `${label} answered ${res.status} for account ${accountId}` });
      if (res.status !== 400 && res.status !== 404) return response;
      const listed = await isListed(grant, accountId);
      return listed.ok && !listed.value ? ConnectorErrors.missingAccount({ bankAccountId: accountId, message: `the bank no longer lists account ${accountId}` }) : response;
    };

  // ------------------------------------------------------------------ the implementation

  return {
    auth: {
      async begin({ redirectUri, state, codeChallenge }) {
        let callback: URL;
        try {
          callback = new URL(redirectUri);
        } catch {
          return err(ConnectorErrors.permanent({ code: SdkErrorCode.invalidRequest, message: 'the redirect URI is not an absolute URI' }));
        }
        callback.searchParams.set('state', state);
        callback.searchParams.set(STATE_BINDING_PARAM, stateBinding(state, codeChallenge));
        const login = new URL(endpoint('/auth/login'));
        login.searchParams.set('api_key', Redacted.value(config.apiKey));
        login.searchParams.set('redirect_uri', callback.href);
        login.searchParams.set('grants', bank.grants);
        return ok({ type: 'redirect', url: login.href });
      },

      async complete(input) {
        if (input.type !== 'redirect') return err(ConnectorErrors.unsupported({ message: `${bank.id} uses the redirect flow` }));
        const params = input.callbackParams;
        const state = params.state;
        const binding = params[STATE_BINDING_PARAM];
        if (state === undefined || state === '' || binding === undefined) {
          return err(ConnectorErrors.permanent({ code: 'state_missing', message: 'the callback carries no state: it does not come from a login this connector began' }));
        }
        if (!sameText(binding, stateBinding(state, pkceChallenge(Redacted.value(input.codeVerifier))))) {
          return err(ConnectorErrors.permanent({ code: 'state_mismatch', message: 'the callback belongs to another login than this Link session (state or binding differ)' }));
        }
        if (params.error !== undefined) return err(authorizationError(params.error));
        const authToken = params.auth_token;
        if (authToken === undefined || authToken === '') {
          return err(ConnectorErrors.permanent({ code: 'missing_auth_token', message: 'the callback carries neither auth_token nor error' }));
        }
        return tokenCall(
          'POST /auth/token',
          (system) => ({
            method: 'POST',
            url: endpoint('/auth/token'),
            headers: { authorization: bearer(system) },
            body: { json: { api_key: config.apiKey, password: config.password, auth_token: Redacted.make(authToken) } },
          }),
          () => ConnectorErrors.credentialsInvalid({ message: 'the bank did not accept the login (its auth token is invalid, expired or already used)' }),
        );
      },

      // One refresh per refresh token at a time: the bank rotates the pair, so a second
      // concurrent PUT would present a token the first one just killed.
      refresh: (grant) =>
        refreshes.run(Redacted.value(grant.refreshToken), () =>
          tokenCall(
            'PUT /auth/token',
            (system) => ({
              method: 'PUT',
              url: endpoint('/auth/token'),
              headers: { authorization: bearer(system) },
              body: { json: { api_key: config.apiKey, refresh_token: grant.refreshToken } },
              // PUT is idempotent by the book, but this one rotates: a repeat would spend the old token twice.
              retry: { idempotent: false },
            }),
            // The refresh token is the consent's (the redirect login was its SCA): once the bank
            // refuses it, the consent's access is gone and the user logs in at the bank again.
            // The bank's answer is kept for the accounts' syncError — redacted first, as the
            // spec defines no error body (it could quote a token or an account number).
            (answer) =>
              ConnectorErrors.consentExpired({
                message:
                  now() >= grant.refreshExpiresAt.getTime()
                    ? 'the refresh token has expired: the user must log in at the bank again'
                    : 'the bank refused the refresh token (revoked, rotated or expired): the user must log in at the bank again',
                httpStatus: answer.status,
                content: redactedAnswer(answer.text(), [grant.refreshToken, grant.accessToken, config.apiKey, config.password]),
              }),
          ),
        ),

      async revoke(grant) {
        const res = await withSystemToken((system) =>
          http.send({
            method: 'DELETE',
            url: endpoint('/auth/token'),
            headers: { authorization: bearer(system) },
            body: { json: { api_key: config.apiKey, refresh_token: grant.refreshToken } },
          }),
        );
        if (!res.ok) return res;
        const { status } = res.value;
        if (status >= 200 && status < 300) return okVoid;
        // With a system token the bank accepts, 400/401 say it does not know this refresh
        // token (revoked, rotated away or expired): nothing is left to revoke.
        if (status === 400 || status === 401) return okVoid;
        return err(bankStatus('DELETE /auth/token', res.value));
      },
    },

    accounts: accountsOf,

    transactions: (grant, { bankAccountId, kind, window }) =>
      pages(
        'GET /transactions',
        userGet(grant, '/transactions', { account_id: bankAccountId, start_date: window.from, end_date: window.to }),
        accountStatus(grant, bankAccountId),
        (body) => readTransactions(body, kind, window, currency, readDate),
      ),

    balances: (grant, { bankAccountId, window }) =>
      pages(
        'GET /balances',
        userGet(grant, '/balances', { account_id: bankAccountId, start_date: window.from, end_date: window.to }),
        accountStatus(grant, bankAccountId),
        (body) => readBalances(body, window, currency, readDate),
      ),

    // Branches are bank data: with a grant, the user's token; without, the system token.
    branches: (grant) =>
      grant !== undefined
        ? pages('GET /branches', userGet(grant, '/branches', {}), connectionStatus, readBranches)
        : pages(
            'GET /branches',
            (page) => withSystemToken((system) => http.send({ method: 'GET', url: endpoint('/branches'), query: { page }, headers: { authorization: bearer(system) } })),
            async (res, label) => (res.status === 401 ? clientRejected(label, res.status) : bankStatus(label, res)),
            readBranches,
          ),
  };
}
