/**
 * @kinko/sandbox-bank — runnable fake banks for tests, the demo and the benchmarks.
 * Every sandbox takes a seed (deterministic data), a clock (a fixed "today") and
 * exposes its fault knobs and a request log.
 */
export * from './bank-common-api';
export { manualClock, offsetClock, systemClock, type Clock, type ManualClock } from './clock';
export type { IsoDate } from './calendar';
export { FaultInjector, NO_FAULTS, type Fault, type FaultSettings, type ScheduledFault, type SimpleFaultType } from './faults';
export { RequestLog, type RequestLogEntry, type RequestLogFilter } from './request-log';
export { recordAnswers, type RecordAnswersOptions, type SpecAnswer } from './answer-log';
// Net bank (HTML internet banking with MFA): see README "Net bank".
export * from './netbank';
// PolishAPI 2.1.2 account information (AS + AIS): see README "PolishAPI 2.1.2".
export * from './polish-api';
// Berlin Group NextGenPSD2 1.3.12 account information (consents, OAuth SCA, AIS): see README "Berlin Group".
export * from './berlin-group';
// GMO Aozora Net Bank personal Open API (OAuth PKCE, accounts, balances, nextItemKey paging): made with connectors/gmo-aozora.
export * from './gmo-aozora';
// UK Open Banking Read/Write 4.0 account information (consents, OIDC + PKCE, Links.Next paging): made with connectors/uk-open-banking.
export * from './uk-open-banking';
