import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Agent, buildConnector, errors as undiciErrors, request } from 'undici';
import { Redacted, Schema } from 'effect';
import type { CookieJar } from 'tough-cookie';
import { systemClock, type Clock } from '../clock';
import { ConnectorErrors, SdkErrorCode, type ConnectorError, type ConnectorErrorTag } from '../errors';
import { err, ok, type Outcome } from '../outcome';
import { bankContent } from './bank-content';
import { hostOf, isUrlAllowed } from './hosts';
import { createRequestLimiter, type RequestLimiter } from './limiter';
import { awaitPullTurn } from './paging';
import {
  backoffDelay,
  defaultRetryPolicy,
  isIdempotentMethod,
  parseRetryAfter,
  RETRYABLE_STATUSES,
  type RetryPolicy,
} from './retry';

/** HTTP methods a connector may use. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** A value that may be a secret: `Redacted` values are revealed only when the request is sent. */
export type MaybeSecret = string | Redacted.Redacted<string>;

/** Connect and total timeouts of one attempt. */
export interface HttpTimeouts {
  /** TCP + TLS setup. */
  readonly connectMs: number;
  /** The whole attempt: connect, send, headers and body. */
  readonly totalMs: number;
}

/** Defaults: 5 s to connect, 30 s in total per attempt. */
export const defaultHttpTimeouts: HttpTimeouts = { connectMs: 5_000, totalMs: 30_000 };

/** Default cap on response bodies (bounded memory whatever the bank sends). */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * A request body. `json` may contain `Redacted` values (revealed when sent) and bigints
 * (sent as strings); `form` is sent as application/x-www-form-urlencoded.
 */
export type HttpBody =
  | { readonly json: unknown }
  | { readonly form: Readonly<Record<string, MaybeSecret>> }
  | { readonly text: MaybeSecret; readonly contentType: string };

/** One call to the bank. */
export interface HttpRequest {
  readonly method: HttpMethod;
  readonly url: string | URL;
  /** Added to the URL's query; undefined values are skipped. Never reported to hooks. */
  readonly query?: Readonly<Record<string, MaybeSecret | number | undefined>>;
  /** Header names are case-insensitive; pass tokens as `Redacted`. */
  readonly headers?: Readonly<Record<string, MaybeSecret | undefined>>;
  readonly body?: HttpBody;
  /** Cookie jar for credential connectors: cookies are sent and Set-Cookie stored on every hop. */
  readonly cookies?: CookieJar;
  /** Overrides the client's timeouts for this call. */
  readonly timeouts?: Partial<HttpTimeouts>;
  /**
   * Overrides the retry policy; `false` sends exactly once. `idempotent` overrides the
   * method's default (GET/HEAD/OPTIONS/PUT/DELETE retry; POST/PATCH do not): set it to false
   * for a PUT that rotates tokens, true for a POST the bank documents as safe to repeat.
   */
  readonly retry?: false | (Partial<RetryPolicy> & { readonly idempotent?: boolean });
  /** Redirects to follow (default 0); a redirect outside the allowed hosts is never followed. */
  readonly followRedirects?: number;
  /** Statuses returned as responses even though they are normally retried and mapped (e.g. a 503 maintenance page to parse). */
  readonly passStatuses?: readonly number[];
  /** Overrides the client's body size cap for this call. */
  readonly maxBodyBytes?: number;
}

/** A buffered response. 5xx/408/429 never arrive here (they become errors) unless listed in `passStatuses`. */
export interface HttpResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /** The body as UTF-8 text. */
  text(): string;
  /** Parses the body as JSON: a `PermanentError` with code `malformed_body` when it is not JSON. */
  json(): Outcome<unknown>;
  /** Parses and decodes the body: `unexpected_body` when it does not match `schema`. */
  json<T>(schema: Schema.Codec<T, unknown>): Outcome<T>;
}

/** One attempt of one call, for the app's audit log of bank calls. Holds no query, header or body. */
export interface HttpCallEvent {
  readonly connectorId: string;
  readonly method: string;
  /** `host[:port]` */
  readonly host: string;
  /** The path without the query string. */
  readonly path: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly outcome: 'response' | 'timeout' | 'network' | 'blocked' | 'bodyTooLarge';
  readonly status?: number;
  readonly durationMs: number;
  /** Set when another attempt follows after this wait. */
  readonly retryInMs?: number;
  /** Set when this attempt ended the call with an error. */
  readonly errorTag?: ConnectorErrorTag;
}

/** Settings of an {@link HttpClient}. */
export interface HttpClientOptions {
  /** For hook events and messages. */
  readonly connectorId: string;
  /** Host entries the client may contact (manifest hosts plus any the app adds, e.g. a sandbox). */
  readonly allowedHosts: readonly string[];
  /** Concurrency and rate limit; default: unlimited (connectors get the manifest's limits). */
  readonly limiter?: RequestLimiter;
  readonly clock?: Clock;
  readonly timeouts?: Partial<HttpTimeouts>;
  readonly retry?: Partial<RetryPolicy>;
  readonly maxBodyBytes?: number;
  /** Called once per attempt; exceptions thrown by it are ignored. */
  readonly onCall?: (event: HttpCallEvent) => void;
  /** Random source for jitter (tests). */
  readonly random?: () => number;
}

/** The HTTP client a connector gets: every call bounded, retried, limited and typed. */
export interface HttpClient {
  /** Sends a request; never throws. */
  send(request: HttpRequest): Promise<Outcome<HttpResponse>>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

type Attempt =
  | { readonly kind: 'response'; readonly response: HttpResponse }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'network'; readonly code: string }
  | { readonly kind: 'bodyTooLarge' }
  | { readonly kind: 'failed'; readonly error: ConnectorError };


const TIMEOUT = Symbol('kinko.http.timeout');

/**
 * An attempt's total-time signal for undici, which takes an EventEmitter as well as an
 * AbortSignal (`aborted`, `reason`, an 'abort' event): one is made per attempt, and an
 * AbortController with its AbortSignal (an EventTarget) costs several times more to make and
 * to listen to, on every bank call.
 */
class AttemptTimeout extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

function reveal(v: MaybeSecret): string {
  return Redacted.isRedacted(v) ? String(Redacted.value(v)) : v;
}

/** The revealed values of a request's `Redacted` parts (query, headers, body): never to be echoed into an error. */
function secretsOf(req: HttpRequest): string[] {
  const out: string[] = [];
  const visit = (v: unknown, depth: number): void => {
    if (Redacted.isRedacted(v)) out.push(String(Redacted.value(v)));
    else if (depth < 8 && typeof v === 'object' && v !== null) for (const x of Object.values(v)) visit(x, depth + 1);
  };
  visit(req.query, 0);
  visit(req.headers, 0);
  visit(req.body, 0);
  return out;
}

function jsonText(value: unknown): string {
  // The replacer sees values after toJSON(); `this[key]` is the original, so Redacted values
  // (whose toJSON hides them) can be revealed for the wire.
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    if (Redacted.isRedacted(raw)) return Redacted.value(raw);
    if (typeof v === 'bigint') return v.toString();
    return v;
  });
}

function encodeBody(body: HttpBody | undefined): { payload?: string; contentType?: string } {
  if (body === undefined) return {};
  if ('json' in body) return { payload: jsonText(body.json), contentType: 'application/json' };
  if ('form' in body) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(body.form)) params.append(k, reveal(v));
    return { payload: params.toString(), contentType: 'application/x-www-form-urlencoded' };
  }
  return { payload: reveal(body.text), contentType: body.contentType };
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function makeResponse(status: number, headers: Record<string, string>, body: Buffer, label: string): HttpResponse {
  function json(): Outcome<unknown>;
  function json<T>(schema: Schema.Codec<T, unknown>): Outcome<T>;
  function json<T>(schema?: Schema.Codec<T, unknown>): Outcome<unknown> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      // The parser's message quotes the body, which may hold tokens: say only where.
      return err(ConnectorErrors.permanent({ code: SdkErrorCode.malformedBody, httpStatus: status, message: `malformed JSON body from ${label}` }));
    }
    if (schema === undefined) return ok(parsed);
    const decoded = Schema.decodeUnknownResult(schema)(parsed);
    if (decoded._tag === 'Success') return ok(decoded.success);
    return err(
      ConnectorErrors.permanent({
        code: SdkErrorCode.unexpectedBody,
        httpStatus: status,
        message: `unexpected body from ${label}: ${decoded.failure.message}`,
      }),
    );
  }
  return { status, headers, body, text: () => body.toString('utf8'), json };
}

/**
 * undici's connector with our own connect timer: undici's ticks at 0.5–1 s, which would let a
 * 200 ms connect timeout take a second. On expiry the socket is destroyed with undici's own
 * ConnectTimeoutError, so undici reports it through its usual path.
 */
function preciseConnector(connectMs: number): buildConnector.connector {
  const base = buildConnector({ timeout: 0 });
  return (options, callback) => {
    let settled = false;
    let socket: Socket | undefined;
    const timer = setTimeout(() => {
      if (!settled) socket?.destroy(new undiciErrors.ConnectTimeoutError());
    }, connectMs);
    try {
      // The connector returns the socket it opens, though its type says void.
      socket = (base as (o: buildConnector.Options, cb: buildConnector.Callback) => unknown)(options, (...args: Parameters<buildConnector.Callback>) => {
        settled = true;
        clearTimeout(timer);
        callback(...args);
      }) as Socket | undefined;
    } catch (e) {
      clearTimeout(timer);
      throw e;
    }
  };
}

/** Creates an HTTP client (connectors get one from their context; tests may build their own). */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const limiter = options.limiter ?? createRequestLimiter({ maxConcurrency: Number.MAX_SAFE_INTEGER, requestsPerSecond: Number.POSITIVE_INFINITY });
  const baseTimeouts: HttpTimeouts = { ...defaultHttpTimeouts, ...options.timeouts };
  const basePolicy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  const baseMaxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const agents = new Map<number, Agent>();

  const agentFor = (connectMs: number): Agent => {
    let agent = agents.get(connectMs);
    if (!agent) {
      agent = new Agent({ connect: preciseConnector(connectMs) });
      agents.set(connectMs, agent);
    }
    return agent;
  };

  const emit = (event: Omit<HttpCallEvent, 'connectorId'>): void => {
    try {
      options.onCall?.({ connectorId: options.connectorId, ...event });
    } catch {
      // An audit hook must never break a bank call.
    }
  };

  async function attemptOnce(
    url: URL,
    method: HttpMethod,
    headers: Record<string, string>,
    payload: string | undefined,
    cookies: CookieJar | undefined,
    timeouts: HttpTimeouts,
    maxBodyBytes: number,
    label: string,
  ): Promise<Attempt> {
    const release = await limiter.acquire();
    const signal = new AttemptTimeout();
    const timer = setTimeout(() => signal.abort(TIMEOUT), timeouts.totalMs);
    try {
      const sent: Record<string, string> = { ...headers };
      if (cookies) {
        const cookie = await cookies.getCookieString(url.href);
        if (cookie !== '') sent.cookie = cookie;
      }
      const res = await request(url, {
        method,
        headers: sent,
        body: payload ?? null,
        dispatcher: agentFor(timeouts.connectMs),
        signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBodyBytes) {
          res.body.destroy();
          return { kind: 'bodyTooLarge' };
        }
        chunks.push(chunk);
      }
      if (cookies) {
        const setCookie = res.headers['set-cookie'];
        for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
          await cookies.setCookie(c, url.href, { ignoreError: true });
        }
      }
      return { kind: 'response', response: makeResponse(res.statusCode, flattenHeaders(res.headers), Buffer.concat(chunks), label) };
    } catch (e) {
      if (signal.aborted) return { kind: 'timeout' };
      const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
      if (code === 'UND_ERR_CONNECT_TIMEOUT') return { kind: 'network', code: SdkErrorCode.connectTimeout };
      if (code === 'UND_ERR_INVALID_ARG') {
        return { kind: 'failed', error: ConnectorErrors.permanent({ code: SdkErrorCode.invalidRequest, message: `invalid request ${label}` }) };
      }
      // Everything else (reset, refused, closed mid-response, DNS, TLS, parser errors) is the
      // network between us and the bank failing.
      return { kind: 'network', code: SdkErrorCode.connectionFailed };
    } finally {
      clearTimeout(timer);
      release();
    }
  }

  // The bank's answer travels with the error (status + bounded, redacted content: syncError.aspspResponse).
  function statusError(response: HttpResponse, retryAfterMs: number | undefined, label: string, secrets: readonly string[]): ConnectorError {
    const status = response.status;
    const message = `${label} answered ${status}`;
    const content = bankContent(response.body, secrets);
    if (status === 429) return ConnectorErrors.rateLimited({ message, retryAfterMs, httpStatus: status, content });
    if (status === 503) return ConnectorErrors.serviceUnavailable({ message, retryAfterMs, httpStatus: status, content });
    return ConnectorErrors.temporary({ code: SdkErrorCode.bankStatus, httpStatus: status, message, content });
  }

  async function sendWithRetries(
    req: HttpRequest,
    url: URL,
    method: HttpMethod,
    headers: Record<string, string>,
    payload: string | undefined,
  ): Promise<Outcome<HttpResponse>> {
    const retry = req.retry;
    const policy: RetryPolicy = retry === false ? { ...basePolicy, maxAttempts: 1 } : { ...basePolicy, ...retry };
    const idempotent = retry === false ? false : (retry?.idempotent ?? isIdempotentMethod(method));
    const timeouts: HttpTimeouts = { ...baseTimeouts, ...req.timeouts };
    const maxBodyBytes = req.maxBodyBytes ?? baseMaxBody;
    const pass = new Set(req.passStatuses ?? []);
    const label = `${method} ${hostOf(url)}${url.pathname}`;
    const where = { method, host: hostOf(url), path: url.pathname };

    for (let attempt = 1; ; attempt += 1) {
      const started = performance.now();
      const result = await attemptOnce(url, method, headers, payload, req.cookies, timeouts, maxBodyBytes, label);
      const durationMs = Math.round(performance.now() - started);
      const more = attempt < policy.maxAttempts;

      const giveUp = (event: Omit<HttpCallEvent, 'connectorId' | 'errorTag'>, error: ConnectorError): Outcome<HttpResponse> => {
        emit({ ...event, errorTag: error._tag });
        return err(error);
      };
      const retryAfter = async (event: Omit<HttpCallEvent, 'connectorId'>, delay: number): Promise<void> => {
        emit({ ...event, retryInMs: delay });
        await clock.sleep(delay);
      };

      switch (result.kind) {
        case 'response': {
          const status = result.response.status;
          const event = { ...where, attempt, outcome: 'response' as const, status, durationMs };
          if (!RETRYABLE_STATUSES.has(status) || pass.has(status)) {
            emit(event);
            return ok(result.response);
          }
          const retryAfterMs =
            status === 429 || status === 503 ? parseRetryAfter(result.response.headers['retry-after'], clock.now()) : undefined;
          const error = statusError(result.response, retryAfterMs, label, secretsOf(req));
          // A 429 means the bank did not act on the request, so even a POST may be repeated.
          const mayRepeat = more && (idempotent || (status === 429 && retry !== false));
          if (!mayRepeat) return giveUp(event, error);
          // Asked to wait longer than we ever sleep: report the wait instead of sleeping.
          if (retryAfterMs !== undefined && retryAfterMs > policy.maxDelayMs) return giveUp(event, error);
          await retryAfter(event, retryAfterMs ?? backoffDelay(policy, attempt, random));
          continue;
        }
        case 'timeout':
        case 'network': {
          const event = { ...where, attempt, outcome: result.kind, durationMs };
          const error =
            result.kind === 'timeout'
              ? ConnectorErrors.temporary({ code: SdkErrorCode.timeout, message: `${label} timed out after ${timeouts.totalMs} ms` })
              : ConnectorErrors.network({
                  code: result.code,
                  message:
                    result.code === SdkErrorCode.connectTimeout
                      ? `${label}: no connection within ${timeouts.connectMs} ms`
                      : `${label}: connection failed`,
                });
          if (!(more && idempotent)) return giveUp(event, error);
          await retryAfter(event, backoffDelay(policy, attempt, random));
          continue;
        }
        case 'bodyTooLarge':
          return giveUp(
            { ...where, attempt, outcome: 'bodyTooLarge', durationMs },
            ConnectorErrors.permanent({ code: SdkErrorCode.bodyTooLarge, message: `${label}: body larger than ${maxBodyBytes} bytes` }),
          );
        case 'failed':
          return giveUp({ ...where, attempt, outcome: 'network', durationMs }, result.error);
      }
    }
  }

  async function send(req: HttpRequest): Promise<Outcome<HttpResponse>> {
    // Started while the SDK looks past a page: sent only once the caller pulls the next one.
    if (!(await awaitPullTurn())) {
      return err(ConnectorErrors.permanent({ code: SdkErrorCode.invalidRequest, message: `${options.connectorId}: request not sent, the page stream was closed` }));
    }
    let url: URL;
    try {
      url = new URL(req.url);
      // Appended to a URLSearchParams of its own and set once: appending to url.searchParams
      // leaves the URL to re-serialise its query at every later read of url.search (undici
      // reads it on each attempt). The same text: the URL's query serialised as a form.
      let params: URLSearchParams | undefined;
      for (const [k, v] of Object.entries(req.query ?? {})) {
        if (v === undefined) continue;
        params ??= new URLSearchParams(url.search);
        params.append(k, typeof v === 'number' ? String(v) : reveal(v));
      }
      if (params !== undefined) url.search = params.toString();
    } catch {
      return err(ConnectorErrors.permanent({ code: SdkErrorCode.invalidRequest, message: `invalid URL in a request of ${options.connectorId}` }));
    }
    let method = req.method;
    const encoded = encodeBody(req.body);
    let payload = encoded.payload;
    let headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'kinko-connector-sdk' };
    if (encoded.contentType !== undefined) headers['content-type'] = encoded.contentType;
    for (const [k, v] of Object.entries(req.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = reveal(v);
    const maxHops = req.followRedirects ?? 0;

    for (let hop = 0; ; hop += 1) {
      if (!isUrlAllowed(url, options.allowedHosts)) {
        const code = hop === 0 ? SdkErrorCode.hostNotAllowed : SdkErrorCode.redirectBlocked;
        const error = ConnectorErrors.permanent({ code, message: `${options.connectorId} may not contact ${url.protocol}//${hostOf(url)}` });
        emit({ method, host: hostOf(url), path: url.pathname, attempt: 0, outcome: 'blocked', durationMs: 0, errorTag: error._tag });
        return err(error);
      }
      const out = await sendWithRetries(req, url, method, headers, payload);
      if (!out.ok) return out;
      const { status, headers: resHeaders } = out.value;
      const location = resHeaders.location;
      if (status < 300 || status > 399 || status === 304 || location === undefined || maxHops === 0) return out;
      if (hop >= maxHops) {
        return err(ConnectorErrors.permanent({ code: SdkErrorCode.redirectBlocked, message: `${method} ${hostOf(url)}${url.pathname}: too many redirects` }));
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return err(ConnectorErrors.permanent({ code: SdkErrorCode.redirectBlocked, message: `${method} ${hostOf(url)}${url.pathname}: invalid redirect` }));
      }
      if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
        method = 'GET';
        payload = undefined;
        const { 'content-type': _dropped, ...rest } = headers;
        headers = rest;
      }
      if (next.origin !== url.origin) {
        // Credentials are bound to the origin they were meant for.
        const { authorization: _a, 'proxy-authorization': _p, ...rest } = headers;
        headers = rest;
      }
      url = next;
    }
  }

  return {
    async send(req) {
      try {
        return await send(req);
      } catch (e) {
        const name = e instanceof Error ? e.name : typeof e;
        return err(ConnectorErrors.permanent({ code: SdkErrorCode.unexpectedException, message: `unexpected ${name} in the HTTP client of ${options.connectorId}` }));
      }
    },
    async close() {
      await Promise.all([...agents.values()].map((a) => a.close()));
      agents.clear();
    },
  };
}
