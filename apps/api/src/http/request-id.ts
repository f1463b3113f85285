import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

/** The header that carries a request's id, both ways. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's request id is taken when it looks like one: 1–128 of `A-Z a-z 0-9 . _ -`. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's `X-Request-Id` when well-formed (one header, the pattern), else a new UUID. */
export function requestIdOf(raw: Pick<IncomingMessage, 'headers'>): string {
  const given = raw.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

/** Fastify options: `request.id` is {@link requestIdOf} (Fastify's own header handling off: it does not validate). */
export function requestIdServerOptions(): Pick<FastifyServerOptions, 'genReqId' | 'requestIdHeader'> {
  return { requestIdHeader: false, genReqId: (raw) => requestIdOf(raw) };
}

/**
 * Every routed answer (found or not, success or problem) carries `X-Request-Id`; set on
 * arrival so that any later answer keeps it. Answers refused before routing set it where
 * they are written (edge.ts).
 */
export function installRequestIds(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
