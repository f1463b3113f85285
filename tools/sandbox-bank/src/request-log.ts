/**
 * What the sandboxes were asked, in order: tests read it to assert which operations,
 * pages and date windows a connector requested. Method, path and query only — never
 * headers or bodies, which carry secrets.
 */

/** One request as a sandbox received it. */
export interface RequestLogEntry {
  /** Position in the log, from 1. */
  readonly seq: number;
  /** When it arrived, by the sandbox clock (ISO 8601). */
  readonly at: string;
  /** Which bank answered: its bank code (or another sandbox's bank id). */
  readonly bank: string;
  /** The operation, as `METHOD /path` of the spec (e.g. `GET /transactions`); null when no route matched. */
  readonly operation: string | null;
  /** HTTP method. */
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  /** Query parameters (repeated ones as arrays). */
  readonly query: Readonly<Record<string, string | readonly string[]>>;
  /** Status answered; absent while pending, or when the connection hung or was dropped. */
  readonly status?: number;
  /** The injected fault, if any (`status:500`, `rate-limit`, `hang`, `malformed-json`, `drop-connection`). */
  readonly fault?: string;
  /** Transactions the generator stepped through to answer (proves pages do not walk the history). */
  readonly generated?: number;
}

/** Filters for {@link RequestLog.entries}; every given field must match. */
export interface RequestLogFilter {
  /** Bank code. */
  readonly bank?: string;
  /** Operation, e.g. `GET /transactions`. */
  readonly operation?: string;
}

type MutableEntry = { -readonly [K in keyof RequestLogEntry]: RequestLogEntry[K] };

/** An in-memory, bounded request log shared by the sandboxes of one run. */
export class RequestLog {
  private log: MutableEntry[] = [];
  private seq = 0;

  /** Keeps the last `limit` entries. */
  constructor(private readonly limit = 10_000) {}

  /** Entries in arrival order, as snapshots. */
  entries(filter: RequestLogFilter = {}): RequestLogEntry[] {
    return this.log
      .filter((e) => (filter.bank === undefined || e.bank === filter.bank) && (filter.operation === undefined || e.operation === filter.operation))
      .map((e) => ({ ...e }));
  }

  /** Forgets everything logged so far. */
  clear(): void {
    this.log = [];
  }

  /** Appends an entry and returns it so that its outcome can be filled in later. */
  record(entry: Omit<RequestLogEntry, 'seq'>): MutableEntry {
    this.seq += 1;
    const e: MutableEntry = { seq: this.seq, ...entry };
    this.log.push(e);
    if (this.log.length > this.limit) this.log.splice(0, this.log.length - this.limit);
    return e;
  }
}

/** Splits a raw request URL into its path and query parameters. */
export function splitUrl(url: string): { path: string; query: Record<string, string | string[]> } {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query: Record<string, string | string[]> = {};
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(url.slice(q + 1))) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
  }
  return { path, query };
}
