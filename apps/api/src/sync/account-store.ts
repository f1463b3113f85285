import type { Account } from '@kinko/connector-sdk';
import { type AccountSyncState, type SyncError, applyConsentChange } from '@kinko/domain';
import type { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-sql';
import { emitTenantEvent } from '../webhooks/tenant-events';
import { newId } from '../database/ids';

/** A stored account of a connection, with its sync state in the domain's shape. */
export interface StoredAccount {
  readonly id: string;
  readonly bankAccountId: string;
  readonly currencyCode: string;
  /** The consent that covers it (null: none recorded). */
  readonly consentId: string | null;
  readonly state: AccountSyncState;
}

interface AccountDbRow {
  id: string;
  bank_account_id: string;
  currency_code: string;
  consent_id: string | null;
  is_active: boolean;
  sync_status: string;
  transaction_sync_status: string | null;
  last_sync_date: Date | null;
  transaction_sync_date: Date | null;
  sync_error: SyncError | null;
  sync_execution_id: string | null;
}

const SELECT = `SELECT id, bank_account_id, currency_code, consent_id, is_active, sync_status, transaction_sync_status, last_sync_date, transaction_sync_date, sync_error, sync_execution_id FROM bank_accounts`;

function toStored(r: AccountDbRow): StoredAccount {
  return {
    id: r.id,
    bankAccountId: r.bank_account_id,
    currencyCode: r.currency_code,
    consentId: r.consent_id,
    state: {
      syncStatus: r.sync_status === 'failed' ? 'failed' : 'active',
      transactionSyncStatus: (r.transaction_sync_status as AccountSyncState['transactionSyncStatus']) ?? null,
      lastSyncDate: r.last_sync_date,
      transactionSyncDate: r.transaction_sync_date,
      syncError: r.sync_error,
      syncExecutionId: r.sync_execution_id,
      isActive: r.is_active,
    },
  };
}

/** Every stored account of a connection. */
export async function accountsOfConnection(manager: EntityManager, scope: { tenantId: string; userId: string }, connectionId: string): Promise<StoredAccount[]> {
  const rows = (await manager.query(`${SELECT} WHERE tenant_id = $1 AND user_id = $2 AND connection_id = $3 ORDER BY import_date, id`, [
    scope.tenantId,
    scope.userId,
    connectionId,
  ])) as AccountDbRow[];
  return rows.map(toStored);
}

/** Writes an account's sync state (as the domain computed it). */
export async function saveAccountState(manager: EntityManager, scope: { tenantId: string; userId: string }, accountId: string, state: AccountSyncState): Promise<void> {
  const rows = (await preparedQuery(manager, 
    `WITH old AS (SELECT id, sync_error FROM bank_accounts WHERE id = $1 AND tenant_id = $2 AND user_id = $3 FOR NO KEY UPDATE)
     UPDATE bank_accounts a SET sync_status = $4, transaction_sync_status = $5, last_sync_date = $6, transaction_sync_date = $7,
        sync_error = $8::jsonb, sync_execution_id = $9, is_active = $10, updated_at = now()
       FROM old WHERE a.id = old.id
     RETURNING a.connection_id, old.sync_error->>'executionId' AS previous_error_execution`,
    [
      accountId,
      scope.tenantId,
      scope.userId,
      state.syncStatus,
      state.transactionSyncStatus,
      state.lastSyncDate,
      state.transactionSyncDate,
      state.syncError === null ? null : JSON.stringify(state.syncError),
      state.syncExecutionId,
      state.isActive,
    ],
  )) as Array<{ connection_id: string; previous_error_execution: string | null }>;
  // A new failure (not the one already stored for this session): the tenant's webhook, in this transaction.
  const error = state.syncError;
  const row = rows[0];
  if (error !== null && row && row.previous_error_execution !== error.executionId) {
    await emitTenantEvent(manager, {
      tenantId: scope.tenantId,
      type: 'account.sync_failed',
      data: { userId: scope.userId, connectionId: row.connection_id, accountId, sessionId: state.syncExecutionId, syncError: { errorType: error.errorType, executionId: error.executionId } },
    });
  }
}

/**
 * A new consent covers the connection's accounts again (the domain's `granted`): each is
 * attached to it and active again, its sync fields kept.
 */
export async function coverAccounts(manager: EntityManager, scope: { tenantId: string; userId: string }, connectionId: string, consentId: string): Promise<void> {
  for (const account of await accountsOfConnection(manager, scope, connectionId)) {
    const state = applyConsentChange(account.state, 'granted');
    await manager.query(`UPDATE bank_accounts SET consent_id = $4, is_active = $5, updated_at = now() WHERE id = $1 AND tenant_id = $2 AND user_id = $3`, [
      account.id,
      scope.tenantId,
      scope.userId,
      consentId,
      state.isActive,
    ]);
  }
}

/**
 * Upserts the accounts the bank returned (one multi-row statement, keyed by connection +
 * the bank's account id) and returns them as stored. Sync fields are left to the domain.
 */
export async function upsertAccounts(
  manager: EntityManager,
  scope: { tenantId: string; userId: string },
  connection: { id: string; consentId: string | null; providerType: string },
  accounts: readonly Account[],
  now: Date,
): Promise<StoredAccount[]> {
  if (accounts.length === 0) return [];
  const cols = 16;
  const params: unknown[] = [];
  const tuples = accounts.map((a, i) => {
    const business = a.ownerType === 'business';
    params.push(
      newId(now.getTime()),
      scope.tenantId,
      scope.userId,
      connection.id,
      connection.consentId,
      a.bankAccountId,
      a.iban ?? null,
      a.number,
      a.currency,
      a.holderName ?? null,
      a.ownerType === undefined ? null : business ? 'business' : 'individual',
      business,
      a.name,
      a.type,
      a.bankAccountType ?? null,
      JSON.stringify({ bankAccountType: a.bankAccountType ?? null, branch: a.branch ?? null, ownerType: a.ownerType ?? null }),
    );
    const p = (k: number): string => `$${i * cols + k}`;
    return `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)}, ${p(12)}, ${p(13)}, ${p(14)}, ${p(15)}, $${accounts.length * cols + 1}, $${accounts.length * cols + 2}, ${p(16)}::jsonb)`;
  });
  params.push(connection.providerType, now);
  // type_name keeps the bank's own word when it gives one (e.g. 普通); see raw.bankAccountType.
  const rows = (await manager.query(
    `INSERT INTO bank_accounts (id, tenant_id, user_id, connection_id, consent_id, bank_account_id, iban, account_number, currency_code,
        holder_info, holder_type, is_business, name, type, type_name, provider_type, import_date, raw)
      VALUES ${tuples.join(', ')}
      ON CONFLICT (connection_id, bank_account_id) DO UPDATE SET
        consent_id = COALESCE(EXCLUDED.consent_id, bank_accounts.consent_id), iban = EXCLUDED.iban, account_number = EXCLUDED.account_number,
        currency_code = EXCLUDED.currency_code, holder_info = EXCLUDED.holder_info, holder_type = EXCLUDED.holder_type,
        is_business = EXCLUDED.is_business, name = EXCLUDED.name, type = EXCLUDED.type, type_name = EXCLUDED.type_name, raw = EXCLUDED.raw, updated_at = now()
      RETURNING id`,
    params,
  )) as Array<{ id: string }>;
  const ids = rows.map((r) => r.id);
  const stored = (await manager.query(`${SELECT} WHERE id = ANY($1::uuid[]) AND tenant_id = $2`, [ids, scope.tenantId])) as AccountDbRow[];
  // The bank's order.
  const byBankId = new Map(stored.map((r) => [r.bank_account_id, toStored(r)]));
  return accounts.map((a) => byBankId.get(a.bankAccountId)).filter((a): a is StoredAccount => a !== undefined);
}

/** Sets the account's `lastTransactionDate` from what is stored. */
export async function refreshLastTransactionDate(manager: EntityManager, scope: { tenantId: string; userId: string }, accountId: string): Promise<void> {
  await preparedQuery(manager, 
    // Scheduled payments are dated on their future execution day: not yet a transaction of the account.
    `UPDATE bank_accounts SET last_transaction_date = (SELECT max(listed_date) FROM transactions WHERE user_id = $3 AND account_id = $1 AND kind <> 'scheduled')
      WHERE id = $1 AND tenant_id = $2 AND user_id = $3`,
    [accountId, scope.tenantId, scope.userId],
  );
}
