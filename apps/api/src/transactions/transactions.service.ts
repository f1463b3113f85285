import { Injectable } from '@nestjs/common';
import { PreparedSql } from '../database/prepared-sql';
import { NotFoundError, ValidationFailedError } from '../common/errors';
import type { UserScope } from '../database/scoped-data';
import { isUuid } from '../database/ids';
import { isCalendarDateText } from '../http/calendar-date';
import type { StoredLinkEvidence } from './link-evidence';
import type { Transaction } from './transaction.entity';

/** The columns of a transaction the API shows. */
export type TransactionRow = Pick<
  Transaction,
  | 'id'
  | 'accountId'
  | 'bankTransactionId'
  | 'kind'
  | 'transactionDate'
  | 'bookingDate'
  | 'valueDate'
  | 'listedDate'
  | 'amountMinor'
  | 'currencyCode'
  | 'description'
  | 'balanceAfterMinor'
  | 'bankReference'
  | 'linkedBookedId'
  | 'linkEvidence'
  | 'flags'
>;

/** A transaction as {@link transactionColumns} selects it. */
export interface RawTransactionRow {
  id: string;
  account_id: string;
  bank_transaction_id: string;
  kind: string;
  tx_date: string | null;
  booked_on: string | null;
  value_on: string | null;
  listed_on: string;
  amount: string;
  currency_code: string;
  description: string;
  balance_after: string | null;
  bank_reference: string | null;
  linked_booked_id: string | null;
  link_evidence: StoredLinkEvidence | null;
  flags: string[];
}

/**
 * The select list of what the API shows of a transaction (`t`: the table's name or alias), read
 * by {@link toRow}: the one mapping of a stored row, shared by the listing and the change feed.
 */
export const transactionColumns = (t: string): string =>
  `${t}.id, ${t}.account_id, ${t}.bank_transaction_id, ${t}.kind, ${t}.transaction_date::text AS tx_date, ${t}.booking_date::text AS booked_on,
   ${t}.value_date::text AS value_on, ${t}.listed_date::text AS listed_on,
   ${t}.amount_minor::text AS amount, ${t}.currency_code, ${t}.description, ${t}.balance_after_minor::text AS balance_after, ${t}.bank_reference,
   ${t}.linked_booked_id, ${t}.link_evidence, ${t}.flags`;

export const toRow = (r: RawTransactionRow): TransactionRow => ({
  id: r.id,
  accountId: r.account_id,
  bankTransactionId: r.bank_transaction_id,
  kind: r.kind,
  transactionDate: r.tx_date,
  bookingDate: r.booked_on,
  valueDate: r.value_on,
  listedDate: r.listed_on,
  amountMinor: BigInt(r.amount),
  currencyCode: r.currency_code,
  description: r.description,
  balanceAfterMinor: r.balance_after === null ? null : BigInt(r.balance_after),
  bankReference: r.bank_reference,
  linkedBookedId: r.linked_booked_id,
  linkEvidence: r.link_evidence,
  flags: r.flags,
});

/** Filters and page of a transactions request. */
export interface TransactionFilter {
  readonly from?: string;
  readonly to?: string;
  readonly kind?: string;
  /** Also the pending/hold/scheduled rows a booked transaction replaced (linkedBookedId set); hidden by default. */
  readonly includeSuperseded?: boolean;
  readonly limit: number;
  readonly cursor?: string;
}

/** A page of one account's transactions. */
export interface TransactionsPage {
  readonly items: TransactionRow[];
  readonly nextCursor: string | null;
}

interface Position {
  readonly date: string;
  /** The row's `bank_order` (the bank's order within the day), as integer text. */
  readonly order: string;
  readonly id: string;
}

const ORDER_TEXT = /^-?\d{1,18}$/;

/** The opaque cursor of a keyset position (the last row of a page). */
export const encodeCursor = (p: Position): string => Buffer.from(JSON.stringify({ d: p.date, o: p.order, i: p.id }), 'utf8').toString('base64url');

/** Reads a cursor; {@link ValidationFailedError} (field cursor) when it is not one of ours. */
export function decodeCursor(cursor: string): Position {
  const invalid = (): never => {
    throw new ValidationFailedError([{ field: 'cursor', reason: 'cursor is not a nextCursor this API returned' }]);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return invalid();
  }
  const p = parsed as { d?: unknown; o?: unknown; i?: unknown };
  if (!isCalendarDateText(p.d) || typeof p.o !== 'string' || !ORDER_TEXT.test(p.o) || typeof p.i !== 'string' || !isUuid(p.i)) return invalid();
  return { date: p.d, order: p.o, id: p.i.toLowerCase() };
}

/**
 * One account's transactions, newest first: by listed date (the domain's `listedDateOf`), then
 * the bank's order within the day (`bank_order`, latest first), then id — keyset-paginated on
 * (listed_date desc, bank_order desc, id desc), the index (user_id, account_id, listed_date, bank_order, id)
 * read backwards. Each row's balance after is the next (older) row's plus its amount. A page never
 * repeats or skips a row that existed when the first page was read, whatever is inserted
 * meanwhile (a row inserted before the cursor's position simply appears on no page of this walk).
 */
@Injectable()
export class TransactionsService {
  constructor(private readonly sql: PreparedSql) {}

  /** A page of the account's transactions; {@link NotFoundError} when the account is not the user's. */
  async page(scope: UserScope, accountId: string, filter: TransactionFilter): Promise<TransactionsPage> {
    // Hot path: plain SQL and direct row mapping (no entity hydration); every statement is scoped to (tenant, user).
    const owned = await this.sql.rows('SELECT 1 FROM bank_accounts WHERE id = $1 AND tenant_id = $2 AND user_id = $3', [accountId, scope.tenantId, scope.userId]);
    if (owned.length === 0) throw new NotFoundError('BankAccount');
    if (filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) {
      throw new ValidationFailedError([{ field: 'from', reason: 'from must not be after to' }]);
    }
    const after = filter.cursor !== undefined ? decodeCursor(filter.cursor) : undefined;
    const values: unknown[] = [scope.tenantId, scope.userId, accountId];
    const where = ['tenant_id = $1', 'user_id = $2', 'account_id = $3'];
    if (filter.from !== undefined) where.push(`listed_date >= $${values.push(filter.from)}`);
    if (filter.to !== undefined) where.push(`listed_date <= $${values.push(filter.to)}`);
    if (filter.kind !== undefined) where.push(`kind = $${values.push(filter.kind)}`);
    if (filter.includeSuperseded !== true) where.push('linked_booked_id IS NULL');
    if (after) {
      where.push(`(listed_date, bank_order, id) < ($${values.push(after.date)}::date, $${values.push(after.order)}::bigint, $${values.push(after.id)}::uuid)`);
    }
    const limit = values.push(filter.limit + 1);
    // The text output columns have names of their own, so ORDER BY sorts by the table's columns: the index is read backwards.
    const raw = await this.sql.rows<RawTransactionRow & { day_order: string }>(
      `SELECT ${transactionColumns('transactions')}, bank_order::text AS day_order
        FROM transactions WHERE ${where.join(' AND ')} ORDER BY listed_date DESC, bank_order DESC, id DESC LIMIT $${limit}`,
      values,
    );
    const items = raw.slice(0, filter.limit).map(toRow);
    const last = raw[items.length - 1];
    return { items, nextCursor: raw.length > filter.limit && last ? encodeCursor({ date: last.listed_on, order: last.day_order, id: last.id }) : null };
  }
}
