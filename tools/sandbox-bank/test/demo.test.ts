/** The demo configuration `pnpm sandbox` runs: it starts, and its printed identities work. */
import { DEMO_OTP, DEMO_PASSWORD, demoBanks, manualClock, startBankCommonApiSandbox, type BankCommonApiSandbox } from '../src';
import { call, field, userTokens } from './support';

let sandbox: BankCommonApiSandbox;

beforeAll(async () => {
  sandbox = await startBankCommonApiSandbox({ banks: demoBanks(), seed: 'kinko', clock: manualClock('2020-06-01T09:00:00+09:00'), admin: true });
});
afterAll(() => sandbox.close());

describe('demo banks', () => {
  it('run three real banks, each on its own loopback port (GMO Aozora, 0310, has its own Open API sandbox)', () => {
    // Their names as the API reports them, and in Latin script for English and Polish pages.
    expect(sandbox.banks.map((b) => [b.bankCode, b.bankName, b.englishName])).toEqual([
      ['0001', 'みずほ銀行', 'Mizuho Bank'],
      ['0005', '三菱ＵＦＪ銀行', 'MUFG Bank'],
      ['0009', '三井住友銀行', 'Sumitomo Mitsui Banking Corporation'],
    ]);
    const ports = sandbox.banks.map((b) => new URL(b.url).port);
    expect(new Set(ports).size).toBe(3);
    for (const b of sandbox.banks) expect(new URL(b.url).hostname).toBe('127.0.0.1');
  });

  it('let the demo users in (with the OTP where configured) and serve their accounts', async () => {
    for (const bank of sandbox.banks) {
      for (const user of bank.users) {
        const tokens = await userTokens(bank, { id: user.id, password: DEMO_PASSWORD, ...(user.otp ? { otp: DEMO_OTP } : {}) });
        const accounts = await call(bank, 'GET', '/accounts', { token: tokens.access });
        expect(field<unknown[]>(accounts, 'accounts')).toHaveLength(sandbox.truth.accounts(bank.bankCode, user.id).length);
      }
    }
  });

  it('include the 1,000,000-transaction corporate account and a bank without POST /auth/login', async () => {
    const [big] = sandbox.truth.accounts('0001', 'corp');
    expect(sandbox.truth.summary('0001', big?.accountId as string, { from: '2000-01-01', to: '2020-06-01' }).count).toBe(1_000_000);
    const mufg = sandbox.bank('0005');
    expect((await call(mufg, 'POST', '/auth/login', { body: { api_key: mufg.client.apiKey, id: 'demo', password: DEMO_PASSWORD } })).status).toBe(404);
  });
});
