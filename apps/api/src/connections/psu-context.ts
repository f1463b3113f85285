import type { PsuContext } from '@kinko/connector-sdk';
import type { FastifyRequest } from 'fastify';

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
