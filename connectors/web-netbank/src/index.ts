/**
 * @kinko/connector-web-netbank — a connector for Japanese internet-banking sites read as
 * HTML with the user's own login: cookie session, the bank's challenges relayed (secret
 * question, OTP, CAPTCHA image, puzzle), accounts and statements parsed exactly.
 */
export { defineWebNetbankConnector, webNetbank, webNetbankCredentialFields } from './connector';
export { defaultWebNetbankLimits, webNetbankManifest, WEB_NETBANK_PLACEHOLDER_HOST, type WebNetbankOptions } from './manifest';
export { WebNetbankChallengeState, WebNetbankConfig, WebNetbankGrant, NetbankLogin } from './schemas';
export { parseBankAmount, parseBankDate } from './text';
export { allowedHostsFor } from './hosts';
