import type { Grant, Granted } from '@kinko/connector-sdk';
import {
  type AccountSyncState,
  type Consent as DomainConsent,
  type ConsentId,
  type ConsentScope,
  ConsentStatus,
  InvalidationReason,
  type MaxHistoryDays,
  type TransactionKind,
  confirmConsent,
  transactionKinds,
} from '@kinko/domain';
import { Result, Schema } from 'effect';
import type { BankAccount } from '../accounts/bank-account.entity';
import type { Consent } from '../connections/consent.entity';
import type { RegisteredBank } from '../connectors/bank-directory';

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

const CONSENT_DAY_MS = 86_400_000;

/**
 * The consent a fresh grant stands for: confirmed at once (a redirect login is the
 * authorisation; domain `confirmConsent` from received), SCA performed now, expiring when
 * the grant's refresh does — or after the bank's SCA validity when the grant does not say.
 */
export function newConsentRow(id: string, connectionId: string, bank: RegisteredBank, granted: Granted<Grant>, now: Date): Partial<Consent> {
  const manifest = bank.manifest;
  // What the bank confirmed, when the grant says (PolishAPI: scopeTimeLimit, maxAllowedHistoryLong;
  // Berlin Group: validUntil, frequencyPerDay): read by the connector itself (contract v2).
  const facts = bank.connector.consentFacts(granted.grant) ?? bank.consentFacts?.(granted.grant);
  const scope: ConsentScope = {
    data: ['accounts', ...(manifest.capabilities.balances || manifest.capabilities.currentBalances === true ? (['balances'] as const) : []), 'transactions'],
    transactionKinds: [...manifest.capabilities.transactions],
  };
  const expirationDate = facts?.validUntil ?? granted.refreshExpiresAt ?? new Date(now.getTime() + manifest.limits.scaValidityDays * CONSENT_DAY_MS);
  const received = {
    id: id as ConsentId,
    status: 'received' as const,
    createdAt: now,
    expirationDate,
    scope,
    maxHistoryDays: Math.min(facts?.maxHistoryDays ?? manifest.limits.maxHistoryDays, manifest.limits.maxHistoryDays) as MaxHistoryDays,
    lastScaAt: facts?.lastScaAt ?? now,
  };
  const confirmed = Result.getOrThrow(confirmConsent(received));
  return {
    id,
    connectionId,
    externalId: null,
    ...consentStatusColumns(confirmed),
    createDate: now,
    expirationDate,
    maxHistoryDays: confirmed.maxHistoryDays,
    scope: { data: [...scope.data], transactionKinds: [...scope.transactionKinds] },
    lastScaAt: confirmed.lastScaAt ?? now,
    frequencyPerDay: facts?.frequencyPerDay ?? null,
  };
}
