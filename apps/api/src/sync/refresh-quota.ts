import { type AccessBudget, type RefreshQuota, connectionRefreshQuota, unattendedAccessBudget } from '@kinko/domain';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ConnectorClients } from './connector-clients';
import { SYNC_CLOCK, type SyncClock } from './sync-clock';

const DAY_MS = 86_400_000;

/** A connection whose quota is wanted: its id and connector (whose manifest sets the bank's limit). */
export interface QuotaTarget {
  readonly id: string;
  readonly connectorId: string;
}

/** The unattended-refresh figures of one connection and of each of its active accounts. */
export interface ConnectionQuota extends RefreshQuota {
  /** The bank's unattended accesses per account per 24 h (the connector's `unattendedAccessesPerDay`, or fewer when the consent's `frequencyPerDay` says so). */
  readonly limit: number;
  readonly accounts: ReadonlyMap<string, AccessBudget>;
}

/**
 * The unattended-access quota as users and the scheduler see it: each active account's
 * budget (the domain's `unattendedAccessBudget` over the `unattended_accesses` ledger with
 * the consent's budget, `ConnectorClients.unattendedBudget`, as the sync engine counts it) and
 * the connection's (the domain's `connectionRefreshQuota`). Two queries for any number of
 * connections of one tenant.
 */
@Injectable()
export class RefreshQuotas {
  constructor(
    private readonly dataSource: DataSource,
    private readonly connectors: ConnectorClients,
    @Inject(SYNC_CLOCK) private readonly clock: SyncClock,
  ) {}

  /** The clock's now (the instant quotas are computed at by default). */
  now(): Date {
    return this.clock.now();
  }

  /** The quotas at `now` (default the clock's) of the tenant's `connections`; a connection of an unregistered connector has none. */
  async ofConnections(tenantId: string, connections: readonly QuotaTarget[], now: Date = this.clock.now(), manager: EntityManager = this.dataSource.manager): Promise<Map<string, ConnectionQuota>> {
    return this.ofTenantsConnections(connections.map((c) => ({ ...c, tenantId })), now, manager);
  }

  /** The same for connections of any tenants (the scheduler's batch): still two queries for the whole batch. */
  async ofTenantsConnections(connections: ReadonlyArray<QuotaTarget & { readonly tenantId: string }>, now: Date = this.clock.now(), manager: EntityManager = this.dataSource.manager): Promise<Map<string, ConnectionQuota>> {
    const known = connections.filter((c) => this.connectors.has(c.connectorId));
    const quotas = new Map<string, ConnectionQuota>();
    if (known.length === 0) return quotas;
    const tenants = [...new Set(known.map((c) => c.tenantId))];
    const ids = known.map((c) => c.id);
    const rows = (await manager.query(
      `SELECT a.id, a.connection_id, COALESCE(array_agg(u.accessed_at) FILTER (WHERE u.accessed_at IS NOT NULL), '{}') AS accesses
         FROM bank_accounts a LEFT JOIN unattended_accesses u ON u.account_id = a.id AND u.accessed_at > $3
        WHERE a.tenant_id = ANY($1::uuid[]) AND a.connection_id = ANY($2::uuid[]) AND a.is_active
        GROUP BY a.id, a.connection_id`,
      [tenants, ids, new Date(now.getTime() - DAY_MS)],
    )) as Array<{ id: string; connection_id: string; accesses: Date[] }>;
    // Each connection's current consent (the newest, as the sync engine reads it): the frequencyPerDay the bank agreed.
    const agreed = new Map(
      (
        (await manager.query(
          `SELECT DISTINCT ON (connection_id) connection_id, frequency_per_day FROM consents
            WHERE tenant_id = ANY($1::uuid[]) AND connection_id = ANY($2::uuid[]) ORDER BY connection_id, create_date DESC, id DESC`,
          [tenants, ids],
        )) as Array<{ connection_id: string; frequency_per_day: number | null }>
      ).map((r) => [r.connection_id, r.frequency_per_day] as const),
    );
    const accountsOf = new Map<string, Array<{ id: string; accesses: Date[] }>>();
    for (const r of rows) accountsOf.set(r.connection_id, [...(accountsOf.get(r.connection_id) ?? []), r]);
    for (const c of known) {
      const limit = this.connectors.unattendedBudget(c.connectorId, agreed.get(c.id));
      const accounts = new Map((accountsOf.get(c.id) ?? []).map((r) => [r.id, unattendedAccessBudget(r.accesses.map((d) => new Date(d)), now, limit)] as const));
      quotas.set(c.id, { ...connectionRefreshQuota([...accounts.values()], now, limit), limit, accounts });
    }
    return quotas;
  }
}
