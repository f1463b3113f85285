import type { INestApplicationContext } from '@nestjs/common';
import { Redacted } from 'effect';
import { DataSource } from 'typeorm';
import { BankAccount } from '../../src/accounts/bank-account.entity';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { UserTokensService } from '../../src/auth/user-tokens.service';
import { AuthAttempt } from '../../src/challenges/auth-attempt.entity';
import { sealChallengePayload } from '../../src/challenges/challenge-payload';
import { DailyBalance } from '../../src/balances/daily-balance.entity';
import { ConnectionStatusChange } from '../../src/connections/connection-status-change.entity';
import { Connection } from '../../src/connections/connection.entity';
import { Consent } from '../../src/connections/consent.entity';
import { ConsentExpiryWarning } from '../../src/consents/consent-expiry-warning.entity';
import { ConnectFlow } from '../../src/connections/connect-flow.entity';
import { LinkPageSession } from '../../src/link/link-page-session.entity';
import type { BankEntry } from '../../src/config/settings';
import { newId } from '../../src/database/ids';
import type { MasterKeyring } from '../../src/secrets/master-keyring';
import { MASTER_KEYRING, SecretsService } from '../../src/secrets/secrets.service';
import { SyncAccountResult } from '../../src/sync/sync-account-result.entity';
import { SyncSession } from '../../src/sync/sync-session.entity';
import { SyncStage } from '../../src/sync/sync-stage.entity';
import { UnattendedAccess } from '../../src/sync/unattended-access.entity';
import { TenantsService } from '../../src/tenants/tenants.service';
import { Transaction } from '../../src/transactions/transaction.entity';
import { UsersService } from '../../src/users/users.service';
import { WebhooksService } from '../../src/webhooks/webhooks.service';

/**
 * The bank every seeded connection is at. Register it (`createTestApp(db, { banks: [SEED_BANK] })`)
 * to make it a known bank (connect flows start); its base URL answers nothing, so no bank
 * call can succeed. The seeded connections keep `connector_id` `bank-common-api`, which no
 * test registers: the sync engine skips them (unknown connector) and calls no bank.
 */
export const SEED_BANK: BankEntry = {
  bankId: 'seed-bank',
  connector: 'bank-common-api',
  options: { bankCode: '0001', bankName: 'Seed Bank', baseUrl: 'http://127.0.0.1:9', apiKey: 'seed-api-key', password: 'seed-password' },
};

/** Everything seeded for one user: one row (at least) in every user-owned table. */
export interface SeededUser {
  readonly tenantId: string;
  readonly userId: string;
  readonly externalId: string;
  /** A valid user token. */
  readonly token: string;
  readonly connectionId: string;
  readonly consentId: string;
  readonly accountId: string;
  readonly bookedTransactionId: string;
  readonly pendingTransactionId: string;
  readonly sessionId: string;
  readonly connectFlowId: string;
  /** The grant stored (encrypted) for the connection. */
  readonly grantPlaintext: string;
}

/** A user seeded with its tenant: also the id of a spare API key of the tenant (not the one the tests call with). */
export interface SeededTenantUser extends SeededUser {
  readonly spareApiKeyId: string;
  /** The tenant's webhook endpoint and one delivery of it (with an attempt). */
  readonly webhookEndpointId: string;
  readonly webhookDeliveryId: string;
}

/** A tenant with its API key and two users. */
export interface SeededTenant {
  readonly tenantId: string;
  readonly apiKey: string;
  readonly users: readonly [SeededTenantUser, SeededTenantUser];
}

/** Seeds one user's connection, consent, account, transactions, balance, session, ledger and secret. */
export async function seedUserData(app: INestApplicationContext, tenantId: string, externalId: string): Promise<SeededUser> {
  const ds = app.get(DataSource);
  const user = await app.get(UsersService).create({ tenantId }, externalId);
  const scope = { tenantId, userId: user.id };
  const now = new Date();

  const connectionId = newId();
  await ds.getRepository(Connection).save({
    id: connectionId,
    ...scope,
    connectorId: 'bank-common-api',
    bankId: SEED_BANK.bankId,
    aggregationStatus: 'success',
    aggregationStatusChangedAt: now,
    lastSuccessAt: now,
    deactivated: false,
  });
  await ds.getRepository(ConnectionStatusChange).save([
    { ...scope, connectionId, previousStatus: null, status: 'running.auth', changedAt: new Date(now.getTime() - 60_000), sessionId: null },
    { ...scope, connectionId, previousStatus: 'running.auth', status: 'success', changedAt: now, sessionId: null },
  ]);

  const consentId = newId();
  await ds.getRepository(Consent).save({
    id: consentId,
    ...scope,
    connectionId,
    externalId: `consent-${externalId}`,
    status: 'valid',
    invalidationReason: null,
    previousStatus: 'received',
    createDate: now,
    expirationDate: new Date(now.getTime() + 90 * 86_400_000),
    maxHistoryDays: 730,
    scope: { accounts: true, balances: true, transactions: ['booked', 'pending'] },
    lastScaAt: now,
  });
  await ds.getRepository(ConsentExpiryWarning).save({ ...scope, consentId, daysBefore: 14, sentAt: now });

  const accountId = newId();
  await ds.getRepository(BankAccount).save({
    id: accountId,
    ...scope,
    connectionId,
    consentId,
    bankAccountId: `acc-${externalId}`,
    iban: null,
    accountNumber: '*****67',
    currencyCode: 'JPY',
    holderInfo: `Holder ${externalId}`,
    holderType: 'individual',
    isBusiness: false,
    name: '普通預金',
    type: '普通',
    typeName: 'Ordinary deposit',
    providerType: 'api',
    importDate: now,
    lastSyncDate: now,
    lastTransactionDate: '2026-11-20',
    syncError: null,
    syncExecutionId: null,
    syncStatus: 'active',
    transactionSyncDate: now,
    transactionSyncStatus: 'completed',
    isActive: true,
    raw: { branch_code: '001' },
  });

  const bookedTransactionId = newId();
  const pendingTransactionId = newId();
  await ds.getRepository(Transaction).save([
    {
      id: bookedTransactionId,
      ...scope,
      accountId,
      bankTransactionId: `tx-${externalId}-1`,
      kind: 'booked',
      transactionDate: '2026-11-20',
      listedDate: '2026-11-20',
      bookingDate: '2026-11-20',
      amountMinor: -1200n,
      currencyCode: 'JPY',
      description: 'コンビニ',
      balanceAfterMinor: 98_800n,
      bankReference: null,
      linkedBookedId: null,
      flags: [],
      lastFetchedAt: now,
    },
  ]);
  await ds.getRepository(Transaction).save([
    {
      id: pendingTransactionId,
      ...scope,
      accountId,
      bankTransactionId: `tx-${externalId}-0`,
      kind: 'pending',
      transactionDate: '2026-11-19',
      listedDate: '2026-11-19',
      bookingDate: null,
      amountMinor: -1200n,
      currencyCode: 'JPY',
      description: 'コンビニ (pending)',
      balanceAfterMinor: null,
      bankReference: null,
      linkedBookedId: bookedTransactionId,
      flags: ['superseded'],
      lastFetchedAt: now,
    },
  ]);
  await ds.getRepository(DailyBalance).save({ accountId, date: '2026-11-20', ...scope, balanceMinor: 98_800n, currencyCode: 'JPY', source: 'bank' });

  const sessionId = newId();
  await ds.getRepository(SyncSession).save({
    id: sessionId,
    ...scope,
    connectionId,
    status: 'completed',
    requestedBy: 'user',
    parameters: { daysBack: 90 },
    error: null,
    startedAt: now,
    finishedAt: now,
  });
  await ds.getRepository(SyncStage).save({ sessionId, stage: 'transactions', ...scope, status: 'completed', counts: { transactions: 2 }, startedAt: now, finishedAt: now, error: null });
  await ds.getRepository(SyncAccountResult).save({ sessionId, accountId, ...scope, outcome: { accounts: 'ok', transactions: 'ok' }, recordedAt: now });
  await ds.getRepository(UnattendedAccess).save({ ...scope, accountId, accessedAt: now, sessionId });
  // The bank's shared request-rate state (a system row, not a user's: the same for every tenant).
  await ds.query(`INSERT INTO sync_rate_limits (connector_id, tat) VALUES ($1, now()) ON CONFLICT DO NOTHING`, [SEED_BANK.bankId]);

  const connectFlowId = newId();
  await ds.getRepository(ConnectFlow).save({
    id: connectFlowId,
    ...scope,
    bankId: SEED_BANK.bankId,
    connectorId: 'bank-common-api',
    stateHash: `seed-state-hash-${connectFlowId}`,
    redirectUri: 'http://127.0.0.1/api/v2/connect/callback',
    reconnectConnectionId: null,
    verifierMasterKeyId: null,
    verifierWrappedDataKey: null,
    verifierNonce: null,
    verifierCiphertext: null,
    verifierAuthTag: null,
    status: 'completed',
    expiresAt: now,
    usedAt: now,
    connectionId,
    error: null,
  });

  // An ended Link pages session (the hash of its cookie secret, the URL token it was exchanged for).
  await ds.getRepository(LinkPageSession).save({
    id: newId(),
    ...scope,
    secretHash: `seed-link-page-${connectFlowId}`,
    exchangedTokenId: `seed-token-${connectFlowId}`,
    tokenExpiresAt: now,
    expiresAt: now,
    renewedAt: now,
  });

  const grantPlaintext = `grant-canary-${externalId}-${newId()}`;
  const secrets = app.get(SecretsService);
  await secrets.store(scope, connectionId, 'grant', Redacted.make(grantPlaintext));
  await secrets.reveal(scope, connectionId, 'grant', { actor: 'system:fixtures', reason: 'seed' }); // one audit row

  // A challenge waiting for an answer (encrypted, like every challenge state), valid for a day.
  await ds.getRepository(AuthAttempt).save({
    id: newId(),
    ...scope,
    connectionId,
    connectorId: 'bank-common-api',
    phase: 'waiting',
    challengeKind: 'otp',
    step: 1,
    ...sealChallengePayload(app.get<MasterKeyring>(MASTER_KEYRING), { tenantId, connectionId }, { challenge: { kind: 'otp', prompt: 'ワンタイムパスワードを入力してください。', length: 6 }, state: Redacted.make(`seed-state-${externalId}`) }),
    expiresAt: new Date(now.getTime() + 86_400_000),
  });

  const token = (await app.get(UserTokensService).mint(scope)).token;
  // An Idempotency-Key the user used, with its stored answer.
  await ds.query(`INSERT INTO idempotency_keys (principal, key, request_hash, response_status, response_body) VALUES ($1, 'seed-key', $2, 202, $3)`, [
    `user:${tenantId}:${user.id}`,
    Buffer.alloc(32, 1),
    JSON.stringify({ sessionId }),
  ]);
  return { tenantId, userId: user.id, externalId, token, connectionId, consentId, accountId, bookedTransactionId, pendingTransactionId, sessionId, connectFlowId, grantPlaintext };
}

/** Seeds a tenant with an API key and two users, each with data in every table. */
export async function seedTenant(app: INestApplicationContext, name: string): Promise<SeededTenant> {
  const boot = await app.get(TenantsService).bootstrap(name);
  const a = await seedUserData(app, boot.tenant.id, `${name}-user-a`);
  const b = await seedUserData(app, boot.tenant.id, `${name}-user-b`);
  const spareApiKeyId = (await app.get(ApiKeysService).mint(boot.tenant.id, 'spare')).apiKeyId;
  const hooks = await seedWebhook(app, boot.tenant.id, a.userId);
  return { tenantId: boot.tenant.id, apiKey: boot.apiKey.apiKey, users: [{ ...a, spareApiKeyId, ...hooks }, { ...b, spareApiKeyId, ...hooks }] };
}

/** A webhook endpoint (an IP literal: registering it resolves nothing), an event, a delivered delivery and its attempt. */
async function seedWebhook(app: INestApplicationContext, tenantId: string, userId: string): Promise<{ webhookEndpointId: string; webhookDeliveryId: string }> {
  const ds = app.get(DataSource);
  const { endpoint } = await app.get(WebhooksService).create(tenantId, { url: 'https://93.184.216.34/kinko/webhooks', eventTypes: ['sync.finished'] });
  const eventId = `msg_${newId().replace(/-/g, '')}`;
  await ds.query(`INSERT INTO webhook_events (id, tenant_id, type, payload) VALUES ($1, $2, 'sync.finished', $3::jsonb)`, [eventId, tenantId, JSON.stringify({ type: 'sync.finished', data: { userId } })]);
  const webhookDeliveryId = newId();
  await ds.query(`INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, status, attempts, completed_at) VALUES ($1, $2, $3, $4, 'succeeded', 1, now())`, [webhookDeliveryId, tenantId, endpoint.id, eventId]);
  await ds.query(`INSERT INTO webhook_delivery_attempts (delivery_id, attempted_at, status_code, latency_ms) VALUES ($1, now(), 200, 12)`, [webhookDeliveryId]);
  return { webhookEndpointId: endpoint.id, webhookDeliveryId };
}

/** Columns that record use, not data: authenticating with an API key stamps when it was last used. */
const USE_STAMPS: Readonly<Record<string, readonly string[]>> = { api_keys: ['last_used_at'] };

/**
 * A checksum of every row of every table (except TypeORM's migration log and the use
 * stamps above): equal before and after a set of requests means they changed nothing.
 */
export async function databaseChecksum(ds: DataSource): Promise<Record<string, string>> {
  const tables: { table_name: string }[] = await ds.query(
    `select table_name from information_schema.tables
      where table_schema = 'public' and table_type = 'BASE TABLE' and table_name <> 'typeorm_migrations'
      order by table_name`,
  );
  const sums: Record<string, string> = {};
  for (const { table_name } of tables) {
    const stamps = USE_STAMPS[table_name];
    const row$ = stamps ? `(to_jsonb(t) - '{${stamps.join(',')}}'::text[])::text` : 't::text';
    const [row] = (await ds.query(`select count(*)::text as n, coalesce(md5(string_agg(${row$}, '|' order by ${row$})), '') as h from "${table_name}" t`)) as { n: string; h: string }[];
    sums[table_name] = `${row?.n}:${row?.h}`;
  }
  return sums;
}
