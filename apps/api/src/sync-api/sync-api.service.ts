import type { PsuContext } from '@kinko/connector-sdk';
import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { BankAccount } from '../accounts/bank-account.entity';
import { NotFoundError, RefreshQuotaSpentError, ValidationFailedError } from '../common/errors';
import { nothingSynced } from './skip-conflict';
import { Connection } from '../connections/connection.entity';
import { Consent } from '../connections/consent.entity';
import { BankDirectory } from '../connectors/bank-directory';
import { isUuid } from '../database/ids';
import { MetricsService } from '../metrics/metrics.service';
import { ScopedData, type UserScope } from '../database/scoped-data';
import { RefreshQuotas } from '../sync/refresh-quota';
import { SyncService, type StartSyncResult } from '../sync/sync.service';
import { SYNC_ID_TYPES, type SyncIdType } from './sync-api.dto';

const normaliseIban = (s: string): string => s.replace(/\s+/g, '').toUpperCase();

/**
 * The seed's sync entry points: resolve what the user named (a bank, or a connection,
 * account, consent, IBAN or bank code) to their connections — anything not theirs is
 * {@link NotFoundError} — and start a sync of them through the sync engine.
 */
@Injectable()
export class SyncApiService {
  constructor(
    private readonly data: ScopedData,
    private readonly banks: BankDirectory,
    private readonly sync: SyncService,
    private readonly quotas: RefreshQuotas,
    private readonly metrics: MetricsService,
  ) {}

  /** `POST /api/v2/bank/{bankId}/sync`: every connection of the user at the bank. */
  async syncBank(scope: UserScope, bankId: string, daysBack: number | null, psu?: PsuContext): Promise<StartSyncResult> {
    const found = await this.data.forUser(Connection, scope).find({ where: { bankId }, take: 1 });
    if (found.length === 0) throw new NotFoundError('Bank');
    return this.started(await this.sync.startSync(scope, { bankId }, { requestedBy: 'user', daysBack, ...(psu ? { psu } : {}) }));
  }

  /** `POST /api/v2/bank/{idType}/{idValue}/sync`. */
  async syncBy(scope: UserScope, idType: string, idValue: string, daysBack: number | null, psu?: PsuContext): Promise<StartSyncResult> {
    if (!(SYNC_ID_TYPES as readonly string[]).includes(idType)) {
      throw new ValidationFailedError([{ field: 'idType', reason: `idType must be one of ${SYNC_ID_TYPES.join(', ')}` }]);
    }
    const connectionIds = await this.connectionsOf(scope, idType as SyncIdType, idValue);
    return this.started(await this.sync.startSync(scope, { connectionIds }, { requestedBy: 'user', daysBack, ...(psu ? { psu } : {}) }));
  }

  /**
   * A background refresh asked by the tenant's backend (the user not present): counted
   * against the unattended-access quota. When the quota is spent, no session is started
   * ({@link RefreshQuotaSpentError} with the instant it allows one again) — a session would
   * read nothing.
   */
  async syncUnattended(scope: UserScope, connectionId: string): Promise<StartSyncResult> {
    const connection = await this.data.forUser(Connection, scope).get({ id: connectionId });
    const now = this.quotas.now();
    const quota = (await this.quotas.ofConnections(scope.tenantId, [connection], now)).get(connection.id);
    if (quota && quota.remaining === 0) {
      this.metrics.accessBudgetRefused('refresh-route');
      throw new RefreshQuotaSpentError(quota.nextRefreshPossibleAt, Math.max(1, Math.ceil((quota.nextRefreshPossibleAt.getTime() - now.getTime()) / 1000)));
    }
    return this.started(await this.sync.startSync(scope, { connectionIds: [connection.id] }, { requestedBy: 'tenant' }));
  }

  private async connectionsOf(scope: UserScope, idType: SyncIdType, idValue: string): Promise<string[]> {
    const uuid = (resource: string): string => {
      if (!isUuid(idValue)) throw new NotFoundError(resource);
      return idValue.toLowerCase();
    };
    switch (idType) {
      case 'connectionId':
        return [(await this.data.forUser(Connection, scope).get({ id: uuid('Connection') })).id];
      case 'accountId':
        return [(await this.data.forUser(BankAccount, scope).get({ id: uuid('Account') })).connectionId];
      case 'consentId':
        return [(await this.data.forUser(Consent, scope).get({ id: uuid('Consent') })).connectionId];
      case 'iban': {
        const wanted = normaliseIban(idValue);
        const accounts = await this.data.forUser(BankAccount, scope).find({ where: { isActive: true } });
        const ids = [...new Set(accounts.filter((a) => a.iban !== null && normaliseIban(a.iban) === wanted).map((a) => a.connectionId))];
        if (ids.length === 0) throw new NotFoundError('Account');
        return ids;
      }
      case 'bankCode': {
        const bankIds = this.banks.withBankCode(idValue).map((b) => b.bankId);
        const connections = bankIds.length === 0 ? [] : await this.data.forUser(Connection, scope).find({ where: { bankId: In(bankIds) } });
        if (connections.length === 0) throw new NotFoundError('Bank');
        return connections.map((c) => c.id);
      }
    }
  }

  // Nothing started: say why instead of answering a session that does not exist.
  private started(result: StartSyncResult): StartSyncResult {
    if (result.sessionIds.length === 0) {
      const why = result.skipped.map((s) => `connection ${s.connectionId}: ${s.reason}`).join('; ');
      throw nothingSynced(result.skipped, `No sync was started (${why || 'no connection to sync'}).`);
    }
    return result;
  }
}
