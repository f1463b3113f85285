/**
 * Test helpers for the PolishAPI sandbox: a TPP with its own signing key, speaking the spec
 * over real HTTP as a connector would (JSON body, X-REQUEST-ID, detached X-JWS-SIGNATURE,
 * Bearer token mirrored in requestHeader.token).
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import {
  manualClock,
  POLISH_API_PATHS,
  signDetachedJws,
  startPolishApiSandbox,
  type ManualClock,
  type PolishApiOperation,
  type PolishApiSandbox,
  type PolishApiSandboxOptions,
  type SigningKey,
} from '../src';

/** Today in the tests (the seed's example date). */
export const TODAY = '2020-06-01';
/** The registered redirect URI of the test TPP. */
export const REDIRECT_URI = 'https://tpp.example/callback';
/** The test TPP's client id. */
export const CLIENT_ID = 'kinko-tpp';

/** A TPP key pair. */
export interface TppKey {
  readonly privateKey: SigningKey;
  readonly publicJwk: JWK;
  readonly kid: string;
  readonly alg: 'ES256' | 'RS256' | 'PS256';
}

/** Generates a TPP signing key. */
export async function tppKey(kid = CLIENT_ID, alg: TppKey['alg'] = 'ES256'): Promise<TppKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid }, kid, alg };
}

/** A started sandbox with its clock and the test TPP's key. */
export interface TestBank {
  readonly sandbox: PolishApiSandbox;
  readonly clock: ManualClock;
  readonly key: TppKey;
  readonly tpp: Tpp;
}

/** Starts a sandbox at 2020-06-01 10:00 Warsaw time with one TPP and PSU `jan` (2 accounts). */
export async function startTestBank(overrides: Partial<PolishApiSandboxOptions> = {}, key?: TppKey): Promise<TestBank> {
  const clock = manualClock(`${TODAY}T10:00:00+02:00`);
  const k = key ?? (await tppKey());
  const sandbox = await startPolishApiSandbox({
    seed: 'polish-test',
    clock,
    clients: [{ clientId: CLIENT_ID, name: 'Kinko Test TPP', publicJwk: k.publicJwk, redirectUris: [REDIRECT_URI] }],
    users: [
      { login: 'jan', password: 'haslo-jana', accounts: 2, transactionsPerAccount: 1_500, historyDays: 1_460 },
      { login: 'ewa', password: 'haslo-ewy', scaCode: '654321', accounts: 1, transactionsPerAccount: 200, historyDays: 400 },
    ],
    ...overrides,
  });
  return { sandbox, clock, key: k, tpp: new Tpp(sandbox.url, k) };
}

/** An HTTP answer with its JSON body. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: Record<string, unknown>;
}

/** How a request is signed. */
export type Signing = 'valid' | 'none' | 'b64-false' | { readonly header: string };

/** Options of {@link Tpp.call}. */
export interface CallOptions {
  readonly token?: string;
  readonly requestId?: string;
  readonly signing?: Signing;
  /** Sign this text but send the body (to prove the signature covers the body). */
  readonly signedText?: string;
  readonly headers?: Record<string, string>;
  readonly method?: string;
}

/** A TPP talking to one bank. */
export class Tpp {
  /** `baseUrl` is the bank's URL. */
  constructor(
    readonly baseUrl: string,
    readonly key: TppKey,
    readonly clientId = CLIENT_ID,
  ) {}

  /** POSTs `body` (with requestHeader filled in) to an operation, signed. */
  async call(op: PolishApiOperation | string, body: Record<string, unknown>, options: CallOptions = {}): Promise<Answer> {
    const requestId = options.requestId ?? randomUUID();
    const path = op in POLISH_API_PATHS ? POLISH_API_PATHS[op as PolishApiOperation] : op;
    const header = { requestId, sendDate: new Date().toISOString(), tppId: this.clientId, ...(options.token !== undefined ? { token: options.token } : {}) };
    const payload = { ...body, requestHeader: { ...header, ...(body['requestHeader'] as object | undefined) } };
    const text = JSON.stringify(payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'accept-charset': 'utf-8',
      'accept-encoding': 'gzip',
      'accept-language': 'pl',
      'x-request-id': requestId,
      ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
    };
    const signing = options.signing ?? 'valid';
    if (signing !== 'none') {
      headers['x-jws-signature'] =
        typeof signing === 'object'
          ? signing.header
          : await signDetachedJws(options.signedText ?? text, this.key.privateKey, { alg: this.key.alg, kid: this.key.kid, ...(signing === 'b64-false' ? { b64: false } : {}) });
    }
    Object.assign(headers, options.headers);
    const res = await fetch(new URL(path, this.baseUrl), { method: options.method ?? 'POST', headers, ...(options.method === 'GET' ? {} : { body: text }), redirect: 'manual' });
    const answer = await res.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = answer === '' ? {} : (JSON.parse(answer) as Record<string, unknown>);
    } catch {
      parsed = {};
    }
    return { status: res.status, headers: res.headers, text: answer, body: parsed };
  }

  /** POST /authorize for an AIS consent over every account with every listing privilege. */
  async authorize(consentId: string, options: { readonly days?: number; readonly validUntil?: string; readonly scope?: 'ais' | 'ais-accounts'; readonly usage?: 'single' | 'multiple'; readonly accountNumber?: string } = {}): Promise<Answer> {
    const days = options.days ?? 1460;
    const usage = options.usage ?? 'multiple';
    const scope = options.scope ?? 'ais';
    const privileges: Record<string, unknown> =
      scope === 'ais-accounts'
        ? { 'ais-accounts:getAccounts': { scopeUsageLimit: usage } }
        : {
            ...(options.accountNumber !== undefined ? { accountNumber: options.accountNumber } : {}),
            'ais-accounts:getAccounts': { scopeUsageLimit: usage },
            'ais:getAccount': { scopeUsageLimit: usage },
            'ais:getTransactionsDone': { scopeUsageLimit: usage, maxAllowedHistoryLong: days },
            'ais:getTransactionsPending': { scopeUsageLimit: usage, maxAllowedHistoryLong: days },
            'ais:getTransactionsRejected': { scopeUsageLimit: usage, maxAllowedHistoryLong: days },
            'ais:getTransactionsCancelled': { scopeUsageLimit: usage, maxAllowedHistoryLong: days },
            'ais:getTransactionsScheduled': { scopeUsageLimit: usage, maxAllowedHistoryLong: days },
            'ais:getHolds': { scopeUsageLimit: usage, maxAllowedHistoryLong: days },
            'ais:getTransactionDetail': { scopeUsageLimit: usage },
          };
    return this.call('authorize', {
      response_type: 'code',
      client_id: this.clientId,
      redirect_uri: REDIRECT_URI,
      scope,
      state: `state-${consentId}`,
      scope_details: {
        consentId,
        scopeGroupType: scope,
        scopeTimeLimit: options.validUntil ?? '2020-12-01T00:00:00+01:00',
        throttlingPolicy: 'psd2Regulatory',
        privilegeList: [privileges],
      },
    });
  }

  /** POST /token with an authorization code. */
  async exchange(code: string): Promise<Answer> {
    return this.call('token', { grant_type: 'authorization_code', Code: code, redirect_uri: REDIRECT_URI, client_id: this.clientId });
  }

  /** POST /token with a refresh token. */
  async refresh(refreshToken: string): Promise<Answer> {
    return this.call('token', { grant_type: 'refresh_token', refresh_token: refreshToken });
  }
}

/** Runs the whole consent flow through the test hook and returns the token answer's body. */
export async function consentTokens(
  bank: TestBank,
  consentId: string,
  options: Parameters<Tpp['authorize']>[1] & { readonly user?: string; readonly accounts?: readonly string[] } = {},
): Promise<{ accessToken: string; refreshToken: string; body: Record<string, unknown> }> {
  const authorize = await bank.tpp.authorize(consentId, options);
  if (authorize.status !== 200) throw new Error(`authorize: ${authorize.status} ${authorize.text}`);
  const redirect = bank.sandbox.testHooks.approveConsent(authorize.body['aspspRedirectUri'] as string, {
    user: options.user ?? 'jan',
    ...(options.accounts ? { accounts: options.accounts } : {}),
  });
  const token = await bank.tpp.exchange(redirect.code as string);
  if (token.status !== 200) throw new Error(`token: ${token.status} ${token.text}`);
  return { accessToken: token.body['access_token'] as string, refreshToken: token.body['refresh_token'] as string, body: token.body };
}

/** Reads every page of a list operation, keeping the filters fixed; returns the items and the page answers. */
export async function readAllPages(
  tpp: Tpp,
  op: PolishApiOperation,
  token: string,
  filters: Record<string, unknown>,
  field: 'transactions' | 'holds' = 'transactions',
): Promise<{ items: Array<Record<string, unknown>>; pages: Answer[] }> {
  const items: Array<Record<string, unknown>> = [];
  const pages: Answer[] = [];
  let pageId: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const answer = await tpp.call(op, { ...filters, ...(pageId !== undefined ? { pageId } : {}) }, { token });
    if (answer.status !== 200) throw new Error(`${op}: ${answer.status} ${answer.text}`);
    pages.push(answer);
    items.push(...((answer.body[field] as Array<Record<string, unknown>>) ?? []));
    pageId = (answer.body['pageInfo'] as { nextPage?: string } | undefined)?.nextPage;
    if (pageId === undefined) return { items, pages };
  }
  throw new Error('too many pages');
}
