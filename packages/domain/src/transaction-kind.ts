import { Schema } from 'effect';

/**
 * The kinds of transaction a bank can report. `booked` is PolishAPI's "done"; the others
 * are PolishAPI's pending, hold (blocked funds), scheduled, rejected and cancelled.
 * Banks with a single list (the 銀行共通API) report `booked` only.
 */
export const TransactionKind = Schema.Literals(['booked', 'pending', 'hold', 'scheduled', 'rejected', 'cancelled']);
/** A kind of transaction. */
export type TransactionKind = typeof TransactionKind.Type;

/** Every transaction kind, in a stable order. */
export const transactionKinds: readonly TransactionKind[] = TransactionKind.literals;

/**
 * Which date a bank filters a kind of transaction by when asked for a date range:
 * `transactionDate`, `bookingDate` or `valueDate` — that date of the item, which every item
 * of the kind then carries; `entryDate` — a date the bank keeps but does not report (Berlin
 * Group pending items are filtered by the day they entered the bank's books): the items may
 * carry no date at all (see `listedDateOf`).
 */
export const DateField = Schema.Literals(['transactionDate', 'bookingDate', 'valueDate', 'entryDate']);
/** Which date a bank filters a kind of transaction by. */
export type DateField = typeof DateField.Type;
