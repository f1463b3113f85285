import {
  type AccountSyncState,
  type Consent as DomainConsent,
  type ConsentId,
  ConsentStatus,
  InvalidationReason,
  type MaxHistoryDays,
  type TransactionKind,
  transactionKinds,
} from '@kinko/domain';
import { Schema } from 'effect';
import type { BankAccount } from '../accounts/bank-account.entity';
import type { Consent } from '../connections/consent.entity';

// A consent without an expiration is open-ended: the domain needs an instant.
const FAR_FUTURE = new Date('9999-12-31T00:00:00Z');
const isStatus = Schema.is(ConsentStatus);
const isReason = Schema.is(InvalidationReason);

/** A consent row as the domain's value (its rules decide expiry and revocation). */
export function toDomainConsent(row: Consent): DomainConsent {
  const scope = row.scope as { data?: unknown; transactionKinds?: unknown };
  const data = Array.isArray(scope.data) ? scope.data.filter((d): d is 'accounts' | 'balances' | 'transactions' => d === 'accounts' || d === 'balances' || d === 'transactions') : [];
  const kinds = Array.isArray(scope.transactionKinds) ? scope.transactionKinds.filter((k): k is TransactionKind => transactionKinds.includes(k as TransactionKind)) : [];
  return {
    id: row.id as ConsentId,
    // An unreadable status is treated as unusable, never as valid.
    status: isStatus(row.status) ? row.status : 'rejected',
    ...(row.invalidationReason !== null && isReason(row.invalidationReason) ? { invalidationReason: row.invalidationReason } : {}),
    ...(row.previousStatus !== null && isStatus(row.previousStatus) ? { previousStatus: row.previousStatus } : {}),
    createdAt: row.createDate,
    expirationDate: row.expirationDate ?? FAR_FUTURE,
    scope: { data, transactionKinds: kinds },
    maxHistoryDays: row.maxHistoryDays as MaxHistoryDays,
    ...(row.lastScaAt ? { lastScaAt: row.lastScaAt } : {}),
  };
}

/** The status columns of a consent after a domain rule changed it. */
export const consentStatusColumns = (c: DomainConsent): Pick<Consent, 'status' | 'invalidationReason' | 'previousStatus'> => ({
  status: c.status,
  invalidationReason: c.invalidationReason ?? null,
  previousStatus: c.previousStatus ?? null,
});

/** Whether the status columns differ (a rule changed something worth writing). */
export const consentChanged = (row: Consent, c: DomainConsent): boolean =>
  row.status !== c.status || row.invalidationReason !== (c.invalidationReason ?? null) || row.previousStatus !== (c.previousStatus ?? null);

/** An account row's sync state as the domain's value. */
export function accountSyncStateOf(a: BankAccount): AccountSyncState {
  return {
    syncStatus: a.syncStatus === 'failed' ? 'failed' : 'active',
    transactionSyncStatus: (['completed', 'failed', 'partiallyFailed', 'inProgress'] as const).find((s) => s === a.transactionSyncStatus) ?? null,
    lastSyncDate: a.lastSyncDate,
    transactionSyncDate: a.transactionSyncDate,
    syncError: a.syncError ? { ...a.syncError, aspspResponse: a.syncError.aspspResponse ?? null } : null,
    syncExecutionId: a.syncExecutionId,
    isActive: a.isActive,
  };
}
