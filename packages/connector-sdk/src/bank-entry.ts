import { Redacted } from 'effect';
import { ConnectorSetupError } from './connector';
import type { LocalizedText } from './manifest';

/** A deployment's bank entry (`KINKO_BANKS`) as a connector package receives it: its `bankId` and its fields. */
export interface BankEntryFields {
  readonly bankId: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * The one place for reading a bank entry's fields. Every rule throws a {@link ConnectorSetupError}
 * naming the entry and the field at fault (`bank "<bankId>" (<package>): "<field>" …`) — never a
 * secret's value.
 */
export interface BankEntryReader {
  /** `bank "<bankId>" (<package>)`: how errors name the entry. */
  readonly where: string;
  /** A non-empty string field. */
  text(name: string): string;
  /** A non-empty string field, or undefined when absent. */
  optionalText(name: string): string | undefined;
  /**
   * A secret: a non-empty string (or an already `Redacted` one), returned `Redacted`; else an error
   * saying `problem` (default: `must be a non-empty string`).
   */
  secret(name: string, problem?: string): Redacted.Redacted<string>;
  /**
   * `bankName` as the bank's display name: a non-empty string (the same in ja, en and pl) or
   * `{ ja, en, pl }`, each non-empty. Absent: undefined (the connector's own name).
   */
  displayName(): LocalizedText | undefined;
  /** `bankName` as above, required. */
  displayName(required: true): LocalizedText;
  /** A setup error naming the entry and `field`, with `problem` (e.g. `must be a positive integer`). */
  fail(field: string, problem: string): never;
}

const LANGUAGES = ['ja', 'en', 'pl'] as const;

const isNonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** A reader over `entry`'s fields for the connector package `packageId` (e.g. `gmo-aozora`). */
export function bankEntryReader(entry: BankEntryFields, packageId: string): BankEntryReader {
  const o = entry.options;
  const where = `bank "${entry.bankId}" (${packageId})`;
  const fail = (field: string, problem: string): never => {
    throw new ConnectorSetupError(`${where}: "${field}" ${problem}`);
  };
  const optionalText = (name: string): string | undefined => {
    const v = o[name];
    if (v === undefined) return undefined;
    return isNonEmpty(v) ? v : fail(name, 'must be a non-empty string');
  };
  const text = (name: string): string => optionalText(name) ?? fail(name, 'must be a non-empty string');
  const secret = (name: string, problem = 'must be a non-empty string'): Redacted.Redacted<string> => {
    const v = o[name];
    if (Redacted.isRedacted(v)) return v as Redacted.Redacted<string>;
    return isNonEmpty(v) ? Redacted.make(v) : fail(name, problem);
  };
  function displayName(): LocalizedText | undefined;
  function displayName(required: true): LocalizedText;
  function displayName(required = false): LocalizedText | undefined {
    const name = o['bankName'];
    if (name === undefined && !required) return undefined;
    if (isNonEmpty(name)) return { ja: name, en: name, pl: name };
    if (typeof name === 'object' && name !== null && LANGUAGES.every((k) => isNonEmpty((name as Record<string, unknown>)[k]))) {
      const { ja, en, pl } = name as LocalizedText;
      return { ja, en, pl };
    }
    return fail('bankName', 'must be a non-empty string or { ja, en, pl }');
  }
  return { where, text, optionalText, secret, displayName, fail };
}
