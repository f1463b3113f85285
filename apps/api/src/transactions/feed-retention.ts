import type { EntityManager } from 'typeorm';

/** Log rows deleted per statement (a round repeats it up to {@link MAX_BATCHES_PER_ROUND} times). */
const BATCH = 5_000;
const MAX_BATCHES_PER_ROUND = 20;

// One batch: the oldest log rows logged before $1 are deleted, and each user's horizon — the
// newest position pruned from their log — moves up to the newest one deleted. A cursor below a
// user's horizon is unusable (410): the reader might have missed a removal (transaction-feed.service.ts).
const PRUNE_SQL = `WITH doomed AS (
    SELECT seq FROM transaction_changes WHERE created_at < $1 ORDER BY created_at, seq LIMIT $2 FOR UPDATE SKIP LOCKED
  ), gone AS (
    DELETE FROM transaction_changes c USING doomed d WHERE c.seq = d.seq RETURNING c.tenant_id, c.user_id, c.txid, c.seq
  ), horizon AS (
    SELECT DISTINCT ON (tenant_id, user_id) tenant_id, user_id, txid, seq FROM gone ORDER BY tenant_id, user_id, txid DESC, seq DESC
  ), moved AS (
    UPDATE users u SET feed_pruned_txid = h.txid, feed_pruned_seq = h.seq FROM horizon h
     WHERE u.tenant_id = h.tenant_id AND u.id = h.user_id
       AND (u.feed_pruned_txid IS NULL OR (u.feed_pruned_txid, u.feed_pruned_seq) < (h.txid, h.seq))
    RETURNING u.id
  )
  SELECT (SELECT count(*) FROM gone)::int AS pruned, (SELECT count(*) FROM moved)::int AS users`;

/**
 * Prunes the change feed's log (`transaction_changes`): every row logged before `cutoff`
 * (now − the retention), oldest first, in batches; each affected user's pruned horizon moves
 * with it. Run by the scheduler's round (sync-scheduler.ts). Returns the rows deleted.
 * After pruning, an empty cursor still reproduces the listing (the feed starts from a
 * snapshot of the user's transactions when their log was pruned), and a cursor before the
 * horizon answers `cursor-unusable` — never a silent skip.
 */
export async function pruneFeedLog(manager: EntityManager, cutoff: Date): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_BATCHES_PER_ROUND; i += 1) {
    const [row] = (await manager.query(PRUNE_SQL, [cutoff, BATCH])) as Array<{ pruned: number }>;
    const pruned = row?.pruned ?? 0;
    total += pruned;
    if (pruned < BATCH) break;
  }
  return total;
}

/** The cutoff of a retention in days, from `now`. */
export const feedRetentionCutoff = (now: Date, retentionDays: number): Date => new Date(now.getTime() - retentionDays * 86_400_000);
