/**
 * The HTTP face of one PolishAPI bank: a Fastify server on its own loopback port routing the
 * spec's paths to {@link PolishApiBank}, keeping each JSON body's exact text (the detached
 * JWS signs it), signing 200 answers, and answering every refusal in the spec's Error shape
 * (404/405/406/415/500/501 included).
 *
 * Faults use the shared {@link FaultInjector} and the shared {@link RequestLog}. The hooks
 * are this module's own rather than `installFaultHooks`: PolishAPI carries its filters and
 * page ids in the JSON body, so each log entry also gets the request's non-secret body
 * parameters (`params`: dates, pageId, perPage, accountNumber…) — decided after the body is
 * parsed — and injected errors come in the spec's Error body.
 */
import formbody from '@fastify/formbody';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import type { Clock } from '../clock';
import { recordAnswers, type SpecAnswer } from '../answer-log';
import type { FaultInjector, NextLinkFault } from '../faults';
import { splitUrl, type RequestLog, type RequestLogEntry } from '../request-log';
import type { PolishApiBank } from './bank';
import { requestParams, type PolishApiRequestParams, type PolishApiResult } from './request';
import { codeForStatus, PolishApiError, type PolishApiErrorCode } from './errors';
import { PSU_FORM_PATH, PSU_PAGE_PATH } from './pages';
import { NOT_IMPLEMENTED_PATHS, POLISH_API_PATHS, type PolishApiOperation } from './paths';

/** A request log entry of the PolishAPI sandbox: the shared fields plus the body's filter and paging parameters. */
export interface PolishApiRequestLogEntry extends RequestLogEntry {
  /** Non-secret body parameters as sent (absent for bodies without any). */
  readonly params?: PolishApiRequestParams;
}

/** A running bank server. */
export interface PolishApiServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The answers of the spec's paths so far, for checking against the spec. */
  answers(): readonly SpecAnswer[];
  /** Stops the server (hung connections are destroyed first). */
  close(): Promise<void>;
}

/** Options of {@link startPolishApiServer}. */
export interface PolishApiServerOptions {
  readonly host: string;
  readonly port: number;
  readonly log: RequestLog;
  readonly clock: Clock;
}

type MutableEntry = { -readonly [K in keyof PolishApiRequestLogEntry]: PolishApiRequestLogEntry[K] };

const BODY_LIMIT = 1_048_576;

/** Starts one bank's HTTP server. */
export async function startPolishApiServer(bank: PolishApiBank, options: PolishApiServerOptions): Promise<PolishApiServer> {
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: BODY_LIMIT });
  const rawBodies = new WeakMap<FastifyRequest, string>();
  const entries = new WeakMap<FastifyRequest, MutableEntry>();
  const malformed = new WeakSet<FastifyRequest>();
  const brokenNext = new WeakMap<FastifyRequest, NextLinkFault>();
  const hung = new Set<Socket>();
  const injector: FaultInjector = bank.knobs.faults;

  // Keep the body's exact text: the signature covers these bytes, not a re-serialisation.
  // JSON only: any other media type is 415 (Fastify would otherwise also take text/plain).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    rawBodies.set(request, text);
    try {
      done(null, text === '' ? undefined : JSON.parse(text));
    } catch {
      done(new PolishApiError('VALIDATION_ERROR', 'the body is not valid JSON'), undefined);
    }
  });

  app.addHook('onRequest', async (request) => {
    const { path, query } = splitUrl(request.url);
    const route = request.routeOptions.url;
    const entry = options.log.record({ at: options.clock().toISOString(), bank: bank.bankCode, operation: route === undefined ? null : `${request.method} ${route}`, method: request.method, path, query });
    entries.set(request, entry as MutableEntry);
  });

  // Faults are decided once the body is parsed, so even a failed request's log entry shows its parameters.
  app.addHook('preHandler', async (request, reply) => {
    const entry = entries.get(request);
    const params = requestParams(request.body);
    if (entry && params) entry.params = params;
    const operation = entry?.operation ?? `${request.method} ${splitUrl(request.url).path}`;
    const decision = injector.decide(operation);
    if (decision.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.latencyMs));
    const fault = decision.fault;
    if (!fault) return;
    const requestId = headerOf(request, 'x-request-id');
    switch (fault.type) {
      case 'status': {
        if (entry) entry.fault = `status:${fault.status}`;
        reply.code(fault.status);
        const retryAfter = bank.retryAfterFor(fault.status);
        if (retryAfter !== undefined) reply.header('retry-after', retryAfter);
        const body = fault.body ?? 'json';
        if (body === 'html') return reply.type('text/html; charset=utf-8').send(`<html><body><h1>${fault.status}</h1><p>Błąd systemu. Spróbuj później.</p></body></html>`);
        if (body === 'empty') return reply.send();
        return sendResult(reply, bank.errorResult({ status: fault.status, code: codeForStatus(fault.status), message: 'injected fault' }, requestId));
      }
      case 'rate-limit': {
        if (entry) entry.fault = 'rate-limit';
        const seconds = fault.retryAfterSeconds ?? injector.settings().retryAfter.seconds;
        const form = fault.retryAfterForm ?? injector.settings().retryAfter.form;
        const value = form === 'seconds' ? String(Math.ceil(seconds)) : new Date(options.clock().getTime() + seconds * 1000).toUTCString();
        const error = new PolishApiError('TOO_MANY_REQUESTS', 'request limit exceeded', { 'retry-after': value });
        return sendResult(reply, bank.errorResult(error, requestId));
      }
      case 'hang': {
        if (entry) entry.fault = 'hang';
        reply.hijack();
        const socket = request.raw.socket;
        hung.add(socket);
        socket.once('close', () => hung.delete(socket));
        return;
      }
      case 'drop-connection':
        if (entry) entry.fault = 'drop-connection';
        reply.hijack();
        request.raw.socket.destroy();
        return;
      case 'malformed-json':
        if (entry) entry.fault = 'malformed-json';
        malformed.add(request);
        return;
      case 'next-link':
        if (entry) entry.fault = `next-link:${fault.form}`;
        brokenNext.set(request, fault.form);
        return;
    }
  });

  app.addHook('onSend', async (request, _reply, payload) => {
    if (!malformed.has(request)) return payload;
    const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '{}';
    // Half a JSON object is never valid JSON: its closing brace is gone.
    return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  });

  app.addHook('onResponse', async (request, reply) => {
    const entry = entries.get(request);
    if (entry) entry.status = reply.statusCode;
  });

  const answers: SpecAnswer[] = [];
  // After the malformed-body hook: the answers of the spec's paths as finally sent.
  const specPaths = new Set<string>(Object.values(POLISH_API_PATHS));
  recordAnswers(app, answers, { include: (route) => specPaths.has(route) });

  app.setErrorHandler((error: { code?: string; statusCode?: number; message: string }, request, reply) => {
    const requestId = headerOf(request, 'x-request-id');
    if (error instanceof PolishApiError) return sendResult(reply, bank.errorResult(error, requestId));
    let code: PolishApiErrorCode = 'INTERNAL_ERROR';
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') code = 'UNSUPPORTED_MEDIA_TYPE';
    else if (error.code?.startsWith('FST_ERR_CTP_') || (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)) code = 'VALIDATION_ERROR';
    return sendResult(reply, bank.errorResult(new PolishApiError(code, code === 'INTERNAL_ERROR' ? 'internal error' : error.message), requestId));
  });
  app.setNotFoundHandler((request, reply) => sendResult(reply, bank.errorResult(new PolishApiError('NOT_FOUND', `no such path: ${request.method} ${splitUrl(request.url).path}`), headerOf(request, 'x-request-id'))));

  const methodNotAllowed = async (request: FastifyRequest, reply: FastifyReply) =>
    sendResult(reply.header('allow', 'POST'), bank.errorResult(new PolishApiError('METHOD_NOT_ALLOWED', `${request.method} is not allowed here: use POST`), headerOf(request, 'x-request-id')));
  for (const [op, path] of Object.entries(POLISH_API_PATHS) as Array<[PolishApiOperation, string]>) {
    app.post(path, async (request, reply) => {
      const result = await bank.handle(op, { headers: request.headers, rawBody: rawBodies.get(request) ?? '', body: request.body });
      const entry = entries.get(request);
      if (entry && result.kind === 'json' && result.generated !== undefined) entry.generated = result.generated;
      if (result.kind !== 'json' || result.status !== 200) return sendResult(reply, result);
      const form = brokenNext.get(request);
      // Broken before signing: the answer is the bank's own, signature and all.
      if (form !== undefined) breakNextPage(result.body, form, request.body);
      const text = JSON.stringify(result.body);
      return sendResult(reply, result, { text, signature: await bank.signingKey.sign(text) });
    });
    app.route({ method: ['GET', 'PUT', 'DELETE', 'PATCH'], url: path, handler: methodNotAllowed });
  }
  for (const path of NOT_IMPLEMENTED_PATHS) {
    app.post(path, async (request, reply) =>
      sendResult(reply, bank.errorResult(new PolishApiError('NOT_IMPLEMENTED', 'this sandbox offers the AS and AIS services only'), headerOf(request, 'x-request-id'))),
    );
  }

  app.get(PSU_PAGE_PATH, async (request, reply) => sendResult(reply, bank.psuPage((request.query ?? {}) as Record<string, unknown>)));
  await app.register(async (scope) => {
    await scope.register(formbody);
    scope.post(PSU_FORM_PATH, async (request, reply) => sendResult(reply, bank.psuForm(request.body)));
  });

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  bank.setBaseUrl(url);
  return {
    url,
    answers: () => [...answers],
    close: async () => {
      for (const socket of hung) socket.destroy();
      hung.clear();
      await app.close();
    },
  };
}

/**
 * A `next-link` fault on a list answer: its `pageInfo.nextPage` (when it has one) names the page
 * asked for again (`looping`; page 1 has no id to repeat, so it stays), or is a number where
 * the spec has a page token (`malformed`).
 */
function breakNextPage(body: unknown, form: NextLinkFault, requestBody: unknown): void {
  const pageInfo = typeof body === 'object' && body !== null ? (body as { pageInfo?: unknown }).pageInfo : undefined;
  if (typeof pageInfo !== 'object' || pageInfo === null || !('nextPage' in pageInfo)) return;
  const asked = typeof requestBody === 'object' && requestBody !== null ? (requestBody as { pageId?: unknown }).pageId : undefined;
  if (form === 'malformed') (pageInfo as { nextPage: unknown }).nextPage = 2;
  else if (typeof asked === 'string') (pageInfo as { nextPage: unknown }).nextPage = asked;
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Writes a result; a signed JSON body is sent as exactly the text its signature covers. */
function sendResult(reply: FastifyReply, result: PolishApiResult, signed?: { readonly text: string; readonly signature: string }): FastifyReply {
  switch (result.kind) {
    case 'json': {
      reply.code(result.status).headers(result.headers ?? {});
      if (signed !== undefined) reply.header('x-jws-signature', signed.signature);
      return reply.type('application/json; charset=utf-8').send(signed?.text ?? JSON.stringify(result.body));
    }
    case 'empty':
      return reply.code(result.status).send();
    case 'html':
      return reply.code(result.status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(result.html);
    case 'redirect':
      return reply.code(302).header('location', result.location).header('cache-control', 'no-store').send();
  }
}
