import { describe, expect, it } from '@jest/globals';
import { ConnectorSetupError } from '@kinko/connector-sdk';
import { Redacted } from 'effect';
import type { BankEntry } from '../config/settings';
import { berlinGroupPackage, gmoAozoraPackage, polishApiPackage, ukOpenBankingPackage, webNetbankPackage } from './registered-connectors';

// The scaffolded registration shape of the OAuth client packages (gmo-aozora, uk-open-banking):
// only baseUrl, clientId and clientSecret (Redacted) reach the config, bankName is the bank's
// name, a bad entry is a ConnectorSetupError naming the field — never a secret's value. And the
// one bankName rule of the entries the app reads itself (polish-api, web-netbank, berlin-group).

const setupError = (run: () => unknown): string => {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectorSetupError);
    return (e as Error).message;
  }
  throw new Error('expected a ConnectorSetupError');
};

describe.each([
  ['gmo-aozora', gmoAozoraPackage, { ja: 'GMOあおぞらネット銀行', en: 'GMO Aozora Net Bank', pl: 'GMO Aozora Net Bank' }],
  ['uk-open-banking', ukOpenBankingPackage, { ja: '英国オープンバンキング', en: 'UK Open Banking', pl: 'UK Open Banking' }],
] as const)('%s registration', (id, pkg, defaultName) => {
  const entry = (options: Record<string, unknown>): BankEntry => ({ bankId: `${id}-test`, connector: id, options });
  const valid = { baseUrl: 'https://bank.example/api', clientId: 'kinko', clientSecret: Redacted.make('s3cret-canary') };

  it('passes only baseUrl, clientId and clientSecret (Redacted) as the config (nothing else given); bankName names the bank', () => {
    const [bank] = pkg.banks([entry({ ...valid, bankName: 'Test Bank', pageSize: 50, unrelated: 'x' })]);
    expect(bank?.bankId).toBe(`${id}-test`);
    expect(Object.keys(bank?.config as object).sort()).toEqual(['baseUrl', 'clientId', 'clientSecret']);
    const config = bank?.config as { baseUrl: string; clientId: string; clientSecret: Redacted.Redacted<string> };
    expect(config.baseUrl).toBe('https://bank.example/api');
    expect(Redacted.isRedacted(config.clientSecret)).toBe(true);
    expect(Redacted.value(config.clientSecret)).toBe('s3cret-canary');
    expect(bank?.connector.manifest.displayName).toEqual({ ja: 'Test Bank', en: 'Test Bank', pl: 'Test Bank' });
    expect(bank?.connector.manifest.allowedHosts).toEqual(['bank.example']);
    // A plain string secret (KINKO_BANKS redacts it; a test entry may not) is made Redacted.
    const [plain] = pkg.banks([entry({ ...valid, clientSecret: 'plain-canary' })]);
    expect(Redacted.isRedacted((plain?.config as { clientSecret: unknown }).clientSecret)).toBe(true);
  });

  it('takes bankName as { ja, en, pl }, and without one the package’s own name', () => {
    const name = { ja: 'テスト銀行', en: 'Test Bank', pl: 'Bank Testowy' };
    expect(pkg.banks([entry({ ...valid, bankName: name })])[0]?.connector.manifest.displayName).toEqual(name);
    expect(pkg.banks([entry(valid)])[0]?.connector.manifest.displayName).toEqual(defaultName);
  });

  it('refuses a bad entry naming the entry and the field, never the secret', () => {
    const messages = [
      setupError(() => pkg.banks([entry({ ...valid, baseUrl: undefined })])),
      setupError(() => pkg.banks([entry({ ...valid, clientId: '' })])),
      setupError(() => pkg.banks([entry({ ...valid, clientSecret: 42 })])),
      setupError(() => pkg.banks([entry({ ...valid, bankName: { ja: 'テスト銀行', en: 'Test Bank' } })])),
      setupError(() => pkg.banks([entry({ ...valid, bankName: 7 })])),
    ];
    expect(messages.map((m) => m.match(/"(baseUrl|clientId|clientSecret|bankName)"/)?.[1])).toEqual(['baseUrl', 'clientId', 'clientSecret', 'bankName', 'bankName']);
    for (const m of messages) {
      expect(m).toContain(`bank "${id}-test"`);
      expect(m).not.toContain('s3cret-canary');
    }
  });
});

describe('uk-open-banking registration: its config’s own optional fields', () => {
  const entry = (options: Record<string, unknown>): BankEntry => ({ bankId: 'uk-test', connector: 'uk-open-banking', options: { baseUrl: 'https://uk.example', clientId: 'kinko', clientSecret: 's', ...options } });

  it('keeps apiPath and consentValidityDays, refuses bad ones naming the field', () => {
    expect(ukOpenBankingPackage.banks([entry({ apiPath: '/aisp', consentValidityDays: 30 })])[0]?.config).toMatchObject({ apiPath: '/aisp', consentValidityDays: 30 });
    expect(setupError(() => ukOpenBankingPackage.banks([entry({ apiPath: 'aisp' })]))).toContain('"apiPath"');
    expect(setupError(() => ukOpenBankingPackage.banks([entry({ consentValidityDays: 0 })]))).toContain('"consentValidityDays"');
  });
});

describe('bankName of the entries the app reads itself: one rule', () => {
  const name = { ja: 'テスト銀行', en: 'Test Bank', pl: 'Bank Testowy' };
  const polish = (bankName: unknown): BankEntry => ({
    bankId: 'pl-test',
    connector: 'polish-api',
    options: { baseUrl: 'https://pl.example', clientId: 'kinko', signingKey: Redacted.make('key'), ...(bankName === undefined ? {} : { bankName }) },
  });
  const netbank = (bankName: unknown): BankEntry => ({
    bankId: 'nb-test',
    connector: 'web-netbank',
    options: { baseUrl: 'https://nb.example', stateKey: 'state-key-0123456789abcdef', ...(bankName === undefined ? {} : { bankName }) },
  });
  const berlin = (bankName: unknown): BankEntry => ({ bankId: 'bg-test', connector: 'berlin-group', options: { baseUrl: 'https://bg.example', clientId: 'kinko', ...(bankName === undefined ? {} : { bankName }) } });

  it('a string or { ja, en, pl } names the bank in each', () => {
    expect(polishApiPackage.banks([polish('Bank')])[0]?.connector.manifest.displayName).toEqual({ ja: 'Bank', en: 'Bank', pl: 'Bank' });
    expect(webNetbankPackage.banks([netbank(name)])[0]?.connector.manifest.displayName).toEqual(name);
    expect(berlinGroupPackage.banks([berlin(name)])[0]?.connector.manifest.displayName).toEqual(name);
  });

  it('anything else is a ConnectorSetupError naming "bankName" (the net bank requires one)', () => {
    expect(setupError(() => polishApiPackage.banks([polish({ ja: 'x', en: 'y' })]))).toContain('"bankName"');
    expect(setupError(() => berlinGroupPackage.banks([berlin('')]))).toContain('"bankName"');
    expect(setupError(() => webNetbankPackage.banks([netbank(undefined)]))).toContain('"bankName"');
    // Optional where the connector has a name of its own.
    expect(berlinGroupPackage.banks([berlin(undefined)])[0]?.connector.manifest.displayName.en).toEqual(expect.any(String));
  });
});
