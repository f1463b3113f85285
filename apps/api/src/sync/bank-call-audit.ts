import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { HttpCallEvent } from '@kinko/connector-sdk';
import { DataSource } from 'typeorm';
import { assertNoSecretKeys } from '../audit/audit-log.service';
import { MetricsService } from '../metrics/metrics.service';
import { preparedQuery } from '../database/prepared-sql';
import type { Statement } from './carried-sql';

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

/** A buffered row: its columns (tenant, actor, target, details) and the session it was made for. */
interface BufferedRow {
  readonly sessionId: string | undefined;
  readonly columns: readonly [string | null, string, string | null, string];
}

// One text for any number of rows (each column an array): prepared once per connection, and
// carried by another statement as a plain INSERT (carried-sql.ts).
const INSERT_SQL = `INSERT INTO audit_log (tenant_id, actor, action, target, details) SELECT v.tenant_id, v.actor, 'bank.call', v.target, v.details FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[]) AS v(tenant_id, actor, target, details)`;

/** The INSERT of `rows`, in their order. */
const insertOf = (rows: readonly BufferedRow[]): Statement => ({ text: INSERT_SQL, values: [0, 1, 2, 3].map((i) => rows.map((r) => r.columns[i])) });

/**
 * The `bank.call` audit trail: one `audit_log` row per HTTP attempt to a bank (method,
 * host, path without query, status, duration, outcome — never a header, body or query),
 * buffered and written in multi-row INSERTs (at most every second, or per 200 calls), or by a
 * session's last transaction ({@link carrying}: its end and the rows buffered so far commit together).
 */
@Injectable()
export class BankCallAudit implements BeforeApplicationShutdown {
  private readonly context = new AsyncLocalStorage<BankCallContext>();
  private buffer: BufferedRow[] = [];
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
    this.buffer.push({ sessionId: ctx?.sessionId, columns: [ctx?.tenantId ?? null, ctx?.actor ?? 'system:sync', targetOf(ctx), JSON.stringify(details)] });
    if (this.buffer.length >= MAX_BUFFER) void this.flush();
    else this.armTimer();
  }

  private armTimer(): void {
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /**
   * Runs `work` with the rows buffered so far as one INSERT for it to carry in its own
   * transaction (undefined when none is buffered): they are no longer buffered, and go back to
   * the buffer (written later) when `work` throws. A session's last transaction carries them —
   * its bank calls are all made by then — so its end costs no INSERT of its own.
   */
  async carrying<T>(work: (insert: Statement | undefined) => Promise<T>): Promise<T> {
    const rows = this.buffer;
    this.buffer = [];
    try {
      return await work(rows.length > 0 ? insertOf(rows) : undefined);
    } catch (e) {
      if (rows.length > 0) {
        this.buffer = [...rows, ...this.buffer];
        this.armTimer();
      }
      throw e;
    }
  }

  /**
   * Writes what is buffered when a row of `sessionId` is among it (else writes nothing: its rows
   * were written, e.g. carried by its last transaction); resolves once its rows are written.
   */
  flushSession(sessionId: string): Promise<void> {
    return this.buffer.some((r) => r.sessionId === sessionId) ? this.flush() : this.flushing;
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
      const insert = insertOf(rows);
      try {
        await preparedQuery(this.dataSource.manager, insert.text, insert.values);
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
