import { Module } from '@nestjs/common';
import { SyncApiController } from './sync-api.controller';
import { SyncApiService } from './sync-api.service';

/** The user-facing sync HTTP API (the sync engine itself is SyncModule). */
@Module({ controllers: [SyncApiController], providers: [SyncApiService] })
export class SyncApiModule {}
