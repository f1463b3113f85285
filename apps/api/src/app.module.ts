import { type Clock, type Connector, systemClock } from '@kinko/connector-sdk';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { AccountsModule } from './accounts/accounts.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BalancesModule } from './balances/balances.module';
import { ChallengesModule } from './challenges/challenges.module';
import { ClockModule } from './common/clock';
import { KinkoConfigModule, type SettingsSource } from './config/config.module';
import { type BankEntry, loadSettings } from './config/settings';
import { ConnectionsModule } from './connections/connections.module';
import { ConsentsModule } from './consents/consents.module';
import { BankDirectory } from './connectors/bank-directory';
import { ConnectorsModule } from './connectors/connectors.module';
import { type ConnectorPackage, REGISTERED_CONNECTOR_PACKAGES } from './connectors/registered-connectors';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LinkModule } from './link/link.module';
import { ProblemFilter } from './http/problem.filter';
import { RouteCatalog } from './http/route-catalog';
import { MetricsModule } from './metrics/metrics.module';
import { SecretsModule } from './secrets/secrets.module';
import { SyncApiModule } from './sync-api/sync-api.module';
import type { SyncSettings } from './sync/sync-options';
import { SyncModule } from './sync/sync.module';
import { TenantsModule } from './tenants/tenants.module';
import { TransactionsModule } from './transactions/transactions.module';
import { UsersModule } from './users/users.module';
import { type WebhookSettings, webhookSettingsOf } from './webhooks/webhook-settings';
import { WebhooksModule } from './webhooks/webhooks.module';

/** What the app module is built from. */
export interface AppModuleOptions {
  /** Settings, or an environment to validate at start. */
  readonly settings: SettingsSource;
  /** The database URL (DATABASE_URL, or the embedded server's). */
  readonly databaseUrl: string;
  /** Bare connectors (tests): each a bank of its own id, without config (cannot be synced). */
  readonly connectors?: readonly Connector[];
  /** Connector packages instead of the app's list (tests). */
  readonly connectorPackages?: readonly ConnectorPackage[];
  /** Bank entries besides the settings' `KINKO_BANKS` (the development sandbox banks, tests). */
  readonly banks?: readonly BankEntry[];
  /** The clock of the app, the sync engine and the connector clients (default: the system clock). */
  readonly clock?: Clock;
  /** Sync engine tuning (tests: faster polling). */
  readonly syncSettings?: Partial<SyncSettings>;
  /** Webhook delivery tuning and URL policy (tests: loopback allowed, short retries). */
  readonly webhookSettings?: Partial<WebhookSettings>;
  /** Connections of the app's database pool (tests: a pool smaller than the sessions); default the data source's. */
  readonly databasePoolSize?: number;
}

/**
 * The application. Feature modules (one folder each: module, entity, controller, service,
 * dto, tests) are listed here; a new feature adds its module to `imports`.
 */
@Module({})
export class AppModule {
  /** Builds the root module. */
  static forRoot(options: AppModuleOptions): DynamicModule {
    const source = options.settings;
    const settings = 'settings' in source ? source.settings : loadSettings(source.env, source.cwd);
    const clock = options.clock ?? systemClock;
    // Built here, not by a provider: the sync module needs the connector setups to be built.
    const banks = new BankDirectory({
      packages: options.connectorPackages ?? REGISTERED_CONNECTOR_PACKAGES,
      configured: settings.banks,
      ...(options.banks ? { extra: options.banks } : {}),
      ...(options.connectors ? { connectors: options.connectors } : {}),
    });
    return {
      module: AppModule,
      imports: [
        KinkoConfigModule.forRoot(options.settings),
        ClockModule.forRoot(clock),
        DatabaseModule.forRoot(options.databaseUrl, options.databasePoolSize !== undefined ? { poolSize: options.databasePoolSize } : {}),
        DiscoveryModule,
        AuditModule,
        SecretsModule,
        AuthModule,
        ConnectorsModule.forRoot(banks),
        SyncModule.forRoot({
          databaseUrl: options.databaseUrl,
          connectorSetups: banks.connectorSetups(),
          clock,
          // KINKO_SYNC tuning, then the caller's (tests).
          settings: { ...(settings.sync as Partial<SyncSettings>), ...options.syncSettings },
        }),
        TenantsModule,
        UsersModule,
        ConnectionsModule,
        ConsentsModule,
        AccountsModule,
        TransactionsModule,
        BalancesModule,
        SyncApiModule,
        // KINKO_WEBHOOKS tuning, then the caller's (tests); production requires https endpoints.
        WebhooksModule.forRoot(webhookSettingsOf(settings.webhooks ?? {}, settings.mode === 'production', options.webhookSettings)),
        ChallengesModule,
        LinkModule.forRoot({ banks: [...settings.banks, ...(options.banks ?? [])] }),
        HealthModule,
        MetricsModule,
      ],
      providers: [RouteCatalog, { provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
