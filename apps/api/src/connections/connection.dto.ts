import { aggregationStatusGroups, consentStatuses, invalidationReasons } from '@kinko/domain';
import { ApiProperty } from '@nestjs/swagger';
import { ConsentExpiryFields } from '../consents/expiry-fields';
import { LocalizedNameView } from '../connectors/connector.dto';
import { RefreshQuotaFields } from '../sync/refresh-quota.dto';

/** The connection's current consent, in short. */
export class ConnectionConsentView extends ConsentExpiryFields {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: [...consentStatuses] })
  status!: string;

  @ApiProperty({ type: String, nullable: true, enum: [...invalidationReasons] })
  invalidationReason!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expirationDate!: string | null;
}

/** A connection (one bank registration) with its aggregation status, described in the request's language. */
export class ConnectionView extends RefreshQuotaFields {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'bca-0001' })
  connectorId!: string;

  @ApiProperty({ type: String, nullable: true, example: 'bca-0001' })
  bankId!: string | null;

  @ApiProperty({ type: LocalizedNameView, nullable: true, description: 'Null when the bank is no longer offered by this deployment.' })
  bankName!: LocalizedNameView | null;

  @ApiProperty({
    example: 'success',
    description:
      'The aggregation status (e.g. `running.auth`, `success`, `suspended.missing-answer.auth.otp`, `auth.creds.invalid`, `error.temporary`). ' +
      'New values may appear: handle unknown ones by prefix (`suspended.` waiting, `auth.` auth error, `error.` error, `running.` running).',
  })
  aggregationStatus!: string;

  @ApiProperty({ example: '3分前に更新されました', description: 'The status in the request language (Accept-Language or ?lang=ja|en|pl).' })
  aggregationStatusLabel!: string;

  @ApiProperty({ enum: [...aggregationStatusGroups] })
  aggregationStatusGroup!: string;

  @ApiProperty({
    example: 'none',
    description:
      "What the user should do next: the status's action (none, wait, answer-challenge, answer-at-link-page, re-enter-credentials, re-answer-challenge, " +
      're-answer-at-link-page, login-at-bank, contact-bank-then-reenter, log-out-elsewhere, retry-later, retry, reactivate), or `reconnect` when the ' +
      'consent is no longer valid (expired or withdrawn): start POST /api/v2/connect/{bankId} with this connectionId.',
  })
  nextAction!: string;

  @ApiProperty({ example: 'refresh-works', description: 'Whether a refresh is expected to help (wait, refresh-works, refresh-may-work, refresh-later, refresh-after-user-action, refresh-unlikely-to-help, reactivate-first).' })
  refreshAdvice!: string;

  @ApiProperty({ format: 'date-time' })
  aggregationStatusChangedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'End of the last run that finished with success.' })
  lastSuccessAt!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '3分前に更新されました', description: 'How long ago the last success was, in the request language.' })
  lastSuccessLabel!: string | null;

  @ApiProperty({ description: 'The user stopped using it: not aggregated, data kept.' })
  deactivated!: boolean;

  @ApiProperty({ type: ConnectionConsentView, nullable: true })
  consent!: ConnectionConsentView | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}
