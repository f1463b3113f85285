/**
 * Paths of the Link pages (server-rendered HTML for the end user). Kept apart so the start
 * banner, the tenant API and the challenge API can point at them.
 */
export const LINK_PATHS = {
  /** Every Link page is under this path. */
  root: '/link',
  /** Where an end user starts: `?token=<user token>` (exchanged for an HttpOnly cookie, then removed from the URL). */
  connect: '/link/connect',
  /** The vault: every connection, its status, and what the user can do next. */
  vault: '/link/vault',
  /** Choosing a bank (`?q=` searches names and bank codes). */
  banks: '/link/banks',
  /** One connection (`/link/connections/{id}`): progress, challenge forms, actions. */
  connection: '/link/connections',
  /** Static assets (stylesheet, the small status-polling script). */
  assets: '/link/assets',
} as const;
