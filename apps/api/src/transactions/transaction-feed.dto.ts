import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { TransactionView } from './transaction.dto';

/** Default and largest number of changes in a page of the feed. */
export const FEED_PAGE = { default: 100, max: 500 } as const;

/** `GET /api/v2/transactions/sync` query. */
export class TransactionsSyncQuery {
  @ApiPropertyOptional({ description: 'The nextCursor of the previous page (opaque). Empty or absent: from the beginning.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: FEED_PAGE.max, default: FEED_PAGE.default, description: 'At most this many changes in the page.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(FEED_PAGE.max)
  count?: number;
}

/** A transaction gone from the listing. */
export class RemovedTransactionView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  accountId!: string;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'A pending/hold/scheduled transaction replaced by its booked successor: that booked transaction (in added, now or earlier). Null: deleted (not fetched again).',
  })
  successorId!: string | null;
}

/** One page of the transactions change feed. */
export class TransactionsSyncPage {
  @ApiProperty({ type: [TransactionView], description: 'New transactions, as they are now.' })
  added!: TransactionView[];

  @ApiProperty({ type: [TransactionView], description: 'Changed transactions, as they are now (apply as upserts by id: one may come before its added).' })
  modified!: TransactionView[];

  @ApiProperty({ type: [RemovedTransactionView], description: 'Transactions to drop (an id never seen can be ignored).' })
  removed!: RemovedTransactionView[];

  @ApiProperty({ description: 'Pass as cursor for the next page — also when hasMore is false, to get later changes. Never expires silently: an unusable one answers 410 cursor-unusable.' })
  nextCursor!: string;

  @ApiProperty({ description: 'More changes are ready now: read the next page at once.' })
  hasMore!: boolean;
}
