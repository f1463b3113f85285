import { bankCommonApiBanks } from '@kinko/connector-bank-common-api';
import type { Connector } from '@kinko/connector-sdk';
import type { BankEntry } from '../config/settings';

/**
 * A bank made ready by its connector package: the connector to register (its manifest id
 * is unique in the app) and the config its client is created with.
 */
export interface BankRegistration {
  /** The bank's id in the API (`POST /api/v2/bank/{bankId}/sync`). */
  readonly bankId: string;
  readonly connector: Connector;
  /** Passed to `connector.create({ config })` (secrets as `Redacted`). */
  readonly config: unknown;
  /** The bank's 4-digit code (全銀協 code) when it has one: `idType=bankCode` finds it. */
  readonly bankCode?: string;
}

/**
 * A connector package as the app registers it: from the deployment's bank entries naming
 * it (`KINKO_BANKS`, and the sandbox banks in development), it builds one registration per
 * bank, and throws (`ConnectorSetupError`) naming the entry and field at fault — never a
 * secret's value.
 */
export interface ConnectorPackage {
  /** The `connector` value of a bank entry, e.g. `bank-common-api`. */
  readonly id: string;
  banks(entries: readonly BankEntry[]): readonly BankRegistration[];
}

/**
 * The 銀行共通API (bank common API v0.5.0) package. Entry fields (besides `bankId` and
 * `connector`): `bankCode`, `bankName` (a string, or `{ ja, en, pl }`), `baseUrl`,
 * `apiKey`, `password`, optionally `grants`, `refreshTokenDays`, `limits`.
 */
export const bankCommonApiPackage: ConnectorPackage = {
  id: 'bank-common-api',
  banks(entries) {
    const registrations = bankCommonApiBanks(entries.map((e) => ({ id: e.bankId, ...e.options })));
    return registrations.map((r, i) => {
      const bankCode = entries[i]?.options.bankCode;
      return { bankId: r.id, connector: r.connector, config: r.config, ...(typeof bankCode === 'string' ? { bankCode } : {}) };
    });
  },
};

/**
 * THE list of connector packages the app offers — the one place a connector is registered.
 * Add the package to apps/api's dependencies and its {@link ConnectorPackage} here; the
 * banks themselves come from configuration (`KINKO_BANKS`). Duplicate package ids, and
 * duplicate bank or connector ids, stop the app at start-up.
 */
export const REGISTERED_CONNECTOR_PACKAGES: readonly ConnectorPackage[] = [bankCommonApiPackage];
