/**
 * @kinko/connector-uk-open-banking — UK Open Banking Read/Write 4.0 account information (redirect flow).
 */
export { DEFAULT_API_PATH, PERMISSIONS, defineUkOpenBankingConnector, ukOpenBanking, ukOpenBankingConsentFacts, type UkOpenBankingOptions } from './connector';
export { consentStatusError, type ConsentStatus } from './errors';
export { UK_TIME_ZONE, ukOpenBankingDefaultName, ukOpenBankingManifest } from './manifest';
export { ukOpenBankingBanks, type UkOpenBankingBank, type UkOpenBankingBankEntry } from './registration';
export { UkOpenBankingConfig, UkOpenBankingGrant } from './schemas';
