/**
 * Paths of the Link pages (server-rendered; built by the link feature). Kept here so the
 * start banner and the tenant API can point at them before the pages exist.
 */
export const LINK_PATHS = {
  /** Where an end user starts connecting a bank: `?token=<user token>`. */
  connect: '/link/connect',
} as const;
