// The connector for UK Open Banking. Errors are values (`err(ConnectorErrors.…)`), never thrown;
// every bank status is mapped once, in `parse`.
import { Redacted, Schema } from 'effect';
import { TransactionId } from '@kinko/domain';
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
  type HttpResponse,
  type Outcome,
  type PageStream,
  type Transaction,
} from '@kinko/connector-sdk';
import { ukOpenBankingManifest } from './manifest';
import { AccountsPage, UkOpenBankingConfig, UkOpenBankingGrant, Tokens, TransactionsPage } from './schemas';

/** Per bank entry: the connector's id (the app's `bankId`) and the bank's base URL (its host is the one allowed). */
export interface UkOpenBankingOptions {
  readonly id?: string;
  readonly baseUrl?: string;
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    throw new ConnectorSetupError(`uk-open-banking: baseUrl "${baseUrl}" is not a URL`);
  }
}

/** Defines the connector (throws `ConnectorSetupError` on a bad base URL, `InvalidManifestError` on a bad manifest). */
export function defineUkOpenBankingConnector(options: UkOpenBankingOptions = {}): Connector {
  return defineConnector({
    manifest: ukOpenBankingManifest(options.id, options.baseUrl === undefined ? undefined : [hostOf(options.baseUrl)]),
    config: UkOpenBankingConfig,
    grant: UkOpenBankingGrant,

    create({ http, config, clock, manifest }) {
      type Grant = UkOpenBankingGrant;
      const url = (path: string): string => new URL(path, config.baseUrl).href;
      const client = { client_id: config.clientId, client_secret: config.clientSecret };

      // The bank's statuses, mapped once: 401 is `on401` (a dead login or grant), 200 is decoded,
      // anything else is the bank's answer (5xx/429 already became errors in the HTTP client).
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

      // POSTs are never retried, so a rotated refresh token is never spent twice.
      async function tokens(path: string, body: Record<string, unknown>, on401: ConnectorError): Promise<Outcome<Granted<Grant>>> {
        const res = await http.send({ method: 'POST', url: url(path), body: { json: { ...client, ...body } } });
        if (!res.ok) return res;
        const t = parse(res.value, Tokens, on401);
        return t.ok ? ok(granted(t.value)) : t;
      }

      // Paging: follow the bank's `next` link, which repeats the first page's query (the window).
      async function* pages<P extends { readonly next: string | null }, T>(
        grant: Grant,
        first: string,
        query: Readonly<Record<string, string | number>>,
        schema: Schema.Codec<P, unknown>,
        items: (page: P) => readonly T[],
      ): PageStream<T> {
        const authorization = Redacted.make(`Bearer ${Redacted.value(grant.accessToken)}`);
        let next: { url: string; query?: Readonly<Record<string, string | number>> } | undefined = { url: url(first), query };
        const seen = new Set<string>();
        while (next !== undefined) {
          const res = await http.send({ method: 'GET', url: next.url, ...(next.query ? { query: next.query } : {}), headers: { authorization } });
          const page = res.ok ? parse(res.value, schema, ConnectorErrors.consentExpired()) : res;
          if (!page.ok) {
            yield page; // an error ends the stream
            return;
          }
          yield ok(items(page.value));
          const link = page.value.next;
          if (link === null) return;
          let absolute: string;
          try {
            absolute = url(link);
          } catch {
            yield err(ConnectorErrors.permanent({ message: 'the bank sent a malformed next link' }));
            return;
          }
          if (seen.has(absolute)) {
            yield err(ConnectorErrors.permanent({ message: 'the bank repeated a next link' }));
            return;
          }
          seen.add(absolute);
          next = { url: absolute };
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

        accounts: (grant) =>
          pages(grant, '/accounts', {}, AccountsPage, (p) =>
            p.accounts.map((a): Account => ({ bankAccountId: a.id, number: a.number, name: a.name, type: 'current', currency: a.currency })),
          ),

        // One kind per call: the bank's `status` filter; `limit` asks for the manifest's page size.
        transactions: (grant, { bankAccountId, kind, window }) =>
          pages(
            grant,
            `/accounts/${encodeURIComponent(bankAccountId)}/transactions`,
            { status: kind, from: window.from, to: window.to, limit: manifest.limits.pageSize },
            TransactionsPage,
            (p) =>
              p.transactions.map(
                (t): Transaction => ({
                  bankTransactionId: TransactionId.make(t.id),
                  kind,
                  transactionDate: t.date,
                  amountMinor: BigInt(t.amountMinor),
                  currency: t.currency,
                  description: t.description,
                  ...(t.reference === undefined ? {} : { bankReference: t.reference }),
                }),
              ),
          ),
      };
    },
  });
}

/** The connector with its default id and host (tests, and a single-bank deployment). */
export const ukOpenBanking: Connector = defineUkOpenBankingConnector();
