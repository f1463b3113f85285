import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConflictError, KinkoError, RateLimitedError, RefreshQuotaSpentError, ValidationFailedError } from '../common/errors';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../database/database-unavailable';
import { conflictKind, PROBLEM_MEDIA_TYPE, type Problem, type ProblemKind, problem } from './problem';

const assertUnreachable = (x: never): never => {
  throw new Error(`unmapped error code ${String(x)}`);
};

/** The one place where errors become HTTP responses: every error is problem+json. */
export function toProblem(error: unknown, instance: string | undefined): Problem {
  if (error instanceof KinkoError) {
    const code = error.code;
    switch (code) {
      case 'validation':
        return problem('validation', {
          instance,
          detail: 'One or more fields are invalid.',
          errors: error instanceof ValidationFailedError ? error.issues : [],
        });
      case 'unauthorized':
        return problem('unauthorized', { instance, detail: error.message });
      case 'forbidden':
        return problem('forbidden', { instance, detail: error.message });
      case 'not-found':
        return problem('not-found', { instance, detail: error.message });
      case 'conflict':
        return problem(error instanceof ConflictError ? conflictKind(error.reason) : 'conflict', { instance, detail: error.message });
      case 'bank-error':
        return problem('bank-error', { instance, detail: error.message });
      case 'service-unavailable':
        return problem('service-unavailable', { instance, detail: error.message });
      case 'link-page-only':
        return problem('link-page-only', { instance, detail: error.message });
      case 'invalid-cursor':
        return problem('invalid-cursor', { instance, detail: error.message });
      case 'cursor-unusable':
        return problem('cursor-unusable', { instance, detail: error.message });
      case 'idempotency-key-reused':
        return problem('idempotency-key-reused', { instance, detail: error.message });
      case 'idempotency-request-in-progress':
        return problem('idempotency-request-in-progress', { instance, detail: error.message });
      case 'rate-limited':
        return problem('rate-limited', { instance, detail: error.message });
      case 'refresh-quota-spent':
        return problem('refresh-quota-spent', {
          instance,
          detail: error.message,
          ...(error instanceof RefreshQuotaSpentError ? { nextRefreshPossibleAt: error.nextRefreshPossibleAt.toISOString() } : {}),
        });
      default:
        return assertUnreachable(code);
    }
  }
  if (error instanceof HttpException) {
    const kind = kindOfStatus(error.getStatus());
    if (kind) return problem(kind, { instance, detail: detailOfHttpException(error, kind) });
  }
  if (isDatabaseUnavailable(error)) return problem('service-unavailable', { instance, detail: 'The database is unavailable; try again shortly.' });
  return problem('internal', { instance, detail: 'An unexpected error occurred; it has been logged.' });
}

function kindOfStatus(status: number): ProblemKind | undefined {
  switch (status) {
    case 400:
      return 'malformed-request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 405:
      return 'method-not-allowed';
    case 408:
      return 'request-timeout';
    case 409:
      return 'conflict';
    case 413:
      return 'payload-too-large';
    case 414:
      return 'uri-too-long';
    case 415:
      return 'unsupported-media-type';
    case 429:
      return 'rate-limited';
    case 431:
      return 'header-fields-too-large';
    case 503:
      return 'service-unavailable';
    default:
      return undefined;
  }
}

// Framework messages can quote request internals; answer with fixed, useful sentences.
function detailOfHttpException(error: HttpException, kind: ProblemKind): string {
  switch (kind) {
    case 'malformed-request':
      return 'The request body could not be parsed (send valid JSON with Content-Type: application/json).';
    case 'not-found':
      return 'No such resource.';
    case 'payload-too-large':
      return 'The request body exceeds the size limit.';
    case 'unsupported-media-type':
      return 'Send JSON with Content-Type: application/json.';
    case 'forbidden':
      return 'The request was refused (cross-origin requests are not allowed).';
    default:
      return FRAMEWORK_DETAILS[kind] ?? error.message;
  }
}

// What the HTTP layer refuses before any route runs (Fastify's router, Node's parser).
const FRAMEWORK_DETAILS: Partial<Record<ProblemKind, string>> = {
  'malformed-request': 'The request URL could not be read (check its percent-encoding).',
  'uri-too-long': 'A path segment of the URL is too long.',
  'header-fields-too-large': 'The URL and headers of the request exceed the size limit.',
  'request-timeout': 'The request did not arrive in time.',
};

/**
 * The problem for an error the framework raises before routing (a URL that does not
 * decode, an over-long path parameter, headers or URL over Node's limit, a slow client):
 * by its HTTP status, with a fixed detail and no `instance` — never an echo of the URL.
 */
export function frameworkProblem(status: number | undefined): Problem {
  if (status !== undefined && status >= 500) return problem('internal', { detail: 'An unexpected error occurred; it has been logged.' });
  const kind = (status !== undefined ? kindOfStatus(status) : undefined) ?? 'malformed-request';
  const detail = FRAMEWORK_DETAILS[kind] ?? FRAMEWORK_DETAILS['malformed-request'];
  return problem(kind, detail !== undefined ? { detail } : {});
}

/**
 * Global exception filter: maps every error to an RFC 9457 `application/problem+json`
 * response with a stable `type`. Unexpected errors are logged with their stack on the
 * server and answered with a generic 500 — never a stack trace.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest | undefined>();
    const reply = http.getResponse<FastifyReply>();
    const instance = request?.url ? request.url.split('?')[0] : undefined;
    const body: Problem = { ...toProblem(error, instance), ...(request?.id ? { requestId: request.id } : {}) };
    if (body.status === 503) {
      this.logger.warn(`[${request?.id ?? ''}] ${request?.method ?? ''} ${instance ?? ''}: unavailable (${error instanceof Error ? error.message : String(error)})`);
      void reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    } else if (error instanceof RefreshQuotaSpentError) {
      void reply.header('retry-after', String(error.retryAfterSeconds));
    } else if (body.status >= 500) {
      this.logger.error(`[${request?.id ?? ''}] ${request?.method ?? ''} ${instance ?? ''} failed`, error instanceof Error ? error.stack : String(error));
    }
    if (error instanceof RateLimitedError) void reply.header('retry-after', String(error.retryAfterSeconds));
    void reply.status(body.status).header('content-type', PROBLEM_MEDIA_TYPE).header('cache-control', 'no-store').send(JSON.stringify(body));
  }
}
