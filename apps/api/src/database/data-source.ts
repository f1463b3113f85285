import { DataSource, type DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { DEFAULT_POOL_SIZE, measuredPg } from './measured-pool';
import { KinkoNamingStrategy } from './naming-strategy';
import { kinkoPgTypes } from './pg-types';
import { KinkoTypeOrmLogger } from './typeorm-logger';

/** Name of TypeORM's bookkeeping table of executed migrations. */
export const MIGRATIONS_TABLE = 'typeorm_migrations';

/** Pool and logging knobs a caller may set. */
export interface DataSourceTuning {
  readonly poolSize?: number;
  readonly applicationName?: string;
  /** Log every query (debugging only). */
  readonly logQueries?: boolean;
  /** Log nothing (scripts and test setup). */
  readonly quiet?: boolean;
}

/**
 * The one TypeORM configuration of Kinko: PostgreSQL through `pg`, committed migrations,
 * never `synchronize`. Migrations are run explicitly at start ({@link runMigrations}).
 */
export function kinkoDataSourceOptions(url: string, tuning: DataSourceTuning = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [...ENTITIES],
    migrations: [...MIGRATIONS],
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    namingStrategy: new KinkoNamingStrategy(),
    applicationName: tuning.applicationName ?? 'kinko-api',
    poolSize: tuning.poolSize ?? DEFAULT_POOL_SIZE,
    // pg with a Pool that counts waits for a connection and time held (the metrics' kinko_db_pool_*).
    driver: measuredPg,
    connectTimeoutMS: 10_000,
    // Pipeline mode (pg 8.23): a statement issued while another is in flight on the same
    // connection is written at once instead of after its answer; each has its own Sync, so
    // results, errors and transactions behave as before. What uses it: runTransaction
    // (transaction.ts), whose BEGIN leaves with the first statement. This pool runs no cursor,
    // query stream, `rows` option or query_timeout (pg refuses the first three in this mode) and
    // no LISTEN: pg-boss, the sync locks, the limiter and LISTEN have clients of their own.
    extra: { types: kinkoPgTypes, pipeline: true },
    ...(tuning.quiet ? { logging: false } : { logger: new KinkoTypeOrmLogger(tuning.logQueries ?? false), logging: true }),
    maxQueryExecutionTime: 2_000,
  };
}

/** A new, not yet initialised data source over `url`. */
export function createKinkoDataSource(url: string, tuning: DataSourceTuning = {}): DataSource {
  return new DataSource(kinkoDataSourceOptions(url, tuning));
}

/**
 * The oldest PostgreSQL Kinko runs on: 18, for `RETURNING old.*` (a page of transactions is
 * upserted and its stored versions come back in one statement; see sync/transaction-writer).
 */
export const MIN_SERVER_VERSION_NUM = 180_000;

/** The server is older than {@link MIN_SERVER_VERSION_NUM}: Kinko refuses to start on it. */
export class UnsupportedDatabaseError extends Error {
  override readonly name = 'UnsupportedDatabaseError';
}

/** Why a server of `server_version_num` cannot run Kinko; undefined when it can. */
export function unsupportedServerReason(versionNum: number, version: string): string | undefined {
  if (Number.isInteger(versionNum) && versionNum >= MIN_SERVER_VERSION_NUM) return undefined;
  return `Kinko needs PostgreSQL 18 or newer; the database at DATABASE_URL runs PostgreSQL ${version}. Upgrade it, or leave DATABASE_URL unset to use the embedded PostgreSQL 18.`;
}

/** Throws {@link UnsupportedDatabaseError} when the data source's server is too old. */
export async function assertSupportedServer(dataSource: DataSource): Promise<void> {
  const [row] = (await dataSource.query(`SELECT current_setting('server_version_num')::int AS num, current_setting('server_version') AS version`)) as Array<{
    num: number;
    version: string;
  }>;
  const reason = unsupportedServerReason(row?.num ?? 0, row?.version ?? 'unknown');
  if (reason) throw new UnsupportedDatabaseError(reason);
}

/** Checks the server's version, then applies pending migrations (each in its own transaction); returns the names applied. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  await assertSupportedServer(dataSource);
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}
