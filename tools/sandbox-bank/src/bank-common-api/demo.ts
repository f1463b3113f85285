/**
 * The demo banks `pnpm sandbox` starts: four real bank codes, a plain user, a user with
 * a one-time password, a corporate user with a 1,000,000-transaction account, one bank
 * without POST /auth/login and one listing newest first with masked numbers.
 */
import type { BankCommonApiBankConfig } from './config';

/** Password of every demo user. */
export const DEMO_PASSWORD = 'demo-pass';
/** One-time password of the demo OTP user. */
export const DEMO_OTP = '123456';

/** The demo configuration; `redirectDomains` are the hosts the demo clients may redirect to. */
export function demoBanks(redirectDomains: readonly string[] = ['localhost', '127.0.0.1']): BankCommonApiBankConfig[] {
  const client = (code: string) => ({ apiKey: `kinko-demo-${code}`, password: `client-secret-${code}`, redirectDomains });
  return [
    {
      bankCode: '0001',
      client: client('0001'),
      users: [
        { id: 'demo', password: DEMO_PASSWORD, accounts: 3, transactionsPerAccount: 1_200, historyDays: 730 },
        { id: 'otp', password: DEMO_PASSWORD, otp: DEMO_OTP, accounts: 1 },
        {
          id: 'corp',
          password: DEMO_PASSWORD,
          ownerType: 'c',
          accounts: [
            { kind: 'ordinary', transactions: 1_000_000, historyDays: 1460 },
            { kind: 'current', transactions: 20_000, historyDays: 1460 },
          ],
        },
      ],
    },
    {
      bankCode: '0005',
      client: client('0005'),
      passwordLogin: false,
      users: [{ id: 'demo', password: DEMO_PASSWORD, accounts: 2, transactionsPerAccount: 500 }],
    },
    {
      bankCode: '0009',
      client: client('0009'),
      transactionOrder: 'newest-first',
      maskAccountNumbers: true,
      users: [{ id: 'demo', password: DEMO_PASSWORD, accounts: 2, transactionsPerAccount: 800, historyDays: 1095 }],
    },
    {
      bankCode: '0310',
      client: client('0310'),
      users: [{ id: 'demo', password: DEMO_PASSWORD, otp: DEMO_OTP, accounts: 1, transactionsPerAccount: 400 }],
    },
  ];
}
