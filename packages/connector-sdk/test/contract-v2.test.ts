// Contract v2: what consent-based standards (Berlin Group NextGenPSD2) need from the SDK —
// flow state kept by the app between begin and complete, the PSU context, current balances
// as a capability of their own, and per-consent facts read by the connector.
import { describe, expect, it } from '@jest/globals';
import { Redacted, Schema } from 'effect';
import { calendarDate, CurrencyCode } from '@kinko/domain';
import {
  collectPages,
  ConnectorSetupError,
  defineConnector,
  ok,
  okVoid,
  type ConnectorImplementation,
  type CurrentBalance,
  type PsuContext,
} from '../src';
import { toyManifest } from './fake-bank/toy-connector';

const EUR = Schema.decodeUnknownSync(CurrencyCode)('EUR');
const GrantSchema = Schema.Struct({ consentId: Schema.String, validUntil: Schema.String, frequencyPerDay: Schema.Number });
type G = typeof GrantSchema.Type;

const manifest = (currentBalances: boolean) => {
  const base = toyManifest({ flow: 'redirect', id: 'toy-consent' });
  return { ...base, capabilities: { ...base.capabilities, balances: false, branches: false, currentBalances } };
};

interface Seen {
  begin?: PsuContext;
  complete?: { flowState?: string; psu?: PsuContext };
  accounts?: PsuContext;
  transactions?: PsuContext;
  current?: PsuContext;
}

function consentConnector(options: { currentBalances?: boolean; answer?: () => unknown; flowState?: unknown } = {}) {
  const seen: Seen = {};
  const current = options.currentBalances ?? true;
  const connector = defineConnector<G, never, { baseUrl: string }>({
    manifest: manifest(current),
    config: Schema.Struct({ baseUrl: Schema.String }),
    grant: GrantSchema,
    consentFacts: (grant) => ({ validUntil: new Date(`${grant.validUntil}T00:00:00Z`), frequencyPerDay: grant.frequencyPerDay }),
    create: (): ConnectorImplementation<G, never> => ({
      auth: {
        begin: async (input) => {
          seen.begin = input.psu;
          return ok({ type: 'redirect', url: 'https://toy-bank.example/sca?consent=c-1', flowState: (options.flowState ?? 'c-1') as string });
        },
        complete: async (input) => {
          if (input.type === 'redirect') seen.complete = { ...(input.flowState ? { flowState: Redacted.value(input.flowState) } : {}), ...(input.psu ? { psu: input.psu } : {}) };
          const consentId = input.type === 'redirect' && input.flowState ? Redacted.value(input.flowState) : 'none';
          return ok({ type: 'granted', grant: { consentId, validUntil: '2027-03-01', frequencyPerDay: 2 } });
        },
        refresh: async (grant) => ok({ type: 'granted', grant }),
        revoke: async () => okVoid,
      },
      accounts: async function* (_grant, request) {
        seen.accounts = request?.psu;
        yield ok([]);
      },
      transactions: async function* (_grant, request) {
        seen.transactions = request.psu;
        yield ok([]);
      },
      ...(current
        ? {
            currentBalances: async (_grant: G, request: { psu?: PsuContext }) => {
              seen.current = request.psu;
              return ok((options.answer?.() ?? { bookedMinor: 12_345n, availableMinor: 10_000n, currency: EUR, referenceDate: calendarDate('2026-12-05') }) as CurrentBalance);
            },
          }
        : {}),
    }),
  });
  return { connector, seen, client: () => connector.create({ config: { baseUrl: 'https://toy-bank.example' } }) };
}

const psu: PsuContext = { ipAddress: '192.0.2.7', userAgent: 'Mozilla/5.0 test', userPresent: true };
const begin = { redirectUri: 'https://kinko.invalid/cb', state: 's', codeChallenge: 'c', codeChallengeMethod: 'S256' as const, psu };

describe('contract v2', () => {
  it('(a) begin returns an opaque flowState, and complete receives it back, redacted', async () => {
    const t = consentConnector();
    const client = t.client();
    const start = await client.auth.begin(begin);
    expect(start).toEqual({ ok: true, value: { type: 'redirect', url: 'https://toy-bank.example/sca?consent=c-1', flowState: 'c-1' } });
    if (!start.ok || start.value.type !== 'redirect' || start.value.flowState === undefined) throw new Error('no flow state');
    const step = await client.auth.complete({ type: 'redirect', callbackParams: { state: 's' }, redirectUri: begin.redirectUri, codeVerifier: Redacted.make('v'), flowState: Redacted.make(start.value.flowState), psu });
    expect(t.seen.complete).toEqual({ flowState: 'c-1', psu });
    expect(step.ok && step.value.type === 'granted' ? (step.value.grant as unknown as G).consentId : undefined).toBe('c-1');
  });

  it('(a) a flowState that is not a string is a contract violation', async () => {
    const out = await consentConnector({ flowState: { consentId: 'c-1' } }).client().auth.begin(begin);
    expect(out.ok ? 'ok' : out.error.message).toMatch(/flowState must be a string/);
  });

  it('(b) the PSU context reaches begin, complete, accounts, transactions and current balances', async () => {
    const t = consentConnector();
    const client = t.client();
    await client.auth.begin(begin);
    const step = await client.auth.complete({ type: 'redirect', callbackParams: {}, redirectUri: begin.redirectUri, codeVerifier: Redacted.make('v'), psu });
    if (!step.ok || step.value.type !== 'granted') throw new Error('not granted');
    const grant = step.value.grant;
    const unattended: PsuContext = { userPresent: false };
    await collectPages(client.accounts(grant, { psu }));
    await collectPages(client.transactions(grant, { bankAccountId: 'a', kind: 'booked', window: { from: calendarDate('2026-12-01'), to: calendarDate('2026-12-05') }, psu: unattended }));
    await client.currentBalances(grant, { bankAccountId: 'a', psu });
    expect(t.seen).toMatchObject({ begin: psu, complete: { psu }, accounts: psu, transactions: unattended, current: psu });
  });

  it('(c) current balances are a capability of their own: declared ⇔ implemented, answers validated', async () => {
    const t = consentConnector();
    const client = t.client();
    const step = await client.auth.complete({ type: 'redirect', callbackParams: {}, redirectUri: begin.redirectUri, codeVerifier: Redacted.make('v') });
    if (!step.ok || step.value.type !== 'granted') throw new Error('not granted');
    expect(await client.currentBalances(step.value.grant, { bankAccountId: 'a' })).toEqual({
      ok: true,
      value: { bookedMinor: 12_345n, availableMinor: 10_000n, currency: EUR, referenceDate: '2026-12-05' },
    });

    const neither = consentConnector({ answer: () => ({ currency: 'EUR', referenceDate: '2026-12-05' }) }).client();
    const bad = await neither.currentBalances(step.value.grant, { bankAccountId: 'a' });
    expect(bad.ok ? 'ok' : `${bad.error._tag}: ${bad.error.message}`).toMatch(/^PermanentError: .*not a current balance/);

    const without = consentConnector({ currentBalances: false }).client();
    const unsupported = await without.currentBalances(step.value.grant, { bankAccountId: 'a' });
    expect(unsupported.ok ? 'ok' : unsupported.error._tag).toBe('Unsupported');

    // The manifest declares them but the implementation has none: a setup error at create().
    const lying = defineConnector<G, never, { baseUrl: string }>({
      manifest: manifest(true),
      config: Schema.Struct({ baseUrl: Schema.String }),
      grant: GrantSchema,
      create: () => ({
        auth: { begin: async () => ok({ type: 'redirect', url: 'https://toy-bank.example/' }), complete: async () => ok({ type: 'granted', grant: { consentId: 'x', validUntil: '2027-01-01', frequencyPerDay: 4 } }), refresh: async (g) => ok({ type: 'granted', grant: g }), revoke: async () => okVoid },
        accounts: async function* () {},
        transactions: async function* () {},
      }),
    });
    expect(() => lying.create({ config: { baseUrl: 'https://toy-bank.example' } })).toThrow(ConnectorSetupError);
    expect(() => lying.create({ config: { baseUrl: 'https://toy-bank.example' } })).toThrow(/declares currentBalances but the connector does not implement it/);
  });

  it("(d) the connector reads the consent's facts (validUntil, frequencyPerDay) out of its grant; none for a foreign grant", async () => {
    const t = consentConnector();
    const step = await t.client().auth.complete({ type: 'redirect', callbackParams: {}, redirectUri: begin.redirectUri, codeVerifier: Redacted.make('v') });
    if (!step.ok || step.value.type !== 'granted') throw new Error('not granted');
    expect(t.connector.consentFacts(step.value.grant)).toEqual({ validUntil: new Date('2027-03-01T00:00:00Z'), frequencyPerDay: 2 });
    expect(t.connector.consentFacts({ token: 'other' } as never)).toBeUndefined();
  });
});
