import { describe, expect, it } from '@jest/globals';
import { SANDBOX_BERLIN_GROUP_BANK_ID, SANDBOX_GMO_AOZORA_BANK_ID, SANDBOX_UK_OPEN_BANKING_BANK_ID, polishRedirectUris, sandboxBankEntries } from './sandbox-banks';
import { startBanner } from './start-kinko';

// The development banks (started by the launcher, tools/dev-server: see its tests) as the
// app registers them.
describe('sandbox bank entries', () => {
  it('turns the sandbox banks into 銀行共通API bank entries named sandbox-<code>, the English and Polish names in Latin script', () => {
    const entries = sandboxBankEntries({
      banks: [
        { bankCode: '0001', bankName: 'みずほ銀行', englishName: 'Mizuho Bank', url: 'http://127.0.0.1:4001', client: { apiKey: 'k', password: 'p' } },
        { bankCode: '0009', bankName: 'Without client', url: 'http://127.0.0.1:4009' },
      ],
      close: async () => undefined,
    });
    expect(entries).toEqual([
      {
        bankId: 'sandbox-0001',
        connector: 'bank-common-api',
        options: { bankCode: '0001', bankName: { ja: 'みずほ銀行（サンドボックス）', en: 'Mizuho Bank (sandbox)', pl: 'Mizuho Bank (piaskownica)' }, baseUrl: 'http://127.0.0.1:4001', apiKey: 'k', password: 'p' },
      },
    ]);
  });

  it('turns the net bank into a web-netbank bank entry named sandbox-netbank-<code>, its English and Polish names in Latin script', () => {
    const netbank = { bankCode: '0138', bankName: '横浜銀行', englishName: 'The Bank of Yokohama', url: 'http://127.0.0.1:4138', personas: [], close: async () => undefined };
    const [entry] = sandboxBankEntries({ banks: [], netbank, close: async () => undefined });
    expect(entry?.bankId).toBe('sandbox-netbank-0138');
    expect(entry?.options['bankName']).toEqual({
      ja: '横浜銀行（サンドボックス・ログイン情報）',
      en: 'The Bank of Yokohama (sandbox, login details)',
      pl: 'The Bank of Yokohama (piaskownica, dane logowania)',
    });
    // A net bank without a Latin name keeps its own in every language.
    const [plain] = sandboxBankEntries({ banks: [], netbank: { ...netbank, englishName: undefined }, close: async () => undefined });
    expect((plain?.options['bankName'] as { en: string }).en).toBe('横浜銀行 (sandbox, login details)');
  });

  it('lets the PolishAPI sandbox send users back to Kinko’s callback on loopback, and at KINKO_PUBLIC_URL when set', () => {
    expect(polishRedirectUris(undefined)).toEqual(['http://127.0.0.1/api/v2/connect/callback', 'http://localhost/api/v2/connect/callback']);
    expect(polishRedirectUris('https://kinko.example')).toEqual([
      'http://127.0.0.1/api/v2/connect/callback',
      'http://localhost/api/v2/connect/callback',
      'https://kinko.example/api/v2/connect/callback',
    ]);
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

  it('turns the Berlin Group bank into a berlin-group bank entry named sandbox-berlin-group, Kinko its OAuth client', () => {
    const berlinGroup = { bankName: 'Sandbox Bank', url: 'http://127.0.0.1:6', clientId: 'kinko', personas: [], close: async () => undefined };
    expect(sandboxBankEntries({ banks: [], berlinGroup, close: async () => undefined })).toEqual([
      {
        bankId: SANDBOX_BERLIN_GROUP_BANK_ID,
        connector: 'berlin-group',
        options: {
          baseUrl: 'http://127.0.0.1:6',
          clientId: 'kinko',
          bankName: { ja: 'Sandbox Bank（サンドボックス・Berlin Group）', en: 'Sandbox Bank (sandbox, Berlin Group)', pl: 'Sandbox Bank (piaskownica, Berlin Group)' },
        },
      },
    ]);
  });

  it('turns the GMO Aozora bank into a gmo-aozora bank entry named sandbox-gmo-aozora, Kinko its OAuth client with its secret', () => {
    const gmoAozora = { bankName: 'GMOあおぞらネット銀行', englishName: 'GMO Aozora Net Bank', url: 'http://127.0.0.1:7', clientId: 'kinko', clientSecret: 's3cret', personas: [], close: async () => undefined };
    expect(sandboxBankEntries({ banks: [], gmoAozora, close: async () => undefined })).toEqual([
      {
        bankId: SANDBOX_GMO_AOZORA_BANK_ID,
        connector: 'gmo-aozora',
        options: {
          baseUrl: 'http://127.0.0.1:7',
          clientId: 'kinko',
          clientSecret: 's3cret',
          bankName: { ja: 'GMOあおぞらネット銀行（サンドボックス・Open API）', en: 'GMO Aozora Net Bank (sandbox, Open API)', pl: 'GMO Aozora Net Bank (piaskownica, Open API)' },
        },
      },
    ]);
  });

  it('turns the UK Open Banking bank into a uk-open-banking bank entry named sandbox-uk-open-banking with its bank name, Kinko its OAuth client with its secret; the banner lists its personas, never the secret', () => {
    const ukOpenBanking = { bankName: 'Sandbox Bank UK', url: 'http://127.0.0.1:8', clientId: 'kinko', clientSecret: 'uk-s3cret', personas: [{ login: 'oliver', password: 'sandbox', summary: 'a current account' }], close: async () => undefined };
    const sandbox = { banks: [], ukOpenBanking, close: async () => undefined };
    expect(sandboxBankEntries(sandbox)).toEqual([
      {
        bankId: SANDBOX_UK_OPEN_BANKING_BANK_ID,
        connector: 'uk-open-banking',
        options: {
          baseUrl: 'http://127.0.0.1:8',
          clientId: 'kinko',
          clientSecret: 'uk-s3cret',
          bankName: { ja: 'Sandbox Bank UK（サンドボックス・UK Open Banking）', en: 'Sandbox Bank UK (sandbox, UK Open Banking)', pl: 'Sandbox Bank UK (piaskownica, UK Open Banking)' },
        },
      },
    ]);
    const kinko = { url: 'http://127.0.0.1:3000', database: { description: 'test' }, sandbox };
    const banner = startBanner(kinko as unknown as Parameters<typeof startBanner>[0], { mode: 'development' } as Parameters<typeof startBanner>[1]).join('\n');
    expect(banner).toContain('bankId sandbox-uk-open-banking');
    expect(banner).toContain('oliver / sandbox: a current account');
    expect(banner).not.toContain('uk-s3cret');
  });

  it('prints every sandbox bank with the bankId the API takes, and the connect hint sends the user to any of them', () => {
    const sandbox = {
      banks: [
        { bankCode: '0001', bankName: 'みずほ銀行', url: 'http://127.0.0.1:4001', client: { apiKey: 'k', password: 'p' } },
        { bankCode: '0005', bankName: '三菱ＵＦＪ銀行', url: 'http://127.0.0.1:4005', client: { apiKey: 'k', password: 'p' } },
      ],
      demoLogin: { id: 'demo', password: 'demo-pass' },
      netbank: { bankCode: '0138', bankName: '横浜銀行', url: 'http://127.0.0.1:4138', personas: [{ id: 'happy', password: 'pass-happy', summary: 'logs in' }], close: async () => undefined },
      berlinGroup: { bankName: 'Sandbox Bank', url: 'http://127.0.0.1:6', clientId: 'kinko', personas: [{ login: 'lena', password: 'sandbox', summary: 'two accounts' }], close: async () => undefined },
      close: async () => undefined,
    };
    const connect = { bankId: 'sandbox-0001', bankName: 'みずほ銀行', url: 'http://127.0.0.1:3000/link/connect?token=t', expiresAt: new Date('2026-12-06T21:00:00Z'), login: sandbox.demoLogin };
    const demo = { tenantId: 't', userId: 'u', userExternalId: 'demo-user', apiKey: 'kinko_x_y', created: false, userToken: 'ut', userTokenExpiresAt: connect.expiresAt, linkToken: 't', file: '/tmp/demo.json' };
    const kinko = { url: 'http://127.0.0.1:3000', database: { description: 'test' }, sandbox, demo, demoConnect: connect };
    const lines = startBanner(kinko as unknown as Parameters<typeof startBanner>[0], { mode: 'development' } as Parameters<typeof startBanner>[1]);
    const bankLines = lines.filter((l) => l.startsWith('  Sandbox bank'));
    expect(bankLines).toHaveLength(4);
    expect(bankLines.map((l) => /bankId (\S+)\)/.exec(l)?.[1])).toEqual(['sandbox-0001', 'sandbox-0005', 'sandbox-netbank-0138', SANDBOX_BERLIN_GROUP_BANK_ID]);
    const hint = lines[lines.findIndex((l) => l.startsWith('  Connect URL')) + 1];
    expect(hint).toContain('みずほ銀行: log in at its page as demo / demo-pass, as at the other 銀行共通API banks; or another sandbox bank below as one of its personas.');
  });
});
