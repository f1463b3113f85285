import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, UserApi } from '../auth/auth.decorators';
import type { UserScope } from '../database/scoped-data';
import { IdPipe } from '../http/id.pipe';
import { Problem } from '../http/problem';
import { TRANSACTION_PAGE, TransactionPage, TransactionView, TransactionsQuery } from './transaction.dto';
import { TransactionsService } from './transactions.service';

/** User API: an account's transactions. */
@ApiTags('transactions')
@UserApi()
@Controller('api/v2/accounts/:accountId/transactions')
export class TransactionsController {
  constructor(private readonly transactions: TransactionsService) {}

  @Get()
  @ApiOperation({
    operationId: 'listTransactions',
    summary: "An account's transactions, newest first",
    description:
      'Filter by listed date (from/to, inclusive, bank calendar days; see listedDate) and kind. Keyset-paginated: pass nextCursor as cursor until it is null. ' +
      `Page size 1..${TRANSACTION_PAGE.max} (default ${TRANSACTION_PAGE.default}). Accounts of a withdrawn consent keep their data and stay readable here.`,
  })
  @ApiOkResponse({ type: TransactionPage })
  @ApiBadRequestResponse({ type: Problem })
  @ApiNotFoundResponse({ type: Problem })
  async list(@CurrentUser() scope: UserScope, @Param('accountId', new IdPipe('Account')) accountId: string, @Query() query: TransactionsQuery): Promise<TransactionPage> {
    const limit = query.limit ?? TRANSACTION_PAGE.default;
    const page = await this.transactions.page(scope, accountId, {
      limit,
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
      ...(query.kind !== undefined ? { kind: query.kind } : {}),
      ...(query.includeSuperseded !== undefined ? { includeSuperseded: query.includeSuperseded } : {}),
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
    });
    return { items: page.items.map(TransactionView.of), nextCursor: page.nextCursor, limit };
  }
}
