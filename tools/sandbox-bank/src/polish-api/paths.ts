/**
 * The PolishAPI 2.1.2 paths the sandbox serves. Every operation is a POST with a JSON body;
 * the version appears twice in each path, exactly as the published spec writes it.
 */

/** The AS and AIS operations, by operationId. */
export const POLISH_API_PATHS = {
  authorize: '/v2_1_2.1/auth/v2_1_2.1/authorize',
  token: '/v2_1_2.1/auth/v2_1_2.1/token',
  deleteConsent: '/v2_1_2.1/accounts/v2_1_2.1/deleteConsent',
  getAccounts: '/v2_1_2.1/accounts/v2_1_2.1/getAccounts',
  getAccount: '/v2_1_2.1/accounts/v2_1_2.1/getAccount',
  getTransactionsDone: '/v2_1_2.1/accounts/v2_1_2.1/getTransactionsDone',
  getTransactionsPending: '/v2_1_2.1/accounts/v2_1_2.1/getTransactionsPending',
  getTransactionsRejected: '/v2_1_2.1/accounts/v2_1_2.1/getTransactionsRejected',
  getTransactionsCancelled: '/v2_1_2.1/accounts/v2_1_2.1/getTransactionsCancelled',
  getTransactionsScheduled: '/v2_1_2.1/accounts/v2_1_2.1/getTransactionsScheduled',
  getHolds: '/v2_1_2.1/accounts/v2_1_2.1/getHolds',
  getTransactionDetail: '/v2_1_2.1/accounts/v2_1_2.1/getTransactionDetail',
} as const;

/** An operation the sandbox implements (operationId of the spec). */
export type PolishApiOperation = keyof typeof POLISH_API_PATHS;

/** Paths of the spec the sandbox does not implement (PIS, CAF, the decoupled flow): they answer 501. */
export const NOT_IMPLEMENTED_PATHS: readonly string[] = [
  '/v2_1_2.1/auth/v2_1_2.1/authorizeExt',
  '/v2_1_2.1/payments/v2_1_2.1/domestic',
  '/v2_1_2.1/payments/v2_1_2.1/EEA',
  '/v2_1_2.1/payments/v2_1_2.1/nonEEA',
  '/v2_1_2.1/payments/v2_1_2.1/tax',
  '/v2_1_2.1/payments/v2_1_2.1/bundle',
  '/v2_1_2.1/payments/v2_1_2.1/recurring',
  '/v2_1_2.1/payments/v2_1_2.1/getPayment',
  '/v2_1_2.1/payments/v2_1_2.1/getBundle',
  '/v2_1_2.1/payments/v2_1_2.1/getRecurringPayment',
  '/v2_1_2.1/payments/v2_1_2.1/getMultiplePayments',
  '/v2_1_2.1/payments/v2_1_2.1/cancelPayments',
  '/v2_1_2.1/payments/v2_1_2.1/cancelRecurringPayment',
  '/v2_1_2.1/confirmation/v2_1_2.1/getConfirmationOfFunds',
];

/** The request-log operation name of an operation: `POST <path>`, as the other sandboxes write it. */
export function polishApiOperation(op: PolishApiOperation): string {
  return `POST ${POLISH_API_PATHS[op]}`;
}
