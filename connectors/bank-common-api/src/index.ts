/**
 * @kinko/connector-bank-common-api — the connector for banks that expose the 銀行共通API
 * (bank common API v0.5.0): OAuth-style redirect login, accounts, transactions, daily
 * balances and branches. One connector per bank: {@link bankCommonApiConnector}, or
 * {@link bankCommonApiBanks} for the deployment's whole list.
 */
export { bankCommonApiConnector } from './connector';
export { bankCommonApiBanks, type BankCommonApiRegistration } from './banks';
export { BANK_COMMON_API_DEFAULT_LIMITS, type BankCommonApiBank } from './bank';
export { BankCommonApiConfig, BankCommonApiGrant } from './schemas';
export { accountTypeOf } from './payloads';
export { STATE_BINDING_PARAM } from './client';
