import { Injectable, Logger } from '@nestjs/common';
import type { Pool, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';

/** Above this, a statement is logged as slow (TypeORM's `maxQueryExecutionTime` for the app). */
const SLOW_MS = 2_000;

/**
 * Names for named prepared statements: a stable `<prefix>_<n>` per distinct statement text
 * (pg prepares a name once per connection and refuses one name for two texts).
 */
export function statementNamer(prefix: string): (text: string) => string {
  const names = new Map<string, string>();
  return (text) => {
    let name = names.get(text);
    if (name === undefined) {
      name = `${prefix}_${names.size + 1}`;
      names.set(text, name);
    }
    return name;
  };
}

// One namer for the process: a name always means the same text, whichever pool runs it.
const readStatementName = statementNamer('kinko_read');

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
    const result = await this.pool().query<R>({ name: readStatementName(text), text, values: [...values] });
    const elapsed = performance.now() - started;
    if (elapsed > SLOW_MS) this.logger.warn(`slow query (${Math.round(elapsed)} ms): ${text}`);
    return result.rows;
  }

  // TypeORM's postgres driver keeps its pg Pool as `master` once the data source is initialised.
  private pool(): Pool {
    const pool = (this.dataSource.driver as unknown as { master?: Pool }).master;
    if (!pool) throw new Error('the data source is not initialised (no pg pool)');
    return pool;
  }
}
