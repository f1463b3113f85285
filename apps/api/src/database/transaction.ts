import type { ClientBase } from 'pg';
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import { holdWritesThisTurn } from './write-holding-client';

/** The isolation levels a transaction may ask for (PostgreSQL's; READ UNCOMMITTED is READ COMMITTED there). */
export type TransactionIsolation = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

// Fixed texts only: a BEGIN that failed while the statements behind it ran would leave them each
// committed on its own (see runTransaction), so BEGIN is never built from a caller's string.
const BEGIN: Readonly<Record<TransactionIsolation | 'default', string>> = {
  default: 'BEGIN',
  'READ COMMITTED': 'BEGIN ISOLATION LEVEL READ COMMITTED',
  'REPEATABLE READ': 'BEGIN ISOLATION LEVEL REPEATABLE READ',
  SERIALIZABLE: 'BEGIN ISOLATION LEVEL SERIALIZABLE',
};

/** A COMMIT of a transaction a failed statement had aborted: PostgreSQL rolled it back. */
export class TransactionRolledBackError extends Error {
  override readonly name = 'TransactionRolledBackError';
  constructor() {
    super('the transaction was rolled back at COMMIT: a statement in it had failed');
  }
}

/**
 * Runs `work` in one transaction on one pooled connection, its `m` an EntityManager on that
 * connection (so `m.query`, repositories, query builders and `preparedQuery(m, …)` all take part),
 * and commits it; rolls it back when `work` throws (or anything in it fails) and rethrows.
 * The one way Kinko runs a transaction.
 *
 * What it saves over TypeORM's `dataSource.transaction`: BEGIN (with the isolation level in it:
 * one statement where TypeORM sends START TRANSACTION then SET TRANSACTION) is written without
 * waiting for its answer. On the app's pipelined pool (data-source.ts) it leaves with the first
 * statement, one round trip fewer per transaction; on a client without pipelining the first
 * statement simply queues behind it. COMMIT is awaited as before.
 *
 * - TypeORM takes the connection as in a transaction (the query runner's public
 *   `isTransactionActive`), so an entity `save` or `remove` inside runs in this transaction instead
 *   of opening one of its own. `m.transaction(…)` inside is not supported (TypeORM would send a
 *   START TRANSACTION and a COMMIT of its own): run everything on `m`.
 * - BEGIN's own failure rejects this promise (never an unhandled rejection). It fails only with
 *   its connection (then every statement behind it fails too).
 * - A COMMIT that PostgreSQL answers as a ROLLBACK (a failed statement aborted the transaction and
 *   `work` swallowed its error) rejects with {@link TransactionRolledBackError}: nothing was stored.
 * - A connection whose ROLLBACK failed is closed, never handed back to the pool as healthy.
 * - TypeORM's transaction subscribers see the same events, in the same order, as with
 *   `dataSource.transaction` (afterTransactionCommit runs on the connection before it is released);
 *   a COMMIT answered as a ROLLBACK is reported to them as a rollback.
 */
export function runTransaction<T>(dataSource: DataSource, work: (m: EntityManager) => Promise<T>): Promise<T>;
export function runTransaction<T>(dataSource: DataSource, isolation: TransactionIsolation, work: (m: EntityManager) => Promise<T>): Promise<T>;
export async function runTransaction<T>(
  dataSource: DataSource,
  isolationOrWork: TransactionIsolation | ((m: EntityManager) => Promise<T>),
  maybeWork?: (m: EntityManager) => Promise<T>,
): Promise<T> {
  const [begin, work] = typeof isolationOrWork === 'function' ? [BEGIN.default, isolationOrWork] : [BEGIN[isolationOrWork], maybeWork];
  if (!work) throw new Error('runTransaction needs the work to run');
  const runner = dataSource.createQueryRunner();
  try {
    const client = (await runner.connect()) as ClientBase;
    // TypeORM's own order of the transaction events its subscribers see (sync-worker's wake on
    // commit, metrics/session-ends' report), on the query runner's public broadcaster (an event no
    // subscriber listens to is not broadcast: see broadcast below).
    setTransactionActive(runner, true);
    const beforeStart = broadcast(dataSource, runner, 'BeforeTransactionStart');
    if (beforeStart) await beforeStart;
    // Written now, answered later: its outcome is kept (never an unhandled rejection) and checked
    // before COMMIT.
    let beginFailure: { readonly error: unknown } | undefined;
    // BEGIN is held (on the app's pool) until the work this turn can reach has run, so it leaves
    // in one write with the first statement: one send for the kernel and PostgreSQL to handle
    // instead of two.
    holdWritesThisTurn(client);
    const begun = client.query(begin).then(
      () => undefined,
      (error: unknown) => {
        beginFailure = { error };
      },
    );
    let result: T;
    try {
      const afterStart = broadcast(dataSource, runner, 'AfterTransactionStart');
      if (afterStart) await afterStart;
      result = await work(runner.manager);
      await begun;
      if (beginFailure) throw beginFailure.error;
      const beforeCommit = broadcast(dataSource, runner, 'BeforeTransactionCommit');
      if (beforeCommit) await beforeCommit;
    } catch (error) {
      await begun;
      await rollback(dataSource, runner, client);
      throw error;
    }
    const committed = await client.query('COMMIT').catch(async (error: unknown) => {
      await rollback(dataSource, runner, client);
      throw error;
    });
    if (committed.command === 'ROLLBACK') {
      await rollback(dataSource, runner, client, { alreadyRolledBack: true });
      throw new TransactionRolledBackError();
    }
    setTransactionActive(runner, false);
    const afterCommit = broadcast(dataSource, runner, 'AfterTransactionCommit');
    if (afterCommit) await afterCommit;
    return result;
  } finally {
    setTransactionActive(runner, false);
    await runner.release();
  }
}

// TypeORM's QueryRunner classes declare `isTransactionActive` as a public, writable field (the
// QueryRunner interface shows it read-only): TypeORM reads it to decide whether an entity save
// must open a transaction of its own.
function setTransactionActive(runner: QueryRunner, active: boolean): void {
  (runner as { isTransactionActive: boolean }).isTransactionActive = active;
}

// A ROLLBACK that fails leaves the connection in an unknown state: it is closed (the pool drops a
// client that is ending when it is released) instead of being reused. Never throws: the caller
// rethrows the error that made it roll back.
async function rollback(dataSource: DataSource, runner: QueryRunner, client: ClientBase, options: { readonly alreadyRolledBack?: boolean } = {}): Promise<void> {
  await broadcast(dataSource, runner, 'BeforeTransactionRollback')?.catch(() => undefined);
  if (!options.alreadyRolledBack) {
    try {
      await client.query('ROLLBACK');
    } catch {
      (client as ClientBase & { end(): Promise<void> }).end().catch(() => undefined);
    }
  }
  setTransactionActive(runner, false);
  await broadcast(dataSource, runner, 'AfterTransactionRollback')?.catch(() => undefined);
}

/** The subscriber method TypeORM calls for each transaction event. */
const TRANSACTION_HOOKS = {
  BeforeTransactionStart: 'beforeTransactionStart',
  AfterTransactionStart: 'afterTransactionStart',
  BeforeTransactionCommit: 'beforeTransactionCommit',
  AfterTransactionCommit: 'afterTransactionCommit',
  BeforeTransactionRollback: 'beforeTransactionRollback',
  AfterTransactionRollback: 'afterTransactionRollback',
} as const satisfies Record<string, keyof EntitySubscriberInterface>;

/**
 * `event` on the query runner's public broadcaster, or undefined (nothing to wait for) when no
 * subscriber of the data source has its method: TypeORM calls the subscribers' method only (a
 * transaction event has no entity listeners), so nobody would be called. A worker's subscribers
 * listen to commits and rollbacks only, and each broadcast costs its caller an async call of its
 * own and two more of TypeORM's; that is 3 of 4 per committed transaction saved.
 */
function broadcast(dataSource: DataSource, runner: QueryRunner, event: keyof typeof TRANSACTION_HOOKS): Promise<void> | undefined {
  const hook = TRANSACTION_HOOKS[event];
  return dataSource.subscribers.some((s) => Boolean(s[hook])) ? runner.broadcaster.broadcast(event) : undefined;
}
