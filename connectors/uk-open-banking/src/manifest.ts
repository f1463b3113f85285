import type { ConnectorManifestInput, LocalizedText } from '@kinko/connector-sdk';

/** The bank's name when its entry gives none. */
export const ukOpenBankingDefaultName: LocalizedText = { ja: '英国オープンバンキング', en: 'UK Open Banking', pl: 'UK Open Banking' };

/** The bank's zone: dates are calendar dates in Europe/London. */
export const UK_TIME_ZONE = 'Europe/London';

/**
 * What a UK Open Banking 4.0 ASPSP can do and its limits (validated by `defineConnector`). `id`,
 * `allowedHosts` and `displayName` vary per deployment (one connector per bank entry).
 */
export function ukOpenBankingManifest(
  id = 'uk-open-banking',
  allowedHosts: readonly string[] = ['api.uk-open-banking.example'],
  displayName: LocalizedText = ukOpenBankingDefaultName,
): ConnectorManifestInput {
  return {
    id,
    displayName,
    country: 'GB',
    timeZone: UK_TIME_ZONE,
    currency: 'GBP',
    authFlow: 'redirect',
    capabilities: { accounts: true, balances: false, currentBalances: true, transactions: ['booked', 'pending', 'scheduled'], branches: false, challenges: [] },
    limits: {
      maxHistoryDays: 730,
      unattendedHistoryDays: 90,
      // The FCA's 2022 rule: no re-authentication every 90 days; the consent's own expiry governs.
      scaValidityDays: 90,
      unattendedAccessesPerDay: 4,
      /** The bank's page (the connector cannot ask for a size; Links.Next is followed). */
      pageSize: 100,
      maxConcurrency: 4,
      requestsPerSecond: 20,
      scheduledHorizonDays: 90,
    },
    // Booked and pending items are filtered by BookingDateTime (fromBookingDateTime/toBookingDateTime);
    // the connector gives its date as bookingDate (booked) and transactionDate (all). Scheduled
    // payments by their execution day (filtered by the connector: the bank lists them all).
    dateFieldByKind: { booked: 'bookingDate', pending: 'transactionDate', scheduled: 'transactionDate' },
    // A pending item or scheduled payment a complete fetch no longer returns is gone (booked, paid or dropped).
    deleteIfNotFetched: ['pending', 'scheduled'],
    allowedHosts: [...allowedHosts],
  };
}
