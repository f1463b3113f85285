import type { ConnectorManifestInput } from '@kinko/connector-sdk';

/**
 * What UK Open Banking can do and its limits (validated by `defineConnector`). `id` and
 * `allowedHosts` vary per deployment (one connector per bank entry).
 */
export function ukOpenBankingManifest(id = 'uk-open-banking', allowedHosts: readonly string[] = ['api.uk-open-banking.example']): ConnectorManifestInput {
  return {
    id,
    displayName: { ja: 'UK Open Banking', en: 'UK Open Banking', pl: 'UK Open Banking' },
    country: 'GB',
    timeZone: 'Europe/London',
    currency: 'GBP',
    authFlow: 'redirect',
    capabilities: { accounts: true, balances: false, transactions: ['booked', 'pending'], branches: false, challenges: [] },
    limits: {
      maxHistoryDays: 730,
      unattendedHistoryDays: 90,
      scaValidityDays: 90,
      unattendedAccessesPerDay: 4,
      /** What the connector asks for (`limit`); the bank's pages may still be smaller. */
      pageSize: 100,
      maxConcurrency: 4,
      requestsPerSecond: 20,
    },
    // The date the bank filters `from`/`to` by, per kind.
    dateFieldByKind: { booked: 'transactionDate', pending: 'transactionDate' },
    // A pending item that a complete fetch no longer returns is gone (booked or dropped).
    deleteIfNotFetched: ['pending'],
    allowedHosts: [...allowedHosts],
  };
}
