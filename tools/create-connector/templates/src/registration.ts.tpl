// The app's registration of this package (apps/api registers it in
// src/connectors/registered-connectors.ts): one connector per bank entry of `KINKO_BANKS`.
import type { Redacted } from 'effect';
import { bankEntryReader, type BankEntryFields, type Connector } from '@kinko/connector-sdk';
import { define__PASCAL__Connector } from './connector';

/** A deployment's bank entry naming this package: its `bankId` and its fields. */
export type __PASCAL__BankEntry = BankEntryFields;

/** What the app registers per bank: the connector and the config its client is created with. */
export interface __PASCAL__Bank {
  readonly bankId: string;
  readonly connector: Connector;
  readonly config: { readonly baseUrl: string; readonly clientId: string; readonly clientSecret: Redacted.Redacted<string> };
}

/**
 * One connector per bank entry, its id the `bankId`, its only allowed host the one of `baseUrl`,
 * its name `bankName` (a string or `{ ja, en, pl }`; default: the scaffolded name). Entry fields:
 * `baseUrl`, `clientId`, `clientSecret` (a secret), optionally `bankName`; only these reach the
 * connector's config. Throws `ConnectorSetupError` naming the entry and the field at fault — never
 * a secret's value (the SDK's `bankEntryReader` rules).
 */
export function __CAMEL__Banks(entries: readonly __PASCAL__BankEntry[]): __PASCAL__Bank[] {
  return entries.map((entry) => {
    const fields = bankEntryReader(entry, '__ID__');
    const baseUrl = fields.text('baseUrl');
    const clientId = fields.text('clientId');
    const clientSecret = fields.secret('clientSecret');
    const displayName = fields.displayName();
    const connector = define__PASCAL__Connector({ id: entry.bankId, baseUrl, ...(displayName === undefined ? {} : { displayName }) });
    return { bankId: entry.bankId, connector, config: { baseUrl, clientId, clientSecret } };
  });
}
