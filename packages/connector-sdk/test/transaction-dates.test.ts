// Contract v2: a transaction may lack a transaction date when the manifest says which date
// the bank filters its kind on; the client rejects an item lacking that date (or, for kinds
// filtered on a date the bank does not report, accepts one without any date).
import { describe, expect, it } from '@jest/globals';
import { Schema } from 'effect';
import { calendarDate, CurrencyCode, TransactionId, type DateField, type TransactionKind } from '@kinko/domain';
import { defineConnector, manifestProblems, ok, okVoid, type ConnectorImplementation, type ConnectorManifestInput, type Transaction } from '../src';
import { toyManifest } from './fake-bank/toy-connector';

const JPY = Schema.decodeUnknownSync(CurrencyCode)('JPY');
const GrantSchema = Schema.Struct({ token: Schema.String });
type G = typeof GrantSchema.Type;

const tx = (id: string, kind: TransactionKind, dates: Partial<Pick<Transaction, 'transactionDate' | 'bookingDate' | 'valueDate'>>): Transaction => ({
  bankTransactionId: TransactionId.make(id),
  kind,
  ...dates,
  amountMinor: -100n,
  currency: JPY,
  description: id,
});

const manifest = (booked: DateField, pending: DateField, both: boolean): ConnectorManifestInput => {
  const base = toyManifest({ flow: 'redirect', id: 'toy-dates' });
  return {
    ...base,
    capabilities: { ...base.capabilities, ...(both ? { kindsPerCall: ['booked', 'pending'] } : {}) },
    dateFieldByKind: { booked, pending },
  };
};

function datesConnector(fields: { booked: DateField; pending: DateField }, page: readonly Transaction[]) {
  const stream = async function* () {
    yield ok(page);
  };
  const connector = defineConnector<G, never, unknown>({
    manifest: manifest(fields.booked, fields.pending, true),
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
      transactions: stream,
      transactionKinds: stream,
      balances: async function* () {
        yield ok([]);
      },
      branches: async function* () {
        yield ok([]);
      },
    }),
  });
  return connector.create({ config: {} });
}

const grant = { token: 't' } as never;
const window = Object.freeze({ from: calendarDate('2026-11-01'), to: calendarDate('2026-12-05') });

async function read(stream: AsyncIterable<{ ok: boolean; error?: { _tag: string; message: string } }>): Promise<string[]> {
  const out: string[] = [];
  for await (const o of stream) out.push(o.ok ? 'page' : `${o.error?._tag}: ${o.error?.message}`);
  return out;
}

const d = calendarDate;

describe('which date an item must carry (the manifest’s dateFieldByKind)', () => {
  it('the manifest may declare any of transactionDate, bookingDate, valueDate and entryDate', () => {
    for (const field of ['transactionDate', 'bookingDate', 'valueDate', 'entryDate'] as const) expect(manifestProblems(manifest('bookingDate', field, false))).toEqual([]);
    expect(manifestProblems(manifest('bookingDate', 'postingDay' as DateField, false)).join()).toMatch(/dateFieldByKind/);
  });

  it('a kind filtered on transactionDate: an item without one is a contract violation', async () => {
    const client = datesConnector({ booked: 'transactionDate', pending: 'transactionDate' }, [tx('b1', 'booked', { bookingDate: d('2026-12-01') })]);
    expect(await read(client.transactions(grant, { bankAccountId: 'a1', kind: 'booked', window }))).toEqual([
      'PermanentError: toy-dates: transactions: booked transaction b1 has no transactionDate, the date its kind is filtered on',
    ]);
    const dated = datesConnector({ booked: 'transactionDate', pending: 'transactionDate' }, [tx('b1', 'booked', { transactionDate: d('2026-12-01') })]);
    expect(await read(dated.transactions(grant, { bankAccountId: 'a1', kind: 'booked', window }))).toEqual(['page']);
  });

  it('a kind filtered on bookingDate: no transaction date is fine, no booking date is a contract violation', async () => {
    const fields = { booked: 'bookingDate', pending: 'transactionDate' } as const;
    expect(await read(datesConnector(fields, [tx('b1', 'booked', { bookingDate: d('2026-12-01') })]).transactions(grant, { bankAccountId: 'a1', kind: 'booked', window }))).toEqual(['page']);
    expect(await read(datesConnector(fields, [tx('b2', 'booked', { transactionDate: d('2026-12-01') })]).transactions(grant, { bankAccountId: 'a1', kind: 'booked', window }))).toEqual([
      'PermanentError: toy-dates: transactions: booked transaction b2 has no bookingDate, the date its kind is filtered on',
    ]);
  });

  it('a kind filtered on an entry date the bank does not report: an item without any date comes through, with the window it was fetched under', async () => {
    const fields = { booked: 'bookingDate', pending: 'entryDate' } as const;
    const client = datesConnector(fields, [tx('p1', 'pending', {}), tx('b1', 'booked', { bookingDate: d('2026-12-01') })]);
    const pages: Array<{ kind: string; ids: string[]; window: unknown }> = [];
    for await (const o of client.transactionKinds(grant, { bankAccountId: 'a1', kinds: ['booked', 'pending'], window })) {
      if (!o.ok) throw new Error(o.error.message);
      for (const k of o.value.kinds) pages.push({ kind: k.kind, ids: k.page.items.map((i) => i.bankTransactionId), window: k.page.window });
    }
    expect(pages).toEqual([
      { kind: 'booked', ids: ['b1'], window },
      { kind: 'pending', ids: ['p1'], window },
    ]);
    // The same dateless item where the kind is filtered on its transaction date is refused.
    const strict = datesConnector({ booked: 'bookingDate', pending: 'transactionDate' }, [tx('p1', 'pending', {})]);
    expect(await read(strict.transactionKinds(grant, { bankAccountId: 'a1', kinds: ['booked', 'pending'], window }))).toEqual([
      'PermanentError: toy-dates: transactionKinds: pending transaction p1 has no transactionDate, the date its kind is filtered on',
    ]);
  });
});
