import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, TenantApi } from '../auth/auth.decorators';
import type { TenantScope } from '../database/scoped-data';
import { TenantView } from './tenant.dto';
import { TenantsService } from './tenants.service';

/** Tenant API: the calling tenant itself. */
@ApiTags('tenant')
@TenantApi()
@Controller('api/v2/tenant')
export class TenantController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @ApiOperation({ summary: 'The tenant the API key belongs to' })
  @ApiOkResponse({ type: TenantView })
  async get(@CurrentTenant() scope: TenantScope): Promise<TenantView> {
    return TenantView.of(await this.tenants.get(scope.tenantId));
  }
}
