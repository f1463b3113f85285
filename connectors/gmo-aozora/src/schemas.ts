// Effect schemas: the config (from the deployment's bank entry), the grant (stored
// encrypted by the app; secrets as Redacted) and the bank's payloads.
import { Schema } from 'effect';
import { CalendarDate, CurrencyCode } from '@kinko/domain';

/** The bank entry's fields (`KINKO_BANKS`): where the bank is and the app's client credentials. */
export const GmoAozoraConfig = Schema.Struct({
  baseUrl: Schema.String,
  clientId: Schema.String,
  clientSecret: Schema.Redacted(Schema.String),
});
export type GmoAozoraConfig = typeof GmoAozoraConfig.Type;

/** What the app keeps after the login: the token pair. */
export const GmoAozoraGrant = Schema.Struct({
  accessToken: Schema.Redacted(Schema.String),
  refreshToken: Schema.Redacted(Schema.String),
});
export type GmoAozoraGrant = typeof GmoAozoraGrant.Type;

export const Tokens = Schema.Struct({ access_token: Schema.String, refresh_token: Schema.String, expires_in: Schema.Number });

/** The spec's ErrorResponse: every non-200 answer of the data API. */
export const ErrorBody = Schema.Struct({ errorCode: Schema.String, errorMessage: Schema.String });

/** An unsigned integer string (the spec's amounts and balances; JPY has no minor unit). */
const Unsigned = Schema.String.pipe(Schema.check(Schema.isPattern(/^\d{1,20}$/)));
/** A balance: the spec's 半角数字 マイナス含む (an overdrawn account is negative). */
const Signed = Schema.String.pipe(Schema.check(Schema.isPattern(/^-?\d{1,19}$/)));

/**
 * GET /accounts (AccountsResponse) with its つかいわけ口座 (spAccounts, SpAccount): a 子口座 (type "2")
 * has a branch and a number of its own; a 親口座 (type "1") stands for the account it divides.
 */
export const AccountsResponse = Schema.Struct({
  baseDate: CalendarDate,
  accounts: Schema.Array(
    Schema.Struct({
      accountId: Schema.String,
      branchCode: Schema.optional(Schema.String),
      branchName: Schema.optional(Schema.String),
      accountTypeCode: Schema.String,
      accountTypeName: Schema.String,
      accountNumber: Schema.optional(Schema.String),
      accountName: Schema.optional(Schema.String),
      currencyCode: CurrencyCode,
    }),
  ),
  spAccounts: Schema.optional(
    Schema.Array(
      Schema.Struct({
        accountId: Schema.String,
        spAccountTypeCode: Schema.String,
        spAccountTypeCodeName: Schema.String,
        spAccountName: Schema.String,
        spAccountBranchCode: Schema.optional(Schema.String),
        spAccountBranchName: Schema.optional(Schema.String),
        spAccountNumber: Schema.optional(Schema.String),
      }),
    ),
  ),
});

/** GET /accounts/balances?accountId= (BalancesResponse). */
export const BalancesResponse = Schema.Struct({
  balances: Schema.optional(
    Schema.Array(
      Schema.Struct({
        accountId: Schema.String,
        baseDate: CalendarDate,
        balance: Schema.optional(Signed),
        withdrawableAmount: Schema.optional(Signed),
        currencyCode: CurrencyCode,
      }),
    ),
  ),
  /** つかいわけ口座: odBalance is its 円普通預金 balance (the spec gives it no date). */
  spAccountBalances: Schema.optional(Schema.Array(Schema.Struct({ accountId: Schema.String, odBalance: Schema.optional(Signed) }))),
});

/** GET /accounts/transactions (TransactionsResponse): `hasNext` with `nextItemKey` to ask for the next page. */
export const TransactionsResponse = Schema.Struct({
  currencyCode: CurrencyCode,
  hasNext: Schema.Boolean,
  nextItemKey: Schema.optional(Schema.String),
  transactions: Schema.optional(
    Schema.Array(
      Schema.Struct({
        transactionDate: CalendarDate,
        valueDate: CalendarDate,
        /** "1" 入金 (in), "2" 出金 (out). */
        transactionType: Schema.Literals(['1', '2']),
        amount: Unsigned,
        balance: Signed,
        remarks: Schema.optional(Schema.String),
        itemKey: Schema.optional(Schema.String),
      }),
    ),
  ),
});

/**
 * GET /accounts/deposit-transactions (DepositTransactionsResponse): the 振込入金 (incoming transfers)
 * of a 個人事業主's 円普通預金, with the sender — the same items as /accounts/transactions (same itemKey).
 */
export const DepositTransactionsResponse = Schema.Struct({
  hasNext: Schema.Boolean,
  nextItemKey: Schema.optional(Schema.String),
  paymentArrivals: Schema.optional(
    Schema.Array(
      Schema.Struct({
        itemKey: Schema.String,
        /** 依頼人名 (who sent it). */
        applicantName: Schema.optional(Schema.String),
      }),
    ),
  ),
});
