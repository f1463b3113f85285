import { Controller, Get, Inject } from '@nestjs/common';
import type { ConnectorRegistry } from '@kinko/connector-sdk';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantApi } from '../auth/auth.decorators';
import { ConnectorView } from './connector.dto';
import { CONNECTOR_REGISTRY } from './connector-registry.token';

/** Tenant API: the connectors (banks and standards) this deployment offers. */
@ApiTags('tenant')
@TenantApi()
@Controller('api/v2/tenant/connectors')
export class ConnectorsController {
  constructor(@Inject(CONNECTOR_REGISTRY) private readonly registry: ConnectorRegistry) {}

  @Get()
  @ApiOperation({ summary: 'List the registered connectors' })
  @ApiOkResponse({ type: [ConnectorView] })
  list(): ConnectorView[] {
    return this.registry.list().map(ConnectorView.of);
  }
}
