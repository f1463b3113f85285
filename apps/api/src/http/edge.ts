import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions, RawServerDefault } from 'fastify';
import { ValidationFailedError } from '../common/errors';
import { PROBLEM_MEDIA_TYPE, type Problem } from './problem';
import { MAX_JSON_DEPTH } from './limits';
import { frameworkProblem } from './problem.filter';
import { REQUEST_ID_HEADER } from './request-id';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x5b, 0x7b]); // [ {
const CLOSE = new Set([0x5d, 0x7d]); // ] }

/**
 * Whether JSON text nests arrays/objects deeper than `max`, by one pass over its bytes
 * (quotes, backslashes and brackets are ASCII, never part of a multi-byte UTF-8 sequence).
 * Runs before JSON.parse, so a deep body never reaches the recursive parsers, class-transformer
 * or class-validator.
 */
export function jsonNestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (OPEN.has(c)) {
      if (++depth > max) return true;
    } else if (CLOSE.has(c)) {
      depth--;
    }
  }
  return false;
}

const NUL_REASON = 'must not contain NUL characters';

/** The first field (dotted path) whose string value, or key, contains a NUL character. */
export function fieldWithNul(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path || '(body)' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    // A wildcard route names its parameter "*".
    const field = path ? `${path}.${key}` : key === '*' ? '(path)' : key;
    if (key.includes('\0')) return path || '(body)';
    const found = fieldWithNul(item, field);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Refuses a NUL character anywhere in the path parameters, the query or the parsed body with
 * a `validation` problem: PostgreSQL text cannot hold one, so no such value goes further than
 * the edge. The one check for every route (a Fastify hook, after body parsing).
 */
function refuseNul(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  const field = fieldWithNul(request.params, '') ?? fieldWithNul(request.query, '') ?? fieldWithNul(request.body, '');
  done(field === undefined ? undefined : new ValidationFailedError([{ field, reason: `${field} ${NUL_REASON}` }]));
}

function writeProblem(reply: FastifyReply, body: Problem): void {
  void reply.status(body.status).header('content-type', PROBLEM_MEDIA_TYPE).header('cache-control', 'no-store').send(JSON.stringify(body));
}

/** What Fastify/Node answer for a request they refuse before routing, as problem+json. */
export function edgeServerOptions(securityHeaders: () => ((request: FastifyRequest, raw: FastifyReply['raw']) => void) | undefined): Pick<
  FastifyServerOptions,
  'frameworkErrors' | 'clientErrorHandler'
> {
  return {
    // A URL that does not decode (%FF), an over-long path parameter (414): the router refuses
    // them before any hook runs. The answer never echoes the URL.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      try {
        securityHeaders()?.(request, reply.raw);
      } catch {
        // The request is refused either way.
      }
      void reply.header(REQUEST_ID_HEADER, request.id);
      writeProblem(reply, { ...frameworkProblem(error.statusCode), requestId: request.id });
    },
    // Node's HTTP parser: a request line + headers over its limit (16 KiB: 431), a malformed
    // request (400), a client too slow to send one (408). Written to the socket, as Fastify's
    // default handler does, but as a problem.
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      // No request was read: a new id, answered and not taken from the (unreadable) headers.
      const requestId = randomUUID();
      const body = JSON.stringify({ ...frameworkProblem(status), requestId });
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: ${PROBLEM_MEDIA_TYPE}\r\nCache-Control: no-store\r\nX-Request-Id: ${requestId}\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy(error);
    },
  };
}

/**
 * Installs the edge guards every request passes (call before `app.init()`): JSON bodies
 * nested deeper than {@link MAX_JSON_DEPTH} are refused before parsing, and NUL characters
 * in path parameters, query or body are refused before validation.
 */
export function installEdgeGuards(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit }, (request, body, done) => {
    if (jsonNestsDeeperThan(body, MAX_JSON_DEPTH)) {
      done(new ValidationFailedError([{ field: '(body)', reason: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` }]), undefined);
      return;
    }
    parseJson(request, body.toString('utf8'), done);
  });
  fastify.addHook('preValidation', refuseNul);
}
