// Issue 19 (worker CPU per session): a session passes the same grant object to every call
// (accounts, then balances and transactions of each account). The client checks it against
// the connector's grant schema once, not on every call — and still refuses what is not a grant.
import { describe, expect, it } from '@jest/globals';
import { Redacted, Schema } from 'effect';
import { calendarDate } from '@kinko/domain';
import { collectPages, defineConnector, ok, okVoid, SdkErrorCode, type ConnectorImplementation } from '../src';
import { toyManifest } from './fake-bank/toy-connector';

const window = Object.freeze({ from: calendarDate('2026-11-01'), to: calendarDate('2026-12-05') });

/** A connector answering from memory, whose grant schema counts how often a grant is checked. */
function countingConnector() {
  const counter = { checks: 0 };
  const GrantSchema = Schema.Struct({
    token: Schema.Redacted(Schema.String),
    scopes: Schema.Array(Schema.String),
    expiresAt: Schema.Date,
    owner: Schema.String.pipe(
      Schema.check(
        Schema.makeFilter((s: string) => {
          counter.checks += 1;
          return s !== '' || 'empty owner';
        }),
      ),
    ),
  });
  type G = typeof GrantSchema.Type;
  const connector = defineConnector<G, never, unknown>({
    manifest: toyManifest({ flow: 'redirect', id: 'toy-grant-once' }),
    config: Schema.Unknown,
    grant: GrantSchema,
    create: (): ConnectorImplementation<G, never> => {
      async function* none<T>() {
        yield ok([] as T[]);
      }
      return {
        auth: {
          begin: async () => ok({ type: 'redirect', url: 'https://toy-bank.example/sca' }),
          complete: async () => ok({ type: 'granted', grant: { token: Redacted.make('t'), scopes: ['a'], expiresAt: new Date(0), owner: 'o' } }),
          refresh: async (g) => ok({ type: 'granted', grant: g }),
          revoke: async () => okVoid,
        },
        accounts: () => none(),
        transactions: () => none(),
        balances: () => none(),
        branches: () => none(),
      };
    },
  });
  return { counter, client: connector.create({ config: {} }), connector };
}

const aGrant = () => ({ token: Redacted.make('secret'), scopes: ['accounts', 'transactions'], expiresAt: new Date('2026-12-31T00:00:00Z'), owner: 'user-1' });

describe('the grant of a session is checked against its schema once', () => {
  it('checks one grant object once over many calls, and another object again', async () => {
    const { counter, client } = countingConnector();
    const grant = aGrant() as never;
    for (let i = 0; i < 3; i += 1) {
      expect((await collectPages(client.accounts(grant))).ok).toBe(true);
      expect((await collectPages(client.balances(grant, { bankAccountId: 'a', window }))).ok).toBe(true);
      expect((await collectPages(client.transactions(grant, { bankAccountId: 'a', kind: 'booked', window }))).ok).toBe(true);
    }
    expect(counter.checks).toBe(1);
    // An equal but other object is checked (once) too.
    const other = aGrant() as never;
    expect((await collectPages(client.accounts(other))).ok).toBe(true);
    expect((await collectPages(client.accounts(other))).ok).toBe(true);
    expect(counter.checks).toBe(2);
  });

  it('does not check again a grant the connector just deserialised (its decoding checked it)', async () => {
    const { counter, client, connector } = countingConnector();
    const text = connector.serializeGrant(aGrant() as never);
    expect(text.ok).toBe(true);
    if (!text.ok) return;
    const before = counter.checks;
    const read = connector.deserializeGrant(text.value);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(counter.checks).toBe(before + 1); // the decoding's own check
    expect(Object.isFrozen(read.value)).toBe(true);
    for (let i = 0; i < 2; i += 1) {
      expect((await collectPages(client.accounts(read.value))).ok).toBe(true);
      expect((await collectPages(client.balances(read.value, { bankAccountId: 'a', window }))).ok).toBe(true);
    }
    expect(counter.checks).toBe(before + 1);
    // What fails to decode is refused, as before.
    expect(connector.deserializeGrant(text.value.replace('user-1', '')).ok).toBe(false);
  });

  it('freezes a checked grant, so it cannot stop matching the schema afterwards', async () => {
    const { client } = countingConnector();
    const grant = aGrant();
    expect((await collectPages(client.accounts(grant as never))).ok).toBe(true);
    expect(Object.isFrozen(grant)).toBe(true);
    expect(Object.isFrozen(grant.scopes)).toBe(true);
    expect(() => {
      (grant as { owner: string }).owner = '';
    }).toThrow(TypeError);
    expect(() => (grant.scopes as string[]).push('x')).toThrow(TypeError);
    expect((await collectPages(client.accounts(grant as never))).ok).toBe(true);
  });

  it('still refuses what is not a grant of this connector, on every call', async () => {
    const { counter, client } = countingConnector();
    const bad = { ...aGrant(), owner: '' } as never;
    for (let i = 0; i < 2; i += 1) {
      const out = await collectPages(client.accounts(bad));
      expect(out.ok).toBe(false);
      if (!out.ok) expect(out.error).toMatchObject({ _tag: 'PermanentError', code: SdkErrorCode.invalidGrant });
    }
    expect(counter.checks).toBe(2);
    expect(Object.isFrozen(bad)).toBe(false);
    const notAGrant = await collectPages(client.accounts({ token: 'plain' } as never));
    expect(notAGrant.ok).toBe(false);
  });

  it('passes a frozen window through as is, and copies an unfrozen one without freezing the caller\'s object', async () => {
    const { client } = countingConnector();
    const grant = aGrant() as never;
    const page = async (w: { from: string; to: string }) => {
      for await (const p of client.balances(grant, { bankAccountId: 'a', window: w as never })) return p;
      return undefined;
    };
    const first = await page(window);
    expect(first?.ok && first.value.window).toBe(window);
    const loose = { from: '2026-11-01', to: '2026-12-05' };
    const copied = await page(loose);
    expect(copied?.ok && copied.value.window).toEqual(loose);
    expect(copied?.ok && copied.value.window).not.toBe(loose);
    expect(Object.isFrozen(loose)).toBe(false);
    const bad = await page(Object.freeze({ from: '2026-13-01', to: '2026-12-05' }));
    expect(bad?.ok).toBe(false);
  });
});
