// Contract v2 (e): a connector may fetch several kinds in one call (Berlin Group
// bookingStatus=both) while the app still gets per-kind pages and one window.
import { describe, expect, it } from '@jest/globals';
import { Schema } from 'effect';
import { calendarDate, CurrencyCode, TransactionId, type TransactionKind } from '@kinko/domain';
import {
  ConnectorSetupError,
  defineConnector,
  manifestProblems,
  ok,
  okVoid,
  type ConnectorImplementation,
  type ConnectorManifestInput,
  type KindsPage,
  type Transaction,
  type TransactionKindsRequest,
} from '../src';
import { toyManifest } from './fake-bank/toy-connector';

const JPY = Schema.decodeUnknownSync(CurrencyCode)('JPY');
const GrantSchema = Schema.Struct({ token: Schema.String });
type G = typeof GrantSchema.Type;

const tx = (id: string, kind: TransactionKind): Transaction => ({
  bankTransactionId: TransactionId.make(id),
  kind,
  transactionDate: calendarDate('2026-12-01'),
  amountMinor: -100n,
  currency: JPY,
  description: id,
});

const manifest = (kindsPerCall: readonly TransactionKind[] | undefined): ConnectorManifestInput => {
  const base = toyManifest({ flow: 'redirect', id: 'toy-both' });
  return { ...base, capabilities: { ...base.capabilities, ...(kindsPerCall ? { kindsPerCall: [...kindsPerCall] } : {}) } };
};

function bothConnector(options: { declare?: boolean; implement?: boolean; pages?: ReadonlyArray<readonly Transaction[]> } = {}) {
  const requests: TransactionKindsRequest[] = [];
  const pages = options.pages ?? [[tx('b1', 'booked'), tx('p1', 'pending'), tx('b2', 'booked')], [tx('b3', 'booked')], [tx('p2', 'pending')]];
  const connector = defineConnector<G, never, unknown>({
    manifest: manifest(options.declare === false ? undefined : ['booked', 'pending']),
    config: Schema.Unknown,
    grant: GrantSchema,
    create: (): ConnectorImplementation<G, never> => ({
      auth: {
        begin: async () => ok({ type: 'redirect', url: 'https://toy-bank.example/sca' }),
        complete: async () => ok({ type: 'granted', grant: { token: 't' } }),
        refresh: async (grant) => ok({ type: 'granted', grant }),
        revoke: async () => okVoid,
      },
      accounts: async function* () {
        yield ok([]);
      },
      transactions: async function* () {
        yield ok([]);
      },
      balances: async function* () {
        yield ok([]);
      },
      branches: async function* () {
        yield ok([]);
      },
      ...(options.implement === false
        ? {}
        : {
            transactionKinds: async function* (_grant: G, request: TransactionKindsRequest) {
              requests.push(request);
              for (const page of pages) yield ok(page);
            },
          }),
    }),
  });
  return { connector, requests, client: () => connector.create({ config: {} }) };
}

const grant = { token: 't' } as never;
const window = Object.freeze({ from: calendarDate('2026-11-01'), to: calendarDate('2026-12-05') });

async function collect(stream: AsyncIterable<{ ok: boolean }>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const o of stream) out.push(o);
  return out;
}

describe('several transaction kinds in one call (contract v2 e)', () => {
  it('the manifest lists kinds per call among the reported kinds, at least two', () => {
    expect(manifestProblems(manifest(['booked', 'pending']))).toEqual([]);
    expect(manifestProblems(manifest(['booked', 'scheduled'])).join()).toMatch(/capabilities\.kindsPerCall\.scheduled is not a reported kind/);
    expect(manifestProblems(manifest(['booked'])).length).toBe(1);
  });

  it('declared ⇔ implemented', () => {
    expect(() => bothConnector({ implement: false }).client()).toThrow(ConnectorSetupError);
    expect(() => bothConnector({ implement: false }).client()).toThrow(/declares transactionKinds \(capabilities.kindsPerCall\) but the connector does not implement it/);
    expect(() => bothConnector({ declare: false }).client()).toThrow(/implements transactionKinds \(capabilities.kindsPerCall\) but the manifest does not declare it/);
  });

  it('one connector call for both kinds; every bank page comes split per kind, with per-kind page indices and the one frozen window', async () => {
    const t = bothConnector();
    const pages = (await collect(t.client().transactionKinds(grant, { bankAccountId: 'a1', kinds: ['booked', 'pending'], window }))) as Array<{ ok: true; value: KindsPage }>;
    expect(t.requests).toHaveLength(1);
    expect(t.requests[0]).toEqual({ bankAccountId: 'a1', kinds: ['booked', 'pending'], window });
    expect(Object.isFrozen(t.requests[0])).toBe(true);
    const shape = pages.map((p) => ({
      index: p.value.index,
      kinds: p.value.kinds.map((k) => ({ kind: k.kind, index: k.page.index, ids: k.page.items.map((i) => i.bankTransactionId), sameWindow: k.page.window === window })),
      sameWindow: p.value.window === window,
    }));
    expect(shape).toEqual([
      { index: 0, sameWindow: true, kinds: [{ kind: 'booked', index: 0, ids: ['b1', 'b2'], sameWindow: true }, { kind: 'pending', index: 0, ids: ['p1'], sameWindow: true }] },
      { index: 1, sameWindow: true, kinds: [{ kind: 'booked', index: 1, ids: ['b3'], sameWindow: true }, { kind: 'pending', index: 1, ids: [], sameWindow: true }] },
      { index: 2, sameWindow: true, kinds: [{ kind: 'booked', index: 2, ids: [], sameWindow: true }, { kind: 'pending', index: 1, ids: ['p2'], sameWindow: true }] },
    ]);
  });

  it('an item of a kind not asked for is a contract violation and ends the stream', async () => {
    const t = bothConnector({ pages: [[tx('b1', 'booked')], [tx('p1', 'pending')], [tx('b2', 'booked')]] });
    const out = (await collect(t.client().transactionKinds(grant, { bankAccountId: 'a1', kinds: ['booked'], window }))) as Array<{ ok: boolean; error?: { _tag: string; message: string } }>;
    expect(out.map((o) => (o.ok ? 'page' : `${o.error?._tag}: ${o.error?.message}`))).toEqual(['page', 'PermanentError: toy-both: transactionKinds: a pending transaction in a fetch of booked']);
  });

  it('kinds outside kindsPerCall, repeats, none, a bad window, or a connector without the capability: no call', async () => {
    const t = bothConnector();
    const tags = async (request: TransactionKindsRequest) =>
      ((await collect(t.client().transactionKinds(grant, request))) as Array<{ ok: boolean; error?: { _tag: string } }>).map((o) => (o.ok ? 'page' : o.error?._tag));
    expect(await tags({ bankAccountId: 'a1', kinds: ['booked', 'scheduled'], window })).toEqual(['Unsupported']);
    expect(await tags({ bankAccountId: 'a1', kinds: ['booked', 'booked'], window })).toEqual(['Unsupported']);
    expect(await tags({ bankAccountId: 'a1', kinds: [], window })).toEqual(['Unsupported']);
    expect(await tags({ bankAccountId: 'a1', kinds: ['booked'], window: { from: calendarDate('2026-12-05'), to: calendarDate('2026-11-01') } })).toEqual(['PermanentError']);
    expect(t.requests).toHaveLength(0);
    const none = bothConnector({ declare: false, implement: false });
    const out = (await collect(none.client().transactionKinds(grant, { bankAccountId: 'a1', kinds: ['booked', 'pending'], window }))) as Array<{ ok: boolean; error?: { _tag: string } }>;
    expect(out.map((o) => (o.ok ? 'page' : o.error?._tag))).toEqual(['Unsupported']);
  });
});
