import { type DynamicModule, Module } from '@nestjs/common';
import { BankCallAudit } from './bank-call-audit';
import { BankLimiter } from './bank-limiter';
import { ConnectorClients } from './connector-clients';
import { GrantVault } from './grant-vault';
import { SyncEngine } from './sync-engine';
import { SYNC_CLOCK, systemSyncClock } from './sync-clock';
import { SYNC_OPTIONS, SYNC_SETTINGS, type SyncModuleOptions, resolveSyncSettings } from './sync-options';
import { SyncLocks } from './sync-locks';
import { SyncQueue } from './sync-queue';
import { ConsentExpiryWarnings } from './consent-expiry-warnings';
import { RefreshQuotas } from './refresh-quota';
import { SyncScheduler } from './sync-scheduler';
import { SyncService } from './sync.service';
import { SyncWorker } from './sync-worker';

/**
 * Sync: the job queue (pg-boss), {@link SyncService} (start a sync, read a session), the
 * worker that runs sessions (started explicitly: `SyncWorker.start()`), the scheduler of
 * background refreshes, grants ({@link GrantVault}) and connector clients.
 */
@Module({})
export class SyncModule {
  /** The module over the app's database; `options.connectorSetups` configures the connectors. */
  static forRoot(options: SyncModuleOptions): DynamicModule {
    return {
      module: SyncModule,
      global: true,
      providers: [
        { provide: SYNC_OPTIONS, useValue: options },
        { provide: SYNC_SETTINGS, useValue: resolveSyncSettings(options.settings) },
        { provide: SYNC_CLOCK, useValue: options.clock ?? systemSyncClock },
        BankCallAudit,
        ConnectorClients,
        GrantVault,
        SyncQueue,
        SyncLocks,
        BankLimiter,
        SyncService,
        SyncEngine,
        SyncWorker,
        SyncScheduler,
        RefreshQuotas,
        ConsentExpiryWarnings,
      ],
      exports: [SyncService, SyncQueue, GrantVault, ConnectorClients, BankCallAudit, SyncWorker, SyncScheduler, RefreshQuotas, ConsentExpiryWarnings, SYNC_CLOCK, SYNC_SETTINGS],
    };
  }
}
