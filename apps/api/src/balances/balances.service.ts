import { Injectable } from '@nestjs/common';
import { BankAccount } from '../accounts/bank-account.entity';
import { ValidationFailedError } from '../common/errors';
import { ScopedData, type UserScope } from '../database/scoped-data';
import { daysBetweenText } from '../http/calendar-date';
import { MAX_BALANCE_DAYS } from './balance.dto';
import { DailyBalance } from './daily-balance.entity';

/** An account's daily balances. */
@Injectable()
export class BalancesService {
  constructor(private readonly data: ScopedData) {}

  /**
   * The account's daily balances within [from, to], oldest first, at most
   * {@link MAX_BALANCE_DAYS} days (a wider explicit range is refused; without bounds the
   * latest days are returned). {@link NotFoundError} when the account is not the user's.
   */
  async range(scope: UserScope, accountId: string, range: { readonly from?: string; readonly to?: string }): Promise<{ account: BankAccount; items: DailyBalance[] }> {
    const account = await this.data.forUser(BankAccount, scope).get({ id: accountId });
    if (range.from !== undefined && range.to !== undefined) {
      if (range.from > range.to) throw new ValidationFailedError([{ field: 'from', reason: 'from must not be after to' }]);
      if (daysBetweenText(range.from, range.to) + 1 > MAX_BALANCE_DAYS) throw new ValidationFailedError([{ field: 'to', reason: `a range spans at most ${MAX_BALANCE_DAYS} days` }]);
    }
    const qb = this.data.forUser(DailyBalance, scope).queryBuilder('b').andWhere('b.accountId = :accountId', { accountId });
    if (range.from !== undefined) qb.andWhere('b.date >= :from', { from: range.from });
    if (range.to !== undefined) qb.andWhere('b.date <= :to', { to: range.to });
    // Newest first with the cap, then turned around: without a lower bound, the latest days win.
    const rows = await qb.orderBy('b.date', 'DESC').limit(MAX_BALANCE_DAYS).getMany();
    return { account, items: rows.reverse() };
  }
}
