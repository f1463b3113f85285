/**
 * @kinko/domain — Kinko's pure model and rules. Imports effect only; no I/O and no clock
 * reads: every function that needs "now" takes it as a parameter.
 */
export * from './ids';
export * from './calendar-date';
export * from './transaction-kind';
export * from './aggregation-status';
