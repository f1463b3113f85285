// The sandbox bank lives in tools/sandbox-bank (src/uk-open-banking), where `pnpm start` offers it too;
// these are its names as this package's tests use them.
export {
  UK_OPEN_BANKING_BASE_PATH as BASE_PATH,
  startUkOpenBankingSandbox as startSandboxBank,
  type UkOpenBankingAccount as SandboxAccount,
  type UkOpenBankingAnswer as SandboxAnswer,
  type UkOpenBankingSandbox as SandboxBank,
  type UkOpenBankingScheduledPayment as SandboxScheduledPayment,
  type UkOpenBankingTransaction as SandboxTransaction,
  type UkOpenBankingUser as SandboxUser,
} from '@kinko/sandbox-bank';
