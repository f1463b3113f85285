import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsCalendarDate } from '../http/calendar-date';
import { MoneyView } from '../transactions/money.dto';
import { BALANCE_SOURCES } from './daily-balance.entity';

/** Longest range of daily balances one request returns (four years and a day). */
export const MAX_BALANCE_DAYS = 1461;

/** `GET /api/v2/accounts/{accountId}/balances` query. */
export class BalancesQuery {
  @ApiPropertyOptional({ format: 'date', description: 'First day (inclusive). Default: the last day minus 1460 days.' })
  @IsOptional()
  @IsCalendarDate()
  from?: string;

  @ApiPropertyOptional({ format: 'date', description: `Last day (inclusive). A range spans at most ${MAX_BALANCE_DAYS} days.` })
  @IsOptional()
  @IsCalendarDate()
  to?: string;
}

/** The balance at the end of one day (after its last transaction). */
export class DailyBalanceView {
  @ApiProperty({ format: 'date', description: 'Bank calendar day.' })
  date!: string;

  @ApiProperty({ type: MoneyView })
  balance!: MoneyView;

  @ApiProperty({ enum: [...BALANCE_SOURCES], description: 'Reported by the bank, or derived from transactions.' })
  source!: string;
}

/** An account's daily balances, oldest first. */
export class DailyBalancesView {
  @ApiProperty({ format: 'uuid' })
  accountId!: string;

  @ApiProperty({ example: 'JPY' })
  currency!: string;

  @ApiProperty({ type: [DailyBalanceView] })
  items!: DailyBalanceView[];
}
