// The sandbox of __NAME__: a small JSON bank on node:http, on 127.0.0.1 and a port of its
// own, for the conformance kit and your own tests. Make it speak your bank's API as you write
// the connector (routes, payloads, status codes); keep the knobs the kit drives: faults, the
// request and answer records (the answers are checked against the spec, test/sandbox/spec.ts),
// a consent ended at the bank, a page-size cap.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedBankRequest, SandboxFault } from '@kinko/connector-sdk/testkit';

export interface SandboxTransaction {
  readonly id: string;
  readonly status: 'booked' | 'pending';
  readonly date: string;
  readonly amountMinor: string;
  readonly currency: string;
  readonly description: string;
  readonly reference?: string;
}

export interface SandboxAccount {
  readonly id: string;
  readonly number: string;
  readonly name: string;
  readonly currency: string;
  /** Sorted by date, then id. */
  readonly transactions: readonly SandboxTransaction[];
}

export interface SandboxUser {
  readonly username: string;
  readonly password: string;
  readonly accounts: readonly SandboxAccount[];
}

/** One answer of the data API, as the spec check (test/sandbox/spec.ts) reads it. */
export interface SandboxAnswer {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body: unknown;
}

export interface SandboxBankOptions {
  readonly users: readonly SandboxUser[];
  /** The app's client credentials at the bank. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** The bank never sends more than this many items per page, whatever `limit` asks. */
  readonly maxPageSize?: number;
}

export interface SandboxBank {
  readonly baseUrl: string;
  /** `127.0.0.1:port`, an allowed-host entry. */
  readonly host: string;
  /** Every data request (accounts, transactions) received, in order. */
  readonly requests: RecordedBankRequest[];
  /** Every answer of the data API it gave (not the injected faults), in order. */
  readonly answers: SandboxAnswer[];
  setFault(fault: SandboxFault | undefined): void;
  /** Ends every grant of `username` at the bank (the user withdrew the consent there). */
  revokeAtBank(username: string): void;
  /** Books every pending transaction of the account (same id, date and reference), as settling does. */
  bookPending(accountId: string): void;
  close(): Promise<void>;
}

interface TokenPair {
  readonly access: string;
  readonly refresh: string;
  readonly username: string;
}

const newToken = (): string => randomBytes(16).toString('hex');
const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * An OAuth 2.0 endpoint's body (token, refresh, revocation): application/x-www-form-urlencoded
 * only (RFC 6749 §4.1.3, §6; RFC 7009 §2.1); anything else, JSON included, is undefined (the
 * endpoint answers 400 invalid_request).
 */
async function readForm(req: IncomingMessage): Promise<Record<string, string> | undefined> {
  const text = await readBody(req);
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  return type === 'application/x-www-form-urlencoded' ? Object.fromEntries(new URLSearchParams(text)) : undefined;
}

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** Starts the sandbox bank. */
export async function startSandboxBank(options: SandboxBankOptions): Promise<SandboxBank> {
  const users = new Map(options.users.map((u) => [u.username, u]));
  const byAccess = new Map<string, TokenPair>();
  const byRefresh = new Map<string, TokenPair>();
  const live = new Map<string, TokenPair>(); // username → its one live pair
  const codes = new Map<string, { username: string; challenge: string; redirectUri: string }>();
  const requests: RecordedBankRequest[] = [];
  const answers: SandboxAnswer[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const bookedSince = new Set<string>(); // pending transactions booked by bookPending, by id
  const statusOf = (t: SandboxTransaction): SandboxTransaction['status'] => (bookedSince.has(t.id) ? 'booked' : t.status);
  let fault: SandboxFault | undefined;
  let faultLeft = Infinity;
  let faultSkip = 0;
  /** A next-link fault of the request being answered. */
  let nextFault: 'loopingNext' | 'malformedNext' | undefined;

  function end(pair: TokenPair | undefined): void {
    if (pair === undefined) return;
    byAccess.delete(pair.access);
    byRefresh.delete(pair.refresh);
    live.delete(pair.username);
  }
  function issue(username: string): TokenPair {
    end(live.get(username)); // rotation: the new pair kills the old one
    const pair = { access: newToken(), refresh: newToken(), username };
    byAccess.set(pair.access, pair);
    byRefresh.set(pair.refresh, pair);
    live.set(username, pair);
    return pair;
  }
  const tokens = (p: TokenPair) => ({ access_token: p.access, refresh_token: p.refresh, expires_in: 3600 });
  const clientOk = (body: Record<string, unknown>): boolean => body.client_id === options.clientId && body.client_secret === options.clientSecret;

  /** Applies the fault, if any, to one data request; true when it answered. */
  async function applyFault(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    nextFault = undefined;
    if (fault === undefined || faultLeft <= 0) return false;
    if (faultSkip > 0) {
      faultSkip -= 1;
      return false;
    }
    const f = fault;
    faultLeft -= 1;
    if (faultLeft <= 0) fault = undefined;
    switch (f.type) {
      case 'latency':
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => (timers.delete(t), resolve()), f.delayMs);
          timers.add(t);
        });
        return res.destroyed;
      case 'status':
        send(res, f.status, { error: 'injected' }, f.retryAfter === undefined ? {} : { 'retry-after': f.retryAfter });
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

  function pageOf<T>(items: readonly T[], url: URL): { slice: readonly T[]; next: string | null } {
    const asked = Number(url.searchParams.get('limit') ?? '50');
    const size = Math.max(1, Math.min(Number.isInteger(asked) ? asked : 50, options.maxPageSize ?? Infinity));
    const start = Number(url.searchParams.get('cursor') ?? '0');
    const slice = items.slice(start, start + size);
    if (nextFault === 'loopingNext') return { slice, next: `${url.pathname}${url.search}` };
    if (nextFault === 'malformedNext') return { slice, next: 'http://[not-a-link' };
    if (start + size >= items.length) return { slice, next: null };
    const next = new URL(url.href);
    next.searchParams.set('cursor', String(start + size));
    return { slice, next: `${next.pathname}${next.search}` };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const route = `${req.method} ${url.pathname}`;

    if (route === 'POST /authorize') {
      // What the bank's login page posts (the kit's completeRedirect plays the browser).
      const form = new URLSearchParams(await readBody(req));
      const back = new URL(form.get('redirect_uri') ?? '');
      const user = users.get(form.get('username') ?? '');
      if (user === undefined || user.password !== form.get('password')) back.searchParams.set('error', 'access_denied');
      else {
        const code = newToken();
        codes.set(code, { username: user.username, challenge: form.get('code_challenge') ?? '', redirectUri: back.href });
        back.searchParams.set('code', code);
      }
      back.searchParams.set('state', form.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      return void res.end();
    }
    if (route === 'POST /login') {
      const body = parseJson(await readBody(req));
      if (!clientOk(body)) return send(res, 401, { error: 'invalid_client' });
      const user = users.get(String(body.username ?? ''));
      if (user === undefined || user.password !== body.password) return send(res, 401, { error: 'invalid_credentials' });
      return send(res, 200, tokens(issue(user.username)));
    }
    if (route === 'POST /token') {
      const body = await readForm(req);
      if (body === undefined) return send(res, 400, { error: 'invalid_request', error_description: 'the body must be application/x-www-form-urlencoded' });
      if (!clientOk(body)) return send(res, 401, { error: 'invalid_client' });
      if (body.grant_type === 'authorization_code') {
        const code = codes.get(String(body.code ?? ''));
        codes.delete(String(body.code ?? ''));
        if (code === undefined || code.challenge !== s256(String(body.code_verifier ?? '')) || code.redirectUri.split('?')[0] !== body.redirect_uri) {
          return send(res, 401, { error: 'invalid_grant' });
        }
        return send(res, 200, tokens(issue(code.username)));
      }
      if (body.grant_type === 'refresh_token') {
        const pair = byRefresh.get(String(body.refresh_token ?? ''));
        return pair === undefined ? send(res, 401, { error: 'invalid_grant' }) : send(res, 200, tokens(issue(pair.username)));
      }
      return send(res, 400, { error: 'unsupported_grant_type' });
    }
    if (route === 'POST /revoke') {
      const body = await readForm(req);
      if (body === undefined) return send(res, 400, { error: 'invalid_request', error_description: 'the body must be application/x-www-form-urlencoded' });
      if (!clientOk(body)) return send(res, 401, { error: 'invalid_client' });
      end(byRefresh.get(String(body.refresh_token ?? '')));
      res.writeHead(204);
      return void res.end();
    }

    // Data: recorded, then faults, then the bearer token. Every data answer goes through
    // `reply`, which keeps it for the spec check.
    requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams) });
    if (await applyFault(req, res)) return;
    const reply = (status: number, body: unknown): void => {
      answers.push({ method: req.method ?? '', path: url.pathname, status, body });
      send(res, status, body);
    };
    const pair = byAccess.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    const user = pair === undefined ? undefined : users.get(pair.username);
    if (user === undefined) return reply(401, { error: 'invalid_token' });

    if (route === 'GET /accounts') {
      const { slice, next } = pageOf(user.accounts, url);
      return reply(200, { accounts: slice.map(({ transactions: _t, ...a }) => a), next });
    }
    const match = /^\/accounts\/([^/]+)\/transactions$/.exec(url.pathname);
    if (req.method === 'GET' && match) {
      const account = user.accounts.find((a) => a.id === decodeURIComponent(match[1] ?? ''));
      if (account === undefined) return reply(404, { error: 'no_such_account' });
      const status = url.searchParams.get('status');
      const from = url.searchParams.get('from');
      const to = url.searchParams.get('to');
      if (status === null || from === null || to === null) return reply(400, { error: 'status, from and to are required' });
      const { slice, next } = pageOf(
        account.transactions.filter((t) => statusOf(t) === status && t.date >= from && t.date <= to),
        url,
      );
      return reply(200, { transactions: slice.map((t) => ({ ...t, status: statusOf(t) })), next });
    }
    return reply(404, { error: 'not_found' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'sandbox_bug' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    answers,
    setFault(f) {
      fault = f;
      faultLeft = f?.times ?? Infinity;
      faultSkip = f?.afterRequests ?? 0;
    },
    revokeAtBank: (username) => end(live.get(username)),
    bookPending(accountId) {
      for (const user of users.values()) {
        for (const t of user.accounts.find((a) => a.id === accountId)?.transactions ?? []) if (t.status === 'pending') bookedSince.add(t.id);
      }
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
