import { Redacted } from 'effect';
import { ConnectorSetupError, type Connector, type ConnectorLimits, type LocalizedText } from '@kinko/connector-sdk';
import type { BankCommonApiBank } from './bank';
import { bankCommonApiConnector } from './connector';
import { isObject } from './payloads';
import type { BankCommonApiConfig } from './schemas';

/** One bank ready for the app: its connector to register and the config to create its client with. */
export interface BankCommonApiRegistration {
  /** The connector id (= bankId). */
  readonly id: string;
  readonly connector: Connector;
  /** The client credentials (`Redacted`): pass as `connector.create({ config })`. */
  readonly config: BankCommonApiConfig;
}

const LIMIT_KEYS: ReadonlyArray<keyof ConnectorLimits> = [
  'maxHistoryDays',
  'unattendedHistoryDays',
  'scaValidityDays',
  'unattendedAccessesPerDay',
  'pageSize',
  'maxConcurrency',
  'requestsPerSecond',
];

/**
 * Turns the deployment's list of 銀行共通API banks — e.g. the JSON of one setting:
 * `[{ "id": "bca-0001", "bankCode": "0001", "bankName": "みずほ銀行", "baseUrl": "https://…",
 * "apiKey": "…", "password": "…" }]`, optionally with `grants`, `refreshTokenDays` and
 * `limits` per bank — into one registration per bank. Throws `ConnectorSetupError` naming
 * the entry and field at fault (never a secret's value), or a duplicated id.
 */
export function bankCommonApiBanks(entries: unknown): readonly BankCommonApiRegistration[] {
  if (!Array.isArray(entries)) throw new ConnectorSetupError('the 銀行共通API banks must be a list');
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    const { bank, config } = entryOf(entry, i);
    if (seen.has(bank.id)) throw new ConnectorSetupError(`銀行共通API bank #${i + 1}: the id "${bank.id}" is used twice`);
    seen.add(bank.id);
    return { id: bank.id, connector: bankCommonApiConnector(bank), config };
  });
}

function entryOf(entry: unknown, i: number): { bank: BankCommonApiBank; config: BankCommonApiConfig } {
  const where = `銀行共通API bank #${i + 1}`;
  if (!isObject(entry)) throw new ConnectorSetupError(`${where} is not an object`);
  const problems: string[] = [];
  const text = (name: string): string => {
    const v = entry[name];
    if (typeof v === 'string' && v !== '') return v;
    problems.push(`${name} must be a non-empty string`);
    return '';
  };
  const secret = (name: string): Redacted.Redacted<string> => {
    const v = entry[name];
    if (Redacted.isRedacted(v) && typeof Redacted.value(v) === 'string' && Redacted.value(v) !== '') return v as Redacted.Redacted<string>;
    if (typeof v === 'string' && v !== '') return Redacted.make(v);
    problems.push(`${name} must be a non-empty string`);
    return Redacted.make('');
  };
  const id = text('id');
  const bankCode = text('bankCode');
  const baseUrl = text('baseUrl');
  const apiKey = secret('apiKey');
  const password = secret('password');
  const rawName = entry.bankName;
  let bankName: string | LocalizedText = '';
  if (typeof rawName === 'string' && rawName !== '') bankName = rawName;
  else if (isObject(rawName) && ['ja', 'en', 'pl'].every((k) => typeof rawName[k] === 'string' && rawName[k] !== '')) bankName = rawName as unknown as LocalizedText;
  else problems.push('bankName must be a non-empty string or { ja, en, pl }');
  const optional: { grants?: string; refreshTokenDays?: number; limits?: Partial<ConnectorLimits> } = {};
  if (entry.grants !== undefined) optional.grants = text('grants');
  if (entry.refreshTokenDays !== undefined) {
    if (typeof entry.refreshTokenDays === 'number') optional.refreshTokenDays = entry.refreshTokenDays;
    else problems.push('refreshTokenDays must be a number');
  }
  if (entry.limits !== undefined) {
    const raw = entry.limits;
    const limits: Partial<Record<keyof ConnectorLimits, number>> = {};
    if (!isObject(raw)) problems.push('limits must be an object');
    else {
      for (const [key, value] of Object.entries(raw)) {
        if (!(LIMIT_KEYS as readonly string[]).includes(key)) problems.push(`limits.${key} is not a limit`);
        else if (typeof value !== 'number') problems.push(`limits.${key} must be a number`);
        else limits[key as keyof ConnectorLimits] = value;
      }
    }
    optional.limits = limits;
  }
  for (const key of Object.keys(entry)) {
    if (!['id', 'bankCode', 'bankName', 'baseUrl', 'apiKey', 'password', 'grants', 'refreshTokenDays', 'limits'].includes(key)) problems.push(`${key} is not a field`);
  }
  if (problems.length > 0) throw new ConnectorSetupError(`${where}${id !== '' ? ` (${id})` : ''}: ${problems.join('; ')}`);
  return { bank: { id, bankCode, bankName, baseUrl, ...optional }, config: { apiKey, password } };
}
