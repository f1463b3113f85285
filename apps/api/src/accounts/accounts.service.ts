import type { Clock } from '@kinko/connector-sdk';
import { type Language, describeStatus, parseAggregationStatus, sessionStatusView } from '@kinko/domain';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { InjectClock } from '../common/clock';
import { NotFoundError } from '../common/errors';
import { ConsentsService } from '../consents/consents.service';
import { Connection } from '../connections/connection.entity';
import { Consent } from '../connections/consent.entity';
import { BankDirectory } from '../connectors/bank-directory';
import { ScopedData, type UserScope } from '../database/scoped-data';
import { type SessionRow, loadDomainSession } from '../sync/session-store';
import { SyncService } from '../sync/sync.service';
import type { BankAccountView, LastSessionView } from './bank-account.dto';
import { BankAccount } from './bank-account.entity';

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
    private readonly dataSource: DataSource,
  ) {}

  /**
   * The active accounts; with `refresh`, first starts an asynchronous sync of every
   * connection whose grant is valid (the sync engine skips the others, e.g. an expired
   * consent, without calling the bank).
   */
  async list(scope: UserScope, options: { readonly refresh: boolean; readonly lang: Language }): Promise<BankAccountListing> {
    let startedSessionIds: readonly string[] = [];
    if (options.refresh) {
      const started = await this.sync.startSync(scope, { all: true }, { requestedBy: 'user' });
      startedSessionIds = started.sessionIds;
      if (started.skipped.length > 0) this.logger.debug(`refresh skipped ${started.skipped.map((s) => `${s.connectionId}:${s.reason}`).join(', ')}`);
    }
    const accounts = await this.data.forUser(BankAccount, scope).find({ where: { isActive: true }, order: { createdAt: 'ASC', id: 'ASC' } });
    return { accounts: await this.views(scope, accounts, options.lang), startedSessionIds };
  }

  /** One of the user's accounts (active or not); {@link NotFoundError} otherwise. */
  get(scope: UserScope, accountId: string): Promise<BankAccount> {
    return this.data.forUser(BankAccount, scope).get({ id: accountId });
  }

  /** Accounts in the seed's shape, with their consent, connection status and last session. */
  async views(scope: UserScope, accounts: readonly BankAccount[], lang: Language): Promise<BankAccountView[]> {
    if (accounts.length === 0) return [];
    const connectionIds = [...new Set(accounts.map((a) => a.connectionId))];
    const connections = new Map((await this.data.forUser(Connection, scope).find({ where: { id: In(connectionIds) } })).map((c) => [c.id, c]));
    const consentRows = await this.data.forUser(Consent, scope).find({ where: { connectionId: In(connectionIds) }, order: { createDate: 'DESC', id: 'DESC' } });
    const consents = new Map((await this.consents.evaluate(scope, consentRows)).map((c) => [c.id, c]));
    const newestConsent = new Map<string, Consent>();
    for (const c of consents.values()) if (!newestConsent.has(c.connectionId)) newestConsent.set(c.connectionId, c);
    const lastSessions = await this.lastSessions(scope, connectionIds);
    const now = this.clock.now();

    return accounts.map((a): BankAccountView => {
      const connection = connections.get(a.connectionId);
      if (!connection) throw new NotFoundError('Connection');
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
      return {
        id: a.id,
        connectionId: a.connectionId,
        bankId,
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
  // views give them: one plain query for the rows (no entity hydration, no second read of
  // the same row), then each session's stages and account results.
  private async lastSessions(scope: UserScope, connectionIds: readonly string[]): Promise<Map<string, { id: string; status: string; stage: string; syncDate: Date }>> {
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT ON (connection_id) id, tenant_id, user_id, connection_id, status, requested_by, parameters, error, created_at, started_at, finished_at
         FROM sync_sessions WHERE tenant_id = $1 AND user_id = $2 AND connection_id = ANY($3::uuid[])
         ORDER BY connection_id, created_at DESC, id DESC`,
      [scope.tenantId, scope.userId, connectionIds],
    )) as RawSessionRow[];
    const out = new Map<string, { id: string; status: string; stage: string; syncDate: Date }>();
    for (const r of rows) {
      const row: SessionRow = {
        id: r.id,
        tenantId: r.tenant_id,
        userId: r.user_id,
        connectionId: r.connection_id,
        status: r.status,
        requestedBy: r.requested_by,
        parameters: r.parameters ?? {},
        error: r.error ?? null,
        createdAt: r.created_at,
        startedAt: r.started_at ?? null,
        finishedAt: r.finished_at ?? null,
      };
      const status = sessionStatusView(await loadDomainSession(this.dataSource.manager, row));
      out.set(row.connectionId, { id: row.id, status: status.status, stage: status.stage, syncDate: status.finishedAt ?? row.startedAt ?? row.createdAt });
    }
    return out;
  }
}

interface RawSessionRow {
  id: string;
  tenant_id: string;
  user_id: string;
  connection_id: string;
  status: string;
  requested_by: string;
  parameters: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}
