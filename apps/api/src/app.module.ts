import type { Connector } from '@kinko/connector-sdk';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { KinkoConfigModule, type SettingsSource } from './config/config.module';
import { ConnectionsModule } from './connections/connections.module';
import { ConnectorsModule } from './connectors/connectors.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { ProblemFilter } from './http/problem.filter';
import { RouteCatalog } from './http/route-catalog';
import { MetricsModule } from './metrics/metrics.module';
import { SecretsModule } from './secrets/secrets.module';
import { TenantsModule } from './tenants/tenants.module';
import { UsersModule } from './users/users.module';

/** What the app module is built from. */
export interface AppModuleOptions {
  /** Settings, or an environment to validate at start. */
  readonly settings: SettingsSource;
  /** The database URL (DATABASE_URL, or the embedded server's). */
  readonly databaseUrl: string;
  /** Connectors to register instead of the app's list (tests). */
  readonly connectors?: readonly Connector[];
}

/**
 * The application. Feature modules (one folder each: module, entity, controller, service,
 * dto, tests) are listed here; a new feature adds its module to `imports`.
 */
@Module({})
export class AppModule {
  /** Builds the root module. */
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        KinkoConfigModule.forRoot(options.settings),
        DatabaseModule.forRoot(options.databaseUrl),
        DiscoveryModule,
        AuditModule,
        SecretsModule,
        AuthModule,
        ConnectorsModule.forRoot(options.connectors),
        TenantsModule,
        UsersModule,
        ConnectionsModule,
        HealthModule,
        MetricsModule,
      ],
      providers: [RouteCatalog, { provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
