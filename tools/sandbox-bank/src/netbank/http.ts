/**
 * The net bank's HTTP face: a Fastify server on a loopback port routing pages to
 * {@link NetbankBank}, with cookies, form bodies, the shared fault hooks and request log,
 * and — only with test hooks — the admin API under {@link NETBANK_ADMIN_PREFIX}.
 */
import formbody from '@fastify/formbody';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { Clock } from '../clock';
import { installFaultHooks } from '../faults';
import type { RequestLog } from '../request-log';
import { registerNetbankAdminRoutes } from './admin';
import type { CookieChange, NetbankBank, NetbankRequest, NetbankResponse } from './bank';

/** Prefix of the test-only admin API. */
export const NETBANK_ADMIN_PREFIX = '/__sandbox';

/** A running net bank server. */
export interface NetbankServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Stops the server: slow and hung answers are abandoned, connections destroyed. */
  close(): Promise<void>;
}

/** Options of {@link startNetbankServer}. */
export interface NetbankServerOptions {
  /** Interface to listen on. */
  readonly host: string;
  /** Port (0: random). */
  readonly port: number;
  /** Request log shared with other sandboxes. */
  readonly log: RequestLog;
  /** Name of this bank in the request log. */
  readonly logBank: string;
  /** Sandbox clock (request-log times). */
  readonly clock: Clock;
  /** Whether the admin API exists. */
  readonly testHooks: boolean;
}

/** Starts the net bank's HTTP server. */
export async function startNetbankServer(bank: NetbankBank, options: NetbankServerOptions): Promise<NetbankServer> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const hooks = installFaultHooks(app, { bank: options.logBank, injector: bank.knobs.faults, log: options.log, clock: options.clock, exemptPrefix: NETBANK_ADMIN_PREFIX,
    // A statement page's pager: <a rel="next" … href="/accounts/…?from=…&amp;to=…&amp;page=N">.
    breakNextLink: (html, form) => {
      const next = /<a rel="next"[^>]*href="([^"]*)"/.exec(html);
      if (next === null) return undefined;
      const href = next[1] ?? '';
      const broken = form === 'looping' ? href.replace(/page=(\d+)/, (_m, n: string) => `page=${Number(n) - 1}`) : 'http://[not-a-link';
      return html.replace(`href="${href}"`, `href="${broken}"`);
    },
  });
  const waits = new Set<() => void>();
  await app.register(formbody);

  const toRequest = (request: FastifyRequest): NetbankRequest => ({
    query: (request.query ?? {}) as Record<string, unknown>,
    form: typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {},
    cookies: parseCookies(request.headers.cookie),
  });

  /** Sends a response; `slow` waits first (abandoned if the client leaves or the server closes). */
  const send = async (request: FastifyRequest, reply: FastifyReply, res: NetbankResponse): Promise<void> => {
    switch (res.kind) {
      case 'html':
        setCookies(reply, res.cookies);
        await reply
          .code(res.status)
          .headers(res.headers ?? {})
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(res.html);
        return;
      case 'redirect':
        setCookies(reply, res.cookies);
        await reply.code(303).header('location', res.location).header('cache-control', 'no-store').send();
        return;
      case 'png':
        await reply.code(200).type('image/png').header('cache-control', 'no-store').send(res.body);
        return;
      case 'slow': {
        const finished = await wait(res.delayMs, request, waits);
        if (!finished) {
          reply.hijack();
          request.raw.socket.destroy();
          return;
        }
        return send(request, reply, res.then);
      }
      case 'drop': {
        // Headers promise the whole page; half of it arrives, then the connection dies.
        reply.hijack();
        const body = Buffer.from(res.html, 'utf8');
        const raw = reply.raw;
        raw.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(body.length) });
        raw.write(body.subarray(0, Math.floor(body.length / 2)), () => request.raw.socket.destroy());
        return;
      }
    }
  };

  const page = (handler: (req: NetbankRequest, request: FastifyRequest) => NetbankResponse) => async (request: FastifyRequest, reply: FastifyReply) => {
    const res = bank.maintenanceGate() ?? handler(toRequest(request), request);
    await send(request, reply, res);
    return reply;
  };

  app.get('/', async (_request, reply) => reply.code(302).header('location', '/login').send());
  app.get('/login', page(() => bank.loginForm('web')));
  app.post('/login', page((r) => bank.login(r, 'web')));
  app.get('/direct', async (_request, reply) => reply.code(302).header('location', '/direct/login').send());
  app.get('/direct/login', page(() => bank.loginForm('direct')));
  app.post('/direct/login', page((r) => bank.login(r, 'direct')));
  app.post('/login/security', page((r) => bank.answer(r, 'security')));
  app.post('/login/otp', page((r) => bank.answer(r, 'otp')));
  app.post('/login/captcha', page((r) => bank.answer(r, 'captcha')));
  app.post('/login/puzzle', page((r) => bank.answer(r, 'puzzle')));
  app.get('/login/captcha.png', page((r) => bank.captchaImage(r)));
  app.get('/login/puzzle.png', page((r) => bank.puzzleImage(r, 'picture')));
  app.get('/login/puzzle-piece.png', page((r) => bank.puzzleImage(r, 'piece')));
  app.get('/accounts', page((r) => bank.accounts(r)));
  app.get('/accounts/:accountId', page((r, request) => bank.accountDetail(r, (request.params as { accountId: string }).accountId)));
  app.post('/terms/accept', page((r) => bank.acceptTerms(r)));
  app.get('/settings', page((r) => bank.settingsForm(r)));
  app.post('/settings/otp', page((r) => bank.saveOtpSetting(r)));
  app.get('/logout', page((r) => bank.logout(r)));
  app.post('/logout', page((r) => bank.logout(r)));
  app.setNotFoundHandler(async (request, reply) => {
    await send(request, reply, bank.notFound());
    return reply;
  });
  app.setErrorHandler(async (error: { statusCode?: number }, _request, reply) => {
    // A body the bank cannot read is the client's fault; anything else is the bank's system error.
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? 400 : 500;
    await reply.code(status).type('text/html; charset=utf-8').send(`<!DOCTYPE html><html lang="ja"><body data-page="${status === 400 ? 'input-error' : 'system-error'}"><h1>${status === 400 ? '入力内容に誤りがあります' : 'システムエラー'}</h1><p>エラーが発生しました（${status}）。</p></body></html>`);
    return reply;
  });
  if (options.testHooks) {
    await app.register(async (scope) => registerNetbankAdminRoutes(scope, bank, options.log, options.logBank), { prefix: NETBANK_ADMIN_PREFIX });
  }

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: async () => {
      for (const abandon of [...waits]) abandon();
      hooks.releaseHung();
      await app.close();
    },
  };
}

/** Cookies of a Cookie header (the first of a repeated name wins, as browsers send the most specific first). */
function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name !== '' && !(name in out)) out[name] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Writes Set-Cookie headers. The bank's cookie values are base64url, so they need no encoding. */
function setCookies(reply: FastifyReply, cookies: readonly CookieChange[] | undefined): void {
  if (!cookies || cookies.length === 0) return;
  const lines = cookies.map((c) => {
    const age = c.maxAgeSeconds === 0 ? '; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT' : c.maxAgeSeconds === undefined ? '' : `; Max-Age=${Math.floor(c.maxAgeSeconds)}`;
    return `${c.name}=${c.value}; Path=/; HttpOnly; SameSite=Lax${age}`;
  });
  void reply.header('set-cookie', lines);
}

/** Waits `ms`; resolves false early when the client disconnects or the server closes. */
function wait(ms: number, request: FastifyRequest, waits: Set<() => void>): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = request.raw.socket;
    const done = (finished: boolean) => {
      clearTimeout(timer);
      socket.off('close', abandon);
      waits.delete(abandon);
      resolve(finished);
    };
    const abandon = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    socket.once('close', abandon);
    waits.add(abandon);
  });
}
