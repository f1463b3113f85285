// The SDK's wrapper around a connector: it polices the contract at the boundary so the app
// only ever sees well-formed outcomes, whatever the connector does.
import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { Redacted, Schema } from 'effect';
import { calendarDate, CurrencyCode, TransactionId } from '@kinko/domain';
import {
  collectPages,
  ConnectorErrors,
  ConnectorSetupError,
  defineConnector,
  err,
  InvalidManifestError,
  ok,
  okVoid,
  type ConnectorImplementation,
  type Grant,
  type Outcome,
  type Page,
  type Transaction,
  type TransactionsRequest,
} from '../src';
import { toyManifest } from './fake-bank/toy-connector';

const JPY = Schema.decodeUnknownSync(CurrencyCode)('JPY');
const GrantSchema = Schema.Struct({ token: Schema.Redacted(Schema.String) });
const StateSchema = Schema.Struct({ session: Schema.Redacted(Schema.String) });
type G = typeof GrantSchema.Type;
type S = typeof StateSchema.Type;

const tx = (id: string, date: string, kind: Transaction['kind'] = 'booked'): Transaction => ({
  bankTransactionId: TransactionId.make(id),
  kind,
  transactionDate: calendarDate(date),
  amountMinor: -1200n,
  currency: JPY,
  description: 'コンビニ',
});

/** An in-memory connector whose data methods are supplied by each test. */
function memoryConnector(overrides: Partial<ConnectorImplementation<G, S>> = {}, options: { challenges?: boolean } = {}) {
  let seenRequest: TransactionsRequest | undefined;
  const connector = defineConnector({
    manifest: { ...toyManifest({ flow: 'credentials' }), ...(options.challenges === false ? { capabilities: { ...toyManifest({ flow: 'credentials' }).capabilities, challenges: [] } } : {}) },
    config: Schema.Struct({ baseUrl: Schema.String }),
    grant: GrantSchema,
    challengeState: StateSchema,
    create: (): ConnectorImplementation<G, S> => ({
      auth: {
        begin: async () => ok({ type: 'form', fields: [] }),
        complete: async (input) =>
          input.type === 'credentials' && input.credentials.otp !== undefined
            ? ok({ type: 'challenge', challenge: { kind: 'otp', prompt: 'code?' }, state: { session: Redacted.make('sess-secret') } })
            : ok({ type: 'granted', grant: { token: Redacted.make('tok-secret') } }),
        answerChallenge: async ({ answer }) =>
          Redacted.value(answer) === '1' ? ok({ type: 'granted', grant: { token: Redacted.make('tok-2') } }) : err(ConnectorErrors.challengeAnswerInvalid({ challengeKind: 'otp' })),
        refresh: async () => ok({ type: 'granted', grant: { token: Redacted.make('tok-3') } }),
        revoke: async () => okVoid,
      },
      accounts: async function* () {
        yield ok([{ bankAccountId: 'a1', number: '****1', name: '普通', type: 'current' as const, currency: JPY }]);
      },
      transactions: async function* (_grant, request) {
        seenRequest = request;
        yield ok([tx('t1', request.window.from)]);
        yield ok([tx('t2', request.window.to)]);
      },
      balances: async function* () {
        yield ok([]);
      },
      branches: async function* () {
        yield ok([]);
      },
      ...overrides,
    }),
  });
  let client: ReturnType<typeof connector.create> | undefined;
  return {
    connector,
    // Created on first use, so a test can also expect create() itself to fail.
    get client() {
      client ??= connector.create({ config: { baseUrl: 'https://toy-bank.example' } });
      return client;
    },
    seen: () => seenRequest,
  };
}

async function grantOf(client: ReturnType<typeof memoryConnector>['client']): Promise<Grant> {
  const out = await client.auth.complete({ type: 'credentials', credentials: {} });
  if (!out.ok || out.value.type !== 'granted') throw new Error('no grant');
  return out.value.grant;
}

async function all<T>(stream: AsyncIterable<Outcome<Page<T>>>): Promise<Outcome<Page<T>>[]> {
  const out: Outcome<Page<T>>[] = [];
  for await (const p of stream) out.push(p);
  return out;
}

const window = { from: calendarDate('2024-04-01'), to: calendarDate('2024-04-30') };

describe('defineConnector', () => {
  it('rejects an invalid manifest at definition time', () => {
    expect(() =>
      defineConnector({
        manifest: { ...toyManifest({ flow: 'credentials' }), id: 'Bad Id' },
        config: Schema.Unknown,
        grant: GrantSchema,
        challengeState: StateSchema,
        create: () => {
          throw new Error('never created');
        },
      }),
    ).toThrow(InvalidManifestError);
  });

  it('rejects declared challenges without a challenge state schema', () => {
    expect(() => defineConnector({ manifest: toyManifest({ flow: 'credentials' }), config: Schema.Unknown, grant: GrantSchema, create: () => ({}) as never })).toThrow(
      /declares challenges but defines no challengeState schema/,
    );
  });

  it('rejects, when created, an implementation that contradicts the manifest', () => {
    const { connector } = memoryConnector({ balances: undefined });
    expect(() => connector.create({ config: { baseUrl: 'x' } })).toThrow(ConnectorSetupError);
    expect(() => connector.create({ config: { baseUrl: 'x' } })).toThrow(/declares balances but the connector does not implement it/);
    const noChallenges = memoryConnector({}, { challenges: false }).connector;
    expect(() => noChallenges.create({ config: { baseUrl: 'x' } })).toThrow(/implements auth.answerChallenge but the manifest does not declare it/);
  });

  it('rejects an invalid config when created', () => {
    const { connector } = memoryConnector();
    expect(() => connector.create({ config: { baseUrl: 42 } })).toThrow(/invalid config for connector "toy-credentials"/);
  });
});

describe('the wrapped client', () => {
  it('hands the connector a frozen window and repeats it on every page', async () => {
    const { client, seen } = memoryConnector();
    const pages = await all(client.transactions(await grantOf(client), { bankAccountId: 'a1', kind: 'booked', window }));
    expect(pages.map((p) => p.ok && [p.value.index, p.value.window, p.value.items.map((t) => t.bankTransactionId)])).toEqual([
      [0, window, ['t1']],
      [1, window, ['t2']],
    ]);
    expect(Object.isFrozen(seen()?.window)).toBe(true);
    expect(Object.isFrozen(seen())).toBe(true);
  });

  it('passes a frozen window (as the domain builds them) through as the very same object', async () => {
    const { client, seen } = memoryConnector();
    const frozen = Object.freeze({ ...window, kind: 'booked' as const });
    const pages = await all(client.transactions(await grantOf(client), { bankAccountId: 'a1', kind: 'booked', window: frozen }));
    expect(seen()?.window).toBe(frozen);
    for (const p of pages) expect(p.ok && p.value.window).toBe(frozen);
  });

  it('answers Unsupported for an undeclared kind without calling the connector', async () => {
    const { client, seen } = memoryConnector();
    const pages = await all(client.transactions(await grantOf(client), { bankAccountId: 'a1', kind: 'hold', window }));
    expect(pages).toMatchObject([{ ok: false, error: { _tag: 'Unsupported' } }]);
    expect(seen()).toBeUndefined();
  });

  it('refuses a window whose start is after its end', async () => {
    const { client } = memoryConnector();
    const pages = await all(client.transactions(await grantOf(client), { bankAccountId: 'a1', kind: 'booked', window: { from: window.to, to: window.from } }));
    expect(pages).toMatchObject([{ ok: false, error: { _tag: 'PermanentError', code: 'invalid_request' } }]);
  });

  it('refuses a grant that is not this connector’s', async () => {
    const { client } = memoryConnector();
    const forged = { token: 'not redacted' } as unknown as Grant;
    expect(await collectPages(client.accounts(forged))).toMatchObject({ ok: false, error: { code: 'invalid_grant' } });
    expect(await client.auth.refresh(forged)).toMatchObject({ ok: false, error: { code: 'invalid_grant' } });
  });

  it('ends a stream at its first error, even if the connector would go on', async () => {
    let closed = false;
    const { client } = memoryConnector({
      transactions: async function* () {
        try {
          yield ok([tx('t1', '2024-04-01')]);
          yield err(ConnectorErrors.rateLimited({ retryAfterMs: 1000 }));
          yield ok([tx('t2', '2024-04-02')]);
        } finally {
          closed = true;
        }
      },
    });
    const pages = await all(client.transactions(await grantOf(client), { bankAccountId: 'a1', kind: 'booked', window }));
    expect(pages.map((p) => (p.ok ? 'page' : p.error._tag))).toEqual(['page', 'RateLimited']);
    expect(closed).toBe(true); // the connector's iterator was closed (its finally ran)
  });

  it('turns an exception thrown mid-stream into PermanentError and stops', async () => {
    const { client } = memoryConnector({
      transactions: async function* () {
        yield ok([tx('t1', '2024-04-01')]);
        throw new TypeError('cannot read properties of undefined');
      },
    });
    const pages = await all(client.transactions(await grantOf(client), { bankAccountId: 'a1', kind: 'booked', window }));
    expect(pages).toMatchObject([{ ok: true }, { ok: false, error: { _tag: 'PermanentError', code: 'unexpected_exception', message: 'unexpected TypeError in toy-credentials.transactions' } }]);
  });

  it('turns a thrown auth call, a malformed error and a non-outcome into PermanentError', async () => {
    const { client } = memoryConnector({
      auth: {
        begin: async () => {
          throw new Error('boom');
        },
        complete: async () => err({ _tag: 'Oops', message: 'x' } as never),
        answerChallenge: async () => 'granted' as never,
        refresh: async () => ok({ type: 'granted', grant: { token: 'plain string' } as never }),
        revoke: async () => okVoid,
      },
    });
    const begin = await client.auth.begin({ redirectUri: 'https://kinko.example/cb', state: 's', codeChallenge: 'c', codeChallengeMethod: 'S256' });
    expect(begin).toMatchObject({ ok: false, error: { code: 'unexpected_exception' } });
    expect(await client.auth.complete({ type: 'credentials', credentials: {} })).toMatchObject({ ok: false, error: { code: 'contract_violation' } });
  });

  it('polices items: a transaction of another kind is a contract violation', async () => {
    const { client } = memoryConnector({
      transactions: async function* () {
        yield ok([tx('t1', '2024-04-01', 'pending')]);
      },
    });
    const pages = await all(client.transactions(await grantOf(client), { bankAccountId: 'a1', kind: 'booked', window }));
    expect(pages).toMatchObject([{ ok: false, error: { code: 'contract_violation', message: expect.stringContaining('a pending transaction in a booked fetch') } }]);
  });

  it('refuses the wrong flow and a redirect to a host outside the allow list', async () => {
    const { client } = memoryConnector({
      auth: {
        begin: async () => ok({ type: 'redirect', url: 'https://phishing.example/login' }),
        complete: async () => ok({ type: 'granted', grant: { token: Redacted.make('t') } }),
        answerChallenge: async () => err(ConnectorErrors.temporary()),
        refresh: async () => err(ConnectorErrors.temporary()),
        revoke: async () => okVoid,
      },
    });
    const input = { redirectUri: 'https://kinko.example/cb', state: 's', codeChallenge: 'c', codeChallengeMethod: 'S256' } as const;
    expect(await client.auth.begin(input)).toMatchObject({ ok: false, error: { message: expect.stringContaining('must begin with a form') } });
    expect(await client.auth.complete({ type: 'redirect', callbackParams: {}, redirectUri: 'x', codeVerifier: Redacted.make('v') })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
  });

  it('runs a challenge round trip through serialised state, which never prints its secret', async () => {
    const { connector, client } = memoryConnector();
    const step = await client.auth.complete({ type: 'credentials', credentials: { otp: Redacted.make('') } });
    if (!step.ok || step.value.type !== 'challenge') throw new Error('expected a challenge');
    expect(inspect(step)).not.toContain('sess-secret');
    const text = connector.serializeChallengeState(step.value.state);
    expect(text).toEqual({ ok: true, value: '{"session":"sess-secret"}' });
    const state = text.ok ? connector.deserializeChallengeState(text.value) : text;
    if (!state.ok) throw new Error('state did not decode');
    expect(await client.auth.answerChallenge({ state: state.value, answer: Redacted.make('2') })).toMatchObject({
      ok: false,
      error: { _tag: 'ChallengeAnswerInvalid', challengeKind: 'otp' },
    });
    expect(await client.auth.answerChallenge({ state: state.value, answer: Redacted.make('1') })).toMatchObject({ ok: true, value: { type: 'granted' } });
  });

  it('serialises grants to JSON text and refuses garbage back', async () => {
    const { connector, client } = memoryConnector();
    const grant = await grantOf(client);
    expect(connector.serializeGrant(grant)).toEqual({ ok: true, value: '{"token":"tok-secret"}' });
    expect(connector.deserializeGrant('{"token":')).toMatchObject({ ok: false, error: { code: 'invalid_grant' } });
    expect(connector.deserializeGrant('{"token":5}')).toMatchObject({ ok: false, error: { code: 'invalid_grant' } });
    const back = connector.deserializeGrant('{"token":"tok-secret"}');
    expect(back.ok && (await collectPages(client.accounts(back.value))).ok).toBe(true);
  });

  it('collects pages of any size', async () => {
    const many = Array.from({ length: 200_000 }, (_, i) => tx(`t${i}`, '2024-04-01'));
    const { client } = memoryConnector({
      transactions: async function* () {
        yield ok(many);
      },
    });
    const out = await collectPages(client.transactions(await grantOf(client), { bankAccountId: 'a1', kind: 'booked', window }));
    expect(out.ok && out.value.length).toBe(200_000);
  });
});
