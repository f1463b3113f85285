import { loginAtBankPage } from '@kinko/sandbox-bank';

/** A user of the app as the bench drives it: its id and a user token. */
export interface BenchUser {
  readonly userId: string;
  readonly token: string;
}

/** What connecting a bank gave: the connection and the first sync's sessions. */
export interface Connected {
  readonly connectionId: string;
  readonly sessionIds: readonly string[];
}

/**
 * The app's REST API as the bench uses it, over loopback HTTP like any tenant backend and
 * client app: users and tokens (tenant API key), the redirect connect flow (the user logs
 * in on the sandbox bank's page), and sync requests.
 */
export class KinkoClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  private async call<T>(method: string, path: string, auth: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${auth}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Creates a user and mints a (long-lived) user token. */
  async createUser(externalId: string): Promise<BenchUser> {
    const user = await this.call<{ id: string }>('POST', '/api/v2/tenant/users', this.apiKey, { externalId });
    const token = await this.call<{ token: string }>('POST', `/api/v2/tenant/users/${user.id}/tokens`, this.apiKey, { ttlSeconds: 86_400 });
    return { userId: user.id, token: token.token };
  }

  /** Connects the user to a bank through the redirect flow: start, log in at the bank's page, follow the callback. */
  async connect(user: BenchUser, bankId: string, login: { readonly id: string; readonly password: string }): Promise<Connected> {
    const start = await this.call<{ redirectUrl: string }>('POST', `/api/v2/connect/${bankId}`, user.token, {});
    // The start URL binds this "browser" to the flow (a cookie the callback requires) and sends it on to the bank.
    const opened = await fetch(start.redirectUrl, { redirect: 'manual' });
    await opened.arrayBuffer();
    const bankUrl = opened.headers.get('location');
    if (opened.status !== 303 || bankUrl === null) throw new Error(`the connect start URL answered ${opened.status}`);
    const cookie = opened.headers
      .getSetCookie()
      .map((c) => c.split(';')[0] as string)
      .join('; ');
    const login_ = await loginAtBankPage(bankUrl, login);
    if (login_.outcome !== 'redirected') throw new Error(`the bank refused the login of ${login.id} (status ${login_.status})`);
    const res = await fetch(login_.location, { headers: { accept: 'application/json', cookie } });
    const text = await res.text();
    if (!res.ok) throw new Error(`connect callback answered ${res.status}: ${text.slice(0, 500)}`);
    const result = JSON.parse(text) as { connectionId: string; sessionIds: string[] };
    return { connectionId: result.connectionId, sessionIds: result.sessionIds };
  }

  /** `POST /api/v2/bank/{bankId}/sync`: the session ids started. */
  async syncBank(user: BenchUser, bankId: string): Promise<string[]> {
    const started = await this.call<Record<string, unknown>>('POST', `/api/v2/bank/${bankId}/sync`, user.token, {});
    return sessionIdsOf(started);
  }

  /** A GET with the user's token (the load scenario's requests, once, to check them). */
  async getAsUser<T>(user: BenchUser, path: string): Promise<T> {
    return this.call<T>('GET', path, user.token);
  }
}

/** The session ids of a sync-started answer (`sessionIds`, `sessions[].sessionId` or `sessionId`). */
export function sessionIdsOf(body: Record<string, unknown>): string[] {
  if (Array.isArray(body['sessionIds'])) return body['sessionIds'].filter((s): s is string => typeof s === 'string');
  if (Array.isArray(body['sessions']))
    return body['sessions'].flatMap((s: unknown) => {
      const o = s as Record<string, unknown>;
      const id = o['sessionId'] ?? o['id'];
      return typeof id === 'string' ? [id] : [];
    });
  return typeof body['sessionId'] === 'string' ? [body['sessionId']] : [];
}

/** Runs `work` over `items`, `concurrency` at a time; results in order. */
export async function inParallel<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
  return results;
}
