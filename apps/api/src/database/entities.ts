import { BankAccount } from '../accounts/bank-account.entity';
import { AuditLogEntry } from '../audit/audit-log-entry.entity';
import { AuthAttempt } from '../challenges/auth-attempt.entity';
import { DailyBalance } from '../balances/daily-balance.entity';
import { ConnectionStatusChange } from '../connections/connection-status-change.entity';
import { Connection } from '../connections/connection.entity';
import { Consent } from '../connections/consent.entity';
import { ConnectFlow } from '../connections/connect-flow.entity';
import { LinkPageSession } from '../link/link-page-session.entity';
import { ConnectionSecret } from '../secrets/connection-secret.entity';
import { ConnectionSchedule } from '../sync/connection-schedule.entity';
import { SyncAccountResult } from '../sync/sync-account-result.entity';
import { SyncSession } from '../sync/sync-session.entity';
import { SyncRateLimit } from '../sync/sync-rate-limit.entity';
import { SyncStage } from '../sync/sync-stage.entity';
import { UnattendedAccess } from '../sync/unattended-access.entity';
import { ApiKey } from '../tenants/api-key.entity';
import { IdempotencyKey } from '../idempotency/idempotency-key.entity';
import { ConsentExpiryWarning } from '../consents/consent-expiry-warning.entity';
import { Tenant } from '../tenants/tenant.entity';
import { TransactionChange } from '../transactions/transaction-change.entity';
import { Transaction } from '../transactions/transaction.entity';
import { User } from '../users/user.entity';
import { WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint, WebhookEvent } from '../webhooks/webhook.entities';

/**
 * Every entity of the app, in one list (the data source and the migration generator read
 * it). A new table: add its entity here, then `pnpm --filter @kinko/api migration:generate <Name>`.
 */
export const ENTITIES = [
  Tenant,
  ApiKey,
  IdempotencyKey,
  User,
  Connection,
  ConnectionStatusChange,
  Consent,
  ConnectionSecret,
  ConnectionSchedule,
  ConnectFlow,
  BankAccount,
  Transaction,
  TransactionChange,
  DailyBalance,
  SyncSession,
  SyncStage,
  SyncAccountResult,
  UnattendedAccess,
  SyncRateLimit,
  AuditLogEntry,
  AuthAttempt,
  LinkPageSession,
  ConsentExpiryWarning,
  WebhookEndpoint,
  WebhookEvent,
  WebhookDelivery,
  WebhookDeliveryAttempt,
] as const;
