// Issue 19: a list costs one limited pull per bank page — none after the last page. The app
// limits every page pull (its cross-process bank limiter); the SDK tells it which page is the
// last (isLastPage) by looking past each page without sending anything early.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Schema } from 'effect';
import { calendarDate, CurrencyCode, TransactionId } from '@kinko/domain';
import {
  ConnectorErrors,
  defineConnector,
  err,
  isLastPage,
  ok,
  okVoid,
  type Account,
  type ConnectorImplementation,
  type HttpClient,
  type Outcome,
  type Page,
  type Transaction,
} from '../src';
import { toyManifest } from './fake-bank/toy-connector';
import { startServer, type TestServer } from './support/servers';

const JPY = Schema.decodeUnknownSync(CurrencyCode)('JPY');
const GrantSchema = Schema.Struct({ token: Schema.String });
type G = typeof GrantSchema.Type;
const grant = { token: 't' } as never;
const window = Object.freeze({ from: calendarDate('2026-11-01'), to: calendarDate('2026-12-05') });

let bank: TestServer;
beforeAll(async () => {
  // GET /<list>?pages=N&page=n → { items: [n], next: n+1 or 0 }
  bank = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://bank');
    const pages = Number(url.searchParams.get('pages'));
    const page = Number(url.searchParams.get('page'));
    if (url.pathname === '/broken') return res.writeHead(400, { 'content-type': 'application/json' }).end('{}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: [page], next: page < pages ? page + 1 : 0 }));
  });
});
afterAll(async () => bank.close());

/** A connector that follows the bank's `next` like the real ones: a request per page, none after `next: 0`. */
function pagingConnector() {
  const connector = defineConnector<G, never, unknown>({
    manifest: toyManifest({ flow: 'redirect', id: 'toy-paging' }),
    config: Schema.Unknown,
    grant: GrantSchema,
    create: ({ http }): ConnectorImplementation<G, never> => {
      async function* list<T>(http: HttpClient, path: string, pages: number, item: (n: number) => T): AsyncGenerator<Outcome<readonly T[]>> {
        for (let page = 1; ; ) {
          const res = await http.send({ method: 'GET', url: `${bank.origin}${path}`, query: { pages, page } });
          if (!res.ok) return yield res;
          if (res.value.status !== 200) return yield err(ConnectorErrors.permanent({ message: `${path} answered ${res.value.status}` }));
          const body = res.value.json() as Outcome<{ items: number[]; next: number }>;
          if (!body.ok) return yield body;
          yield ok(body.value.items.map(item));
          if (body.value.next === 0) return;
          page = body.value.next;
        }
      }
      const account = (n: number): Account => ({ bankAccountId: `acc-${n}`, name: `Account ${n}`, currency: JPY }) as unknown as Account;
      const tx = (n: number): Transaction => ({
        bankTransactionId: TransactionId.make(`t${n}`),
        kind: 'booked',
        transactionDate: calendarDate('2026-12-01'),
        amountMinor: -100n,
        currency: JPY,
        description: `t${n}`,
      });
      return {
        auth: {
          begin: async () => ok({ type: 'redirect', url: 'https://toy-bank.example/sca' }),
          complete: async () => ok({ type: 'granted', grant: { token: 't' } }),
          refresh: async (g) => ok({ type: 'granted', grant: g }),
          revoke: async () => okVoid,
        },
        // The number of pages: the grant's token "pages-N" for accounts, the bankAccountId for transactions.
        accounts: (g) => list(http, '/accounts', Number(g.token.split('-')[1]), account),
        transactions: (_g, request) =>
          request.bankAccountId === 'broken' ? list(http, '/broken', 1, tx) : list(http, '/transactions', Number(request.bankAccountId.split('-')[1]), tx),
        balances: async function* () {
          yield ok([]);
        },
        branches: async function* () {
          yield ok([]);
        },
      };
    },
  });
  return connector.create({ config: {}, extraAllowedHosts: [bank.host] });
}

/** The app's way of reading a list: every pull inside the limiter, no pull after the last page. */
async function readLimited<T>(stream: AsyncIterable<Outcome<Page<T>>>): Promise<{ items: T[]; acquisitions: number; error?: string }> {
  const iterator = stream[Symbol.asyncIterator]();
  let acquisitions = 0;
  const items: T[] = [];
  const limited = async <R>(call: () => Promise<R>): Promise<R> => {
    acquisitions += 1;
    return call();
  };
  try {
    for (;;) {
      const next = await limited(() => iterator.next());
      if (next.done === true) return { items, acquisitions };
      if (!next.value.ok) return { items, acquisitions, error: next.value.error.message };
      items.push(...next.value.value.items);
      if (isLastPage(next.value.value)) return { items, acquisitions };
    }
  } finally {
    await iterator.return?.();
  }
}

const requestsTo = (path: string, from: number): number => bank.requests.slice(from).filter((r) => r.url.startsWith(path)).length;

describe('the last page of a list', () => {
  it.each([1, 3])('a list of %i page(s): as many bank requests and limited pulls as pages', async (pages) => {
    const client = pagingConnector();
    const before = bank.requests.length;
    const txs = await readLimited(client.transactions(grant, { bankAccountId: `pages-${pages}`, kind: 'booked', window }));
    expect(txs.items.map((t) => t.description)).toEqual(Array.from({ length: pages }, (_, i) => `t${i + 1}`));
    expect(requestsTo('/transactions', before)).toBe(pages);
    expect(txs.acquisitions).toBe(pages);

    const mark = bank.requests.length;
    const accounts = await readLimited(client.accounts({ token: `pages-${pages}` } as never));
    expect(accounts.items).toHaveLength(pages);
    expect(requestsTo('/accounts', mark)).toBe(pages);
    expect(accounts.acquisitions).toBe(pages);
    await client.close();
  });

  it('sends the next page request only when the caller pulls it', async () => {
    const client = pagingConnector();
    const before = bank.requests.length;
    const iterator = client.transactions(grant, { bankAccountId: 'pages-3', kind: 'booked', window })[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    expect(first.value?.ok === true && isLastPage(first.value.value)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requestsTo('/transactions', before)).toBe(1);
    const second = await iterator.next();
    expect(second.value?.ok === true && second.value.value.items[0]?.description).toBe('t2');
    expect(requestsTo('/transactions', before)).toBe(2);
    // Closed while the connector waits to ask for page 3: that request is never sent.
    await iterator.return?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requestsTo('/transactions', before)).toBe(2);
    await client.close();
  });

  it('a caller that pulls until the end still gets every page, and the end costs no request', async () => {
    const client = pagingConnector();
    const before = bank.requests.length;
    const seen: string[] = [];
    for await (const page of client.transactions(grant, { bankAccountId: 'pages-3', kind: 'booked', window })) {
      if (page.ok) seen.push(...page.value.items.map((t) => t.description));
    }
    expect(seen).toEqual(['t1', 't2', 't3']);
    expect(requestsTo('/transactions', before)).toBe(3);
    await client.close();
  });

  it('an error ends the list where it is: not a last page, nothing looked past', async () => {
    const client = pagingConnector();
    const out = await readLimited(client.transactions(grant, { bankAccountId: 'broken', kind: 'booked', window }));
    expect(out.error).toMatch(/answered 400/);
    expect(out.acquisitions).toBe(1);
    await client.close();
  });
});
