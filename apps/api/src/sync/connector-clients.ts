import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Clock, Connector, ConnectorClient, ConnectorRegistry, Grant } from '@kinko/connector-sdk';
import { CONNECTOR_REGISTRY } from '../connectors/connector-registry.token';
import { BankCallAudit, type BankCallContext } from './bank-call-audit';
import { SYNC_CLOCK, type SyncClock } from './sync-clock';
import { type ConsentFacts, SYNC_OPTIONS, type SyncModuleOptions } from './sync-options';

/** A registered connector that has no setup (config) in this deployment. */
export class ConnectorNotConfiguredError extends Error {
  override readonly name = 'ConnectorNotConfiguredError';
  constructor(readonly connectorId: string) {
    super(`connector "${connectorId}" is not registered or has no configuration in this deployment`);
  }
}

/**
 * The one way to reach a bank: one {@link ConnectorClient} per registered connector and
 * process, created on first use from the connector's setup, with every HTTP attempt reported
 * to the `bank.call` audit trail. Connect, login, revoke and sync all use these clients, so
 * a connector's in-process guards (one token refresh in flight per grant, one system token
 * request at a time) hold across all of them:
 *
 * ```ts
 * const start = await clients.call(bank.connectorId, { tenantId, connectFlowId, actor }, (c) => c.auth.begin(input));
 * ```
 */
@Injectable()
export class ConnectorClients implements BeforeApplicationShutdown {
  private readonly clients = new Map<string, ConnectorClient>();
  private readonly logger = new Logger('Banks');

  constructor(
    @Inject(CONNECTOR_REGISTRY) private readonly registry: ConnectorRegistry,
    @Inject(SYNC_OPTIONS) private readonly options: SyncModuleOptions,
    private readonly audit: BankCallAudit,
    @Inject(SYNC_CLOCK) private readonly clock: SyncClock,
  ) {}

  /** Whether the connector is registered and configured. */
  has(connectorId: string): boolean {
    return this.registry.get(connectorId) !== undefined && this.options.connectorSetups?.[connectorId] !== undefined;
  }

  /** The registered connector (manifest, grant serialisation); {@link ConnectorNotConfiguredError} otherwise. */
  connector(connectorId: string): Connector {
    const connector = this.registry.get(connectorId);
    if (!connector) throw new ConnectorNotConfiguredError(connectorId);
    return connector;
  }

  /** The connector's client (created once per process); {@link ConnectorNotConfiguredError} when it has no setup. */
  client(connectorId: string): ConnectorClient {
    const existing = this.clients.get(connectorId);
    if (existing) return existing;
    const connector = this.connector(connectorId);
    const setup = this.options.connectorSetups?.[connectorId];
    if (!setup) throw new ConnectorNotConfiguredError(connectorId);
    // The app's clock (tests move it): the connector dates grants and reads Retry-After with it.
    const clock: Clock = 'sleep' in this.clock ? (this.clock as Clock) : { now: () => this.clock.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
    const client = connector.create({
      config: setup.config,
      clock,
      ...(setup.extraAllowedHosts ? { extraAllowedHosts: setup.extraAllowedHosts } : {}),
      ...(setup.http ? { http: setup.http } : {}),
      onHttpCall: (event) => this.audit.record(event),
      // The raw exception may quote secrets: only its name and where it happened are logged.
      onUnexpected: (error, where) =>
        this.logger.error(`connector ${where.connectorId} threw in ${where.operation} (${error instanceof Error ? error.name : typeof error})`),
    });
    this.clients.set(connectorId, client);
    return client;
  }

  /**
   * Runs `work` with the connector's client, its bank calls audited as made for `context`
   * (tenant, connection or connect flow, actor). {@link ConnectorNotConfiguredError} for a
   * connector without setup (only bare test connectors have none: every bank entry has one).
   */
  call<T>(connectorId: string, context: BankCallContext, work: (client: ConnectorClient) => Promise<T>): Promise<T> {
    const client = this.client(connectorId);
    return this.audit.run(context, () => work(client));
  }

  /** The consent facts the grant carries: read by the connector itself (contract v2), else by its setup's reader, if any. */
  consentFacts(connectorId: string, grant: Grant): ConsentFacts | undefined {
    return this.registry.get(connectorId)?.consentFacts(grant) ?? this.options.connectorSetups?.[connectorId]?.consentFacts?.(grant);
  }

  /**
   * Unattended accesses per account per day for this grant: {@link unattendedBudget} over the
   * grant's consent facts (the sync engine's reading).
   */
  unattendedAccessesPerDay(connectorId: string, grant: Grant | undefined): number {
    return this.unattendedBudget(connectorId, grant === undefined ? undefined : this.consentFacts(connectorId, grant)?.frequencyPerDay);
  }

  /**
   * The one rule for a consent's unattended budget (accesses per account per day), used by the
   * sync engine and by the quota the API shows: the manifest's limit, lowered to the consent's
   * `frequencyPerDay` when the bank agreed fewer (Berlin Group). `frequencyPerDay` as the
   * consent facts give it (or as stored on the consent row); absent: the manifest's limit.
   */
  unattendedBudget(connectorId: string, frequencyPerDay: number | null | undefined): number {
    const limit = this.connector(connectorId).manifest.limits.unattendedAccessesPerDay;
    return frequencyPerDay !== undefined && frequencyPerDay !== null && frequencyPerDay >= 1 ? Math.min(limit, frequencyPerDay) : limit;
  }

  async beforeApplicationShutdown(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.allSettled(clients.map((c) => c.close()));
  }
}
