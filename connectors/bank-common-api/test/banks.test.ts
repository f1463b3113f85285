/**
 * How a deployment registers its 銀行共通API banks: one connector per bank (its id is the
 * bankId), with its manifest, allowed host and limits, from a definition or a settings list.
 */
import { Redacted } from 'effect';
import { ConnectorSetupError, createConnectorRegistry, DuplicateConnectorIdError, InvalidManifestError, isUrlAllowed } from '@kinko/connector-sdk';
import { BANK_COMMON_API_DEFAULT_LIMITS, bankCommonApiBanks, bankCommonApiConnector } from '../src';

const mizuho = { id: 'bca-0001', bankCode: '0001', bankName: 'みずほ銀行', baseUrl: 'https://api.mizuho.example/fgapi/v1/' };

describe('bankCommonApiConnector', () => {
  it('makes a redirect connector for Japan whose only allowed host is the bank’s', () => {
    const { manifest } = bankCommonApiConnector(mizuho);
    expect(manifest).toMatchObject({
      id: 'bca-0001',
      displayName: { ja: 'みずほ銀行', en: 'みずほ銀行', pl: 'みずほ銀行' },
      country: 'JP',
      timeZone: 'Asia/Tokyo',
      currency: 'JPY',
      authFlow: 'redirect',
      capabilities: { accounts: true, balances: true, transactions: ['booked'], branches: true, challenges: [] },
      limits: BANK_COMMON_API_DEFAULT_LIMITS,
      dateFieldByKind: { booked: 'transactionDate' },
      deleteIfNotFetched: [],
      allowedHosts: ['api.mizuho.example'],
    });
    expect(isUrlAllowed(new URL('https://api.mizuho.example/fgapi/v1/accounts'), manifest.allowedHosts)).toBe(true);
    expect(isUrlAllowed(new URL('https://api.mizuho.example:8443/accounts'), manifest.allowedHosts)).toBe(false);
    expect(isUrlAllowed(new URL('https://evil.example/accounts'), manifest.allowedHosts)).toBe(false);
  });

  it('keeps a non-default port in the host entry, takes names per language and overrides limits', () => {
    const { manifest } = bankCommonApiConnector({
      id: 'bca-9999',
      bankCode: '9999',
      bankName: { ja: 'フィンテックガーデン銀行', en: 'Fintech Garden Bank', pl: 'Bank Fintech Garden' },
      baseUrl: 'https://api.fg.example:8443',
      limits: { maxConcurrency: 4, requestsPerSecond: 20, maxHistoryDays: 1460 },
    });
    expect(manifest.allowedHosts).toEqual(['api.fg.example:8443']);
    expect(manifest.displayName.en).toBe('Fintech Garden Bank');
    expect(manifest.limits).toEqual({ ...BANK_COMMON_API_DEFAULT_LIMITS, maxConcurrency: 4, requestsPerSecond: 20, maxHistoryDays: 1460 });
  });

  it('refuses an unusable definition at start-up, naming every problem', () => {
    expect(() => bankCommonApiConnector({ ...mizuho, bankCode: '1', baseUrl: 'ftp://x', bankName: ' ', refreshTokenDays: 0 })).toThrow(
      new ConnectorSetupError('銀行共通API bank "bca-0001": bankCode must be the 4-digit 全銀協 code; baseUrl must be an absolute http(s) URL without query, fragment or credentials; bankName must not be empty; refreshTokenDays must be a positive integer'),
    );
    expect(() => bankCommonApiConnector({ ...mizuho, baseUrl: 'https://api.example/?x=1' })).toThrow(ConnectorSetupError);
    expect(() => bankCommonApiConnector({ ...mizuho, id: 'Bank 1' })).toThrow(InvalidManifestError);
    expect(() => bankCommonApiConnector({ ...mizuho, limits: { maxHistoryDays: 5000 } })).toThrow(InvalidManifestError);
  });

  it('refuses a config without client credentials or with a bad base URL when a client is created', () => {
    const connector = bankCommonApiConnector(mizuho);
    expect(() => connector.create({ config: { apiKey: 'k' } })).toThrow(ConnectorSetupError);
    expect(() => connector.create({ config: { apiKey: 'k', password: 'p', baseUrl: 'not a url' } })).toThrow(ConnectorSetupError);
    expect(() => connector.create({ config: { apiKey: 'k', password: 'p' } })).not.toThrow();
  });
});

describe('bankCommonApiBanks: the deployment’s list', () => {
  const entries = [
    { ...mizuho, apiKey: 'mizuho-key', password: 'mizuho-secret' },
    { id: 'bca-0005', bankCode: '0005', bankName: { ja: '三菱UFJ銀行', en: 'MUFG Bank', pl: 'MUFG Bank' }, baseUrl: 'https://api.mufg.example', apiKey: 'k5', password: 's5', grants: 'read', limits: { maxConcurrency: 2 } },
  ];

  it('gives one registration per bank: its connector for the registry and its config for create()', () => {
    const banks = bankCommonApiBanks(entries);
    expect(banks.map((b) => b.id)).toEqual(['bca-0001', 'bca-0005']);
    const registry = createConnectorRegistry(banks.map((b) => b.connector));
    expect(registry.ids).toEqual(['bca-0001', 'bca-0005']);
    expect(registry.require('bca-0005').manifest.limits.maxConcurrency).toBe(2);
    const config = banks[0]?.config;
    expect(Redacted.isRedacted(config?.apiKey) && Redacted.value(config.apiKey)).toBe('mizuho-key');
    expect(JSON.stringify(banks)).not.toContain('mizuho-secret');
    expect(() => banks[0]?.connector.create({ config })).not.toThrow();
  });

  it('refuses a malformed list, naming entry and field but never a secret', () => {
    expect(() => bankCommonApiBanks({})).toThrow(ConnectorSetupError);
    const bad = [{ ...entries[0], password: '', apiKey: 42, extra: true, limits: { pageSize: 'big', speed: 1 } }];
    expect(() => bankCommonApiBanks(bad)).toThrow(
      new ConnectorSetupError(
        '銀行共通API bank #1 (bca-0001): apiKey must be a non-empty string; password must be a non-empty string; limits.pageSize must be a number; limits.speed is not a limit; extra is not a field',
      ),
    );
    expect(() => bankCommonApiBanks([entries[0], { ...entries[1], id: 'bca-0001' }])).toThrow(/used twice/);
    // The registry itself also refuses duplicates, e.g. the same bank listed in two places.
    const [one] = bankCommonApiBanks([entries[0]]);
    expect(() => createConnectorRegistry([one?.connector, bankCommonApiConnector(mizuho)].filter((c) => c !== undefined))).toThrow(DuplicateConnectorIdError);
  });
});
