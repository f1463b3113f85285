// Effect schemas: the config (from the deployment's bank entry), the grant (stored
// encrypted by the app; secrets as Redacted) and the bank's payloads.
import { Schema } from 'effect';
import { CalendarDate, CurrencyCode } from '@kinko/domain';

/** The bank entry's fields (`KINKO_BANKS`): where the bank is and the app's client credentials. */
export const UkOpenBankingConfig = Schema.Struct({
  baseUrl: Schema.String,
  clientId: Schema.String,
  clientSecret: Schema.Redacted(Schema.String),
});
export type UkOpenBankingConfig = typeof UkOpenBankingConfig.Type;

/** What the app keeps after the login: the token pair. */
export const UkOpenBankingGrant = Schema.Struct({
  accessToken: Schema.Redacted(Schema.String),
  refreshToken: Schema.Redacted(Schema.String),
});
export type UkOpenBankingGrant = typeof UkOpenBankingGrant.Type;

export const Tokens = Schema.Struct({ access_token: Schema.String, refresh_token: Schema.String, expires_in: Schema.Number });

/** `next`: the bank's link to the following page (it repeats the query), null on the last page. */
const Next = Schema.NullOr(Schema.String);

export const AccountsPage = Schema.Struct({
  accounts: Schema.Array(Schema.Struct({ id: Schema.String, number: Schema.String, name: Schema.String, currency: CurrencyCode })),
  next: Next,
});

export const TransactionsPage = Schema.Struct({
  transactions: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      status: Schema.Literals(['booked', 'pending']),
      date: CalendarDate,
      /** Integer minor units as a decimal string (e.g. "-1200"). */
      amountMinor: Schema.String.pipe(Schema.check(Schema.isPattern(/^-?\d+$/))),
      currency: CurrencyCode,
      description: Schema.String,
      reference: Schema.optional(Schema.String),
    }),
  ),
  next: Next,
});
