import { type InvalidStatusTransition, type StatusEvent, nextAggregationStatus, parseAggregationStatus } from '@kinko/domain';
import { Result } from 'effect';
import type { ScopedData, UserScope } from '../database/scoped-data';
import { emitStatusChanged } from '../webhooks/tenant-events';
import { ConnectionStatusChange } from './connection-status-change.entity';
import { Connection } from './connection.entity';

/**
 * Moves a connection's aggregation status by a domain event (`nextAggregationStatus`
 * decides; an impossible move changes nothing and is returned as the domain's error), and
 * records the change in the status history. Call inside `data.transaction`.
 */
export async function moveConnectionStatus(
  tx: ScopedData,
  scope: UserScope,
  connection: Connection,
  event: StatusEvent,
  now: Date,
  extra: Partial<Pick<Connection, 'deactivated'>> = {},
): Promise<Result.Result<string, InvalidStatusTransition>> {
  const next = nextAggregationStatus(parseAggregationStatus(connection.aggregationStatus), event);
  if (Result.isFailure(next)) return Result.fail(next.failure);
  await setConnectionStatus(tx, scope, connection, next.success, now, extra);
  return Result.succeed(next.success);
}

/** Writes a status (already decided by a domain rule) and its history row. */
export async function setConnectionStatus(
  tx: ScopedData,
  scope: UserScope,
  connection: Connection,
  status: string,
  now: Date,
  extra: Partial<Pick<Connection, 'deactivated'>> = {},
): Promise<void> {
  await tx.forUser(Connection, scope).updateOne({ id: connection.id }, { aggregationStatus: status, aggregationStatusChangedAt: now, ...extra });
  await tx.forUser(ConnectionStatusChange, scope).insert({ connectionId: connection.id, previousStatus: connection.aggregationStatus, status, changedAt: now, sessionId: null });
  // The tenant's webhooks, in this transaction (webhooks/tenant-events.ts).
  if (status !== connection.aggregationStatus) {
    await emitStatusChanged(tx.manager, { ...scope, connectionId: connection.id, sessionId: null }, parseAggregationStatus(connection.aggregationStatus), parseAggregationStatus(status), now);
  }
}

/**
 * The settled status a deactivated connection had before (recorded in the history when it
 * was deactivated): what reactivation restores. Undefined when the history does not say.
 */
export async function statusBeforeDeactivation(data: ScopedData, scope: UserScope, connectionId: string): Promise<string | undefined> {
  const [last] = await data.forUser(ConnectionStatusChange, scope).find({ where: { connectionId, status: 'inactive' }, order: { changedAt: 'DESC', id: 'DESC' }, take: 1 });
  return last?.previousStatus ?? undefined;
}
