// The connector for GMO Aozora Net Bank. Errors are values (`err(ConnectorErrors.…)`), never thrown;
// every bank status is mapped once, in `parse`.
import { Redacted, Schema } from 'effect';
import { CurrencyCode, TransactionId, calendarDate, dateInZone } from '@kinko/domain';
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
  type LocalizedText,
  type Granted,
  type CurrentBalance,
  type HttpResponse,
  type Outcome,
  type PageStream,
  type Transaction,
} from '@kinko/connector-sdk';
import { GMO_AOZORA_TIME_ZONE, gmoAozoraManifest } from './manifest';
import { AccountsResponse, BalancesResponse, DepositTransactionsResponse, ErrorBody, GmoAozoraConfig, GmoAozoraGrant, Tokens, TransactionsResponse } from './schemas';

/** The spec's basePath, below the bank entry's `baseUrl`. */
export const DATA_PATH = '/ganb/api/personal/v1';

/** `transactionType` 1 = 入金 (in) / 2 = 出金 (out) and the unsigned amount → signed integer minor units (JPY: yen). */
export const signedAmount = (transactionType: '1' | '2', amount: string): bigint => (transactionType === '1' ? BigInt(amount) : -BigInt(amount));

/** The currency of a つかいわけ口座 (its money is a 円普通預金). */
const YEN = Schema.decodeUnknownSync(CurrencyCode)('JPY');

/** A つかいわけ口座 (purpose sub-account): the bank's ids of these start with "SP". */
export const isSpAccount = (accountId: string): boolean => accountId.startsWith('SP');

/** Per bank entry: the connector's id (the app's `bankId`) and the bank's base URL (its host is the one allowed). */
export interface GmoAozoraOptions {
  readonly id?: string;
  readonly baseUrl?: string;
  /** The bank's name in the app (its entry's `bankName`); default `gmoAozoraDefaultName` (manifest.ts). */
  readonly displayName?: LocalizedText;
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
    manifest: gmoAozoraManifest(options.id, options.baseUrl === undefined ? undefined : [hostOf(options.baseUrl)], options.displayName),
    config: GmoAozoraConfig,
    grant: GmoAozoraGrant,

    create({ http, config, clock }) {
      type Grant = GmoAozoraGrant;
      const url = (path: string): string => new URL(path, config.baseUrl).href;
      const client = { client_id: config.clientId, client_secret: config.clientSecret };

      // The bank's statuses, mapped once: 401 is `on401` (a dead login or grant), 200 is decoded,
      // anything else is the bank's answer (5xx/429 already became errors in the HTTP client).
      // The spec's ErrorResponse (errorCode, errorMessage) is the content; a body without it (the token endpoint's OAuth `error`) is kept as text.
      const contentOf = (res: HttpResponse): string => {
        const body = res.json(ErrorBody);
        return body.ok ? `${body.value.errorCode}: ${body.value.errorMessage}` : res.text();
      };
      // A consent the bank ended (401) carries the bank's answer, for the account's syncError.
      const parse = <T>(res: HttpResponse, schema: Schema.Codec<T, unknown>, on401: ConnectorError): Outcome<T> => {
        if (res.status === 401) {
          if (on401._tag !== 'ConsentExpired' && on401._tag !== 'ConsentRevoked') return err(on401);
          const answer = { message: on401.message, httpStatus: 401, content: contentOf(res) };
          return err(on401._tag === 'ConsentExpired' ? ConnectorErrors.consentExpired(answer) : ConnectorErrors.consentRevoked(answer));
        }
        if (res.status !== 200) return err(ConnectorErrors.bankResponse({ status: res.status, content: contentOf(res) }));
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

      // Paging (both lists of items): the first request's query again plus the answer's `nextItemKey` while `hasNext`.
      async function* keyPages<T extends { readonly hasNext: boolean; readonly nextItemKey?: string | undefined }>(
        grant: Grant,
        path: string,
        query: Readonly<Record<string, string>>,
        schema: Schema.Codec<T, unknown>,
      ): AsyncGenerator<Outcome<T>, void> {
        const seen = new Set<string>();
        let nextItemKey: string | undefined;
        for (;;) {
          const page = await get(grant, path, nextItemKey === undefined ? query : { ...query, nextItemKey }, schema);
          yield page;
          if (!page.ok || !page.value.hasNext) return; // an error ends the stream
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

      // 振込入金明細 (GET /accounts/deposit-transactions) answer for a 個人事業主's 円普通預金 only: the
      // accounts the bank refused them for (403: a 個人's account) are not asked again by this client.
      const noDepositDetails = new Set<string>();

      /**
       * The senders (依頼人名) of the incoming transfers of `accountId` between `from` and `to`, by
       * itemKey; an empty map where the bank has no such list for the account (a つかいわけ口座, or
       * the account of a 個人 — it answers 403), an error when the bank fails otherwise.
       */
      async function senders(grant: Grant, accountId: string, from: string, to: string): Promise<Outcome<ReadonlyMap<string, string>>> {
        const out = new Map<string, string>();
        if (isSpAccount(accountId) || noDepositDetails.has(accountId)) return ok(out);
        for await (const page of keyPages(grant, '/accounts/deposit-transactions', { accountId, dateFrom: from, dateTo: to }, DepositTransactionsResponse)) {
          if (!page.ok) {
            if (page.error._tag === 'BankResponse' && page.error.status === 403 && out.size === 0) {
              noDepositDetails.add(accountId);
              return ok(out);
            }
            return page;
          }
          for (const a of page.value.paymentArrivals ?? []) if (a.applicantName !== undefined) out.set(a.itemKey, a.applicantName);
        }
        return ok(out);
      }

      async function* transactionPages(grant: Grant, query: Readonly<Record<string, string>> & { accountId: string }): PageStream<Transaction> {
        for await (const page of keyPages(grant, '/accounts/transactions', query, TransactionsResponse)) {
          if (!page.ok) {
            yield page; // an error ends the stream
            return;
          }
          const { currencyCode, transactions = [] } = page.value;
          // The page's 入金 items: their senders, where the bank lists them (one look-up over the page's days).
          const incoming = transactions.filter((t) => t.transactionType === '1' && t.itemKey !== undefined);
          const first = incoming[0];
          const last = incoming[incoming.length - 1];
          const named = first === undefined || last === undefined ? ok(new Map<string, string>()) : await senders(grant, query.accountId, first.transactionDate, last.transactionDate);
          if (!named.ok) {
            yield named;
            return;
          }
          yield ok(
            transactions.map((t): Transaction => {
              const counterpartyName = t.itemKey === undefined ? undefined : named.value.get(t.itemKey);
              return {
                // itemKey is the bank's own key of the item; without it, the day, direction, amount and running balance.
                bankTransactionId: TransactionId.make(t.itemKey ?? `${t.transactionDate}:${t.transactionType}:${t.amount}:${t.balance}`),
                kind: 'booked',
                transactionDate: t.transactionDate,
                bookingDate: t.valueDate,
                amountMinor: signedAmount(t.transactionType, t.amount),
                currency: currencyCode,
                description: t.remarks ?? '',
                balanceAfterMinor: BigInt(t.balance),
                ...(counterpartyName === undefined ? {} : { counterpartyName }),
              };
            }),
          );
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
          const ids = new Set(page.value.accounts.map((a) => a.accountId));
          // つかいわけ口座: a 子口座 is an account of its own (branch, number, balance, items); a 親口座
          // ("SP" + the id of the account it divides) is that account, already listed, unless it is not there.
          const sp = (page.value.spAccounts ?? []).filter((a) => a.spAccountTypeCode !== '1' || !ids.has(a.accountId.slice(2)));
          yield ok([
            ...page.value.accounts.map(
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
            ...sp.map(
              (a): Account => ({
                bankAccountId: a.accountId,
                number: a.spAccountNumber ?? '',
                name: a.spAccountName,
                // Its money is a 円普通預金 (odBalance).
                type: 'current',
                bankAccountType: `つかいわけ口座（${a.spAccountTypeCodeName}）`,
                currency: YEN,
                ...(a.spAccountBranchCode === undefined ? {} : { branch: { code: a.spAccountBranchCode, ...(a.spAccountBranchName === undefined ? {} : { name: a.spAccountBranchName }) } }),
              }),
            ),
          ]);
        },

        async currentBalances(grant, { bankAccountId }) {
          const page = await get(grant, '/accounts/balances', { accountId: bankAccountId }, BalancesResponse);
          if (!page.ok) return page;
          const b = page.value.balances?.find((x) => x.accountId === bankAccountId);
          const sp = page.value.spAccountBalances?.find((x) => x.accountId === bankAccountId);
          if (b === undefined && sp?.odBalance !== undefined) {
            // A つかいわけ口座's 円普通預金 balance, which the bank gives without a date: today in its zone.
            return ok({ currency: YEN, referenceDate: dateInZone(clock.now(), GMO_AOZORA_TIME_ZONE), bookedMinor: BigInt(sp.odBalance) });
          }
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

        // Booked items only (the bank has no pending list), filtered by transactionDate; a つかいわけ口座's too.
        transactions: (grant, { bankAccountId, window }) => transactionPages(grant, { accountId: bankAccountId, dateFrom: window.from, dateTo: window.to }),
      };
    },
  });
}

/** The connector with its default id and host (tests, and a single-bank deployment). */
export const gmoAozora: Connector = defineGmoAozoraConnector();
