/** The 銀行共通API (bank common API v0.5.0) sandbox. */
export { startBankCommonApiSandbox, type BankCommonApiSandbox, type BankCommonApiSandboxOptions, type SandboxBank } from './sandbox';
export type { BankCommonApiDataOptions } from './world';
export type {
  AccountKind,
  BankCommonApiBankConfig,
  BankCommonApiClientConfig,
  SandboxAccountConfig,
  SandboxUserBehaviour,
  SandboxUserConfig,
} from './config';
export type { AccountItem, BalanceItem, BankCommonApiKnobs, NewTransaction, TransactionItem } from './bank';
export type { BranchItem } from './model';
export { DEFAULT_TOKEN_LIFETIMES, type RefreshReusePolicy, type TokenLifetimes } from './tokens';
export { createBankCommonApiTruth, type BankCommonApiTruth, type DateWindow, type ExpectedAccount, type ExpectedWindow } from './truth';
export { ADMIN_PREFIX } from './http';
export { LOGIN_FORM_PATH } from './login-page';
export { loginAtBankPage, type BankLoginCredentials, type BankLoginResult } from './login-client';
export { BANK_COMMON_API_PERSONAS, DEMO_OTP, DEMO_PASSWORD, demoBanks, type BankCommonApiPersona } from './demo';
