/**
 * The conformance kit's faults, as the sandboxes built for it take them (Berlin Group, GMO
 * Aozora, …): the shape of `@kinko/connector-sdk/testkit`'s SandboxFault (this package does not
 * depend on the SDK: the type is structural), and the one rule for which data requests a fault
 * set with `setFault` hits — after the first `afterRequests` of them, for `times` of them (no
 * `times`: until cleared). How a fault is answered (the error body, the broken link) is each
 * bank's own.
 */

/** A fault on a sandbox's data endpoints (accounts, balances, transactions — never the auth endpoints). */
export type KitFault = (
  | { readonly type: 'latency'; readonly delayMs: number }
  | { readonly type: 'status'; readonly status: number; readonly retryAfter?: string }
  | { readonly type: 'malformedBody' }
  | { readonly type: 'dropConnection' }
  /** The answer is normal, but its link to the next page points back at the page itself. */
  | { readonly type: 'loopingNext' }
  /** The answer is normal, but its link to the next page is not one the bank could serve. */
  | { readonly type: 'malformedNext' }
) & {
  readonly times?: number;
  /** The first `afterRequests` data requests are answered normally (a fault in the middle of a stream). */
  readonly afterRequests?: number;
};

/** The standing fault of one sandbox: `set` it (its counts start again), then `take` once per data request. */
export class KitFaultSlot {
  private fault: KitFault | undefined;
  private seen = 0;
  private used = 0;

  set(fault: KitFault | undefined): void {
    this.fault = fault;
    this.seen = 0;
    this.used = 0;
  }

  /** The fault this data request gets: none before `afterRequests`, after `times`, or when none is set. */
  take(): KitFault | undefined {
    const f = this.fault;
    if (f === undefined) return undefined;
    this.seen += 1;
    if (f.afterRequests !== undefined && this.seen <= f.afterRequests) return undefined;
    if (f.times !== undefined && this.used >= f.times) return undefined;
    this.used += 1;
    return f;
  }
}
