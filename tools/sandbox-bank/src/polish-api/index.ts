/** The PolishAPI 2.1.2 account-information (AS + AIS) sandbox. */
export { startPolishApiSandbox, type PolishApiSandbox, type PolishApiSandboxBank, type PolishApiSandboxOptions } from './sandbox';
export {
  DEFAULT_POLISH_API_SETTINGS,
  DEFAULT_POLISH_API_TOKEN_LIFETIMES,
  DEFAULT_SCA_CODE,
  type PolishAccountKind,
  type PolishApiAccountConfig,
  type PolishApiBankConfig,
  type PolishApiBankOptions,
  type PolishApiBankSettings,
  type PolishApiClientConfig,
  type PolishApiTokenLifetimes,
  type PolishApiUserBehaviour,
  type PolishApiUserConfig,
} from './config';
export type { PolishApiKnobs, PolishApiTestHooks, PolishApiTruth, PolishApiTruthAccount, PolishApiTruthFilter } from './knobs';
export type { PolishApiRequestParams } from './request';
export type { ItemKind, NewCancelledItem, NewDoneItem, NewHoldItem, NewPendingItem, NewRejectedItem, NewScheduledItem } from './activity';
export { AIS_PRIVILEGES, type AisPrivilege, type ConsentRedirect, type ConsentStatus, type PolishApiConsentView, type PrivilegeGrant, type PrivilegeSet } from './consents';
export { POLISH_API_ERRORS, type PolishApiErrorCode } from './errors';
export type { PolishApiRequestLogEntry } from './http';
export { formatIban, isValidIban, isValidPolishIban, normalisePolishAccountNumber, polishIban, settlementCheckDigit, type Iban } from './iban';
export { JWS_ALGORITHMS, signDetachedJws, verifyDetachedJws, type DetachedJwsHeader, type JwsAlgorithm, type SigningKey } from './jws';
export { POLISH_BANKS, type PolishBank } from './banks';
export { PSU_FORM_PATH, PSU_PAGE_PATH } from './pages';
export { NOT_IMPLEMENTED_PATHS, POLISH_API_PATHS, polishApiOperation, type PolishApiOperation } from './paths';
export { formatMinor } from './render';
export { approveAtPolishBankPages, type PolishPsuCredentials, type PolishPsuResult } from './psu-client';
export { POLISH_API_PERSONAS, polishApiPersonaBank, startPolishApiPersonaBank, type PolishApiPersona, type RunningPolishApiPersonaBank } from './personas';
export { DEMO_POLISH_API_CLIENT_ID, DEMO_POLISH_API_PASSWORD, demoPolishApiBank, demoPolishApiTppKey } from './demo';
