import type { ConnectorManifestInput, LocalizedText } from '@kinko/connector-sdk';

/** The bank's name when its entry gives none (`--name` of `pnpm create-connector`). */
export const __CAMEL__DefaultName: LocalizedText = { ja: '__NAME__', en: '__NAME__', pl: '__NAME__' };

/**
 * What __NAME__ can do and its limits (validated by `defineConnector`). `id`,
 * `allowedHosts` and `displayName` vary per deployment (one connector per bank entry).
 */
export function __CAMEL__Manifest(
  id = '__ID__',
  allowedHosts: readonly string[] = ['api.__ID__.example'],
  displayName: LocalizedText = __CAMEL__DefaultName,
): ConnectorManifestInput {
  return {
    id,
    displayName,
    country: '__COUNTRY__',
    timeZone: '__TIME_ZONE__',
    currency: '__CURRENCY__',
    authFlow: '__FLOW__',
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
