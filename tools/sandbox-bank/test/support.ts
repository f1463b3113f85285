/** Test helpers: a small HTTP client for one sandbox bank, speaking the spec as a connector would. */
import { loginAtBankPage, type BankCommonApiBankConfig, type SandboxBank } from '../src';

/** An HTTP answer with its body parsed when it is JSON. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: unknown;
}

/** Options of {@link call}. */
export interface CallOptions {
  readonly token?: string;
  readonly body?: unknown;
  readonly query?: Record<string, string | number>;
  readonly signal?: AbortSignal;
}

/** Calls `method path` on a bank and reads the whole answer. */
export async function call(bank: SandboxBank, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const url = new URL(path, bank.url);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    redirect: 'manual',
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await res.text();
  let body: unknown = undefined;
  if ((res.headers.get('content-type') ?? '').includes('application/json')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** A JSON object answer's field, for concise assertions. */
export function field<T = unknown>(answer: Answer, name: string): T {
  return (answer.body as Record<string, unknown>)[name] as T;
}

/** POST /auth/system_token with the bank's client credentials. */
export async function systemToken(bank: SandboxBank): Promise<string> {
  const a = await call(bank, 'POST', '/auth/system_token', { body: { api_key: bank.client.apiKey, password: bank.client.password, grants: '*' } });
  if (a.status !== 200) throw new Error(`system_token: ${a.status} ${a.text}`);
  return field<string>(a, 'access_token');
}

/** The hidden login-flow id in a login page. */
export function flowOf(html: string): string {
  const m = /name="flow" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no login flow in page');
  return m[1] as string;
}

/** Posts the login form (urlencoded, as a browser does). */
export async function postForm(bank: SandboxBank, fields: Record<string, string>): Promise<Response> {
  return fetch(new URL('/auth/login/web', bank.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

/** Logs a user in through the HTML page (the package's scripted user) and returns the redirect's Location. */
export async function loginThroughPage(
  bank: SandboxBank,
  user: { id: string; password: string; otp?: string },
  redirectUri = 'http://127.0.0.1/callback?state=xyz',
): Promise<string> {
  const url = `${bank.url}/auth/login?${new URLSearchParams({ api_key: bank.client.apiKey, redirect_uri: redirectUri, grants: '*' })}`;
  const result = await loginAtBankPage(url, user);
  if (result.outcome !== 'redirected') throw new Error(`login: ${result.status}`);
  return result.location;
}

/** The auth_token of a redirect Location. */
export function authTokenOf(location: string): string {
  const token = new URL(location).searchParams.get('auth_token');
  if (!token) throw new Error(`no auth_token in ${location}`);
  return token;
}

/** Tokens of a logged-in user. */
export interface UserTokens {
  readonly system: string;
  readonly access: string;
  readonly refresh: string;
}

/** Logs a user in through the page and exchanges the auth token (POST /auth/token). */
export async function userTokens(bank: SandboxBank, user: { id: string; password: string; otp?: string }): Promise<UserTokens> {
  const system = await systemToken(bank);
  const authToken = authTokenOf(await loginThroughPage(bank, user));
  const a = await call(bank, 'POST', '/auth/token', { token: system, body: { api_key: bank.client.apiKey, password: bank.client.password, auth_token: authToken } });
  if (a.status !== 200) throw new Error(`token: ${a.status} ${a.text}`);
  return { system, access: field<string>(a, 'access_token'), refresh: field<string>(a, 'refresh_token') };
}

/** Every page of a paged list, following params.next_page until 0. */
export async function allPages<T>(
  bank: SandboxBank,
  path: string,
  listName: string,
  token: string,
  query: Record<string, string> = {},
): Promise<{ items: T[]; pages: number[] }> {
  const items: T[] = [];
  const pages: number[] = [];
  let page = 1;
  while (page !== 0) {
    const a = await call(bank, 'GET', path, { token, query: { ...query, page } });
    if (a.status !== 200) throw new Error(`${path} page ${page}: ${a.status} ${a.text}`);
    items.push(...field<T[]>(a, listName));
    const params = field<{ page: number; next_page: number }>(a, 'params');
    pages.push(params.page);
    page = params.next_page;
    if (pages.length > 100_000) throw new Error('paging does not end');
  }
  return { items, pages };
}

/** A bank config for tests: bank 0001 with one user holding `accounts`. */
export function testBank(overrides: Partial<BankCommonApiBankConfig> = {}): BankCommonApiBankConfig {
  return {
    bankCode: '0001',
    client: { apiKey: 'test-key', password: 'test-secret', redirectDomains: ['127.0.0.1', 'localhost'] },
    users: [{ id: 'alice', password: 'alice-pass', accounts: 2, transactionsPerAccount: 50, historyDays: 90 }],
    ...overrides,
  };
}

/** A transaction item as the API lists it. */
export interface Tx {
  readonly id: string;
  readonly date: string;
  readonly amount: number;
  readonly description: string;
  readonly balance: number;
}
