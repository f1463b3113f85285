import type { Transaction } from '@kinko/connector-sdk';
import type { CalendarDate, CurrencyCode, DateWindow, TransactionId, TransactionKind } from '@kinko/domain';
import { newId } from '../../src/database/ids';
import type { AccountKey } from '../../src/sync/transaction-writer';
import type { EntityManager } from 'typeorm';
import type { TestDatabase } from './test-database';

// The world of the transaction writer's own tests (no app, no bank): rows the writer needs
// under its accounts, connector transactions and the windows they were fetched in.

export const JPY = 'JPY' as CurrencyCode;

/** A connector transaction in yen (`description` defaults to the id). */
export const tx = (id: string, kind: TransactionKind, date: string, amount: number, description: string = id, extra: Partial<Transaction> = {}): Transaction => ({
  bankTransactionId: id as TransactionId,
  kind,
  transactionDate: date as CalendarDate,
  amountMinor: BigInt(amount),
  currency: JPY,
  description,
  ...extra,
});

/** An incremental window of `kind` filtered on the transaction date. */
export const window = (kind: TransactionKind, from: string, to: string): DateWindow =>
  Object.freeze({ kind, from: from as CalendarDate, to: to as CalendarDate, dateField: 'transactionDate', mode: 'incremental', limitedBy: null });

/** A tenant, a user and one connection holding a yen account per name (its bank account id): their keys, in order. */
export async function seedAccounts(db: TestDatabase, label: string, names: readonly string[]): Promise<AccountKey[]> {
  const q = (sql: string, params: unknown[]) => db.dataSource.query(sql, params);
  const tenantId = newId();
  const userId = newId();
  const connectionId = newId();
  await q(`INSERT INTO tenants (id, name) VALUES ($1, $2)`, [tenantId, label]);
  await q(`INSERT INTO users (id, tenant_id, external_id) VALUES ($1, $2, $3)`, [userId, tenantId, label]);
  await q(`INSERT INTO connections (id, tenant_id, user_id, connector_id, bank_id, aggregation_status, aggregation_status_changed_at) VALUES ($1, $2, $3, 'x', 'x', 'success', now())`, [
    connectionId,
    tenantId,
    userId,
  ]);
  const keys: AccountKey[] = [];
  for (const name of names) {
    const accountId = newId();
    await q(`INSERT INTO bank_accounts (id, tenant_id, user_id, connection_id, bank_account_id, currency_code, import_date) VALUES ($1, $2, $3, $4, $5, 'JPY', now())`, [
      accountId,
      tenantId,
      userId,
      connectionId,
      name,
    ]);
    keys.push({ tenantId, userId, accountId });
  }
  return keys;
}

/** Rows of `transactions` the current database transaction has read so far (sequential scans and index fetches, RI checks included). */
export async function rowsRead(m: EntityManager): Promise<number> {
  const [r] = (await m.query(
    `SELECT (COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0))::int AS n FROM pg_stat_xact_user_tables WHERE relname = 'transactions'`,
  )) as Array<{ n: number }>;
  return r?.n ?? 0;
}
