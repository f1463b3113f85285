import type { Account } from '@kinko/connector-sdk';
import { type AccountSyncState, type SyncError, applyConsentChange } from '@kinko/domain';
import type { EntityManager } from 'typeorm';
import { instantOfJson } from '../database/pg-types';
import { preparedQuery } from '../database/prepared-sql';
import { emitTenantEvent } from '../webhooks/tenant-events';
import { newId } from '../database/ids';
import { type Statement, withCarried } from './carried-sql';

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

const COLUMNS = `id, bank_account_id, currency_code, consent_id, is_active, sync_status, transaction_sync_status, last_sync_date, transaction_sync_date, sync_error, sync_execution_id`;
const SELECT = `SELECT ${COLUMNS} FROM bank_accounts`;

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

/**
 * {@link accountsOfConnection} as one json column of another statement (a run's first read: no
 * round trip of its own); `tenant`, `user` and `connection` are that statement's expressions for
 * them. Read back with {@link storedAccountsOfJson}.
 */
export const accountsOfConnectionColumn = (tenant: string, user: string, connection: string): string =>
  `(SELECT COALESCE(json_agg(row_to_json(a) ORDER BY a.import_date, a.id), '[]'::json) FROM (SELECT ${COLUMNS}, import_date FROM bank_accounts
      WHERE tenant_id = ${tenant} AND user_id = ${user} AND connection_id = ${connection}) a)`;

/** The accounts {@link accountsOfConnectionColumn} read (their instants as json text), as {@link accountsOfConnection} returns them. */
export function storedAccountsOfJson(json: ReadonlyArray<Record<string, unknown>>): StoredAccount[] {
  return json.map((r) => toStored({ ...(r as unknown as AccountDbRow), last_sync_date: instantOfJson(r['last_sync_date']), transaction_sync_date: instantOfJson(r['transaction_sync_date']) }));
}

/** Writes an account's sync state (as the domain computed it). */
export async function saveAccountState(manager: EntityManager, scope: { tenantId: string; userId: string }, accountId: string, state: AccountSyncState): Promise<void> {
  await saveAccountStates(manager, scope, [{ accountId, state }]);
}

/**
 * Writes several accounts' sync states (as the domain computed them) in one statement, under
 * their row locks (taken in id order). `lastTransactionDate`: each account's
 * `lastTransactionDate` is set from what is stored, in the same statement (a settlement). A
 * new failure (not the one already stored for this session) is the tenant's
 * `account.sync_failed`, in the caller's transaction. `with`: statements written in the same
 * statement (carried-sql.ts; not on bank_accounts), e.g. the settlement's account row of the session.
 */
export async function saveAccountStates(
  manager: EntityManager,
  scope: { tenantId: string; userId: string },
  states: ReadonlyArray<{ readonly accountId: string; readonly state: AccountSyncState }>,
  options: { readonly lastTransactionDate?: boolean; readonly with?: readonly Statement[] } = {},
): Promise<void> {
  if (states.length === 0) {
    for (const carried of options.with ?? []) await preparedQuery(manager, carried.text, carried.values);
    return;
  }
  const col = <T>(f: (s: AccountSyncState) => T): T[] => states.map((s) => f(s.state));
  const statement = withCarried({ text: options.lastTransactionDate ? SAVE_STATES_AND_LAST_DATE_SQL : SAVE_STATES_SQL, values: [
    scope.tenantId,
    scope.userId,
    states.map((s) => s.accountId),
    col((s) => s.syncStatus),
    col((s) => s.transactionSyncStatus),
    col((s) => s.lastSyncDate),
    col((s) => s.transactionSyncDate),
    col((s) => (s.syncError === null ? null : JSON.stringify(s.syncError))),
    col((s) => s.syncExecutionId),
    col((s) => s.isActive),
  ] }, options.with ?? []);
  const rows = (await preparedQuery(manager, statement.text, statement.values)) as Array<{ id: string; connection_id: string; previous_error_execution: string | null }>;
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const { accountId, state } of states) {
    const error = state.syncError;
    const row = byId.get(accountId);
    if (error !== null && row && row.previous_error_execution !== error.executionId) {
      await emitTenantEvent(manager, {
        tenantId: scope.tenantId,
        type: 'account.sync_failed',
        data: { userId: scope.userId, connectionId: row.connection_id, accountId, sessionId: state.syncExecutionId, syncError: { errorType: error.errorType, executionId: error.executionId } },
      });
    }
  }
}

const saveStatesSql = (lastTransactionDate: boolean): string =>
  `WITH v AS (SELECT * FROM unnest($3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::uuid[], $10::boolean[])
                 AS v(id, sync_status, transaction_sync_status, last_sync_date, transaction_sync_date, sync_error, sync_execution_id, is_active)),
        old AS (SELECT a.id, a.sync_error FROM bank_accounts a WHERE a.id IN (SELECT id FROM v) AND a.tenant_id = $1 AND a.user_id = $2 ORDER BY a.id FOR NO KEY UPDATE)
   UPDATE bank_accounts a SET sync_status = v.sync_status, transaction_sync_status = v.transaction_sync_status, last_sync_date = v.last_sync_date,
       transaction_sync_date = v.transaction_sync_date, sync_error = v.sync_error::jsonb, sync_execution_id = v.sync_execution_id, is_active = v.is_active, updated_at = now()${
         // Scheduled payments are dated on their future execution day: not yet a transaction of the account.
         lastTransactionDate ? `,\n       last_transaction_date = (SELECT max(t.listed_date) FROM transactions t WHERE t.user_id = $2 AND t.account_id = a.id AND t.kind <> 'scheduled')` : ''
       }
     FROM old JOIN v ON v.id = old.id WHERE a.id = old.id
   RETURNING a.id, a.connection_id, old.sync_error->>'executionId' AS previous_error_execution`;
const SAVE_STATES_SQL = saveStatesSql(false);
const SAVE_STATES_AND_LAST_DATE_SQL = saveStatesSql(true);

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
  const bankIds = accounts.map((_, i) => `$${i * cols + 6}`).join(', ');
  // type_name keeps the bank's own word when it gives one (e.g. 普通); see raw.bankAccountType.
  // An account the bank lists as stored is not rewritten (the daily refresh lists the same
  // accounts every time): no new row version, whose columns the accounts' states statement of
  // the same transaction would then update again — a second version, and the checks of both
  // foreign keys, which PostgreSQL runs on an update of a row its own transaction wrote. The
  // accounts not rewritten are read as they are (the statement's snapshot: unchanged by it).
  // A named prepared statement: one text per number of accounts.
  const rows = await preparedQuery<AccountDbRow>(
    manager,
    `WITH up AS (INSERT INTO bank_accounts (id, tenant_id, user_id, connection_id, consent_id, bank_account_id, iban, account_number, currency_code,
        holder_info, holder_type, is_business, name, type, type_name, provider_type, import_date, raw)
      VALUES ${tuples.join(', ')}
      ON CONFLICT (connection_id, bank_account_id) DO UPDATE SET
        consent_id = COALESCE(EXCLUDED.consent_id, bank_accounts.consent_id), iban = EXCLUDED.iban, account_number = EXCLUDED.account_number,
        currency_code = EXCLUDED.currency_code, holder_info = EXCLUDED.holder_info, holder_type = EXCLUDED.holder_type,
        is_business = EXCLUDED.is_business, name = EXCLUDED.name, type = EXCLUDED.type, type_name = EXCLUDED.type_name, raw = EXCLUDED.raw, updated_at = now()
      WHERE (bank_accounts.consent_id, bank_accounts.iban, bank_accounts.account_number, bank_accounts.currency_code, bank_accounts.holder_info, bank_accounts.holder_type,
             bank_accounts.is_business, bank_accounts.name, bank_accounts.type, bank_accounts.type_name, bank_accounts.raw)
        IS DISTINCT FROM (COALESCE(EXCLUDED.consent_id, bank_accounts.consent_id), EXCLUDED.iban, EXCLUDED.account_number, EXCLUDED.currency_code, EXCLUDED.holder_info, EXCLUDED.holder_type,
             EXCLUDED.is_business, EXCLUDED.name, EXCLUDED.type, EXCLUDED.type_name, EXCLUDED.raw)
      RETURNING ${COLUMNS})
    SELECT ${COLUMNS} FROM up
    UNION ALL
    ${SELECT} WHERE tenant_id = $2 AND user_id = $3 AND connection_id = $4 AND bank_account_id IN (${bankIds}) AND id NOT IN (SELECT id FROM up)`,
    params,
  );
  // The rows as stored (the statement's RETURNING), in the bank's order.
  const byBankId = new Map(rows.map((r) => [r.bank_account_id, toStored(r)]));
  return accounts.map((a) => byBankId.get(a.bankAccountId)).filter((a): a is StoredAccount => a !== undefined);
}

/**
 * The latest `column` date of one (account, kind) pair (`v`), as a scalar subquery that reads
 * a few index entries whatever the account's history. `listed_date` leads the keyset index, so
 * its max is one backward index step. A row's listed date IS its transaction date whenever it
 * has one (`listedDateOf`: the transaction date first), so among rows with a transaction date
 * the latest listed is the latest transaction date: the same backward walk, where
 * `max(transaction_date)` (no index) read every row of the account — a cost that grew with the
 * history on every incremental sync. Booking and value dates have no such order: their max.
 */
// The walk for a kind other than booked goes through the partial index of those rows, by kind
// (migration NotBookedKindIndex): through the keyset index, a kind the account has none of
// (pending, at a bank that lists some, on an account that never had one) was looked for on
// every row of the account's history, on every incremental sync.
const latestOf = (column: string): string => {
  const of = (kind: string): string =>
    column === 'transaction_date'
      ? `SELECT t.transaction_date FROM transactions t WHERE t.user_id = $1 AND t.account_id = v.account_id AND ${kind} AND t.transaction_date IS NOT NULL ORDER BY t.listed_date DESC LIMIT 1`
      : `SELECT max(t.${column}) FROM transactions t WHERE t.user_id = $1 AND t.account_id = v.account_id AND ${kind}`;
  return `CASE WHEN v.kind = 'booked' THEN (${of(`t.kind = 'booked'`)}) ELSE (${of(`t.kind <> 'booked' AND t.kind = v.kind`)}) END`;
};

/**
 * The latest stored date of each (account, kind) on the kind's date column (the window's
 * `latestFetched`), in one statement for any number of pairs: one index-backed max per pair,
 * as the single-pair query had. Keyed `accountId/kind`; a pair with nothing stored is absent.
 */
export async function latestStoredDates(
  manager: EntityManager,
  userId: string,
  pairs: ReadonlyArray<{ readonly accountId: string; readonly kind: string; readonly column: string }>,
): Promise<Map<string, string>> {
  if (pairs.length === 0) return new Map();
  // One branch per date column (a column name cannot be a parameter), in a stable order so the
  // statement text, and its prepared plan, is the same for the same columns and number of pairs.
  // The pairs are a VALUES list of parameters, not arrays: PostgreSQL estimates an array of
  // unknown size at 100 elements, so the generic plan looked ~30 times dearer than one planned
  // for the session's few pairs and the statement was planned again on every call; a VALUES list
  // has its size in the text, and the generic plan, the same index walks, is kept.
  const columns = [...new Set(pairs.map((p) => p.column))].sort();
  const params: unknown[] = [userId];
  const branches = columns.map((column) => {
    const rows = pairs
      .filter((p) => p.column === column)
      .map((p) => {
        params.push(p.accountId, p.kind);
        return `($${params.length - 1}::uuid, $${params.length}::text)`;
      });
    return `SELECT v.account_id::text AS account_id, v.kind, (${latestOf(column)})::text AS latest
      FROM (VALUES ${rows.join(', ')}) AS v(account_id, kind)`;
  });
  const rows = (await preparedQuery(manager, branches.join(' UNION ALL '), params)) as Array<{ account_id: string; kind: string; latest: string | null }>;
  return new Map(rows.flatMap((r) => (r.latest === null ? [] : [[`${r.account_id}/${r.kind}`, r.latest] as const])));
}
