/**
 * Berlin Group NextGenPSD2 1.3.12 account information (AIS) with the OAuth SCA approach, on
 * the SDK's contract v2:
 *
 * - `begin` creates the consent (POST /v1/consents: recurringIndicator, validUntil,
 *   frequencyPerDay; `PSU-IP-Address` from the PSU context, mandatory there), reads the bank's
 *   OAuth server from the consent's `scaOAuth` link and sends the user to its authorisation
 *   endpoint (scope `AIS:<consentId>`, PKCE S256). The consent id — assigned by the bank in
 *   that answer — goes back to the app as the sealed `flowState`, never in the redirect URI.
 * - `complete` exchanges the code (with the verifier) for tokens, reads the consent (GET
 *   /v1/consents/{id}) and keeps its facts (validUntil, frequencyPerDay, SCA time) in the grant;
 *   `consentFacts` gives them to the app (consent row, unattended-access budget).
 * - accounts, current balances (`/balances`: closingBooked / interimAvailable with their
 *   reference date), transactions booked and pending in one call (`bookingStatus=both`,
 *   `transactionKinds`) or per kind (`bookingStatus=booked|pending`), following `_links.next`
 *   with the window and the booking status kept on every page.
 * - a 401 CONSENT_INVALID is resolved by reading the consent's status: `expired` →
 *   ConsentExpired, `revokedByPsu` / `terminatedByTpp` → ConsentRevoked.
 */
import { randomUUID } from 'node:crypto';
import { Redacted, Schema } from 'effect';
import {
  ConnectorErrors,
  SdkErrorCode,
  defineConnector,
  err,
  ok,
  okVoid,
  type Account,
  type AccountType,
  type Connector,
  type ConnectorError,
  type CurrentBalance,
  type Granted,
  type HttpResponse,
  type FetchWindow,
  type Outcome,
  type PageStream,
  type PsuContext,
  type Transaction,
  type TransactionKindsRequest,
} from '@kinko/connector-sdk';
import { Result } from 'effect';
import { TransactionId, type TransactionKind, addDays, calendarDate, dateInZone, parseAmount, parseCurrencyCode, type CalendarDate, type CurrencyCode } from '@kinko/domain';
import { aisError, consentStatusError, tppCode } from './errors';

/** The bank's zone: Berlin Group banks here are German (dates are calendar dates in Europe/Berlin). */
export const BERLIN_GROUP_TIME_ZONE = 'Europe/Berlin';

/** What the app configures per bank. */
export const BerlinGroupConfig = Schema.Struct({
  /** The API's base URL (the `/v1/…` paths go under it). */
  baseUrl: Schema.String,
  /** The TPP's OAuth client id at the bank. */
  clientId: Schema.String,
  /** Days the consent is asked for (validUntil = today + this; default 90, the bank may shorten it). */
  consentValidityDays: Schema.optional(Schema.Number),
  /** Unattended accesses per day asked for (frequencyPerDay; default 4). */
  frequencyPerDay: Schema.optional(Schema.Number),
});
/** What the app configures per bank. */
export type BerlinGroupConfig = typeof BerlinGroupConfig.Type;

/** What the connector keeps of an authorisation (the app stores it encrypted). */
export const BerlinGroupGrant = Schema.Struct({
  consentId: Schema.String,
  accessToken: Schema.Redacted(Schema.String),
  refreshToken: Schema.Redacted(Schema.String),
  /** The consent's end as the bank confirmed it (ISO date, inclusive). */
  validUntil: Schema.String,
  /** Unattended accesses per day the bank agreed. */
  frequencyPerDay: Schema.Number,
  /** When the user passed SCA for the consent (ISO instant). */
  scaAt: Schema.String,
});
/** What the connector keeps of an authorisation. */
export type BerlinGroupGrant = typeof BerlinGroupGrant.Type;

const Link = Schema.Struct({ href: Schema.String });
const ConsentCreated = Schema.Struct({ consentId: Schema.String, consentStatus: Schema.String, _links: Schema.Struct({ scaOAuth: Schema.optional(Link), scaRedirect: Schema.optional(Link) }) });
const OAuthMetadata = Schema.Struct({ authorization_endpoint: Schema.String, token_endpoint: Schema.String });
const TokenAnswer = Schema.Struct({ access_token: Schema.String, refresh_token: Schema.String, expires_in: Schema.optional(Schema.Number) });
const ConsentRead = Schema.Struct({ consentStatus: Schema.String, validUntil: Schema.String, frequencyPerDay: Schema.Number });
const ConsentStatusRead = Schema.Struct({ consentStatus: Schema.String });
const Amount = Schema.Struct({ currency: Schema.String, amount: Schema.String });
const AccountWire = Schema.Struct({
  resourceId: Schema.String,
  iban: Schema.optional(Schema.String),
  currency: Schema.String,
  name: Schema.optional(Schema.String),
  product: Schema.optional(Schema.String),
  cashAccountType: Schema.optional(Schema.String),
});
const AccountList = Schema.Struct({ accounts: Schema.Array(AccountWire) });
const BalanceWire = Schema.Struct({ balanceAmount: Amount, balanceType: Schema.String, referenceDate: Schema.optional(Schema.String) });
const BalancesAnswer = Schema.Struct({ balances: Schema.Array(BalanceWire) });
const TransactionWire = Schema.Struct({
  transactionId: Schema.optional(Schema.String),
  entryReference: Schema.optional(Schema.String),
  bookingDate: Schema.optional(Schema.String),
  valueDate: Schema.optional(Schema.String),
  transactionAmount: Amount,
  creditorName: Schema.optional(Schema.String),
  debtorName: Schema.optional(Schema.String),
  remittanceInformationUnstructured: Schema.optional(Schema.String),
});
type TransactionWire = typeof TransactionWire.Type;
const TransactionsAnswer = Schema.Struct({
  transactions: Schema.Struct({
    booked: Schema.optional(Schema.Array(TransactionWire)),
    pending: Schema.optional(Schema.Array(TransactionWire)),
    _links: Schema.optional(Schema.Struct({ next: Schema.optional(Link) })),
  }),
});

const isGrant = Schema.is(BerlinGroupGrant);

/** The grant's consent facts (contract v2): validUntil (end of that day in the bank's zone, approximated as UTC midnight after it), frequencyPerDay, SCA time. */
export function berlinGroupConsentFacts(grant: unknown) {
  if (!isGrant(grant)) return undefined;
  return { validUntil: new Date(`${addDays(calendarDate(grant.validUntil), 1)}T00:00:00Z`), frequencyPerDay: grant.frequencyPerDay, lastScaAt: new Date(grant.scaAt) };
}

/** The kinds a Berlin Group bank reports (bookingStatus), in the order a `both` page lists them. */
const KINDS = ['booked', 'pending'] as const;

const ACCOUNT_TYPES: Readonly<Record<string, AccountType>> = { CACC: 'current', SVGS: 'savings', CARD: 'creditCard', LOAN: 'loan', TRAN: 'current', MOMA: 'savings' };

/** Options of {@link defineBerlinGroupConnector}. */
export interface BerlinGroupConnectorOptions {
  /** The connector id (the app's bank id), default `berlin-group`. */
  readonly id?: string;
  readonly displayName?: { readonly ja: string; readonly en: string; readonly pl: string };
  readonly allowedHosts?: readonly string[];
  readonly pageSize?: number;
  /**
   * Whether the bank serves `bookingStatus=both` (default true): booked and pending in one call
   * (`kindsPerCall`); false asks for each kind on its own (`booked`, then `pending`).
   */
  readonly bookingStatusBoth?: boolean;
}

export function defineBerlinGroupConnector(options: BerlinGroupConnectorOptions = {}): Connector {
  return defineConnector<BerlinGroupGrant, never, BerlinGroupConfig>({
    manifest: {
      id: options.id ?? 'berlin-group',
      displayName: options.displayName ?? { ja: 'Berlin Group 銀行', en: 'Berlin Group bank', pl: 'Bank Berlin Group' },
      country: 'DE',
      timeZone: BERLIN_GROUP_TIME_ZONE,
      currency: 'EUR',
      authFlow: 'redirect',
      capabilities: { accounts: true, balances: false, currentBalances: true, transactions: [...KINDS], ...(options.bookingStatusBoth === false ? {} : { kindsPerCall: [...KINDS] }), branches: false, challenges: [] },
      limits: {
        maxHistoryDays: 730,
        unattendedHistoryDays: 90,
        scaValidityDays: 180,
        // PSD2's 4 a day; the consent's frequencyPerDay ("the requested maximum frequency for an
        // access without PSU involvement per day", NextGenPSD2 1.3.12) lowers it per consent. One
        // access = one unattended read of an account's balances and transactions (README, "What one access is").
        unattendedAccessesPerDay: 4,
        pageSize: options.pageSize ?? 50,
        maxConcurrency: 4,
        requestsPerSecond: 20,
      },
      // Booked items are filtered by their booking date; pending ones by the day they entered the
      // bank's books, which the API does not report (NextGenPSD2 1.3.12, dateFrom). Neither kind
      // carries a transaction date (the standard has none for account transactions).
      dateFieldByKind: { booked: 'bookingDate', pending: 'entryDate' },
      deleteIfNotFetched: ['pending'],
      allowedHosts: [...(options.allowedHosts ?? ['bank.invalid'])],
    },
    config: BerlinGroupConfig,
    grant: BerlinGroupGrant,
    consentFacts: (grant) => berlinGroupConsentFacts(grant),

    create({ http, config, manifest, clock }) {
      const base = config.baseUrl.replace(/\/+$/, '');
      const currency = (code: string): CurrencyCode | undefined => {
        const c = parseCurrencyCode(code);
        return Result.isSuccess(c) ? c.success : undefined;
      };
      const unexpected = (what: string): ConnectorError => ConnectorErrors.permanent({ code: SdkErrorCode.unexpectedBody, message: `${manifest.id}: ${what}` });
      const today = (): CalendarDate => dateInZone(clock.now(), BERLIN_GROUP_TIME_ZONE);

      /** Headers of a TPP call; the PSU's address and agent only while the user is present. */
      const headers = (psu: PsuContext | undefined, extra: Record<string, string | Redacted.Redacted<string> | undefined> = {}) => ({
        accept: 'application/json',
        'x-request-id': randomUUID(),
        ...(psu?.userPresent && psu.ipAddress ? { 'psu-ip-address': Redacted.make(psu.ipAddress) } : {}),
        ...(psu?.userPresent && psu.userAgent ? { 'psu-user-agent': psu.userAgent } : {}),
        ...extra,
      });
      const dataHeaders = (grant: BerlinGroupGrant, psu: PsuContext | undefined) =>
        headers(psu, { 'consent-id': grant.consentId, authorization: Redacted.make(`Bearer ${Redacted.value(grant.accessToken)}`) });

      async function consentStatus(consentId: string): Promise<string | undefined> {
        const res = await http.send({ method: 'GET', url: `${base}/v1/consents/${encodeURIComponent(consentId)}/status`, headers: headers(undefined) });
        if (!res.ok || res.value.status !== 200) return undefined;
        const body = res.value.json(ConsentStatusRead);
        return body.ok ? body.value.consentStatus : undefined;
      }

      /** A refused data call as a typed error (a CONSENT_INVALID asks the consent's status first). */
      async function refused(res: HttpResponse, grant: BerlinGroupGrant, operation: string, bankAccountId?: string): Promise<ConnectorError> {
        const status = res.status === 401 && tppCode(res) === 'CONSENT_INVALID' ? await consentStatus(grant.consentId) : undefined;
        return aisError(res, { operation, ...(bankAccountId !== undefined ? { bankAccountId } : {}), ...(status !== undefined ? { consentStatus: status } : {}), secrets: [Redacted.value(grant.accessToken)] });
      }

      async function tokens(form: Record<string, string>, tokenEndpoint: string): Promise<Outcome<typeof TokenAnswer.Type> | { readonly refusedWith: HttpResponse }> {
        const res = await http.send({
          method: 'POST',
          url: tokenEndpoint,
          headers: { accept: 'application/json' },
          body: { text: Redacted.make(new URLSearchParams(form).toString()), contentType: 'application/x-www-form-urlencoded' },
          // Spends a code or a rotating refresh token: never repeated.
          retry: false,
        });
        if (!res.ok) return res;
        if (res.value.status !== 200) return { refusedWith: res.value };
        return res.value.json(TokenAnswer);
      }

      async function oauthServer(): Promise<Outcome<typeof OAuthMetadata.Type>> {
        const res = await http.send({ method: 'GET', url: `${base}/.well-known/oauth-authorization-server`, headers: { accept: 'application/json' } });
        if (!res.ok) return res;
        if (res.value.status !== 200) return err(ConnectorErrors.permanent({ code: 'oauth_metadata', httpStatus: res.value.status, message: `${manifest.id}: the OAuth server metadata answered ${res.value.status}` }));
        return res.value.json(OAuthMetadata);
      }

      async function granted(grant: BerlinGroupGrant, expiresIn: number | undefined): Promise<Granted<BerlinGroupGrant>> {
        const facts = berlinGroupConsentFacts(grant);
        return {
          type: 'granted',
          grant,
          ...(expiresIn !== undefined ? { accessExpiresAt: new Date(clock.now().getTime() + expiresIn * 1000) } : {}),
          ...(facts ? { refreshExpiresAt: facts.validUntil } : {}),
        };
      }

      const mapTransaction = (t: TransactionWire, kind: 'booked' | 'pending', accountCurrency: CurrencyCode): Outcome<Transaction> => {
        const id = t.transactionId ?? t.entryReference;
        if (id === undefined || id === '') return err(unexpected(`a ${kind} transaction without transactionId or entryReference`));
        const txCurrency = currency(t.transactionAmount.currency) ?? accountCurrency;
        const amount = parseAmount(t.transactionAmount.amount.trim(), txCurrency);
        if (!Result.isSuccess(amount)) return err(unexpected(`transaction amount "${t.transactionAmount.amount.slice(0, 20)}" is not a decimal`));
        if (kind === 'booked' && t.bookingDate === undefined) return err(unexpected('a booked transaction without bookingDate'));
        const minor = amount.success.amountMinor;
        const counterparty = minor < 0n ? t.creditorName : t.debtorName;
        return ok({
          bankTransactionId: TransactionId.make(`${kind}:${id}`),
          kind,
          ...(t.bookingDate !== undefined ? { bookingDate: calendarDate(t.bookingDate.slice(0, 10)) } : {}),
          ...(t.valueDate !== undefined ? { valueDate: calendarDate(t.valueDate.slice(0, 10)) } : {}),
          amountMinor: minor,
          currency: txCurrency,
          description: t.remittanceInformationUnstructured ?? '',
          ...(t.entryReference !== undefined ? { bankReference: t.entryReference } : t.transactionId !== undefined ? { bankReference: t.transactionId } : {}),
          ...(counterparty !== undefined ? { counterpartyName: counterparty } : {}),
        });
      };

      /** The transactions of one or both kinds (bookingStatus booked, pending or both), following `_links.next`. */
      async function* pages(grant: BerlinGroupGrant, bankAccountId: string, kinds: readonly TransactionKind[], window: FetchWindow, psu: PsuContext | undefined): PageStream<Transaction> {
        const wanted = KINDS.filter((k) => kinds.includes(k));
        if (wanted.length !== kinds.length || wanted.length === 0) return yield err(ConnectorErrors.unsupported({ message: `${manifest.id} reports booked and pending only` }));
        const bookingStatus = wanted.length === 2 ? 'both' : wanted[0]!;
        const first = new URL(`${base}/v1/accounts/${encodeURIComponent(bankAccountId)}/transactions`);
        first.search = new URLSearchParams({ dateFrom: window.from, dateTo: window.to, bookingStatus }).toString();
        const accountCurrency = manifest.currency;
        const seen = new Set<string>();
        let url: URL | undefined = first;
        while (url !== undefined) {
          // Every page repeats the window and the booking status, whatever the next link says.
          url.searchParams.set('dateFrom', window.from);
          url.searchParams.set('dateTo', window.to);
          url.searchParams.set('bookingStatus', bookingStatus);
          const key = url.toString();
          if (seen.has(key)) return yield err(unexpected('the next link points at a page already read'));
          seen.add(key);
          const res = await http.send({ method: 'GET', url, headers: dataHeaders(grant, psu) });
          if (!res.ok) return yield res;
          if (res.value.status !== 200) return yield err(await refused(res.value, grant, 'GET /v1/accounts/{id}/transactions', bankAccountId));
          const body = res.value.json(TransactionsAnswer);
          if (!body.ok) return yield body;
          const items: Transaction[] = [];
          for (const kind of wanted) {
            for (const t of body.value.transactions[kind] ?? []) {
              const mapped = mapTransaction(t, kind, accountCurrency);
              if (!mapped.ok) return yield mapped;
              items.push(mapped.value);
            }
          }
          yield ok(items);
          const next = body.value.transactions._links?.next?.href;
          if (next === undefined) url = undefined;
          else {
            try {
              url = new URL(next, `${base}/`);
            } catch {
              return yield err(unexpected('the next link is not a URL'));
            }
            if (url.origin !== first.origin) return yield err(unexpected('the next link leaves the bank'));
          }
        }
      }

      return {
        auth: {
          async begin(input) {
            if (input.psu?.ipAddress === undefined) {
              return err(ConnectorErrors.permanent({ code: SdkErrorCode.invalidRequest, message: `${manifest.id}: PSU-IP-Address is mandatory on POST /v1/consents (pass the PSU context)` }));
            }
            const validUntil = addDays(today(), config.consentValidityDays ?? 90);
            const res = await http.send({
              method: 'POST',
              url: `${base}/v1/consents`,
              headers: headers({ ...input.psu, userPresent: true }, { 'tpp-redirect-uri': input.redirectUri, 'tpp-redirect-preferred': 'true' }),
              body: {
                text: Redacted.make(JSON.stringify({ access: { allPsd2: 'allAccounts' }, recurringIndicator: true, validUntil, frequencyPerDay: config.frequencyPerDay ?? 4, combinedServiceIndicator: false })),
                contentType: 'application/json',
              },
              retry: false,
            });
            if (!res.ok) return res;
            if (res.value.status !== 201) {
              return err(ConnectorErrors.permanent({ code: tppCode(res.value) ?? 'consent_refused', httpStatus: res.value.status, message: `${manifest.id}: POST /v1/consents answered ${res.value.status}` }));
            }
            const created = res.value.json(ConsentCreated);
            if (!created.ok) return created;
            if (created.value._links.scaOAuth === undefined) return err(unexpected('the consent offers no scaOAuth link (only the OAuth SCA approach is supported)'));
            const server = await oauthServer();
            if (!server.ok) return server;
            const url = new URL(server.value.authorization_endpoint);
            url.search = new URLSearchParams({
              response_type: 'code',
              client_id: config.clientId,
              scope: `AIS:${created.value.consentId}`,
              state: input.state,
              redirect_uri: input.redirectUri,
              code_challenge: input.codeChallenge,
              code_challenge_method: input.codeChallengeMethod,
            }).toString();
            return ok({ type: 'redirect', url: url.toString(), flowState: created.value.consentId });
          },

          async complete(input) {
            if (input.type !== 'redirect') return err(ConnectorErrors.permanent({ code: SdkErrorCode.invalidRequest, message: `${manifest.id} uses the redirect flow` }));
            const error = input.callbackParams['error'];
            if (error !== undefined) {
              return err(error === 'access_denied' ? ConnectorErrors.credentialsInvalid({ message: `${manifest.id}: the user did not authorise the consent` }) : ConnectorErrors.permanent({ code: 'oauth_error', message: `${manifest.id}: the bank answered ${error.slice(0, 40)}` }));
            }
            if (input.flowState === undefined) return err(ConnectorErrors.permanent({ code: SdkErrorCode.invalidRequest, message: `${manifest.id}: no flow state (the consent id) came back from begin` }));
            const consentId = Redacted.value(input.flowState);
            const code = input.callbackParams['code'];
            if (code === undefined || code === '') return err(ConnectorErrors.permanent({ code: SdkErrorCode.invalidRequest, message: `${manifest.id}: the callback carries no code` }));
            const server = await oauthServer();
            if (!server.ok) return server;
            const answer = await tokens(
              { grant_type: 'authorization_code', code, code_verifier: Redacted.value(input.codeVerifier), redirect_uri: input.redirectUri, client_id: config.clientId },
              server.value.token_endpoint,
            );
            if ('refusedWith' in answer) return err(ConnectorErrors.credentialsInvalid({ message: `${manifest.id}: the token endpoint refused the code (${answer.refusedWith.status})` }));
            if (!answer.ok) return answer;
            const read = await http.send({ method: 'GET', url: `${base}/v1/consents/${encodeURIComponent(consentId)}`, headers: headers(input.psu) });
            if (!read.ok) return read;
            if (read.value.status !== 200) return err(ConnectorErrors.permanent({ code: 'consent_read', httpStatus: read.value.status, message: `${manifest.id}: GET /v1/consents/{id} answered ${read.value.status}` }));
            const consent = read.value.json(ConsentRead);
            if (!consent.ok) return consent;
            const gone = consentStatusError(consent.value.consentStatus, `${manifest.id}: after SCA`);
            if (gone) return err(gone);
            const grant: BerlinGroupGrant = {
              consentId,
              accessToken: Redacted.make(answer.value.access_token),
              refreshToken: Redacted.make(answer.value.refresh_token),
              validUntil: consent.value.validUntil,
              frequencyPerDay: consent.value.frequencyPerDay,
              scaAt: clock.now().toISOString(),
            };
            return ok(await granted(grant, answer.value.expires_in));
          },

          async refresh(grant) {
            const server = await oauthServer();
            if (!server.ok) return server;
            const answer = await tokens({ grant_type: 'refresh_token', refresh_token: Redacted.value(grant.refreshToken), client_id: config.clientId }, server.value.token_endpoint);
            if ('refusedWith' in answer) {
              // Why the bank refused: the consent's own status says (expired, revoked…), else the token is spent.
              const status = await consentStatus(grant.consentId);
              return err((status !== undefined ? consentStatusError(status, `${manifest.id}: refresh`) : undefined) ?? ConnectorErrors.credentialsInvalid({ message: `${manifest.id}: the refresh token was refused` }));
            }
            if (!answer.ok) return answer;
            return ok(await granted({ ...grant, accessToken: Redacted.make(answer.value.access_token), refreshToken: Redacted.make(answer.value.refresh_token) }, answer.value.expires_in));
          },

          async revoke(grant) {
            const res = await http.send({ method: 'DELETE', url: `${base}/v1/consents/${encodeURIComponent(grant.consentId)}`, headers: headers(undefined) });
            if (!res.ok) return res;
            if (res.value.status === 204 || res.value.status === 200) return okVoid;
            return err(await refused(res.value, grant, 'DELETE /v1/consents/{id}'));
          },
        },

        async *accounts(grant, request) {
          const res = await http.send({ method: 'GET', url: `${base}/v1/accounts`, headers: dataHeaders(grant, request?.psu) });
          if (!res.ok) return yield res;
          if (res.value.status !== 200) return yield err(await refused(res.value, grant, 'GET /v1/accounts'));
          const list = res.value.json(AccountList);
          if (!list.ok) return yield list;
          const accounts: Account[] = [];
          for (const a of list.value.accounts) {
            const c = currency(a.currency);
            if (c === undefined) return yield err(unexpected(`account currency "${a.currency.slice(0, 8)}" is not ISO 4217`));
            accounts.push({
              bankAccountId: a.resourceId,
              number: a.iban ?? a.resourceId,
              name: a.name ?? a.product ?? '',
              type: ACCOUNT_TYPES[a.cashAccountType ?? ''] ?? 'other',
              currency: c,
              ...(a.product !== undefined ? { bankAccountType: a.product } : {}),
              ...(a.iban !== undefined ? { iban: a.iban } : {}),
            });
          }
          yield ok(accounts);
        },

        async currentBalances(grant, request) {
          const res = await http.send({ method: 'GET', url: `${base}/v1/accounts/${encodeURIComponent(request.bankAccountId)}/balances`, headers: dataHeaders(grant, request.psu) });
          if (!res.ok) return res;
          if (res.value.status !== 200) return err(await refused(res.value, grant, 'GET /v1/accounts/{id}/balances', request.bankAccountId));
          const body = res.value.json(BalancesAnswer);
          if (!body.ok) return body;
          const pick = (types: readonly string[]) => types.map((t) => body.value.balances.find((b) => b.balanceType === t)).find((b) => b !== undefined);
          const booked = pick(['closingBooked', 'interimBooked', 'expected']);
          const available = pick(['interimAvailable', 'closingAvailable', 'forwardAvailable']);
          const any = booked ?? available;
          if (any === undefined) return err(unexpected('the account has no booked or available balance'));
          const c = currency(any.balanceAmount.currency);
          if (c === undefined) return err(unexpected('balance currency is not ISO 4217'));
          const minor = (b: typeof booked) => {
            if (b === undefined) return undefined;
            const a = parseAmount(b.balanceAmount.amount.trim(), c);
            return Result.isSuccess(a) ? a.success.amountMinor : null;
          };
          const bookedMinor = minor(booked);
          const availableMinor = minor(available);
          if (bookedMinor === null || availableMinor === null) return err(unexpected('a balance amount is not a decimal'));
          const balance: CurrentBalance = {
            currency: c,
            referenceDate: calendarDate((any.referenceDate ?? today()).slice(0, 10)),
            ...(bookedMinor !== undefined ? { bookedMinor } : {}),
            ...(availableMinor !== undefined ? { availableMinor } : {}),
          };
          return ok(balance);
        },

        transactions: (grant, request) => pages(grant, request.bankAccountId, [request.kind], request.window, request.psu),
        // Booked and pending in one call (bookingStatus=both): one request per page for both kinds.
        ...(options.bookingStatusBoth === false ? {} : { transactionKinds: (grant: BerlinGroupGrant, request: TransactionKindsRequest) => pages(grant, request.bankAccountId, request.kinds, request.window, request.psu) }),
      };
    },
  });
}

/** The connector with its defaults (id `berlin-group`): for tests and the conformance kit. */
export const berlinGroup = defineBerlinGroupConnector();
