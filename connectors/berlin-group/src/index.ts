/**
 * @kinko/connector-berlin-group — Berlin Group NextGenPSD2 1.3.12 account information (AIS)
 * with the OAuth SCA approach, on the SDK's contract v2. See README.md.
 */
export { BERLIN_GROUP_TIME_ZONE, BerlinGroupConfig, BerlinGroupGrant, berlinGroup, berlinGroupConsentFacts, defineBerlinGroupConnector, type BerlinGroupConnectorOptions } from './connector';
export { consentStatusError, type ConsentStatus } from './errors';
