import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { polishRedirectUris, sandboxBankEntries, startSandboxBanks } from './sandbox-banks';

// The sandbox is a development tool; start must work whatever it offers.
describe('startSandboxBanks', () => {
  // The package is required when the function runs, so each test's mock applies.
  beforeEach(() => {
    jest.resetModules();
  });

  it('starts nothing, with a warning, when the sandbox package offers no start function', async () => {
    jest.doMock('@kinko/sandbox-bank', () => ({}));
    const warnings: string[] = [];
    expect(await startSandboxBanks('127.0.0.1', (m) => warnings.push(m))).toBeUndefined();
    expect(warnings).toEqual([expect.stringContaining('offers no startBankCommonApiSandbox')]);
  });

  it('starts nothing, with a warning, when the sandbox fails to start', async () => {
    jest.doMock('@kinko/sandbox-bank', () => ({
      demoBanks: () => [],
      startBankCommonApiSandbox: async () => {
        throw new Error('port in use');
      },
    }));
    const warnings: string[] = [];
    expect(await startSandboxBanks('127.0.0.1', (m) => warnings.push(m))).toBeUndefined();
    expect(warnings).toEqual(['sandbox banks not started: port in use']);
  });

  it('starts the demo banks on loopback when offered, even if asked to listen on all interfaces', async () => {
    const calls: unknown[] = [];
    jest.doMock('@kinko/sandbox-bank', () => ({
      demoBanks: () => ['bank-config'],
      startBankCommonApiSandbox: async (options: unknown) => {
        calls.push(options);
        return { banks: [{ bankCode: '0001', bankName: 'Bank', url: 'http://127.0.0.1:1' }], close: async () => undefined };
      },
    }));
    const sandbox = await startSandboxBanks('0.0.0.0', () => undefined);
    expect(sandbox?.banks.map((b) => b.bankCode)).toEqual(['0001']);
    expect(calls).toEqual([{ banks: ['bank-config'], host: '127.0.0.1' }]);
  });

  it('turns the sandbox banks into 銀行共通API bank entries named sandbox-<code>', () => {
    const entries = sandboxBankEntries({
      banks: [
        { bankCode: '0001', bankName: 'みずほ銀行', url: 'http://127.0.0.1:4001', client: { apiKey: 'k', password: 'p' } },
        { bankCode: '0009', bankName: 'Without client', url: 'http://127.0.0.1:4009' },
      ],
      close: async () => undefined,
    });
    expect(entries).toEqual([
      {
        bankId: 'sandbox-0001',
        connector: 'bank-common-api',
        options: { bankCode: '0001', bankName: { ja: 'みずほ銀行（サンドボックス）', en: 'みずほ銀行 (sandbox)', pl: 'みずほ銀行 (piaskownica)' }, baseUrl: 'http://127.0.0.1:4001', apiKey: 'k', password: 'p' },
      },
    ]);
  });

  it('starts the PolishAPI persona bank (when offered) for Kinko’s callback on loopback and at KINKO_PUBLIC_URL; its close closes it', async () => {
    const calls: unknown[] = [];
    let closed = 0;
    jest.doMock('@kinko/sandbox-bank', () => ({
      demoBanks: () => [],
      startBankCommonApiSandbox: async () => ({ banks: [], close: async () => undefined }),
      startPolishApiPersonaBank: async (options: unknown) => {
        calls.push(options);
        return { bankCode: '114', bankName: 'mBank S.A.', url: 'http://127.0.0.1:5', clientId: 'kinko', signingKey: '{}', bankSigningKey: '{}', personas: [], close: async () => void closed++ };
      },
    }));
    const sandbox = await startSandboxBanks('127.0.0.1', () => undefined, 'https://kinko.example');
    expect(calls).toEqual([{ host: '127.0.0.1', redirectUris: ['http://127.0.0.1/api/v2/connect/callback', 'http://localhost/api/v2/connect/callback', 'https://kinko.example/api/v2/connect/callback'] }]);
    expect(sandbox?.polish?.bankCode).toBe('114');
    await sandbox?.close();
    expect(closed).toBe(1);
    expect(polishRedirectUris(undefined)).toEqual(['http://127.0.0.1/api/v2/connect/callback', 'http://localhost/api/v2/connect/callback']);
  });

  it('turns the PolishAPI bank into a polish-api bank entry named sandbox-pl-<code>, with the TPP’s keys', () => {
    const polish = { bankCode: '114', bankName: 'mBank S.A.', url: 'http://127.0.0.1:5', clientId: 'kinko', signingKey: '{"d":"x"}', bankSigningKey: '{"x":"y"}', personas: [], close: async () => undefined };
    expect(sandboxBankEntries({ banks: [], polish, close: async () => undefined })).toEqual([
      {
        bankId: 'sandbox-pl-114',
        connector: 'polish-api',
        options: {
          baseUrl: 'http://127.0.0.1:5',
          clientId: 'kinko',
          signingKey: '{"d":"x"}',
          bankSigningKey: '{"x":"y"}',
          bankName: { ja: 'mBank S.A.（サンドボックス・PolishAPI）', en: 'mBank S.A. (sandbox, PolishAPI)', pl: 'mBank S.A. (piaskownica, PolishAPI)' },
        },
      },
    ]);
  });
});
