import type { KinkoMode } from '../config/settings';
import { ValidationFailedError } from '../common/errors';
import { WebhookUrlRefused, checkUrlForm } from '../webhooks/url-policy';
import type { Tenant } from './tenant.entity';

/** How a tenant's Link pages look and where they may send the browser back to. */
export interface LinkSettings {
  /** Shown as "<displayName> uses Kinko to connect to <bank>"; the tenant's name when not set. */
  readonly displayName: string;
  readonly logoUrl: string | null;
  readonly accentColor: string | null;
  readonly returnUrls: readonly string[];
}

/** The tenant's `state` (handed back with the result) is at most this long. */
export const MAX_RETURN_STATE_LENGTH = 1000;

/** At most this many return URLs per tenant. */
export const MAX_RETURN_URLS = 20;

const ACCENT = /^#[0-9a-f]{6}$/i;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The Link settings of a tenant row. */
export const linkSettingsOf = (t: Tenant): LinkSettings => ({
  displayName: t.displayName ?? t.name,
  logoUrl: t.logoUrl,
  accentColor: t.accentColor,
  returnUrls: t.returnUrls,
});

/**
 * A return URL as a tenant registers it: the webhook URL policy's form (absolute, no
 * credentials, no fragment), https — plain http only to a loopback host (127.0.0.1,
 * localhost, [::1]) and never in production. Returns the URL as given (matched exactly later).
 */
export function checkReturnUrl(raw: string, mode: KinkoMode): string {
  try {
    const url = checkUrlForm(raw, { requireHttps: mode === 'production', allowPrivateNetworks: true });
    if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.host.replace(/:\d+$/, ''))) throw new WebhookUrlRefused('must be an https:// URL (http:// only to 127.0.0.1 or localhost, outside production)');
    return raw;
  } catch (e) {
    if (e instanceof WebhookUrlRefused) throw new ValidationFailedError([{ field: 'returnUrls', reason: `${raw} ${e.message}` }]);
    throw e;
  }
}

/** A logo URL: https only (the Link pages allow exactly its origin in img-src), no credentials, no fragment. */
export function checkLogoUrl(raw: string): string {
  try {
    const url = checkUrlForm(raw, { requireHttps: true, allowPrivateNetworks: true });
    return url.href;
  } catch (e) {
    if (e instanceof WebhookUrlRefused) throw new ValidationFailedError([{ field: 'logoUrl', reason: e.message }]);
    throw e;
  }
}

/**
 * An accent colour: `#rrggbb` (lower-cased), dark enough for white button text to stay
 * readable (WCAG contrast at least 4.5:1 against white, as the pages' accessibility checks demand).
 */
export function checkAccentColor(raw: string): string {
  if (!ACCENT.test(raw)) throw new ValidationFailedError([{ field: 'accentColor', reason: 'must be a colour as #rrggbb' }]);
  if (contrastWithWhite(raw) < 4.5) throw new ValidationFailedError([{ field: 'accentColor', reason: 'is too light: white text on it needs a contrast of at least 4.5:1' }]);
  return raw.toLowerCase();
}

/** WCAG 2 contrast ratio of a #rrggbb colour against white. */
function contrastWithWhite(hex: string): number {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return 1.05 / (luminance + 0.05);
}

/** Whether `redirectUri` is exactly one of the registered return URLs. */
export const isRegisteredReturnUrl = (settings: Pick<LinkSettings, 'returnUrls'>, redirectUri: string): boolean => settings.returnUrls.includes(redirectUri);

/** The URL the browser goes back to: the registered URL with `status`, `connectionId` (when there is one) and the tenant's `state`. */
export function returnUrlWith(returnUri: string, result: { status: LinkResultStatus; connectionId?: string | undefined; state: string | null }): string {
  const url = new URL(returnUri);
  url.searchParams.set('status', result.status);
  if (result.connectionId) url.searchParams.set('connectionId', result.connectionId);
  if (result.state !== null) url.searchParams.set('state', result.state);
  return url.href;
}

/** How a Link flow ended, as the tenant's return URL is told. */
export const LINK_RESULT_STATUSES = ['connected', 'cancelled', 'failed'] as const;
export type LinkResultStatus = (typeof LINK_RESULT_STATUSES)[number];
