// Effect schemas: the config (from the deployment's bank entry), the grant (stored encrypted by
// the app; secrets as Redacted) and the bank's payloads (Read/Write 4.0 AIS, the fields read).
import { Schema } from 'effect';

/** The bank entry's fields (`KINKO_BANKS`): where the bank is and the app's client credentials. */
export const UkOpenBankingConfig = Schema.Struct({
  /** The ASPSP's origin: /authorize and /token below it, the AIS API below `apiPath`. */
  baseUrl: Schema.String,
  /** The AIS base path (default /open-banking/v4.0/aisp). */
  apiPath: Schema.optional(Schema.String),
  clientId: Schema.String,
  /** Client authentication (client_secret_basic) and the id_token's HS256 key. */
  clientSecret: Schema.Redacted(Schema.String),
  /** Days the consent is asked for (ExpirationDateTime = now + this; default 90). */
  consentValidityDays: Schema.optional(Schema.Number),
});
export type UkOpenBankingConfig = typeof UkOpenBankingConfig.Type;

/** What the app keeps after the login: the consent, the token pair and the consent's facts. */
export const UkOpenBankingGrant = Schema.Struct({
  consentId: Schema.String,
  accessToken: Schema.Redacted(Schema.String),
  refreshToken: Schema.Redacted(Schema.String),
  /** The consent's ExpirationDateTime as the bank confirmed it (ISO instant), when it has one. */
  expiresAt: Schema.optional(Schema.String),
  /** When the user authorised the consent at the bank (ISO instant). */
  scaAt: Schema.String,
});
export type UkOpenBankingGrant = typeof UkOpenBankingGrant.Type;

/** What `begin` hands to `complete` through the app (sealed): the consent and the OIDC nonce. */
export const FlowState = Schema.Struct({ consentId: Schema.String, nonce: Schema.String });

export const Tokens = Schema.Struct({
  access_token: Schema.String,
  refresh_token: Schema.optional(Schema.String),
  expires_in: Schema.optional(Schema.Number),
  id_token: Schema.optional(Schema.String),
});

/** OBReadConsentResponse1 (the fields read). */
export const ConsentAnswer = Schema.Struct({
  Data: Schema.Struct({
    ConsentId: Schema.String,
    Status: Schema.String,
    ExpirationDateTime: Schema.optional(Schema.String),
  }),
});

/** The paging links every list answer carries. */
const Links = Schema.optional(Schema.Struct({ Next: Schema.optional(Schema.String) }));

const Amount = Schema.Struct({ Amount: Schema.String, Currency: Schema.String });
export const CreditDebit = Schema.Literals(['Credit', 'Debit']);

export const AccountsAnswer = Schema.Struct({
  Data: Schema.Struct({
    Account: Schema.optional(
      Schema.Array(
        Schema.Struct({
          AccountId: Schema.String,
          Currency: Schema.optional(Schema.String),
          AccountCategory: Schema.optional(Schema.String),
          AccountTypeCode: Schema.optional(Schema.String),
          Description: Schema.optional(Schema.String),
          Nickname: Schema.optional(Schema.String),
          Account: Schema.optional(Schema.Array(Schema.Struct({ SchemeName: Schema.String, Identification: Schema.String, Name: Schema.optional(Schema.String) }))),
        }),
      ),
    ),
  }),
  Links,
});

export const BalancesAnswer = Schema.Struct({
  Data: Schema.Struct({
    Balance: Schema.Array(Schema.Struct({ CreditDebitIndicator: CreditDebit, Type: Schema.String, DateTime: Schema.String, Amount })),
  }),
});

export const TransactionWire = Schema.Struct({
  TransactionId: Schema.optional(Schema.String),
  TransactionReference: Schema.optional(Schema.String),
  CreditDebitIndicator: CreditDebit,
  Status: Schema.String,
  BookingDateTime: Schema.String,
  TransactionInformation: Schema.optional(Schema.String),
  Amount,
  Balance: Schema.optional(Schema.Struct({ CreditDebitIndicator: CreditDebit, Type: Schema.String, Amount })),
  MerchantDetails: Schema.optional(Schema.Struct({ MerchantName: Schema.optional(Schema.String) })),
});
export type TransactionWire = typeof TransactionWire.Type;

export const TransactionsAnswer = Schema.Struct({
  Data: Schema.Struct({ Transaction: Schema.optional(Schema.Array(TransactionWire)) }),
  Links,
});

export const ScheduledPaymentWire = Schema.Struct({
  ScheduledPaymentId: Schema.optional(Schema.String),
  ScheduledPaymentDateTime: Schema.String,
  Reference: Schema.optional(Schema.String),
  InstructedAmount: Amount,
  CreditorAccount: Schema.optional(Schema.Struct({ Name: Schema.optional(Schema.String) })),
});
export type ScheduledPaymentWire = typeof ScheduledPaymentWire.Type;

export const ScheduledPaymentsAnswer = Schema.Struct({
  Data: Schema.Struct({ ScheduledPayment: Schema.optional(Schema.Array(ScheduledPaymentWire)) }),
  Links,
});

/** OBErrorResponse1 (every field optional here: a bank's error body is read, never trusted). */
export const ObErrorBody = Schema.Struct({
  Id: Schema.optional(Schema.String),
  Code: Schema.optional(Schema.String),
  Message: Schema.optional(Schema.String),
  Errors: Schema.optional(Schema.Array(Schema.Struct({ ErrorCode: Schema.optional(Schema.String), Message: Schema.optional(Schema.String), Path: Schema.optional(Schema.String) }))),
});
