import { Injectable, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { HttpCallEvent } from '@kinko/connector-sdk';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DataSource } from 'typeorm';
import { MeasuredPool, type PoolUsage } from '../database/measured-pool';
import { poolOf } from '../database/prepared-sql';
import { BankLimiter, type BankLimiterStats } from '../sync/bank-limiter';
import { SYNC_SETTINGS, type SyncSettings } from '../sync/sync-options';

/** Seconds: from a fast answer to a slow bank page. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds: a stage of a session takes from milliseconds to minutes. */
const STAGE_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];

/**
 * The operation of a bank call for a metric label: the method and the path with every
 * segment that holds three digits in a row, looks hexadecimal or is long (ids, account numbers, tokens) replaced by `:id`,
 * so the label set stays small and carries no account number.
 */
export function bankOperation(method: string, path: string): string {
  const segments = path.split('/').map((s) => (s === '' ? s : /\d{3,}/.test(s) || /^[0-9a-f-]{8,}$/i.test(s) || s.length > 24 ? ':id' : s));
  return `${method.toUpperCase()} ${segments.join('/') || '/'}`;
}

/** One stage of an ended session: its name and how long it ran. */
export interface StageDuration {
  readonly stage: string;
  readonly seconds: number;
}

/**
 * The app's Prometheus metrics (prom-client, one registry per app instance): HTTP requests,
 * sync sessions and their stages, the job queues (depth and oldest job age, read from
 * pg-boss at each scrape), bank calls, retries, dead letters, unattended-access refusals,
 * webhook deliveries, the database pool (waits for a connection, time held) and the bank
 * limiter (its queries and the requests' delays), read at each scrape, and the process's
 * default metrics (CPU, memory, event loop lag, GC).
 * No label holds a tenant, user, account number or raw URL.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpRequests = new Histogram({
    name: 'kinko_http_request_duration_seconds',
    help: 'HTTP requests answered, by method, route template and status, with their durations.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly sessions = new Counter({
    name: 'kinko_sync_sessions_total',
    help: 'Sync sessions ended, by connector and final status (the connection aggregation status they ended with).',
    labelNames: ['connector', 'status'] as const,
    registers: [this.registry],
  });
  private readonly stages = new Histogram({
    name: 'kinko_sync_stage_duration_seconds',
    help: 'Durations of the stages of ended sync sessions, by connector and stage.',
    labelNames: ['connector', 'stage'] as const,
    buckets: STAGE_BUCKETS,
    registers: [this.registry],
  });
  private readonly bankCalls = new Histogram({
    name: 'kinko_bank_call_duration_seconds',
    help: 'HTTP attempts to banks, by connector, operation (method and path template) and status (HTTP status, or timeout/network/blocked/bodyTooLarge).',
    labelNames: ['connector', 'operation', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'kinko_sync_retries_total',
    help: 'Sync job attempts that failed and were handed back to the queue for another attempt.',
    registers: [this.registry],
  });
  private readonly deadLetters = new Counter({
    name: 'kinko_sync_dead_letters_total',
    help: 'Sync jobs whose retries were spent (their session ended failed).',
    registers: [this.registry],
  });
  private readonly budgetRefusals = new Counter({
    name: 'kinko_access_budget_refusals_total',
    help: 'Unattended (background) bank reads refused because the account or connection budget was spent, by where it was refused.',
    labelNames: ['where'] as const,
    registers: [this.registry],
  });
  private readonly webhookDeliveries = new Counter({
    name: 'kinko_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome (succeeded, retrying, failed).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor(@Optional() private readonly moduleRef?: ModuleRef) {
    collectDefaultMetrics({ register: this.registry, prefix: 'kinko_' });
    const queueRows = (): Promise<QueueRow[]> => this.queueRows();
    let pending: Promise<QueueRow[]> | undefined;
    // Both gauges are read from one query per scrape.
    const once = (): Promise<QueueRow[]> => (pending ??= queueRows().finally(() => setTimeout(() => (pending = undefined), 0)));
    new Gauge({
      name: 'kinko_queue_depth',
      help: 'Jobs waiting in each queue (created or retrying, not yet taken by a worker).',
      labelNames: ['queue'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await once()) this.set({ queue: row.name }, row.depth);
      },
    });
    new Gauge({
      name: 'kinko_queue_oldest_job_age_seconds',
      help: 'Age of the oldest job of each queue that is due and not yet taken (0 when none).',
      labelNames: ['queue'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await once()) this.set({ queue: row.name }, row.oldest ?? 0);
      },
    });
    // The app's database pool and the bank limiter: their counters, read at each scrape.
    const pool = (): PoolUsage | undefined => this.poolUsage();
    const limiter = (): BankLimiterStats | undefined => this.limiterStats();
    const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);
    const total = (name: string, help: string, read: () => number | undefined): void => {
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          const v = read();
          this.reset();
          if (v !== undefined) this.inc(v);
        },
      });
    };
    total('kinko_db_pool_checkouts_total', "Connections handed out by the app's database pool (a statement outside a transaction, or a transaction).", () => pool()?.checkouts);
    total('kinko_db_pool_waits_total', 'Checkouts that found no idle connection in a full pool and waited for one.', () => pool()?.waited);
    total('kinko_db_pool_wait_seconds_total', 'Time callers waited for a pooled database connection, summed over checkouts.', () => pool()?.waitSeconds);
    total('kinko_db_pool_held_seconds_total', 'Time pooled database connections were checked out, summed (÷ time ÷ pool size: how full the pool was).', () => pool()?.heldSeconds);
    new Gauge({
      name: 'kinko_db_pool_connections',
      help: "The app's database pool now: its size (max), connections open, idle, and callers waiting for one.",
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const u = pool();
        if (!u) return;
        this.set({ state: 'max' }, u.max);
        this.set({ state: 'open' }, u.open);
        this.set({ state: 'idle' }, u.idle);
        this.set({ state: 'waiting' }, u.waiting);
      },
    });
    total('kinko_bank_limiter_requests_total', 'Bank requests the limiter let through (all banks).', () => limiter()?.acquired);
    total('kinko_bank_limiter_delay_seconds_total', 'Time from asking for a bank request to sending it (in line, for a slot, for the rate), summed over requests.', () =>
      seconds(limiter()?.delayedMs),
    );
    total('kinko_bank_limiter_slot_held_seconds_total', "Time bank request slots were in use by this process's requests, summed (÷ time ÷ the bank's maxConcurrency: how full its allowance is).", () =>
      seconds(limiter()?.heldMs),
    );
    total('kinko_bank_limiter_queries_total', "The limiter's database queries (slot locks and unlocks, rate reservations).", () => limiter()?.queries);
    total('kinko_bank_limiter_query_seconds_total', "Time the limiter's database queries took (round trips), summed.", () => seconds(limiter()?.overheadMs));
  }

  /** One finished HTTP request; `route` is the route template (`/api/v2/connections/:connectionId`), never the URL. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.observe({ method, route, status: String(status) }, seconds);
  }

  /** One attempt of a bank call (the SDK's `onHttpCall` event). */
  observeBankCall(event: HttpCallEvent): void {
    const status = event.status !== undefined ? String(event.status) : event.outcome;
    this.bankCalls.observe({ connector: event.connectorId, operation: bankOperation(event.method, event.path), status }, event.durationMs / 1000);
  }

  /** A sync session ended with `status`, its stages having run for `stages`. */
  sessionEnded(connector: string, status: string, stages: readonly StageDuration[]): void {
    this.sessions.inc({ connector, status });
    for (const s of stages) this.stages.observe({ connector, stage: s.stage }, s.seconds);
  }

  /** A sync job attempt failed and goes back to the queue. */
  syncRetried(): void {
    this.retries.inc();
  }

  /** A sync job's retries are spent. */
  syncDeadLettered(): void {
    this.deadLetters.inc();
  }

  /** An unattended read was refused by the access budget (`where`: scheduler, engine (in a session), refresh-route). */
  accessBudgetRefused(where: string): void {
    this.budgetRefusals.inc({ where });
  }

  /** One webhook delivery attempt ended. */
  webhookDelivered(outcome: 'succeeded' | 'retrying' | 'failed'): void {
    this.webhookDeliveries.inc({ outcome });
  }

  /** The Prometheus text exposition. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of {@link render}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The app's database pool's counters, when its data source runs on a {@link MeasuredPool}. */
  private poolUsage(): PoolUsage | undefined {
    const dataSource = this.resolve(DataSource);
    const pool = dataSource?.isInitialized ? poolOf(dataSource) : undefined;
    return pool instanceof MeasuredPool ? pool.usage() : undefined;
  }

  /** The bank limiter's counters, in an app with the sync module. */
  private limiterStats(): BankLimiterStats | undefined {
    return this.resolve(BankLimiter)?.statistics();
  }

  /** A provider of the app, or undefined (a partial app in a unit test). */
  private resolve<T>(token: abstract new (...args: never[]) => T): T | undefined {
    try {
      return this.moduleRef?.get(token, { strict: false });
    } catch {
      return undefined;
    }
  }

  /** Depth and oldest due job per queue, from pg-boss's job table (none without a database). */
  private async queueRows(): Promise<QueueRow[]> {
    const dataSource = this.moduleRef?.get(DataSource, { strict: false });
    if (!dataSource?.isInitialized) return [];
    let schema = 'pgboss';
    try {
      schema = this.moduleRef?.get<SyncSettings>(SYNC_SETTINGS, { strict: false }).queueSchema ?? schema;
    } catch {
      // No sync module (a partial app in a unit test): the default schema.
    }
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) return [];
    try {
      return (await dataSource.query(
        `SELECT q.name, count(j.id)::int AS depth,
                COALESCE(EXTRACT(EPOCH FROM now() - min(j.created_on) FILTER (WHERE j.start_after <= now())), 0)::float8 AS oldest
           FROM ${schema}.queue q LEFT JOIN ${schema}.job j ON j.name = q.name AND j.state < 'active'
          GROUP BY q.name`,
      )) as QueueRow[];
    } catch {
      return []; // the queue schema is not there yet (before pg-boss's first start)
    }
  }
}

interface QueueRow {
  readonly name: string;
  readonly depth: number;
  readonly oldest: number | null;
}
