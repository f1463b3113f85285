/**
 * The answers a sandbox sent, kept for checking against the published spec (the conformance
 * kit's sandbox-matches-spec, contract tests). Test use only: bodies may carry tokens, so
 * nothing here is logged or served.
 */
import type { FastifyInstance } from 'fastify';

/** One answer as the bank sent it. */
export interface SpecAnswer {
  /** Lower case, as the spec's operations (`get`, `post`, `delete`). */
  readonly method: string;
  /** The spec's path template of the route, e.g. `/v1/accounts/{account-id}/transactions`. */
  readonly path: string;
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as sent ('' when none). */
  readonly body: string;
}

/** Options of {@link recordAnswers}. */
export interface RecordAnswersOptions {
  /** Whether the answers of a route (Fastify's template, e.g. `/v1/accounts/:accountId`) are kept. */
  readonly include: (route: string) => boolean;
  /** The spec's path template of a route (default: `:name` → `{name}`). */
  readonly specPath?: (route: string) => string;
  /** How many answers are kept, the last ones (default 10 000). */
  readonly limit?: number;
}

/** Keeps every answer of the included routes of `app` in `into` (oldest first), as finally sent. */
export function recordAnswers(app: FastifyInstance, into: SpecAnswer[], options: RecordAnswersOptions): void {
  const specPath = options.specPath ?? ((route: string) => route.replace(/:([A-Za-z0-9_-]+)/g, '{$1}'));
  const limit = options.limit ?? 10_000;
  app.addHook('onSend', async (request, reply, payload) => {
    const route = request.routeOptions.url;
    if (route === undefined || !options.include(route)) return payload;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name.toLowerCase()] = String(value);
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
    into.push({ method: request.method.toLowerCase(), path: specPath(route), status: reply.statusCode, headers, body });
    if (into.length > limit) into.splice(0, into.length - limit);
    return payload;
  });
}
