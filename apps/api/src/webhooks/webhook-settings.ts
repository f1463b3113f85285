/** Tuning and policy of webhook deliveries (defaults in {@link DEFAULT_WEBHOOK_SETTINGS}). */
export interface WebhookSettings {
  /** Only `https://` endpoint URLs (production). */
  readonly requireHttps: boolean;
  /** Endpoints may be (or resolve to) loopback, private or link-local addresses (the operator's choice; tests allow loopback). */
  readonly allowPrivateNetworks: boolean;
  /**
   * Retries of a failed delivery; the n-th retry waits `retryDelaySeconds · 2^(n-1)`
   * (pg-boss retryBackoff). The defaults (45 s, 11 retries) spread them over about a day
   * (45 s · (2^11 − 1) ≈ 25.6 h); then the delivery is failed and its endpoint disabled.
   */
  readonly retryLimit: number;
  readonly retryDelaySeconds: number;
  /** Time for a whole attempt (connect, send, answer). */
  readonly timeoutMs: number;
  /** Bytes of an endpoint's answer read at most (the rest is dropped; only the status counts). */
  readonly maxResponseBytes: number;
  /** How often an idle worker polls the delivery queue. */
  readonly pollingIntervalSeconds: number;
  /** Deliveries one worker process sends at once. */
  readonly concurrency: number;
  /** pg-boss expiry of an attempt in flight (a worker that died mid-attempt: the job is retried after it). */
  readonly expireInSeconds: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  requireHttps: false,
  allowPrivateNetworks: false,
  retryLimit: 11,
  retryDelaySeconds: 45,
  timeoutMs: 10_000,
  maxResponseBytes: 64 * 1024,
  pollingIntervalSeconds: 2,
  concurrency: 4,
  expireInSeconds: 60,
};

/** Injection token of the process's {@link WebhookSettings}. */
export const WEBHOOK_SETTINGS = Symbol('kinko.webhook-settings');

/**
 * The settings from `KINKO_WEBHOOKS` (a JSON object of numbers: the names above;
 * `allowPrivateNetworks`: 1 allows) and the mode (production requires https).
 */
export function webhookSettingsOf(tuning: Readonly<Record<string, number>>, production: boolean, override: Partial<WebhookSettings> = {}): WebhookSettings {
  const out: Record<string, number | boolean> = { ...DEFAULT_WEBHOOK_SETTINGS, requireHttps: production };
  for (const [k, v] of Object.entries(tuning)) {
    if (!(k in DEFAULT_WEBHOOK_SETTINGS) || k === 'requireHttps') throw new Error(`KINKO_WEBHOOKS: unknown setting ${k}`);
    out[k] = typeof DEFAULT_WEBHOOK_SETTINGS[k as keyof WebhookSettings] === 'boolean' ? v !== 0 : v;
  }
  return { ...(out as unknown as WebhookSettings), ...override };
}
