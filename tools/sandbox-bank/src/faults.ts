/**
 * Fault knobs shared by every sandbox: latency, error rates, one-shot failures, 429 with
 * Retry-After, hanging responses, malformed JSON and dropped connections. A
 * {@link FaultInjector} holds the settings (changeable at any time); {@link installFaultHooks}
 * applies them to a Fastify server and records every request in the {@link RequestLog}.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import type { Clock } from './clock';
import { Prng } from './generator/prng';
import { splitUrl, type RequestLog, type RequestLogEntry } from './request-log';

/** One way to answer a request badly. */
export type Fault =
  /**
   * Answer with this HTTP status; the body is a small JSON error (default), an HTML page, or
   * empty; with `retryAfterSeconds`, a Retry-After header too (e.g. a 503 for maintenance),
   * written as seconds (default) or, with `retryAfterForm: 'http-date'`, as an HTTP date.
   */
  | {
      readonly type: 'status';
      readonly status: number;
      readonly body?: 'json' | 'html' | 'empty';
      readonly retryAfterSeconds?: number;
      readonly retryAfterForm?: 'seconds' | 'http-date';
    }
  /** 429 Too Many Requests with a Retry-After header (defaults from {@link FaultSettings.retryAfter}). */
  | { readonly type: 'rate-limit'; readonly retryAfterSeconds?: number; readonly retryAfterForm?: 'seconds' | 'http-date' }
  /** Never answer (the connection stays open until the client gives up or the sandbox closes). */
  | { readonly type: 'hang' }
  /** Answer normally but cut the JSON body in half. */
  | { readonly type: 'malformed-json' }
  /** Destroy the connection without answering. */
  | { readonly type: 'drop-connection' }
  /**
   * Answer normally, but with the answer's link to the next page broken: `looping` points it
   * back at the page itself, `malformed` makes it something the bank could never serve. The
   * server says where its next link is ({@link FaultHookOptions.breakNextLink}).
   */
  | { readonly type: 'next-link'; readonly form: NextLinkFault };

/** How a `next-link` fault breaks the link to the next page. */
export type NextLinkFault = 'looping' | 'malformed';

/** Names of the faults that need no parameters, for {@link FaultSettings.faultRates}. */
export type SimpleFaultType = 'hang' | 'malformed-json' | 'drop-connection';

/** Standing fault settings of one bank. */
export interface FaultSettings {
  /** Delay before every answer, in milliseconds. */
  readonly latencyMs: number;
  /** Probability per request of answering with a status, e.g. `{ 500: 0.1, 429: 0.05 }` (429s carry Retry-After). */
  readonly errorRates: Readonly<Record<number, number>>;
  /** Probability per request of the parameterless faults, e.g. `{ 'malformed-json': 0.02 }`. */
  readonly faultRates: Readonly<Partial<Record<SimpleFaultType, number>>>;
  /** Retry-After of 429 answers: delay in seconds, written as seconds or as an HTTP-date. */
  readonly retryAfter: { readonly seconds: number; readonly form: 'seconds' | 'http-date' };
  /** Operations (`METHOD /path`) the latency and rates apply to; null means all. */
  readonly operations: readonly string[] | null;
}

/** A fault queued for the next matching requests. */
export interface ScheduledFault {
  /** What to do. */
  readonly fault: Fault;
  /** How many more matching requests get it. */
  readonly remaining: number;
  /** Operations it applies to; null means any. */
  readonly operations: readonly string[] | null;
  /** Matching requests still answered normally before it starts (a fault in the middle of a stream). */
  readonly after: number;
}

/** The default settings: no faults at all. */
export const NO_FAULTS: FaultSettings = {
  latencyMs: 0,
  errorRates: {},
  faultRates: {},
  retryAfter: { seconds: 1, form: 'seconds' },
  operations: null,
};

/** What happens to one request. */
export interface FaultDecision {
  /** Delay before anything else. */
  readonly latencyMs: number;
  /** The fault, or null to answer normally. */
  readonly fault: Fault | null;
}

/** Holds one bank's fault settings and decides, request by request, what goes wrong. */
export class FaultInjector {
  private current: FaultSettings = NO_FAULTS;
  private queue: Array<{ fault: Fault; remaining: number; operations: readonly string[] | null; after: number }> = [];
  private prng: Prng;

  /** `seed` makes the random faults (error rates) repeat run after run. */
  constructor(private readonly seed: number, initial: Partial<FaultSettings> = {}) {
    this.prng = new Prng(seed);
    this.set(initial);
  }

  /** The standing settings. */
  settings(): FaultSettings {
    return this.current;
  }

  /** Changes some settings; the others stay. Throws on invalid values. */
  set(patch: Partial<FaultSettings>): void {
    const next: FaultSettings = { ...this.current, ...patch };
    if (!Number.isFinite(next.latencyMs) || next.latencyMs < 0) throw new Error('latencyMs must be ≥ 0');
    let total = 0;
    for (const [status, p] of Object.entries(next.errorRates)) {
      const code = Number(status);
      if (!Number.isInteger(code) || code < 400 || code > 599) throw new Error(`errorRates: ${status} is not an error status`);
      total += checkProbability(p);
    }
    for (const p of Object.values(next.faultRates)) total += checkProbability(p ?? 0);
    if (total > 1) throw new Error('error and fault rates add up to more than 1');
    if (!Number.isFinite(next.retryAfter.seconds) || next.retryAfter.seconds < 0) throw new Error('retryAfter.seconds must be ≥ 0');
    this.current = next;
  }

  /** Sets the delay before every answer. */
  setLatency(ms: number): void {
    this.set({ latencyMs: ms });
  }

  /** Sets the per-request probabilities of error statuses, e.g. `{ 500: 0.1 }`. */
  setErrorRates(rates: Readonly<Record<number, number>>): void {
    this.set({ errorRates: rates });
  }

  /**
   * Makes the next `count` requests (of the given operations, default any) fail with
   * `fault` — or with that HTTP status when a number is given — after `after` matching
   * requests answered normally (default 0: page 2 of a fetch fails with `after: 1`). Queued
   * faults run in order.
   */
  failNext(count: number, fault: Fault | number, options: { readonly operations?: readonly string[]; readonly after?: number } = {}): void {
    if (!Number.isInteger(count) || count < 1) throw new Error('count must be a positive integer');
    const f: Fault = typeof fault === 'number' ? { type: 'status', status: fault } : fault;
    if (f.type === 'status' && (!Number.isInteger(f.status) || f.status < 100 || f.status > 599)) throw new Error(`invalid status ${f.status}`);
    if (f.type === 'status' && f.retryAfterSeconds !== undefined && !(Number.isFinite(f.retryAfterSeconds) && f.retryAfterSeconds >= 0)) throw new Error('retryAfterSeconds must be ≥ 0');
    const after = options.after ?? 0;
    if (!Number.isInteger(after) || after < 0) throw new Error('after must be a non-negative integer');
    this.queue.push({ fault: f, remaining: count, operations: options.operations ?? null, after });
  }

  /** Faults still queued. */
  scheduled(): ScheduledFault[] {
    return this.queue.map((q) => ({ ...q }));
  }

  /** Back to no faults, nothing queued, and the random sequence restarted. */
  reset(): void {
    this.current = NO_FAULTS;
    this.queue = [];
    this.prng = new Prng(this.seed);
  }

  /** Decides the fate of one request of `operation`. */
  decide(operation: string): FaultDecision {
    const s = this.current;
    const applies = s.operations === null || s.operations.includes(operation);
    const latencyMs = applies ? s.latencyMs : 0;
    const queued = this.queue.find((q) => q.operations === null || q.operations.includes(operation));
    if (queued && queued.after > 0) {
      queued.after -= 1;
      return { latencyMs, fault: null };
    }
    if (queued) {
      queued.remaining -= 1;
      if (queued.remaining <= 0) this.queue.splice(this.queue.indexOf(queued), 1);
      return { latencyMs, fault: queued.fault };
    }
    if (!applies) return { latencyMs, fault: null };
    const rates: Array<[Fault, number]> = [
      ...Object.entries(s.errorRates).map(([status, p]): [Fault, number] => [
        Number(status) === 429 ? { type: 'rate-limit' } : { type: 'status', status: Number(status) },
        p,
      ]),
      ...Object.entries(s.faultRates).map(([type, p]): [Fault, number] => [{ type: type as SimpleFaultType }, p ?? 0]),
    ];
    if (rates.length === 0) return { latencyMs, fault: null };
    let u = this.prng.next();
    for (const [fault, p] of rates) {
      if (u < p) return { latencyMs, fault };
      u -= p;
    }
    return { latencyMs, fault: null };
  }
}

function checkProbability(p: number): number {
  if (!Number.isFinite(p) || p < 0 || p > 1) throw new Error(`probability ${p} is not in [0, 1]`);
  return p;
}

/** How {@link installFaultHooks} recognises and records requests. */
export interface FaultHookOptions {
  /** The bank code written into the request log. */
  readonly bank: string;
  /** The bank's fault settings. */
  readonly injector: FaultInjector;
  /** Where requests are recorded. */
  readonly log: RequestLog;
  /** The sandbox clock (log times, Retry-After dates). */
  readonly clock: Clock;
  /** Requests whose path starts with this prefix (the admin API) get no faults and no log entries. */
  readonly exemptPrefix: string;
  /**
   * The standard's link to the next page in an answer's text, broken as `form` says: the new
   * text, or undefined when the answer has no next page to break. Without it, `next-link`
   * faults answer normally. {@link jsonNextLink} adapts an edit of a JSON body.
   */
  readonly breakNextLink?: (text: string, form: NextLinkFault) => string | undefined;
}

/**
 * A {@link FaultHookOptions.breakNextLink} for JSON answers: `edit` changes the parsed body in
 * place and says whether it had a next page to break.
 */
export function jsonNextLink(edit: (body: Record<string, unknown>, form: NextLinkFault) => boolean): (text: string, form: NextLinkFault) => string | undefined {
  return (text, form) => {
    const body = parseJson(text);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
    return edit(body as Record<string, unknown>, form) ? JSON.stringify(body) : undefined;
  };
}

/** Handles returned by {@link installFaultHooks}. */
export interface FaultHooks {
  /** Adds details to the log entry of a request (e.g. how many transactions were generated). */
  annotate(request: FastifyRequest, details: Pick<RequestLogEntry, 'generated'>): void;
  /** Destroys the connections held open by `hang` faults; call before closing the server. */
  releaseHung(): void;
}

/** Applies the injector's faults to every non-exempt request of `app` and logs them. */
export function installFaultHooks(app: FastifyInstance, options: FaultHookOptions): FaultHooks {
  const entries = new WeakMap<FastifyRequest, ReturnType<RequestLog['record']>>();
  const malformed = new WeakSet<FastifyRequest>();
  const brokenNext = new WeakMap<FastifyRequest, NextLinkFault>();
  const hung = new Set<Socket>();

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const { path, query } = splitUrl(request.url);
    if (path.startsWith(options.exemptPrefix)) return;
    const route = request.routeOptions.url;
    const operation = route === undefined ? null : `${request.method} ${route}`;
    const entry = options.log.record({ at: options.clock().toISOString(), bank: options.bank, operation, method: request.method, path, query });
    entries.set(request, entry);
    const decision = options.injector.decide(operation ?? `${request.method} ${path}`);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    const fault = decision.fault;
    if (!fault) return;
    switch (fault.type) {
      case 'status': {
        entry.fault = `status:${fault.status}`;
        const body = fault.body ?? 'json';
        reply.code(fault.status);
        if (fault.retryAfterSeconds !== undefined) reply.header('retry-after', retryAfterValue(fault.retryAfterSeconds, fault.retryAfterForm ?? 'seconds', options.clock));
        if (body === 'html') return reply.type('text/html; charset=utf-8').send(`<html><body><h1>${fault.status}</h1><p>システムエラーが発生しました。</p></body></html>`);
        if (body === 'empty') return reply.send();
        return reply.send({ error: 'injected_fault', status: fault.status });
      }
      case 'rate-limit': {
        entry.fault = 'rate-limit';
        const seconds = fault.retryAfterSeconds ?? options.injector.settings().retryAfter.seconds;
        const form = fault.retryAfterForm ?? options.injector.settings().retryAfter.form;
        return reply.code(429).header('retry-after', retryAfterValue(seconds, form, options.clock)).send({ error: 'rate_limited' });
      }
      case 'hang': {
        entry.fault = 'hang';
        reply.hijack();
        const socket = request.raw.socket;
        hung.add(socket);
        socket.once('close', () => hung.delete(socket));
        return;
      }
      case 'drop-connection': {
        entry.fault = 'drop-connection';
        reply.hijack();
        request.raw.socket.destroy();
        return;
      }
      case 'malformed-json':
        entry.fault = 'malformed-json';
        malformed.add(request);
        return;
      case 'next-link':
        entry.fault = `next-link:${fault.form}`;
        brokenNext.set(request, fault.form);
        return;
    }
  });

  app.addHook('onSend', async (request: FastifyRequest, _reply: FastifyReply, payload: unknown) => {
    const form = brokenNext.get(request);
    if (form !== undefined && options.breakNextLink !== undefined && typeof payload === 'string') return options.breakNextLink(payload, form) ?? payload;
    if (!malformed.has(request)) return payload;
    const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '{}';
    // Half a JSON object is never valid JSON: its closing brace is gone.
    return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  });

  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const entry = entries.get(request);
    if (entry) entry.status = reply.statusCode;
  });

  return {
    annotate(request, details) {
      const entry = entries.get(request);
      if (entry && details.generated !== undefined) entry.generated = details.generated;
    },
    releaseHung() {
      for (const socket of hung) socket.destroy();
      hung.clear();
    },
  };
}

/** A Retry-After header value: whole seconds, or the HTTP date that many seconds after the sandbox clock's now. */
function retryAfterValue(seconds: number, form: 'seconds' | 'http-date', clock: Clock): string {
  return form === 'seconds' ? String(Math.ceil(seconds)) : new Date(clock().getTime() + seconds * 1000).toUTCString();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
