import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, TenantApi } from '../auth/auth.decorators';
import type { TenantScope } from '../database/scoped-data';
import { IdPipe } from '../http/id.pipe';
import { Problem } from '../http/problem';
import { ApiProblems } from '../http/problem-docs';
import { UsersService } from '../users/users.service';
import { SYNC_CONFLICTS } from './skip-conflict';
import { SyncStartedView } from './sync-api.dto';
import { SyncApiService } from './sync-api.service';

/** Tenant API: a background refresh of one of a user's connections, asked by the tenant's backend. */
@ApiTags('tenant')
@TenantApi()
@Controller('api/v2/tenant/users/:userId/connections')
export class TenantSyncController {
  constructor(
    private readonly users: UsersService,
    private readonly syncApi: SyncApiService,
  ) {}

  @Post(':connectionId/sync')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'startUserConnectionSync',
    summary: 'Refresh a connection in the background (user not present)',
    description:
      "Starts a sync of the connection for the tenant's backend. The user is not present, so it is an unattended access: each account read counts against the " +
      "bank's unattended-access quota (PSD2: 4 per account per rolling 24 h unless the bank allows more; see the connection's nextRefreshPossibleAt and " +
      'unattendedAccessesRemainingToday). When the quota is spent no session is started: 429 refresh-quota-spent with nextRefreshPossibleAt and Retry-After.',
  })
  @ApiAcceptedResponse({ type: SyncStartedView })
  @ApiNotFoundResponse({ type: Problem })
  @ApiProblems('refresh-quota-spent', ...SYNC_CONFLICTS)
  async sync(
    @CurrentTenant() tenant: TenantScope,
    @Param('userId', new IdPipe('User')) userId: string,
    @Param('connectionId', new IdPipe('Connection')) connectionId: string,
  ): Promise<SyncStartedView> {
    const r = await this.syncApi.syncUnattended(await this.users.scopeOf(tenant, userId), connectionId);
    return { sessionId: r.sessionIds[0] as string, sessionIds: [...r.sessionIds], skipped: r.skipped.map((s) => ({ ...s })) };
  }
}
