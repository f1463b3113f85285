import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiGoneResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, UserApi } from '../auth/auth.decorators';
import type { UserScope } from '../database/scoped-data';
import { Problem, problemType } from '../http/problem';
import { FEED_PAGE, TransactionsSyncPage, TransactionsSyncQuery } from './transaction-feed.dto';
import { TransactionFeedService } from './transaction-feed.service';
import { TransactionView } from './transaction.dto';

/** User API: the change feed of the user's transactions (all accounts). */
@ApiTags('transactions')
@UserApi()
@Controller('api/v2/transactions')
export class TransactionFeedController {
  constructor(private readonly feed: TransactionFeedService) {}

  @Get('sync')
  @ApiOperation({
    operationId: 'readTransactionFeed',
    summary: "Changes to the user's transactions since a cursor",
    description:
      'The change feed over all the user\'s accounts: added, modified (each as it is now) and removed transactions (deleted, or a pending/hold/scheduled one replaced by its booked ' +
      'successor: successorId). Start with no cursor, then pass nextCursor back; read while hasMore, and keep the last nextCursor for later changes. Applying every page in order ' +
      '(added and modified as upserts by id, removed as deletes) reproduces the listing. Changes are never skipped, whatever order concurrent syncs commit in. ' +
      `Page size 1..${FEED_PAGE.max} changes (default ${FEED_PAGE.default}). Cursors survive restarts and never expire silently: ` +
      `${problemType('invalid-cursor')} (400) for a cursor this API did not return, ${problemType('cursor-unusable')} (410) for one it can no longer serve — start again from no cursor. ` +
      "The tenant reads a user's feed with its API key and the header Kinko-Acting-As-User: <userId> (the same pages and cursors).",
  })
  @ApiOkResponse({ type: TransactionsSyncPage })
  @ApiBadRequestResponse({ type: Problem, description: 'validation (count), or invalid-cursor.' })
  @ApiGoneResponse({ type: Problem, description: 'cursor-unusable: read the feed again from no cursor.' })
  @ApiNotFoundResponse({ type: Problem, description: "not-found: with the tenant's API key, Kinko-Acting-As-User names no user of the tenant." })
  async sync(@CurrentUser() scope: UserScope, @Query() query: TransactionsSyncQuery): Promise<TransactionsSyncPage> {
    const page = await this.feed.page(scope, query.cursor, query.count ?? FEED_PAGE.default);
    return { ...page, added: page.added.map(TransactionView.of), modified: page.modified.map(TransactionView.of) };
  }
}
