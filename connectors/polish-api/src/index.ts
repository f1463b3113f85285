/**
 * @kinko/connector-polish-api — banks speaking PolishAPI 2.1.2 account information (AIS):
 * the OAuth redirect with SCA, signed requests (detached JWS), the six transaction lists with
 * `pageId` paging, consents (expiry, deleteConsent) and their outcomes as typed errors.
 */
export { definePolishApiConnector, polishApi } from './connector';
export { PolishApiConfig, DEFAULT_CONSENT_VALIDITY_DAYS } from './config';
export { PolishApiGrant, polishApiConsentInfo, type PolishApiConsentInfo } from './grant';
export { POLISH_API_DELETE_IF_NOT_FETCHED, POLISH_API_KINDS, polishApiManifest, type PolishApiBankProfile } from './profile';
export { JWS_ALGORITHMS, type JwsAlgorithm } from './signing';
export { transactionIdOf } from './mapping';
export { POLISH_API_PATHS, type PolishApiOperation } from './wire';
