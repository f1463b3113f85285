import { accountSyncStatuses, consentStatuses, invalidationReasons, syncErrorTypes, transactionSyncStatuses } from '@kinko/domain';
import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { ConsentExpiryFields } from '../consents/expiry-fields';
import { LanguageQuery } from '../http/language';
import { RefreshQuotaFields } from '../sync/refresh-quota.dto';
import { HOLDER_TYPES } from './bank-account.entity';

/** The obsolete `consentStatus` of an account: active, or not. */
export const LEGACY_CONSENT_STATUSES = ['active', 'inactive'] as const;

/** `GET /api/v2/bankaccount` query. */
export class BankAccountQuery extends LanguageQuery {
  @ApiPropertyOptional({
    type: Boolean,
    description: 'true: also start an asynchronous sync of every account (all banks) whose grant is valid. The started session ids are in the `Kinko-Sync-Session-Ids` header.',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^(true|false)$/i.test(value) ? value.toLowerCase() === 'true' : value))
  @IsBoolean()
  RefreshActiveAccounts?: boolean;
}

/** The bank in a consent (seed: `consent.bank`). */
export class ConsentBankView {
  @ApiProperty({ example: 'bca-0001', description: 'The bankId.' })
  id!: string;

  @ApiProperty({ example: 'みずほ銀行', description: 'The bank name in the request language.' })
  name!: string;

  @ApiProperty({ example: 'みずほ銀行', description: "The bank's official (Japanese) name." })
  officialName!: string;
}

/** The consent section of an account (seed §2: EXPIRED is shown here). */
export class AccountConsentView extends ConsentExpiryFields {
  @ApiProperty({ type: ConsentBankView })
  bank!: ConsentBankView;

  @ApiProperty({ type: String, nullable: true, description: 'SWIFT/BIC of the bank, when known.' })
  bankSwiftCode!: string | null;

  @ApiProperty({ format: 'date-time' })
  createDate!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expirationDate!: string | null;

  @ApiProperty({ type: String, nullable: true })
  externalId!: string | null;

  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, nullable: true, enum: [...invalidationReasons], example: 'Expired' })
  invalidationReason!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'valid' })
  previousStatus!: string | null;

  @ApiProperty({ enum: [...consentStatuses], example: 'expired' })
  status!: string;

  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({ example: 'aisp', description: 'Account information access.' })
  userScope!: string;
}

/** Seed `externalConsents` item. */
export class ExternalConsentView {
  @ApiProperty({ format: 'uuid' })
  consentId!: string;

  @ApiProperty({ type: String, nullable: true })
  externalConsentId!: string | null;

  @ApiProperty({ type: [String], example: ['bca-0001'], description: 'The connectors the consent is used by.' })
  purposes!: string[];
}

/** The consent in a `lastSession` (seed, deprecated section). */
export class LastSessionConsentView {
  @ApiProperty({ type: String, nullable: true })
  externalId!: string | null;

  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'valid' })
  status!: string;
}

/** The last sync session of the account's connection (seed, deprecated section). */
export class LastSessionView {
  @ApiProperty({ type: LastSessionConsentView, nullable: true })
  consent!: LastSessionConsentView | null;

  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'finished', description: 'The session’s current stage.' })
  stage!: string;

  @ApiProperty({ example: 'completed', description: 'pending | running | completed | partiallyFailed | failed.' })
  status!: string;

  @ApiProperty({ format: 'date-time' })
  syncDate!: string;
}

/** The bank's failed answer in a `syncError`. */
export class AspspResponseView {
  @ApiProperty({ example: 'badRequest' })
  status!: string;

  @ApiProperty({ example: 'some_error_message' })
  content!: string;
}

/** Seed `syncError`: the first failure of the account's last session. */
export class SyncErrorView {
  @ApiProperty({ type: AspspResponseView, nullable: true })
  aspspResponse!: AspspResponseView | null;

  @ApiProperty({ enum: [...syncErrorTypes] })
  errorType!: string;

  @ApiProperty({ description: 'The session execution the error happened in.' })
  executionId!: string;

  @ApiProperty({ example: 'Generic error' })
  message!: string;
}

/** A secondary identifier of the account (e.g. its number as the bank shows it). */
export class SecondaryIdentifierView {
  @ApiProperty({ example: 'accountNumber' })
  type!: string;

  @ApiProperty({ example: '*****67' })
  value!: string;
}

/**
 * A bank account — the seed's account object (`seeds/ais-refresh-mechanism.pl.txt`), plus
 * the connection's aggregation status. `consentId`, `consentStatus`, `isActive`,
 * `lastSession` and `lastSessionStatus` are kept and filled, but deprecated (the seed marks
 * them obsolete): read `consent`, `syncStatus` and the session endpoints instead. Also
 * its consent's `expiresAt`/`daysUntilExpiry` and its unattended-refresh quota.
 */
export class BankAccountView extends IntersectionType(ConsentExpiryFields, RefreshQuotaFields) {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid', description: 'The connection (bank registration) the account belongs to.' })
  connectionId!: string;

  @ApiProperty({ example: 'bca-0001' })
  bankId!: string;

  @ApiProperty({ type: AccountConsentView, nullable: true })
  consent!: AccountConsentView | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, deprecated: true, description: 'Obsolete: use consent.id.' })
  consentId!: string | null;

  @ApiProperty({ enum: [...LEGACY_CONSENT_STATUSES], deprecated: true, description: 'Obsolete: use consent.status.' })
  consentStatus!: (typeof LEGACY_CONSENT_STATUSES)[number];

  @ApiProperty({ example: 'JPY' })
  currencyCode!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The message of syncError, if any.' })
  errorMessage!: string | null;

  @ApiProperty({ type: [ExternalConsentView] })
  externalConsents!: ExternalConsentView[];

  @ApiProperty({ type: String, nullable: true, description: 'Execution id of the failure, when the last session failed for this account.' })
  failureMessageId!: string | null;

  @ApiProperty({ example: false })
  generateNotifications!: boolean;

  @ApiProperty({ example: false })
  hasImage!: boolean;

  @ApiProperty({ type: String, nullable: true })
  holderInfo!: string | null;

  @ApiProperty({ type: String, nullable: true, enum: [...HOLDER_TYPES] })
  holderType!: string | null;

  @ApiProperty({ type: String, nullable: true })
  iban!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '*****67', description: 'The account number as the bank shows it (possibly masked).' })
  accountNumber!: string | null;

  @ApiProperty({ format: 'date-time' })
  importDate!: string;

  @ApiProperty({ deprecated: true, description: 'Obsolete: listed accounts are always active; inactive ones (withdrawn consent) are not listed.' })
  isActive!: boolean;

  @ApiProperty({ example: false })
  isBusiness!: boolean;

  @ApiProperty({ type: LastSessionView, nullable: true, deprecated: true, description: 'Obsolete: use GET /api/v2/bank/session/{sessionId}.' })
  lastSession!: LastSessionView | null;

  @ApiProperty({ type: String, nullable: true, deprecated: true, description: 'Obsolete: the status of lastSession.' })
  lastSessionStatus!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last session that fetched the account and its balance.' })
  lastSyncDate!: string | null;

  @ApiProperty({ type: String, format: 'date', nullable: true, description: 'Date of the latest transaction stored (bank calendar day).' })
  lastTransactionDate!: string | null;

  @ApiProperty({ type: String, nullable: true })
  manualHolderInfo!: string | null;

  @ApiProperty({ type: String, nullable: true })
  manualRelation!: string | null;

  @ApiProperty({ example: 'api', description: 'api | scraping | manual.' })
  providerType!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: "The bank's own fields without a column." })
  raw!: Record<string, unknown>;

  @ApiProperty({ type: String, nullable: true })
  relations!: string | null;

  @ApiProperty({ type: String, nullable: true, description: "The bank's name for the account." })
  retrievedName!: string | null;

  @ApiProperty({ type: [SecondaryIdentifierView] })
  secondaryIdentifiers!: SecondaryIdentifierView[];

  @ApiProperty({ type: SyncErrorView, nullable: true })
  syncError!: SyncErrorView | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  syncExecutionId!: string | null;

  @ApiProperty({ description: 'Kinko refreshes the account in the background (the connection is active and its consent valid).' })
  syncOffline!: boolean;

  @ApiProperty({ enum: [...accountSyncStatuses], description: 'Whether the account and its balance synced in the last session (seed 3a).' })
  syncStatus!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last session in which every transaction endpoint succeeded.' })
  transactionSyncDate!: string | null;

  @ApiProperty({ type: String, nullable: true, enum: [...transactionSyncStatuses], description: 'Seed 3b.' })
  transactionSyncStatus!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '普通' })
  type!: string | null;

  @ApiProperty({ type: String, nullable: true })
  typeName!: string | null;

  @ApiProperty({ type: String, nullable: true })
  userName!: string | null;

  @ApiProperty({ example: 'success', description: "The connection's aggregation status (every account under a connection shows it)." })
  aggregationStatus!: string;

  @ApiProperty({ example: 'ただ今更新されました', description: 'The aggregation status in the request language.' })
  aggregationStatusLabel!: string;
}
