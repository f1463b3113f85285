/**
 * @kinko/connector-sdk — the connector contract (manifest, auth steps, paged data), its
 * closed set of typed errors and their mapping, HTTP helpers for connector authors, and the
 * registry. The conformance kit is `@kinko/connector-sdk/testkit`.
 */
export * from './outcome';
export * from './errors';
export * from './error-outcome';
export * from './challenge';
export * from './model';
export * from './manifest';
export * from './auth';
export * from './connector';
export * from './bank-entry';
export * from './registry';
export * from './clock';
export * from './pkce';
export * from './http/client';
export * from './http/retry';
export * from './http/bank-content';
export * from './http/limiter';
export { isHostPattern, isUrlAllowed } from './http/hosts';
export { isLastPage } from './http/paging';
export * from './http/cookies';
