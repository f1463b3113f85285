import type { components } from './schema';

/** An error answer of the API: `application/problem+json` (RFC 9457), as documented in the OpenAPI document. */
export type Problem = components['schemas']['Problem'];

/** The request id header every answer carries (also `requestId` in problem bodies). */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * The API answered an error. Carries the problem+json body: switch on `type` (stable, under
 * https://kinko.dev/problems/), show `title`/`detail`, quote `requestId` when reporting it.
 */
export class KinkoApiError extends Error {
  /** The problem type URI, e.g. `https://kinko.dev/problems/not-found`. */
  readonly type: string;
  readonly title: string;
  /** The HTTP status. */
  readonly status: number;
  readonly detail: string | undefined;
  /** The request id (the body's, else the `X-Request-Id` header). */
  readonly requestId: string | undefined;
  /** The whole problem body (extension members such as `errors` or `nextRefreshPossibleAt` included). */
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(`${problem.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ''}${problem.requestId ? ` (request ${problem.requestId})` : ''}`);
    this.name = 'KinkoApiError';
    this.problem = problem;
    this.type = problem.type;
    this.title = problem.title;
    this.status = problem.status;
    this.detail = problem.detail;
    this.requestId = problem.requestId;
  }
}

/** A bounded wait (a sync session, a login) did not end within its time. */
export class KinkoTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KinkoTimeoutError';
  }
}

const isProblem = (value: unknown): value is Problem =>
  typeof value === 'object' && value !== null && typeof (value as Problem).type === 'string' && typeof (value as Problem).title === 'string' && typeof (value as Problem).status === 'number';

/**
 * The error an answer stands for: its problem+json body, or — when something between the
 * caller and Kinko answered without one — a problem made of the status line.
 */
export function apiErrorOf(response: Response, body: unknown): KinkoApiError {
  const headerId = response.headers.get(REQUEST_ID_HEADER) ?? undefined;
  if (isProblem(body)) return new KinkoApiError({ ...body, ...(body.requestId === undefined && headerId !== undefined ? { requestId: headerId } : {}) });
  return new KinkoApiError({
    type: 'about:blank' as Problem['type'],
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    ...(typeof body === 'string' && body.length > 0 ? { detail: body.slice(0, 500) } : {}),
    ...(headerId !== undefined ? { requestId: headerId } : {}),
  });
}

/** The data of a successful openapi-fetch answer; a {@link KinkoApiError} for any other. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.error === undefined) return result.data as T;
  throw apiErrorOf(result.response, result.error);
}
