import type { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-sql';
import type { AccountProgress } from './account-progress';
import type { SessionRow, StoredAccountResult } from './session-store';

// Each account's row of a session (sync_account_results, issue 13 §6): its typed progress and
// stage results, written as the engine goes and read back — by a retried attempt and at the
// session's end — through these two functions only.

/** What a session stored for one account (sync_account_results.outcome). */
export interface StoredAccountOutcome {
  readonly progress?: AccountProgress;
  readonly results?: readonly StoredAccountResult[];
}

/** The accounts a session gave a result row, with what it stored for each. */
export async function readAccountOutcomes(manager: EntityManager, session: Pick<SessionRow, 'id' | 'tenantId'>): Promise<Array<{ readonly accountId: string; readonly outcome: StoredAccountOutcome }>> {
  const rows = (await manager.query(`SELECT account_id, outcome FROM sync_account_results WHERE session_id = $1 AND tenant_id = $2`, [session.id, session.tenantId])) as Array<{
    account_id: string;
    outcome: StoredAccountOutcome | null;
  }>;
  return rows.map((r) => ({ accountId: r.account_id, outcome: r.outcome ?? {} }));
}

/** Stores one account's progress and results in the session (one statement). */
export async function saveAccountOutcome(m: EntityManager, session: Pick<SessionRow, 'id' | 'tenantId' | 'userId'>, accountId: string, outcome: StoredAccountOutcome, now: Date): Promise<void> {
  await preparedQuery(
    m,
    `INSERT INTO sync_account_results (session_id, account_id, tenant_id, user_id, outcome, recorded_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6)
      ON CONFLICT (session_id, account_id) DO UPDATE SET outcome = EXCLUDED.outcome`,
    [session.id, accountId, session.tenantId, session.userId, JSON.stringify(outcome), now],
  );
}

/** Stores several accounts' progress and results in the session (one statement, whatever their number). */
export async function saveAccountOutcomes(
  m: EntityManager,
  session: Pick<SessionRow, 'id' | 'tenantId' | 'userId'>,
  outcomes: ReadonlyArray<{ readonly accountId: string; readonly outcome: StoredAccountOutcome }>,
  now: Date,
): Promise<void> {
  if (outcomes.length === 0) return;
  await preparedQuery(
    m,
    `INSERT INTO sync_account_results (session_id, account_id, tenant_id, user_id, outcome, recorded_at)
       SELECT $1, v.account_id, $2, $3, v.outcome::jsonb, $4 FROM unnest($5::uuid[], $6::text[]) AS v(account_id, outcome)
      ON CONFLICT (session_id, account_id) DO UPDATE SET outcome = EXCLUDED.outcome`,
    [session.id, session.tenantId, session.userId, now, outcomes.map((o) => o.accountId), outcomes.map((o) => JSON.stringify(o.outcome))],
  );
}
