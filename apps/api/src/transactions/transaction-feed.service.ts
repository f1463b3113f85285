import { Injectable } from '@nestjs/common';
import { CursorUnusableError, InvalidCursorError } from '../common/errors';
import { PreparedSql } from '../database/prepared-sql';
import type { UserScope } from '../database/scoped-data';
import type { TransactionChangeKind } from './transaction-change.entity';
import { type RawTransactionRow, type TransactionRow, toRow, transactionColumns } from './transactions.service';

/** A place in a user's change feed: after the change (txid, seq); (0, 0) is the beginning. */
interface FeedPosition {
  /** The writing transaction's id (xid8, as decimal text). */
  readonly txid: string;
  /** The change's seq; '0': the start of transaction `txid` (a position the feed hands out after a snapshot). */
  readonly seq: string;
}

/**
 * The start of the feed of a user whose log was pruned: their transactions as they are, by
 * (account id, id) after (`account`, `id`), then the log from `from` on — (xmin, 0) of the
 * first page's snapshot: every change below it is in the rows read, any later one in the log.
 */
interface SnapshotPosition {
  readonly from: FeedPosition;
  readonly account: string;
  readonly id: string;
}

const START: FeedPosition = { txid: '0', seq: '0' };
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const CURSOR_VERSION = 1;
const DECIMAL = /^(0|[1-9]\d{0,18})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_INT8 = 2n ** 63n - 1n;

/** The opaque cursor of a feed position: base64url of a versioned JSON. */
export const encodeFeedCursor = (p: FeedPosition): string => Buffer.from(JSON.stringify({ v: CURSOR_VERSION, x: p.txid, s: p.seq }), 'utf8').toString('base64url');
const encodeSnapshotCursor = (p: SnapshotPosition): string =>
  Buffer.from(JSON.stringify({ v: CURSOR_VERSION, x: p.from.txid, s: p.from.seq, a: p.account, i: p.id }), 'utf8').toString('base64url');

const isSnapshot = (p: FeedPosition | SnapshotPosition): p is SnapshotPosition => 'from' in p;
const isStart = (p: FeedPosition | SnapshotPosition): boolean => !isSnapshot(p) && p.txid === START.txid && p.seq === START.seq;
/** a < b in feed order. */
const before = (a: FeedPosition, b: FeedPosition): boolean => BigInt(a.txid) < BigInt(b.txid) || (a.txid === b.txid && BigInt(a.seq) < BigInt(b.seq));

/**
 * Reads a feed cursor (empty: the beginning). {@link InvalidCursorError} when it is not one of
 * ours; {@link CursorUnusableError} when it is of a format (version) this server does not serve.
 */
export function decodeFeedCursor(cursor: string | undefined): FeedPosition | SnapshotPosition {
  if (cursor === undefined || cursor === '') return START;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (typeof parsed !== 'object' || parsed === null || !('v' in parsed) || typeof parsed.v !== 'number') throw new InvalidCursorError();
  if (parsed.v !== CURSOR_VERSION) throw new CursorUnusableError('The cursor is of a feed format this server does not serve; read the feed again from an empty cursor.');
  const p = parsed as { x?: unknown; s?: unknown; a?: unknown; i?: unknown };
  if (typeof p.x !== 'string' || typeof p.s !== 'string' || !DECIMAL.test(p.x) || !DECIMAL.test(p.s) || BigInt(p.x) > MAX_INT8 || BigInt(p.s) > MAX_INT8) {
    throw new InvalidCursorError();
  }
  const position = { txid: p.x, seq: p.s };
  if (p.a === undefined && p.i === undefined) return position;
  if (typeof p.a !== 'string' || typeof p.i !== 'string' || !UUID.test(p.a) || !UUID.test(p.i) || p.s !== '0') throw new InvalidCursorError();
  return { from: position, account: p.a, id: p.i };
}

/** A transaction gone from the listing: deleted, or replaced by its booked successor. */
export interface RemovedTransaction {
  readonly id: string;
  readonly accountId: string;
  /** For a pending/hold/scheduled row a booked transaction replaced: that booked transaction. */
  readonly successorId: string | null;
}

/** One page of the change feed. */
export interface FeedPage {
  readonly added: TransactionRow[];
  readonly modified: TransactionRow[];
  readonly removed: RemovedTransaction[];
  readonly nextCursor: string;
  readonly hasMore: boolean;
}

type FeedRow = { txid: string; seq: string; change: TransactionChangeKind; transaction_id: string; change_account_id: string } & (RawTransactionRow | { [K in keyof RawTransactionRow]: null });

/**
 * A page of a user's changes ($1 user, $2 tenant, after ($3 txid, $4 seq), $5 rows).
 * The one access path: the index (user_id, txid, seq) from the cursor on, in its order, below
 * the snapshot's xmin — every transaction with a smaller id has ended, so no change can still
 * appear below the page's last position. Each change joins the row's current state (primary key).
 */
export const FEED_PAGE_SQL = `SELECT c.txid::text AS txid, c.seq::text AS seq, c.change, c.transaction_id, c.account_id AS change_account_id, ${transactionColumns('t')}
    FROM transaction_changes c
    LEFT JOIN transactions t ON t.user_id = c.user_id AND t.account_id = c.account_id AND t.id = c.transaction_id
   WHERE c.user_id = $1 AND c.tenant_id = $2 AND (c.txid, c.seq) > ($3::bigint, $4::bigint)
     AND c.txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
   ORDER BY c.txid, c.seq
   LIMIT $5`;

// The user's pruned horizon, the snapshot's xmin, and whether a position can be served: a
// change of this user that exists (below every transaction id yet assigned), or the start of a
// transaction not after the next one to be assigned (seq 0: handed out after a snapshot).
const STATE_SQL = `SELECT u.feed_pruned_txid::text AS horizon_txid, u.feed_pruned_seq::text AS horizon_seq,
       pg_snapshot_xmin(pg_current_snapshot())::text AS xmin,
       CASE WHEN $4::bigint = 0 THEN $3::bigint <= pg_snapshot_xmax(pg_current_snapshot())::text::bigint
            ELSE $3::bigint < pg_snapshot_xmax(pg_current_snapshot())::text::bigint
                 AND EXISTS (SELECT 1 FROM transaction_changes WHERE user_id = $1 AND tenant_id = $2 AND txid = $3::bigint AND seq = $4::bigint) END AS known
  FROM users u WHERE u.id = $1 AND u.tenant_id = $2`;

/** A page of the user's current transactions ($1 user, $2 tenant) after ($3 account, $4 id), $5 rows: the primary key's order. */
const SNAPSHOT_PAGE_SQL = `SELECT ${transactionColumns('t')} FROM transactions t
   WHERE t.user_id = $1 AND t.tenant_id = $2 AND t.linked_booked_id IS NULL AND (t.account_id, t.id) > ($3::uuid, $4::uuid)
   ORDER BY t.account_id, t.id
   LIMIT $5`;

/**
 * The transactions change feed of a user (`GET /api/v2/transactions/sync`): what was added,
 * modified and removed across all the user's accounts since a cursor, from the
 * `transaction_changes` log the triggers on `transactions` write in the same transaction as
 * each change. Applying every page in order — added and modified as upserts by id, removed
 * as deletes — reproduces the listing (superseded rows are removed, with their successor).
 */
@Injectable()
export class TransactionFeedService {
  constructor(private readonly sql: PreparedSql) {}

  /** The changes after `cursor` (none: from the beginning), at most `count` of them. */
  async page(scope: UserScope, cursor: string | undefined, count: number): Promise<FeedPage> {
    const position = decodeFeedCursor(cursor);
    const at = isSnapshot(position) ? position.from : position;
    const [state] = await this.sql.rows<{ horizon_txid: string | null; horizon_seq: string | null; xmin: string; known: boolean }>(STATE_SQL, [scope.userId, scope.tenantId, at.txid, at.seq]);
    const horizon = state?.horizon_txid != null && state.horizon_seq != null ? { txid: state.horizon_txid, seq: state.horizon_seq } : null;
    // The user's log was pruned (feed-retention.ts): the beginning is a snapshot of their
    // transactions, then the log from the snapshot's xmin — and past the horizon (a transaction
    // below a pruned change's id still running then would have run for the whole retention).
    if (isStart(position) && horizon !== null && state) {
      const from = BigInt(state.xmin) > BigInt(horizon.txid) ? state.xmin : String(BigInt(horizon.txid) + 1n);
      return this.snapshotPage(scope, { from: { txid: from, seq: '0' }, account: NIL_UUID, id: NIL_UUID }, count);
    }
    // Before the horizon a removal may have been pruned: never skip it silently. (x, 0) is the
    // start of transaction x: usable only while nothing of x or later was pruned.
    const pastHorizon = horizon === null || (at.seq === '0' ? BigInt(at.txid) > BigInt(horizon.txid) : !before(at, horizon));
    if (!isStart(position) && (state?.known !== true || !pastHorizon)) throw new CursorUnusableError();
    if (isSnapshot(position)) return this.snapshotPage(scope, position, count);
    const after = position;
    const raw = await this.sql.rows<FeedRow>(FEED_PAGE_SQL, [scope.userId, scope.tenantId, after.txid, after.seq, count + 1]);
    const changes = raw.slice(0, count);
    // A row changed several times in the page is shown once, as it is now.
    const seen = new Map<string, { row: FeedRow; added: boolean }>();
    for (const c of changes) {
      const earlier = seen.get(c.transaction_id);
      seen.set(c.transaction_id, { row: c, added: (earlier?.added ?? false) || c.change === 'added' });
    }
    const added: TransactionRow[] = [];
    const modified: TransactionRow[] = [];
    const removed: RemovedTransaction[] = [];
    for (const { row, added: isNew } of seen.values()) {
      if (row.id === null) removed.push({ id: row.transaction_id, accountId: row.change_account_id, successorId: null });
      else if (row.linked_booked_id !== null) removed.push({ id: row.id, accountId: row.account_id, successorId: row.linked_booked_id });
      else (isNew ? added : modified).push(toRow(row));
    }
    const last = changes[changes.length - 1];
    return { added, modified, removed, nextCursor: encodeFeedCursor(last ? { txid: last.txid, seq: last.seq } : after), hasMore: raw.length > count };
  }

  /** A page of the snapshot start: the user's transactions as they are (all added), then on to the log from `from`. */
  private async snapshotPage(scope: UserScope, at: SnapshotPosition, count: number): Promise<FeedPage> {
    const raw = await this.sql.rows<RawTransactionRow>(SNAPSHOT_PAGE_SQL, [scope.userId, scope.tenantId, at.account, at.id, count + 1]);
    const rows = raw.slice(0, count);
    const last = rows[rows.length - 1];
    const more = raw.length > count && last !== undefined;
    return {
      added: rows.map(toRow),
      modified: [],
      removed: [],
      nextCursor: more ? encodeSnapshotCursor({ from: at.from, account: last.account_id, id: last.id }) : encodeFeedCursor(at.from),
      // The log from the snapshot's position is still to read.
      hasMore: true,
    };
  }
}
