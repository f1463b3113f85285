import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, CurrentUser, TenantApi, UserApi } from '../auth/auth.decorators';
import type { TenantScope, UserScope } from '../database/scoped-data';
import { IdPipe } from '../http/id.pipe';
import { Problem } from '../http/problem';
import { UsersService } from '../users/users.service';
import { ConnectionView } from './connection.dto';
import { ConnectionsService } from './connections.service';

/** User API: the caller's connections and their aggregation status. */
@ApiTags('connections')
@UserApi()
@Controller('api/v2/connections')
export class UserConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Get()
  @ApiOperation({ summary: "The user's connections with their aggregation status" })
  @ApiOkResponse({ type: [ConnectionView] })
  async list(@CurrentUser() scope: UserScope): Promise<ConnectionView[]> {
    return (await this.connections.list(scope)).map(ConnectionView.of);
  }

  @Get(':connectionId')
  @ApiOperation({ summary: 'One connection' })
  @ApiOkResponse({ type: ConnectionView })
  @ApiNotFoundResponse({ type: Problem })
  async get(@CurrentUser() scope: UserScope, @Param('connectionId', new IdPipe('Connection')) connectionId: string): Promise<ConnectionView> {
    return ConnectionView.of(await this.connections.get(scope, connectionId));
  }
}

/** Tenant API: read the connections of one of the tenant's users. */
@ApiTags('tenant')
@TenantApi()
@Controller('api/v2/tenant/users/:userId/connections')
export class TenantUserConnectionsController {
  constructor(
    private readonly users: UsersService,
    private readonly connections: ConnectionsService,
  ) {}

  @Get()
  @ApiOperation({ summary: "A user's connections" })
  @ApiOkResponse({ type: [ConnectionView] })
  @ApiNotFoundResponse({ type: Problem })
  async list(@CurrentTenant() tenant: TenantScope, @Param('userId', new IdPipe('User')) userId: string): Promise<ConnectionView[]> {
    return (await this.connections.list(await this.users.scopeOf(tenant, userId))).map(ConnectionView.of);
  }

  @Get(':connectionId')
  @ApiOperation({ summary: "One of a user's connections" })
  @ApiOkResponse({ type: ConnectionView })
  @ApiNotFoundResponse({ type: Problem })
  async get(
    @CurrentTenant() tenant: TenantScope,
    @Param('userId', new IdPipe('User')) userId: string,
    @Param('connectionId', new IdPipe('Connection')) connectionId: string,
  ): Promise<ConnectionView> {
    return ConnectionView.of(await this.connections.get(await this.users.scopeOf(tenant, userId), connectionId));
  }
}
