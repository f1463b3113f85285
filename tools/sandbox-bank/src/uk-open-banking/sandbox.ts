// The UK Open Banking sandbox: Read/Write 4.0 account information (AIS) on node:http — the
// account-access consent (POST/GET/DELETE /account-access-consents, statuses AWAU/AUTH/RJCT/
// EXPD/CANC), an OAuth 2.0 / OpenID Connect authorisation server with the FAPI details a
// sandbox can enforce (client credentials for the consent, authorisation code + PKCE S256, an
// exact registered redirect URI, state and nonce — the nonce comes back in an HS256 id_token
// signed with the client secret — and refresh-token rotation), /accounts, /accounts/{id}/balances,
// /accounts/{id}/transactions (fromBookingDateTime/toBookingDateTime, Links.Next paging),
// /accounts/{id}/scheduled-payments; every answer echoes x-fapi-interaction-id; errors are
// OBErrorResponse1 bodies. Knobs: the conformance kit's faults, the request and answer
// records, a consent ended at the bank, pending items booked, a page-size cap, a clock.
// Made with connectors/uk-open-banking (pnpm create-connector); validated there against the spec.
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { RecordedBankRequest, SandboxFault } from '@kinko/connector-sdk/testkit';
import { KitFaultSlot } from '../kit-fault';
import { listenOwnPort } from '../listen';
import { RotatingTokenPairs, newToken, s256 } from '../oauth-tokens';

/** Where the spec's paths live on the sandbox (the AISP base path of a 4.0 ASPSP). */
export const UK_OPEN_BANKING_BASE_PATH = '/open-banking/v4.0/aisp';

/** A data request as the conformance kit records it (its RecordedBankRequest), with the FAPI headers. */
export interface UkOpenBankingRequest extends RecordedBankRequest {
  readonly headers: Readonly<Record<string, string>>;
}

/** A fault, as the conformance kit asks for it (its SandboxFault; see kit-fault.ts). */
export type UkOpenBankingFault = SandboxFault;

/** One transaction: amounts in signed minor units (pence), shown on the wire as an unsigned decimal with CreditDebitIndicator. */
export interface UkOpenBankingTransaction {
  readonly transactionId: string;
  /** BOOK (booked) or PDNG (pending). */
  readonly status: 'BOOK' | 'PDNG';
  /** The bank's calendar date of BookingDateTime (Europe/London) and its time of day. */
  readonly bookingDate: string;
  readonly bookingTime?: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly information: string;
  readonly reference?: string;
  /** The balance after it (booked items), minor units. */
  readonly balanceAfterMinor?: number;
}

/** A scheduled payment (always out of the account), amount in minor units. */
export interface UkOpenBankingScheduledPayment {
  readonly scheduledPaymentId: string;
  readonly date: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly reference: string;
  readonly creditorName: string;
}

export interface UkOpenBankingAccount {
  readonly accountId: string;
  readonly currency: string;
  readonly nickname: string;
  /** CACC (current), SVGS (savings)… */
  readonly accountTypeCode: 'CACC' | 'SVGS' | 'CARD';
  /** Sort code and account number, 14 digits (UK.OBIE.SortCodeAccountNumber). */
  readonly sortCodeAccountNumber: string;
  readonly holderName: string;
  readonly bookedBalanceMinor: number;
  readonly availableBalanceMinor: number;
  /** Oldest first. */
  transactions: UkOpenBankingTransaction[];
  readonly scheduledPayments: readonly UkOpenBankingScheduledPayment[];
  /** Its data endpoints answer 403 with an OBErrorResponse1 (a persona with one account failing; the consent stays AUTH). */
  readonly failing?: boolean;
}

/** How the user's consents end at the bank (personas). */
export interface UkOpenBankingConsentBehaviour {
  /** The user rejects the consent at the bank (RJCT; the redirect carries error=access_denied). */
  readonly reject?: boolean;
  /** The bank shortens the consent's ExpirationDateTime to this many seconds after authorisation (then EXPD). */
  readonly expiresAfterSeconds?: number;
  /** The user revokes it at the bank this many seconds after authorising it (then CANC). */
  readonly revokedAfterSeconds?: number;
}

export interface UkOpenBankingUser {
  readonly username: string;
  readonly password: string;
  readonly accounts: readonly UkOpenBankingAccount[];
  readonly consent?: UkOpenBankingConsentBehaviour;
}

export interface UkOpenBankingSandboxOptions {
  readonly users: readonly UkOpenBankingUser[];
  /** The app's client credentials at the bank (the secret also signs the id_token, HS256). */
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * The redirect URIs registered for the client: /authorize takes exactly one of them — except
   * that a registered loopback one (http://127.0.0.1, http://[::1], http://localhost) matches
   * at any port (RFC 8252 §7.3). Absent: any, but the token call must repeat it.
   */
  readonly redirectUris?: readonly string[];
  /** Items per page (transactions, scheduled payments); 100 by default. */
  readonly maxPageSize?: number;
  /** The bank's clock (tests); Date.now by default. */
  readonly now?: () => number;
  /** Where it listens (127.0.0.1 by default; the port is always its own). */
  readonly host?: string;
}

export interface UkOpenBankingAnswer {
  readonly method: string;
  /** The path below UK_OPEN_BANKING_BASE_PATH, e.g. /accounts/{AccountId}/transactions filled in. */
  readonly path: string;
  readonly status: number;
  readonly body: unknown;
  readonly interactionId: string | undefined;
}

export type UkOpenBankingConsentStatus = 'AWAU' | 'AUTH' | 'RJCT' | 'EXPD' | 'CANC';

export interface UkOpenBankingSandbox {
  readonly baseUrl: string;
  /** `127.0.0.1:port`, an allowed-host entry. */
  readonly host: string;
  /** Every data request (accounts, balances, transactions, scheduled payments) received, in order, with its FAPI headers. */
  readonly requests: UkOpenBankingRequest[];
  /** Every answer below the base path, in order (the spec check reads them). */
  readonly answers: UkOpenBankingAnswer[];
  /** Every body posted to /account-access-consents, parsed, in order (the spec check of the TPP's request). */
  readonly consentRequests: unknown[];
  setFault(fault: UkOpenBankingFault | undefined): void;
  /** The user revokes every consent of `username` at the bank (CANC). */
  revokeAtBank(username: string): void;
  /** The status of a consent as the bank holds it now. */
  consentStatus(consentId: string): UkOpenBankingConsentStatus | undefined;
  /** Books the account's pending items (same TransactionId and reference, Status BOOK). */
  bookPending(accountId: string): void;
  close(): Promise<void>;
}

const PERMISSIONS = [
  'ReadAccountsBasic',
  'ReadAccountsDetail',
  'ReadBalances',
  'ReadBeneficiariesBasic',
  'ReadBeneficiariesDetail',
  'ReadDirectDebits',
  'ReadOffers',
  'ReadPAN',
  'ReadParty',
  'ReadPartyPSU',
  'ReadProducts',
  'ReadScheduledPaymentsBasic',
  'ReadScheduledPaymentsDetail',
  'ReadStandingOrdersBasic',
  'ReadStandingOrdersDetail',
  'ReadStatementsBasic',
  'ReadStatementsDetail',
  'ReadTransactionsBasic',
  'ReadTransactionsCredits',
  'ReadTransactionsDebits',
  'ReadTransactionsDetail',
];

interface Consent {
  readonly consentId: string;
  readonly clientId: string;
  readonly created: number;
  status: UkOpenBankingConsentStatus;
  statusUpdated: number;
  readonly permissions: readonly string[];
  expiration: string | undefined;
  readonly from: string | undefined;
  readonly to: string | undefined;
  username?: string;
  revokeAt?: number;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');

/** A pence amount as the spec's unsigned decimal ("1234.50"). */
export const ukDecimal = (minor: number): string => {
  const abs = Math.abs(minor);
  return `${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
};
const creditDebit = (minor: number): 'Credit' | 'Debit' => (minor < 0 ? 'Debit' : 'Credit');

/** `date` at `time` in Europe/London, with the offset of that day (+00:00 in winter, +01:00 in summer). */
export function londonDateTime(date: string, time = '12:00:00'): string {
  const hour = Number(time.slice(0, 2));
  for (const offset of ['+00:00', '+01:00']) {
    const text = `${date}T${time}${offset}`;
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hourCycle: 'h23', day: '2-digit' }).formatToParts(new Date(text));
    const h = Number(local.find((p) => p.type === 'hour')?.value);
    const d = local.find((p) => p.type === 'day')?.value;
    if (h === hour && d === date.slice(8, 10)) return text;
  }
  return `${date}T${time}+00:00`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const escapeHtml = (v: string): string => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The ErrorCode values (OBExternalStatusReason1Code, 4 characters) this sandbox sends; the
 * spec leaves the list to Open Banking's external code set, so these are the sandbox's.
 */
export const UK_OB_ERROR_CODES = {
  fault: 'U000',
  fieldMissing: 'U001',
  fieldInvalid: 'U002',
  resourceNotFound: 'U003',
  consentNotAuthorised: 'U010',
  permissionMissing: 'U011',
  accountUnavailable: 'U012',
} as const;

/** An OBErrorResponse1 body. */
const obError = (status: number, errorCode: string, message: string, path?: string) => ({
  Id: randomUUID().slice(0, 36),
  Code: `${status} ${status === 400 ? 'BadRequest' : status === 403 ? 'Forbidden' : status === 404 ? 'NotFound' : status === 500 ? 'InternalServerError' : 'Error'}`,
  Message: message,
  Errors: [{ ErrorCode: errorCode, Message: message, ...(path === undefined ? {} : { Path: path }) }],
});

/** Starts the sandbox bank. */
export async function startUkOpenBankingSandbox(options: UkOpenBankingSandboxOptions): Promise<UkOpenBankingSandbox> {
  const now = options.now ?? Date.now;
  const users = new Map(options.users.map((u) => [u.username, u]));
  const consents = new Map<string, Consent>();
  const clientTokens = new Set<string>();
  const pairs = new RotatingTokenPairs(); // owner: the consentId
  const codes = new Map<string, { consentId: string; challenge: string; redirectUri: string; nonce: string }>();
  const requests: UkOpenBankingRequest[] = [];
  const answers: UkOpenBankingAnswer[] = [];
  const consentRequests: unknown[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const fault = new KitFaultSlot();
  const pageSize = Math.max(1, options.maxPageSize ?? 100);

  const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
  function redirectAllowed(uri: string): boolean {
    if (options.redirectUris === undefined) return true;
    if (options.redirectUris.includes(uri)) return true;
    let asked: URL;
    try {
      asked = new URL(uri);
    } catch {
      return false;
    }
    return options.redirectUris.some((registered) => {
      const r = new URL(registered);
      return r.protocol === 'http:' && LOOPBACK.has(r.hostname) && asked.protocol === 'http:' && asked.hostname === r.hostname && asked.pathname === r.pathname && asked.search === r.search && asked.hash === '';
    });
  }

  /** The consent's status now: an authorised consent past its expiration is EXPD; one its user revoked is CANC. */
  function statusOf(c: Consent): UkOpenBankingConsentStatus {
    if (c.status === 'AUTH' && c.revokeAt !== undefined && now() >= c.revokeAt) {
      c.status = 'CANC';
      c.statusUpdated = c.revokeAt;
    }
    if ((c.status === 'AUTH' || c.status === 'AWAU') && c.expiration !== undefined && now() >= Date.parse(c.expiration)) {
      c.status = 'EXPD';
      c.statusUpdated = Date.parse(c.expiration);
    }
    return c.status;
  }
  function consentBody(c: Consent) {
    statusOf(c);
    return {
      Data: {
        ConsentId: c.consentId,
        CreationDateTime: iso(c.created),
        Status: c.status,
        StatusUpdateDateTime: iso(c.statusUpdated),
        Permissions: [...c.permissions],
        ...(c.expiration === undefined ? {} : { ExpirationDateTime: c.expiration }),
        ...(c.from === undefined ? {} : { TransactionFromDateTime: c.from }),
        ...(c.to === undefined ? {} : { TransactionToDateTime: c.to }),
      },
      Risk: {},
    };
  }
  function idToken(consentId: string, nonce: string): string {
    const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const t = Math.floor(now() / 1000);
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iss: 'uk-open-banking-sandbox', aud: options.clientId, sub: consentId, openbanking_intent_id: consentId, nonce, iat: t, exp: t + 3600 })}`;
    return `${unsigned}.${createHmac('sha256', options.clientSecret).update(unsigned).digest('base64url')}`;
  }
  /** client_secret_basic or client_secret_post. */
  function clientOk(req: IncomingMessage, form: URLSearchParams): boolean {
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (basic !== undefined) {
      const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':').map((p) => decodeURIComponent(p));
      return id === options.clientId && secret === options.clientSecret;
    }
    return form.get('client_id') === options.clientId && form.get('client_secret') === options.clientSecret;
  }

  /** Applies the fault, if any, to one data request; true when it answered. */
  function applyFault(req: IncomingMessage, res: ServerResponse, reply: (status: number, body: unknown, headers?: Record<string, string>) => void): Promise<boolean> {
    return fault.apply(req, res, {
      status: (status, headers) =>
        // An OBErrorResponse1 where the spec declares one (400, 403, 500); 401, 429 and the rest carry none.
        reply(status, [400, 403, 500].includes(status) ? obError(status, UK_OB_ERROR_CODES.fault, 'A fault the sandbox injects') : undefined, headers),
      truncatedBody: '{"Data": {"Account": [{"AccountId": "2248',
      timers,
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const route = `${req.method} ${url.pathname}`;
    const origin = `http://${req.headers.host ?? 'sandbox'}`;

    if (route === 'GET /authorize') {
      // The bank's login and consent page (the browser arrives from the connector's begin).
      const q = url.searchParams;
      const redirectUri = q.get('redirect_uri') ?? '';
      const consent = consents.get(q.get('openbanking_intent_id') ?? '');
      const problem =
        q.get('client_id') !== options.clientId
          ? 'unknown client_id'
          : redirectUri === '' || !redirectAllowed(redirectUri)
            ? 'redirect_uri is not one registered for the client'
            : q.get('response_type') !== 'code'
              ? 'response_type must be code'
              : !(q.get('state') ?? '')
                ? 'state is required'
                : !(q.get('nonce') ?? '')
                  ? 'nonce is required'
                  : q.get('code_challenge_method') !== 'S256' || !(q.get('code_challenge') ?? '')
                    ? 'PKCE S256 is required'
                    : consent === undefined || consent.clientId !== options.clientId || statusOf(consent) !== 'AWAU'
                      ? 'openbanking_intent_id is not a consent awaiting authorisation'
                      : undefined;
      if (problem !== undefined) {
        // Never redirect to an unverified redirect URI: the page says what is wrong.
        res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
        return void res.end(`<!doctype html><html lang="en"><meta charset="utf-8"><title>Invalid request</title><p>invalid_request: ${escapeHtml(problem)}</p></html>`);
      }
      const hidden = ['redirect_uri', 'state', 'nonce', 'code_challenge', 'openbanking_intent_id']
        .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(q.get(k) ?? '')}">`)
        .join('');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(
        `<!doctype html><html lang="en"><meta charset="utf-8"><title>UK Open Banking sandbox — sign in and authorise</title>` +
          `<form method="post" action="/authorize">${hidden}<label>Username <input name="username" autocomplete="username"></label>` +
          `<label>Password <input name="password" type="password" autocomplete="current-password"></label>` +
          `<p>Share your accounts, balances, transactions and scheduled payments with Kinko.</p>` +
          `<button name="decision" value="allow">Allow</button><button name="decision" value="deny">Deny</button></form></html>`,
      );
    }
    if (route === 'POST /authorize') {
      const form = new URLSearchParams(await readBody(req));
      const redirectUri = form.get('redirect_uri') ?? '';
      const consent = consents.get(form.get('openbanking_intent_id') ?? '');
      if (redirectUri === '' || !redirectAllowed(redirectUri) || consent === undefined || statusOf(consent) !== 'AWAU') {
        res.writeHead(400, { 'content-type': 'text/plain' });
        return void res.end('invalid_request');
      }
      const back = new URL(redirectUri);
      const user = users.get(form.get('username') ?? '');
      if (user === undefined || user.password !== form.get('password')) back.searchParams.set('error', 'access_denied');
      else if (form.get('decision') === 'deny' || user.consent?.reject === true) {
        consent.status = 'RJCT';
        consent.statusUpdated = now();
        back.searchParams.set('error', 'access_denied');
      } else {
        consent.status = 'AUTH';
        consent.statusUpdated = now();
        consent.username = user.username;
        const behaviour = user.consent;
        if (behaviour?.expiresAfterSeconds !== undefined) consent.expiration = iso(now() + behaviour.expiresAfterSeconds * 1000);
        if (behaviour?.revokedAfterSeconds !== undefined) consent.revokeAt = now() + behaviour.revokedAfterSeconds * 1000;
        const code = newToken();
        codes.set(code, { consentId: consent.consentId, challenge: form.get('code_challenge') ?? '', redirectUri, nonce: form.get('nonce') ?? '' });
        back.searchParams.set('code', code);
      }
      back.searchParams.set('state', form.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      return void res.end();
    }
    if (route === 'POST /token') {
      const form = new URLSearchParams(await readBody(req));
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(body));
      };
      if (!clientOk(req, form)) return send(401, { error: 'invalid_client' });
      const grantType = form.get('grant_type');
      if (grantType === 'client_credentials') {
        const token = newToken();
        clientTokens.add(token);
        return send(200, { access_token: token, token_type: 'Bearer', expires_in: 3600, scope: 'accounts' });
      }
      if (grantType === 'authorization_code') {
        const key = form.get('code') ?? '';
        const code = codes.get(key);
        codes.delete(key);
        if (code === undefined || code.challenge !== s256(form.get('code_verifier') ?? '') || code.redirectUri !== form.get('redirect_uri')) return send(400, { error: 'invalid_grant' });
        const pair = pairs.issue(code.consentId);
        return send(200, { access_token: pair.access, refresh_token: pair.refresh, token_type: 'Bearer', expires_in: 3600, id_token: idToken(code.consentId, code.nonce) });
      }
      if (grantType === 'refresh_token') {
        const pair = pairs.byRefresh(form.get('refresh_token') ?? '');
        const consent = pair === undefined ? undefined : consents.get(pair.owner);
        if (pair === undefined || consent === undefined || statusOf(consent) !== 'AUTH') return send(400, { error: 'invalid_grant' });
        const next = pairs.issue(pair.owner);
        return send(200, { access_token: next.access, refresh_token: next.refresh, token_type: 'Bearer', expires_in: 3600 });
      }
      return send(400, { error: 'unsupported_grant_type' });
    }

    if (!url.pathname.startsWith(`${UK_OPEN_BANKING_BASE_PATH}/`)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end('not found');
    }
    const path = url.pathname.slice(UK_OPEN_BANKING_BASE_PATH.length);
    // The interaction id: the TPP's, echoed, or one of the bank's own.
    const asked = req.headers['x-fapi-interaction-id'];
    const interactionId = typeof asked === 'string' && asked !== '' ? asked : randomUUID();
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      answers.push({ method: req.method ?? '', path, status, body, interactionId });
      res.writeHead(status, { 'x-fapi-interaction-id': interactionId, ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }), ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const headers: Record<string, string> = {};
    for (const name of ['x-fapi-interaction-id', 'x-fapi-customer-ip-address', 'x-customer-user-agent', 'x-fapi-auth-date']) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    // The data requests (the consent resource's calls are the TPP's, not data: not recorded).
    if (!path.startsWith('/account-access-consents')) requests.push({ method: req.method ?? '', path, query: Object.fromEntries(url.searchParams), headers });
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';

    // The consent resource: the TPP's client-credentials token.
    if (path === '/account-access-consents' || path.startsWith('/account-access-consents/')) {
      if (!clientTokens.has(bearer)) return reply(401, undefined);
      if (route.startsWith('POST ') && path === '/account-access-consents') {
        const text = await readBody(req);
        let body: { Data?: { Permissions?: unknown; ExpirationDateTime?: unknown; TransactionFromDateTime?: unknown; TransactionToDateTime?: unknown }; Risk?: unknown };
        try {
          body = JSON.parse(text) as typeof body;
          consentRequests.push(body);
        } catch {
          return reply(400, obError(400, UK_OB_ERROR_CODES.fieldInvalid, 'The body is not JSON'));
        }
        const data = body.Data;
        const permissions = data?.Permissions;
        if (typeof body.Risk !== 'object' || body.Risk === null) return reply(400, obError(400, UK_OB_ERROR_CODES.fieldMissing, 'Risk is required', 'Risk'));
        if (!Array.isArray(permissions) || permissions.length === 0 || permissions.some((p) => typeof p !== 'string' || !PERMISSIONS.includes(p))) {
          return reply(400, obError(400, UK_OB_ERROR_CODES.fieldInvalid, 'Permissions must be a non-empty list of known permissions', 'Data.Permissions'));
        }
        const dateTime = (v: unknown, field: string): string | undefined | null => {
          if (v === undefined) return undefined;
          return typeof v === 'string' && !Number.isNaN(Date.parse(v)) && /T\d{2}:\d{2}/.test(v) ? v : (reply(400, obError(400, UK_OB_ERROR_CODES.fieldInvalid, `${field} is not a date-time`, `Data.${field}`)), null);
        };
        const expiration = dateTime(data?.ExpirationDateTime, 'ExpirationDateTime');
        if (expiration === null) return;
        const from = dateTime(data?.TransactionFromDateTime, 'TransactionFromDateTime');
        if (from === null) return;
        const to = dateTime(data?.TransactionToDateTime, 'TransactionToDateTime');
        if (to === null) return;
        if (expiration !== undefined && Date.parse(expiration) <= now()) return reply(400, obError(400, UK_OB_ERROR_CODES.fieldInvalid, 'ExpirationDateTime is in the past', 'Data.ExpirationDateTime'));
        const consent: Consent = { consentId: `aac-${randomUUID()}`, clientId: options.clientId, created: now(), status: 'AWAU', statusUpdated: now(), permissions: permissions as string[], expiration, from, to };
        consents.set(consent.consentId, consent);
        return reply(201, { ...consentBody(consent), Links: { Self: `${origin}${UK_OPEN_BANKING_BASE_PATH}/account-access-consents/${consent.consentId}` }, Meta: {} });
      }
      const consent = consents.get(decodeURIComponent(path.slice('/account-access-consents/'.length)));
      if (consent === undefined) return reply(400, obError(400, UK_OB_ERROR_CODES.resourceNotFound, 'No such consent', 'ConsentId'));
      if (req.method === 'GET') return reply(200, { ...consentBody(consent), Links: { Self: `${origin}${url.pathname}` }, Meta: {} });
      if (req.method === 'DELETE') {
        consent.status = 'CANC';
        consent.statusUpdated = now();
        pairs.endOf(consent.consentId);
        return reply(204, undefined);
      }
      return reply(405, undefined);
    }

    // Data: faults first, then the user's access token and its consent.
    if (await applyFault(req, res, reply)) return;
    const pair = pairs.byAccess(bearer);
    const consent = pair === undefined ? undefined : consents.get(pair.owner);
    if (consent === undefined) return reply(401, undefined);
    const status = statusOf(consent);
    if (status !== 'AUTH') return reply(403, obError(403, UK_OB_ERROR_CODES.consentNotAuthorised, `The consent is ${status}`));
    const user = users.get(consent.username ?? '');
    if (user === undefined) return reply(403, obError(403, UK_OB_ERROR_CODES.consentNotAuthorised, 'The consent has no user'));
    const allowed = (...any: string[]) => any.some((p) => consent.permissions.includes(p));
    const forbidden = () => reply(403, obError(403, UK_OB_ERROR_CODES.permissionMissing, 'The consent lacks the permission for this resource'));
    if (req.method !== 'GET') return reply(405, undefined);

    /** A page of `items` with Links.Self/Next and Meta.TotalPages; the query (window) repeats in Next. */
    function paged<T>(items: readonly T[], wrap: (slice: readonly T[]) => unknown): void {
      const page = Number(url.searchParams.get('page') ?? '1');
      if (!Number.isInteger(page) || page < 1) return reply(400, obError(400, UK_OB_ERROR_CODES.fieldInvalid, 'page is not a page number', 'page'));
      const total = Math.max(1, Math.ceil(items.length / pageSize));
      const slice = items.slice((page - 1) * pageSize, page * pageSize);
      const self = new URL(`${origin}${url.pathname}${url.search}`);
      let next: string | undefined;
      if (page < total) {
        const n = new URL(self);
        n.searchParams.set('page', String(page + 1));
        next = n.href;
      }
      if (fault.nextLink === 'loopingNext') next = self.href;
      if (fault.nextLink === 'malformedNext') next = 'http://[not a link';
      reply(200, { Data: wrap(slice), Links: { Self: self.href, ...(next === undefined ? {} : { Next: next }) }, Meta: { TotalPages: total } });
    }

    if (path === '/accounts') {
      if (!allowed('ReadAccountsBasic', 'ReadAccountsDetail')) return forbidden();
      const detail = allowed('ReadAccountsDetail');
      return paged(user.accounts, (slice) => ({
        Account: slice.map((a) => ({
          AccountId: a.accountId,
          Status: 'Enabled',
          StatusUpdateDateTime: iso(consent.created),
          Currency: a.currency,
          AccountCategory: 'Personal',
          AccountTypeCode: a.accountTypeCode,
          Nickname: a.nickname,
          ...(detail ? { Account: [{ SchemeName: 'UK.OBIE.SortCodeAccountNumber', Identification: a.sortCodeAccountNumber, Name: a.holderName }] } : {}),
        })),
      }));
    }
    const m = /^\/accounts\/([^/]+)\/(balances|transactions|scheduled-payments)$/.exec(path);
    const account = m === null ? undefined : user.accounts.find((a) => a.accountId === decodeURIComponent(m[1] ?? ''));
    if (m === null) return reply(404, undefined);
    // An account the consent does not cover: 400 resource-not-found (the spec declares no 404 for balances or transactions).
    if (account === undefined) return reply(400, obError(400, UK_OB_ERROR_CODES.resourceNotFound, 'No such account under this consent', 'AccountId'));
    if (account.failing === true) return reply(403, obError(403, UK_OB_ERROR_CODES.accountUnavailable, 'The bank does not show this account now'));
    const what = m[2];
    if (what === 'balances') {
      if (!allowed('ReadBalances')) return forbidden();
      const at = iso(now());
      const balance = (type: string, minor: number) => ({ AccountId: account.accountId, CreditDebitIndicator: creditDebit(minor), Type: type, DateTime: at, Amount: { Amount: ukDecimal(minor), Currency: account.currency } });
      return reply(200, { Data: { Balance: [balance('ITBD', account.bookedBalanceMinor), balance('ITAV', account.availableBalanceMinor)] }, Links: { Self: `${origin}${url.pathname}` }, Meta: { TotalPages: 1 } });
    }
    if (what === 'transactions') {
      if (!allowed('ReadTransactionsBasic', 'ReadTransactionsDetail')) return forbidden();
      const credits = allowed('ReadTransactionsCredits');
      const debits = allowed('ReadTransactionsDebits');
      // The window: the date part of each bound, the zone ignored (the spec), as the bank's
      // Europe/London calendar; within the consent's TransactionFrom/ToDateTime.
      const bound = (name: string): string | null | undefined => {
        const v = url.searchParams.get(name);
        if (v === null) return undefined;
        return /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(v) ? v.slice(0, 10) : null;
      };
      const from = bound('fromBookingDateTime');
      const to = bound('toBookingDateTime');
      if (from === null || to === null) return reply(400, obError(400, UK_OB_ERROR_CODES.fieldInvalid, 'fromBookingDateTime / toBookingDateTime must be ISO 8601 date-times', from === null ? 'fromBookingDateTime' : 'toBookingDateTime'));
      if (from !== undefined && to !== undefined && from > to) return reply(400, obError(400, UK_OB_ERROR_CODES.fieldInvalid, 'fromBookingDateTime is after toBookingDateTime', 'fromBookingDateTime'));
      const lo = [from, consent.from?.slice(0, 10)].filter((d): d is string => d !== undefined).sort().pop();
      const hi = [to, consent.to?.slice(0, 10)].filter((d): d is string => d !== undefined).sort()[0];
      const items = account.transactions.filter(
        (t) => (lo === undefined || t.bookingDate >= lo) && (hi === undefined || t.bookingDate <= hi) && (t.amountMinor < 0 ? debits : credits),
      );
      const detail = allowed('ReadTransactionsDetail');
      return paged(items, (slice) => ({
        Transaction: slice.map((t) => ({
          AccountId: account.accountId,
          TransactionId: t.transactionId,
          ...(t.reference === undefined ? {} : { TransactionReference: t.reference }),
          CreditDebitIndicator: creditDebit(t.amountMinor),
          Status: t.status,
          BookingDateTime: londonDateTime(t.bookingDate, t.bookingTime),
          ValueDateTime: londonDateTime(t.bookingDate, t.bookingTime),
          ...(detail ? { TransactionInformation: t.information } : {}),
          Amount: { Amount: ukDecimal(t.amountMinor), Currency: t.currency },
          ...(t.balanceAfterMinor === undefined || t.status !== 'BOOK'
            ? {}
            : { Balance: { CreditDebitIndicator: creditDebit(t.balanceAfterMinor), Type: 'ITBD', Amount: { Amount: ukDecimal(t.balanceAfterMinor), Currency: t.currency } } }),
        })),
      }));
    }
    if (!allowed('ReadScheduledPaymentsBasic', 'ReadScheduledPaymentsDetail')) return forbidden();
    const detail = allowed('ReadScheduledPaymentsDetail');
    return paged(account.scheduledPayments, (slice) => ({
      ScheduledPayment: slice.map((p) => ({
        AccountId: account.accountId,
        ScheduledPaymentId: p.scheduledPaymentId,
        ScheduledPaymentDateTime: londonDateTime(p.date, '00:00:00'),
        ScheduledType: 'Execution',
        Reference: p.reference,
        InstructedAmount: { Amount: ukDecimal(p.amountMinor), Currency: p.currency },
        ...(detail ? { CreditorAccount: { SchemeName: 'UK.OBIE.SortCodeAccountNumber', Identification: '40400412345678', Name: p.creditorName } } : {}),
      })),
    }));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(obError(500, UK_OB_ERROR_CODES.fault, 'sandbox bug')));
      }
    });
  });
  const where = await listenOwnPort(server, options.host);
  return {
    ...where,
    requests,
    answers,
    consentRequests,
    setFault(f) {
      fault.set(f);
    },
    revokeAtBank(username) {
      for (const c of consents.values()) {
        if (c.username === username && statusOf(c) === 'AUTH') {
          c.status = 'CANC';
          c.statusUpdated = now();
        }
      }
    },
    consentStatus: (consentId) => {
      const c = consents.get(consentId);
      return c === undefined ? undefined : statusOf(c);
    },
    bookPending(accountId) {
      for (const u of users.values()) {
        for (const a of u.accounts) {
          if (a.accountId === accountId) a.transactions = a.transactions.map((t) => (t.status === 'PDNG' ? { ...t, status: 'BOOK' } : t));
        }
      }
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
