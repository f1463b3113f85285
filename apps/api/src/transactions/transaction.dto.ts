import { descriptionAgreements, linkMethods, transactionKinds } from '@kinko/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsCalendarDate } from '../http/calendar-date';
import { MoneyView } from './money.dto';
import type { TransactionRow } from './transactions.service';

/** Default and largest page of transactions. */
export const TRANSACTION_PAGE = { default: 100, max: 500 } as const;

/** `GET /api/v2/accounts/{accountId}/transactions` query. */
export class TransactionsQuery {
  @ApiPropertyOptional({ format: 'date', description: 'Transactions listed on or after this date (listedDate, a bank calendar day).' })
  @IsOptional()
  @IsCalendarDate()
  from?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Transactions listed on or before this date (listedDate).' })
  @IsOptional()
  @IsCalendarDate()
  to?: string;

  @ApiPropertyOptional({ enum: [...transactionKinds], description: 'Only this kind.' })
  @IsOptional()
  @IsIn([...transactionKinds])
  kind?: string;

  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description: 'Also list the pending/hold/scheduled rows their booked transaction replaced (linkedBookedId and linkEvidence set). Hidden by default, so nothing is counted twice.',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^(true|false)$/i.test(value) ? value.toLowerCase() === 'true' : value))
  @IsBoolean()
  includeSuperseded?: boolean;

  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: TRANSACTION_PAGE.max, default: TRANSACTION_PAGE.default })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(TRANSACTION_PAGE.max)
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page (opaque).' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

/** How a superseded pending/hold/scheduled row was paired with its booked successor (`linkedBookedId`). */
export class LinkEvidenceView {
  @ApiProperty({ enum: [...linkMethods], description: 'bankReference: both rows carry the same bank reference; amountDateDescription: same amount and currency, dates a few days apart, similar descriptions.' })
  method!: string;

  @ApiProperty({ type: Number, example: 1, description: "The booked row's transaction date minus this row's, in days." })
  dateDifferenceDays!: number;

  @ApiProperty({ type: String, example: '0', description: "The booked amount minus this row's, in minor units (a hold may settle at another amount)." })
  amountDifferenceMinor!: string;

  @ApiProperty({ enum: [...descriptionAgreements], description: 'same: equal after normalising case and white space; similar: one contains the other or half the words are shared; different.' })
  description!: string;

  @ApiProperty({ type: Number, minimum: 1, example: 1, description: 'How many booked rows could have been the successor (more than 1: the closest was taken — worth a review).' })
  candidates!: number;
}

/** One transaction; amounts exact (strings of minor units + decimal), never floats. */
export class TransactionView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  accountId!: string;

  @ApiProperty({ description: "The bank's id of the transaction." })
  bankTransactionId!: string;

  @ApiProperty({ enum: [...transactionKinds] })
  kind!: string;

  @ApiProperty({
    type: String,
    format: 'date',
    nullable: true,
    description: 'When it happened, a bank calendar day. null: the bank does not report it (its kind is filtered on another date, e.g. Berlin Group pending items); see listedDate.',
  })
  transactionDate!: string | null;

  @ApiProperty({ type: String, format: 'date', nullable: true, description: 'When the bank posted it to the account; null when not (yet) booked or not reported.' })
  bookingDate!: string | null;

  @ApiProperty({ type: String, format: 'date', nullable: true, description: 'When the money became (pending: is expected to become) available or ceased to be; null when not reported.' })
  valueDate!: string | null;

  @ApiProperty({
    format: 'date',
    description:
      'The day it is listed under (listings are ordered and from/to filter by it): transactionDate, else bookingDate, else valueDate, else (a bank reporting none of them) the day it was first fetched.',
  })
  listedDate!: string;

  @ApiProperty({ type: MoneyView, description: '+ in, − out.' })
  amount!: MoneyView;

  @ApiProperty({ type: MoneyView, nullable: true, description: 'The balance right after it, when the bank gives it.' })
  balanceAfter!: MoneyView | null;

  @ApiProperty()
  description!: string;

  @ApiProperty({ type: String, nullable: true })
  bankReference!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'On a pending/hold/scheduled row: the booked transaction that replaced it.' })
  linkedBookedId!: string | null;

  @ApiProperty({ type: LinkEvidenceView, nullable: true, description: 'With linkedBookedId: how the pair was made, and how the two rows differ.' })
  linkEvidence!: LinkEvidenceView | null;

  @ApiProperty({ type: [String] })
  flags!: string[];

  static of(t: TransactionRow): TransactionView {
    return {
      id: t.id,
      accountId: t.accountId,
      bankTransactionId: t.bankTransactionId,
      kind: t.kind,
      transactionDate: t.transactionDate,
      bookingDate: t.bookingDate,
      valueDate: t.valueDate,
      listedDate: t.listedDate,
      amount: MoneyView.of(t.amountMinor, t.currencyCode),
      balanceAfter: t.balanceAfterMinor === null ? null : MoneyView.of(t.balanceAfterMinor, t.currencyCode),
      description: t.description,
      bankReference: t.bankReference,
      linkedBookedId: t.linkedBookedId,
      linkEvidence: t.linkEvidence,
      flags: t.flags,
    };
  }
}

/** A page of transactions, newest first (listed date, then the bank's order within the day, then id, descending). */
export class TransactionPage {
  @ApiProperty({ type: [TransactionView] })
  items!: TransactionView[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page.' })
  nextCursor!: string | null;

  @ApiProperty({ example: 100 })
  limit!: number;
}
