import { Injectable } from '@nestjs/common';
import { ValidationFailedError } from '../common/errors';
import { BankAccount } from '../accounts/bank-account.entity';
import { ScopedData, type UserScope } from '../database/scoped-data';
import { isUuid } from '../database/ids';
import { isCalendarDateText } from '../http/calendar-date';
import { Transaction } from './transaction.entity';

/** Filters and page of a transactions request. */
export interface TransactionFilter {
  readonly from?: string;
  readonly to?: string;
  readonly kind?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/** A page of one account's transactions. */
export interface TransactionsPage {
  readonly items: Transaction[];
  readonly nextCursor: string | null;
}

interface Position {
  readonly date: string;
  readonly id: string;
}

/** The opaque cursor of a keyset position (the last row of a page). */
export const encodeCursor = (p: Position): string => Buffer.from(JSON.stringify({ d: p.date, i: p.id }), 'utf8').toString('base64url');

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
  const p = parsed as { d?: unknown; i?: unknown };
  if (!isCalendarDateText(p.d) || typeof p.i !== 'string' || !isUuid(p.i)) return invalid();
  return { date: p.d, id: p.i.toLowerCase() };
}

/**
 * One account's transactions, newest first, keyset-paginated on (transaction_date desc,
 * id desc) — the index (account_id, transaction_date, id) read backwards. A page never
 * repeats or skips a row that existed when the first page was read, whatever is inserted
 * meanwhile (a row inserted before the cursor's position simply appears on no page of this walk).
 */
@Injectable()
export class TransactionsService {
  constructor(private readonly data: ScopedData) {}

  /** A page of the account's transactions; {@link NotFoundError} when the account is not the user's. */
  async page(scope: UserScope, accountId: string, filter: TransactionFilter): Promise<TransactionsPage> {
    await this.data.forUser(BankAccount, scope).get({ id: accountId });
    if (filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) {
      throw new ValidationFailedError([{ field: 'from', reason: 'from must not be after to' }]);
    }
    const after = filter.cursor !== undefined ? decodeCursor(filter.cursor) : undefined;
    const qb = this.data.forUser(Transaction, scope).queryBuilder('t').andWhere('t.accountId = :accountId', { accountId });
    if (filter.from !== undefined) qb.andWhere('t.transactionDate >= :from', { from: filter.from });
    if (filter.to !== undefined) qb.andWhere('t.transactionDate <= :to', { to: filter.to });
    if (filter.kind !== undefined) qb.andWhere('t.kind = :kind', { kind: filter.kind });
    if (after) qb.andWhere('(t.transactionDate, t.id) < (:afterDate, :afterId)', { afterDate: after.date, afterId: after.id });
    const rows = await qb
      .orderBy('t.transactionDate', 'DESC')
      .addOrderBy('t.id', 'DESC')
      .limit(filter.limit + 1)
      .getMany();
    const items = rows.slice(0, filter.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > filter.limit && last ? encodeCursor({ date: last.transactionDate, id: last.id }) : null };
  }
}
