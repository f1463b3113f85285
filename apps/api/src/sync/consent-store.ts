import {
  type Consent as DomainConsent,
  type ConsentId,
  type ConsentStatus,
  type InvalidationReason,
  type MaxHistoryDays,
  type TransactionKind,
  ConsentStatus as ConsentStatusSchema,
  InvalidationReason as InvalidationReasonSchema,
  transactionKinds,
} from '@kinko/domain';
import { Schema } from 'effect';
import type { EntityManager } from 'typeorm';
import { instantOfJson } from '../database/pg-types';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Consent as ConsentRow } from '../connections/consent.entity';
import { preparedQuery } from '../database/prepared-sql';
import { emitTenantEvent } from '../webhooks/tenant-events';

/** A consent row and its domain value. */
export interface StoredConsent {
  readonly id: string;
  readonly consent: DomainConsent;
  /** The expiration as stored (null: the bank set none; the domain value then holds a far-future date). */
  readonly storedExpiration: Date | null;
}

const isStatus = Schema.is(ConsentStatusSchema);
const isReason = Schema.is(InvalidationReasonSchema);
// Older spellings some writers may use for the same statuses.
const STATUS_ALIASES: Readonly<Record<string, ConsentStatus>> = { revoked: 'revokedByUser', deauthorized: 'revokedByUser', confirmed: 'valid', invalid: 'expired' };
const REASON_ALIASES: Readonly<Record<string, InvalidationReason>> = { Deauthorized: 'RevokedByUser' };
const FAR_FUTURE = new Date('9999-12-31T00:00:00Z');

const statusOf = (s: string | null): ConsentStatus | undefined => (s === null ? undefined : isStatus(s) ? s : STATUS_ALIASES[s]);

/**
 * The connection's current consent: the newest one. Null when the connection has none
 * (connectors without a consent notion: no consent limit applies beyond the bank's).
 */
export async function currentConsent(manager: EntityManager, scope: { tenantId: string; userId: string }, connectionId: string, lock = false): Promise<StoredConsent | null> {
  // A named prepared statement: every session the API starts reads it.
  const rows = await preparedQuery<Record<string, unknown>>(
    manager,
    `SELECT ${CONSENT_COLUMNS}
       FROM consents WHERE tenant_id = $1 AND user_id = $2 AND connection_id = $3
      ORDER BY create_date DESC, id DESC LIMIT 1${lock ? ' FOR NO KEY UPDATE' : ''}`,
    [scope.tenantId, scope.userId, connectionId],
  );
  return rows[0] ? storedConsentOf(rows[0]) : null;
}

/**
 * {@link currentConsent} as one json column of another statement (a run's first read: no round
 * trip of its own); `tenant`, `user` and `connection` are that statement's expressions for them.
 * Read back with {@link storedConsentOfJson}.
 */
export const currentConsentColumn = (tenant: string, user: string, connection: string): string =>
  `(SELECT row_to_json(k) FROM (SELECT ${CONSENT_COLUMNS} FROM consents WHERE tenant_id = ${tenant} AND user_id = ${user} AND connection_id = ${connection}
      ORDER BY create_date DESC, id DESC LIMIT 1) k)`;

/** The consent {@link currentConsentColumn} read (its instants as json text), as {@link currentConsent} returns it. */
export function storedConsentOfJson(json: Record<string, unknown> | null): StoredConsent | null {
  if (json === null) return null;
  return storedConsentOf({ ...json, create_date: instantOfJson(json['create_date']), expiration_date: instantOfJson(json['expiration_date']), last_sca_at: instantOfJson(json['last_sca_at']) });
}

/** {@link currentConsent} of many connections (of any users) in one statement: connection id → its newest consent; none for a connection without one. */
export async function currentConsents(manager: EntityManager, connections: ReadonlyArray<{ readonly tenantId: string; readonly userId: string; readonly connectionId: string }>, lock = false): Promise<Map<string, StoredConsent>> {
  if (connections.length === 0) return new Map();
  const rows = (await manager.query(
    `SELECT ${CONSENT_COLUMNS}, connection_id FROM consents WHERE id IN (
        SELECT DISTINCT ON (k.connection_id) k.id FROM consents k
          JOIN unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS t(tenant_id, user_id, connection_id) ON k.tenant_id = t.tenant_id AND k.user_id = t.user_id AND k.connection_id = t.connection_id
         ORDER BY k.connection_id, k.create_date DESC, k.id DESC)${lock ? ' FOR NO KEY UPDATE' : ''}`,
    [connections.map((c) => c.tenantId), connections.map((c) => c.userId), connections.map((c) => c.connectionId)],
  )) as Array<Record<string, unknown>>;
  return new Map(rows.map((r) => [r['connection_id'] as string, storedConsentOf(r)] as const));
}

/** One consent by its id (locked when asked), or null when it is not the user's. */
export async function consentById(manager: EntityManager, scope: { tenantId: string; userId: string }, consentId: string, lock = false): Promise<(StoredConsent & { readonly connectionId: string }) | null> {
  const rows = (await manager.query(`SELECT ${CONSENT_COLUMNS}, connection_id FROM consents WHERE id = $1 AND tenant_id = $2 AND user_id = $3${lock ? ' FOR NO KEY UPDATE' : ''}`, [
    consentId,
    scope.tenantId,
    scope.userId,
  ])) as Array<Record<string, unknown>>;
  const r = rows[0];
  return r ? { ...storedConsentOf(r), connectionId: r['connection_id'] as string } : null;
}

const CONSENT_COLUMNS = 'id, status, invalidation_reason, previous_status, create_date, expiration_date, max_history_days, scope, last_sca_at';

function storedConsentOf(r: Record<string, unknown>): StoredConsent {
  const rawScope = (r['scope'] as { data?: unknown; transactionKinds?: unknown } | null) ?? {};
  const kinds = Array.isArray(rawScope.transactionKinds) ? (rawScope.transactionKinds.filter((k) => transactionKinds.includes(k as TransactionKind)) as TransactionKind[]) : [...transactionKinds];
  const data = Array.isArray(rawScope.data) ? (rawScope.data.filter((d) => d === 'accounts' || d === 'balances' || d === 'transactions') as Array<'accounts' | 'balances' | 'transactions'>) : (['accounts', 'balances', 'transactions'] as const);
  const status = statusOf(r['status'] as string) ?? 'rejected';
  const previous = statusOf((r['previous_status'] as string | null) ?? null);
  const reasonRaw = (r['invalidation_reason'] as string | null) ?? null;
  const reason = reasonRaw === null ? undefined : isReason(reasonRaw) ? reasonRaw : REASON_ALIASES[reasonRaw];
  const expiration = (r['expiration_date'] as Date | null) ?? null;
  const lastScaAt = (r['last_sca_at'] as Date | null) ?? null;
  const consent: DomainConsent = {
    id: r['id'] as ConsentId,
    status,
    ...(reason ? { invalidationReason: reason } : {}),
    ...(previous ? { previousStatus: previous } : {}),
    createdAt: r['create_date'] as Date,
    expirationDate: expiration ?? FAR_FUTURE,
    scope: { data: [...data], transactionKinds: kinds },
    maxHistoryDays: r['max_history_days'] as MaxHistoryDays,
    ...(lastScaAt ? { lastScaAt } : {}),
  };
  return { id: r['id'] as string, consent, storedExpiration: expiration };
}

/**
 * Writes a consent's status fields (after a domain rule changed them). A consent that became
 * revoked or expired here tells the tenant (`consent.revoked` by the bank, `consent.expired`),
 * in the same transaction.
 */
export async function saveConsentStatus(manager: EntityManager, scope: { tenantId: string; userId: string }, consent: DomainConsent, by: 'user' | 'bank' = 'bank'): Promise<void> {
  // preparedQuery gives the RETURNING rows (TypeORM's manager.query answers an UPDATE with [rows, count]).
  const rows = (await preparedQuery(
    manager,
    `WITH old AS (SELECT id, status FROM consents WHERE id = $1 AND tenant_id = $2 AND user_id = $3 FOR NO KEY UPDATE)
     UPDATE consents c SET status = $4, invalidation_reason = $5, previous_status = $6, updated_at = now()
       FROM old WHERE c.id = old.id
     RETURNING c.connection_id, old.status AS old_status`,
    [consent.id, scope.tenantId, scope.userId, consent.status, consent.invalidationReason ?? null, consent.previousStatus ?? null],
  )) as Array<{ connection_id: string; old_status: string }>;
  const row = rows[0];
  if (row) await emitConsentChange(manager, scope, { consentId: consent.id, connectionId: row.connection_id, from: row.old_status, to: consent.status, by, expiredAt: consent.expirationDate });
}

/** `consent.revoked` / `consent.expired` for a consent status change just written (in the caller's transaction). */
export async function emitConsentChange(
  manager: EntityManager,
  scope: { tenantId: string; userId: string },
  change: { consentId: string; connectionId: string; from: string; to: string; by: 'user' | 'bank'; expiredAt: Date },
): Promise<void> {
  if (statusOf(change.from) === statusOf(change.to)) return;
  const ref = { userId: scope.userId, connectionId: change.connectionId, consentId: change.consentId };
  if (statusOf(change.to) === 'revokedByUser') await emitTenantEvent(manager, { tenantId: scope.tenantId, type: 'consent.revoked', data: { ...ref, by: change.by } });
  if (statusOf(change.to) === 'expired') await emitTenantEvent(manager, { tenantId: scope.tenantId, type: 'consent.expired', data: { ...ref, expiredAt: change.expiredAt.toISOString() } });
}

/** Stores a new consent (a fresh grant's, already confirmed: `newConsentRow`). */
export async function insertConsent(manager: EntityManager, scope: { tenantId: string; userId: string }, row: Partial<ConsentRow>): Promise<void> {
  await manager.getRepository(ConsentRow).insert({ ...row, tenantId: scope.tenantId, userId: scope.userId } as QueryDeepPartialEntity<ConsentRow>);
}

/** A login at the bank renewed the consent's SCA (its status stays). */
export async function renewConsentSca(manager: EntityManager, scope: { tenantId: string; userId: string }, consentId: string, now: Date): Promise<void> {
  await manager.query(`UPDATE consents SET last_sca_at = $4, updated_at = now() WHERE id = $1 AND tenant_id = $2 AND user_id = $3`, [consentId, scope.tenantId, scope.userId, now]);
}
