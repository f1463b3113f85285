import { DataSource, type DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
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
    poolSize: tuning.poolSize ?? 10,
    connectTimeoutMS: 10_000,
    extra: { types: kinkoPgTypes },
    ...(tuning.quiet ? { logging: false } : { logger: new KinkoTypeOrmLogger(tuning.logQueries ?? false), logging: true }),
    maxQueryExecutionTime: 2_000,
  };
}

/** A new, not yet initialised data source over `url`. */
export function createKinkoDataSource(url: string, tuning: DataSourceTuning = {}): DataSource {
  return new DataSource(kinkoDataSourceOptions(url, tuning));
}

/** Applies pending migrations (each in its own transaction); returns the names applied. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}
