import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, UserApi } from '../auth/auth.decorators';
import type { UserScope } from '../database/scoped-data';
import { IdPipe } from '../http/id.pipe';
import { Problem } from '../http/problem';
import { MoneyView } from '../transactions/money.dto';
import { BalancesQuery, DailyBalancesView } from './balance.dto';
import { BalancesService } from './balances.service';

/** User API: an account's daily balances. */
@ApiTags('balances')
@UserApi()
@Controller('api/v2/accounts/:accountId/balances')
export class BalancesController {
  constructor(private readonly balances: BalancesService) {}

  @Get()
  @ApiOperation({ operationId: 'listBalances', summary: "An account's daily balances (balance after each day's last transaction), oldest first" })
  @ApiOkResponse({ type: DailyBalancesView })
  @ApiBadRequestResponse({ type: Problem })
  @ApiNotFoundResponse({ type: Problem })
  async list(@CurrentUser() scope: UserScope, @Param('accountId', new IdPipe('Account')) accountId: string, @Query() query: BalancesQuery): Promise<DailyBalancesView> {
    const { account, items } = await this.balances.range(scope, accountId, {
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
    });
    return {
      accountId: account.id,
      currency: account.currencyCode,
      items: items.map((b) => ({ date: b.date, balance: MoneyView.of(b.balanceMinor, b.currencyCode), source: b.source })),
    };
  }
}
