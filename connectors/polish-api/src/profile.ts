import type { DateField, TransactionKind } from '@kinko/domain';
import { isHostPattern, type ConnectorManifestInput, type LocalizedText } from '@kinko/connector-sdk';

/**
 * One bank speaking PolishAPI 2.1.2, as the deployment describes it when it defines the
 * connector (the manifest is fixed at definition time; the secrets come later, in the
 * config passed to `create`). Every field has a default fitting the standard and PSD2.
 */
export interface PolishApiBankProfile {
  /** Manifest id (default `polish-api`); one per bank when several are registered, e.g. `pl-ing`. */
  readonly id?: string;
  /** Names shown to users (default "PolishAPI bank" in ja/en/pl). */
  readonly displayName?: LocalizedText;
  /**
   * The bank's API base URL (e.g. `https://api.bank.pl`): its host (and port) is allowed.
   * The config's `baseUrl` must lie on an allowed host.
   */
  readonly baseUrl?: string;
  /**
   * More allowed hosts (SDK host entries such as `login.bank.pl` or `*.bank.pl`): the host of
   * the bank's login pages (`aspspRedirectUri`) when it is not the API host. With neither
   * `baseUrl` nor `allowedHosts` the connector allows only `*.polishapi.invalid`, a reserved
   * name that never resolves: the app then passes the bank's host in `extraAllowedHosts`.
   */
  readonly allowedHosts?: readonly string[];
  /** The date `done` (booked) transactions are filtered by: `transactionDate` (the seed's rule, default) or `bookingDate`. */
  readonly doneDateField?: Extract<DateField, 'transactionDate' | 'bookingDate'>;
  /** The history a consent may reach after SCA (1..1460, default 1460): `maxAllowedHistoryLong` asked for. */
  readonly maxHistoryDays?: number;
  /** The history without fresh SCA (default 90, PSD2 RTS art. 10). */
  readonly unattendedHistoryDays?: number;
  /** How long an SCA stays fresh: 90 days (default), 180 under the 2023 RTS amendment. */
  readonly scaValidityDays?: number;
  /** Accesses per account per day without the user (PSD2 default 4). */
  readonly unattendedAccessesPerDay?: number;
  /** `perPage` sent with every list request (default 100). */
  readonly pageSize?: number;
  /** Concurrent requests per process (default 4). */
  readonly maxConcurrency?: number;
  /** Request starts per second per process (default 20). */
  readonly requestsPerSecond?: number;
  /** Days after today the scheduled list is asked for (the SDK's default, 90, when absent). */
  readonly scheduledHorizonDays?: number;
}

/** The six PolishAPI lists, as the domain's transaction kinds. */
export const POLISH_API_KINDS: readonly TransactionKind[] = ['booked', 'pending', 'hold', 'scheduled', 'rejected', 'cancelled'];

/** The kinds that disappear when a complete fetch no longer returns them (the seed's `DeleteIfNotFetched`). */
export const POLISH_API_DELETE_IF_NOT_FETCHED: readonly TransactionKind[] = ['hold', 'pending', 'scheduled'];

/** The placeholder host of a connector defined without any host (reserved TLD: never resolves). */
export const PLACEHOLDER_HOST = '*.polishapi.invalid';

const DEFAULT_NAME: LocalizedText = { ja: 'PolishAPI 対応銀行', en: 'PolishAPI bank', pl: 'Bank (PolishAPI)' };

/** The allowed-host entry of a base URL: `host` for default ports, `host:port` otherwise. */
export function hostEntry(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`PolishAPI profile: baseUrl "${baseUrl}" is not a URL`);
  }
  const entry = url.port === '' ? url.hostname : `${url.hostname}:${url.port}`;
  if (!isHostPattern(entry.toLowerCase())) throw new Error(`PolishAPI profile: baseUrl "${baseUrl}" has no usable host`);
  return entry.toLowerCase();
}

/** The manifest of a PolishAPI bank (validated by `defineConnector`). */
export function polishApiManifest(profile: PolishApiBankProfile): ConnectorManifestInput {
  const sca = profile.scaValidityDays ?? 90;
  // PSD2 RTS art. 10: 90 days, 180 since the 2023 amendment; never more.
  if (!Number.isInteger(sca) || sca < 1 || sca > 180) throw new Error(`PolishAPI profile: scaValidityDays must be a whole number of days in 1..180, got ${sca}`);
  const hosts = [...(profile.baseUrl !== undefined ? [hostEntry(profile.baseUrl)] : []), ...(profile.allowedHosts ?? [])];
  const history: DateField = 'transactionDate';
  return {
    id: profile.id ?? 'polish-api',
    displayName: profile.displayName ?? DEFAULT_NAME,
    country: 'PL',
    timeZone: 'Europe/Warsaw',
    currency: 'PLN',
    authFlow: 'redirect',
    capabilities: { accounts: true, balances: true, transactions: [...POLISH_API_KINDS], branches: false, challenges: [] },
    limits: {
      maxHistoryDays: profile.maxHistoryDays ?? 1460,
      unattendedHistoryDays: profile.unattendedHistoryDays ?? 90,
      scaValidityDays: sca,
      unattendedAccessesPerDay: profile.unattendedAccessesPerDay ?? 4,
      pageSize: profile.pageSize ?? 100,
      maxConcurrency: profile.maxConcurrency ?? 4,
      requestsPerSecond: profile.requestsPerSecond ?? 20,
      ...(profile.scheduledHorizonDays !== undefined ? { scheduledHorizonDays: profile.scheduledHorizonDays } : {}),
    },
    // Holds ignore booking dates (the spec says so); the other lists are filtered on the
    // operation date (`tradeDate`) — only `done` may be switched to the booking date.
    dateFieldByKind: {
      booked: profile.doneDateField ?? history,
      pending: history,
      hold: history,
      scheduled: history,
      rejected: history,
      cancelled: history,
    },
    deleteIfNotFetched: [...POLISH_API_DELETE_IF_NOT_FETCHED],
    allowedHosts: hosts.length > 0 ? [...new Set(hosts)] : [PLACEHOLDER_HOST],
  };
}
