import type { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-sql';
import type { AccountProgress } from './account-progress';
import type { StageCounts, SyncStage as StageName } from '@kinko/domain';
import { addedChangeCounts, loggedChangeCounts } from '../webhooks/change-counts';
import { type SessionRow, type StoredAccountResult, addStageCountsSql, addedCountsSql, stageCountsParams } from './session-store';
import type { Statement } from './carried-sql';
import type { LoggedChanges } from './transaction-writer';

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

// An account row's `counts` (stage → counts, jsonb `stored`) with the four deltas (from `$first`) of the stage `$stage` added.
const addedAccountCounts = (stored: string, stage: number, first: number): string =>
  `${stored} || jsonb_build_object($${stage}::text, ${addedCountsSql(`${stored}->$${stage}`, (_, i) => `$${first + i}`)})`;
// The account's own row takes the counts (and, tallied, the transaction's logged changes of
// the user): no other account's page transaction waits for it, unlike the stage's row.
// `tally`: the changes read from the log (`true`), given as the statement's 12th parameter (`'given'`), or none.
const saveOutcomeAndCountSql = (tally: boolean | 'given'): string => `INSERT INTO sync_account_results AS r (session_id, account_id, tenant_id, user_id, outcome, recorded_at, counts, change_counts)
      VALUES ($1, $2, $3, $4, $5::jsonb, $6, ${addedAccountCounts(`'{}'::jsonb`, 7, 8)}, ${tally === 'given' ? '$12::jsonb' : tally ? loggedChangeCounts('$4', '$3') : `'{}'::jsonb`})
      ON CONFLICT (session_id, account_id) DO UPDATE SET outcome = EXCLUDED.outcome, counts = ${addedAccountCounts('r.counts', 7, 8)}${
        // The transaction's changes, tallied once (in VALUES), added to the row's.
        tally ? `, change_counts = ${SUM_CHANGE_COUNTS}` : ''
      }`;
// The row's change counts plus the proposed row's (EXCLUDED), per key.
const SUM_CHANGE_COUNTS = addedChangeCounts('r.change_counts', 'EXCLUDED.change_counts');
// With the account's counts added in the same statement (atomic: counted once with the progress that says the work is done).
const SAVE_OUTCOME_AND_COUNT_SQL = saveOutcomeAndCountSql(false);
// …and the transaction's logged transaction changes tallied (its last statement after the page's writes).
const SAVE_OUTCOME_COUNT_AND_TALLY_SQL = saveOutcomeAndCountSql(true);
// …and the transaction's changes as its writes counted them (the log not read again).
const SAVE_OUTCOME_COUNT_AND_LOGGED_SQL = saveOutcomeAndCountSql('given');
// A page's counts alone (a page that is not its kind's last, or a failed fetch's error): the account's row only.
const ADD_ACCOUNT_COUNTS = `UPDATE sync_account_results r SET counts = ${addedAccountCounts('r.counts', 5, 6)}
  WHERE r.session_id = $1 AND r.account_id = $2 AND r.tenant_id = $3 AND r.user_id = $4`;
// A page's counts with its transaction's logged changes as its writes counted them ($10, jsonb):
// the log is not read again.
const ADD_ACCOUNT_COUNTS_AND_LOGGED = `UPDATE sync_account_results r SET counts = ${addedAccountCounts('r.counts', 5, 6)}, change_counts = ${addedChangeCounts('r.change_counts', '$10::jsonb')}
   WHERE r.session_id = $1 AND r.account_id = $2 AND r.tenant_id = $3 AND r.user_id = $4`;

/**
 * Stores one account's progress and results in the session (one statement); with `counts`,
 * adds them to the account's own counts of the stage in the same statement (and, with
 * `tally`, the transaction's logged transaction changes: once per transaction, after its
 * writes — `true` reads them from the log, a {@link LoggedChanges} gives them as every write of
 * the transaction that logs counted them). A stage's counts are its row's plus its accounts'
 * (session-store.ts, domainSessionOf).
 */
export async function saveAccountOutcome(
  m: EntityManager,
  session: Pick<SessionRow, 'id' | 'tenantId' | 'userId'>,
  accountId: string,
  outcome: StoredAccountOutcome,
  now: Date,
  counts?: { readonly stage: StageName; readonly delta: Partial<StageCounts>; readonly tally?: boolean | LoggedChanges },
): Promise<void> {
  const { text, values } = accountOutcomeStatement(session, accountId, outcome, now, counts);
  await preparedQuery(m, text, values);
}

/**
 * {@link saveAccountOutcome}'s statement and its parameters, to run it inside another one (the
 * settlement writes it with the account's state: account-store's `saveAccountStates` `with`).
 */
export function accountOutcomeStatement(
  session: Pick<SessionRow, 'id' | 'tenantId' | 'userId'>,
  accountId: string,
  outcome: StoredAccountOutcome,
  now: Date,
  counts?: { readonly stage: StageName; readonly delta: Partial<StageCounts>; readonly tally?: boolean | LoggedChanges },
): { readonly text: string; readonly values: readonly unknown[] } {
  const values = [session.id, accountId, session.tenantId, session.userId, JSON.stringify(outcome), now];
  if (counts && counts.tally !== undefined && typeof counts.tally !== 'boolean') {
    return { text: SAVE_OUTCOME_COUNT_AND_LOGGED_SQL, values: [...values, counts.stage, ...stageCountsParams(counts.delta), JSON.stringify(Object.fromEntries(counts.tally))] };
  }
  if (counts) return { text: counts.tally ? SAVE_OUTCOME_COUNT_AND_TALLY_SQL : SAVE_OUTCOME_AND_COUNT_SQL, values: [...values, counts.stage, ...stageCountsParams(counts.delta)] };
  return { text: SAVE_OUTCOME_SQL, values };
}

/**
 * Adds to one account's counts of a stage (the account's row of the session, which exists
 * from the accounts stage on); with `logged`, the transaction's logged transaction changes
 * too (once per writing transaction, after its writes), as the transaction's writes counted
 * them (every write of the transaction that logs must have added to it:
 * writeTransactionPage's `logged`). One statement.
 */
export async function addAccountCounts(
  m: EntityManager,
  session: Pick<SessionRow, 'id' | 'tenantId' | 'userId'>,
  accountId: string,
  stage: StageName,
  delta: Partial<StageCounts>,
  logged?: LoggedChanges,
): Promise<void> {
  const values = [session.id, accountId, session.tenantId, session.userId, stage, ...stageCountsParams(delta)];
  if (logged) await preparedQuery(m, ADD_ACCOUNT_COUNTS_AND_LOGGED, [...values, JSON.stringify(Object.fromEntries(logged))]);
  else await preparedQuery(m, ADD_ACCOUNT_COUNTS, values);
}

/**
 * The statements storing several accounts' progress and results in the session (none for no
 * outcome; the stage's counts first when given), written as one by `writeTogether` or carried
 * by another statement (carried-sql.ts).
 */
export function accountOutcomesStatements(
  session: Pick<SessionRow, 'id' | 'tenantId' | 'userId'>,
  outcomes: ReadonlyArray<{ readonly accountId: string; readonly outcome: StoredAccountOutcome; readonly counts?: AccountCounts }>,
  now: Date,
  counts?: { readonly stage: StageName; readonly delta: Partial<StageCounts> },
): Statement[] {
  if (outcomes.length === 0) return [];
  const values = [session.id, session.tenantId, session.userId, now, outcomes.map((o) => o.accountId), outcomes.map((o) => JSON.stringify(o.outcome))];
  if (outcomes.some((o) => o.counts)) {
    // Each account's own counts (of a stage) added to its row, in the same statement.
    const param = (i: number): number[] => outcomes.map((o) => (o.counts ? (stageCountsParams(o.counts.delta)[i] ?? 0) : 0));
    const accountCounts = [outcomes.map((o) => o.counts?.stage ?? null), param(0), param(1), param(2), param(3)];
    if (counts) throw new Error('accountOutcomesStatements: a stage row\'s counts and accounts\' own counts in one call');
    return [{ text: SAVE_OUTCOMES_AND_ACCOUNT_COUNTS_SQL, values: [...values, ...accountCounts] }];
  }
  const save = { text: SAVE_OUTCOMES_SQL, values };
  return counts ? [{ text: ADD_STAGE_COUNTS_SQL, values: [session.id, counts.stage, session.tenantId, ...stageCountsParams(counts.delta)] }, save] : [save];
}

/** What one account's work added to one stage's counts (stored on the account's row). */
export interface AccountCounts {
  readonly stage: StageName;
  readonly delta: Partial<StageCounts>;
}

// Several accounts' outcomes, each with its own counts of a stage (none when its stage is null)
// added to its row's: the proposed row carries {stage: delta}, added key by key to the stored one.
const SAVE_OUTCOMES_AND_ACCOUNT_COUNTS_SQL = `INSERT INTO sync_account_results AS r (session_id, account_id, tenant_id, user_id, outcome, recorded_at, counts)
       SELECT $1, v.account_id, $2, $3, v.outcome::jsonb, $4,
              CASE WHEN v.stage IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(v.stage, jsonb_build_object('requestsMade', v.requests, 'itemsFetched', v.fetched, 'itemsWritten', v.written, 'errors', v.errors)) END
         FROM unnest($5::uuid[], $6::text[], $7::text[], $8::int[], $9::int[], $10::int[], $11::int[]) AS v(account_id, outcome, stage, requests, fetched, written, errors)
      ON CONFLICT (session_id, account_id) DO UPDATE SET outcome = EXCLUDED.outcome, counts = r.counts || COALESCE((
        SELECT jsonb_object_agg(e.stage, ${addedCountsSql('r.counts->e.stage', (field) => `(e.delta->>'${field}')::int`)})
          FROM jsonb_each(EXCLUDED.counts) AS e(stage, delta)), '{}'::jsonb)`;

const SAVE_OUTCOMES_SQL = `INSERT INTO sync_account_results (session_id, account_id, tenant_id, user_id, outcome, recorded_at)
       SELECT $1, v.account_id, $2, $3, v.outcome::jsonb, $4 FROM unnest($5::uuid[], $6::text[]) AS v(account_id, outcome)
      ON CONFLICT (session_id, account_id) DO UPDATE SET outcome = EXCLUDED.outcome`;
// A stage's counts added (written with the outcomes: carried-sql.ts).
const ADD_STAGE_COUNTS_SQL = addStageCountsSql('$1', '$2', '$3', 4);
