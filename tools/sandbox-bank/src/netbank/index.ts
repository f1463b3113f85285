/**
 * The net bank sandbox: an HTML internet-banking site reached with the user's own login,
 * with personas for every situation of the aggregation-status seed.
 */
export { startNetbankSandbox } from './sandbox';
export type { NetbankSandbox, NetbankSandboxOptions, NetbankPersonaInfo, NetbankAccountInfo, NetbankTruth } from './sandbox';
export { DEFAULT_NETBANK_PERSONAS } from './personas';
export { DEFAULT_SECRET_QUESTIONS as NETBANK_DEFAULT_SECRET_QUESTIONS, DEFAULT_OTP_CODE as NETBANK_DEFAULT_OTP_CODE } from './config';
export type {
  NetbankAccountConfig,
  NetbankAccountKind,
  NetbankAmountStyle,
  NetbankBankConfig,
  NetbankChallengeStep,
  NetbankChallengeWhen,
  NetbankDateStyle,
  NetbankMaintenance,
  NetbankMaintenanceWindow,
  NetbankPersonaConfig,
  NetbankPersonaFault,
  NetbankRapidLoginRule,
  NetbankSecretQuestion,
} from './config';
export { SESSION_COOKIE as NETBANK_SESSION_COOKIE, DEVICE_COOKIE as NETBANK_DEVICE_COOKIE, PUZZLE_TOLERANCE as NETBANK_PUZZLE_TOLERANCE } from './bank';
export type { NetbankKnobs, NetbankNewTransaction } from './bank';
export { NETBANK_ADMIN_PREFIX } from './http';
