/**
 * The manifest of a net bank read as HTML: what it can do and the limits it puts on
 * access. One connector value per bank (its own id and hosts); the defaults describe the
 * net bank family this connector reads (and its sandbox).
 */
import type { ConnectorLimits, ConnectorManifestInput, LocalizedText } from '@kinko/connector-sdk';

/** What distinguishes one net bank of this family from another. */
export interface WebNetbankOptions {
  /** Stable connector id, e.g. `netbank-0138` (default `web-netbank`). */
  readonly id?: string;
  /** The bank's name in ja/en/pl. */
  readonly displayName?: LocalizedText;
  /** The bank's site hosts (e.g. `['ib.example-bank.co.jp']`); the app may add more (a sandbox). */
  readonly allowedHosts?: readonly string[];
  /** Overrides of the default limits (e.g. a shorter online history). */
  readonly limits?: Partial<ConnectorLimits>;
}

/**
 * Limits of the net bank family. The site shows 400 days online (earlier start dates are
 * moved up by the bank, which the connector reports as Unsupported rather than pass a
 * shorter window off as the asked one), with or without an attended login: a password
 * login has no SCA window, so unattended reads reach as far back. Statements come 50 rows
 * a page. A person's browser is the model for the pace: two requests at a time, a few per
 * second, and few logins a day (the bank locks users who log in too often).
 */
export const defaultWebNetbankLimits: ConnectorLimits = {
  maxHistoryDays: 400,
  unattendedHistoryDays: 400,
  // Credentials do not expire like a PSD2 consent; a year before the app asks the user to confirm them.
  scaValidityDays: 365,
  unattendedAccessesPerDay: 4,
  pageSize: 50,
  maxConcurrency: 2,
  requestsPerSecond: 10,
};

/** A host that never resolves: the default connector talks only to hosts the app adds (its deployment's bank, or a sandbox). */
export const WEB_NETBANK_PLACEHOLDER_HOST = 'netbank.kinko.invalid';

/** The manifest for `options`. */
export function webNetbankManifest(options: WebNetbankOptions = {}): ConnectorManifestInput {
  return {
    id: options.id ?? 'web-netbank',
    displayName: options.displayName ?? {
      ja: 'インターネットバンキング（ログイン情報で接続）',
      en: 'Internet banking (login with your credentials)',
      pl: 'Bankowość internetowa (logowanie danymi użytkownika)',
    },
    country: 'JP',
    timeZone: 'Asia/Tokyo',
    currency: 'JPY',
    authFlow: 'credentials',
    capabilities: {
      accounts: true,
      // Daily balances are not a page of their own: every statement row carries the balance
      // after it (balanceAfterMinor), from which the app derives them.
      balances: false,
      transactions: ['booked'],
      branches: false,
      challenges: ['security', 'otp', 'captcha', 'puzzle'],
    },
    limits: { ...defaultWebNetbankLimits, ...options.limits },
    dateFieldByKind: { booked: 'transactionDate' },
    deleteIfNotFetched: [],
    allowedHosts: [...(options.allowedHosts ?? [WEB_NETBANK_PLACEHOLDER_HOST])],
  };
}
