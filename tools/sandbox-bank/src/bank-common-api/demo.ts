/**
 * The demo banks `pnpm sandbox` starts: four real bank codes, a plain user, a user with
 * a one-time password, a corporate user with a 1,000,000-transaction account, one bank
 * without POST /auth/login and one listing newest first with masked numbers; bank 0001 also
 * has the personas of {@link BANK_COMMON_API_PERSONAS}.
 */
import type { BankCommonApiBankConfig, SandboxUserConfig } from './config';

/** Password of every demo user. */
export const DEMO_PASSWORD = 'demo-pass';
/** One-time password of the demo OTP user. */
export const DEMO_OTP = '123456';

/** A persona of the demo bank 0001: log in with it (password {@link DEMO_PASSWORD}) to reach one outcome. */
export interface BankCommonApiPersona {
  readonly id: string;
  readonly password: string;
  /** The outcome, as the API shows it. */
  readonly summary: string;
  readonly user: SandboxUserConfig;
}

/** The personas of bank 0001 (besides `demo`, `otp` and `corp`), in the order the start banner prints them. */
export const BANK_COMMON_API_PERSONAS: readonly BankCommonApiPersona[] = [
  {
    id: 'kieru',
    password: DEMO_PASSWORD,
    summary: 'the second of two accounts is listed by the first sync only; the next sync marks it failed, missingAccount',
    user: { id: 'kieru', password: DEMO_PASSWORD, accounts: 2, transactionsPerAccount: 200, historyDays: 180, behaviour: { accountsGoneAfterFirstListing: [1] } },
  },
  {
    id: 'shippai',
    password: DEMO_PASSWORD,
    summary: 'GET /transactions answers 500 for the first of two accounts (syncError aspspResponse); the other completes',
    user: { id: 'shippai', password: DEMO_PASSWORD, accounts: 2, transactionsPerAccount: 200, historyDays: 180, behaviour: { failingTransactions: [0] } },
  },
  {
    id: 'kigen',
    password: DEMO_PASSWORD,
    summary: 'access tokens live 1 minute, the refresh token dies 5 minutes after the login (a refresh does not extend it): a sync after that is refused, auth.creds.invalid — connect again',
    user: { id: 'kigen', password: DEMO_PASSWORD, accounts: 1, transactionsPerAccount: 200, historyDays: 180, behaviour: { shortTokens: { accessTokenSeconds: 60, refreshTokenSeconds: 300 } } },
  },
];

/** The demo configuration; `redirectDomains` are the hosts the demo clients may redirect to. */
export function demoBanks(redirectDomains: readonly string[] = ['localhost', '127.0.0.1']): BankCommonApiBankConfig[] {
  const client = (code: string) => ({ apiKey: `kinko-demo-${code}`, password: `client-secret-${code}`, redirectDomains });
  return [
    {
      bankCode: '0001',
      englishName: 'Mizuho Bank',
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
        ...BANK_COMMON_API_PERSONAS.map((p) => p.user),
      ],
    },
    {
      bankCode: '0005',
      englishName: 'MUFG Bank',
      client: client('0005'),
      passwordLogin: false,
      users: [{ id: 'demo', password: DEMO_PASSWORD, accounts: 2, transactionsPerAccount: 500 }],
    },
    {
      bankCode: '0009',
      englishName: 'Sumitomo Mitsui Banking Corporation',
      client: client('0009'),
      transactionOrder: 'newest-first',
      maskAccountNumbers: true,
      users: [{ id: 'demo', password: DEMO_PASSWORD, accounts: 2, transactionsPerAccount: 800, historyDays: 1095 }],
    },
    // GMO Aozora Net Bank (0310) is offered by its own Open API sandbox (src/gmo-aozora), not under the 銀行共通API.
  ];
}
