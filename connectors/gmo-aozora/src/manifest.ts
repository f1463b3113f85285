import type { ConnectorManifestInput, LocalizedText } from '@kinko/connector-sdk';

/** The bank's name when its entry gives none. */
export const gmoAozoraDefaultName: LocalizedText = { ja: 'GMOあおぞらネット銀行', en: 'GMO Aozora Net Bank', pl: 'GMO Aozora Net Bank' };

/** The bank's zone: its calendar days (dates, baseDate) are Japan's. */
export const GMO_AOZORA_TIME_ZONE = 'Asia/Tokyo';

/**
 * What GMO Aozora Net Bank can do and its limits (validated by `defineConnector`). `id`,
 * `allowedHosts` and `displayName` vary per deployment (one connector per bank entry).
 */
export function gmoAozoraManifest(
  id = 'gmo-aozora',
  allowedHosts: readonly string[] = ['api.gmo-aozora.example'],
  displayName: LocalizedText = gmoAozoraDefaultName,
): ConnectorManifestInput {
  return {
    id,
    displayName,
    country: 'JP',
    timeZone: GMO_AOZORA_TIME_ZONE,
    currency: 'JPY',
    authFlow: 'redirect',
    capabilities: { accounts: true, balances: false, currentBalances: true, transactions: ['booked'], branches: false, challenges: [] },
    limits: {
      maxHistoryDays: 730,
      unattendedHistoryDays: 90,
      scaValidityDays: 90,
      unattendedAccessesPerDay: 4,
      /** The bank's 取得上限件数 per transactions page (it has no page-size parameter). */
      pageSize: 500,
      maxConcurrency: 4,
      requestsPerSecond: 20,
    },
    // The date the bank filters `from`/`to` by, per kind.
    dateFieldByKind: { booked: 'transactionDate' },
    deleteIfNotFetched: [],
    allowedHosts: [...allowedHosts],
  };
}
