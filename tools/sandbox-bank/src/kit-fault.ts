/**
 * The conformance kit's faults, as the sandboxes built for it take them (Berlin Group, GMO
 * Aozora, …): the shape of `@kinko/connector-sdk/testkit`'s SandboxFault (this package does not
 * depend on the SDK: the type is structural), and the one rule for which data requests a fault
 * set with `setFault` hits — after the first `afterRequests` of them, for `times` of them (no
 * `times`: until cleared) — and, for the sandboxes on node:http, what each fault does to the
 * request ({@link answerKitFault}); the words of the answer (the error body, the broken link)
 * are each bank's own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

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

  /** The next-link fault the data request being answered must carry (left by `apply`). */
  nextLink: 'loopingNext' | 'malformedNext' | undefined;

  /** Applies this data request's fault, if any, in the sandbox's words: true when that answered the request; a next-link fault is left in `nextLink`. */
  async apply(req: IncomingMessage, res: ServerResponse, answers: KitFaultAnswers): Promise<boolean> {
    this.nextLink = undefined;
    const f = this.take();
    if (f === undefined) return false;
    const outcome = await answerKitFault(f, req, res, answers);
    if (outcome === 'loopingNext' || outcome === 'malformedNext') this.nextLink = outcome;
    return outcome === 'answered';
  }
}

/** How a sandbox on node:http answers the kit's faults in its own words. */
export interface KitFaultAnswers {
  /** Sends the bank's error answer with this status (`headers`: Retry-After, when the fault has one). */
  status(status: number, headers: Record<string, string>): void;
  /** The start of a JSON body the bank would send, cut off (the `malformedBody` answer). */
  readonly truncatedBody: string;
  /** The sandbox's pending timers (it clears them when it closes): the latency's timer joins them while it runs. */
  readonly timers: Set<NodeJS.Timeout>;
}

/**
 * Applies a fault to one data request of a node:http sandbox: `answered` when the request is
 * dealt with (an error, a cut-off body, a dropped connection, or a client gone during the
 * latency), `continue` when the bank answers it normally, or the next-link fault the normal
 * answer must carry.
 */
export async function answerKitFault(f: KitFault, req: IncomingMessage, res: ServerResponse, answers: KitFaultAnswers): Promise<'answered' | 'continue' | 'loopingNext' | 'malformedNext'> {
  switch (f.type) {
    case 'latency':
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => (answers.timers.delete(t), resolve()), f.delayMs);
        answers.timers.add(t);
      });
      return res.destroyed ? 'answered' : 'continue';
    case 'status':
      answers.status(f.status, f.retryAfter === undefined ? {} : { 'retry-after': f.retryAfter });
      return 'answered';
    case 'malformedBody':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(answers.truncatedBody);
      return 'answered';
    case 'dropConnection':
      req.socket.destroy();
      return 'answered';
    case 'loopingNext':
    case 'malformedNext':
      return f.type;
  }
}
