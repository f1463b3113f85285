import { ConflictError, type ConflictReason } from '../common/errors';
import type { SkippedConnection, SyncSkipReason } from '../sync/sync.types';

/** The conflict a sync request answers when it left a connection out for this reason. */
const CONFLICT_OF_SKIP: Readonly<Record<SyncSkipReason, ConflictReason>> = {
  inactive: 'connection-inactive',
  'no-grant': 'not-connected',
  'consent-expired': 'consent-expired',
  'consent-not-active': 'consent-not-active',
  // Only the scheduler skips for this; a request from the API never does.
  'needs-user': 'nothing-to-sync',
  'unknown-connector': 'connector-not-configured',
};

/** Every reason a sync request leaves a connection out (the API's enum is this list). */
export const SYNC_SKIP_REASONS = Object.keys(CONFLICT_OF_SKIP) as SyncSkipReason[];

/** Every conflict a sync request can answer with. */
export const SYNC_CONFLICTS: readonly ConflictReason[] = ['nothing-to-sync', ...new Set(Object.values(CONFLICT_OF_SKIP))];

/**
 * The conflict for a sync request that started nothing: the skip reason's own kind when every
 * connection was left out for the same reason, `nothing-to-sync` otherwise.
 */
export function nothingSynced(skipped: readonly SkippedConnection[], message: string): ConflictError {
  const reasons = new Set(skipped.map((s) => s.reason));
  const [only] = reasons;
  return new ConflictError(reasons.size === 1 && only !== undefined ? CONFLICT_OF_SKIP[only] : 'nothing-to-sync', message);
}
