import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectSettings } from '../config/config.module';
import type { Settings } from '../config/settings';
import { Problem } from '../http/problem';
import { CurrentTenant, TenantApi } from '../auth/auth.decorators';
import type { TenantScope } from '../database/scoped-data';
import { LinkSettingsView, TenantView, UpdateLinkSettingsRequest } from './tenant.dto';
import { TenantsService } from './tenants.service';

/** Tenant API: the calling tenant itself. */
@ApiTags('tenant')
@TenantApi()
@Controller('api/v2/tenant')
export class TenantController {
  constructor(
    private readonly tenants: TenantsService,
    @InjectSettings() private readonly settings: Settings,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'getTenant', summary: 'The tenant the API key belongs to' })
  @ApiOkResponse({ type: TenantView })
  async get(@CurrentTenant() scope: TenantScope): Promise<TenantView> {
    return TenantView.of(await this.tenants.get(scope.tenantId));
  }

  @Get('link-settings')
  @ApiOperation({ operationId: 'getLinkSettings', summary: 'The Link pages settings: display name, logo, accent colour, registered return URLs' })
  @ApiOkResponse({ type: LinkSettingsView })
  async linkSettings(@CurrentTenant() scope: TenantScope): Promise<LinkSettingsView> {
    return LinkSettingsView.of(await this.tenants.linkSettings(scope.tenantId));
  }

  @Put('link-settings')
  @ApiOperation({ operationId: 'updateLinkSettings', summary: 'Change the Link pages settings (fields given replace the stored ones; null clears)' })
  @ApiOkResponse({ type: LinkSettingsView })
  @ApiBadRequestResponse({ type: Problem, description: 'A return URL, logo URL or colour breaks the rules.' })
  async updateLinkSettings(@CurrentTenant() scope: TenantScope, @Body() body: UpdateLinkSettingsRequest): Promise<LinkSettingsView> {
    return LinkSettingsView.of(await this.tenants.updateLinkSettings(scope.tenantId, body, this.settings.mode));
  }
}
