// The app's registration of this package (apps/api registers it in
// src/connectors/registered-connectors.ts): one connector per bank entry of `KINKO_BANKS`.
import { Redacted } from 'effect';
import { ConnectorSetupError, type Connector, type LocalizedText } from '@kinko/connector-sdk';
import { defineUkOpenBankingConnector } from './connector';

/** A deployment's bank entry naming this package: its `bankId` and its fields. */
export interface UkOpenBankingBankEntry {
  readonly bankId: string;
  readonly options: Readonly<Record<string, unknown>>;
}

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
 * a secret's value.
 */
export function ukOpenBankingBanks(entries: readonly UkOpenBankingBankEntry[]): UkOpenBankingBank[] {
  return entries.map((entry) => {
    const o = entry.options;
    const where = `bank "${entry.bankId}" (uk-open-banking)`;
    const text = (name: string): string => {
      const v = o[name];
      if (typeof v !== 'string' || v === '') throw new ConnectorSetupError(`${where}: "${name}" must be a non-empty string`);
      return v;
    };
    const baseUrl = text('baseUrl');
    const clientId = text('clientId');
    const secret = o['clientSecret'];
    const clientSecret = Redacted.isRedacted(secret) ? (secret as Redacted.Redacted<string>) : typeof secret === 'string' && secret !== '' ? Redacted.make(secret) : undefined;
    if (clientSecret === undefined) throw new ConnectorSetupError(`${where}: "clientSecret" must be a non-empty string`);
    const name = o['bankName'];
    const displayName: LocalizedText | undefined =
      name === undefined
        ? undefined
        : typeof name === 'string' && name !== ''
          ? { ja: name, en: name, pl: name }
          : typeof name === 'object' && name !== null && ['ja', 'en', 'pl'].every((k) => typeof (name as Record<string, unknown>)[k] === 'string' && (name as Record<string, string>)[k] !== '')
            ? (name as LocalizedText)
            : undefined;
    if (name !== undefined && displayName === undefined) throw new ConnectorSetupError(`${where}: "bankName" must be a non-empty string or { ja, en, pl }`);
    const connector = defineUkOpenBankingConnector({ id: entry.bankId, baseUrl, ...(displayName === undefined ? {} : { displayName }) });
    const apiPath = o['apiPath'];
    if (apiPath !== undefined && (typeof apiPath !== 'string' || !apiPath.startsWith('/'))) throw new ConnectorSetupError(`${where}: "apiPath" must be a path starting with /`);
    const days = o['consentValidityDays'];
    if (days !== undefined && (typeof days !== 'number' || !Number.isInteger(days) || days < 1)) throw new ConnectorSetupError(`${where}: "consentValidityDays" must be a positive integer`);
    return {
      bankId: entry.bankId,
      connector,
      config: { baseUrl, clientId, clientSecret, ...(apiPath === undefined ? {} : { apiPath }), ...(days === undefined ? {} : { consentValidityDays: days }) },
    };
  });
}
