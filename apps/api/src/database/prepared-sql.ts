import { Injectable, Logger } from '@nestjs/common';
import type { Pool, QueryResultRow } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';

/** Above this, a statement is logged as slow (TypeORM's `maxQueryExecutionTime` for the app). */
const SLOW_MS = 2_000;

/**
 * Names for named prepared statements: a stable `<prefix>_<n>` per distinct statement text
 * (pg prepares a name once per connection and refuses one name for two texts). With a `limit`,
 * a text beyond the first `limit` distinct ones gets no name (undefined: run it unnamed).
 */
export function statementNamer(prefix: string): (text: string) => string;
export function statementNamer(prefix: string, limit: number): (text: string) => string | undefined;
export function statementNamer(prefix: string, limit = Number.POSITIVE_INFINITY): (text: string) => string | undefined {
  const names = new Map<string, string>();
  return (text) => {
    let name = names.get(text);
    if (name === undefined) {
      if (names.size >= limit) return undefined;
      name = `${prefix}_${names.size + 1}`;
      names.set(text, name);
    }
    return name;
  };
}

// One namer for the process: a name always means the same text, whichever pool runs it.
const statementName = statementNamer('kinko_sql');

const NEEDS_ESCAPE = /["\\]/;

/**
 * A one-dimensional array parameter as the PostgreSQL array literal pg would send for it
 * (`{"a","b\\"c",NULL,"1"}`: the same text as pg's own `prepareValue`), for arrays of
 * strings, numbers, booleans, bigints and nulls; `undefined` for any other element (a Date,
 * an object, a nested array: left to pg). The page writes bind a dozen arrays of a page's rows
 * each, and pg's encoder runs two regular expressions per element: this one tests one and
 * escapes only the rare element that needs it.
 */
export function arrayParam(values: readonly unknown[]): string | undefined {
  let out = '{';
  for (let i = 0; i < values.length; i += 1) {
    if (i > 0) out += ',';
    const item = values[i];
    if (item === null || item === undefined) {
      out += 'NULL';
      continue;
    }
    switch (typeof item) {
      case 'string':
        out += NEEDS_ESCAPE.test(item) ? `"${item.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `"${item}"`;
        break;
      case 'number':
      case 'boolean':
      case 'bigint':
        out += `"${String(item)}"`;
        break;
      default:
        return undefined;
    }
  }
  return `${out}}`;
}

/** A statement's parameters for pg: arrays pre-encoded by {@link arrayParam} where it can. */
const pgParams = (values: readonly unknown[]): unknown[] => values.map((v) => (Array.isArray(v) ? (arrayParam(v) ?? v) : v));

/** The pg client under a query runner, or the pool: what runs a named statement. */
interface PgQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/** The data source's pg Pool: TypeORM's postgres driver keeps it as `master` once the data source is initialised. */
export function poolOf(dataSource: DataSource): Pool {
  const pool = (dataSource.driver as unknown as { master?: Pool }).master;
  if (!pool) throw new Error('the data source is not initialised (no pg pool)');
  return pool;
}

/**
 * Runs `text` as a named prepared statement where `manager` runs its statements: on the
 * transaction's own pg client inside `runTransaction(…)`, else on the pool. For the
 * sync engine's statements that run many times per session (page writes, stage counts,
 * session and account state): each pooled connection parses and plans them once instead of
 * on every call. `text` must come from a bounded set (see {@link PreparedSql}). Errors are
 * pg's own (not wrapped in TypeORM's QueryFailedError).
 */
export async function preparedQuery<R = unknown>(manager: EntityManager, text: string, values: readonly unknown[]): Promise<R[]> {
  const runner = manager.queryRunner;
  const target: PgQueryable =
    runner && !runner.isReleased ? ((await runner.connect()) as PgQueryable) : (poolOf(manager.connection) as unknown as PgQueryable);
  return (await target.query({ name: statementName(text), text, values: pgParams(values) })).rows as R[];
}

/**
 * The hot read paths (every user request: the token's user check, the account listing, a
 * transaction page) run here instead of through TypeORM: straight on the pg pool TypeORM
 * already owns (no QueryRunner per statement), and as named prepared statements, so each
 * pooled connection parses and plans a statement once instead of on every request.
 *
 * A statement's name comes from its text, so `text` must come from a bounded set (constants,
 * or a fixed number of variants of one): every distinct text stays prepared on each pooled
 * connection for the connection's life.
 */
@Injectable()
export class PreparedSql {
  private readonly logger = new Logger('Database');

  constructor(private readonly dataSource: DataSource) {}

  /** The rows of `text` run with `values` (bound parameters, never interpolated). */
  async rows<R extends QueryResultRow>(text: string, values: readonly unknown[]): Promise<R[]> {
    const started = performance.now();
    const rows = await preparedQuery<R>(this.dataSource.manager, text, values);
    const elapsed = performance.now() - started;
    if (elapsed > SLOW_MS) this.logger.warn(`slow query (${Math.round(elapsed)} ms): ${text}`);
    return rows;
  }
}
