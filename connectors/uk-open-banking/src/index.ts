/**
 * @kinko/connector-uk-open-banking — the connector for UK Open Banking (redirect flow).
 */
export { defineUkOpenBankingConnector, ukOpenBanking, type UkOpenBankingOptions } from './connector';
export { ukOpenBankingManifest } from './manifest';
export { UkOpenBankingConfig, UkOpenBankingGrant } from './schemas';
