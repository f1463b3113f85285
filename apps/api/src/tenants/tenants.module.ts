import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ApiKeysController } from './api-keys.controller';
import { TenantController } from './tenant.controller';
import { TenantsService } from './tenants.service';

/** Tenants and their bootstrap (first API key). */
@Module({
  imports: [AuthModule],
  controllers: [TenantController, ApiKeysController],
  providers: [TenantsService],
  exports: [TenantsService],
})
export class TenantsModule {}
