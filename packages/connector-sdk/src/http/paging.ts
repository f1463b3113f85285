import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Knowing the last page without asking the bank once more.
 *
 * A connector's stream ends when its generator returns after the last page; the caller only
 * learns it by pulling once more, and a caller that limits every pull (the app's cross-process
 * bank limiter) spends one acquisition — one slot, one rate token — on a pull that sends
 * nothing. So the SDK looks ahead: once a page arrives, the connector's generator is resumed
 * at once, and a request it starts meanwhile waits until the caller really pulls (it is
 * then sent inside the caller's limited pull, as before). If the generator returns without
 * starting one, the page is the last ({@link isLastPage}) and the caller stops there.
 */

/** One look-ahead pull: requests wait for `permit` (true: send, false: the stream was closed). */
interface Ahead {
  readonly permit: Promise<boolean>;
  readonly wanted: Promise<void>;
  want(): void;
}

const pulls = new AsyncLocalStorage<Ahead>();

/** Pages after which the connector's stream ended without another request. */
const lastPages = new WeakSet<object>();

/** True when `page` (a `Page` or `KindsPage` of a connector stream) is its stream's last: do not pull again. */
export function isLastPage(page: object): boolean {
  return lastPages.has(page);
}

/** Marks a page the SDK derived from a last page (e.g. a several-kinds page split per kind). */
export function markLastPage<P extends object>(page: P): P {
  lastPages.add(page);
  return page;
}

/**
 * Called by the HTTP client before a request: inside a look-ahead, waits for the caller's
 * next pull. False means the caller closed the stream first: send nothing.
 */
export async function awaitPullTurn(): Promise<boolean> {
  const ahead = pulls.getStore();
  if (ahead === undefined) return true;
  ahead.want();
  return ahead.permit;
}

/**
 * Iterates `source` one element ahead: each element comes with `last`, true when the source
 * ended right after it without starting a request (no look-ahead past an element `lookPast`
 * refuses). Elements are produced exactly as the
 * caller pulls them; only request-free work (parsing, the generator's return) runs early.
 */
export async function* withLookAhead<T>(
  source: AsyncIterable<T>,
  lookPast: (value: T) => boolean = () => true,
): AsyncGenerator<{ readonly value: T; readonly last: boolean }, void, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | undefined;
  let close: ((send: boolean) => void) | undefined;
  try {
    let current = await iterator.next();
    if (current.done === true) return;
    for (;;) {
      if (!lookPast(current.value)) {
        // Not past this one (an error: the caller stops there and closes the stream).
        yield { value: current.value, last: false };
        current = await iterator.next();
        if (current.done === true) return;
        continue;
      }
      let permit!: (send: boolean) => void;
      let want!: () => void;
      const wanted = new Promise<void>((resolve) => (want = resolve));
      const ahead: Ahead = { permit: new Promise<boolean>((resolve) => (permit = resolve)), wanted, want };
      close = permit;
      const next = pulls.run(ahead, () => iterator.next());
      pending = next;
      const first = await Promise.race([next.then((r) => ({ r }), (error: unknown) => ({ error })), wanted.then(() => undefined)]);
      if (first !== undefined) {
        // The generator moved on without a request: the next element (or the end) is known.
        pending = undefined;
        close = undefined;
        if ('error' in first) {
          yield { value: current.value, last: false };
          throw first.error;
        }
        if (first.r.done === true) {
          yield { value: current.value, last: true };
          return;
        }
        yield { value: current.value, last: false };
        current = first.r;
        continue;
      }
      yield { value: current.value, last: false };
      // The caller pulls again: the waiting request may go now, inside that pull.
      close = undefined;
      permit(true);
      pending = undefined;
      current = await next;
      if (current.done === true) return;
    }
  } finally {
    if (pending !== undefined) {
      // Closed during a look-ahead: its request is refused, then the generator is closed.
      close?.(false);
      await pending.catch(() => undefined);
    }
    await iterator.return?.();
  }
}
