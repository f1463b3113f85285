/**
 * The conformance kit's faults, as the sandboxes built for it take them (Berlin Group, GMO
 * Aozora, …): the one rule for which data requests a fault set with `setFault` hits — after
 * the first `afterRequests` of them, for `times` of them (no `times`: until cleared) — and, for
 * the sandboxes on node:http, what each fault does to the request ({@link answerKitFault}); the
 * words of the answer (the error body, the broken link) are each bank's own.
 *
 * The fault itself is the kit's `SandboxFault` (`@kinko/connector-sdk/testkit`), defined there
 * once: the kit is what sets faults and says what a connector must make of each, the sandboxes
 * only obey it. This package may import the SDK (tools/* may import anything; only the SDK may
 * not import a tool), and imports just that type, so the running banks load nothing of the SDK.
 * (Not @kinko/domain, the other package both see: a test fault is no part of the bank domain.)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxFault } from '@kinko/connector-sdk/testkit';

/** The standing fault of one sandbox: `set` it (its counts start again), then `take` once per data request. */
export class KitFaultSlot {
  private fault: SandboxFault | undefined;
  private seen = 0;
  private used = 0;

  set(fault: SandboxFault | undefined): void {
    this.fault = fault;
    this.seen = 0;
    this.used = 0;
  }

  /** The fault this data request gets: none before `afterRequests`, after `times`, or when none is set. */
  take(): SandboxFault | undefined {
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
export async function answerKitFault(f: SandboxFault, req: IncomingMessage, res: ServerResponse, answers: KitFaultAnswers): Promise<'answered' | 'continue' | 'loopingNext' | 'malformedNext'> {
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
