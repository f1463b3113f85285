import type { PsuContext } from '@kinko/connector-sdk';
import type { Language } from '@kinko/domain';
import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser, UserApi } from '../auth/auth.decorators';
import { ApiPsuHeaders, UserPsu } from '../connections/psu-context';
import type { UserScope } from '../database/scoped-data';
import { RequestLanguage } from '../http/language';
import { BankAccountQuery, BankAccountView } from './bank-account.dto';
import { AccountsService } from './accounts.service';

/** Header listing the sessions `RefreshActiveAccounts=true` started. */
export const SYNC_SESSION_IDS_HEADER = 'kinko-sync-session-ids';

/** User API: the seed's bank-account listing. */
@ApiTags('accounts')
@UserApi()
@Controller('api/v2/bankaccount')
export class BankAccountController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOperation({
    operationId: 'listBankAccounts',
    summary: "The user's active bank accounts",
    description:
      'Every account whose consent was not withdrawn (withdrawn: hidden, data kept), with its consent (expired consents show status expired, ' +
      'invalidationReason Expired), sync state (syncStatus, transactionSyncStatus, syncError…) and the connection’s aggregation status. ' +
      'RefreshActiveAccounts=true also starts an asynchronous sync of every account, across banks, whose grant is valid.',
  })
  @ApiOkResponse({
    type: [BankAccountView],
    headers: { 'Kinko-Sync-Session-Ids': { description: 'With RefreshActiveAccounts=true: the sessions started (comma-separated).', schema: { type: 'string' } } },
  })
  @ApiPsuHeaders()
  async list(
    @CurrentUser() scope: UserScope,
    @Query() query: BankAccountQuery,
    @RequestLanguage() lang: Language,
    @Res({ passthrough: true }) reply: FastifyReply,
    @UserPsu() psu: PsuContext,
  ): Promise<BankAccountView[]> {
    const listing = await this.accounts.list(scope, { refresh: query.RefreshActiveAccounts === true, lang, psu });
    if (query.RefreshActiveAccounts === true) void reply.header(SYNC_SESSION_IDS_HEADER, listing.startedSessionIds.join(','));
    return listing.accounts;
  }
}
