import type { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-sql';
import type { AccountProgress } from './account-progress';
import type { StageCounts, SyncStage as StageName } from '@kinko/domain';
import { type SessionRow, type StoredAccountResult, addStageCountsSql, stageCountsParams } from './session-store';

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

const SAVE_OUTCOME_SQL = `INSERT INTO sync_account_results (session_id, account_id, tenant_id, user_id, outcome, recorded_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6)
      ON CONFLICT (session_id, account_id) DO UPDATE SET outcome = EXCLUDED.outcome`;
// With a stage's counts added in the same statement (atomic: counted once with the progress that says the work is done).
const SAVE_OUTCOME_AND_COUNT_SQL = `WITH counted AS (${addStageCountsSql('$1', '$7', '$3', 8)}) ${SAVE_OUTCOME_SQL}`;
// …and the transaction's logged transaction changes tallied (its last statement after the page's writes).
const SAVE_OUTCOME_COUNT_AND_TALLY_SQL = `WITH counted AS (${addStageCountsSql('$1', '$7', '$3', 8, true)}) ${SAVE_OUTCOME_SQL}`;

/**
 * Stores one account's progress and results in the session (one statement); with `counts`,
 * adds them to the stage's stored counts in the same statement (and, with `tally`, the
 * transaction's logged transaction changes: once per transaction, after its writes).
 */
export async function saveAccountOutcome(
  m: EntityManager,
  session: Pick<SessionRow, 'id' | 'tenantId' | 'userId'>,
  accountId: string,
  outcome: StoredAccountOutcome,
  now: Date,
  counts?: { readonly stage: StageName; readonly delta: Partial<StageCounts>; readonly tally?: boolean },
): Promise<void> {
  const values = [session.id, accountId, session.tenantId, session.userId, JSON.stringify(outcome), now];
  if (counts) await preparedQuery(m, counts.tally ? SAVE_OUTCOME_COUNT_AND_TALLY_SQL : SAVE_OUTCOME_AND_COUNT_SQL, [...values, counts.stage, ...stageCountsParams(counts.delta)]);
  else await preparedQuery(m, SAVE_OUTCOME_SQL, values);
}

/** Stores several accounts' progress and results in the session (one statement, whatever their number). */
export async function saveAccountOutcomes(
  m: EntityManager,
  session: Pick<SessionRow, 'id' | 'tenantId' | 'userId'>,
  outcomes: ReadonlyArray<{ readonly accountId: string; readonly outcome: StoredAccountOutcome }>,
  now: Date,
  counts?: { readonly stage: StageName; readonly delta: Partial<StageCounts> },
): Promise<void> {
  if (outcomes.length === 0) return;
  const values = [session.id, session.tenantId, session.userId, now, outcomes.map((o) => o.accountId), outcomes.map((o) => JSON.stringify(o.outcome))];
  if (counts) await preparedQuery(m, SAVE_OUTCOMES_AND_COUNT_SQL, [...values, counts.stage, ...stageCountsParams(counts.delta)]);
  else await preparedQuery(m, SAVE_OUTCOMES_SQL, values);
}

const SAVE_OUTCOMES_SQL = `INSERT INTO sync_account_results (session_id, account_id, tenant_id, user_id, outcome, recorded_at)
       SELECT $1, v.account_id, $2, $3, v.outcome::jsonb, $4 FROM unnest($5::uuid[], $6::text[]) AS v(account_id, outcome)
      ON CONFLICT (session_id, account_id) DO UPDATE SET outcome = EXCLUDED.outcome`;
// With a stage's counts added in the same statement.
const SAVE_OUTCOMES_AND_COUNT_SQL = `WITH counted AS (${addStageCountsSql('$1', '$7', '$2', 8)}) ${SAVE_OUTCOMES_SQL}`;
