import { accountResultStatuses, sessionStatuses, stageStatuses, syncFailureErrorTypes, syncStages } from '@kinko/domain';
import type { SessionDetails, SessionStatusDetails, SessionStatusView, StageStatusView, SyncFailure } from '@kinko/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import { SYNC_REQUESTERS } from '../sync/sync-session.entity';
import type { SyncSessionViews } from '../sync/sync.service';
import { SYNC_SKIP_REASONS } from './skip-conflict';

/** The `idType`s of `POST /api/v2/bank/{idType}/{idValue}/sync`: what `idValue` names. */
export const SYNC_ID_TYPES = ['connectionId', 'accountId', 'consentId', 'iban', 'bankCode'] as const;
/** What `idValue` names. */
export type SyncIdType = (typeof SYNC_ID_TYPES)[number];

/** Body of a sync request. */
export class SyncRequest {
  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: 1460,
    description:
      'Days back for an account not fetched before (seed: without the user present at most 90 are fetched; after SCA up to the consent’s maximum). ' +
      'Once transactions exist, every sync fetches from the latest one minus 4 days, whatever daysBack says.',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(1460)
  daysBack?: number | null;
}

/** A connection a sync request left out. */
export class SkippedConnectionView {
  @ApiProperty({ format: 'uuid' })
  connectionId!: string;

  @ApiProperty({
    enum: [...SYNC_SKIP_REASONS],
    description: 'inactive: deactivated; no-grant / consent-expired / consent-not-active: reconnect; unknown-connector: the bank is no longer offered.',
  })
  reason!: string;
}

/** The sessions a sync request started (or joined: a connection already syncing contributes its running session). */
export class SyncStartedView {
  @ApiProperty({ format: 'uuid', description: 'The first session (the seed returns one session id).', example: '8f14e45f-ceea-467a-9575-3c1d2a6b7e01' })
  sessionId!: string;

  @ApiProperty({ type: [String], description: 'One session per connection synced.', example: ['8f14e45f-ceea-467a-9575-3c1d2a6b7e01', 'c9f0f895-fb98-4b91-a0b8-d1a5e0f3b2a4'] })
  sessionIds!: string[];

  @ApiProperty({ type: [SkippedConnectionView] })
  skipped!: SkippedConnectionView[];
}

/** Why a stage or an account failed. */
export class SyncFailureView {
  @ApiProperty({ enum: [...syncFailureErrorTypes] })
  errorType!: string;

  @ApiPropertyOptional({ description: "The bank's failed answer (aspspResponse only)." })
  aspspResponse?: { status: string; content: string };

  @ApiProperty()
  message!: string;
}

/** A finished session's error: its failure and, when the bank's error caused it, the whole connector error. */
export class SessionErrorView extends SyncFailureView {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
    description: "The connector's error behind the failure: its `_tag` and plain fields (message, code, httpStatus, the bank's bounded content, retryAfterMs, bankAccountId, challengeKind…). Never secrets.",
    example: { _tag: 'RateLimited', message: 'the bank answered 429', httpStatus: 429, content: '' },
  })
  connectorError?: Record<string, string | number | boolean>;
}

/** Counts of a stage. */
export class StageCountsView {
  @ApiProperty({ example: 3 }) requestsMade!: number;
  @ApiProperty({ example: 120 }) itemsFetched!: number;
  @ApiProperty({ example: 118 }) itemsWritten!: number;
  @ApiProperty({ example: 0 }) errors!: number;
}

/** `GET /api/v2/bank/session/{sessionId}/status`. */
export class SessionStatusResponse {
  @ApiProperty({ format: 'uuid', example: '8f14e45f-ceea-467a-9575-3c1d2a6b7e01' })
  sessionId!: string;

  @ApiProperty({ enum: [...sessionStatuses], example: 'completed' })
  status!: string;

  @ApiProperty({ enum: [...syncStages], description: 'The stage running now (or the last one reached).', example: 'finished' })
  stage!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-12-06T09:00:04.512Z' })
  finishedAt!: string | null;

  static of(v: SessionStatusView): SessionStatusResponse {
    return { sessionId: v.sessionId, status: v.status, stage: v.stage, finishedAt: iso(v.finishedAt) };
  }
}

/** `GET /api/v2/bank/session/{sessionId}/stage/{stage}/status`. */
export class StageStatusResponse {
  @ApiProperty({ format: 'uuid', example: '8f14e45f-ceea-467a-9575-3c1d2a6b7e01' })
  sessionId!: string;

  @ApiProperty({ enum: [...syncStages], example: 'transactions' })
  stage!: string;

  @ApiProperty({ enum: [...stageStatuses], example: 'completed' })
  status!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-12-06T09:00:01.204Z' })
  startedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-12-06T09:00:03.877Z' })
  endedAt!: string | null;

  @ApiProperty({ type: StageCountsView })
  counts!: StageCountsView;

  @ApiProperty({ type: SyncFailureView, nullable: true })
  failure!: SyncFailureView | null;

  static of(v: StageStatusView): StageStatusResponse {
    return { sessionId: v.sessionId, stage: v.stage, status: v.status, startedAt: iso(v.startedAt), endedAt: iso(v.endedAt), counts: { ...v.counts }, failure: failureOf(v.failure) };
  }
}

/** One stage's result for one account. */
export class AccountStageResultView {
  @ApiProperty({ enum: [...syncStages] })
  stage!: string;

  @ApiProperty({ enum: [...accountResultStatuses] })
  status!: string;

  @ApiProperty() itemsFetched!: number;
  @ApiProperty() itemsWritten!: number;

  @ApiProperty({ type: SyncFailureView, nullable: true })
  failure!: SyncFailureView | null;
}

/** One account in the status details. */
export class AccountStatusDetailsView {
  @ApiProperty({ format: 'uuid', example: '45c48cce-2e2d-4fbd-a1ef-0c7b1c2d3e4f' })
  accountId!: string;

  @ApiProperty({ enum: [...accountResultStatuses] })
  status!: string;

  @ApiProperty({ type: [AccountStageResultView] })
  stages!: AccountStageResultView[];
}

/** `GET /api/v2/bank/session/{sessionId}/status/details`: every stage and every account. */
export class SessionStatusDetailsResponse extends SessionStatusResponse {
  @ApiProperty({ type: [StageStatusResponse] })
  stages!: StageStatusResponse[];

  @ApiProperty({ type: [AccountStatusDetailsView] })
  accounts!: AccountStatusDetailsView[];

  static ofDetails(v: SessionStatusDetails): SessionStatusDetailsResponse {
    return {
      ...SessionStatusResponse.of(v),
      stages: v.stages.map(StageStatusResponse.of),
      accounts: v.accounts.map((a) => ({
        accountId: a.accountId,
        status: a.status,
        stages: a.stages.map((s) => ({ stage: s.stage, status: s.status, itemsFetched: s.itemsFetched, itemsWritten: s.itemsWritten, failure: failureOf(s.failure) })),
      })),
    };
  }
}

/** Fetched/written counts. */
export class FetchedWrittenView {
  @ApiProperty() fetched!: number;
  @ApiProperty() written!: number;
}

/** What a session fetched and wrote. */
export class DataFetchedView {
  @ApiProperty() accounts!: number;
  @ApiProperty() balances!: number;
  @ApiProperty({ type: FetchedWrittenView }) transactions!: FetchedWrittenView;
  @ApiProperty({ type: FetchedWrittenView }) transactionDetails!: FetchedWrittenView;
  @ApiProperty({ type: StageCountsView }) totals!: StageCountsView;
}

/** `GET /api/v2/bank/session/{sessionId}`: the session plus the data fetched. */
export class SessionDetailsResponse extends SessionStatusResponse {
  @ApiProperty({ format: 'uuid' })
  connectionId!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ enum: [...SYNC_REQUESTERS] })
  requestedBy!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { daysBack: null, scaJustPerformed: true } })
  parameters!: Record<string, unknown>;

  @ApiProperty({ type: [String], description: 'The accounts the session touched.' })
  accountIds!: string[];

  @ApiProperty({ type: DataFetchedView })
  dataFetched!: DataFetchedView;

  @ApiProperty({ type: SessionErrorView, nullable: true, description: 'Why the session failed, once it has ended failed; null otherwise.' })
  error!: SessionErrorView | null;

  static ofViews(v: SyncSessionViews): SessionDetailsResponse {
    const d: SessionDetails = v.details;
    return {
      ...SessionStatusResponse.of(d),
      connectionId: d.connectionId,
      createdAt: d.createdAt.toISOString(),
      requestedBy: v.requestedBy,
      parameters: { ...v.parameters },
      accountIds: [...d.accountIds],
      error: d.finishedAt === null ? null : sessionErrorOf(v.error),
      dataFetched: {
        accounts: d.dataFetched.accounts,
        balances: d.dataFetched.balances,
        transactions: { ...d.dataFetched.transactions },
        transactionDetails: { ...d.dataFetched.transactionDetails },
        totals: { ...d.dataFetched.totals },
      },
    };
  }
}

function iso(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}

/** The stored session error as its view (the failure's fields, the connector error's plain fields); null when none was stored. */
function sessionErrorOf(stored: Readonly<Record<string, unknown>> | null): SessionErrorView | null {
  if (stored === null || typeof stored['errorType'] !== 'string' || typeof stored['message'] !== 'string') return null;
  const view = failureOf(stored as unknown as SyncFailure) as SessionErrorView;
  const raw = stored['connectorError'];
  if (raw === null || typeof raw !== 'object') return view;
  const connectorError: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(raw)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') connectorError[k] = v;
  return { ...view, connectorError };
}

function failureOf(f: SyncFailure | null): SyncFailureView | null {
  if (f === null) return null;
  return f.errorType === 'aspspResponse' ? { errorType: f.errorType, aspspResponse: { ...f.aspspResponse }, message: f.message } : { errorType: f.errorType, message: f.message };
}
