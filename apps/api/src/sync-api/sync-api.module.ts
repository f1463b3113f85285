import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { SyncApiController } from './sync-api.controller';
import { SyncApiService } from './sync-api.service';
import { TenantSyncController } from './tenant-sync.controller';

/** The sync HTTP API: the user's, and the tenant's background refresh (the sync engine itself is SyncModule). */
@Module({ imports: [UsersModule], controllers: [SyncApiController, TenantSyncController], providers: [SyncApiService] })
export class SyncApiModule {}
