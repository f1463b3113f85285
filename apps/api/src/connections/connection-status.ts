import type { InvalidStatusTransition, StatusEvent } from '@kinko/domain';
import { Result } from 'effect';
import type { ScopedData, UserScope } from '../database/scoped-data';
import { tryMoveConnection } from '../sync/connection-status';
import { ConnectionStatusChange } from './connection-status-change.entity';
import type { Connection } from './connection.entity';

/**
 * Moves a connection's aggregation status by a domain event, through the one writer
 * (`sync/connection-status.ts`): under the connection's row lock, `nextAggregationStatus`
 * decides from the status the row has now (the `connection` passed in names the row; its
 * possibly stale status is not trusted); an impossible move changes nothing and is returned
 * as the domain's error; the change, its history row and the tenant's webhook are written in
 * the caller's transaction. Call inside `data.transaction`.
 */
export async function moveConnectionStatus(
  tx: ScopedData,
  scope: UserScope,
  connection: Pick<Connection, 'id'>,
  event: StatusEvent,
  now: Date,
  extra: Partial<Pick<Connection, 'deactivated'>> = {},
): Promise<Result.Result<string, InvalidStatusTransition>> {
  return tryMoveConnection(tx.manager, { ...scope, connectionId: connection.id, sessionId: null }, event, now, extra.deactivated === undefined ? {} : { deactivated: extra.deactivated });
}

/**
 * The settled status a deactivated connection had before (recorded in the history when it
 * was deactivated): what reactivation restores. Undefined when the history does not say.
 */
export async function statusBeforeDeactivation(data: ScopedData, scope: UserScope, connectionId: string): Promise<string | undefined> {
  const [last] = await data.forUser(ConnectionStatusChange, scope).find({ where: { connectionId, status: 'inactive' }, order: { changedAt: 'DESC', id: 'DESC' }, take: 1 });
  return last?.previousStatus ?? undefined;
}
