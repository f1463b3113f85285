import { isIP } from 'node:net';
import type { PsuContext } from '@kinko/connector-sdk';
import { type ExecutionContext, applyDecorators, createParamDecorator } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { type FieldIssue, ValidationFailedError } from '../common/errors';
import { ApiProblems } from '../http/problem-docs';

/**
 * The user (PSU) in front of the browser or app making `request`, for the banks whose standard
 * needs it (Berlin Group: `PSU-IP-Address`, `PSU-User-Agent`): the address Fastify reports (the
 * proxy's forwarded one only when the server trusts proxies), the user agent, and present.
 * Passed to the connector; never logged. A sync the user starts keeps it with its session
 * request (`sync/session-psu.ts`) for the session's data calls; the API never shows it.
 */
export function psuOf(request: FastifyRequest): PsuContext {
  const userAgent = request.headers['user-agent'];
  return { ipAddress: request.ip, ...(typeof userAgent === 'string' && userAgent !== '' ? { userAgent } : {}), userPresent: true };
}

/** Header a tenant's backend sends with a user-API request made for its user: the user's IP address (IPv4 or IPv6). */
export const PSU_IP_ADDRESS_HEADER = 'kinko-psu-ip-address';
/** Header with {@link PSU_IP_ADDRESS_HEADER}: the user's user agent (printable ASCII, at most 512 characters). */
export const PSU_USER_AGENT_HEADER = 'kinko-psu-user-agent';
const MAX_USER_AGENT = 512;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** A header's one value (undefined when absent; a repeated header is not one value). */
function oneHeader(request: FastifyRequest, name: string): string | string[] | undefined {
  const value = request.headers[name];
  return Array.isArray(value) && value.length === 1 ? value[0] : value;
}

/**
 * The user (PSU) behind a user-API request that reaches the bank (a sync, a login, an answer, a
 * connect). When a tenant's backend calls for its user, the socket is the backend's, not the
 * user's: it passes the user's own as `Kinko-PSU-IP-Address` (and `Kinko-PSU-User-Agent`), which
 * then win — a value that is not an IP address (or a user agent without the address, or one too
 * long) is a 400 `validation`. Without them: a user token's request is taken as the user's own
 * (its address and user agent, {@link psuOf}); the tenant's API key acting as the user
 * (`Kinko-Acting-As-User`) is the backend itself, so the user is not present (the bank sees an
 * unattended read).
 */
export function userApiPsuOf(request: FastifyRequest): PsuContext {
  const ipAddress = oneHeader(request, PSU_IP_ADDRESS_HEADER);
  const userAgent = oneHeader(request, PSU_USER_AGENT_HEADER);
  const issues: FieldIssue[] = [];
  if (ipAddress !== undefined && (typeof ipAddress !== 'string' || isIP(ipAddress) === 0)) issues.push({ field: 'Kinko-PSU-IP-Address', reason: 'must be one IPv4 or IPv6 address' });
  if (userAgent !== undefined) {
    if (typeof userAgent !== 'string' || userAgent.length > MAX_USER_AGENT || !PRINTABLE_ASCII.test(userAgent)) issues.push({ field: 'Kinko-PSU-User-Agent', reason: `must be 1 to ${MAX_USER_AGENT} printable ASCII characters` });
    else if (ipAddress === undefined) issues.push({ field: 'Kinko-PSU-User-Agent', reason: 'is taken only with Kinko-PSU-IP-Address' });
  }
  if (issues.length > 0) throw new ValidationFailedError(issues);
  if (typeof ipAddress === 'string') return { ipAddress, ...(typeof userAgent === 'string' ? { userAgent } : {}), userPresent: true };
  const principal = request.kinkoPrincipal;
  if (principal?.kind === 'user' && principal.actingApiKeyPrefix !== undefined) return { userPresent: false };
  return psuOf(request);
}

/** The PSU context of a user-API request ({@link userApiPsuOf}); document the route with {@link ApiPsuHeaders}. */
export const UserPsu = createParamDecorator((_: unknown, ctx: ExecutionContext): PsuContext => userApiPsuOf(ctx.switchToHttp().getRequest<FastifyRequest>()));

/** OpenAPI: the two optional headers of {@link userApiPsuOf} and their 400. */
export const ApiPsuHeaders = (): MethodDecorator =>
  applyDecorators(
    ApiHeader({
      name: 'Kinko-PSU-IP-Address',
      required: false,
      description:
        "The end user's IP address (IPv4 or IPv6), sent by a tenant's backend calling for its user: passed to banks whose standard needs it (Berlin Group PSU-IP-Address: " +
        "the read is the user's, not an unattended one). Without it the request's own address is the user's (a user token), or the user is not present (the API key acting as the user). Not an IP address: 400 validation.",
      schema: { type: 'string', maxLength: 45 },
      examples: { ipv4: { value: '198.51.100.23' }, ipv6: { value: '2001:db8::17' } },
    }),
    ApiHeader({
      name: 'Kinko-PSU-User-Agent',
      required: false,
      description: "The end user's browser or app user agent (printable ASCII, at most 512 characters), only with Kinko-PSU-IP-Address. Never logged, never shown; erased once the sync has finished.",
      schema: { type: 'string', maxLength: MAX_USER_AGENT },
      example: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
    }),
    ApiProblems('validation'),
  );
