/**
 * PolishAPI 2.1.2 on the wire: the AS and AIS paths and the answer bodies the connector
 * reads, as lenient schemas (unknown fields are ignored; what the spec marks optional is
 * optional here too).
 */
import { Schema } from 'effect';
import type { TransactionKind } from '@kinko/domain';

/** The operations the connector calls, by the spec's operationId. */
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
} as const;

/** An operation the connector calls. */
export type PolishApiOperation = keyof typeof POLISH_API_PATHS;

/** The list operation of each kind and the field its items come in. */
export const LIST_OF_KIND: Readonly<Record<TransactionKind, { readonly operation: PolishApiOperation; readonly field: 'transactions' | 'holds' }>> = {
  booked: { operation: 'getTransactionsDone', field: 'transactions' },
  pending: { operation: 'getTransactionsPending', field: 'transactions' },
  hold: { operation: 'getHolds', field: 'holds' },
  scheduled: { operation: 'getTransactionsScheduled', field: 'transactions' },
  rejected: { operation: 'getTransactionsRejected', field: 'transactions' },
  cancelled: { operation: 'getTransactionsCancelled', field: 'transactions' },
};

/** The AIS privileges a consent asks for. */
export const HISTORY_PRIVILEGES = [
  'ais:getTransactionsDone',
  'ais:getTransactionsPending',
  'ais:getTransactionsRejected',
  'ais:getTransactionsCancelled',
  'ais:getTransactionsScheduled',
  'ais:getHolds',
] as const;

const str = Schema.optional(Schema.String);
const NameAddress = Schema.Struct({ value: Schema.optional(Schema.Array(Schema.String)) });
const Party = Schema.Struct({ nameAddress: Schema.optional(NameAddress) });
const DictionaryItem = Schema.Struct({ code: str, description: str });
const PageInfo = Schema.Struct({ previousPage: str, nextPage: str });

/** The spec's Error body. */
export const ErrorBody = Schema.Struct({ code: str, message: str });

/** AuthorizeResponse. */
export const AuthorizeResponse = Schema.Struct({ aspspRedirectUri: Schema.String });

/** ScopeDetailsOutput (privileges kept as plain records: only `maxAllowedHistoryLong` is read). */
export const ScopeDetailsOutput = Schema.Struct({
  consentId: str,
  scopeTimeLimit: str,
  privilegeList: Schema.optional(Schema.Array(Schema.Record(Schema.String, Schema.Unknown))),
});

/** TokenResponse (`expires_in` is a string in the spec; some banks send a number). */
export const TokenResponse = Schema.Struct({
  access_token: Schema.String,
  token_type: str,
  expires_in: Schema.optional(Schema.Union([Schema.String, Schema.Number])),
  refresh_token: str,
  scope: str,
  scope_details: Schema.optional(ScopeDetailsOutput),
});
/** TokenResponse. */
export type TokenResponse = typeof TokenResponse.Type;

/** AccountBaseInfo (getAccounts). */
export const AccountBaseInfo = Schema.Struct({ accountNumber: Schema.String, accountTypeName: str, accountType: Schema.optional(DictionaryItem) });
/** AccountBaseInfo. */
export type AccountBaseInfo = typeof AccountBaseInfo.Type;
/** AccountsResponse. */
export const AccountsResponse = Schema.Struct({ accounts: Schema.optional(Schema.Array(AccountBaseInfo)), pageInfo: Schema.optional(PageInfo) });
/** AccountsResponse. */
export type AccountsResponse = typeof AccountsResponse.Type;

/** AccountInfo (getAccount). */
export const AccountInfo = Schema.Struct({
  accountNumber: Schema.String,
  nameAddress: Schema.optional(NameAddress),
  accountType: Schema.optional(DictionaryItem),
  accountTypeName: str,
  accountHolderType: str,
  accountNameClient: str,
  currency: Schema.String,
  availableBalance: str,
  bookingBalance: str,
});
/** AccountInfo. */
export type AccountInfo = typeof AccountInfo.Type;
/** AccountResponse. */
export const AccountResponse = Schema.Struct({ account: Schema.optional(AccountInfo) });

/** The fields of every list item the connector reads (TransactionInfo and its variants, HoldInfo). */
export const ItemInfo = Schema.Struct({
  itemId: Schema.String,
  amount: Schema.String,
  currency: str,
  description: str,
  transactionType: str,
  tradeDate: str,
  transactionCategory: str,
  bookingDate: str,
  postTransactionBalance: str,
  rejectionDate: str,
  sender: Schema.optional(Party),
  recipient: Schema.optional(Party),
});
/** One list item. */
export type ItemInfo = typeof ItemInfo.Type;

/** Every list answer (TransactionsDoneInfoResponse… HoldInfoResponse). */
export const ItemsResponse = Schema.Struct({
  transactions: Schema.optional(Schema.Array(ItemInfo)),
  holds: Schema.optional(Schema.Array(ItemInfo)),
  pageInfo: Schema.optional(PageInfo),
});
/** A list answer. */
export type ItemsResponse = typeof ItemsResponse.Type;
