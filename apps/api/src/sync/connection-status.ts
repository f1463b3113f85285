import { Logger } from '@nestjs/common';
import { type AggregationStatus, type InvalidStatusTransition, StatusEvent, aggregationStatusGroup, nextAggregationStatus, parseAggregationStatus, statusMoves } from '@kinko/domain';
import { Result } from 'effect';
import type { EntityManager } from 'typeorm';
import { Connection } from '../connections/connection.entity';
import { preparedQuery } from '../database/prepared-sql';
import { type Statement, withCarried } from './carried-sql';
import { type EnabledEndpoint, emitStatusChanged, enabledEndpointsColumn, endpointsKnown, rememberEndpoints, statusEventsSubscribedSql } from '../webhooks/tenant-events';

const logger = new Logger('ConnectionStatus');

// How far a run has come: a status at or beyond an event's target means the event already happened.
const RUN_ORDER: Readonly<Record<string, number>> = { 'running.auth': 1, 'running.data': 2, 'running.intelligence': 3 };
const EVENT_TARGET: Readonly<Partial<Record<StatusEvent['_tag'], number>>> = { RefreshRequested: 1, LoggedIn: 2, DataFetched: 3 };

/**
 * Whether an event the domain refuses was already applied by this very run: the worker
 * holds the connection's run lock, so a `running.*` status it finds is its own (a connect
 * flow that stored `running.auth`, or a crashed attempt of the same session).
 */
function alreadyApplied(from: AggregationStatus, event: StatusEvent): boolean {
  const reached = RUN_ORDER[from];
  const target = EVENT_TARGET[event._tag];
  return reached !== undefined && target !== undefined && reached >= target;
}

/**
 * Moves a connection's aggregation status through the domain's transition function (under
 * a row lock), writes the change and its history row (`connection_status_history`). A
 * refused move that the run already made is a no-op; any other refused move is logged and
 * leaves the status alone (a status never takes a value the domain does not allow).
 * A connection deactivated while its run was under way (the user withdrew the consent or
 * disconnected: `deactivated` set, the move refused then) is deactivated here as soon as
 * the run settles. Returns the status after the call. `carried`: the caller's own writes of the
 * same transaction (e.g. the session's stage move, carried-sql.ts), written by the move's
 * statement; the tenant's webhook endpoints for the move's events are read by it too (unless
 * the transaction read them already). `alone`: `manager` runs no transaction and the statement is
 * all the move may write, else it is refused as a whole ({@link MoveNeedsTransactionError}).
 */
export async function moveConnection(
  manager: EntityManager,
  ids: { tenantId: string; userId: string; connectionId: string; sessionId: string | null },
  event: StatusEvent,
  now: Date,
  carried: readonly Statement[] = [],
  alone = false,
): Promise<AggregationStatus> {
  // The row lock, the domain's move (its transitions for this event, from every known status,
  // passed as a table) and the history row: one statement. The status read under the lock
  // picks the row of the table; none matches when the domain refuses the move, makes none,
  // or the status is not a known one (then the move is decided here, as before).
  const table = transitionsOf(event);
  // The tenant's webhook endpoints, read by the same statement unless the transaction has them
  // (`alone`: none may be subscribed, the statement refuses the move otherwise).
  const readEndpoints = !alone && !endpointsKnown(manager, ids.tenantId);
  // `carried`: the caller's statements written with the move (carried-sql.ts), e.g. the session's stage move.
  const statement = withCarried(
    {
      text: alone ? MOVE_ALONE_SQL : readEndpoints ? MOVE_AND_ENDPOINTS_SQL : MOVE_SQL,
      values: [ids.connectionId, ids.tenantId, ids.userId, table.map(([f]) => f), table.map(([, t]) => t), now, event._tag === 'ProcessingDone', ids.sessionId],
    },
    carried,
  );
  const rows = (await aloneOrNot(alone, preparedQuery(manager, statement.text, statement.values))) as Array<{ aggregation_status: string; deactivated: boolean; moved_to: string | null; endpoints?: EnabledEndpoint[] }>;
  // Alone, the statement made the move (else it refused it) and no endpoint is subscribed to its events.
  const endpoints = alone ? [] : rows[0]?.endpoints;
  if (endpoints) rememberEndpoints(manager, ids.tenantId, endpoints);
  const from = parseAggregationStatus(rows[0]?.aggregation_status ?? 'inactive');
  let to: AggregationStatus;
  if (rows[0]?.moved_to) {
    to = parseAggregationStatus(rows[0].moved_to);
    await emitStatusChanged(manager, ids, from, to, now, endpoints);
  } else {
    const next = nextAggregationStatus(from, event);
    if (next._tag === 'Failure') {
      if (!alreadyApplied(from, event)) logger.warn(`connection ${ids.connectionId}: ${next.failure.message}`);
      return from;
    }
    to = next.success;
    if (to === from) return from;
    await writeMove(manager, ids, from, to, now, event, undefined, endpoints);
  }
  if (rows[0]?.deactivated !== true) return to;
  // Deactivated while the run was under way: once it settles, the deactivation applies.
  const deactivated = nextAggregationStatus(to, StatusEvent.deactivated());
  if (deactivated._tag === 'Failure') return to;
  await writeMove(manager, ids, to, deactivated.success, now, StatusEvent.deactivated(), undefined, endpoints);
  return deactivated.success;
}

/** The domain's moves for `event` from every known status (only those that change it). */
function transitionsOf(event: StatusEvent): ReadonlyArray<readonly [string, string]> {
  return statusMoves(event);
}

/**
 * A move sent alone — one statement, atomic by itself, with no BEGIN/COMMIT around it (two
 * statements and a round trip fewer) — is refused (SQLSTATE KN001, raised by
 * `kinko_needs_transaction_if`, migration 1797001000000: the whole statement rolls back, its carried
 * writes too) when it would not be all the move writes: the connection deactivated meanwhile
 * (its deactivation follows the move), no move in the table (decided in code), or an enabled
 * webhook endpoint of the tenant subscribed to the move's events (they are written in the move's
 * transaction: none lost on a crash). The caller then runs the move in a transaction.
 */
export class MoveNeedsTransactionError extends Error {
  override readonly name = 'MoveNeedsTransactionError';
}

/** The guard of a move sent alone (its result's WHERE): raises KN001 when `refused` holds or an enabled endpoint of tenant `tenant` is subscribed to a status event. */
const aloneGuard = (refused: string, tenant: string): string =>
  ` WHERE NOT kinko_needs_transaction_if(${refused} OR ${statusEventsSubscribedSql(tenant)})`;

/** `query`, its KN001 refusal (a move sent alone that needs a transaction) as {@link MoveNeedsTransactionError}. */
async function aloneOrNot<T>(alone: boolean, query: Promise<T>): Promise<T> {
  if (!alone) return query;
  try {
    return await query;
  } catch (e) {
    if ((e as { code?: unknown }).code === 'KN001') throw new MoveNeedsTransactionError((e as Error).message);
    throw e;
  }
}

// {@link moveConnection}'s statement: the lock (NO KEY UPDATE, as everywhere in the store), the
// move found in the table ($4 → $5) and its history row; returns the status read under the
// lock and, when the table moved it, the new one.
const moveSql = (withEndpoints: boolean): string => `WITH old AS (SELECT id, aggregation_status, deactivated FROM connections WHERE id = $1 AND tenant_id = $2 AND user_id = $3 FOR NO KEY UPDATE),
   step AS (SELECT old.id, old.aggregation_status AS from_status, v.to_status FROM old JOIN unnest($4::text[], $5::text[]) AS v(from_status, to_status) ON v.from_status = old.aggregation_status),
   moved AS (UPDATE connections c SET aggregation_status = step.to_status, aggregation_status_changed_at = $6,
       last_success_at = CASE WHEN $7 THEN $6 ELSE c.last_success_at END, updated_at = now()
     FROM step WHERE c.id = step.id RETURNING c.id),
   history AS (INSERT INTO connection_status_history (tenant_id, user_id, connection_id, previous_status, status, changed_at, session_id)
     SELECT $2, $3, $1, step.from_status, step.to_status, $6, $8 FROM step)
 SELECT old.aggregation_status, old.deactivated, step.to_status AS moved_to${withEndpoints ? `, ${enabledEndpointsColumn('$2')} AS endpoints` : ''} FROM old LEFT JOIN step ON true`;
const MOVE_SQL = moveSql(false);
// …with the tenant's enabled webhook endpoints (for the move's events: no read of their own).
const MOVE_AND_ENDPOINTS_SQL = moveSql(true);
// …alone (no transaction around it): refused as a whole ({@link aloneGuard}) unless it is all the move writes.
const MOVE_ALONE_SQL = `${MOVE_SQL}${aloneGuard('old.deactivated OR step.to_status IS NULL', '$2')}`;

/**
 * Two events one after the other in one statement ({@link moveConnection}'s for each, e.g. a
 * run's refresh requested then logged in, committed together): the row lock, both moves from
 * the domain's tables and their two history rows. When the pair's table has no row for the
 * status read under the lock (a move refused or not made, an unknown status, a connection
 * deactivated meanwhile), each event is moved on its own, as {@link moveConnection} decides.
 * `alone`: as {@link moveConnection}'s (a pair the table does not have is refused then).
 */
export async function moveConnectionThrough(
  manager: EntityManager,
  ids: { tenantId: string; userId: string; connectionId: string; sessionId: string | null },
  events: readonly [StatusEvent, StatusEvent],
  now: Date,
  carried: readonly Statement[] = [],
  alone = false,
): Promise<AggregationStatus> {
  const [first, second] = events;
  const then = new Map(transitionsOf(second).map(([f, t]) => [f, t]));
  const table = transitionsOf(first).flatMap(([f, m]) => {
    const t = then.get(m);
    return t === undefined ? [] : [[f, m, t] as const];
  });
  const readEndpoints = !alone && !endpointsKnown(manager, ids.tenantId);
  const statement = withCarried(
    {
      text: alone ? MOVE_THROUGH_ALONE_SQL : readEndpoints ? MOVE_THROUGH_AND_ENDPOINTS_SQL : MOVE_THROUGH_SQL,
      values: [ids.connectionId, ids.tenantId, ids.userId, table.map(([f]) => f), table.map(([, m]) => m), table.map(([, , t]) => t), now, second._tag === 'ProcessingDone', ids.sessionId],
    },
    carried,
  );
  const rows = (await aloneOrNot(alone, preparedQuery(manager, statement.text, statement.values))) as Array<{ aggregation_status: string; mid_status: string | null; to_status: string | null; endpoints?: EnabledEndpoint[] }>;
  // Alone, the statement made both moves (else it refused them) and no endpoint is subscribed to their events.
  const r = alone && rows[0] ? { ...rows[0], endpoints: [] } : rows[0];
  if (r?.endpoints && !alone) rememberEndpoints(manager, ids.tenantId, r.endpoints);
  if (!r?.mid_status || !r.to_status) {
    // (`carried` was written by the statement above.)
    await moveConnection(manager, ids, first, now);
    return moveConnection(manager, ids, second, now);
  }
  const from = parseAggregationStatus(r.aggregation_status);
  const mid = parseAggregationStatus(r.mid_status);
  const to = parseAggregationStatus(r.to_status);
  await emitStatusChanged(manager, ids, from, mid, now, r.endpoints);
  await emitStatusChanged(manager, ids, mid, to, now, r.endpoints);
  return to;
}

// {@link moveConnectionThrough}'s statement: the lock, the pair of moves found in the table
// ($4 → $5 → $6; none when the connection was deactivated meanwhile) and their history rows in order.
const moveThroughSql = (withEndpoints: boolean): string => `WITH old AS (SELECT id, aggregation_status, deactivated FROM connections WHERE id = $1 AND tenant_id = $2 AND user_id = $3 FOR NO KEY UPDATE),
   step AS (SELECT old.id, old.aggregation_status AS from_status, v.mid_status, v.to_status FROM old
              JOIN unnest($4::text[], $5::text[], $6::text[]) AS v(from_status, mid_status, to_status) ON v.from_status = old.aggregation_status AND NOT old.deactivated),
   moved AS (UPDATE connections c SET aggregation_status = step.to_status, aggregation_status_changed_at = $7,
       last_success_at = CASE WHEN $8 THEN $7 ELSE c.last_success_at END, updated_at = now()
     FROM step WHERE c.id = step.id RETURNING c.id),
   history AS (INSERT INTO connection_status_history (tenant_id, user_id, connection_id, previous_status, status, changed_at, session_id)
     SELECT $2, $3, $1, h.previous_status, h.status, $7, $9 FROM step CROSS JOIN LATERAL (VALUES (1, step.from_status, step.mid_status), (2, step.mid_status, step.to_status)) AS h(n, previous_status, status) ORDER BY h.n)
 SELECT old.aggregation_status, step.mid_status, step.to_status${withEndpoints ? `, ${enabledEndpointsColumn('$2')} AS endpoints` : ''} FROM old LEFT JOIN step ON true`;
const MOVE_THROUGH_SQL = moveThroughSql(false);
const MOVE_THROUGH_AND_ENDPOINTS_SQL = moveThroughSql(true);
// …alone (no transaction around it): refused as a whole unless it is all the moves write (the step excludes a deactivated connection).
const MOVE_THROUGH_ALONE_SQL = `${MOVE_THROUGH_SQL}${aloneGuard('step.to_status IS NULL', '$2')}`;

/**
 * The strict move, for requests (connect, reconnect, deactivate, reactivate, login,
 * withdrawal, the challenge sweeper): under the connection's row lock, the domain's
 * transition from the status the row has now (not a copy read earlier); a refused move
 * writes nothing and is returned. `deactivated` is set in the same write when given.
 */
export async function tryMoveConnection(
  manager: EntityManager,
  ids: { tenantId: string; userId: string; connectionId: string; sessionId: string | null },
  event: StatusEvent,
  now: Date,
  options: { readonly deactivated?: boolean } = {},
): Promise<Result.Result<AggregationStatus, InvalidStatusTransition>> {
  const rows = (await preparedQuery(manager, `SELECT aggregation_status FROM connections WHERE id = $1 AND tenant_id = $2 AND user_id = $3 FOR NO KEY UPDATE`, [
    ids.connectionId,
    ids.tenantId,
    ids.userId,
  ])) as Array<{ aggregation_status: string }>;
  const from = parseAggregationStatus(rows[0]?.aggregation_status ?? 'inactive');
  const next = nextAggregationStatus(from, event);
  if (Result.isFailure(next)) return next;
  await writeMove(manager, ids, from, next.success, now, event, options.deactivated);
  return Result.succeed(next.success);
}

/**
 * A brand-new connection with its first status (no transition from nothing) and the first
 * row of its history, in the caller's transaction.
 */
export async function createConnection(
  manager: EntityManager,
  scope: { tenantId: string; userId: string },
  connection: { readonly id: string; readonly connectorId: string; readonly bankId: string },
  status: AggregationStatus,
  now: Date,
): Promise<void> {
  await manager.getRepository(Connection).insert({
    ...connection,
    tenantId: scope.tenantId,
    userId: scope.userId,
    aggregationStatus: status,
    aggregationStatusChangedAt: now,
    lastSuccessAt: null,
    deactivated: false,
  });
  await preparedQuery(
    manager,
    `INSERT INTO connection_status_history (tenant_id, user_id, connection_id, previous_status, status, changed_at, session_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [scope.tenantId, scope.userId, connection.id, null, status, now, null],
  );
}

/**
 * Deactivation (the user withdrew the current consent or disconnected): the connection is
 * marked `deactivated` first — the UPDATE takes the row lock, so a run settling at the same
 * moment either sees the mark ({@link moveConnection} then deactivates it as it settles) or
 * has committed its settled status, which the move below reads and deactivates. The move is
 * the domain's `event` (the decision's), refused while a run is under way: the refusal is
 * returned (the mark stays). An inactive connection stays as it is.
 */
export async function deactivateConnection(
  manager: EntityManager,
  ids: { tenantId: string; userId: string; connectionId: string },
  event: StatusEvent,
  now: Date,
): Promise<Result.Result<AggregationStatus, InvalidStatusTransition>> {
  const rows = (await preparedQuery(manager, `UPDATE connections SET deactivated = true, updated_at = now() WHERE id = $1 AND tenant_id = $2 AND user_id = $3 RETURNING aggregation_status`, [
    ids.connectionId,
    ids.tenantId,
    ids.userId,
  ])) as Array<{ aggregation_status: string }>;
  const from = parseAggregationStatus(rows[0]?.aggregation_status ?? 'inactive');
  if (from === 'inactive') return Result.succeed(from);
  return tryMoveConnection(manager, { ...ids, sessionId: null }, event, now, { deactivated: true });
}

async function writeMove(
  manager: EntityManager,
  ids: { tenantId: string; userId: string; connectionId: string; sessionId: string | null },
  from: AggregationStatus,
  to: AggregationStatus,
  now: Date,
  event: StatusEvent,
  deactivated?: boolean,
  endpoints?: readonly EnabledEndpoint[],
): Promise<void> {
  // A run that finished is a success; a reactivation that restores `success` is not a new one.
  // The status and its history row: one statement.
  await preparedQuery(
    manager,
    `WITH moved AS (
       UPDATE connections SET aggregation_status = $4, aggregation_status_changed_at = $5,
           last_success_at = CASE WHEN $7 THEN $5 ELSE last_success_at END,
           deactivated = COALESCE($6::boolean, deactivated), updated_at = now()
         WHERE id = $1 AND tenant_id = $2 AND user_id = $3)
     INSERT INTO connection_status_history (tenant_id, user_id, connection_id, previous_status, status, changed_at, session_id) VALUES ($2, $3, $1, $8, $4, $5, $9)`,
    [ids.connectionId, ids.tenantId, ids.userId, to, now, deactivated ?? null, event._tag === 'ProcessingDone', from, ids.sessionId],
  );
  // The tenant's webhooks, in this transaction (webhooks/tenant-events.ts).
  await emitStatusChanged(manager, ids, from, to, now, endpoints);
}

/** Whether a status means a run is under way (running or waiting for an answer). */
export const isRunning = (status: string): boolean => {
  const group = aggregationStatusGroup(parseAggregationStatus(status));
  return group === 'running' || group === 'waiting';
};
