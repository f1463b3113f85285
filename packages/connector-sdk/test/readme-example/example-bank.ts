// The README's example connector, verbatim: an OAuth-redirect bank with paged JSON. It is
// type-checked with the package and run through the conformance kit by readme-example.test.ts.
import { Redacted, Schema } from 'effect';
import { calendarDate, CurrencyCode, TransactionId } from '@kinko/domain';
import {
  ConnectorErrors,
  defineConnector,
  err,
  ok,
  okVoid,
  type ConnectorError,
  type Granted,
  type HttpResponse,
  type Outcome,
  type PageStream,
} from '@kinko/connector-sdk';

// 1. Schemas: config (from the deployment), grant (stored encrypted), bank payloads.
const Config = Schema.Struct({ baseUrl: Schema.String, clientId: Schema.String, clientSecret: Schema.Redacted(Schema.String) });
const Grant = Schema.Struct({ accessToken: Schema.Redacted(Schema.String), refreshToken: Schema.Redacted(Schema.String) });
type Grant = typeof Grant.Type;

const Tokens = Schema.Struct({ access_token: Schema.String, refresh_token: Schema.String, expires_in: Schema.Number });
const AccountsPage = Schema.Struct({
  accounts: Schema.Array(Schema.Struct({ id: Schema.String, number: Schema.String, name: Schema.String, currency: CurrencyCode })),
  next_page: Schema.Number,
});
const TransactionsPage = Schema.Struct({
  transactions: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      date: Schema.String,
      amount: Schema.Number,
      currency: CurrencyCode,
      description: Schema.String,
      balance: Schema.Number,
    }),
  ),
  next_page: Schema.Number,
});

export const exampleBank = defineConnector({
  // 2. The manifest: what the bank can do and its limits, validated when this module loads.
  manifest: {
    id: 'example-bank',
    displayName: { ja: 'サンプル銀行', en: 'Example Bank', pl: 'Bank Przykładowy' },
    country: 'JP',
    timeZone: 'Asia/Tokyo',
    currency: 'JPY',
    authFlow: 'redirect',
    capabilities: { accounts: true, balances: false, transactions: ['booked'], branches: false, challenges: [] },
    limits: {
      maxHistoryDays: 730,
      unattendedHistoryDays: 90,
      scaValidityDays: 90,
      unattendedAccessesPerDay: 4,
      pageSize: 200,
      maxConcurrency: 4,
      requestsPerSecond: 10,
    },
    dateFieldByKind: { booked: 'transactionDate' },
    deleteIfNotFetched: [],
    allowedHosts: ['api.example-bank.co.jp'],
  },
  config: Config,
  grant: Grant,

  create({ http, config, clock }) {
    const url = (path: string): string => `${config.baseUrl}${path}`;

    // 3. The bank's statuses mapped once: 401 means this grant is dead.
    const parse = <T>(res: HttpResponse, schema: Schema.Codec<T, unknown>, on401: ConnectorError): Outcome<T> => {
      if (res.status === 401) return err(on401);
      if (res.status !== 200) return err(ConnectorErrors.bankResponse({ status: res.status, content: res.text() }));
      return res.json(schema);
    };

    const granted = (t: typeof Tokens.Type): Granted<Grant> => ({
      type: 'granted',
      grant: { accessToken: Redacted.make(t.access_token), refreshToken: Redacted.make(t.refresh_token) },
      accessExpiresAt: new Date(clock.now().getTime() + t.expires_in * 1000),
    });

    // Token calls are POSTs: never retried, so a rotated refresh token is never spent twice.
    async function token(body: Record<string, unknown>, on401: ConnectorError): Promise<Outcome<Granted<Grant>>> {
      const res = await http.send({
        method: 'POST',
        url: url('/token'),
        body: { json: { client_id: config.clientId, client_secret: config.clientSecret, ...body } },
      });
      if (!res.ok) return res;
      const tokens = parse(res.value, Tokens, on401);
      return tokens.ok ? ok(granted(tokens.value)) : tokens;
    }

    // 4. Paging: the same query (same window) on every page; only the page number moves.
    //    A page the bank points to twice is an error, never an endless read.
    async function* pages<P extends { next_page: number }, T>(
      grant: Grant,
      path: string,
      query: Record<string, string>,
      schema: Schema.Codec<P, unknown>,
      items: (page: P) => readonly T[],
    ): PageStream<T> {
      const seen = new Set<number>();
      for (let page = 1; page !== 0; ) {
        if (seen.has(page)) {
          yield err(ConnectorErrors.permanent({ message: `the bank pointed to page ${page} again` }));
          return;
        }
        seen.add(page);
        const res = await http.send({
          method: 'GET',
          url: url(path),
          query: { ...query, page },
          headers: { authorization: Redacted.make(`Bearer ${Redacted.value(grant.accessToken)}`) },
        });
        const body = res.ok ? parse(res.value, schema, ConnectorErrors.consentExpired()) : res;
        if (!body.ok) {
          yield body; // an error ends the stream
          return;
        }
        yield ok(items(body.value));
        page = body.value.next_page;
      }
    }

    return {
      auth: {
        async begin({ redirectUri, state, codeChallenge }) {
          const login = new URL(url('/authorize'));
          for (const [k, v] of Object.entries({ client_id: config.clientId, redirect_uri: redirectUri, state, code_challenge: codeChallenge })) {
            login.searchParams.set(k, v);
          }
          login.searchParams.set('code_challenge_method', 'S256');
          return ok({ type: 'redirect', url: login.href });
        },
        async complete(input) {
          if (input.type !== 'redirect') return err(ConnectorErrors.unsupported());
          const { code, error } = input.callbackParams;
          if (error !== undefined || code === undefined) return err(ConnectorErrors.credentialsInvalid({ message: `the bank answered ${error ?? 'no code'}` }));
          return token(
            { grant_type: 'authorization_code', code, code_verifier: input.codeVerifier, redirect_uri: input.redirectUri },
            ConnectorErrors.credentialsInvalid(),
          );
        },
        refresh: (grant) => token({ grant_type: 'refresh_token', refresh_token: grant.refreshToken }, ConnectorErrors.consentExpired()),
        async revoke(grant) {
          const res = await http.send({
            method: 'POST',
            url: url('/revoke'),
            body: { json: { client_id: config.clientId, client_secret: config.clientSecret, refresh_token: grant.refreshToken } },
          });
          if (!res.ok) return res;
          return res.value.status === 204 ? okVoid : err(ConnectorErrors.bankResponse({ status: res.value.status, content: res.value.text() }));
        },
      },

      // 5. Data, as pages of the SDK's types (integer minor units, calendar dates, the bank's currency).
      accounts: (grant) =>
        pages(grant, '/accounts', {}, AccountsPage, (p) =>
          p.accounts.map((a) => ({ bankAccountId: a.id, number: a.number, name: a.name, type: 'current' as const, currency: a.currency })),
        ),
      transactions: (grant, { bankAccountId, kind, window }) =>
        pages(grant, '/transactions', { account_id: bankAccountId, kind, from: window.from, to: window.to }, TransactionsPage, (p) =>
          p.transactions.map((t) => ({
            bankTransactionId: TransactionId.make(t.id),
            kind,
            transactionDate: calendarDate(t.date),
            amountMinor: BigInt(t.amount),
            currency: t.currency,
            description: t.description,
            balanceAfterMinor: BigInt(t.balance),
          })),
        ),
    };
  },
});
