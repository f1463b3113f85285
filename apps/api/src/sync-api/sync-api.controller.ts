import type { PsuContext } from '@kinko/connector-sdk';
import { syncStages } from '@kinko/domain';
import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentUser, UserApi } from '../auth/auth.decorators';
import { ApiPsuHeaders, UserPsu } from '../connections/psu-context';
import { ValidationFailedError } from '../common/errors';
import type { UserScope } from '../database/scoped-data';
import { IdPipe } from '../http/id.pipe';
import { Problem } from '../http/problem';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { ApiProblems } from '../http/problem-docs';
import { SYNC_CONFLICTS } from './skip-conflict';
import type { StartSyncResult } from '../sync/sync.service';
import { SyncService } from '../sync/sync.service';
import {
  SYNC_ID_TYPES,
  SessionDetailsResponse,
  SessionStatusDetailsResponse,
  SessionStatusResponse,
  StageStatusResponse,
  SyncRequest,
  SyncStartedView,
} from './sync-api.dto';
import { SyncApiService } from './sync-api.service';

const startedView = (r: StartSyncResult): SyncStartedView => ({ sessionId: r.sessionIds[0] as string, sessionIds: [...r.sessionIds], skipped: r.skipped.map((s) => ({ ...s })) });

/** User API: the seed's sync entry points and session reads. */
@ApiTags('sync')
@UserApi()
@Controller('api/v2/bank')
export class SyncApiController {
  constructor(
    private readonly syncApi: SyncApiService,
    private readonly sync: SyncService,
  ) {}

  @Post(':bankId/sync')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'startBankSync',
    summary: "Sync the user's active accounts at one bank",
    description: 'Starts (asynchronously) a sync of every connection of the user at the bank whose grant is valid; returns the session id(s) to poll.',
  })
  @ApiParam({ name: 'bankId', example: 'bca-0001' })
  @ApiAcceptedResponse({ type: SyncStartedView })
  @ApiNotFoundResponse({ type: Problem, description: 'The user has no connection at this bank.' })
  @ApiProblems(...SYNC_CONFLICTS)
  @Idempotent()
  @ApiPsuHeaders()
  async syncBank(@CurrentUser() scope: UserScope, @Param('bankId') bankId: string, @Body() body: SyncRequest, @UserPsu() psu: PsuContext): Promise<SyncStartedView> {
    return startedView(await this.syncApi.syncBank(scope, bankId, body.daysBack ?? null, psu));
  }

  @Post(':idType/:idValue/sync')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'startSyncById',
    summary: "Sync the user's accounts named by an identifier",
    description:
      '`idType`: `connectionId` (a connection), `accountId` (the connection of an account), `consentId` (the connection of a consent), ' +
      "`iban` (the connections of the user's active accounts with this IBAN, spaces ignored), `bankCode` (every connection at the banks with this 4-digit code). " +
      'An unknown idType is a 400 `validation` problem.',
  })
  @ApiParam({ name: 'idType', enum: SYNC_ID_TYPES })
  @ApiParam({ name: 'idValue', example: '0192f0c4-…' })
  @ApiAcceptedResponse({ type: SyncStartedView })
  @ApiNotFoundResponse({ type: Problem })
  @ApiProblems(...SYNC_CONFLICTS)
  @Idempotent()
  @ApiPsuHeaders()
  async syncBy(
    @CurrentUser() scope: UserScope,
    @Param('idType') idType: string,
    @Param('idValue') idValue: string,
    @Body() body: SyncRequest,
    @UserPsu() psu: PsuContext,
  ): Promise<SyncStartedView> {
    return startedView(await this.syncApi.syncBy(scope, idType, idValue, body.daysBack ?? null, psu));
  }

  @Get('session/:sessionId')
  @ApiOperation({ operationId: 'getSyncSession', summary: 'A session: its status plus the data fetched' })
  @ApiOkResponse({ type: SessionDetailsResponse })
  @ApiNotFoundResponse({ type: Problem })
  async session(@CurrentUser() scope: UserScope, @Param('sessionId', new IdPipe('Session')) sessionId: string): Promise<SessionDetailsResponse> {
    return SessionDetailsResponse.ofViews(await this.sync.getSession(scope, sessionId));
  }

  @Get('session/:sessionId/status')
  @ApiOperation({ operationId: 'getSyncSessionStatus', summary: "A session's status" })
  @ApiOkResponse({ type: SessionStatusResponse })
  @ApiNotFoundResponse({ type: Problem })
  async status(@CurrentUser() scope: UserScope, @Param('sessionId', new IdPipe('Session')) sessionId: string): Promise<SessionStatusResponse> {
    return SessionStatusResponse.of((await this.sync.getSession(scope, sessionId)).status);
  }

  @Get('session/:sessionId/stage/:stage/status')
  @ApiOperation({ operationId: 'getSyncStageStatus', summary: "One stage's status" })
  @ApiParam({ name: 'stage', enum: [...syncStages] })
  @ApiOkResponse({ type: StageStatusResponse })
  @ApiBadRequestResponse({ type: Problem, description: 'Unknown stage.' })
  @ApiNotFoundResponse({ type: Problem })
  async stage(@CurrentUser() scope: UserScope, @Param('sessionId', new IdPipe('Session')) sessionId: string, @Param('stage') stage: string): Promise<StageStatusResponse> {
    const known = syncStages.find((s) => s === stage);
    const views = await this.sync.getSession(scope, sessionId);
    if (known === undefined) throw new ValidationFailedError([{ field: 'stage', reason: `stage must be one of ${syncStages.join(', ')}` }]);
    return StageStatusResponse.of(views.stages[known]);
  }

  @Get('session/:sessionId/status/details')
  @ApiOperation({ operationId: 'getSyncSessionDetails', summary: "A session's detailed status: every stage and every account" })
  @ApiOkResponse({ type: SessionStatusDetailsResponse })
  @ApiNotFoundResponse({ type: Problem })
  async details(@CurrentUser() scope: UserScope, @Param('sessionId', new IdPipe('Session')) sessionId: string): Promise<SessionStatusDetailsResponse> {
    return SessionStatusDetailsResponse.ofDetails((await this.sync.getSession(scope, sessionId)).statusDetails);
  }
}
