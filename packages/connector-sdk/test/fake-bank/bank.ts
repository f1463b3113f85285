// A tiny fake bank on node:http for the SDK's own tests: JSON API with paging, OAuth-style
// redirect login with PKCE, a credential login with an OTP challenge, token rotation, and
// fault knobs. It listens on 127.0.0.1, port 0.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxFault } from '../../src/testkit';

export interface FakeTransaction {
  readonly id: string;
  readonly kind: string;
  readonly date: string;
  readonly amount: number;
  readonly description: string;
  readonly balance: number;
  /** Sent only when set (the account's currency otherwise). */
  readonly currency?: string;
  /** The bank's reference, the same on the pending item and its booked successor. */
  readonly reference?: string;
}

export interface FakeAccount {
  readonly id: string;
  readonly number: string;
  readonly name: string;
  readonly currency: string;
  /** Sorted by date, then id. */
  readonly transactions: readonly FakeTransaction[];
}

export interface FakeUser {
  readonly username: string;
  readonly password: string;
  /** When set, the credential login asks for this one-time password first. */
  readonly otp?: string;
  readonly accounts: readonly FakeAccount[];
}

export interface FakeBank {
  readonly baseUrl: string;
  readonly port: number;
  /** Every request received: method, path and query (for assertions on paging). */
  readonly requests: Array<{ method: string; path: string; query: URLSearchParams }>;
  setFault(fault: SandboxFault | undefined): void;
  /** Every JSON answer given so far. */
  readonly answers: readonly FakeAnswer[];
  /** Ends the user's tokens at the bank (the user withdrew the consent there). */
  endSession(username: string): void;
  /** Books every pending transaction of the account (same id, date and reference). */
  bookPending(accountId: string): void;
  close(): Promise<void>;
}

interface TokenPair {
  readonly access: string;
  readonly refresh: string;
  readonly username: string;
}

const token = (): string => randomBytes(16).toString('hex');
const pkce = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** One answer as the bank gave it (for validating the sandbox against its spec). */
export interface FakeAnswer {
  readonly path: string;
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
}

/** Starts a fake bank with these users; `pageSize` items per page. */
export async function startFakeBank(options: {
  readonly users: readonly FakeUser[];
  readonly pageSize: number;
  /** The content type of its JSON answers (default application/json; anything else breaks its spec). */
  readonly contentType?: string;
}): Promise<FakeBank> {
  const answers: FakeAnswer[] = [];
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const contentType = options.contentType ?? 'application/json';
    answers.push({ path: new URL(res.req.url ?? '/', 'http://bank').pathname, status, contentType, body });
    res.writeHead(status, { 'content-type': contentType, ...headers });
    res.end(JSON.stringify(body));
  };
  const users = new Map(options.users.map((u) => [u.username, u]));
  const byAccess = new Map<string, TokenPair>();
  const byRefresh = new Map<string, TokenPair>();
  const current = new Map<string, TokenPair>(); // username → live pair
  const otpSessions = new Map<string, string>(); // session → username
  const codes = new Map<string, { username: string; challenge: string; redirectUri: string }>();
  const requests: FakeBank['requests'] = [];
  const filtered = new Map<string, readonly FakeTransaction[]>();
  const bookedSince = new Set<string>(); // pending transactions booked by bookPending, by id
  const kindOf = (t: FakeTransaction): string => (bookedSince.has(t.id) ? 'booked' : t.kind);
  let fault: SandboxFault | undefined;
  let faultLeft = Infinity;
  let faultSkip = 0;
  const delays = new Set<() => void>();
  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        delays.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      delays.add(done);
    });

  function issue(username: string): TokenPair {
    const old = current.get(username);
    if (old) {
      // Rotation: a new pair kills the previous one at once (like the 銀行共通API).
      byAccess.delete(old.access);
      byRefresh.delete(old.refresh);
    }
    const pair = { access: token(), refresh: token(), username };
    byAccess.set(pair.access, pair);
    byRefresh.set(pair.refresh, pair);
    current.set(username, pair);
    return pair;
  }
  const tokens = (p: TokenPair) => ({ access_token: p.access, refresh_token: p.refresh, expires_in: 3600 });

  // A next-link fault of the request being answered.
  let nextFault: 'loopingNext' | 'malformedNext' | undefined;
  function page<T>(items: readonly T[], pageNo: number): { slice: readonly T[]; next: number | string } {
    const start = (pageNo - 1) * options.pageSize;
    const slice = items.slice(start, start + options.pageSize);
    const next = start + options.pageSize < items.length ? pageNo + 1 : 0;
    return { slice, next: nextFault === 'loopingNext' ? pageNo : nextFault === 'malformedNext' ? 'page-two-and-a-half' : next };
  }

  async function applyFault(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    nextFault = undefined;
    if (!fault || faultLeft <= 0) return false;
    if (faultSkip > 0) {
      faultSkip -= 1;
      return false;
    }
    faultLeft -= 1;
    const f = fault;
    if (faultLeft <= 0) fault = undefined;
    switch (f.type) {
      case 'latency':
        await delay(f.delayMs);
        return false;
      case 'status':
        json(res, f.status, { error: 'injected' }, f.retryAfter === undefined ? {} : { 'retry-after': f.retryAfter });
        return true;
      case 'malformedBody':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"accounts": [{"id": "acc-');
        return true;
      case 'dropConnection':
        req.socket.destroy();
        return true;
      case 'loopingNext':
      case 'malformedNext':
        nextFault = f.type;
        return false;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://bank');
    const q = url.searchParams;
    requests.push({ method: req.method ?? '', path: url.pathname, query: q });
    const route = `${req.method} ${url.pathname}`;

    if (route === 'POST /login') {
      const body = JSON.parse(await readBody(req)) as { username?: string; password?: string };
      const user = users.get(body.username ?? '');
      if (!user || user.password !== body.password) return json(res, 401, { error: 'invalid_credentials' });
      if (user.otp !== undefined) {
        const session = token();
        otpSessions.set(session, user.username);
        return json(res, 200, { challenge: { kind: 'otp', prompt: 'Enter the 6-digit code', session } });
      }
      return json(res, 200, tokens(issue(user.username)));
    }
    if (route === 'POST /login/otp') {
      const body = JSON.parse(await readBody(req)) as { session?: string; otp?: string };
      const username = otpSessions.get(body.session ?? '');
      const user = username === undefined ? undefined : users.get(username);
      if (!user) return json(res, 401, { error: 'unknown_session' });
      if (user.otp !== body.otp) return json(res, 401, { error: 'invalid_otp' });
      otpSessions.delete(body.session ?? '');
      return json(res, 200, tokens(issue(user.username)));
    }
    if (route === 'POST /authorize') {
      const form = new URLSearchParams(await readBody(req));
      const redirect = new URL(form.get('redirect_uri') ?? '');
      const user = users.get(form.get('username') ?? '');
      if (!user || user.password !== form.get('password')) redirect.searchParams.set('error', 'access_denied');
      else {
        const code = token();
        codes.set(code, { username: user.username, challenge: form.get('code_challenge') ?? '', redirectUri: redirect.href });
        redirect.searchParams.set('code', code);
      }
      redirect.searchParams.set('state', form.get('state') ?? '');
      res.writeHead(302, { location: redirect.href });
      return void res.end();
    }
    if (route === 'POST /token') {
      const body = JSON.parse(await readBody(req)) as Record<string, string | undefined>;
      if (body.client_secret !== 's3cret') return json(res, 401, { error: 'invalid_client' });
      if (body.grant_type === 'authorization_code') {
        const grant = codes.get(body.code ?? '');
        codes.delete(body.code ?? '');
        if (!grant || grant.challenge !== pkce(body.code_verifier ?? '') || grant.redirectUri.split('?')[0] !== body.redirect_uri) {
          return json(res, 401, { error: 'invalid_grant' });
        }
        return json(res, 200, tokens(issue(grant.username)));
      }
      if (body.grant_type === 'refresh_token') {
        const pair = byRefresh.get(body.refresh_token ?? '');
        if (!pair) return json(res, 401, { error: 'invalid_grant' });
        return json(res, 200, tokens(issue(pair.username)));
      }
      return json(res, 400, { error: 'unsupported_grant_type' });
    }
    if (route === 'POST /revoke') {
      const body = JSON.parse(await readBody(req)) as { refresh_token?: string };
      const pair = byRefresh.get(body.refresh_token ?? '');
      if (pair) {
        byAccess.delete(pair.access);
        byRefresh.delete(pair.refresh);
        current.delete(pair.username);
      }
      res.writeHead(204);
      return void res.end();
    }

    // Data endpoints: faults first, then the bearer token.
    if (await applyFault(req, res)) return;
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const pair = byAccess.get(bearer);
    const user = pair === undefined ? undefined : users.get(pair.username);
    if (!user) return json(res, 401, { error: 'invalid_token' });
    const pageNo = Number(q.get('page') ?? '1');

    if (route === 'GET /accounts') {
      const { slice, next } = page(user.accounts, pageNo);
      return json(res, 200, { accounts: slice.map(({ transactions: _t, ...a }) => a), next_page: next });
    }
    const account = user.accounts.find((a) => a.id === q.get('account_id'));
    const from = q.get('from') ?? '';
    const to = q.get('to') ?? '';
    if (route === 'GET /transactions') {
      if (!account) return json(res, 404, { error: 'no_such_account' });
      const kind = q.get('kind');
      // Memoised per query: paging through 100 000 items must not refilter them per page.
      const key = `${account.id}|${kind}|${from}|${to}`;
      let matching = filtered.get(key);
      if (!matching) {
        matching = account.transactions.filter((t) => kindOf(t) === kind && t.date >= from && t.date <= to).map((t) => ({ ...t, kind: kindOf(t) }));
        filtered.set(key, matching);
      }
      const { slice, next } = page(matching, pageNo);
      return json(res, 200, { transactions: slice.map((t) => ({ ...t, currency: t.currency ?? account.currency })), next_page: next });
    }
    if (route === 'GET /balances') {
      if (!account) return json(res, 404, { error: 'no_such_account' });
      const lastOfDay = new Map<string, number>();
      for (const t of account.transactions) if (t.kind === 'booked' && t.date >= from && t.date <= to) lastOfDay.set(t.date, t.balance);
      const { slice, next } = page([...lastOfDay].map(([date, balance]) => ({ date, balance })), pageNo);
      return json(res, 200, { balances: slice, next_page: next });
    }
    if (route === 'GET /branches') {
      const branches = [
        { id: 'b1', code: '001', name: '本店' },
        { id: 'b2', code: '002', name: '新宿支店' },
      ];
      const { slice, next } = page(branches, pageNo);
      return json(res, 200, { branches: slice, next_page: next });
    }
    return json(res, 404, { error: 'not_found' });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { error: 'bank_bug' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    requests,
    answers,
    setFault(f) {
      fault = f;
      faultLeft = f?.times ?? Infinity;
      faultSkip = f?.afterRequests ?? 0;
    },
    bookPending(accountId) {
      for (const u of users.values()) {
        for (const t of u.accounts.find((a) => a.id === accountId)?.transactions ?? []) if (t.kind === 'pending') bookedSince.add(t.id);
      }
      filtered.clear();
    },
    endSession(username) {
      const pair = current.get(username);
      if (pair === undefined) return;
      byAccess.delete(pair.access);
      byRefresh.delete(pair.refresh);
      current.delete(username);
    },
    async close() {
      for (const done of [...delays]) done(); // no timer outlives the bank
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
