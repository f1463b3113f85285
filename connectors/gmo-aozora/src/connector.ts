// The connector for GMO Aozora Net Bank. Errors are values (`err(ConnectorErrors.…)`), never thrown;
// every bank status is mapped once, in `parse`.
import { Redacted, Schema } from 'effect';
import { TransactionId, calendarDate } from '@kinko/domain';
import {
  ConnectorErrors,
  ConnectorSetupError,
  defineConnector,
  err,
  ok,
  okVoid,
  type Account,
  type Connector,
  type ConnectorError,
  type Granted,
  type CurrentBalance,
  type HttpResponse,
  type Outcome,
  type PageStream,
  type Transaction,
} from '@kinko/connector-sdk';
import { gmoAozoraManifest } from './manifest';
import { AccountsResponse, BalancesResponse, ErrorBody, GmoAozoraConfig, GmoAozoraGrant, Tokens, TransactionsResponse } from './schemas';

/** The spec's basePath, below the bank entry's `baseUrl`. */
export const DATA_PATH = '/ganb/api/personal/v1';

/** `transactionType` 1 = 入金 (in) / 2 = 出金 (out) and the unsigned amount → signed integer minor units (JPY: yen). */
export const signedAmount = (transactionType: '1' | '2', amount: string): bigint => (transactionType === '1' ? BigInt(amount) : -BigInt(amount));

/** Per bank entry: the connector's id (the app's `bankId`) and the bank's base URL (its host is the one allowed). */
export interface GmoAozoraOptions {
  readonly id?: string;
  readonly baseUrl?: string;
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    throw new ConnectorSetupError(`gmo-aozora: baseUrl "${baseUrl}" is not a URL`);
  }
}

/** Defines the connector (throws `ConnectorSetupError` on a bad base URL, `InvalidManifestError` on a bad manifest). */
export function defineGmoAozoraConnector(options: GmoAozoraOptions = {}): Connector {
  return defineConnector({
    manifest: gmoAozoraManifest(options.id, options.baseUrl === undefined ? undefined : [hostOf(options.baseUrl)]),
    config: GmoAozoraConfig,
    grant: GmoAozoraGrant,

    create({ http, config, clock }) {
      type Grant = GmoAozoraGrant;
      const url = (path: string): string => new URL(path, config.baseUrl).href;
      const client = { client_id: config.clientId, client_secret: config.clientSecret };

      // The bank's statuses, mapped once: 401 is `on401` (a dead login or grant), 200 is decoded,
      // anything else is the bank's answer (5xx/429 already became errors in the HTTP client).
      const parse = <T>(res: HttpResponse, schema: Schema.Codec<T, unknown>, on401: ConnectorError): Outcome<T> => {
        if (res.status === 401) return err(on401);
        if (res.status !== 200) {
          // The spec's ErrorResponse (errorCode, errorMessage) is the content; a body without it is kept as text.
          const body = res.json(ErrorBody);
          const content = body.ok ? `${body.value.errorCode}: ${body.value.errorMessage}` : res.text();
          return err(ConnectorErrors.bankResponse({ status: res.status, content }));
        }
        return res.json(schema);
      };

      const granted = (t: typeof Tokens.Type): Granted<Grant> => ({
        type: 'granted',
        grant: { accessToken: Redacted.make(t.access_token), refreshToken: Redacted.make(t.refresh_token) },
        accessExpiresAt: new Date(clock.now().getTime() + t.expires_in * 1000),
      });

      // POSTs are never retried, so a rotated refresh token is never spent twice.
      async function tokens(path: string, body: Record<string, unknown>, on401: ConnectorError): Promise<Outcome<Granted<Grant>>> {
        const res = await http.send({ method: 'POST', url: url(path), body: { json: { ...client, ...body } } });
        if (!res.ok) return res;
        const t = parse(res.value, Tokens, on401);
        return t.ok ? ok(granted(t.value)) : t;
      }

      const data = (path: string): string => url(`${DATA_PATH}${path}`);
      const headers = (grant: Grant) => ({ 'x-access-token': grant.accessToken });
      const get = async <T>(grant: Grant, path: string, query: Readonly<Record<string, string>>, schema: Schema.Codec<T, unknown>): Promise<Outcome<T>> => {
        const res = await http.send({ method: 'GET', url: data(path), query, headers: headers(grant) });
        return res.ok ? parse(res.value, schema, ConnectorErrors.consentExpired()) : res;
      };

      // Paging: the first request's query again plus the answer's `nextItemKey` while `hasNext`.
      async function* transactionPages(grant: Grant, query: Readonly<Record<string, string>>): PageStream<Transaction> {
        const seen = new Set<string>();
        let nextItemKey: string | undefined;
        for (;;) {
          const page = await get(grant, '/accounts/transactions', nextItemKey === undefined ? query : { ...query, nextItemKey }, TransactionsResponse);
          if (!page.ok) {
            yield page; // an error ends the stream
            return;
          }
          const { currencyCode, transactions = [] } = page.value;
          yield ok(
            transactions.map(
              (t): Transaction => ({
                // itemKey is the bank's own key of the item; without it, the day, direction, amount and running balance.
                bankTransactionId: TransactionId.make(t.itemKey ?? `${t.transactionDate}:${t.transactionType}:${t.amount}:${t.balance}`),
                kind: 'booked',
                transactionDate: t.transactionDate,
                bookingDate: t.valueDate,
                amountMinor: signedAmount(t.transactionType, t.amount),
                currency: currencyCode,
                description: t.remarks ?? '',
                balanceAfterMinor: BigInt(t.balance),
              }),
            ),
          );
          if (!page.value.hasNext) return;
          const key = page.value.nextItemKey;
          if (key === undefined || !/^\d{1,24}$/.test(key)) {
            yield err(ConnectorErrors.permanent({ message: 'the bank sent hasNext without a well-formed nextItemKey' }));
            return;
          }
          if (seen.has(key)) {
            yield err(ConnectorErrors.permanent({ message: 'the bank repeated a nextItemKey' }));
            return;
          }
          seen.add(key);
          nextItemKey = key;
        }
      }

      return {
        auth: {
          async begin({ redirectUri, state, codeChallenge, codeChallengeMethod }) {
            const login = new URL(url('/authorize'));
            const params = { client_id: config.clientId, redirect_uri: redirectUri, state, code_challenge: codeChallenge, code_challenge_method: codeChallengeMethod };
            for (const [k, v] of Object.entries(params)) login.searchParams.set(k, v);
            return ok({ type: 'redirect', url: login.href });
          },
          async complete(input) {
            if (input.type !== 'redirect') return err(ConnectorErrors.unsupported());
            const { code, error } = input.callbackParams;
            if (error !== undefined || code === undefined) return err(ConnectorErrors.credentialsInvalid({ message: `the bank answered ${error ?? 'no code'}` }));
            return tokens(
              '/token',
              { grant_type: 'authorization_code', code, code_verifier: input.codeVerifier, redirect_uri: input.redirectUri },
              ConnectorErrors.credentialsInvalid(),
            );
          },
          refresh: (grant) => tokens('/token', { grant_type: 'refresh_token', refresh_token: grant.refreshToken }, ConnectorErrors.consentExpired()),
          async revoke(grant) {
            const res = await http.send({ method: 'POST', url: url('/revoke'), body: { json: { ...client, refresh_token: grant.refreshToken } } });
            if (!res.ok) return res;
            return res.value.status === 204 ? okVoid : err(ConnectorErrors.bankResponse({ status: res.value.status, content: res.value.text() }));
          },
        },

        async *accounts(grant) {
          const page = await get(grant, '/accounts', {}, AccountsResponse);
          if (!page.ok) return yield page;
          yield ok(
            page.value.accounts.map(
              (a): Account => ({
                bankAccountId: a.accountId,
                number: a.accountNumber ?? '',
                name: a.accountName ?? a.accountTypeName,
                // 01 普通預金（有利息）, 02 普通預金（決済用）: ordinary deposits.
                type: a.accountTypeCode === '01' || a.accountTypeCode === '02' ? 'current' : 'other',
                bankAccountType: a.accountTypeName,
                currency: a.currencyCode,
                ...(a.branchCode === undefined ? {} : { branch: { code: a.branchCode, ...(a.branchName === undefined ? {} : { name: a.branchName }) } }),
                ...(a.accountName === undefined ? {} : { holderName: a.accountName }),
              }),
            ),
          );
        },

        async currentBalances(grant, { bankAccountId }) {
          const page = await get(grant, '/accounts/balances', { accountId: bankAccountId }, BalancesResponse);
          if (!page.ok) return page;
          const b = page.value.balances?.find((x) => x.accountId === bankAccountId);
          if (b === undefined) return err(ConnectorErrors.missingAccount({ bankAccountId }));
          if (b.balance === undefined && b.withdrawableAmount === undefined) return err(ConnectorErrors.permanent({ message: 'the balance has no amount' }));
          const balance: CurrentBalance = {
            currency: b.currencyCode,
            referenceDate: calendarDate(b.baseDate),
            ...(b.balance === undefined ? {} : { bookedMinor: BigInt(b.balance) }),
            ...(b.withdrawableAmount === undefined ? {} : { availableMinor: BigInt(b.withdrawableAmount) }),
          };
          return ok(balance);
        },

        // Booked items only (the bank has no pending list), filtered by transactionDate.
        transactions: (grant, { bankAccountId, window }) => transactionPages(grant, { accountId: bankAccountId, dateFrom: window.from, dateTo: window.to }),
      };
    },
  });
}

/** The connector with its default id and host (tests, and a single-bank deployment). */
export const gmoAozora: Connector = defineGmoAozoraConnector();
