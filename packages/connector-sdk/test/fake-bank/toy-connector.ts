// Toy connectors for the fake bank: one credential flow (with an OTP challenge), one
// redirect flow (PKCE). `bugs` turns a correct connector into a broken one so the tests can
// prove the conformance kit catches each mistake.
import { Redacted, Schema } from 'effect';
import { calendarDate, addDays, CurrencyCode, TransactionId, type CalendarDate } from '@kinko/domain';
import {
  ConnectorErrors,
  defineConnector,
  err,
  ok,
  okVoid,
  type Account,
  type AnswerChallengeInput,
  type Connector,
  type ConnectorManifestInput,
  type DailyBalance,
  type FetchWindow,
  type Granted,
  type HttpClient,
  type HttpResponse,
  type Outcome,
  type PageStream,
  type Transaction,
} from '../../src';

export interface ToyBugs {
  /** Repeats the previous page's last item at the top of every next page. */
  readonly duplicateAcrossPages?: boolean;
  /** Stops before yielding the last page of a multi-page fetch. */
  readonly dropLastPage?: boolean;
  /** Asks the bank for from+1..to−1, as if the bank's bounds were exclusive. */
  readonly exclusiveBounds?: boolean;
  /** Asks the bank for 30 days more than the window (and passes everything on). */
  readonly widenWindow?: boolean;
  /** Remembers the first window it fetched per account and keeps using it (a caching bug). */
  readonly stickyWindow?: boolean;
  /** Maps a 401 to TemporaryError instead of CredentialsInvalid / ConsentExpired. */
  readonly wrong401?: boolean;
  /** Turns every failure of a data call into an empty page (an empty result standing in for a failure). */
  readonly swallowErrors?: boolean;
  /** Overrides the timeouts it was given with a minute per call. */
  readonly slowTimeouts?: boolean;
  /** Throws (with the secret in the message) instead of listing accounts. */
  readonly throwInAccounts?: string;
  /** Sends only the account and the page number on pages after the first (the window and kind are lost). */
  readonly dropFiltersOnLaterPages?: boolean;
  /** Follows a next page it has already read (no loop guard). */
  readonly followsLoops?: boolean;
  /** Treats a next page it cannot read as the end of the data. */
  readonly nextMalformedEnds?: boolean;
  /** Reports the manifest's currency instead of the bank's. */
  readonly manifestCurrency?: boolean;
  /** Stops at a page shorter than the page size, as if it were the last. */
  readonly stopOnShortPage?: boolean;
  /** Drops the bank's reference of every transaction. */
  readonly dropReference?: boolean;
  /** Makes up a new transaction id on every read (instead of the bank's). */
  readonly randomIds?: boolean;
  /** A grant schema whose fields were renamed (access/refresh), so grants stored by the previous version no longer decode. */
  readonly grantV2?: boolean;
}

export interface ToyOptions {
  readonly flow: 'credentials' | 'redirect';
  readonly id?: string;
  readonly pageSize?: number;
  readonly bugs?: ToyBugs;
}

const Config = Schema.Struct({ baseUrl: Schema.String, clientId: Schema.String, clientSecret: Schema.Redacted(Schema.String) });
const Grant = Schema.Struct({ accessToken: Schema.Redacted(Schema.String), refreshToken: Schema.Redacted(Schema.String) });
/** The `grantV2` bug's schema: the same grant with renamed fields (what a careless refactoring does). */
const RenamedGrant = Schema.Struct({ access: Schema.Redacted(Schema.String), refresh: Schema.Redacted(Schema.String) });
/** The bank's pointer to the next page: a number (0 at the end); anything else is malformed. */
const NextPage = Schema.Union([Schema.Number, Schema.String]);
type Grant = typeof Grant.Type;
const OtpState = Schema.Struct({ session: Schema.Redacted(Schema.String) });

const Tokens = Schema.Struct({ access_token: Schema.String, refresh_token: Schema.String, expires_in: Schema.Number });
const LoginAnswer = Schema.Union([
  Tokens,
  Schema.Struct({ challenge: Schema.Struct({ kind: Schema.Literal('otp'), prompt: Schema.String, session: Schema.String }) }),
]);
const AccountsPage = Schema.Struct({
  accounts: Schema.Array(Schema.Struct({ id: Schema.String, number: Schema.String, name: Schema.String, currency: CurrencyCode })),
  next_page: NextPage,
});
const TransactionsPage = Schema.Struct({
  transactions: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      kind: Schema.String,
      date: Schema.String,
      amount: Schema.Number,
      description: Schema.String,
      balance: Schema.Number,
      currency: CurrencyCode,
      reference: Schema.optional(Schema.String),
    }),
  ),
  next_page: NextPage,
});
const BalancesPage = Schema.Struct({ balances: Schema.Array(Schema.Struct({ date: Schema.String, balance: Schema.Number })), next_page: NextPage });
const BranchesPage = Schema.Struct({
  branches: Schema.Array(Schema.Struct({ id: Schema.String, code: Schema.String, name: Schema.String })),
  next_page: NextPage,
});

/** The toy manifest; `flow` decides auth flow and challenges. */
export function toyManifest(options: ToyOptions): ConnectorManifestInput {
  return {
    id: options.id ?? `toy-${options.flow}`,
    displayName: { ja: 'おもちゃ銀行', en: 'Toy Bank', pl: 'Bank Zabawka' },
    country: 'JP',
    timeZone: 'Asia/Tokyo',
    currency: 'JPY',
    authFlow: options.flow,
    capabilities: {
      accounts: true,
      balances: true,
      transactions: ['booked', 'pending'],
      branches: true,
      challenges: options.flow === 'credentials' ? ['otp'] : [],
    },
    limits: {
      maxHistoryDays: 1460,
      unattendedHistoryDays: 90,
      scaValidityDays: 90,
      unattendedAccessesPerDay: 4,
      pageSize: options.pageSize ?? 200,
      maxConcurrency: 4,
      requestsPerSecond: 2000,
    },
    dateFieldByKind: { booked: 'transactionDate', pending: 'transactionDate' },
    deleteIfNotFetched: ['pending'],
    allowedHosts: ['toy-bank.example'],
  };
}

/** Builds a toy connector (correct unless `bugs` says otherwise). */
export function toyConnector(options: ToyOptions): Connector {
  const bugs = options.bugs ?? {};
  return defineConnector({
    manifest: toyManifest(options),
    config: Config,
    // The grantV2 bug swaps the schema only: enough for stored grants to stop decoding.
    grant: (bugs.grantV2 ? RenamedGrant : Grant) as unknown as typeof Grant,
    challengeState: OtpState,
    create(ctx) {
      const { http, config, manifest } = ctx;
      const url = (path: string): string => `${config.baseUrl}${path}`;
      const clientAuth = { client_id: config.clientId, client_secret: config.clientSecret };

      const unauthorized = (whenLogin: boolean) =>
        bugs.wrong401 ? ConnectorErrors.temporary({ message: 'bank said 401' }) : whenLogin ? ConnectorErrors.credentialsInvalid() : ConnectorErrors.consentExpired();

      const granted = (t: typeof Tokens.Type): Granted<Grant> => ({
        type: 'granted',
        grant: { accessToken: Redacted.make(t.access_token), refreshToken: Redacted.make(t.refresh_token) },
        accessExpiresAt: new Date(ctx.clock.now().getTime() + t.expires_in * 1000),
      });

      const bodyOf = <T>(res: HttpResponse, schema: Schema.Codec<T, unknown>, onUnauthorized: () => Outcome<never>): Outcome<T> => {
        if (res.status === 401) return onUnauthorized();
        if (res.status !== 200) return err(ConnectorErrors.bankResponse({ status: res.status, content: res.text() }));
        return res.json(schema);
      };

      async function tokenCall(body: Record<string, unknown>, onUnauthorized: () => Outcome<never>): Promise<Outcome<Granted<Grant>>> {
        const res = await http.send({ method: 'POST', url: url('/token'), body: { json: { ...clientAuth, ...body } } });
        if (!res.ok) return res;
        const tokens = bodyOf(res.value, Tokens, onUnauthorized);
        return tokens.ok ? ok(granted(tokens.value)) : tokens;
      }

      async function* paged<T, R>(
        http: HttpClient,
        grant: Grant,
        path: string,
        query: Record<string, string>,
        schema: Schema.Codec<R & { next_page: number | string }, unknown>,
        items: (body: R) => readonly T[],
      ): PageStream<T> {
        let previousLast: T | undefined;
        const seenPages = new Set<number>([1]);
        for (let pageNo = 1; ; ) {
          const res = await http.send({
            method: 'GET',
            url: url(path),
            query: bugs.dropFiltersOnLaterPages && pageNo > 1 ? { account_id: query.account_id, page: pageNo } : { ...query, page: pageNo },
            headers: { authorization: Redacted.make(`Bearer ${Redacted.value(grant.accessToken)}`) },
            ...(bugs.slowTimeouts ? { timeouts: { totalMs: 60_000 } } : {}),
          });
          if (!res.ok && bugs.swallowErrors) {
            yield ok([]);
            return;
          }
          if (!res.ok) {
            yield res;
            return;
          }
          const body = bodyOf(res.value, schema, () => err(unauthorized(false)));
          if (!body.ok) {
            yield body;
            return;
          }
          const list = items(body.value);
          const next = body.value.next_page;
          if (typeof next !== 'number' && !bugs.nextMalformedEnds) {
            yield err(ConnectorErrors.permanent({ message: 'the bank sent a malformed next page' }));
            return;
          }
          if (bugs.dropLastPage && next === 0 && pageNo > 1) return;
          yield ok(bugs.duplicateAcrossPages && previousLast !== undefined ? [previousLast, ...list] : list);
          previousLast = list[list.length - 1];
          if (typeof next !== 'number' || next === 0) return;
          if (bugs.stopOnShortPage && list.length < manifest.limits.pageSize) return;
          if (seenPages.has(next) && !bugs.followsLoops) {
            yield err(ConnectorErrors.permanent({ message: `the bank sent page ${next} again as the next page` }));
            return;
          }
          seenPages.add(next);
          pageNo = next;
        }
      }

      const date = (s: string): CalendarDate => calendarDate(s);
      const firstWindows = new Map<string, FetchWindow>();

      return {
        auth: {
          async begin(input) {
            if (options.flow === 'credentials') {
              return ok({
                type: 'form',
                fields: [
                  { name: 'username', label: { ja: 'ユーザー名', en: 'User name', pl: 'Login' }, secret: false },
                  { name: 'password', label: { ja: 'パスワード', en: 'Password', pl: 'Hasło' }, secret: true },
                ],
              });
            }
            const u = new URL(url('/authorize'));
            u.searchParams.set('client_id', config.clientId);
            u.searchParams.set('redirect_uri', input.redirectUri);
            u.searchParams.set('state', input.state);
            u.searchParams.set('code_challenge', input.codeChallenge);
            u.searchParams.set('code_challenge_method', input.codeChallengeMethod);
            return ok({ type: 'redirect', url: u.href });
          },
          async complete(input) {
            if (input.type === 'redirect') {
              if (input.callbackParams.error !== undefined) return err(unauthorized(true));
              const code = input.callbackParams.code;
              if (code === undefined) return err(ConnectorErrors.permanent({ message: 'callback without code' }));
              return tokenCall(
                { grant_type: 'authorization_code', code, code_verifier: input.codeVerifier, redirect_uri: input.redirectUri },
                () => err(unauthorized(true)),
              );
            }
            const { username, password } = input.credentials;
            if (username === undefined || password === undefined) return err(ConnectorErrors.credentialsInvalid({ message: 'missing fields' }));
            const res = await http.send({ method: 'POST', url: url('/login'), body: { json: { username, password } } });
            if (!res.ok) return res;
            const answer = bodyOf(res.value, LoginAnswer, () => err(unauthorized(true)));
            if (!answer.ok) return answer;
            if ('challenge' in answer.value) {
              const c = answer.value.challenge;
              return ok({ type: 'challenge', challenge: { kind: 'otp', prompt: c.prompt, length: 6 }, state: { session: Redacted.make(c.session) } });
            }
            return ok(granted(answer.value));
          },
          // Only the credential flow relays challenges (the manifest says so).
          ...(options.flow === 'credentials'
            ? {
                async answerChallenge({ state, answer }: AnswerChallengeInput<typeof OtpState.Type>) {
                  const res = await http.send({ method: 'POST', url: url('/login/otp'), body: { json: { session: state.session, otp: answer } } });
                  if (!res.ok) return res;
                  const tokens = bodyOf(res.value, Tokens, () =>
                    err(bugs.wrong401 ? ConnectorErrors.temporary() : ConnectorErrors.challengeAnswerInvalid({ challengeKind: 'otp' })),
                  );
                  return tokens.ok ? ok(granted(tokens.value)) : tokens;
                },
              }
            : {}),
          refresh: (grant) => tokenCall({ grant_type: 'refresh_token', refresh_token: grant.refreshToken }, () => err(unauthorized(false))),
          async revoke(grant) {
            const res = await http.send({ method: 'POST', url: url('/revoke'), body: { json: { ...clientAuth, refresh_token: grant.refreshToken } } });
            if (!res.ok) return res;
            return res.value.status === 204 ? okVoid : err(ConnectorErrors.bankResponse({ status: res.value.status, content: res.value.text() }));
          },
        },
        accounts(grant) {
          if (bugs.throwInAccounts !== undefined) throw new Error(`cannot list accounts with token ${bugs.throwInAccounts}`);
          return paged(http, grant, '/accounts', {}, AccountsPage, (b): Account[] =>
            b.accounts.map((a) => ({ bankAccountId: a.id, number: a.number, name: a.name, type: 'current', currency: bugs.manifestCurrency ? manifest.currency : a.currency })),
          );
        },
        transactions(grant, { bankAccountId, kind, window: asked }) {
          const window = bugs.stickyWindow ? (firstWindows.get(bankAccountId) ?? asked) : asked;
          firstWindows.set(bankAccountId, window);
          const from = bugs.exclusiveBounds ? addDays(window.from, 1) : bugs.widenWindow ? addDays(window.from, -30) : window.from;
          const to = bugs.exclusiveBounds ? addDays(window.to, -1) : window.to;
          return paged(http, grant, '/transactions', { account_id: bankAccountId, kind, from, to }, TransactionsPage, (b): Transaction[] =>
            b.transactions.map((t) => ({
              bankTransactionId: TransactionId.make(bugs.randomIds ? `${t.id}-${Math.random().toString(36).slice(2)}` : t.id),
              ...(t.reference === undefined || bugs.dropReference ? {} : { bankReference: t.reference }),
              kind,
              transactionDate: date(t.date),
              amountMinor: BigInt(t.amount),
              currency: bugs.manifestCurrency ? manifest.currency : t.currency,
              description: t.description,
              balanceAfterMinor: BigInt(t.balance),
            })),
          );
        },
        balances(grant, { bankAccountId, window }) {
          return paged(http, grant, '/balances', { account_id: bankAccountId, from: window.from, to: window.to }, BalancesPage, (b): DailyBalance[] =>
            b.balances.map((x) => ({ date: date(x.date), balanceMinor: BigInt(x.balance), currency: manifest.currency })),
          );
        },
        branches(grant) {
          if (grant === undefined) return (async function* () {
            yield err(ConnectorErrors.unsupported({ message: 'the toy bank lists branches to logged-in users only' }));
          })();
          return paged(http, grant, '/branches', {}, BranchesPage, (b) => b.branches.map((x) => ({ bankBranchId: x.id, code: x.code, name: x.name })));
        },
      };
    },
  });
}
