import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, TenantApi } from '../auth/auth.decorators';
import { UserTokensService } from '../auth/user-tokens.service';
import type { TenantScope } from '../database/scoped-data';
import { IdPipe } from '../http/id.pipe';
import { Problem } from '../http/problem';
import { ApiProblems } from '../http/problem-docs';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { CreateUserRequest, ListUsersQuery, MintUserTokenRequest, UpdateUserRequest, UserPage, UserTokenView, UserView } from './user.dto';
import { UsersService } from './users.service';

/** Tenant API: the tenant's end users and their tokens. */
@ApiTags('tenant')
@TenantApi()
@Controller('api/v2/tenant/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: UserTokensService,
  ) {}

  @Post()
  @ApiOperation({ operationId: 'createUser', summary: 'Create a user' })
  @ApiCreatedResponse({ type: UserView })
  @ApiProblems('external-id-taken')
  @Idempotent()
  async create(@CurrentTenant() scope: TenantScope, @Body() body: CreateUserRequest): Promise<UserView> {
    return UserView.of(await this.users.create(scope, body.externalId, body.language ?? null));
  }

  @Get()
  @ApiOperation({ operationId: 'listUsers', summary: "List the tenant's users (oldest first, keyset-paginated)" })
  @ApiOkResponse({ type: UserPage })
  async list(@CurrentTenant() scope: TenantScope, @Query() query: ListUsersQuery): Promise<UserPage> {
    const page = await this.users.list(scope, query.limit ?? 50, query.after);
    return { items: page.items.map(UserView.of), nextCursor: page.nextCursor };
  }

  @Get(':userId')
  @ApiOperation({ operationId: 'getUser', summary: 'One user' })
  @ApiOkResponse({ type: UserView })
  @ApiNotFoundResponse({ type: Problem })
  async get(@CurrentTenant() scope: TenantScope, @Param('userId', new IdPipe('User')) userId: string): Promise<UserView> {
    return UserView.of(await this.users.get(scope, userId));
  }

  @Patch(':userId')
  @ApiOperation({ operationId: 'updateUser', summary: "Update a user (its language)", description: "The user's language labels events such as connection.status_changed (`label`)." })
  @ApiOkResponse({ type: UserView })
  @ApiNotFoundResponse({ type: Problem })
  async update(@CurrentTenant() scope: TenantScope, @Param('userId', new IdPipe('User')) userId: string, @Body() body: UpdateUserRequest): Promise<UserView> {
    return UserView.of(await this.users.setLanguage(scope, userId, body.language));
  }

  @Post(':userId/tokens')
  @HttpCode(201)
  @ApiOperation({ operationId: 'createUserToken', summary: 'Mint a short-lived user token', description: 'For the client app or the Link page; default lifetime 15 minutes.' })
  @ApiCreatedResponse({ type: UserTokenView })
  @ApiNotFoundResponse({ type: Problem })
  @Idempotent()
  async mintToken(
    @CurrentTenant() scope: TenantScope,
    @Param('userId', new IdPipe('User')) userId: string,
    @Body() body: MintUserTokenRequest,
  ): Promise<UserTokenView> {
    const userScope = await this.users.scopeOf(scope, userId);
    const minted = await this.tokens.mint(userScope, body.ttlSeconds);
    return { token: minted.token, tokenType: 'Bearer', expiresAt: minted.expiresAt.toISOString() };
  }
}
