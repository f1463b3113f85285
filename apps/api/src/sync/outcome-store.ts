import { type Decision, type StatusEvent, type SyncFailure, applyAccountSessionOutcome, applyConsentChange, applyConsentDecision } from '@kinko/domain';
import { Result } from 'effect';
import type { EntityManager } from 'typeorm';
import { type AccountProgress, isAccountDone } from './account-progress';
import { accountsOfConnection, saveAccountState } from './account-store';
import { moveConnection } from './connection-status';
import { currentConsent, saveConsentStatus } from './consent-store';

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
  const { failure, event, decision, now } = outcome;
  await m.query(`UPDATE sync_sessions SET error = $3::jsonb WHERE id = $1 AND tenant_id = $2`, [target.sessionId, target.tenantId, JSON.stringify(failure)]);
  if (event) await moveConnection(m, target, event, now);
  if (decision?.consent) {
    const stored = await currentConsent(m, scope, target.connectionId, true);
    const changed = stored ? applyConsentDecision(stored.consent, decision.consent) : undefined;
    if (stored && changed && Result.isSuccess(changed) && changed.success !== stored.consent) await saveConsentStatus(m, scope, changed.success);
  }
  // Accounts this session touched but did not settle: the failure is theirs too.
  const touched = (await m.query(`SELECT account_id, outcome FROM sync_account_results WHERE session_id = $1 AND tenant_id = $2`, [target.sessionId, target.tenantId])) as Array<{
    account_id: string;
    outcome: { progress?: AccountProgress };
  }>;
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
