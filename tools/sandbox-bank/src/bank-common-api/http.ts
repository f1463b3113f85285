/**
 * The HTTP face of one bank: a Fastify server on its own loopback port (a real bank has
 * its own host, so a connector's allowed-hosts check means something), routing the
 * spec's paths to {@link BankCommonApiBank}, with fault hooks and, when enabled, the
 * test-only admin API under {@link ADMIN_PREFIX}.
 */
import formbody from '@fastify/formbody';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { recordAnswers, type SpecAnswer } from '../answer-log';
import type { Clock } from '../clock';
import { installFaultHooks, jsonNextLink } from '../faults';
import type { RequestLog } from '../request-log';
import { registerAdminRoutes } from './admin';
import type { ApiRequest, ApiResult, BankCommonApiBank } from './bank';
import { LOGIN_FORM_PATH } from './login-page';

/** Prefix of the test-only admin API. */
export const ADMIN_PREFIX = '/__sandbox';

/** A running bank server. */
export interface BankServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The answers of the spec's paths so far (not the admin API), for checking against the spec. */
  answers(): readonly SpecAnswer[];
  /** Stops the server (hung connections are destroyed first). */
  close(): Promise<void>;
}

/** Options of {@link startBankServer}. */
export interface BankServerOptions {
  /** Interface to listen on. */
  readonly host: string;
  /** Port (0: random). */
  readonly port: number;
  /** Shared request log. */
  readonly log: RequestLog;
  /** Sandbox clock. */
  readonly clock: Clock;
  /** Whether the admin API exists. */
  readonly admin: boolean;
  /** Answers kept for {@link BankServer.answers} (the last ones); 0 keeps none and records nothing. */
  readonly answerLimit: number;
}

/** Starts one bank's HTTP server. */
export async function startBankServer(bank: BankCommonApiBank, options: BankServerOptions): Promise<BankServer> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const hooks = installFaultHooks(app, { bank: bank.bankCode, injector: bank.knobs.faults, log: options.log, clock: options.clock, exemptPrefix: ADMIN_PREFIX,
    // Every list names its next page by number in params.next_page (0: none).
    breakNextLink: jsonNextLink((body, form) => {
      const params = body['params'];
      if (typeof params !== 'object' || params === null || !('next_page' in params) || (params as { next_page: unknown }).next_page === 0) return false;
      const p = params as { page: unknown; next_page: unknown };
      p.next_page = form === 'looping' ? p.page : 'two';
      return true;
    }),
  });

  // Registered after the fault hooks, so injected statuses (e.g. a 503) get the header too.
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const retryAfter = bank.retryAfterFor(reply.statusCode);
    if (retryAfter !== undefined && !reply.hasHeader('retry-after') && !request.url.startsWith(ADMIN_PREFIX)) reply.header('retry-after', retryAfter);
    return payload;
  });

  const answers: SpecAnswer[] = [];
  // Registered after the other onSend hooks: the answers as finally sent. The spec's paths only
  // (not the login page's form post, the bank's own web page, nor the admin API).
  if (options.answerLimit > 0) {
    recordAnswers(app, answers, { include: (route) => !route.startsWith(ADMIN_PREFIX) && route !== LOGIN_FORM_PATH, limit: options.answerLimit });
  }

  app.setErrorHandler((error: { code?: string; statusCode?: number; message: string }, _request, reply) => {
    // Body parsing problems (bad JSON, wrong or missing content type) are the client's: 400.
    const clientError = error.code?.startsWith('FST_ERR_CTP_') || (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500);
    void reply.code(clientError ? 400 : 500).send({ error: clientError ? 'invalid_request' : 'server_error', error_description: error.message });
  });
  app.setNotFoundHandler((_request, reply) => {
    void reply.code(404).send({ error: 'not_found' });
  });

  const route = (op: (req: ApiRequest) => ApiResult) => async (request: FastifyRequest, reply: FastifyReply) => {
    const result = op({
      authorization: request.headers.authorization,
      query: (request.query ?? {}) as Record<string, unknown>,
      body: request.body,
    });
    if (result.kind === 'json' && result.generated !== undefined) hooks.annotate(request, { generated: result.generated });
    return send(reply, result);
  };

  app.post('/auth/system_token', route((r) => bank.systemToken(r)));
  app.get('/auth/login', route((r) => bank.loginPage(r)));
  app.post('/auth/login', route((r) => bank.passwordLoginOp(r)));
  app.post('/auth/token', route((r) => bank.issueToken(r)));
  app.put('/auth/token', route((r) => bank.refreshToken(r)));
  app.delete('/auth/token', route((r) => bank.revokeToken(r)));
  app.get('/branches', route((r) => bank.branches(r)));
  app.get('/accounts', route((r) => bank.accounts(r)));
  app.get('/transactions', route((r) => bank.transactions(r)));
  app.get('/balances', route((r) => bank.balances(r)));
  // The login form posts urlencoded data; only this route accepts it.
  await app.register(async (scope) => {
    await scope.register(formbody);
    scope.post(LOGIN_FORM_PATH, route((r) => bank.loginForm(r)));
  });
  if (options.admin) await app.register(async (scope) => registerAdminRoutes(scope, bank, options.log), { prefix: ADMIN_PREFIX });

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    answers: () => [...answers],
    close: async () => {
      hooks.releaseHung();
      await app.close();
    },
  };
}

function send(reply: FastifyReply, result: ApiResult): FastifyReply {
  switch (result.kind) {
    case 'json':
      return reply
        .code(result.status)
        .headers(result.headers ?? {})
        .send(result.body);
    case 'html':
      return reply.code(result.status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(result.html);
    case 'redirect':
      return reply.code(302).header('location', result.location).header('cache-control', 'no-store').send();
  }
}
