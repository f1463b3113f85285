// The connector for __NAME__. Errors are values (`err(ConnectorErrors.…)`), never thrown;
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
  type LocalizedText,
  type Outcome,
  type PageStream,
  type Transaction,
} from '@kinko/connector-sdk';
import { __CAMEL__Manifest } from './manifest';
import { AccountsPage, __PASCAL__Config, __PASCAL__Grant, Tokens, TransactionsPage } from './schemas';

/**
 * Per bank entry: the connector's id (the app's `bankId`), the bank's base URL (its host is the
 * one allowed) and the bank's name as users see it (default: the scaffolded name).
 */
export interface __PASCAL__Options {
  readonly id?: string;
  readonly baseUrl?: string;
  readonly displayName?: LocalizedText;
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    throw new ConnectorSetupError(`__ID__: baseUrl "${baseUrl}" is not a URL`);
  }
}

/** Defines the connector (throws `ConnectorSetupError` on a bad base URL, `InvalidManifestError` on a bad manifest). */
export function define__PASCAL__Connector(options: __PASCAL__Options = {}): Connector {
  return defineConnector({
    manifest: __CAMEL__Manifest(options.id, options.baseUrl === undefined ? undefined : [hostOf(options.baseUrl)], options.displayName),
    config: __PASCAL__Config,
    grant: __PASCAL__Grant,

    create({ http, config, clock, manifest }) {
      type Grant = __PASCAL__Grant;
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

      // POSTs are never retried, so a rotated refresh token is never spent twice. An OAuth 2.0
      // token endpoint takes application/x-www-form-urlencoded (RFC 6749 §4.1.3, §6; the
      // client's credentials in the body, §2.3.1), never JSON: `form`. (A bank's own login API
      // may take JSON: `encoding: 'json'`.)
      async function tokens(
        path: string,
        body: Readonly<Record<string, string | Redacted.Redacted<string>>>,
        on401: ConnectorError,
        encoding: 'form' | 'json' = 'form',
      ): Promise<Outcome<Granted<Grant>>> {
        const fields = { ...client, ...body };
        const res = await http.send({ method: 'POST', url: url(path), body: encoding === 'form' ? { form: fields } : { json: fields } });
        if (!res.ok) return res;
        const t = parse(res.value, Tokens, on401);
        return t.ok ? ok(granted(t.value)) : t;
      }

      // Paging: follow the bank's `next` link, which repeats the first page's query (the window).
      //
      // A bank that pages by a cursor or key instead of a link (e.g. GMO Aozora's `hasNext` +
      // `nextItemKey`, or `{ items, cursor }`): send the FIRST request's query again with the key
      // added, and guard the same way — keep the page schema's `next` as the key:
      //
      //   let key: string | undefined;
      //   for (;;) {
      //     const res = await http.send({ method: 'GET', url: url(first), query: key === undefined ? query : { ...query, nextItemKey: key }, headers: { authorization } });
      //     … parse, yield the items (an error ends the stream) …
      //     if (!page.value.hasNext) return;
      //     const next = page.value.nextItemKey;
      //     if (next === undefined || !/^\d{1,24}$/.test(next)) → yield err(ConnectorErrors.permanent({ message: 'malformed key' })), return;
      //     if (seen.has(next)) → yield err(ConnectorErrors.permanent({ message: 'the bank repeated a key' })), return;
      //     seen.add(next); key = next;
      //   }
      //
      // (connectors/gmo-aozora's keyPages is this, in full.) In the sandbox, page by the key too
      // (test/sandbox/bank.ts pageOf), make its loopingNext/malformedNext faults answer a repeated
      // and a malformed key, and declare the key in the kit's config: `pagingParameters: ['nextItemKey']`
      // (requests-repeat-window then lets only it move from page to page).
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
//% if redirect
          // A consent-first bank (UK Open Banking, Berlin Group, PolishAPI): the consent is created
          // in `begin`, the user authorises THAT consent, its id comes back to `complete` in the
          // sealed `flowState` (the app keeps it encrypted, bound to this connect flow) and the
          // grant carries it and the consent's facts. In full: connectors/uk-open-banking. The shape:
          //
          //   // schemas.ts: the grant keeps the consent
          //   export const __PASCAL__Grant = Schema.Struct({
          //     consentId: Schema.String, accessToken: Schema.Redacted(Schema.String), refreshToken: Schema.Redacted(Schema.String),
          //     validUntil: Schema.optional(Schema.String), scaAt: Schema.String,
          //   });
          //   const FlowState = Schema.Struct({ consentId: Schema.String });
          //
          //   async begin({ redirectUri, state, codeChallenge, codeChallengeMethod }) {
          //     const res = await http.send({ method: 'POST', url: url('/consents'), body: { json: { permissions: ['accounts', 'transactions'], validUntil } }, headers: { authorization: clientToken } });
          //     … parse (201 → { consentId, status }); a status other than "awaiting authorisation" is an error …
          //     login.searchParams.set('consent_id', consentId); // + the params below
          //     return ok({ type: 'redirect', url: login.href, flowState: JSON.stringify({ consentId }) });
          //   },
          //   async complete(input) {
          //     … the callback's error / code as below …
          //     if (input.flowState === undefined) → err(ConnectorErrors.permanent({ message: 'no flow state came back from begin' }));
          //     const flow = Schema.decodeUnknownResult(FlowState)(JSON.parse(Redacted.value(input.flowState))); // a bad one: permanent
          //     … the token call as below; then GET /consents/{consentId}: not authorised → credentialsInvalid / consentRevoked …
          //     return ok({ type: 'granted', grant: { consentId, accessToken, refreshToken, validUntil, scaAt: clock.now().toISOString() }, accessExpiresAt });
          //   },
          //   // revoke: DELETE /consents/{consentId}; a data call the bank refuses because the consent ended: consentExpired / consentRevoked.
          //
          // and, beside `create`, the consent's facts out of the grant (they feed the app's consent row
          // and unattended-access budget; never secrets):
          //
          //   consentFacts: (grant) => ({ lastScaAt: new Date(grant.scaAt), ...(grant.validUntil === undefined ? {} : { validUntil: new Date(grant.validUntil) }) }),
          //
          // In the sandbox: POST /consents, the consent's id required at /authorize, GET/DELETE
          // /consents/{id}, and endConsentAtBank revoking the consent; commit a new grant fixture.
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
//% end
//% if credentials
          async begin() {
            return ok({
              type: 'form',
              fields: [
                { name: 'username', label: { ja: 'ユーザーID', en: 'User ID', pl: 'Identyfikator' }, secret: false },
                { name: 'password', label: { ja: 'パスワード', en: 'Password', pl: 'Hasło' }, secret: true },
              ],
            });
          },
          async complete(input) {
            if (input.type !== 'credentials') return err(ConnectorErrors.unsupported());
            const { username, password } = input.credentials;
            if (username === undefined || password === undefined) return err(ConnectorErrors.credentialsInvalid({ message: 'username and password are required' }));
            return tokens('/login', { username, password }, ConnectorErrors.credentialsInvalid(), 'json');
          },
//% end
          refresh: (grant) => tokens('/token', { grant_type: 'refresh_token', refresh_token: grant.refreshToken }, ConnectorErrors.consentExpired()),
          async revoke(grant) {
            // Token revocation is form-encoded too (RFC 7009 §2.1).
            const res = await http.send({ method: 'POST', url: url('/revoke'), body: { form: { ...client, refresh_token: grant.refreshToken } } });
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
export const __CAMEL__: Connector = define__PASCAL__Connector();
