/**
 * UK Open Banking Read/Write 4.0 account information (AIS) on the SDK's contract v2. Errors are
 * values (`err(ConnectorErrors.…)`), never thrown; the bank's refusals are mapped once, in
 * ./errors (consent statuses and OBErrorResponse1).
 *
 * - `begin` gets a client-credentials token, creates the account-access consent (POST
 *   /account-access-consents: Permissions, ExpirationDateTime, TransactionFromDateTime /
 *   TransactionToDateTime) and sends the user to the bank's /authorize (code + PKCE S256,
 *   state, an OIDC nonce, the consent as `openbanking_intent_id`). The consent id and the nonce
 *   go back to the app as the sealed `flowState`.
 * - `complete` exchanges the code (with the verifier and the exact redirect URI), checks the
 *   id_token (HS256 with the client secret: audience, nonce, the consent it names), reads the
 *   consent (GET, must be AUTH) and keeps its facts (ExpirationDateTime, the SCA time).
 * - accounts, current balances, transactions per kind (Status BOOK / PDNG, fromBookingDateTime /
 *   toBookingDateTime, Links.Next), scheduled payments as the `scheduled` kind; every call sends
 *   an x-fapi-interaction-id (named in error messages) and, while the user is present, their IP
 *   address, user agent and last login time.
 * - a 401 or 403 is resolved by reading the consent's status (EXPD → ConsentExpired, CANC →
 *   ConsentRevoked); `revoke` deletes the consent.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { Redacted, Result, Schema } from 'effect';
import { TransactionId, addDays, dateInZone, parseAmount, parseCurrencyCode, type CalendarDate, type CurrencyCode } from '@kinko/domain';
import {
  ConnectorErrors,
  ConnectorSetupError,
  SdkErrorCode,
  defineConnector,
  err,
  ok,
  okVoid,
  type Account,
  type AccountType,
  type Connector,
  type ConnectorError,
  type LocalizedText,
  type CurrentBalance,
  type Granted,
  type HttpResponse,
  type Outcome,
  type PageStream,
  type PsuContext,
  type Transaction,
} from '@kinko/connector-sdk';
import { aisError, consentStatusError } from './errors';
import { UK_TIME_ZONE, ukOpenBankingManifest } from './manifest';
import {
  AccountsAnswer,
  BalancesAnswer,
  ConsentAnswer,
  FlowState,
  ScheduledPaymentsAnswer,
  Tokens,
  TransactionsAnswer,
  UkOpenBankingConfig,
  UkOpenBankingGrant,
  type ScheduledPaymentWire,
  type TransactionWire,
} from './schemas';

/** Per bank entry: the connector's id (the app's `bankId`) and the bank's base URL (its host is the one allowed). */
export interface UkOpenBankingOptions {
  readonly id?: string;
  readonly baseUrl?: string;
  /** The bank's name in the app (its entry's `bankName`); default `ukOpenBankingDefaultName` (manifest.ts). */
  readonly displayName?: LocalizedText;
}

/** Where the AIS API lives below the bank's origin unless the bank entry says otherwise. */
export const DEFAULT_API_PATH = '/open-banking/v4.0/aisp';

/** What the connector asks the user to share. */
export const PERMISSIONS = [
  'ReadAccountsDetail',
  'ReadBalances',
  'ReadTransactionsDetail',
  'ReadTransactionsCredits',
  'ReadTransactionsDebits',
  'ReadScheduledPaymentsDetail',
] as const;

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    throw new ConnectorSetupError(`uk-open-banking: baseUrl "${baseUrl}" is not a URL`);
  }
}

const isGrant = Schema.is(UkOpenBankingGrant);

/** The grant's consent facts (contract v2): the consent's ExpirationDateTime and the SCA time. */
export function ukOpenBankingConsentFacts(grant: unknown) {
  if (!isGrant(grant)) return undefined;
  return { ...(grant.expiresAt !== undefined ? { validUntil: new Date(grant.expiresAt) } : {}), lastScaAt: new Date(grant.scaAt) };
}

const ACCOUNT_TYPES: Readonly<Record<string, AccountType>> = { CACC: 'current', SVGS: 'savings', CARD: 'creditCard', LOAN: 'loan', MOMA: 'savings', MGLD: 'loan' };

/** An HTTP date (x-fapi-auth-date: "Sun, 10 Sep 2017 19:43:31 GMT"). */
const httpDate = (iso: string): string => new Date(iso).toUTCString();

/** Defines the connector (throws `ConnectorSetupError` on a bad base URL, `InvalidManifestError` on a bad manifest). */
export function defineUkOpenBankingConnector(options: UkOpenBankingOptions = {}): Connector {
  return defineConnector<UkOpenBankingGrant, never, UkOpenBankingConfig>({
    manifest: ukOpenBankingManifest(options.id, options.baseUrl === undefined ? undefined : [hostOf(options.baseUrl)], options.displayName),
    config: UkOpenBankingConfig,
    grant: UkOpenBankingGrant,
    consentFacts: (grant) => ukOpenBankingConsentFacts(grant),

    create({ http, config, clock, manifest }) {
      type Grant = UkOpenBankingGrant;
      const origin = config.baseUrl.replace(/\/+$/, '');
      const api = `${origin}${config.apiPath ?? DEFAULT_API_PATH}`;
      const unexpected = (what: string): ConnectorError => ConnectorErrors.permanent({ code: SdkErrorCode.unexpectedBody, message: `${manifest.id}: ${what}` });
      const today = (): CalendarDate => dateInZone(clock.now(), UK_TIME_ZONE);
      const londonDate = (dateTime: string): CalendarDate | undefined => {
        const t = Date.parse(dateTime);
        return Number.isNaN(t) ? undefined : dateInZone(new Date(t), UK_TIME_ZONE);
      };
      const currency = (code: string | undefined): CurrencyCode | undefined => {
        if (code === undefined) return undefined;
        const c = parseCurrencyCode(code);
        return Result.isSuccess(c) ? c.success : undefined;
      };
      /** An unsigned OB amount with its CreditDebitIndicator as signed minor units; undefined when it is not a decimal in that currency. */
      const signedMinor = (amount: string, c: CurrencyCode, indicator: 'Credit' | 'Debit'): bigint | undefined => {
        const parsed = parseAmount(amount.trim(), c);
        if (!Result.isSuccess(parsed)) return undefined;
        const minor = parsed.success.amountMinor;
        return indicator === 'Debit' ? -minor : minor;
      };
      const basic = Redacted.make(`Basic ${Buffer.from(`${encodeURIComponent(config.clientId)}:${encodeURIComponent(Redacted.value(config.clientSecret))}`).toString('base64')}`);

      /** Headers of a call to the API: a fresh interaction id; the PSU's address, agent and login time only while present. */
      function headers(authorization: Redacted.Redacted<string>, psu: PsuContext | undefined, scaAt?: string) {
        const interactionId = randomUUID();
        return {
          interactionId,
          headers: {
            accept: 'application/json',
            authorization,
            'x-fapi-interaction-id': interactionId,
            ...(psu?.userPresent && psu.ipAddress ? { 'x-fapi-customer-ip-address': Redacted.make(psu.ipAddress) } : {}),
            ...(psu?.userPresent && psu.userAgent ? { 'x-customer-user-agent': psu.userAgent } : {}),
            ...(psu?.userPresent && scaAt !== undefined ? { 'x-fapi-auth-date': httpDate(scaAt) } : {}),
          },
        };
      }
      const bearer = (token: Redacted.Redacted<string> | string) => Redacted.make(`Bearer ${typeof token === 'string' ? token : Redacted.value(token)}`);

      async function token(form: Record<string, string>): Promise<Outcome<typeof Tokens.Type> | { readonly refusedWith: HttpResponse }> {
        const res = await http.send({
          method: 'POST',
          url: `${origin}/token`,
          headers: { accept: 'application/json', authorization: basic },
          body: { text: Redacted.make(new URLSearchParams(form).toString()), contentType: 'application/x-www-form-urlencoded' },
          // Spends a code or a rotating refresh token: never repeated.
          retry: false,
        });
        if (!res.ok) return res;
        if (res.value.status !== 200) return { refusedWith: res.value };
        return res.value.json(Tokens);
      }

      /** A client-credentials token for the consent resource. */
      async function clientToken(): Promise<Outcome<string>> {
        const answer = await token({ grant_type: 'client_credentials', scope: 'accounts' });
        if ('refusedWith' in answer) return err(ConnectorErrors.permanent({ code: 'client_credentials', httpStatus: answer.refusedWith.status, message: `${manifest.id}: the token endpoint refused the client (${answer.refusedWith.status})` }));
        return answer.ok ? ok(answer.value.access_token) : answer;
      }

      /** GET /account-access-consents/{id}: its status (and expiry), or an error. */
      async function readConsent(consentId: string): Promise<Outcome<typeof ConsentAnswer.Type.Data>> {
        const cc = await clientToken();
        if (!cc.ok) return cc;
        const { interactionId, headers: h } = headers(bearer(cc.value), undefined);
        const res = await http.send({ method: 'GET', url: `${api}/account-access-consents/${encodeURIComponent(consentId)}`, headers: h });
        if (!res.ok) return res;
        if (res.value.status !== 200) return err(aisError(res.value, { operation: 'GET /account-access-consents/{ConsentId}', interactionId, secrets: [cc.value] }));
        const body = res.value.json(ConsentAnswer);
        return body.ok ? ok(body.value.Data) : body;
      }

      /** A refused data call as a typed error (a 401 or 403 asks the consent's status first). */
      async function refused(res: HttpResponse, grant: Grant, operation: string, interactionId: string, bankAccountId?: string): Promise<ConnectorError> {
        let consentStatus: string | undefined;
        if (res.status === 401 || res.status === 403) {
          const consent = await readConsent(grant.consentId);
          if (consent.ok) consentStatus = consent.value.Status;
        }
        return aisError(res, { operation, interactionId, ...(bankAccountId !== undefined ? { bankAccountId } : {}), ...(consentStatus !== undefined ? { consentStatus } : {}), secrets: [Redacted.value(grant.accessToken)] });
      }

      /** The id_token of the code exchange: HS256 with the client secret, for this client, with this flow's nonce and consent. */
      function idTokenProblem(idToken: string | undefined, nonce: string, consentId: string): string | undefined {
        if (idToken === undefined) return 'the token answer carries no id_token';
        const [head, payload, signature] = idToken.split('.');
        if (head === undefined || payload === undefined || signature === undefined) return 'the id_token is not a JWS';
        let header: { alg?: unknown };
        let claims: { aud?: unknown; nonce?: unknown; openbanking_intent_id?: unknown; exp?: unknown };
        try {
          header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as typeof header;
          claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
        } catch {
          return 'the id_token is not JSON';
        }
        if (header.alg !== 'HS256') return 'the id_token is not signed with HS256';
        const expected = createHmac('sha256', Redacted.value(config.clientSecret)).update(`${head}.${payload}`).digest();
        const given = Buffer.from(signature, 'base64url');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'the id_token signature does not verify';
        const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
        if (!audience.includes(config.clientId)) return 'the id_token is for another client';
        if (claims.nonce !== nonce) return 'the id_token nonce is not the one sent';
        if (claims.openbanking_intent_id !== consentId) return 'the id_token names another consent';
        if (typeof claims.exp === 'number' && claims.exp * 1000 < clock.now().getTime()) return 'the id_token has expired';
        return undefined;
      }

      /** Follows Links.Next from `first` (absolute, same origin, never a page twice); the window stays in the bank's links. */
      async function* pages<P extends { readonly Links?: { readonly Next?: string | undefined } | undefined }, T>(
        grant: Grant,
        operation: string,
        first: URL,
        schema: Schema.Codec<P, unknown>,
        items: (page: P) => Outcome<readonly T[]>,
        psu: PsuContext | undefined,
        bankAccountId?: string,
      ): PageStream<T> {
        const seen = new Set<string>();
        let url: URL | undefined = first;
        while (url !== undefined) {
          if (seen.has(url.href)) return yield err(unexpected(`${operation}: Links.Next points at a page already read`));
          seen.add(url.href);
          const { interactionId, headers: h } = headers(bearer(grant.accessToken), psu, grant.scaAt);
          const res = await http.send({ method: 'GET', url, headers: h });
          if (!res.ok) return yield res;
          if (res.value.status !== 200) return yield err(await refused(res.value, grant, operation, interactionId, bankAccountId));
          const body = res.value.json(schema);
          if (!body.ok) return yield body;
          const page = items(body.value);
          if (!page.ok) return yield page;
          yield page;
          const next = body.value.Links?.Next;
          if (next === undefined) url = undefined;
          else {
            try {
              url = new URL(next, `${api}/`);
            } catch {
              return yield err(unexpected(`${operation}: Links.Next is not a URL`));
            }
            if (url.origin !== first.origin) return yield err(unexpected(`${operation}: Links.Next leaves the bank`));
          }
        }
      }

      const accountPath = (bankAccountId: string, what: string): URL => new URL(`${api}/accounts/${encodeURIComponent(bankAccountId)}/${what}`);

      const mapTransaction = (t: TransactionWire, kind: 'booked' | 'pending', accountCurrency: CurrencyCode): Outcome<Transaction> => {
        const id = t.TransactionId ?? t.TransactionReference;
        if (id === undefined || id === '') return err(unexpected(`a ${kind} transaction without TransactionId or TransactionReference`));
        const c = currency(t.Amount.Currency) ?? accountCurrency;
        const amountMinor = signedMinor(t.Amount.Amount, c, t.CreditDebitIndicator);
        if (amountMinor === undefined) return err(unexpected(`transaction amount "${t.Amount.Amount.slice(0, 20)}" is not a ${c} decimal`));
        const date = londonDate(t.BookingDateTime);
        if (date === undefined) return err(unexpected(`BookingDateTime "${t.BookingDateTime.slice(0, 30)}" is not a date-time`));
        const balance = t.Balance === undefined || kind !== 'booked' ? undefined : signedMinor(t.Balance.Amount.Amount, c, t.Balance.CreditDebitIndicator);
        return ok({
          bankTransactionId: TransactionId.make(`${kind}:${id}`),
          kind,
          transactionDate: date,
          ...(kind === 'booked' ? { bookingDate: date } : {}),
          amountMinor,
          currency: c,
          description: t.TransactionInformation ?? t.MerchantDetails?.MerchantName ?? '',
          bankReference: t.TransactionReference ?? id,
          ...(balance !== undefined ? { balanceAfterMinor: balance } : {}),
          ...(t.MerchantDetails?.MerchantName !== undefined ? { counterpartyName: t.MerchantDetails.MerchantName } : {}),
        });
      };

      const mapScheduled = (p: ScheduledPaymentWire, accountCurrency: CurrencyCode): Outcome<Transaction> => {
        if (p.ScheduledPaymentId === undefined || p.ScheduledPaymentId === '') return err(unexpected('a scheduled payment without ScheduledPaymentId'));
        const c = currency(p.InstructedAmount.Currency) ?? accountCurrency;
        // A scheduled payment leaves the account: the instructed amount, debited.
        const amountMinor = signedMinor(p.InstructedAmount.Amount, c, 'Debit');
        if (amountMinor === undefined) return err(unexpected(`scheduled amount "${p.InstructedAmount.Amount.slice(0, 20)}" is not a ${c} decimal`));
        const date = londonDate(p.ScheduledPaymentDateTime);
        if (date === undefined) return err(unexpected('ScheduledPaymentDateTime is not a date-time'));
        return ok({
          bankTransactionId: TransactionId.make(`scheduled:${p.ScheduledPaymentId}`),
          kind: 'scheduled',
          transactionDate: date,
          amountMinor,
          currency: c,
          description: p.Reference ?? p.CreditorAccount?.Name ?? '',
          ...(p.Reference !== undefined ? { bankReference: p.Reference } : {}),
          ...(p.CreditorAccount?.Name !== undefined ? { counterpartyName: p.CreditorAccount.Name } : {}),
        });
      };

      return {
        auth: {
          async begin(input) {
            const cc = await clientToken();
            if (!cc.ok) return cc;
            const now = clock.now();
            const { interactionId, headers: h } = headers(bearer(cc.value), input.psu);
            const res = await http.send({
              method: 'POST',
              url: `${api}/account-access-consents`,
              headers: h,
              body: {
                text: Redacted.make(
                  JSON.stringify({
                    Data: {
                      Permissions: PERMISSIONS,
                      ExpirationDateTime: new Date(now.getTime() + (config.consentValidityDays ?? 90) * 86_400_000).toISOString(),
                      TransactionFromDateTime: `${addDays(today(), -manifest.limits.maxHistoryDays)}T00:00:00Z`,
                      TransactionToDateTime: new Date(now.getTime() + (config.consentValidityDays ?? 90) * 86_400_000).toISOString(),
                    },
                    Risk: {},
                  }),
                ),
                contentType: 'application/json',
              },
              retry: false,
            });
            if (!res.ok) return res;
            if (res.value.status !== 201) return err(aisError(res.value, { operation: 'POST /account-access-consents', interactionId, secrets: [cc.value] }));
            const created = res.value.json(ConsentAnswer);
            if (!created.ok) return created;
            if (created.value.Data.Status !== 'AWAU') return err(unexpected(`a new consent is ${created.value.Data.Status.slice(0, 8)}, not AWAU`));
            const nonce = randomBytes(16).toString('base64url');
            const login = new URL(`${origin}/authorize`);
            login.search = new URLSearchParams({
              response_type: 'code',
              client_id: config.clientId,
              redirect_uri: input.redirectUri,
              scope: 'openid accounts',
              state: input.state,
              nonce,
              code_challenge: input.codeChallenge,
              code_challenge_method: input.codeChallengeMethod,
              openbanking_intent_id: created.value.Data.ConsentId,
            }).toString();
            return ok({ type: 'redirect', url: login.href, flowState: JSON.stringify({ consentId: created.value.Data.ConsentId, nonce }) });
          },

          async complete(input) {
            if (input.type !== 'redirect') return err(ConnectorErrors.permanent({ code: SdkErrorCode.invalidRequest, message: `${manifest.id} uses the redirect flow` }));
            const error = input.callbackParams['error'];
            if (error !== undefined) {
              return err(error === 'access_denied' ? ConnectorErrors.credentialsInvalid({ message: `${manifest.id}: the user did not authorise the consent` }) : ConnectorErrors.permanent({ code: 'oauth_error', message: `${manifest.id}: the bank answered ${error.slice(0, 40)}` }));
            }
            if (input.flowState === undefined) return err(ConnectorErrors.permanent({ code: SdkErrorCode.invalidRequest, message: `${manifest.id}: no flow state (the consent and nonce) came back from begin` }));
            let flow: typeof FlowState.Type;
            try {
              flow = Schema.decodeUnknownSync(FlowState)(JSON.parse(Redacted.value(input.flowState)));
            } catch {
              return err(ConnectorErrors.permanent({ code: SdkErrorCode.invalidRequest, message: `${manifest.id}: the flow state is not this connector's` }));
            }
            const code = input.callbackParams['code'];
            if (code === undefined || code === '') return err(ConnectorErrors.permanent({ code: SdkErrorCode.invalidRequest, message: `${manifest.id}: the callback carries no code` }));
            const answer = await token({ grant_type: 'authorization_code', code, code_verifier: Redacted.value(input.codeVerifier), redirect_uri: input.redirectUri });
            if ('refusedWith' in answer) return err(ConnectorErrors.credentialsInvalid({ message: `${manifest.id}: the token endpoint refused the code (${answer.refusedWith.status})` }));
            if (!answer.ok) return answer;
            const problem = idTokenProblem(answer.value.id_token, flow.nonce, flow.consentId);
            if (problem !== undefined) return err(ConnectorErrors.permanent({ code: 'id_token', message: `${manifest.id}: ${problem}` }));
            if (answer.value.refresh_token === undefined) return err(unexpected('the token answer carries no refresh_token'));
            const consent = await readConsent(flow.consentId);
            if (!consent.ok) return consent;
            const gone = consentStatusError(consent.value.Status, `${manifest.id}: after authorisation`);
            if (gone !== undefined) return err(gone);
            const grant: Grant = {
              consentId: flow.consentId,
              accessToken: Redacted.make(answer.value.access_token),
              refreshToken: Redacted.make(answer.value.refresh_token),
              ...(consent.value.ExpirationDateTime !== undefined ? { expiresAt: consent.value.ExpirationDateTime } : {}),
              scaAt: clock.now().toISOString(),
            };
            return ok(granted(grant, answer.value.expires_in));
          },

          async refresh(grant) {
            const answer = await token({ grant_type: 'refresh_token', refresh_token: Redacted.value(grant.refreshToken) });
            if ('refusedWith' in answer) {
              // Why the bank refused: the consent's own status says (expired, revoked…), else the token is spent.
              const consent = await readConsent(grant.consentId);
              const ended = consent.ok ? consentStatusError(consent.value.Status, `${manifest.id}: refresh`) : undefined;
              return err(ended ?? ConnectorErrors.credentialsInvalid({ message: `${manifest.id}: the refresh token was refused (${answer.refusedWith.status})` }));
            }
            if (!answer.ok) return answer;
            const refreshToken = answer.value.refresh_token ?? Redacted.value(grant.refreshToken);
            return ok(granted({ ...grant, accessToken: Redacted.make(answer.value.access_token), refreshToken: Redacted.make(refreshToken) }, answer.value.expires_in));
          },

          async revoke(grant) {
            const cc = await clientToken();
            if (!cc.ok) return cc;
            const { interactionId, headers: h } = headers(bearer(cc.value), undefined);
            const res = await http.send({ method: 'DELETE', url: `${api}/account-access-consents/${encodeURIComponent(grant.consentId)}`, headers: h });
            if (!res.ok) return res;
            if (res.value.status === 204) return okVoid;
            return err(aisError(res.value, { operation: 'DELETE /account-access-consents/{ConsentId}', interactionId, secrets: [cc.value] }));
          },
        },

        accounts: (grant, request) =>
          pages(
            grant,
            'GET /accounts',
            new URL(`${api}/accounts`),
            AccountsAnswer,
            (page): Outcome<readonly Account[]> => {
              const out: Account[] = [];
              for (const a of page.Data.Account ?? []) {
                const c = a.Currency === undefined ? manifest.currency : currency(a.Currency);
                if (c === undefined) return err(unexpected(`account currency "${(a.Currency ?? '').slice(0, 8)}" is not ISO 4217`));
                const id = a.Account?.[0];
                out.push({
                  bankAccountId: a.AccountId,
                  number: id?.Identification ?? a.AccountId,
                  name: a.Nickname ?? a.Description ?? '',
                  type: ACCOUNT_TYPES[a.AccountTypeCode ?? ''] ?? 'other',
                  currency: c,
                  ...(a.AccountTypeCode !== undefined ? { bankAccountType: a.AccountTypeCode } : {}),
                  ...(a.AccountCategory === 'Personal' ? { ownerType: 'personal' as const } : a.AccountCategory === 'Business' ? { ownerType: 'business' as const } : {}),
                  ...(id?.SchemeName === 'UK.OBIE.IBAN' ? { iban: id.Identification } : {}),
                  ...(id?.Name !== undefined ? { holderName: id.Name } : {}),
                });
              }
              return ok(out);
            },
            request?.psu,
          ),

        async currentBalances(grant, request) {
          const { interactionId, headers: h } = headers(bearer(grant.accessToken), request.psu, grant.scaAt);
          const res = await http.send({ method: 'GET', url: accountPath(request.bankAccountId, 'balances'), headers: h });
          if (!res.ok) return res;
          if (res.value.status !== 200) return err(await refused(res.value, grant, 'GET /accounts/{AccountId}/balances', interactionId, request.bankAccountId));
          const body = res.value.json(BalancesAnswer);
          if (!body.ok) return body;
          const pick = (types: readonly string[]) => types.map((t) => body.value.Data.Balance.find((b) => b.Type === t)).find((b) => b !== undefined);
          const booked = pick(['ITBD', 'CLBD', 'OPBD']);
          const available = pick(['ITAV', 'CLAV', 'OPAV', 'FWAV']);
          const any = booked ?? available;
          if (any === undefined) return err(unexpected('the account has no booked or available balance'));
          const c = currency(any.Amount.Currency);
          if (c === undefined) return err(unexpected('balance currency is not ISO 4217'));
          const minor = (b: typeof booked): bigint | undefined | null => (b === undefined ? undefined : (signedMinor(b.Amount.Amount, c, b.CreditDebitIndicator) ?? null));
          const bookedMinor = minor(booked);
          const availableMinor = minor(available);
          if (bookedMinor === null || availableMinor === null) return err(unexpected('a balance amount is not a decimal'));
          const balance: CurrentBalance = {
            currency: c,
            referenceDate: londonDate(any.DateTime) ?? today(),
            ...(bookedMinor !== undefined ? { bookedMinor } : {}),
            ...(availableMinor !== undefined ? { availableMinor } : {}),
          };
          return ok(balance);
        },

        transactions(grant, request) {
          const { bankAccountId, kind, window } = request;
          const accountCurrency = manifest.currency;
          if (kind === 'scheduled') {
            // The bank lists every scheduled payment; the window is applied here, by execution day.
            return pages(
              grant,
              'GET /accounts/{AccountId}/scheduled-payments',
              accountPath(bankAccountId, 'scheduled-payments'),
              ScheduledPaymentsAnswer,
              (page): Outcome<readonly Transaction[]> => {
                const out: Transaction[] = [];
                for (const p of page.Data.ScheduledPayment ?? []) {
                  const mapped = mapScheduled(p, accountCurrency);
                  if (!mapped.ok) return mapped;
                  const day = mapped.value.transactionDate;
                  if (day !== undefined && day >= window.from && day <= window.to) out.push(mapped.value);
                }
                return ok(out);
              },
              request.psu,
              bankAccountId,
            );
          }
          const wanted = kind === 'booked' ? 'BOOK' : 'PDNG';
          const first = accountPath(bankAccountId, 'transactions');
          // The window's calendar days in the bank's zone; the spec has the bank ignore any zone, so none is sent.
          first.search = new URLSearchParams({ fromBookingDateTime: `${window.from}T00:00:00`, toBookingDateTime: `${window.to}T23:59:59` }).toString();
          return pages(
            grant,
            'GET /accounts/{AccountId}/transactions',
            first,
            TransactionsAnswer,
            (page): Outcome<readonly Transaction[]> => {
              const out: Transaction[] = [];
              for (const t of page.Data.Transaction ?? []) {
                if (t.Status !== wanted) continue;
                const mapped = mapTransaction(t, kind === 'booked' ? 'booked' : 'pending', accountCurrency);
                if (!mapped.ok) return mapped;
                out.push(mapped.value);
              }
              return ok(out);
            },
            request.psu,
            bankAccountId,
          );
        },
      };

      function granted(grant: Grant, expiresIn: number | undefined): Granted<Grant> {
        return {
          type: 'granted',
          grant,
          ...(expiresIn !== undefined ? { accessExpiresAt: new Date(clock.now().getTime() + expiresIn * 1000) } : {}),
          ...(grant.expiresAt !== undefined ? { refreshExpiresAt: new Date(grant.expiresAt) } : {}),
        };
      }
    },
  });
}

/** The connector with its default id and host (tests, and a single-bank deployment). */
export const ukOpenBanking: Connector = defineUkOpenBankingConnector();
