import { ConnectorSetupError, type ConnectorLimits, type ConnectorManifestInput, type LocalizedText } from '@kinko/connector-sdk';
import { isBaseUrl } from './schemas';

/**
 * One bank that speaks the 銀行共通API, as the deployment registers it. Each bank becomes
 * its own connector (its own manifest, allowed host, limits and request limiter), and its
 * `id` is the `bankId` of `POST /api/v2/bank/{bankId}/sync`.
 */
export interface BankCommonApiBank {
  /** The connector id and the app's bankId: `^[a-z][a-z0-9-]{1,62}$`, e.g. `bca-0001-mizuho`. Never change it once users connected. */
  readonly id: string;
  /** The bank's 4-digit 全銀協 bank code, e.g. `0001`. */
  readonly bankCode: string;
  /** The name users see: one name for every language, or `{ ja, en, pl }`. */
  readonly bankName: string | LocalizedText;
  /** Base URL of the bank's API (its production host; `/auth/login`, `/accounts`… are appended). Its host becomes the allowed host. */
  readonly baseUrl: string;
  /** The `grants` sent at login and for the system token (default `*`, the only value the spec defines). */
  readonly grants?: string;
  /** Overrides of {@link BANK_COMMON_API_DEFAULT_LIMITS} (e.g. the bank's published rate limit). */
  readonly limits?: Partial<ConnectorLimits>;
  /** Days a refresh token lives; the API does not say, so the spec's recommendation (180) is assumed. */
  readonly refreshTokenDays?: number;
}

/**
 * Limits of a 銀行共通API bank unless its definition overrides them. The spec sets none:
 * - `maxHistoryDays` 730: what Japanese net banks commonly keep online (raise per bank);
 * - `unattendedHistoryDays` 90, `scaValidityDays` 90, `unattendedAccessesPerDay` 4: the seed's
 *   background-refresh rules (a redirect login is the SCA);
 * - `pageSize` 200: the spec's page size;
 * - `maxConcurrency` 10 and `requestsPerSecond` 500 per process: enough to keep 10 requests
 *   in flight at 20 ms latency, so a full sync runs at the network floor.
 */
export const BANK_COMMON_API_DEFAULT_LIMITS: ConnectorLimits = Object.freeze({
  maxHistoryDays: 730,
  unattendedHistoryDays: 90,
  scaValidityDays: 90,
  unattendedAccessesPerDay: 4,
  pageSize: 200,
  maxConcurrency: 10,
  requestsPerSecond: 500,
});

/** A bank definition checked and normalised. */
export interface NormalisedBank {
  readonly id: string;
  readonly bankCode: string;
  readonly displayName: LocalizedText;
  /** Without a trailing slash. */
  readonly baseUrl: string;
  /** `host` or `host:port` of the base URL, as a manifest host entry. */
  readonly host: string;
  readonly grants: string;
  readonly limits: ConnectorLimits;
  readonly refreshTokenMs: number;
}

/** Checks a bank definition; throws {@link ConnectorSetupError} naming every problem. */
export function normaliseBank(bank: BankCommonApiBank): NormalisedBank {
  const problems: string[] = [];
  const where = `銀行共通API bank "${String(bank.id)}"`;
  if (!/^\d{4}$/.test(bank.bankCode)) problems.push('bankCode must be the 4-digit 全銀協 code');
  if (!isBaseUrl(bank.baseUrl)) problems.push('baseUrl must be an absolute http(s) URL without query, fragment or credentials');
  const name = bank.bankName;
  const displayName: LocalizedText = typeof name === 'string' ? { ja: name, en: name, pl: name } : name;
  if (typeof name === 'string' && name.trim() === '') problems.push('bankName must not be empty');
  const grants = bank.grants ?? '*';
  if (!/^[\x21-\x7e]+$/.test(grants)) problems.push('grants must be printable ASCII without spaces');
  const days = bank.refreshTokenDays ?? 180;
  if (!Number.isInteger(days) || days < 1) problems.push('refreshTokenDays must be a positive integer');
  if (problems.length > 0) throw new ConnectorSetupError(`${where}: ${problems.join('; ')}`);
  const url = new URL(bank.baseUrl);
  return {
    id: bank.id,
    bankCode: bank.bankCode,
    displayName,
    baseUrl: bank.baseUrl.replace(/\/+$/, ''),
    // URL.host omits the scheme's default port, which is what a host entry without a port means.
    host: url.host.toLowerCase(),
    grants,
    limits: { ...BANK_COMMON_API_DEFAULT_LIMITS, ...bank.limits },
    refreshTokenMs: days * 86_400_000,
  };
}

/** The manifest of one bank's connector (validated by `defineConnector`). */
export function manifestOf(bank: NormalisedBank): ConnectorManifestInput {
  return {
    id: bank.id,
    displayName: bank.displayName,
    country: 'JP',
    timeZone: 'Asia/Tokyo',
    currency: 'JPY',
    authFlow: 'redirect',
    capabilities: { accounts: true, balances: true, transactions: ['booked'], branches: true, challenges: [] },
    limits: bank.limits,
    // GET /transactions filters by 取引日, the date each item carries.
    dateFieldByKind: { booked: 'transactionDate' },
    deleteIfNotFetched: [],
    allowedHosts: [bank.host],
  };
}
