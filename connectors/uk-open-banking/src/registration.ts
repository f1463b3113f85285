// The app's registration of this package (apps/api registers it in
// src/connectors/registered-connectors.ts): one connector per bank entry of `KINKO_BANKS`.
import type { Redacted } from 'effect';
import { bankEntryReader, type BankEntryFields, type BankEntryReader, type Connector } from '@kinko/connector-sdk';
import { defineUkOpenBankingConnector } from './connector';

/** A deployment's bank entry naming this package: its `bankId` and its fields. */
export type UkOpenBankingBankEntry = BankEntryFields;

/** What the app registers per bank: the connector and the config its client is created with. */
export interface UkOpenBankingBank {
  readonly bankId: string;
  readonly connector: Connector;
  readonly config: {
    readonly baseUrl: string;
    readonly clientId: string;
    readonly clientSecret: Redacted.Redacted<string>;
    readonly apiPath?: string;
    readonly consentValidityDays?: number;
  };
}

/**
 * One connector per bank entry, its id the `bankId`, its only allowed host the one of `baseUrl`,
 * its name `bankName` (a string or `{ ja, en, pl }`; default: the scaffolded name). Entry fields:
 * `baseUrl`, `clientId`, `clientSecret` (a secret), optionally `bankName`, and the config's own
 * optional `apiPath` (the AIS base path) and `consentValidityDays`; only these reach the
 * connector's config. Throws `ConnectorSetupError` naming the entry and the field at fault — never
 * a secret's value (the SDK's `bankEntryReader` rules).
 */
export function ukOpenBankingBanks(entries: readonly UkOpenBankingBankEntry[]): UkOpenBankingBank[] {
  return entries.map((entry) => {
    // Annotated, so that `fields.fail` (never) narrows the optional fields below.
    const fields: BankEntryReader = bankEntryReader(entry, 'uk-open-banking');
    const o = entry.options;
    const baseUrl = fields.text('baseUrl');
    const clientId = fields.text('clientId');
    const clientSecret = fields.secret('clientSecret');
    const displayName = fields.displayName();
    const connector = defineUkOpenBankingConnector({ id: entry.bankId, baseUrl, ...(displayName === undefined ? {} : { displayName }) });
    const apiPath = o['apiPath'];
    if (apiPath !== undefined && (typeof apiPath !== 'string' || !apiPath.startsWith('/'))) fields.fail('apiPath', 'must be a path starting with /');
    const days = o['consentValidityDays'];
    if (days !== undefined && (typeof days !== 'number' || !Number.isInteger(days) || days < 1)) fields.fail('consentValidityDays', 'must be a positive integer');
    return {
      bankId: entry.bankId,
      connector,
      config: { baseUrl, clientId, clientSecret, ...(apiPath === undefined ? {} : { apiPath }), ...(days === undefined ? {} : { consentValidityDays: days }) },
    };
  });
}
