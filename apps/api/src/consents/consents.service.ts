import { type Clock } from '@kinko/connector-sdk';
import { type AggregationStatus, type InvalidStatusTransition, StatusEvent, evaluateConsent, isRunInProgress, parseAggregationStatus, revokeConsent } from '@kinko/domain';
import { Injectable, Logger } from '@nestjs/common';
import { Redacted, Result } from 'effect';
import { AuditLog } from '../audit/audit-log.service';
import { InjectClock } from '../common/clock';
import { ConflictError, NotFoundError } from '../common/errors';
import { deactivateConnection } from '../sync/connection-status';
import { applyConsentExpiry, applyConsentWithdrawal } from '../sync/outcome-store';
import { Connection } from '../connections/connection.entity';
import { Consent } from '../connections/consent.entity';
import { BankDirectory } from '../connectors/bank-directory';
import { ScopedData, type UserScope } from '../database/scoped-data';
import { ConnectionSecret } from '../secrets/connection-secret.entity';
import { ConnectorClients } from '../sync/connector-clients';
import { GrantVault } from '../sync/grant-vault';
import { consentChanged, consentStatusColumns, toDomainConsent } from './consent-domain';

/**
 * What happened at the bank when a consent was withdrawn: the grant was revoked there,
 * the bank refused or could not be reached (the grant is deleted here all the same), or
 * there was nothing to revoke (no grant stored, the bank no longer configured, or an older
 * consent whose grant was already replaced).
 */
/** What the bank did with a withdrawn consent's grant. */
export const BANK_REVOCATIONS = ['revoked', 'failed', 'nothing-to-revoke'] as const;
export type BankRevocation = (typeof BANK_REVOCATIONS)[number];

/** A withdrawn consent and what the bank said. */
export interface Withdrawal {
  readonly consent: Consent;
  readonly bankRevocation: BankRevocation;
}

/**
 * Consents: reading them as the domain sees them at `now` (a consent past its expiration
 * is stored as expired, reason Expired, previous status kept — the seed's EXPIRED), and
 * withdrawing them (the seed's DEAUTHORIZED: revoked at the bank, secrets deleted, the
 * consent's accounts inactive and no longer listed, their data kept).
 */
@Injectable()
export class ConsentsService {
  private readonly logger = new Logger('Consents');

  constructor(
    private readonly data: ScopedData,
    private readonly banks: BankDirectory,
    private readonly clients: ConnectorClients,
    private readonly grants: GrantVault,
    private readonly audit: AuditLog,
    @InjectClock() private readonly clock: Clock,
  ) {}

  /** The user's consents as they stand now (expired ones stored as such), newest first. */
  async list(scope: UserScope): Promise<Consent[]> {
    const rows = await this.data.forUser(Consent, scope).find({ order: { createDate: 'DESC', id: 'DESC' } });
    return this.evaluate(scope, rows);
  }

  /** One consent as it stands now; {@link NotFoundError} when it is not the user's. */
  async get(scope: UserScope, consentId: string): Promise<Consent> {
    const [row] = await this.evaluate(scope, [await this.data.forUser(Consent, scope).get({ id: consentId })]);
    return row as Consent;
  }

  /**
   * Applies the domain's expiry rule to consent rows at the clock's now and stores the
   * ones that changed (idempotent). Accounts are unchanged by an expiry: they stay listed,
   * showing the consent invalid with reason Expired, and are no longer refreshed.
   */
  async evaluate(scope: UserScope, rows: readonly Consent[]): Promise<Consent[]> {
    const now = this.clock.now();
    const out: Consent[] = [];
    for (const row of rows) {
      const evaluated = evaluateConsent(toDomainConsent(row), now);
      if (consentChanged(row, evaluated)) {
        // The one store, under the consent's row lock (a concurrent revocation wins); the
        // tenant's webhook (consent.expired) commits with the change, only when this call made it.
        const stored = await this.data.transaction((tx) => applyConsentExpiry(tx.manager, scope, row.id, now));
        out.push(stored ? { ...row, ...consentStatusColumns(stored.consent) } : row);
      } else {
        out.push(row);
      }
    }
    return out;
  }

  /**
   * The user withdraws a consent (DELETE consent): revoked at the bank when it is the
   * connection's current consent, its accounts inactive, the connection's secrets deleted
   * and the connection deactivated (not aggregated any more). Withdrawing again answers the
   * same. An expired or rejected consent cannot be withdrawn ({@link ConflictError}).
   */
  async withdraw(scope: UserScope, consentId: string, actor: string): Promise<Withdrawal> {
    const consent = await this.get(scope, consentId);
    const revoked = revokeConsent(toDomainConsent(consent));
    if (Result.isFailure(revoked)) throw notWithdrawable(revoked.failure.message);
    const connection = await this.data.forUser(Connection, scope).get({ id: consent.connectionId });
    return this.withdrawAt(scope, connection, consent, actor);
  }

  /**
   * Disconnect (DELETE connection): the connection's current consent is withdrawn as by
   * {@link withdraw} (revoked at the bank, secrets deleted, accounts inactive, connection
   * deactivated). A connection whose consent already ended only loses its secrets.
   */
  async disconnect(scope: UserScope, connectionId: string, actor: string): Promise<{ connection: Connection; withdrawal: Withdrawal | undefined }> {
    const connection = await this.data.forUser(Connection, scope).get({ id: connectionId });
    const [current] = await this.evaluate(scope, await this.data.forUser(Consent, scope).find({ where: { connectionId }, order: { createDate: 'DESC', id: 'DESC' }, take: 1 }));
    let withdrawal: Withdrawal | undefined;
    if (current) {
      const revoked = revokeConsent(toDomainConsent(current));
      if (Result.isSuccess(revoked)) withdrawal = await this.withdrawAt(scope, connection, current, actor);
    }
    if (!withdrawal) {
      // Nothing left to revoke at the bank through a consent: still delete the grant and stop aggregating.
      const bankRevocation = await this.revokeAtBank(scope, connection, actor);
      await this.data.transaction(async (tx) => {
        await tx.forUser(ConnectionSecret, scope).delete({ connectionId });
        refuseDeactivation(await deactivateConnection(tx.manager, { ...scope, connectionId }, StatusEvent.deactivated(), this.clock.now()));
      });
      await this.audit.record({ tenantId: scope.tenantId, actor, action: 'connection.disconnect', target: `connection:${connectionId}`, details: { bankRevocation } });
    }
    return { connection: await this.data.forUser(Connection, scope).get({ id: connectionId }), withdrawal };
  }

  private async withdrawAt(scope: UserScope, connection: Connection, consent: Consent, actor: string): Promise<Withdrawal> {
    const [newest] = await this.data.forUser(Consent, scope).find({ where: { connectionId: connection.id }, order: { createDate: 'DESC', id: 'DESC' }, take: 1 });
    const isCurrent = newest?.id === consent.id;
    const bankRevocation: BankRevocation = isCurrent ? await this.revokeAtBank(scope, connection, actor) : 'nothing-to-revoke';
    const now = this.clock.now();
    await this.data.transaction(async (tx) => {
      // The one store, under the connection's row lock: the decision for ConsentWithdrawn (the consent
      // revoked with the tenant's consent.revoked by the user, its accounts hidden, the connection deactivated).
      const applied = await applyConsentWithdrawal(tx.manager, { ...scope, connectionId: connection.id }, consent.id, isCurrent, now);
      if (Result.isFailure(applied)) throw notWithdrawable(applied.failure.message);
      if (isCurrent) {
        await tx.forUser(ConnectionSecret, scope).delete({ connectionId: connection.id });
        if (applied.success.deactivation) refuseDeactivation(applied.success.deactivation);
      }
    });
    await this.audit.record({
      tenantId: scope.tenantId,
      actor,
      action: 'consent.withdraw',
      target: `consent:${consent.id}`,
      details: { connectionId: connection.id, bankRevocation },
    });
    return { consent: await this.data.forUser(Consent, scope).get({ id: consent.id }), bankRevocation };
  }

  /**
   * Revokes the connection's grant at the bank. The grant row is locked for the call, so
   * the sync engine cannot rotate the tokens meanwhile (it would wait, then find no grant).
   */
  private async revokeAtBank(scope: UserScope, connection: Connection, actor: string): Promise<BankRevocation> {
    const bank = this.banks.get(connection.bankId);
    if (!bank) return 'nothing-to-revoke';
    return this.data.transaction(async (tx) => {
      const locked = await tx.forUser(ConnectionSecret, scope).queryBuilder('s').andWhere('s.connectionId = :id AND s.kind = :kind', { id: connection.id, kind: 'grant' }).setLock('pessimistic_write').getOne();
      if (!locked) return 'nothing-to-revoke';
      let serialized: string;
      try {
        const record = await this.grants.read(scope, connection.id, 'revoke-grant');
        serialized = Redacted.value(record.grant);
      } catch (e) {
        if (e instanceof NotFoundError) return 'nothing-to-revoke';
        this.logger.warn(`connection ${connection.id}: the stored grant could not be read for revocation (${e instanceof Error ? e.name : 'error'})`);
        return 'failed';
      }
      const grant = bank.connector.deserializeGrant(serialized);
      if (!grant.ok) return 'failed';
      const outcome = await this.clients.call(bank.connectorId, { tenantId: scope.tenantId, connectionId: connection.id, actor }, (client) => client.auth.revoke(grant.value));
      if (outcome.ok) return 'revoked';
      this.logger.warn(`connection ${connection.id}: the bank did not revoke the grant (${outcome.error._tag})`);
      return 'failed';
    });
  }
}

const notWithdrawable = (why: string): ConflictError => new ConflictError('consent-not-withdrawable', `The consent cannot be withdrawn: ${why}.`);

/**
 * Deactivation is refused by the domain while a run is under way: the connection is then only
 * marked `deactivated` and deactivated as that run settles (sync/connection-status.ts). Any
 * other refusal is a conflict.
 */
function refuseDeactivation(moved: Result.Result<AggregationStatus, InvalidStatusTransition>): void {
  if (Result.isFailure(moved) && !isRunInProgress(parseAggregationStatus(moved.failure.from))) {
    throw new ConflictError('run-in-progress', `The connection cannot be deactivated: ${moved.failure.message}.`);
  }
}
