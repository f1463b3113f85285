import type { ConnectorClient, CurrentBalance, DailyBalance, Grant, Outcome, Page, PsuContext } from '@kinko/connector-sdk';
import type { CalendarDate, DateField } from '@kinko/domain';
import type { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-sql';
import { DATE_COLUMNS, type AccountKey } from './transaction-writer';

/**
 * A bank that reports current balances only (contract v2 `currentBalances`, e.g. Berlin Group
 * `/balances`): its booked balance is the end-of-day balance of its reference date, read as
 * the one page of a balances fetch (the available balance stands in when the bank gives no
 * booked one).
 */
export async function* currentBalanceAsDaily(client: ConnectorClient, grant: Grant, bankAccountId: string, psu?: PsuContext): AsyncGenerator<Outcome<Page<DailyBalance>>, void, undefined> {
  const current = await client.currentBalances(grant, { bankAccountId, ...(psu ? { psu } : {}) });
  if (!current.ok) {
    yield current;
    return;
  }
  yield { ok: true, value: { index: 0, items: dailyOf(current.value) } };
}

function dailyOf(b: CurrentBalance): DailyBalance[] {
  const minor = b.bookedMinor ?? b.availableMinor;
  return minor === undefined ? [] : [{ date: b.referenceDate, balanceMinor: minor, currency: b.currency }];
}

/**
 * The daily history of an account whose bank has none: from the latest balance the bank
 * reported (its current booked balance), backwards over the booked transactions — the
 * balance at the end of day d is the anchor minus what was booked after d up to the anchor's
 * day (by the date the bank books on). Written as `derived` for the days of `range` before
 * the anchor; never over a balance the bank reported. Returns the days written.
 */
export async function deriveFromCurrentBalance(manager: EntityManager, key: AccountKey, range: { from: CalendarDate; to: CalendarDate }, bookedDateField: DateField): Promise<number> {
  // The date the bank books on, else (not reported) the listed date: the domain's dailyBalances rule.
  const column = `COALESCE(t.${DATE_COLUMNS[bookedDateField]}, t.listed_date)`;
  const rows = await preparedQuery<{ date: string }>(
    manager,
    `WITH anchor AS (
       SELECT date, balance_minor, currency_code FROM daily_balances
        WHERE account_id = $1 AND source = 'bank' AND date <= $4 ORDER BY date DESC LIMIT 1),
     days AS (
       SELECT d::date AS date FROM anchor, generate_series($3::date, anchor.date - 1, interval '1 day') AS d)
     INSERT INTO daily_balances (account_id, date, tenant_id, user_id, balance_minor, currency_code, source)
     SELECT $1, days.date, $5, $2, anchor.balance_minor - COALESCE((
              SELECT sum(t.amount_minor) FROM transactions t
               WHERE t.user_id = $2 AND t.account_id = $1 AND t.kind = 'booked' AND ${column} > days.date AND ${column} <= anchor.date), 0),
            anchor.currency_code, 'derived'
       FROM days, anchor
     ON CONFLICT (account_id, date) DO UPDATE SET balance_minor = EXCLUDED.balance_minor, currency_code = EXCLUDED.currency_code, updated_at = now()
       WHERE daily_balances.source = 'derived'
     RETURNING date::text AS date`,
    [key.accountId, key.userId, range.from, range.to, key.tenantId],
  );
  return rows.length;
}
