// The one place for reading a bank entry's fields: each rule, and its error naming the entry and
// the field — never a secret's value.
import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { Redacted } from 'effect';
import { bankEntryReader, ConnectorSetupError } from '../src';

const SECRET = 'CANARY-secret-3b1f';
const reader = (options: Record<string, unknown>) => bankEntryReader({ bankId: 'my-bank', options }, 'toy-api');

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectorSetupError);
    return e as Error;
  }
  throw new Error('expected a ConnectorSetupError');
}

describe('bankEntryReader', () => {
  it('names the entry as bank "<bankId>" (<package>)', () => {
    expect(reader({}).where).toBe('bank "my-bank" (toy-api)');
  });

  it('text: a non-empty string, else an error naming the entry and field', () => {
    expect(reader({ baseUrl: 'https://bank.example' }).text('baseUrl')).toBe('https://bank.example');
    for (const v of [undefined, '', 42, { a: 1 }]) {
      expect(thrown(() => reader({ baseUrl: v }).text('baseUrl')).message).toBe('bank "my-bank" (toy-api): "baseUrl" must be a non-empty string');
    }
  });

  it('optionalText: absent is undefined, present must be a non-empty string', () => {
    expect(reader({}).optionalText('bankCode')).toBeUndefined();
    expect(reader({ bankCode: '0310' }).optionalText('bankCode')).toBe('0310');
    expect(thrown(() => reader({ bankCode: '' }).optionalText('bankCode')).message).toBe('bank "my-bank" (toy-api): "bankCode" must be a non-empty string');
    expect(thrown(() => reader({ bankCode: 310 }).optionalText('bankCode')).message).toContain('"bankCode"');
  });

  it('secret: a non-empty string or a Redacted one, returned Redacted; its value in no error', () => {
    const fromText = reader({ clientSecret: SECRET }).secret('clientSecret');
    expect(Redacted.isRedacted(fromText)).toBe(true);
    expect(Redacted.value(fromText)).toBe(SECRET);
    expect(inspect(fromText)).not.toContain(SECRET);
    const already = Redacted.make(SECRET);
    expect(reader({ clientSecret: already }).secret('clientSecret')).toBe(already);
    for (const v of [undefined, '', 42, [SECRET], { value: SECRET }]) {
      const e = thrown(() => reader({ clientSecret: v }).secret('clientSecret'));
      expect(e.message).toBe('bank "my-bank" (toy-api): "clientSecret" must be a non-empty string');
      expect(`${e.message} ${e.stack ?? ''} ${inspect(e)}`).not.toContain(SECRET);
    }
    expect(thrown(() => reader({ signingKey: '' }).secret('signingKey', 'must be the private key')).message).toBe('bank "my-bank" (toy-api): "signingKey" must be the private key');
  });

  it('displayName: a string is the same in ja, en and pl; { ja, en, pl } as given (only those keys)', () => {
    expect(reader({ bankName: 'My Bank' }).displayName()).toEqual({ ja: 'My Bank', en: 'My Bank', pl: 'My Bank' });
    expect(reader({ bankName: { ja: '銀行', en: 'Bank', pl: 'Bank', de: 'Bank' } }).displayName(true)).toEqual({ ja: '銀行', en: 'Bank', pl: 'Bank' });
  });

  it('displayName: absent is undefined unless required; anything else is an error naming bankName', () => {
    expect(reader({}).displayName()).toBeUndefined();
    const message = 'bank "my-bank" (toy-api): "bankName" must be a non-empty string or { ja, en, pl }';
    expect(thrown(() => reader({}).displayName(true)).message).toBe(message);
    for (const v of ['', 7, null, { ja: 'x' }, { ja: 'x', en: 'y', pl: '' }]) {
      expect(thrown(() => reader({ bankName: v }).displayName()).message).toBe(message);
    }
  });

  it('fail: an error naming the entry and the field', () => {
    expect(thrown(() => reader({}).fail('apiPath', 'must be a path starting with /')).message).toBe('bank "my-bank" (toy-api): "apiPath" must be a path starting with /');
  });
});
