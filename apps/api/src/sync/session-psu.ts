import type { PsuContext } from '@kinko/connector-sdk';

// The user (PSU) behind a sync session, kept with the session request (its `parameters.psu`)
// so that the engine passes it to the connector's data calls: a bank whose standard counts
// unattended reads (Berlin Group: a read without PSU-IP-Address counts against the consent's
// frequencyPerDay) then does not count a sync the user started. Never shown by the API.

const KEY = 'psu';

/** The session parameters that keep `psu` (only for a session the user started: requestedBy `user`). */
export function psuParameters(requestedBy: string, psu: PsuContext | undefined): Record<string, unknown> {
  if (requestedBy !== 'user' || psu === undefined || !psu.userPresent) return {};
  return { [KEY]: { ...(psu.ipAddress !== undefined ? { ipAddress: psu.ipAddress } : {}), ...(psu.userAgent !== undefined ? { userAgent: psu.userAgent } : {}) } };
}

/**
 * The PSU context of a session's data calls: present (with the address and user agent the
 * session request kept) for a session the user started; not present for the scheduler's and
 * the tenant backend's (unattended) sessions.
 */
export function sessionPsu(requestedBy: string, parameters: Record<string, unknown>): PsuContext {
  const kept = parameters[KEY];
  if (requestedBy !== 'user' || typeof kept !== 'object' || kept === null) return { userPresent: false };
  const { ipAddress, userAgent } = kept as { ipAddress?: unknown; userAgent?: unknown };
  return {
    ...(typeof ipAddress === 'string' ? { ipAddress } : {}),
    ...(typeof userAgent === 'string' ? { userAgent } : {}),
    userPresent: true,
  };
}

/** The session parameters as the API shows them: without the PSU's address and user agent. */
export function publicParameters(parameters: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(parameters).filter(([k]) => k !== KEY));
}
