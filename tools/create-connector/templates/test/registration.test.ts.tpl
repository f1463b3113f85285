// The app's registration of this package (src/registration.ts, its entry fields read with the
// SDK's bankEntryReader): the bank entry's name, and only the connector's fields as its config.
import { Redacted } from 'effect';
import { ConnectorSetupError } from '@kinko/connector-sdk';
import { __CAMEL__Banks } from '../src';

const entry = (options: Record<string, unknown>) => ({
  bankId: '__ID__-main',
  options: { baseUrl: 'https://api.bank.example/v1', clientId: 'kinko', clientSecret: 'client-secret-value', ...options },
});

describe('__CAMEL__Banks', () => {
  it('names the bank as its entry does (a string or { ja, en, pl }), the scaffolded name otherwise', () => {
    const [named] = __CAMEL__Banks([entry({ bankName: 'My Bank' })]);
    expect(named?.connector.manifest.displayName).toEqual({ ja: 'My Bank', en: 'My Bank', pl: 'My Bank' });
    const localized = { ja: '銀行', en: 'Bank', pl: 'Bank' };
    expect(__CAMEL__Banks([entry({ bankName: localized })])[0]?.connector.manifest.displayName).toEqual(localized);
    expect(__CAMEL__Banks([entry({})])[0]?.connector.manifest.displayName).toEqual({ ja: '__NAME__', en: '__NAME__', pl: '__NAME__' });
  });

  it('one connector per entry: its id the bankId, its allowed host the one of baseUrl, its config only the connector\'s fields (the secret Redacted)', () => {
    const [bank] = __CAMEL__Banks([entry({ bankName: 'My Bank', unrelated: 'not config' })]);
    expect(bank?.bankId).toBe('__ID__-main');
    expect(bank?.connector.manifest.id).toBe('__ID__-main');
    expect(bank?.connector.manifest.allowedHosts).toEqual(['api.bank.example']);
    expect(Object.keys(bank?.config ?? {}).sort()).toEqual(['baseUrl', 'clientId', 'clientSecret']);
    expect(Redacted.isRedacted(bank?.config.clientSecret)).toBe(true);
    // KINKO_BANKS gives the secret already Redacted: kept as given.
    const given = Redacted.make('client-secret-value');
    expect(__CAMEL__Banks([entry({ clientSecret: given })])[0]?.config.clientSecret).toBe(given);
    // The app creates the client with that config.
    expect(() => bank?.connector.create({ config: bank.config })).not.toThrow();
  });

  it('refuses an entry without its fields, naming the entry and field and never the secret', () => {
    for (const [options, field] of [
      [{ baseUrl: undefined }, 'baseUrl'],
      [{ clientId: '' }, 'clientId'],
      [{ clientSecret: 42 }, 'clientSecret'],
      [{ bankName: { ja: 'x' } }, 'bankName'],
    ] as const) {
      let thrown: unknown;
      try {
        __CAMEL__Banks([entry(options)]);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(ConnectorSetupError);
      expect((thrown as Error).message).toContain(`bank "__ID__-main" (__ID__): "${field}"`);
      expect((thrown as Error).message).not.toContain('client-secret-value');
    }
  });
});
