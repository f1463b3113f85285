import { bankCommonApiBanks } from '@kinko/connector-bank-common-api';
import { defineBerlinGroupConnector } from '@kinko/connector-berlin-group';
import { definePolishApiConnector } from '@kinko/connector-polish-api';
import { bankEntryReader, type BankEntryReader, type Connector, type ConnectorLimits } from '@kinko/connector-sdk';
import { allowedHostsFor, defineWebNetbankConnector } from '@kinko/connector-web-netbank';
import { Redacted } from 'effect';
import type { BankEntry } from '../config/settings';
import type { ConsentFactsReader } from '../sync/sync-options';
import { gmoAozoraBanks } from '@kinko/connector-gmo-aozora';
import { ukOpenBankingBanks } from '@kinko/connector-uk-open-banking';

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
  /** Reads the consent's facts (SCA instant, history, end) out of a grant, when the grant carries them. */
  readonly consentFacts?: ConsentFactsReader;
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
 * PolishAPI 2.1.2 banks (one connector per bank, its manifest id = `bankId`). Entry fields:
 * `baseUrl`, `clientId`, `signingKey` (the TPP's private key, JWK JSON or PEM: a secret,
 * never logged), optionally `bankSigningKey` (the bank's public JWK JSON), `bankName`
 * (a string or `{ ja, en, pl }`), `allowedHosts` (the bank's login pages, if on another host),
 * `doneDateField`, `scaValidityDays`, `pageSize`, `keyId`, `signingAlgorithm`, `tppId`,
 * `consentValidityDays`, `maxHistoryDays`, `language`. The grant's consent facts (the
 * connector's `consentFacts`) feed the consent row and the date windows.
 */
export const polishApiPackage: ConnectorPackage = {
  id: 'polish-api',
  banks(entries) {
    return entries.map((entry) => {
      const o = entry.options;
      const fields = bankEntryReader(entry, 'polish-api');
      const baseUrl = fields.text('baseUrl');
      const signingKey = fields.secret('signingKey', "must be the TPP's private key (JWK JSON or PEM)");
      const displayName = fields.displayName();
      const allowedHosts = o['allowedHosts'];
      const connector = definePolishApiConnector({
        id: entry.bankId,
        baseUrl,
        ...(displayName ? { displayName } : {}),
        ...(Array.isArray(allowedHosts) ? { allowedHosts: allowedHosts.map(String) } : {}),
        ...(o['doneDateField'] === 'bookingDate' || o['doneDateField'] === 'transactionDate' ? { doneDateField: o['doneDateField'] } : {}),
        ...(typeof o['scaValidityDays'] === 'number' ? { scaValidityDays: o['scaValidityDays'] } : {}),
        ...(typeof o['pageSize'] === 'number' ? { pageSize: o['pageSize'] } : {}),
      });
      const optional = Object.fromEntries(
        ['keyId', 'signingAlgorithm', 'tppId', 'bankSigningKey', 'consentValidityDays', 'maxHistoryDays', 'language'].filter((k) => o[k] !== undefined).map((k) => [k, o[k]]),
      );
      const config = { baseUrl, clientId: fields.text('clientId'), signingKey, ...optional };
      // Its consent facts come from the connector itself (contract v2: connector.consentFacts).
      return { bankId: entry.bankId, connector, config };
    });
  },
};

/**
 * Net banks read as HTML with the user's own login (`@kinko/connector-web-netbank`): one
 * connector per bank, its id the `bankId`, its only allowed host the one of `baseUrl`.
 * Entry fields: `baseUrl`, `stateKey` (≥ 16 characters, the same in every process: it seals
 * the login a pending challenge carries), `bankName` (a string or `{ ja, en, pl }`),
 * optionally `bankCode`, `limits`, and `directLoginUrl` (the bank's own login page, shown
 * to users who must act at the bank; read by the Link pages).
 */
export const webNetbankPackage: ConnectorPackage = {
  id: 'web-netbank',
  banks(entries) {
    return entries.map((entry) => {
      const o = entry.options;
      // Annotated, so that `fields.fail` (never) narrows.
      const fields: BankEntryReader = bankEntryReader(entry, 'web-netbank');
      const baseUrl = fields.text('baseUrl');
      let hosts: string[];
      try {
        hosts = allowedHostsFor(baseUrl);
      } catch {
        fields.fail('baseUrl', 'is not a URL');
      }
      const stateKey = Redacted.isRedacted(o.stateKey) ? (o.stateKey as Redacted.Redacted<string>) : typeof o.stateKey === 'string' ? Redacted.make(o.stateKey) : undefined;
      if (stateKey === undefined) fields.fail('stateKey', 'must be a string of at least 16 characters');
      const displayName = fields.displayName(true);
      const connector = defineWebNetbankConnector({
        id: entry.bankId,
        displayName,
        allowedHosts: hosts,
        ...(typeof o.limits === 'object' && o.limits !== null ? { limits: o.limits as Partial<ConnectorLimits> } : {}),
      });
      return { bankId: entry.bankId, connector, config: { baseUrl, stateKey }, ...(typeof o.bankCode === 'string' ? { bankCode: o.bankCode } : {}) };
    });
  },
};

/**
 * Berlin Group NextGenPSD2 1.3.12 banks (AIS, OAuth SCA approach; one connector per bank, its
 * manifest id = `bankId`, its allowed host the one of `baseUrl`). Entry fields: `baseUrl`,
 * `clientId`, `bankName` (a string or `{ ja, en, pl }`), optionally `consentValidityDays`,
 * `frequencyPerDay`, `pageSize`, `bookingStatusBoth` (false for a bank that does not serve
 * bookingStatus=both: booked and pending are then fetched one kind per call). The consent's facts (validUntil, frequencyPerDay, SCA time)
 * come from the connector's grant.
 */
export const berlinGroupPackage: ConnectorPackage = {
  id: 'berlin-group',
  banks(entries) {
    return entries.map((entry) => {
      const o = entry.options;
      const fields: BankEntryReader = bankEntryReader(entry, 'berlin-group');
      const baseUrl = fields.text('baseUrl');
      const clientId = fields.text('clientId');
      let host: string;
      try {
        host = new URL(baseUrl).host;
      } catch {
        fields.fail('baseUrl', 'is not a URL');
      }
      const displayName = fields.displayName();
      const connector = defineBerlinGroupConnector({
        id: entry.bankId,
        allowedHosts: [host],
        ...(displayName ? { displayName } : {}),
        ...(typeof o['pageSize'] === 'number' ? { pageSize: o['pageSize'] } : {}),
        ...(o['bookingStatusBoth'] === false ? { bookingStatusBoth: false } : {}),
      });
      const optional = Object.fromEntries(['consentValidityDays', 'frequencyPerDay'].filter((k) => typeof o[k] === 'number').map((k) => [k, o[k]]));
      return { bankId: entry.bankId, connector, config: { baseUrl, clientId, ...optional } };
    });
  },
};

/**
 * gmo-aozora (`@kinko/connector-gmo-aozora`, made with `pnpm create-connector`): the package's
 * registration (`gmoAozoraBanks`, src/registration.ts) — one connector per bank entry, its id the
 * `bankId`, its only allowed host the one of `baseUrl`, its name `bankName` (a string or
 * `{ ja, en, pl }`). Entry fields: `baseUrl`, `clientId`, `clientSecret` (a secret), optionally
 * `bankName`; only the first three reach the config. A bad entry: `ConnectorSetupError` naming the field.
 */
export const gmoAozoraPackage: ConnectorPackage = {
  id: 'gmo-aozora',
  banks: (entries) => gmoAozoraBanks(entries),
};

/**
 * uk-open-banking (`@kinko/connector-uk-open-banking`, made with `pnpm create-connector`): the
 * package's registration (`ukOpenBankingBanks`, src/registration.ts), as for gmo-aozora above.
 */
export const ukOpenBankingPackage: ConnectorPackage = {
  id: 'uk-open-banking',
  banks: (entries) => ukOpenBankingBanks(entries),
};

/**
 * THE list of connector packages the app offers — the one place a connector is registered.
 * Add the package to apps/api's dependencies and its {@link ConnectorPackage} here; the
 * banks themselves come from configuration (`KINKO_BANKS`). Duplicate package ids, and
 * duplicate bank or connector ids, stop the app at start-up.
 */
export const REGISTERED_CONNECTOR_PACKAGES: readonly ConnectorPackage[] = [bankCommonApiPackage, polishApiPackage, webNetbankPackage, berlinGroupPackage, gmoAozoraPackage, ukOpenBankingPackage];
