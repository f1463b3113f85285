import { Controller, Get, Inject } from '@nestjs/common';
import type { ConnectorRegistry } from '@kinko/connector-sdk';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantApi, UserApi } from '../auth/auth.decorators';
import { BankDirectory } from './bank-directory';
import { BankView, ConnectorView } from './connector.dto';
import { CONNECTOR_REGISTRY } from './connector-registry.token';

/** Tenant API: the connectors this deployment offers. */
@ApiTags('tenant')
@TenantApi()
@Controller('api/v2/tenant/connectors')
export class ConnectorsController {
  constructor(@Inject(CONNECTOR_REGISTRY) private readonly registry: ConnectorRegistry) {}

  @Get()
  @ApiOperation({ operationId: 'listConnectors', summary: 'List the registered connectors' })
  @ApiOkResponse({ type: [ConnectorView] })
  list(): ConnectorView[] {
    return this.registry.list().map(ConnectorView.of);
  }
}

/** Tenant API: the banks this deployment offers. */
@ApiTags('tenant')
@TenantApi()
@Controller('api/v2/tenant/banks')
export class BanksController {
  constructor(private readonly banks: BankDirectory) {}

  @Get()
  @ApiOperation({ operationId: 'listTenantBanks', summary: 'List the banks users can connect', description: 'Id, names (ja/en/pl), country, auth flow and capabilities of each.' })
  @ApiOkResponse({ type: [BankView] })
  list(): BankView[] {
    return this.banks.list().map(BankView.ofBank);
  }
}

/** User API: the banks the user can connect (for a bank picker). */
@ApiTags('connect')
@UserApi()
@Controller('api/v2/banks')
export class UserBanksController {
  constructor(private readonly banks: BankDirectory) {}

  @Get()
  @ApiOperation({ operationId: 'listBanks', summary: 'List the banks the user can connect' })
  @ApiOkResponse({ type: [BankView] })
  list(): BankView[] {
    return this.banks.list().map(BankView.ofBank);
  }
}
