import type { Clock } from '@kinko/connector-sdk';
import type { Language } from '@kinko/domain';
import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, CurrentTenant, CurrentUser, TenantApi, UserApi } from '../auth/auth.decorators';
import { type Principal, actorOf } from '../auth/principal';
import { CredentialLoginService } from '../challenges/credential-login.service';
import { InjectClock } from '../common/clock';
import { ConsentView, WithdrawalView } from '../consents/consent.dto';
import { ConsentsService } from '../consents/consents.service';
import type { TenantScope, UserScope } from '../database/scoped-data';
import { IdPipe } from '../http/id.pipe';
import { LanguageQuery, RequestLanguage } from '../http/language';
import { Problem } from '../http/problem';
import { ApiProblems } from '../http/problem-docs';
import { UsersService } from '../users/users.service';
import { ConnectionView } from './connection.dto';
import { ConnectionsService } from './connections.service';

/** The answer to a disconnect. */
export class DisconnectView {
  @ApiProperty({ type: ConnectionView })
  connection!: ConnectionView;

  @ApiProperty({ type: WithdrawalView, nullable: true, description: 'The consent withdrawn by the disconnect; null when it had already ended.' })
  withdrawal!: WithdrawalView | null;
}

/** User API: the caller's connections, their aggregation status, and the user's moves on them. */
@ApiTags('connections')
@UserApi()
@Controller('api/v2/connections')
export class UserConnectionsController {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly consents: ConsentsService,
    private readonly logins: CredentialLoginService,
    @InjectClock() private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'listConnections', summary: "The user's connections with their aggregation status", description: 'Labels in the request language: ?lang=ja|en|pl, else Accept-Language, else ja.' })
  @ApiOkResponse({ type: [ConnectionView] })
  async list(@CurrentUser() scope: UserScope, @Query() _query: LanguageQuery, @RequestLanguage() lang: Language): Promise<ConnectionView[]> {
    return this.connections.describe(scope, await this.connections.list(scope), lang);
  }

  @Get(':connectionId')
  @ApiOperation({ operationId: 'getConnection', summary: 'One connection' })
  @ApiOkResponse({ type: ConnectionView })
  @ApiNotFoundResponse({ type: Problem })
  async get(
    @CurrentUser() scope: UserScope,
    @Param('connectionId', new IdPipe('Connection')) connectionId: string,
    @Query() _query: LanguageQuery,
    @RequestLanguage() lang: Language,
  ): Promise<ConnectionView> {
    return this.one(scope, connectionId, lang);
  }

  @Post(':connectionId/deactivate')
  @HttpCode(200)
  @ApiOperation({ operationId: 'deactivateConnection', summary: 'Stop aggregating a connection (inactive); data and grant kept', description: 'Refused (409) while a run is under way.' })
  @ApiOkResponse({ type: ConnectionView })
  @ApiNotFoundResponse({ type: Problem })
  @ApiProblems('connection-inactive', 'run-in-progress')
  async deactivate(
    @CurrentUser() scope: UserScope,
    @Param('connectionId', new IdPipe('Connection')) connectionId: string,
    @Query() _query: LanguageQuery,
    @RequestLanguage() lang: Language,
  ): Promise<ConnectionView> {
    await this.connections.deactivate(scope, connectionId);
    return this.one(scope, connectionId, lang);
  }

  @Post(':connectionId/reactivate')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'reactivateConnection',
    summary: 'Aggregate a deactivated connection again',
    description: 'Restores the status it had before deactivation (a refresh is a separate request). Refused (409) when its consent ended: reconnect instead.',
  })
  @ApiOkResponse({ type: ConnectionView })
  @ApiNotFoundResponse({ type: Problem })
  @ApiProblems('reconnect-required', 'connection-not-inactive')
  async reactivate(
    @CurrentUser() scope: UserScope,
    @Param('connectionId', new IdPipe('Connection')) connectionId: string,
    @Query() _query: LanguageQuery,
    @RequestLanguage() lang: Language,
  ): Promise<ConnectionView> {
    await this.connections.reactivate(scope, connectionId);
    return this.one(scope, connectionId, lang);
  }

  @Delete(':connectionId')
  @ApiOperation({
    operationId: 'disconnectConnection',
    summary: 'Disconnect: revoke at the bank and delete the secrets',
    description:
      "Withdraws the connection's consent (revoked at the bank; its accounts inactive, no longer listed; data kept), deletes the stored grant " +
      'and deactivates the connection. A challenge waiting for an answer is given up first (as unanswered), so the disconnect happens at once. ' +
      'Reconnect with POST /api/v2/connect/{bankId} and this connectionId.',
  })
  @ApiOkResponse({ type: DisconnectView })
  @ApiNotFoundResponse({ type: Problem })
  async disconnect(
    @CurrentUser() scope: UserScope,
    @CurrentPrincipal() principal: Principal,
    @Param('connectionId', new IdPipe('Connection')) connectionId: string,
    @Query() _query: LanguageQuery,
    @RequestLanguage() lang: Language,
  ): Promise<DisconnectView> {
    // As the Link page's disconnect: the domain deactivates no waiting connection, so its question is given up first.
    await this.logins.abandon(scope, connectionId);
    const { withdrawal } = await this.consents.disconnect(scope, connectionId, actorOf(principal));
    return {
      connection: await this.one(scope, connectionId, lang),
      withdrawal: withdrawal ? { consent: ConsentView.of(withdrawal.consent, this.clock.now()), bankRevocation: withdrawal.bankRevocation } : null,
    };
  }

  private async one(scope: UserScope, connectionId: string, lang: Language): Promise<ConnectionView> {
    const [view] = await this.connections.describe(scope, [await this.connections.get(scope, connectionId)], lang);
    return view as ConnectionView;
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
  @ApiOperation({ operationId: 'listUserConnections', summary: "A user's connections" })
  @ApiOkResponse({ type: [ConnectionView] })
  @ApiNotFoundResponse({ type: Problem })
  async list(
    @CurrentTenant() tenant: TenantScope,
    @Param('userId', new IdPipe('User')) userId: string,
    @Query() _query: LanguageQuery,
    @RequestLanguage() lang: Language,
  ): Promise<ConnectionView[]> {
    const scope = await this.users.scopeOf(tenant, userId);
    return this.connections.describe(scope, await this.connections.list(scope), lang);
  }

  @Get(':connectionId')
  @ApiOperation({ operationId: 'getUserConnection', summary: "One of a user's connections" })
  @ApiOkResponse({ type: ConnectionView })
  @ApiNotFoundResponse({ type: Problem })
  async get(
    @CurrentTenant() tenant: TenantScope,
    @Param('userId', new IdPipe('User')) userId: string,
    @Param('connectionId', new IdPipe('Connection')) connectionId: string,
    @Query() _query: LanguageQuery,
    @RequestLanguage() lang: Language,
  ): Promise<ConnectionView> {
    const scope = await this.users.scopeOf(tenant, userId);
    const [view] = await this.connections.describe(scope, [await this.connections.get(scope, connectionId)], lang);
    return view as ConnectionView;
  }
}
