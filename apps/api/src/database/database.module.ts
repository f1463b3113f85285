import { Global, Logger, Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { type DataSourceTuning, UnsupportedDatabaseError, kinkoDataSourceOptions, runMigrations } from './data-source';
import { PreparedSql } from './prepared-sql';
import { ScopedData } from './scoped-data';

/**
 * TypeORM over `pg` on the given URL (DATABASE_URL or the embedded server). Pending
 * migrations run when the data source is created, before any route is served.
 */
@Global()
@Module({})
export class DatabaseModule {
  /**
   * Connects to `url` (a pool of `poolSize` connections, default {@link kinkoDataSourceOptions}'s),
   * runs pending migrations, provides `DataSource`, {@link ScopedData} and {@link PreparedSql}.
   */
  static forRoot(url: string, tuning: Pick<DataSourceTuning, 'poolSize'> = {}): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          // A server too old is not a transient failure: no retry.
          useFactory: () => ({ ...kinkoDataSourceOptions(url, tuning), retryAttempts: 3, retryDelay: 1_000, toRetry: (e: unknown) => !(e instanceof UnsupportedDatabaseError) }),
          dataSourceFactory: async (options?: DataSourceOptions) => {
            if (!options) throw new Error('no data source options');
            const dataSource = new DataSource(options);
            await dataSource.initialize();
            const applied = await runMigrations(dataSource);
            if (applied.length > 0) new Logger('Database').log(`applied migrations: ${applied.join(', ')}`);
            return dataSource;
          },
        }),
      ],
      providers: [ScopedData, PreparedSql],
      exports: [ScopedData, PreparedSql],
    };
  }
}
