import type { Clock, PsuContext } from '@kinko/connector-sdk';
import { type Language, describeStatus, parseAggregationStatus, sessionStatusView } from '@kinko/domain';
import { Injectable, Logger } from '@nestjs/common';
import { types } from 'pg';
import { PreparedSql } from '../database/prepared-sql';
import { InjectClock } from '../common/clock';
import { ConsentsService } from '../consents/consents.service';
import { expiryFields } from '../consents/expiry-fields';
import { Consent } from '../connections/consent.entity';
import { BankDirectory } from '../connectors/bank-directory';
import { ScopedData, type UserScope } from '../database/scoped-data';
import { type AccountResultRowDb, type SessionDbRow, type StageRowDb, domainSessionOf, sessionRowOf } from '../sync/session-store';
import { RefreshQuotas } from '../sync/refresh-quota';
import { quotaFields } from '../sync/refresh-quota.dto';
import { psuParameters, userPresentIn } from '../sync/session-psu';
import { SyncService } from '../sync/sync.service';
import type { SyncTarget } from '../sync/sync.types';
import { Connection } from '../connections/connection.entity';
import type { BankAccountView, LastSessionView } from './bank-account.dto';
import { type AccountSyncError, BankAccount } from './bank-account.entity';

/** What `GET /api/v2/bankaccount` did. */
export interface BankAccountListing {
  readonly accounts: BankAccountView[];
  /** Sessions started by RefreshActiveAccounts=true (empty otherwise). */
  readonly startedSessionIds: readonly string[];
}

/**
 * The user's bank accounts in the seed's shape. Only active accounts are listed (a
 * withdrawn consent makes its accounts inactive: hidden, data kept). Consents are
 * evaluated at the clock's now first, so an expired one shows status expired with
 * invalidationReason Expired while its accounts stay listed (the seed's example).
 */
@Injectable()
export class AccountsService {
  private readonly logger = new Logger('Accounts');

  constructor(
    private readonly data: ScopedData,
    private readonly banks: BankDirectory,
    private readonly consents: ConsentsService,
    private readonly sync: SyncService,
    @InjectClock() private readonly clock: Clock,
    private readonly sql: PreparedSql,
    private readonly quotas: RefreshQuotas,
  ) {}

  /**
   * What RefreshActiveAccounts=true syncs: every connection when the user is present; when not
   * (the tenant's API key acting as the user without the user's address: the session is
   * unattended, {@link userPresentIn}), only the connections whose unattended-access quota
   * allows a refresh now — the others are deferred like the scheduler's (their accounts'
   * quota fields say when one is possible again).
   */
  private async refreshTarget(scope: UserScope, psu: PsuContext | undefined): Promise<SyncTarget> {
    if (userPresentIn('user', psuParameters('user', psu))) return { all: true };
    const connections = await this.data.forUser(Connection, scope).find();
    const quotas = await this.quotas.ofConnections(scope.tenantId, connections, this.clock.now());
    const refused = connections.filter((c) => quotas.get(c.id)?.remaining === 0);
    if (refused.length > 0) this.logger.debug(`unattended refresh deferred for ${refused.map((c) => c.id).join(', ')}: the unattended-access quota is spent`);
    return { connectionIds: connections.filter((c) => !refused.includes(c)).map((c) => c.id) };
  }

  /**
   * The active accounts; with `refresh`, first starts an asynchronous sync of every
   * connection whose grant is valid (the sync engine skips the others, e.g. an expired
   * consent, without calling the bank).
   */
  async list(scope: UserScope, options: { readonly refresh: boolean; readonly lang: Language; readonly psu?: PsuContext }): Promise<BankAccountListing> {
    let startedSessionIds: readonly string[] = [];
    if (options.refresh) {
      const target = await this.refreshTarget(scope, options.psu);
      const started = await this.sync.startSync(scope, target, { requestedBy: 'user', ...(options.psu ? { psu: options.psu } : {}) });
      startedSessionIds = started.sessionIds;
      if (started.skipped.length > 0) this.logger.debug(`refresh skipped ${started.skipped.map((s) => `${s.connectionId}:${s.reason}`).join(', ')}`);
    }
    // One statement for the active accounts and their connections (the FK makes every
    // account's connection exist), mapped straight from the rows: no entity hydration.
    const rows = await this.sql.rows<AccountWithConnectionRow>(
      `SELECT a.id, a.connection_id, a.consent_id, a.iban, a.account_number, a.currency_code, a.holder_info, a.holder_type, a.is_business,
              a.name, a.type, a.type_name, a.provider_type, a.import_date, a.last_sync_date, a.last_transaction_date, a.sync_error,
              a.sync_execution_id, a.sync_status, a.transaction_sync_date, a.transaction_sync_status, a.is_active, a.raw,
              c.connector_id, c.bank_id, c.aggregation_status, c.last_success_at, c.deactivated
         FROM bank_accounts a
         JOIN connections c ON c.tenant_id = a.tenant_id AND c.user_id = a.user_id AND c.id = a.connection_id
        WHERE a.tenant_id = $1 AND a.user_id = $2 AND a.is_active
        ORDER BY a.created_at, a.id`,
      [scope.tenantId, scope.userId],
    );
    return { accounts: await this.views(scope, rows, options.lang), startedSessionIds };
  }

  /** One of the user's accounts (active or not); {@link NotFoundError} otherwise. */
  get(scope: UserScope, accountId: string): Promise<BankAccount> {
    return this.data.forUser(BankAccount, scope).get({ id: accountId });
  }

  // Accounts in the seed's shape, with their consent, connection status and last session.
  private async views(scope: UserScope, accounts: readonly AccountWithConnectionRow[], lang: Language): Promise<BankAccountView[]> {
    if (accounts.length === 0) return [];
    const connectionIds = [...new Set(accounts.map((a) => a.connection_id))];
    const consentRows = (
      await this.sql.rows<RawConsentRow>(
      `SELECT id, tenant_id, user_id, connection_id, external_id, status, invalidation_reason, previous_status, create_date, expiration_date,
              max_history_days, scope, last_sca_at, updated_at
         FROM consents WHERE tenant_id = $1 AND user_id = $2 AND connection_id = ANY($3::uuid[])
        ORDER BY create_date DESC, id DESC`,
      [scope.tenantId, scope.userId, connectionIds],
      )
    ).map(consentOf);
    const consents = new Map((await this.consents.evaluate(scope, consentRows)).map((c) => [c.id, c]));
    const newestConsent = new Map<string, Consent>();
    for (const c of consents.values()) if (!newestConsent.has(c.connectionId)) newestConsent.set(c.connectionId, c);
    const lastSessions = await this.lastSessions(scope, connectionIds);
    const now = this.clock.now();
    const connectionsById = new Map(accounts.map((a) => [a.connection_id, { id: a.connection_id, connectorId: a.connector_id }]));
    const quotas = await this.quotas.ofConnections(scope.tenantId, [...connectionsById.values()], now);

    return accounts.map((row): BankAccountView => {
      const a = accountOf(row);
      const connection = { connectorId: row.connector_id, bankId: row.bank_id, aggregationStatus: row.aggregation_status, lastSuccessAt: row.last_success_at, deactivated: row.deactivated };
      const consent = (a.consentId ? consents.get(a.consentId) : undefined) ?? newestConsent.get(a.connectionId) ?? null;
      const bankId = connection.bankId ?? connection.connectorId;
      const bank = this.banks.get(bankId);
      const names = bank?.manifest.displayName;
      const described = describeStatus(parseAggregationStatus(connection.aggregationStatus), lang, connection.lastSuccessAt ? { succeededAt: connection.lastSuccessAt, now } : undefined);
      const consentActive = consent?.status === 'valid';
      const last = lastSessions.get(a.connectionId) ?? null;
      const lastSession: LastSessionView | null = last
        ? { consent: consent ? { externalId: consent.externalId, id: consent.id, status: consent.status } : null, id: last.id, stage: last.stage, status: last.status, syncDate: last.syncDate.toISOString() }
        : null;
      const budget = quotas.get(a.connectionId)?.accounts.get(a.id);
      return {
        id: a.id,
        connectionId: a.connectionId,
        bankId,
        ...expiryFields(consent?.expirationDate, now),
        ...quotaFields(budget ? { nextRefreshPossibleAt: budget.nextAllowedAt, remaining: budget.remaining } : undefined),
        consent: consent
          ? {
              bank: { id: bankId, name: names?.[lang] ?? bankId, officialName: names?.ja ?? bankId },
              bankSwiftCode: null,
              createDate: consent.createDate.toISOString(),
              expirationDate: consent.expirationDate?.toISOString() ?? null,
              externalId: consent.externalId,
              id: consent.id,
              invalidationReason: consent.invalidationReason,
              previousStatus: consent.previousStatus,
              status: consent.status,
              userId: scope.userId,
              ...expiryFields(consent.expirationDate, now),
              userScope: 'aisp',
            }
          : null,
        consentId: consent?.id ?? null,
        consentStatus: consentActive ? 'active' : 'inactive',
        currencyCode: a.currencyCode,
        errorMessage: a.syncError?.message ?? null,
        externalConsents: consent ? [{ consentId: consent.id, externalConsentId: consent.externalId, purposes: [connection.connectorId] }] : [],
        failureMessageId: a.syncError?.executionId ?? null,
        generateNotifications: false,
        hasImage: false,
        holderInfo: a.holderInfo,
        holderType: a.holderType,
        iban: a.iban,
        accountNumber: a.accountNumber,
        importDate: a.importDate.toISOString(),
        isActive: a.isActive,
        isBusiness: a.isBusiness,
        lastSession,
        lastSessionStatus: last?.status ?? null,
        lastSyncDate: a.lastSyncDate?.toISOString() ?? null,
        lastTransactionDate: a.lastTransactionDate,
        manualHolderInfo: null,
        manualRelation: null,
        providerType: a.providerType,
        raw: a.raw,
        relations: null,
        retrievedName: a.name,
        secondaryIdentifiers: a.accountNumber ? [{ type: 'accountNumber', value: a.accountNumber }] : [],
        syncError: a.syncError ? { aspspResponse: a.syncError.aspspResponse ?? null, errorType: a.syncError.errorType, executionId: a.syncError.executionId, message: a.syncError.message } : null,
        syncExecutionId: a.syncExecutionId,
        syncOffline: consentActive && !connection.deactivated,
        syncStatus: a.syncStatus,
        transactionSyncDate: a.transactionSyncDate?.toISOString() ?? null,
        transactionSyncStatus: a.transactionSyncStatus,
        type: a.type,
        typeName: a.typeName,
        userName: a.holderInfo,
        aggregationStatus: connection.aggregationStatus,
        aggregationStatusLabel: described.label,
      };
    });
  }

  // The newest session of each connection, with its status and stage as the sync engine's
  // views give them. One statement: the session rows with their stage rows and account
  // results aggregated beside them (each scoped to tenant + user like the session). The
  // stage instants travel as text and go through pg's own timestamptz parser, so they are
  // the same Dates a direct read gives.
  private async lastSessions(scope: UserScope, connectionIds: readonly string[]): Promise<Map<string, { id: string; status: string; stage: string; syncDate: Date }>> {
    const rows = await this.sql.rows<RawSessionRow>(
      `WITH last AS (
         SELECT DISTINCT ON (connection_id) id, tenant_id, user_id, connection_id, status, requested_by, parameters, error, created_at, started_at, finished_at
           FROM sync_sessions WHERE tenant_id = $1 AND user_id = $2 AND connection_id = ANY($3::uuid[])
          ORDER BY connection_id, created_at DESC, id DESC)
       SELECT last.*,
              (SELECT json_agg(json_build_object('stage', st.stage, 'status', st.status, 'counts', st.counts, 'started_at', st.started_at::text,
                                                 'finished_at', st.finished_at::text, 'error', st.error))
                 FROM sync_stages st WHERE st.session_id = last.id AND st.tenant_id = last.tenant_id AND st.user_id = last.user_id) AS stages,
              (SELECT json_agg(json_build_object('account_id', r.account_id, 'outcome', r.outcome) ORDER BY r.recorded_at, r.account_id)
                 FROM sync_account_results r WHERE r.session_id = last.id AND r.tenant_id = last.tenant_id AND r.user_id = last.user_id) AS account_results
         FROM last`,
      [scope.tenantId, scope.userId, connectionIds],
    );
    const out = new Map<string, { id: string; status: string; stage: string; syncDate: Date }>();
    for (const r of rows) {
      const row = sessionRowOf(r);
      const stageRows: StageRowDb[] = (r.stages ?? []).map((st) => ({ ...st, started_at: instantOf(st.started_at), finished_at: instantOf(st.finished_at) }));
      const status = sessionStatusView(domainSessionOf(row, stageRows, r.account_results ?? []));
      out.set(row.connectionId, { id: row.id, status: status.status, stage: status.stage, syncDate: status.finishedAt ?? row.startedAt ?? row.createdAt });
    }
    return out;
  }
}

// pg's timestamptz (OID 1184) text parser: the one that makes the Dates of a direct read.
const parseInstant = types.getTypeParser(1184, 'text') as (value: string) => Date;
const instantOf = (text: string | null): Date | null => (text === null ? null : parseInstant(text));

interface RawSessionRow extends SessionDbRow {
  stages: Array<Omit<StageRowDb, 'started_at' | 'finished_at'> & { started_at: string | null; finished_at: string | null }> | null;
  account_results: AccountResultRowDb[] | null;
}

// A `bank_accounts` row (the columns the listing shows) with its connection's.
interface AccountWithConnectionRow {
  id: string;
  connection_id: string;
  consent_id: string | null;
  iban: string | null;
  account_number: string | null;
  currency_code: string;
  holder_info: string | null;
  holder_type: string | null;
  is_business: boolean;
  name: string | null;
  type: string | null;
  type_name: string | null;
  provider_type: string;
  import_date: Date;
  last_sync_date: Date | null;
  last_transaction_date: string | null;
  sync_error: AccountSyncError | null;
  sync_execution_id: string | null;
  sync_status: string;
  transaction_sync_date: Date | null;
  transaction_sync_status: string | null;
  is_active: boolean;
  raw: Record<string, unknown>;
  connector_id: string;
  bank_id: string | null;
  aggregation_status: string;
  last_success_at: Date | null;
  deactivated: boolean;
}

// The account fields the view reads, under the entity's names.
const accountOf = (r: AccountWithConnectionRow) => ({
  id: r.id,
  connectionId: r.connection_id,
  consentId: r.consent_id,
  iban: r.iban,
  accountNumber: r.account_number,
  currencyCode: r.currency_code,
  holderInfo: r.holder_info,
  holderType: r.holder_type,
  isBusiness: r.is_business,
  name: r.name,
  type: r.type,
  typeName: r.type_name,
  providerType: r.provider_type,
  importDate: r.import_date,
  lastSyncDate: r.last_sync_date,
  lastTransactionDate: r.last_transaction_date,
  syncError: r.sync_error,
  syncExecutionId: r.sync_execution_id,
  syncStatus: r.sync_status,
  transactionSyncDate: r.transaction_sync_date,
  transactionSyncStatus: r.transaction_sync_status,
  isActive: r.is_active,
  raw: r.raw,
});

interface RawConsentRow {
  id: string;
  tenant_id: string;
  user_id: string;
  connection_id: string;
  external_id: string | null;
  status: string;
  invalidation_reason: string | null;
  previous_status: string | null;
  create_date: Date;
  expiration_date: Date | null;
  max_history_days: number;
  scope: Record<string, unknown>;
  last_sca_at: Date | null;
  updated_at: Date;
}

// Every column of a `consents` row, as the entity has it (ConsentsService.evaluate may store a change).
const consentOf = (r: RawConsentRow): Consent =>
  Object.assign(new Consent(), {
    id: r.id,
    tenantId: r.tenant_id,
    userId: r.user_id,
    connectionId: r.connection_id,
    externalId: r.external_id,
    status: r.status,
    invalidationReason: r.invalidation_reason,
    previousStatus: r.previous_status,
    createDate: r.create_date,
    expirationDate: r.expiration_date,
    maxHistoryDays: r.max_history_days,
    scope: r.scope,
    lastScaAt: r.last_sca_at,
    updatedAt: r.updated_at,
  });
