import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ConflictReason } from '../common/errors';

/** Base of every problem `type` URI. */
export const PROBLEM_BASE = 'https://kinko.dev/problems/';

/** The media type of every error response (RFC 9457). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** Every kind of problem the API answers with: one stable `type`, one status, one title. */
export const PROBLEMS = {
  validation: { status: 400, title: 'The request is not valid' },
  'malformed-request': { status: 400, title: 'The request could not be read' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'request-timeout': { status: 408, title: 'The request took too long to arrive' },
  conflict: { status: 409, title: 'Conflict' },
  'external-id-taken': { status: 409, title: 'A user with this externalId already exists' },
  'nothing-to-sync': { status: 409, title: 'No connection could be synced' },
  'connection-inactive': { status: 409, title: 'The connection is inactive' },
  'connection-not-inactive': { status: 409, title: 'The connection is not inactive' },
  'run-in-progress': { status: 409, title: 'A sync run of the connection is under way' },
  'not-connected': { status: 409, title: 'The connection holds no grant from the bank' },
  'consent-expired': { status: 409, title: 'The consent has expired' },
  'consent-not-active': { status: 409, title: 'The consent is not active' },
  'reconnect-required': { status: 409, title: 'The connection must be reconnected' },
  'consent-not-withdrawable': { status: 409, title: 'The consent cannot be withdrawn' },
  'connector-not-configured': { status: 409, title: 'The bank is not configured in this deployment' },
  'credentials-flow-bank': { status: 409, title: 'The bank is connected with credentials on the Link page' },
  'redirect-flow-bank': { status: 409, title: 'The bank is connected with the redirect flow' },
  'login-form-unreadable': { status: 409, title: 'The bank login form could not be read' },
  'connect-link-used': { status: 409, title: 'The connect start URL was already opened, or has expired' },
  'connect-flow-used': { status: 409, title: 'The connect flow was already completed or abandoned' },
  'connect-flow-expired': { status: 409, title: 'The connect flow has expired' },
  'credentials-missing': { status: 409, title: 'No credentials are stored for the connection' },
  'login-in-progress': { status: 409, title: 'A login of the connection is under way' },
  'login-abandoned': { status: 409, title: 'The login ended while the bank answered' },
  'answer-in-progress': { status: 409, title: 'An answer is already being passed to the bank' },
  'no-challenge-pending': { status: 409, title: 'The connection does not wait for an answer' },
  'connection-disconnected': { status: 409, title: 'The connection was disconnected' },
  'challenge-expired': { status: 409, title: 'The challenge has expired' },
  'challenge-unreadable': { status: 409, title: 'The challenge can no longer be read' },
  'payload-too-large': { status: 413, title: 'Request body too large' },
  'uri-too-long': { status: 414, title: 'Request URL too long' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'header-fields-too-large': { status: 431, title: 'Request headers too large' },
  internal: { status: 500, title: 'Internal error' },
  'bank-error': { status: 502, title: 'The bank refused or could not answer' },
  'service-unavailable': { status: 503, title: 'Service unavailable' },
  'link-page-only': { status: 409, title: 'This can only be done on the Link page' },
  'invalid-cursor': { status: 400, title: 'The cursor is not one this API returned' },
  'cursor-unusable': { status: 410, title: 'The cursor can no longer be used; start again from an empty cursor' },
  'refresh-quota-spent': { status: 429, title: 'The unattended-access quota allows no background refresh before nextRefreshPossibleAt' },
  'idempotency-request-in-progress': { status: 409, title: 'A request with this Idempotency-Key is still being answered' },
  'idempotency-key-reused': { status: 422, title: 'The Idempotency-Key was used with another request' },
} as const satisfies Record<string, { status: number; title: string }>;

/** Name of one problem kind (the last segment of its `type`). */
export type ProblemKind = keyof typeof PROBLEMS;

/** Every reason a service raises a conflict for is a 409 problem kind of the same name. */
type KindsWithStatus<S extends number> = { [K in ProblemKind]: (typeof PROBLEMS)[K]['status'] extends S ? K : never }[ProblemKind];
export const conflictKind = (reason: ConflictReason): KindsWithStatus<409> => reason;

/** The `type` URI of a problem kind. */
export const problemType = (kind: ProblemKind): string => `${PROBLEM_BASE}${kind}`;

/** One invalid field in a validation problem. */
export class ProblemFieldIssue {
  @ApiProperty({ example: 'externalId', description: 'Dotted path of the field.' })
  field!: string;

  @ApiProperty({ example: 'must be a string' })
  reason!: string;
}

/** An RFC 9457 problem details object, as every error response carries it. */
export class Problem {
  @ApiProperty({
    example: problemType('not-found'),
    enum: (Object.keys(PROBLEMS) as ProblemKind[]).map(problemType),
    description: 'Stable identifier of the kind of problem (apps/api/README.md lists each); switch on it, never on `detail`.',
  })
  type!: string;

  @ApiProperty({ example: 'Not found' })
  title!: string;

  @ApiProperty({ example: 404 })
  status!: number;

  @ApiPropertyOptional({ example: 'User not found.' })
  detail?: string;

  @ApiPropertyOptional({ example: '/api/v2/tenant/users/0192f0c4-…' })
  instance?: string;

  @ApiPropertyOptional({ example: '0192f0c4-5b1e-7c3a-9d2f-3e4a5b6c7d8e', description: 'The request id (also the `X-Request-Id` header): quote it when reporting a problem.' })
  requestId?: string;

  @ApiPropertyOptional({ type: [ProblemFieldIssue], description: 'For `validation`: each invalid field and why.' })
  errors?: ProblemFieldIssue[];

  @ApiPropertyOptional({ format: 'date-time', description: 'For `refresh-quota-spent`: the first instant a background refresh is possible (also in `Retry-After`).' })
  nextRefreshPossibleAt?: string;
}

/** Builds the problem body for a kind. */
export function problem(kind: ProblemKind, extra: { detail?: string; instance?: string; errors?: readonly { field: string; reason: string }[]; nextRefreshPossibleAt?: string } = {}): Problem {
  const { status, title } = PROBLEMS[kind];
  return {
    type: problemType(kind),
    title,
    status,
    ...(extra.detail !== undefined ? { detail: extra.detail } : {}),
    ...(extra.instance !== undefined ? { instance: extra.instance } : {}),
    ...(extra.errors !== undefined ? { errors: [...extra.errors] } : {}),
    ...(extra.nextRefreshPossibleAt !== undefined ? { nextRefreshPossibleAt: extra.nextRefreshPossibleAt } : {}),
  };
}
