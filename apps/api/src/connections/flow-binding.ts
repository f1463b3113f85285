import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Settings } from '../config/settings';
import { parseCookies } from '../link/link-session';
import { CONNECT_CALLBACK_PATH } from './connect.service';

/**
 * The cookie binding a redirect connect flow to the browser that started it: its secret's
 * SHA-256 is stored with the flow, and the bank's callback is refused without it (RFC 9700
 * §4.7: a login URL sent to someone else cannot complete the flow in their browser).
 * Limited to the callback's path; SameSite=Lax travels on the top-level navigation back from
 * the bank.
 */
export const FLOW_BINDING_COOKIE = 'kinko_flow';

/** The flow binding a request carries, if any. */
export function flowBindingOf(request: FastifyRequest): string | undefined {
  const value = parseCookies(request.headers.cookie).get(FLOW_BINDING_COOKIE);
  return value === undefined || value === '' ? undefined : value;
}

/** Sets (or, with `maxAgeSeconds` 0, clears) the flow binding cookie on `reply`, beside any other cookie. */
export function setFlowBinding(reply: FastifyReply, request: FastifyRequest, settings: Pick<Settings, 'publicUrl'>, value: string, maxAgeSeconds: number): void {
  const secure = request.protocol === 'https' || (settings.publicUrl?.startsWith('https:') ?? false);
  const cookie = [
    `${FLOW_BINDING_COOKIE}=${encodeURIComponent(value)}`,
    `Path=${CONNECT_CALLBACK_PATH}`,
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    'SameSite=Lax',
    'HttpOnly',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  void reply.header('set-cookie', [...list.filter((c) => !c.startsWith(`${FLOW_BINDING_COOKIE}=`)), cookie]);
}
