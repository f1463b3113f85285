import { Schema } from 'effect';
import type { PsuContext } from './auth';
import { CalendarDate, CurrencyCode, TransactionId, TransactionKind } from '@kinko/domain';

/**
 * The bounds of one fetch, inclusive on both ends, in the bank's calendar: the `from`/`to`
 * of the domain's `DateWindow` (pass that window itself). One fetch uses one window for all
 * its pages (seed: "every next-page request repeats the first page's dates").
 */
export const FetchWindow = Schema.Struct({ from: CalendarDate, to: CalendarDate }).pipe(
  Schema.check(Schema.makeFilter((w: { from: string; to: string }) => w.from <= w.to || 'window starts after it ends')),
);
/** The inclusive bounds of one fetch. */
export type FetchWindow = typeof FetchWindow.Type;

/** What sort of account it is; `bankAccountType` keeps the bank's own word (e.g. 普通, 当座). */
export const AccountType = Schema.Literals(['current', 'savings', 'timeDeposit', 'creditCard', 'loan', 'investment', 'other']);
/** What sort of account it is. */
export type AccountType = typeof AccountType.Type;

/** A bank account as a connector reports it. */
export const Account = Schema.Struct({
  /** The bank's stable id of the account (unique per connection). */
  bankAccountId: Schema.NonEmptyString,
  /** The account number as the bank shows it; a masked number (`****1234`) is kept as is. */
  number: Schema.String,
  name: Schema.String,
  type: AccountType,
  currency: CurrencyCode,
  /** The bank's own account type label. */
  bankAccountType: Schema.optional(Schema.String),
  ownerType: Schema.optional(Schema.Literals(['personal', 'business'])),
  branch: Schema.optional(Schema.Struct({ code: Schema.String, name: Schema.optional(Schema.String) })),
  iban: Schema.optional(Schema.String),
  holderName: Schema.optional(Schema.String),
});
/** A bank account as a connector reports it. */
export type Account = typeof Account.Type;

/**
 * A transaction as a connector reports it. Amounts are integer minor units: + in, − out.
 * Assignable to the domain's `BankTransaction`, so it feeds reconciliation as is.
 *
 * Dates: an item carries the date its kind is filtered on (the manifest's `dateFieldByKind`),
 * and `transactionDate` unless its kind is filtered on another date; for `entryDate` (a date
 * the bank keeps but does not report) it may carry none, and the app lists it under the last
 * day of the window of the page it came on (the domain's `listedDateOf`). The client rejects
 * any other item as a contract violation (see `missingDateProblem`).
 */
export const Transaction = Schema.Struct({
  /** The bank's id of the transaction, unique per account (build it with `TransactionId.make`). */
  bankTransactionId: TransactionId.pipe(Schema.check(Schema.isMinLength(1))),
  kind: TransactionKind,
  /** The date the transaction happened, in the bank's calendar; absent only when its kind is filtered on another date. */
  transactionDate: Schema.optional(CalendarDate),
  /** The date the bank posted it to the account. */
  bookingDate: Schema.optional(CalendarDate),
  /** The date the money became (pending: is expected to become) available or ceased to be. */
  valueDate: Schema.optional(CalendarDate),
  amountMinor: Schema.BigInt,
  currency: CurrencyCode,
  description: Schema.String,
  /** The account balance right after this transaction, when the bank gives it. */
  balanceAfterMinor: Schema.optional(Schema.BigInt),
  bankReference: Schema.optional(Schema.String),
  counterpartyName: Schema.optional(Schema.String),
  /**
   * The bank's own sequence of the transaction, when it gives one: greater is later. Only
   * compared among the account's transactions of the same day (the app lists a day's
   * transactions in this order). Without it, the app keeps the order the bank listed them in.
   */
  bankSequence: Schema.optional(Schema.Int),
});
/** A transaction as a connector reports it. */
export type Transaction = typeof Transaction.Type;

/** The balance at the end of one day (after the day's last transaction), as the bank reports it. */
export const DailyBalance = Schema.Struct({ date: CalendarDate, balanceMinor: Schema.BigInt, currency: CurrencyCode });
/** The balance at the end of one day. */
export type DailyBalance = typeof DailyBalance.Type;

/**
 * An account's balances as the bank reports them now (Berlin Group `/balances`), when the
 * bank keeps no daily history: the booked balance (end of `referenceDate`, after its booked
 * transactions) and/or the available one. Minor units. The app derives the daily history
 * backwards from the booked balance and the booked transactions.
 */
export const CurrentBalance = Schema.Struct({
  bookedMinor: Schema.optional(Schema.BigInt),
  availableMinor: Schema.optional(Schema.BigInt),
  currency: CurrencyCode,
  /** The bank's calendar day the balances are of. */
  referenceDate: CalendarDate,
}).pipe(
  Schema.check(
    Schema.makeFilter((b: { bookedMinor?: bigint; availableMinor?: bigint }) => b.bookedMinor !== undefined || b.availableMinor !== undefined || 'neither a booked nor an available balance'),
  ),
);
/** An account's current balances. */
export type CurrentBalance = typeof CurrentBalance.Type;

/** A bank branch (the 銀行共通API's /branches). */
export const Branch = Schema.Struct({
  bankBranchId: Schema.NonEmptyString,
  code: Schema.String,
  name: Schema.String,
  nameKana: Schema.optional(Schema.String),
  /** 総務省 全国地方公共団体コード of the branch address. */
  addressCode: Schema.optional(Schema.String),
  phone: Schema.optional(Schema.String),
});
/** A bank branch. */
export type Branch = typeof Branch.Type;

/** What to fetch: one account's transactions of one kind within one window. */
export interface TransactionsRequest {
  readonly bankAccountId: string;
  readonly kind: TransactionKind;
  readonly window: FetchWindow;
  /** The user behind the call, when the standard needs it (see {@link PsuContext}). */
  readonly psu?: PsuContext;
}

/**
 * What to fetch in one call: one account's transactions of several kinds within one window
 * (kinds the manifest's `capabilities.kindsPerCall` lists; Berlin Group `bookingStatus=both`).
 */
export interface TransactionKindsRequest {
  readonly bankAccountId: string;
  /** One or more kinds of `capabilities.kindsPerCall`, no repeats. */
  readonly kinds: readonly TransactionKind[];
  /** One window for every kind: each page request repeats it. */
  readonly window: FetchWindow;
  readonly psu?: PsuContext;
}

/**
 * One bank page of a several-kinds fetch as the app receives it: per requested kind, the
 * page of that kind (its own `index`, counted per kind from 0; empty items when the bank
 * page had none of it), in the order the bank listed them. `index` counts bank pages (one
 * request each); `window` is the fetch's frozen window, as on {@link Page}.
 */
export interface KindsPage {
  readonly index: number;
  readonly window: FetchWindow;
  readonly kinds: ReadonlyArray<{ readonly kind: TransactionKind; readonly page: Page<Transaction> }>;
}

/** What to fetch: one account's daily balances within one window. */
export interface BalancesRequest {
  readonly bankAccountId: string;
  readonly window: FetchWindow;
  readonly psu?: PsuContext;
}

/** What to fetch: one account's current balances. */
export interface CurrentBalancesRequest {
  readonly bankAccountId: string;
  readonly psu?: PsuContext;
}

/** Options of an accounts listing. */
export interface AccountsRequest {
  readonly psu?: PsuContext;
}

/**
 * One page of a fetch as the app receives it. `index` counts pages from 0; `window` is the
 * window of the whole fetch, the same frozen object on every page (the caller's own object
 * when it was already frozen, as the domain's windows are).
 */
export interface Page<T> {
  readonly index: number;
  readonly items: readonly T[];
  readonly window?: FetchWindow;
}
