/**
 * @kinko/domain — Kinko's pure model and rules. Imports effect only; no I/O and no clock
 * reads: every function that needs "now" takes it as a parameter.
 */
export * from './ids';
export * from './calendar-date';
export * from './transaction-kind';
export * from './listed-date';
export * from './aggregation-status';
export * from './status-transition';
export * from './money';
export * from './labels';
export * from './consent';
export * from './consent-expiry';
export * from './bank-date';
export * from './account-sync-state';
export * from './sync-session';
export * from './date-window';
export * from './reconciliation';
export * from './daily-balance';
export * from './outcome-decision';
