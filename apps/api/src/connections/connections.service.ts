import type { Clock } from '@kinko/connector-sdk';
import { type Language, StatusEvent, describeStatus, parseAggregationStatus, relativeSuccessLabel } from '@kinko/domain';
import { Injectable } from '@nestjs/common';
import { Result } from 'effect';
import { In } from 'typeorm';
import { InjectClock } from '../common/clock';
import { ConflictError, NotFoundError } from '../common/errors';
import { ConsentsService } from '../consents/consents.service';
import { BankDirectory } from '../connectors/bank-directory';
import { ScopedData, type UserScope } from '../database/scoped-data';
import { expiryFields } from '../consents/expiry-fields';
import { RefreshQuotas } from '../sync/refresh-quota';
import { quotaFields } from '../sync/refresh-quota.dto';
import { ConnectionSecret } from '../secrets/connection-secret.entity';
import { moveConnectionStatus, statusBeforeDeactivation } from './connection-status';
import type { ConnectionView } from './connection.dto';
import { Connection } from './connection.entity';
import { Consent } from './consent.entity';

/**
 * A user's connections: listing them with their status described in the user's language,
 * and the domain's moves a user may make (deactivate, reactivate, disconnect).
 */
@Injectable()
export class ConnectionsService {
  constructor(
    private readonly data: ScopedData,
    private readonly banks: BankDirectory,
    private readonly consents: ConsentsService,
    @InjectClock() private readonly clock: Clock,
    private readonly quotas: RefreshQuotas,
  ) {}

  /** The user's connections, oldest first. */
  list(scope: UserScope): Promise<Connection[]> {
    return this.data.forUser(Connection, scope).find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** One of the user's connections; {@link NotFoundError} otherwise. */
  get(scope: UserScope, connectionId: string): Promise<Connection> {
    return this.data.forUser(Connection, scope).get({ id: connectionId });
  }

  /** The connections as the API shows them: status label, next action and consent, in `lang`. */
  async describe(scope: UserScope, connections: readonly Connection[], lang: Language): Promise<ConnectionView[]> {
    const current = await this.currentConsents(scope, connections.map((c) => c.id));
    const now = this.clock.now();
    const quotas = await this.quotas.ofConnections(scope.tenantId, connections, now);
    return connections.map((c) => {
      const status = parseAggregationStatus(c.aggregationStatus);
      const described = describeStatus(status, lang, c.lastSuccessAt ? { succeededAt: c.lastSuccessAt, now } : undefined);
      const consent = current.get(c.id);
      const bank = this.banks.get(c.bankId);
      const usable = consent?.status === 'valid';
      return {
        id: c.id,
        connectorId: c.connectorId,
        bankId: c.bankId,
        bankName: bank ? { ...bank.manifest.displayName } : null,
        aggregationStatus: c.aggregationStatus,
        aggregationStatusLabel: described.label,
        aggregationStatusGroup: described.group,
        // A withdrawn or expired consent can only be renewed by logging in at the bank again.
        nextAction: consent && !usable ? 'reconnect' : described.action,
        refreshAdvice: consent && !usable ? 'refresh-after-user-action' : described.advice,
        aggregationStatusChangedAt: c.aggregationStatusChangedAt.toISOString(),
        lastSuccessAt: c.lastSuccessAt?.toISOString() ?? null,
        lastSuccessLabel: c.lastSuccessAt ? relativeSuccessLabel(c.lastSuccessAt, now, lang) : null,
        deactivated: c.deactivated,
        consent: consent
          ? {
              id: consent.id,
              status: consent.status,
              invalidationReason: consent.invalidationReason,
              expirationDate: consent.expirationDate?.toISOString() ?? null,
              ...expiryFields(consent.expirationDate, now),
            }
          : null,
        ...quotaFields(quotas.get(c.id)),
        createdAt: c.createdAt.toISOString(),
      };
    });
  }

  /** Each connection's current (newest) consent, evaluated now (expiry stored). */
  async currentConsents(scope: UserScope, connectionIds: readonly string[]): Promise<Map<string, Consent>> {
    if (connectionIds.length === 0) return new Map();
    const rows = await this.data.forUser(Consent, scope).find({ where: { connectionId: In([...connectionIds]) }, order: { createDate: 'DESC', id: 'DESC' } });
    const newest = new Map<string, Consent>();
    for (const r of rows) if (!newest.has(r.connectionId)) newest.set(r.connectionId, r);
    const evaluated = await this.consents.evaluate(scope, [...newest.values()]);
    return new Map(evaluated.map((c) => [c.connectionId, c]));
  }

  /**
   * The user stops aggregating a connection (domain: only from a settled status — a run
   * under way ends first: {@link ConflictError}). Its data and grant are kept.
   */
  async deactivate(scope: UserScope, connectionId: string): Promise<Connection> {
    await this.data.transaction(async (tx) => {
      const connection = await tx.forUser(Connection, scope).queryBuilder('c').andWhere('c.id = :id', { id: connectionId }).setLock('pessimistic_write').getOne();
      if (!connection) throw new NotFoundError('Connection');
      const moved = await moveConnectionStatus(tx, scope, connection, StatusEvent.deactivated(), this.clock.now(), { deactivated: true });
      if (Result.isFailure(moved)) throw new ConflictError(connection.aggregationStatus === 'inactive' ? 'connection-inactive' : 'run-in-progress', `The connection cannot be deactivated: ${moved.failure.message}.`);
    });
    return this.get(scope, connectionId);
  }

  /**
   * Turns aggregation back on: the status recorded before deactivation returns (domain;
   * reactivation is not a refresh and never claims a fresh success). A connection whose
   * consent ended or whose grant is gone must be reconnected instead ({@link ConflictError}).
   */
  async reactivate(scope: UserScope, connectionId: string): Promise<Connection> {
    const consent = (await this.currentConsents(scope, [connectionId])).get(connectionId);
    await this.data.transaction(async (tx) => {
      const connection = await tx.forUser(Connection, scope).queryBuilder('c').andWhere('c.id = :id', { id: connectionId }).setLock('pessimistic_write').getOne();
      if (!connection) throw new NotFoundError('Connection');
      if ((consent && consent.status !== 'valid') || !(await tx.forUser(ConnectionSecret, scope).exists({ connectionId, kind: 'grant' }))) {
        throw new ConflictError('reconnect-required', 'The connection has no valid consent any more: reconnect it (POST /api/v2/connect/{bankId} with its connectionId).');
      }
      const before = await statusBeforeDeactivation(tx, scope, connectionId);
      if (connection.aggregationStatus === 'inactive' && before === undefined) throw new ConflictError('reconnect-required', 'The status before deactivation is not known: reconnect the connection.');
      const moved = await moveConnectionStatus(tx, scope, connection, StatusEvent.reactivated(parseAggregationStatus(before ?? '')), this.clock.now(), { deactivated: false });
      if (Result.isFailure(moved)) throw new ConflictError('connection-not-inactive', `The connection cannot be reactivated: ${moved.failure.message}.`);
    });
    return this.get(scope, connectionId);
  }
}
