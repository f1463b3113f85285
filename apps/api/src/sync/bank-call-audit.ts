import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { HttpCallEvent } from '@kinko/connector-sdk';
import { DataSource } from 'typeorm';
import { assertNoSecretKeys } from '../audit/audit-log.service';
import { MetricsService } from '../metrics/metrics.service';

/** Who a bank call is made for: set around a session's work so the audit row names it. */
export interface BankCallContext {
  readonly tenantId: string;
  /** The connection the call is for (the audit row's target `connection:<id>`). */
  readonly connectionId?: string;
  /** A connect flow that has no connection yet (target `connect_flow:<id>`). */
  readonly connectFlowId?: string;
  readonly sessionId?: string;
  readonly actor: string;
}

/** The audit row's target for a call made in `ctx`. */
const targetOf = (ctx: BankCallContext | undefined): string | null =>
  ctx?.connectionId !== undefined ? `connection:${ctx.connectionId}` : ctx?.connectFlowId !== undefined ? `connect_flow:${ctx.connectFlowId}` : null;

/**
 * Every key a `bank.call` row's details may have: checked for secret-like names once, here,
 * rather than on every bank call (the details are built from these keys only, with values
 * that are numbers or the SDK's method, host, path, outcome and error tag).
 */
const DETAIL_KEYS = ['connectorId', 'method', 'host', 'path', 'attempt', 'outcome', 'durationMs', 'status', 'retryInMs', 'errorTag', 'sessionId'] as const;
assertNoSecretKeys(Object.fromEntries(DETAIL_KEYS.map((k) => [k, null])));
type BankCallDetails = Partial<Record<(typeof DETAIL_KEYS)[number], string | number>>;

const MAX_BUFFER = 200;
const FLUSH_MS = 1_000;

/**
 * The `bank.call` audit trail: one `audit_log` row per HTTP attempt to a bank (method,
 * host, path without query, status, duration, outcome — never a header, body or query),
 * buffered and written in multi-row INSERTs (at most every second, or per 200 calls).
 */
@Injectable()
export class BankCallAudit implements BeforeApplicationShutdown {
  private readonly context = new AsyncLocalStorage<BankCallContext>();
  private buffer: unknown[][] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly logger = new Logger('BankCallAudit');

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
  ) {}

  /** Runs `work` with calls attributed to `context`. */
  run<T>(context: BankCallContext, work: () => Promise<T>): Promise<T> {
    return this.context.run(context, work);
  }

  /** The SDK's `onHttpCall` hook: buffers one row. */
  record(event: HttpCallEvent): void {
    this.metrics.observeBankCall(event);
    const ctx = this.context.getStore();
    const details: BankCallDetails = {
      connectorId: event.connectorId,
      method: event.method,
      host: event.host,
      path: event.path,
      attempt: event.attempt,
      outcome: event.outcome,
      durationMs: Math.round(event.durationMs),
      ...(event.status !== undefined ? { status: event.status } : {}),
      ...(event.retryInMs !== undefined ? { retryInMs: event.retryInMs } : {}),
      ...(event.errorTag !== undefined ? { errorTag: event.errorTag } : {}),
      ...(ctx?.sessionId ? { sessionId: ctx.sessionId } : {}),
    };
    this.buffer.push([ctx?.tenantId ?? null, ctx?.actor ?? 'system:sync', targetOf(ctx), JSON.stringify(details)]);
    if (this.buffer.length >= MAX_BUFFER) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes what is buffered (in one INSERT); resolves once written. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.buffer;
    this.buffer = [];
    if (rows.length === 0) return this.flushing;
    const write = async (): Promise<void> => {
      if (!this.dataSource.isInitialized) return;
      const values = rows.map((_, i) => `($${i * 4 + 1}::uuid, $${i * 4 + 2}, 'bank.call', $${i * 4 + 3}, $${i * 4 + 4}::jsonb)`).join(', ');
      try {
        await this.dataSource.query(`INSERT INTO audit_log (tenant_id, actor, action, target, details) VALUES ${values}`, rows.flat());
      } catch (e) {
        this.logger.error(`could not write ${rows.length} bank.call audit rows: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    this.flushing = this.flushing.then(write);
    return this.flushing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }
}
