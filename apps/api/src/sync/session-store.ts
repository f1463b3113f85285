import {
  type AccountId,
  type AccountStageResult,
  type ConnectionId,
  type SessionId,
  type StageCounts,
  type StageState,
  type SyncFailure,
  type SyncSession as DomainSession,
  type SyncStage as StageName,
  sessionStatus,
  syncStages,
  zeroCounts,
} from '@kinko/domain';
import type { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-sql';
import { instantOfJson } from '../database/pg-types';
import type { Statement } from './carried-sql';
import { type StoredConsent, currentConsentColumn, storedConsentOfJson } from './consent-store';
import { type StoredAccount, accountsOfConnectionColumn, storedAccountsOfJson } from './account-store';
import { type SealedRow, sealedRowOf, sealedSecretColumns, sealedSecretJoin } from '../secrets/secrets.service';
import { anyChange, countsByKind, sumChangeCounts } from '../webhooks/change-counts';
import { type EnabledEndpoint, anySubscribed, emitTenantEvent, enabledEndpointsColumn, endpointsKnown, rememberEndpoints, statusEventsSubscribedSql } from '../webhooks/tenant-events';

/** A stored session row (the columns the engine and the views read). */
export interface SessionRow {
  readonly id: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly connectionId: string;
  readonly status: string;
  readonly requestedBy: string;
  readonly parameters: Record<string, unknown>;
  readonly error: Record<string, unknown> | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

/** One account's per-stage result as stored (the domain's AccountStageResult without the account id). */
export type StoredAccountResult = Omit<AccountStageResult, 'accountId'>;

/** A stored `sync_stages` row (the columns the views read). */
export interface StageRowDb {
  stage: string;
  status: string;
  counts: Partial<StageCounts> | null;
  started_at: Date | null;
  finished_at: Date | null;
  error: SyncFailure | null;
}

const countsOf = (c: Partial<StageCounts> | null): StageCounts => ({
  requestsMade: c?.requestsMade ?? zeroCounts.requestsMade,
  itemsFetched: c?.itemsFetched ?? zeroCounts.itemsFetched,
  itemsWritten: c?.itemsWritten ?? zeroCounts.itemsWritten,
  errors: c?.errors ?? zeroCounts.errors,
});

/** A `sync_sessions` row as pg returns it (the columns {@link SessionRow} needs). */
export interface SessionDbRow {
  id: string;
  tenant_id: string;
  user_id: string;
  connection_id: string;
  status: string;
  requested_by: string;
  parameters: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** The session row from its database row. */
export const sessionRowOf = (r: SessionDbRow): SessionRow => ({
  id: r.id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  connectionId: r.connection_id,
  status: r.status,
  requestedBy: r.requested_by,
  parameters: r.parameters ?? {},
  error: r.error ?? null,
  createdAt: r.created_at,
  startedAt: r.started_at ?? null,
  finishedAt: r.finished_at ?? null,
});

/** Reads one session of a user (null when it is not theirs or does not exist). */
export async function findSessionRow(manager: EntityManager, scope: { tenantId: string; userId: string }, sessionId: string, lock = false): Promise<SessionRow | null> {
  const rows = (await manager.query(
    `SELECT id, tenant_id, user_id, connection_id, status, requested_by, parameters, error, created_at, started_at, finished_at
       FROM sync_sessions WHERE id = $1 AND tenant_id = $2 AND user_id = $3${lock ? ' FOR UPDATE' : ''}`,
    [sessionId, scope.tenantId, scope.userId],
  )) as SessionDbRow[];
  const r = rows[0];
  return r ? sessionRowOf(r) : null;
}

export async function loadDomainSession(manager: EntityManager, row: SessionRow): Promise<DomainSession> {
  const stageRows = (await manager.query(
    `SELECT stage, status, counts, started_at, finished_at, error FROM sync_stages WHERE session_id = $1 AND tenant_id = $2 AND user_id = $3`,
    [row.id, row.tenantId, row.userId],
  )) as StageRowDb[];
  const accountRows = (await manager.query(
    `SELECT account_id, outcome, counts FROM sync_account_results WHERE session_id = $1 AND tenant_id = $2 AND user_id = $3 ORDER BY recorded_at, account_id`,
    [row.id, row.tenantId, row.userId],
  )) as AccountResultRowDb[];
  return domainSessionOf(row, stageRows, accountRows);
}

/** A session as a run starts it: its row, its connection's connector (null when the connection is gone) and the domain session. */
export interface SessionForRun {
  readonly row: SessionRow;
  readonly connectorId: string | null;
  readonly session: DomainSession;
  /** The connection's current consent (consent-store's currentConsent), read with the session. */
  readonly consent: StoredConsent | null;
  /** The connection's stored accounts (account-store's accountsOfConnection), read with the session. */
  readonly accounts: StoredAccount[];
  /** Whether an enabled webhook endpoint of the tenant is subscribed to a connection's status events (then its moves have events to write). */
  readonly statusWebhooks: boolean;
  /** The connection's grant as stored, still sealed (null: none stored), read with the session for the run to open (GrantVault.read). */
  readonly sealedGrant: SealedRow | null;
}

/**
 * {@link findSessionRow}, the connection's connector, {@link loadDomainSession}, the
 * connection's current consent and its stored accounts in one statement (a run's first read).
 * Null when the session is not the user's or does not exist.
 */
export async function loadSessionForRun(manager: EntityManager, scope: { tenantId: string; userId: string }, sessionId: string): Promise<SessionForRun | null> {
  const rows = await preparedQuery<
    SessionDbRow & {
      connector_id: string | null;
      stages: Array<Omit<StageRowDb, 'started_at' | 'finished_at'> & { started_at: string | null; finished_at: string | null }>;
      accounts: AccountResultRowDb[];
      consent: Record<string, unknown> | null;
      connection_accounts: Array<Record<string, unknown>>;
      status_webhooks: boolean;
    }
  >(
    manager,
    `SELECT s.id, s.tenant_id, s.user_id, s.connection_id, s.status, s.requested_by, s.parameters, s.error, s.created_at, s.started_at, s.finished_at, c.connector_id,
            (SELECT COALESCE(json_agg(json_build_object('stage', st.stage, 'status', st.status, 'counts', st.counts, 'started_at', st.started_at, 'finished_at', st.finished_at, 'error', st.error)), '[]'::json)
               FROM sync_stages st WHERE st.session_id = s.id AND st.tenant_id = s.tenant_id AND st.user_id = s.user_id) AS stages,
            (SELECT COALESCE(json_agg(json_build_object('account_id', r.account_id, 'outcome', r.outcome, 'counts', r.counts) ORDER BY r.recorded_at, r.account_id), '[]'::json)
               FROM sync_account_results r WHERE r.session_id = s.id AND r.tenant_id = s.tenant_id AND r.user_id = s.user_id) AS accounts,
            ${currentConsentColumn('s.tenant_id', 's.user_id', 's.connection_id')} AS consent,
            ${accountsOfConnectionColumn('s.tenant_id', 's.user_id', 's.connection_id')} AS connection_accounts,
            ${statusEventsSubscribedSql('s.tenant_id')} AS status_webhooks,
            ${sealedSecretColumns('g')}
       FROM sync_sessions s LEFT JOIN connections c ON c.id = s.connection_id AND c.tenant_id = s.tenant_id AND c.user_id = s.user_id
       ${sealedSecretJoin('g', 's.tenant_id', 's.user_id', 's.connection_id', 'grant')}
      WHERE s.id = $1 AND s.tenant_id = $2 AND s.user_id = $3`,
    [sessionId, scope.tenantId, scope.userId],
  );
  const r = rows[0];
  if (!r) return null;
  const row = sessionRowOf(r);
  const stages: StageRowDb[] = r.stages.map((st) => ({ ...st, started_at: instantOfJson(st.started_at), finished_at: instantOfJson(st.finished_at) }));
  return { row, connectorId: r.connector_id, session: domainSessionOf(row, stages, r.accounts), consent: storedConsentOfJson(r.consent), accounts: storedAccountsOfJson(r.connection_accounts), statusWebhooks: r.status_webhooks, sealedGrant: sealedRowOf(r, 'g') };
}

/** A stored `sync_account_results` row (`counts`: what the account's work added to each stage's counts; absent when not read). */
export interface AccountResultRowDb {
  account_id: string;
  outcome: { results?: StoredAccountResult[] };
  counts?: Readonly<Record<string, Partial<StageCounts>>> | null;
}

/**
 * A stage's counts: its row's plus what each account's work added (kept on the account's row
 * of the session, so the accounts' page transactions running in parallel never wait for one
 * another on the stage's row).
 */
export function stageCountsOf(stage: string, stageCounts: Partial<StageCounts> | null, accountRows: readonly Pick<AccountResultRowDb, 'counts'>[]): StageCounts {
  const total = { ...countsOf(stageCounts) };
  for (const a of accountRows) {
    const c = a.counts?.[stage];
    if (!c) continue;
    total.requestsMade += c.requestsMade ?? 0;
    total.itemsFetched += c.itemsFetched ?? 0;
    total.itemsWritten += c.itemsWritten ?? 0;
    total.errors += c.errors ?? 0;
  }
  return total;
}

/** The domain session from rows already read (stage rows in any order, account rows in recorded order). */
export function domainSessionOf(row: SessionRow, stageRows: readonly StageRowDb[], accountRows: readonly AccountResultRowDb[]): DomainSession {
  const byStage = new Map(stageRows.map((s) => [s.stage, s]));
  const stages: StageState[] = syncStages.map((stage) => {
    const s = byStage.get(stage);
    return s
      ? { stage, status: s.status as StageState['status'], startedAt: s.started_at, endedAt: s.finished_at, counts: stageCountsOf(stage, s.counts, accountRows), failure: s.error }
      : { stage, status: 'pending', startedAt: null, endedAt: null, counts: zeroCounts, failure: null };
  });
  const accountResults: AccountStageResult[] = [];
  for (const a of accountRows) {
    for (const r of a.outcome.results ?? []) accountResults.push({ ...r, accountId: a.account_id as AccountId });
  }
  return { id: row.id as SessionId, connectionId: row.connectionId as ConnectionId, createdAt: row.createdAt, stages, accountResults };
}

/** A session to insert: {@link insertSessions}. */
export interface NewSession {
  readonly id: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly connectionId: string;
  readonly requestedBy: string;
  readonly parameters: Record<string, unknown>;
  readonly createdAt: Date;
}

/** Inserts a new session row and its seven pending stage rows. */
export async function insertSession(manager: EntityManager, session: NewSession): Promise<void> {
  await insertSessions(manager, [session]);
}

/**
 * Inserts new session rows and their seven pending stage rows each: two statements for any
 * number of sessions (named prepared statements: the API's start of every session runs them).
 */
export async function insertSessions(manager: EntityManager, sessions: readonly NewSession[]): Promise<void> {
  if (sessions.length === 0) return;
  const col = <T>(f: (s: NewSession) => T): T[] => sessions.map(f);
  await preparedQuery(
    manager,
    `INSERT INTO sync_sessions (id, tenant_id, user_id, connection_id, status, requested_by, parameters, created_at)
     SELECT id, tenant_id, user_id, connection_id, 'pending', requested_by, parameters::jsonb, created_at
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[]) AS s(id, tenant_id, user_id, connection_id, requested_by, parameters, created_at)`,
    [col((s) => s.id), col((s) => s.tenantId), col((s) => s.userId), col((s) => s.connectionId), col((s) => s.requestedBy), col((s) => JSON.stringify(s.parameters)), col((s) => s.createdAt)],
  );
  await preparedQuery(
    manager,
    `INSERT INTO sync_stages (session_id, stage, tenant_id, user_id, status, counts)
     SELECT s.id, st.stage, s.tenant_id, s.user_id, 'pending', '{}'::jsonb
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS s(id, tenant_id, user_id) CROSS JOIN unnest($4::text[]) AS st(stage)`,
    [col((s) => s.id), col((s) => s.tenantId), col((s) => s.userId), [...syncStages]],
  );
}

/**
 * Writes what a domain move changed: every stage whose status, instants or failure differ
 * (counts are added separately with {@link addStageCounts}, so concurrent page commits never
 * overwrite each other), and the session's derived status.
 */
export async function saveSessionMove(manager: EntityManager, row: Pick<SessionRow, 'id' | 'tenantId' | 'userId'>, before: DomainSession, after: DomainSession): Promise<void> {
  const { changed, stageParams, status, startedAt, finishedAt, sessionChanged, ends } = moveOf(before, after);
  // A move within a running session (a stage starting or completing) leaves the session row as it is: no UPDATE.
  // Every changed stage and the session row: one statement.
  if (sessionChanged) {
    // The session's end reads the tenant's webhook endpoints (its events') with the session row's write.
    const readEndpoints = ends && !endpointsKnown(manager, row.tenantId);
    const updated = await preparedQuery<{ endpoints?: EnabledEndpoint[] }>(manager, (changed.length > 0 ? UPDATE_STAGES_AND_SESSION_SQL : UPDATE_SESSION_SQL) + (readEndpoints ? RETURNING_ENDPOINTS : ''), [
      row.id,
      row.tenantId,
      status,
      startedAt,
      finishedAt,
      ...(changed.length > 0 ? stageParams : []),
    ]);
    const endpoints = updated[0]?.endpoints;
    if (endpoints) rememberEndpoints(manager, row.tenantId, endpoints);
  } else if (changed.length > 0) {
    await preparedQuery(manager, UPDATE_STAGES_SQL, [row.id, row.tenantId, ...stageParams]);
  }
  if (ends) {
    await emitSessionEnd(manager, row, sessionStatus(after));
    noteSessionEnded(manager, row);
  }
}

/**
 * {@link saveSessionMove} as statements to carry in another one (carried-sql.ts: a connection's
 * status move writes them), then {@link sessionMoveCarried} once that statement ran: what a
 * move changed (the stages' row, the session's own columns) in the same transaction, with no
 * round trip of its own.
 */
export function sessionMoveStatements(
  row: Pick<SessionRow, 'id' | 'tenantId'>,
  before: DomainSession,
  after: DomainSession,
  counts?: { readonly stage: StageName; readonly delta: Partial<StageCounts> },
): Statement[] {
  const { changed, stageParams, status, startedAt, finishedAt, sessionChanged } = moveOf(before, after);
  // `counts`: added to that stage's row by the move's UPDATE when the move changes that row (one
  // statement cannot write a row twice), else by an UPDATE of their own.
  const countsMoved = counts !== undefined && changed.some((s) => s.stage === counts.stage);
  return [
    ...(counts && !countsMoved ? [{ text: ADD_COUNTS_SQL, values: [row.id, counts.stage, row.tenantId, ...stageCountsParams(counts.delta)] }] : []),
    ...(changed.length > 0
      ? [countsMoved ? { text: UPDATE_STAGES_AND_COUNTS_SQL, values: [row.id, row.tenantId, ...stageParams, counts.stage, ...stageCountsParams(counts.delta)] } : { text: UPDATE_STAGES_SQL, values: [row.id, row.tenantId, ...stageParams] }]
      : []),
    ...(sessionChanged ? [{ text: UPDATE_SESSION_SQL, values: [row.id, row.tenantId, status, startedAt, finishedAt] }] : []),
  ];
}

/**
 * After {@link sessionMoveStatements} ran: the session's end (its events, its report), when the
 * move ended it. `known`: the connection's connector and the aggregation status this transaction
 * left it in, when the caller moved it — the report is then made of what the transaction wrote
 * (the session's status, its stages, its stored error), with no read once it commits.
 */
export async function sessionMoveCarried(
  manager: EntityManager,
  row: Pick<SessionRow, 'id' | 'tenantId' | 'userId' | 'error'>,
  before: DomainSession,
  after: DomainSession,
  known?: { readonly connectorId: string; readonly aggregationStatus: string },
): Promise<void> {
  if (!moveOf(before, after).ends) return;
  await emitSessionEnd(manager, row, sessionStatus(after));
  noteSessionEnded(manager, row, known ? endedReportOf(after, row.error, known) : undefined);
}

/** The session-end report of a session that ended as `after` (its stored error `error`), its connection as `known` says. */
function endedReportOf(after: DomainSession, error: Record<string, unknown> | null, known: { readonly connectorId: string; readonly aggregationStatus: string }): EndedReport {
  // As the report's read gives them: the stages started, in the order they started, with their seconds when they ended.
  const stages = after.stages
    .flatMap((s) => (s.startedAt === null ? [] : [{ s, started: s.startedAt.getTime() }]))
    .sort((a, b) => a.started - b.started)
    .map(({ s, started }) => ({ stage: s.stage, seconds: s.endedAt === null ? null : (s.endedAt.getTime() - started) / 1000, error: s.failure as EndedReport['stages'][number]['error'] }));
  return { status: sessionStatus(after), connectorId: known.connectorId, aggregationStatus: known.aggregationStatus, error: error as EndedReport['error'], stages };
}

/** What a move changes: the stages whose status, instants or failure differ, and the session's own columns. */
function moveOf(before: DomainSession, after: DomainSession) {
  const changed = after.stages.filter((s) => {
    const old = before.stages.find((b) => b.stage === s.stage);
    return !(old && old.status === s.status && old.startedAt === s.startedAt && old.endedAt === s.endedAt && old.failure === s.failure);
  });
  const stageParams = [
    changed.map((s) => s.stage),
    changed.map((s) => s.status),
    changed.map((s) => s.startedAt),
    changed.map((s) => s.endedAt),
    changed.map((s) => (s.failure === null ? null : JSON.stringify(s.failure))),
  ];
  const sessionColumns = (x: DomainSession): [string, Date | null, Date | null] => {
    const end = x.stages.find((s) => s.stage === 'finished');
    return [sessionStatus(x), x.stages.find((s) => s.status !== 'pending')?.startedAt ?? null, end?.status === 'completed' ? end.endedAt : null];
  };
  const [status, startedAt, finishedAt] = sessionColumns(after);
  const [oldStatus, oldStartedAt, oldFinishedAt] = sessionColumns(before);
  const ends = after.stages.find((s) => s.stage === 'finished')?.status === 'completed' && before.stages.find((s) => s.stage === 'finished')?.status !== 'completed';
  const sessionChanged = status !== oldStatus || startedAt?.getTime() !== oldStartedAt?.getTime() || finishedAt?.getTime() !== oldFinishedAt?.getTime();
  return { changed, stageParams, status, startedAt, finishedAt, sessionChanged, ends };
}

const UPDATE_SESSION_SQL = `UPDATE sync_sessions SET status = $3, started_at = COALESCE(started_at, $4), finished_at = $5 WHERE id = $1 AND tenant_id = $2`;
// Every changed stage of a move (its five arrays from $first), and the session's own columns ($3..$5).
const updateStagesSql = (first: number): string => `UPDATE sync_stages st SET status = v.status, started_at = v.started_at, finished_at = v.finished_at, error = v.error::jsonb
         FROM unnest($${first}::text[], $${first + 1}::text[], $${first + 2}::timestamptz[], $${first + 3}::timestamptz[], $${first + 4}::text[]) AS v(stage, status, started_at, finished_at, error)
        WHERE st.session_id = $1 AND st.tenant_id = $2 AND st.stage = v.stage`;
const UPDATE_STAGES_SQL = updateStagesSql(3);
const UPDATE_STAGES_AND_SESSION_SQL = `WITH stages AS (${updateStagesSql(6)}) ${UPDATE_SESSION_SQL}`;
const RETURNING_ENDPOINTS = ` RETURNING ${enabledEndpointsColumn('$2')} AS endpoints`;
/** Where a transaction keeps the sessions it ended (its query runner's `data`), reported once it commits. */
export const ENDED_SESSIONS = 'kinko.endedSessions';

/** An ended session, as the transaction that ended it notes it. */
export interface EndedSession {
  readonly sessionId: string;
  readonly tenantId: string;
  /** The report, when the transaction that ended the session knows all of it; else read once it commits. */
  readonly report?: EndedReport;
}

/** What the session-end report says of a session (metrics/session-ends.ts). */
export interface EndedReport {
  readonly status: string;
  readonly connectorId: string;
  readonly aggregationStatus: string;
  /** The session row's `error`. */
  readonly error: { errorTag?: string | null; connectorError?: { _tag?: string } } | null;
  /** The stages started, in the order they started: their seconds when they ended, their failure. */
  readonly stages: ReadonlyArray<{ readonly stage: string; readonly seconds: number | null; readonly error: { errorType?: string; aspspResponse?: { code?: string } } | null }>;
}

/**
 * Notes on the transaction that the session ended in it: the session-end report (log line and
 * metrics, metrics/session-ends.ts) runs once that transaction commits, in whichever process.
 */
function noteSessionEnded(manager: EntityManager, row: Pick<SessionRow, 'id' | 'tenantId'>, report?: EndedReport): void {
  const data = manager.queryRunner?.data as Record<string, EndedSession[] | undefined> | undefined;
  if (!data) return;
  (data[ENDED_SESSIONS] ??= []).push({ sessionId: row.id, tenantId: row.tenantId, ...(report ? { report } : {}) });
}

/**
 * The session ended (in this transaction): `sync.finished` with the transaction changes per
 * kind (webhooks/change-counts.ts), and `transactions.changed` when its transactions stage
 * wrote anything (rows inserted, changed or deleted: the user has new entries in the change feed).
 */
async function emitSessionEnd(manager: EntityManager, row: Pick<SessionRow, 'id' | 'tenantId' | 'userId'>, status: string): Promise<void> {
  // Nobody to tell (no endpoint of the tenant subscribed to either event): nothing to read.
  if (!(await anySubscribed(manager, row.tenantId, ['sync.finished', 'transactions.changed']))) return;
  // The transactions stage's row and its accounts' rows (what each account's work added).
  const rows = (await preparedQuery(
    manager,
    `SELECT s.connection_id, st.counts, st.change_counts,
            (SELECT COALESCE(json_agg(json_build_object('counts', r.counts, 'change_counts', r.change_counts)), '[]'::json)
               FROM sync_account_results r WHERE r.session_id = s.id AND r.tenant_id = s.tenant_id) AS accounts
       FROM sync_sessions s LEFT JOIN sync_stages st ON st.session_id = s.id AND st.tenant_id = s.tenant_id AND st.stage = 'transactions'
      WHERE s.id = $1 AND s.tenant_id = $2`,
    [row.id, row.tenantId],
  )) as Array<{
    connection_id: string;
    counts: Partial<StageCounts> | null;
    change_counts: Record<string, number> | null;
    accounts: Array<{ counts: Record<string, Partial<StageCounts>> | null; change_counts: Record<string, number> | null }>;
  }>;
  const r = rows[0];
  if (r === undefined) return;
  const counts = countsByKind(sumChangeCounts([r.change_counts, ...r.accounts.map((a) => a.change_counts)]));
  const ids = { userId: row.userId, connectionId: r.connection_id, sessionId: row.id };
  await emitTenantEvent(manager, { tenantId: row.tenantId, type: 'sync.finished', data: { ...ids, status, counts } });
  if (stageCountsOf('transactions', r.counts, r.accounts).itemsWritten > 0 || anyChange(counts)) await emitTenantEvent(manager, { tenantId: row.tenantId, type: 'transactions.changed', data: ids });
}

/**
 * Adds to one stage's stored counts (atomic in SQL), for the session's own work (the auth
 * stage's grant refresh); an account's work is counted on its own row (account-results.ts).
 */
export async function addStageCounts(manager: EntityManager, row: Pick<SessionRow, 'id' | 'tenantId'>, stage: StageName, delta: Partial<StageCounts>): Promise<void> {
  await preparedQuery(manager, ADD_COUNTS_SQL, [row.id, stage, row.tenantId, ...stageCountsParams(delta)]);
}

/** The four counts of a stage, in the order of {@link stageCountsParams}. */
const COUNT_FIELDS = ['requestsMade', 'itemsFetched', 'itemsWritten', 'errors'] as const;

/**
 * Stored stage counts (`stored`, a jsonb expression) with a delta added per field (`delta(field,
 * i)`, an int expression; i its place in {@link COUNT_FIELDS}): the one way counts are added, for
 * the stage's row and for an account's row of the session (account-results.ts).
 */
export const addedCountsSql = (stored: string, delta: (field: string, i: number) => string): string =>
  `jsonb_build_object(${COUNT_FIELDS.map((f, i) => `\n        '${f}', COALESCE((${stored}->>'${f}')::int, 0) + ${delta(f, i)}`).join(',')})`;

const addedCounts = (first: number): string => addedCountsSql('st.counts', (_, i) => `$${first + i}`);

/**
 * {@link addStageCounts}' UPDATE with its parameters where the caller puts them (to run it in a
 * CTE of another statement): session id, stage and tenant id as given, the four deltas
 * (requests made, items fetched, items written, errors) from `$first`.
 */
export const addStageCountsSql = (session: string, stage: string, tenant: string, first: number): string =>
  `UPDATE sync_stages st SET counts = ${addedCounts(first)} WHERE st.session_id = ${session} AND st.stage = ${stage} AND st.tenant_id = ${tenant}`;

/** The four deltas of {@link addStageCountsSql}, in its order. */
export const stageCountsParams = (delta: Partial<StageCounts>): number[] => [delta.requestsMade ?? 0, delta.itemsFetched ?? 0, delta.itemsWritten ?? 0, delta.errors ?? 0];

const ADD_COUNTS_SQL = addStageCountsSql('$1', '$2', '$3', 4);
// {@link sessionMoveStatements}' stage move with the stage $8's counts added (the four deltas from $9), in the same row write.
const UPDATE_STAGES_AND_COUNTS_SQL = `UPDATE sync_stages st SET status = v.status, started_at = v.started_at, finished_at = v.finished_at, error = v.error::jsonb,
           counts = CASE WHEN st.stage = $8 THEN ${addedCountsSql('st.counts', (_, i) => `$${9 + i}`)} ELSE st.counts END
         FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[]) AS v(stage, status, started_at, finished_at, error)
        WHERE st.session_id = $1 AND st.tenant_id = $2 AND st.stage = v.stage`;
