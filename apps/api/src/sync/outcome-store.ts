import {
  type AccountSessionOutcome,
  type AccountSyncState,
  type AggregationStatus,
  type Consent as DomainConsent,
  type ConsentTransitionError,
  type Decision,
  type InvalidStatusTransition,
  type StatusEvent,
  type SyncFailure,
  DecisionInput,
  applyAccountSessionOutcome,
  applyConsentChange,
  applyConsentDecision,
  decide,
  evaluateConsent,
  revokeConsent,
  startAccountSync,
} from '@kinko/domain';
import { Result } from 'effect';
import type { EntityManager } from 'typeorm';
import type { Consent as ConsentRow } from '../connections/consent.entity';
import { preparedQuery } from '../database/prepared-sql';
import { isAccountDone } from './account-progress';
import { readAccountOutcomes } from './account-results';
import { type StoredAccount, accountsOfConnection, coverAccounts, saveAccountState, saveAccountStates } from './account-store';
import { createConnection, deactivateConnection, moveConnection } from './connection-status';
import { type StoredConsent, consentById, currentConsent, insertConsent, saveConsentStatus } from './consent-store';
import type { ConnectorErrorJson } from './sync-failures';
import type { Statement } from './carried-sql';

/** Whose outcome is applied: the connection, and the session that met it. */
export interface OutcomeTarget {
  readonly tenantId: string;
  readonly userId: string;
  readonly connectionId: string;
  readonly sessionId: string;
}

/** What a session's end applies: its failure, the status event and the rest of the domain's decision. */
export interface SessionEndOutcome {
  readonly failure: SyncFailure;
  /** The connection's status event (undefined: the status stays). */
  readonly event: StatusEvent | undefined;
  /** The decision's consent change and accounts' outcome (a bank error's), when there is one. */
  readonly decision?: Pick<Decision, 'consent' | 'accounts'> | undefined;
  /** The whole connector error behind the failure (JSON-safe, `connectorErrorJson`), when it was the bank's. */
  readonly connectorError?: ConnectorErrorJson | undefined;
  readonly now: Date;
}

/**
 * Applies the end of a failed session in the caller's transaction (issue 13 §2): the
 * session's error; the connection's status through the domain's transition under its row
 * lock, with its history row; the consent's change (`applyConsentDecision`: previousStatus
 * kept); every account the session touched but did not settle gets the failure (all of them
 * when the accounts themselves could not be fetched); a revoked consent hides the accounts
 * (DEAUTHORIZED, whichever path it came by).
 */
export async function applySessionEnd(m: EntityManager, target: OutcomeTarget, outcome: SessionEndOutcome): Promise<void> {
  const scope = { tenantId: target.tenantId, userId: target.userId };
  const { failure, event, decision, connectorError, now } = outcome;
  // The session's error: the failure (the seed's syncError) and, when it was the bank's, the whole connector error.
  const error = connectorError ? { ...failure, connectorError } : failure;
  await m.query(`UPDATE sync_sessions SET error = $3::jsonb WHERE id = $1 AND tenant_id = $2`, [target.sessionId, target.tenantId, JSON.stringify(error)]);
  if (event) await moveConnection(m, target, event, now);
  if (decision?.consent) {
    const stored = await currentConsent(m, scope, target.connectionId, true);
    const changed = stored ? applyConsentDecision(stored.consent, decision.consent) : undefined;
    if (stored && changed && Result.isSuccess(changed) && changed.success !== stored.consent) await saveConsentStatus(m, scope, changed.success);
  }
  // Accounts this session touched but did not settle: the failure is theirs too.
  const touched = (await readAccountOutcomes(m, { id: target.sessionId, tenantId: target.tenantId })).map((t) => ({ account_id: t.accountId, outcome: t.outcome }));
  const settled = new Set(touched.filter((t) => isAccountDone(t.outcome.progress)).map((t) => t.account_id));
  const accountsFailed = touched.length === 0;
  for (const a of await accountsOfConnection(m, scope, target.connectionId)) {
    if (!a.state.isActive) continue;
    let state = a.state;
    if (!settled.has(a.id) && (accountsFailed || touched.some((t) => t.account_id === a.id))) state = applyAccountSessionOutcome(state, { _tag: 'failed', failure }, { now, executionId: target.sessionId });
    if (decision?.accounts.hide) state = applyConsentChange(state, 'revoked');
    if (state !== a.state) await saveAccountState(m, scope, a.id, state);
  }
}

type Scope = { readonly tenantId: string; readonly userId: string };

/** What a withdrawal applied: the consent as revoked, and the connection's deactivation (when it was the current consent). */
export interface WithdrawalApplied {
  readonly consent: DomainConsent;
  /** The deactivation's move (undefined: not the connection's current consent); a refusal means a run is under way or the move is not allowed. */
  readonly deactivation: Result.Result<AggregationStatus, InvalidStatusTransition> | undefined;
}

/**
 * The user withdraws a consent (the seed's DEAUTHORIZED), by the domain's decision for
 * `ConsentWithdrawn`, in the caller's transaction and under the connection's row lock (a run
 * settling, a reconnect or another withdrawal waits): the consent revoked (previousStatus
 * kept; `consent.revoked` by the user), its accounts hidden (data kept), and — when it is
 * the connection's current consent — the connection deactivated (marked at once; moved now,
 * or as soon as a run under way settles). An expired or rejected consent cannot be withdrawn:
 * the domain's refusal is returned and nothing is written.
 */
export async function applyConsentWithdrawal(
  m: EntityManager,
  target: Scope & { readonly connectionId: string },
  consentId: string,
  current: boolean,
  now: Date,
): Promise<Result.Result<WithdrawalApplied, ConsentTransitionError>> {
  const scope = { tenantId: target.tenantId, userId: target.userId };
  const decision = decide(DecisionInput.consentWithdrawn());
  // The store's row locks are NO KEY UPDATE: they serialise the writers without blocking the
  // key-share locks a sync's inserts take through foreign keys (a FOR UPDATE here deadlocked a
  // withdrawal against a run writing the accounts' transactions).
  await preparedQuery(m, `SELECT 1 FROM connections WHERE id = $1 AND tenant_id = $2 AND user_id = $3 FOR NO KEY UPDATE`, [target.connectionId, target.tenantId, target.userId]);
  const stored = await consentById(m, scope, consentId, true);
  if (!stored) throw new Error(`consent ${consentId} not found`);
  // The domain's precondition (an expired or rejected consent cannot be withdrawn), read under the lock.
  const withdrawable = revokeConsent(stored.consent);
  if (Result.isFailure(withdrawable)) return Result.fail(withdrawable.failure);
  const changed = decision.consent ? applyConsentDecision(stored.consent, decision.consent) : Result.succeed(stored.consent);
  if (Result.isFailure(changed)) return Result.fail(changed.failure);
  if (changed.success !== stored.consent) await saveConsentStatus(m, scope, changed.success, 'user');
  if (decision.accounts.hide) {
    for (const a of await accountsOfConnection(m, scope, target.connectionId)) {
      if (a.consentId !== consentId) continue;
      const state = applyConsentChange(a.state, 'revoked');
      if (state.isActive !== a.state.isActive) await saveAccountState(m, scope, a.id, state);
    }
  }
  const deactivation = current && decision.event ? await deactivateConnection(m, target, decision.event, now) : undefined;
  return Result.succeed({ consent: changed.success, deactivation });
}

/**
 * The consent as it stands at `now`, stored so (the seed's EXPIRED, by the domain's decision
 * for `ConsentExpired`: status expired, reason Expired, previousStatus kept; `consent.expired`
 * for the tenant), under the consent's row lock so a concurrent revocation wins. Accounts are
 * unchanged by an expiry. Null when the consent is not the user's.
 */
export async function applyConsentExpiry(m: EntityManager, scope: Scope, consentId: string, now: Date): Promise<StoredConsent | null> {
  const stored = await consentById(m, scope, consentId, true);
  if (!stored) return null;
  const decision = decide(DecisionInput.consentExpired());
  if (evaluateConsent(stored.consent, now).status !== 'expired' || stored.consent.status === 'expired' || !decision.consent) return stored;
  const changed = applyConsentDecision(stored.consent, decision.consent);
  if (Result.isFailure(changed) || changed.success === stored.consent) return stored;
  await saveConsentStatus(m, scope, changed.success, 'bank');
  return { ...stored, consent: changed.success };
}

/**
 * A fresh grant (the redirect callback, a credential login): its consent stored (already
 * confirmed, `newConsentRow`) and the connection's accounts covered by it again (the
 * domain's `granted`). A new connection is created first with its first status.
 */
export async function applyConsentGranted(
  m: EntityManager,
  scope: Scope,
  connectionId: string,
  consent: Partial<ConsentRow> & { readonly id: string },
  created?: { readonly connectorId: string; readonly bankId: string; readonly status: AggregationStatus; readonly now: Date },
): Promise<void> {
  if (created) await createConnection(m, scope, { id: connectionId, connectorId: created.connectorId, bankId: created.bankId }, created.status, created.now);
  await insertConsent(m, scope, consent);
  await coverAccounts(m, scope, connectionId, consent.id);
}

/**
 * The accounts list a session fetched: accounts the bank stopped returning take the domain's
 * `missing` outcome (failed, syncError missingAccount); the active ones returned start this
 * session's sync. Returns those, with their state as written.
 */
export async function applyAccountsListed(
  m: EntityManager,
  scope: Scope,
  sessionId: string,
  known: readonly StoredAccount[],
  returned: readonly StoredAccount[],
  now: Date,
  carry?: (started: readonly StoredAccount[]) => readonly Statement[],
): Promise<StoredAccount[]> {
  const ids = new Set(returned.map((a) => a.id));
  const missing = known.filter((a) => !ids.has(a.id) && a.state.isActive).map((gone) => ({ accountId: gone.id, state: applyAccountSessionOutcome(gone.state, { _tag: 'missing' }, { now, executionId: sessionId }) }));
  const started = returned.filter((a) => a.state.isActive).map((account) => ({ ...account, state: startAccountSync(account.state, sessionId) }));
  // Every account's new state: one statement (with what the caller writes for the started accounts, `carry`).
  await saveAccountStates(m, scope, [...missing, ...started.map((a) => ({ accountId: a.id, state: a.state }))], carry ? { with: carry(started) } : {});
  return started;
}

/** One account's outcome in a session (the domain's `applyAccountSessionOutcome`), written; returns its new state. */
export async function applyAccountOutcome(
  m: EntityManager,
  scope: Scope,
  account: Pick<StoredAccount, 'id' | 'state'>,
  outcome: AccountSessionOutcome,
  context: { readonly now: Date; readonly executionId: string },
  options: { readonly lastTransactionDate?: boolean; readonly with?: readonly Statement[] } = {},
): Promise<AccountSyncState> {
  const state = applyAccountSessionOutcome(account.state, outcome, context);
  // With `lastTransactionDate`, the account's lastTransactionDate is set from what is stored in the same statement;
  // with `with`, that statement (e.g. the account's row of the session) is written in it too.
  await saveAccountStates(m, scope, [{ accountId: account.id, state }], options);
  return state;
}
