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
  readonly seq: string;
}

const START: FeedPosition = { txid: '0', seq: '0' };
const CURSOR_VERSION = 1;
const DECIMAL = /^(0|[1-9]\d{0,18})$/;
const MAX_INT8 = 2n ** 63n - 1n;

/** The opaque cursor of a feed position: base64url of a versioned JSON. */
export const encodeFeedCursor = (p: FeedPosition): string => Buffer.from(JSON.stringify({ v: CURSOR_VERSION, x: p.txid, s: p.seq }), 'utf8').toString('base64url');

/**
 * Reads a feed cursor (empty: the beginning). {@link InvalidCursorError} when it is not one of
 * ours; {@link CursorUnusableError} when it is of a format (version) this server does not serve.
 */
export function decodeFeedCursor(cursor: string | undefined): FeedPosition {
  if (cursor === undefined || cursor === '') return START;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (typeof parsed !== 'object' || parsed === null || !('v' in parsed) || typeof parsed.v !== 'number') throw new InvalidCursorError();
  if (parsed.v !== CURSOR_VERSION) throw new CursorUnusableError('The cursor is of a feed format this server does not serve; read the feed again from an empty cursor.');
  const p = parsed as { x?: unknown; s?: unknown };
  if (typeof p.x !== 'string' || typeof p.s !== 'string' || !DECIMAL.test(p.x) || !DECIMAL.test(p.s) || BigInt(p.x) > MAX_INT8 || BigInt(p.s) > MAX_INT8) {
    throw new InvalidCursorError();
  }
  return { txid: p.x, seq: p.s };
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

// A cursor names a change of this user that exists, below every transaction id yet assigned.
const KNOWN_SQL = `SELECT EXISTS (SELECT 1 FROM transaction_changes WHERE user_id = $1 AND tenant_id = $2 AND txid = $3::bigint AND seq = $4::bigint)
     AND $3::bigint < pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS known`;

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
    const after = decodeFeedCursor(cursor);
    if (after.txid !== START.txid || after.seq !== START.seq) {
      const [check] = await this.sql.rows<{ known: boolean }>(KNOWN_SQL, [scope.userId, scope.tenantId, after.txid, after.seq]);
      if (check?.known !== true) throw new CursorUnusableError();
    }
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
}
