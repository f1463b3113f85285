/**
 * The PolishAPI 2.1.2 AIS connector: the OAuth redirect with SCA (a signed POST /authorize
 * that returns the bank's login URL; the code exchanged at /token), refresh and deleteConsent,
 * accounts (getAccounts + getAccount), the six transaction lists with `pageId` paging under a
 * fixed date filter, and daily balances.
 */
import { randomUUID } from 'node:crypto';
import { Redacted } from 'effect';
import { dateInZone, isInWindow, parseCurrencyCode, type CalendarDate, type CurrencyCode } from '@kinko/domain';
import {
  ConnectorErrors,
  ConnectorSetupError,
  SdkErrorCode,
  defineConnector,
  err,
  errorOutcome,
  isRetryable,
  ok,
  okVoid,
  type Account,
  type Connector,
  type ConnectorError,
  type DailyBalance,
  type Granted,
  type Outcome,
  type PageStream,
  type Transaction,
} from '@kinko/connector-sdk';
import { DEFAULT_CONSENT_VALIDITY_DAYS, PolishApiConfig } from './config';
import { aisError, callbackError, consentCallError, tokenError } from './errors';
import { PolishApiGrant, polishApiConsentInfo } from './grant';
import { RecordError, amountMinor, createBankDateReader, itemSequencer, toAccount, toTransaction } from './mapping';
import { polishApiManifest, type PolishApiBankProfile } from './profile';
import { createRequestIdGenerator } from './request-id';
import { SigningKeyError, createRequestSigner, createResponseVerifier, type ResponseVerifier } from './signing';
import { createTransport, decodeAnswer, type BankAnswer, type Transport } from './transport';
import {
  AccountResponse,
  AccountsResponse,
  AuthorizeResponse,
  HISTORY_PRIVILEGES,
  ItemsResponse,
  LIST_OF_KIND,
  TokenResponse,
  type AccountInfo,
  type ItemInfo,
  type PolishApiOperation,
} from './wire';

const DAY_MS = 86_400_000;

const unexpected = (operation: string, why: string): ConnectorError =>
  ConnectorErrors.permanent({ code: SdkErrorCode.unexpectedBody, message: `unexpected body from ${operation}: ${why}` });

/** Seconds of `expires_in` (a string in the spec), or undefined when unreadable. */
function seconds(value: string | number | undefined): number | undefined {
  const n = typeof value === 'number' ? value : value !== undefined && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** The smallest `maxAllowedHistoryLong` the bank granted on the listing privileges, if it says. */
function grantedHistory(details: TokenResponse['scope_details']): number | undefined {
  let min: number | undefined;
  for (const entry of details?.privilegeList ?? []) {
    for (const name of HISTORY_PRIVILEGES) {
      const p = entry[name];
      const days = typeof p === 'object' && p !== null ? (p as { maxAllowedHistoryLong?: unknown }).maxAllowedHistoryLong : undefined;
      if (typeof days === 'number' && Number.isInteger(days) && days >= 1 && days <= 1460) min = min === undefined ? days : Math.min(min, days);
    }
  }
  return min;
}

/**
 * Defines a PolishAPI connector for one bank (or, without a profile, the generic
 * `polish-api` one). The manifest is validated now; the config is given to `create`.
 */
export function definePolishApiConnector(profile: PolishApiBankProfile = {}): Connector {
  return defineConnector<PolishApiGrant, never, PolishApiConfig>({
    manifest: polishApiManifest(profile),
    config: PolishApiConfig,
    grant: PolishApiGrant,
    // Contract v2: the consent's facts as the bank confirmed them (scope_details), read from the grant.
    consentFacts: (grant) => {
      const info = polishApiConsentInfo(grant);
      return info && { validUntil: info.expirationDate, lastScaAt: info.lastScaAt, maxHistoryDays: info.maxHistoryDays };
    },

    create({ http, config, manifest, clock }) {
      const fail = (what: string): never => {
        throw new ConnectorSetupError(`connector "${manifest.id}": ${what}`);
      };
      let base: URL;
      try {
        base = new URL(config.baseUrl);
      } catch {
        return fail('config.baseUrl is not a URL');
      }
      if (base.search !== '' || base.hash !== '') fail('config.baseUrl must not carry a query or a fragment');
      let verifier: ResponseVerifier | undefined;
      let signer;
      try {
        signer = createRequestSigner(config.signingKey, { keyId: config.keyId, algorithm: config.signingAlgorithm, fallbackKeyId: config.clientId });
        verifier = config.bankSigningKey === undefined ? undefined : createResponseVerifier(config.bankSigningKey);
      } catch (e) {
        return fail(e instanceof SigningKeyError ? e.message : 'unusable key');
      }
      const historyDays = config.maxHistoryDays ?? manifest.limits.maxHistoryDays;
      if (historyDays > manifest.limits.maxHistoryDays) fail(`config.maxHistoryDays exceeds the manifest's ${manifest.limits.maxHistoryDays}`);
      const consentDays = config.consentValidityDays ?? DEFAULT_CONSENT_VALIDITY_DAYS;
      const timeZone = manifest.timeZone;
      const readDate = createBankDateReader(timeZone);
      const currency = manifest.currency;
      const pageSize = manifest.limits.pageSize;
      const transport: Transport = createTransport({
        http,
        clock,
        baseUrl: config.baseUrl,
        tppId: config.tppId ?? config.clientId,
        language: config.language ?? 'pl',
        signer,
        verifier,
        requestId: createRequestIdGenerator(() => clock.now().getTime()),
      });
      const nowIso = (offsetMs = 0): string => new Date(clock.now().getTime() + offsetMs).toISOString();
      const secretsOf = (grant: PolishApiGrant): string[] => [Redacted.value(grant.accessToken), ...(grant.refreshToken ? [Redacted.value(grant.refreshToken)] : [])];

      // ---------------------------------------------------------------- auth

      async function tokenCall(fields: Record<string, unknown>, grantType: 'authorization_code' | 'refresh_token'): Promise<Outcome<TokenResponse>> {
        const res = await transport.call('token', fields, { repeat: 'once' });
        if (!res.ok) return res;
        if (res.value.status !== 200) return err(tokenError(res.value, grantType));
        // Token answers hold secrets: never quote their schema errors.
        return decodeAnswer(res.value, TokenResponse, 'token', false);
      }

      function granted(t: TokenResponse, previous: PolishApiGrant | undefined): Outcome<Granted<PolishApiGrant>> {
        const details = t.scope_details;
        const consentId = details?.consentId ?? previous?.consentId;
        if (consentId === undefined || consentId === '') return err(unexpected('token', 'scope_details.consentId is missing'));
        const limit = details?.scopeTimeLimit;
        const consentExpiresAt =
          limit !== undefined && !Number.isNaN(Date.parse(limit)) ? new Date(Date.parse(limit)).toISOString() : (previous?.consentExpiresAt ?? nowIso(consentDays * DAY_MS));
        const lifetime = seconds(t.expires_in);
        const accessExpiresAt = lifetime === undefined ? undefined : nowIso(lifetime * 1000);
        const refresh = t.refresh_token !== undefined && t.refresh_token !== '' ? Redacted.make(t.refresh_token) : previous?.refreshToken;
        const grant: PolishApiGrant = {
          accessToken: Redacted.make(t.access_token),
          ...(refresh !== undefined ? { refreshToken: refresh } : {}),
          consentId,
          // The exchange follows the user's SCA at the bank by seconds; a refresh carries none.
          scaAt: previous?.scaAt ?? nowIso(),
          ...(accessExpiresAt !== undefined ? { accessExpiresAt } : {}),
          consentExpiresAt,
          maxHistoryDays: grantedHistory(details) ?? previous?.maxHistoryDays ?? historyDays,
        };
        return ok({
          type: 'granted',
          grant,
          ...(accessExpiresAt !== undefined ? { accessExpiresAt: new Date(accessExpiresAt) } : {}),
          refreshExpiresAt: new Date(consentExpiresAt),
        });
      }

      // ---------------------------------------------------------------- data

      /** One AIS call for a grant, refusals mapped. */
      async function ais(grant: PolishApiGrant, operation: PolishApiOperation, fields: Record<string, unknown>, accountNumber?: string): Promise<Outcome<BankAnswer>> {
        const res = await transport.call(operation, fields, { token: grant.accessToken, repeat: 'read' });
        if (!res.ok) return res;
        if (res.value.status !== 200) return err(aisError(res.value, { operation, ...(accountNumber !== undefined ? { accountNumber } : {}), secrets: secretsOf(grant) }));
        return res;
      }

      /**
       * Pages through one listing. `filters` are computed once and sent unchanged with every
       * page request (the seed's rule: fixed dates while paging); only `pageId` changes.
       * Items repeated across pages (inserted between requests of a newest-first list) are
       * passed on once.
       */
      async function* listing(
        grant: PolishApiGrant,
        operation: PolishApiOperation,
        field: 'transactions' | 'holds',
        filters: Readonly<Record<string, unknown>>,
        accountNumber: string,
        seen: Set<string>,
      ): AsyncGenerator<Outcome<readonly ItemInfo[]>, void, undefined> {
        const pageIds = new Set<string>();
        let pageId: string | undefined;
        do {
          const res = await ais(grant, operation, pageId === undefined ? filters : { ...filters, pageId }, accountNumber);
          const page = res.ok ? decodeAnswer(res.value, ItemsResponse, operation) : res;
          if (!page.ok) {
            yield page;
            return;
          }
          const items: ItemInfo[] = [];
          for (const item of page.value[field] ?? []) {
            if (seen.has(item.itemId)) continue;
            seen.add(item.itemId);
            items.push(item);
          }
          yield ok(items);
          pageId = page.value.pageInfo?.nextPage;
          if (pageId !== undefined) {
            if (pageIds.has(pageId)) {
              yield err(ConnectorErrors.permanent({ code: 'page_loop', message: `${operation}: the bank sent page id it had already served` }));
              return;
            }
            pageIds.add(pageId);
          }
        } while (pageId !== undefined && pageId !== '');
      }

      const dateFilter = (field: 'transactionDate' | 'bookingDate', window: { from: CalendarDate; to: CalendarDate }): Record<string, string> =>
        field === 'bookingDate' ? { bookingDateFrom: window.from, bookingDateTo: window.to } : { transactionDateFrom: window.from, transactionDateTo: window.to };

      async function accountInfo(grant: PolishApiGrant, accountNumber: string): Promise<Outcome<AccountInfo>> {
        const res = await ais(grant, 'getAccount', { accountNumber }, accountNumber);
        if (!res.ok) return res;
        const body = decodeAnswer(res.value, AccountResponse, 'getAccount');
        if (!body.ok) return body;
        return body.value.account === undefined ? err(unexpected('getAccount', 'no account')) : ok(body.value.account);
      }

      const record = <T>(value: T | RecordError, operation: string): Outcome<T> => (value instanceof RecordError ? err(unexpected(operation, value.message)) : ok(value));

      return {
        auth: {
          async begin({ redirectUri, state }) {
            // PolishAPI's authorize carries no PKCE parameters: the app's state binds the flow.
            const privilege = { scopeUsageLimit: 'multiple' };
            const history = { scopeUsageLimit: 'multiple', maxAllowedHistoryLong: historyDays };
            const res = await transport.call(
              'authorize',
              {
                response_type: 'code',
                client_id: config.clientId,
                redirect_uri: redirectUri,
                scope: 'ais',
                state,
                scope_details: {
                  consentId: randomUUID(),
                  scopeGroupType: 'ais',
                  scopeTimeLimit: nowIso(consentDays * DAY_MS),
                  throttlingPolicy: 'psd2Regulatory',
                  privilegeList: [
                    {
                      'ais-accounts:getAccounts': privilege,
                      'ais:getAccount': privilege,
                      ...Object.fromEntries(HISTORY_PRIVILEGES.map((p) => [p, history])),
                      'ais:getTransactionDetail': privilege,
                    },
                  ],
                },
              },
              { repeat: 'once' },
            );
            if (!res.ok) return res;
            if (res.value.status !== 200) return err(consentCallError(res.value, 'authorize'));
            const body = decodeAnswer(res.value, AuthorizeResponse, 'authorize');
            if (!body.ok) return body;
            return ok({ type: 'redirect', url: body.value.aspspRedirectUri });
          },

          async complete(input) {
            if (input.type !== 'redirect') return err(ConnectorErrors.unsupported({ message: 'PolishAPI uses the redirect flow' }));
            const { code, error } = input.callbackParams;
            if (error !== undefined) return err(callbackError(error));
            if (code === undefined || code === '') return err(ConnectorErrors.credentialsInvalid({ message: 'the bank redirected back without a code' }));
            const t = await tokenCall({ grant_type: 'authorization_code', Code: code, redirect_uri: input.redirectUri, client_id: config.clientId }, 'authorization_code');
            return t.ok ? granted(t.value, undefined) : t;
          },

          async refresh(grant) {
            if (grant.refreshToken === undefined) return err(ConnectorErrors.credentialsInvalid({ message: 'the bank issued no refresh token: the user must authorise again' }));
            const t = await tokenCall({ grant_type: 'refresh_token', refresh_token: Redacted.value(grant.refreshToken) }, 'refresh_token');
            return t.ok ? granted(t.value, grant) : t;
          },

          async revoke(grant) {
            const res = await transport.call('deleteConsent', { consentId: grant.consentId }, { repeat: 'read' });
            if (!res.ok) return res;
            return res.value.status === 200 || res.value.status === 204 ? okVoid : err(consentCallError(res.value, 'deleteConsent'));
          },
        },

        async *accounts(grant): PageStream<Account> {
          const pageIds = new Set<string>();
          let pageId: string | undefined;
          do {
            const res = await ais(grant, 'getAccounts', { perPage: pageSize, ...(pageId !== undefined ? { pageId } : {}) });
            const page = res.ok ? decodeAnswer(res.value, AccountsResponse, 'getAccounts') : res;
            if (!page.ok) {
              yield page;
              return;
            }
            const accounts: Account[] = [];
            for (const base of page.value.accounts ?? []) {
              // getAccounts has no currency or holder: each account's details come from getAccount.
              const info = await accountInfo(grant, base.accountNumber);
              const account = info.ok ? record(toAccount(base, info.value), 'getAccount') : info;
              if (!account.ok) {
                yield account;
                return;
              }
              accounts.push(account.value);
            }
            yield ok(accounts);
            pageId = page.value.pageInfo?.nextPage;
            if (pageId !== undefined && pageIds.has(pageId)) {
              yield err(ConnectorErrors.permanent({ code: 'page_loop', message: 'getAccounts: the bank sent a page id it had already served' }));
              return;
            }
            if (pageId !== undefined) pageIds.add(pageId);
          } while (pageId !== undefined && pageId !== '');
        },

        async *transactions(grant, { bankAccountId, kind, window }): PageStream<Transaction> {
          const { operation, field } = LIST_OF_KIND[kind];
          const dateField = kind !== 'hold' && manifest.dateFieldByKind[kind] === 'bookingDate' ? 'bookingDate' : 'transactionDate';
          const filters = Object.freeze({ accountNumber: bankAccountId, ...dateFilter(dateField, window), perPage: pageSize });
          const context = { readDate, currency };
          const sequenceOf = itemSequencer();
          for await (const page of listing(grant, operation, field, filters, bankAccountId, new Set())) {
            if (!page.ok) {
              yield page;
              return;
            }
            const out: Transaction[] = [];
            for (const item of page.value) {
              const t = record(toTransaction(item, kind, context), operation);
              if (!t.ok) {
                yield t;
                return;
              }
              const bankSequence = sequenceOf(item, kind);
              out.push(bankSequence === undefined ? t.value : { ...t.value, bankSequence });
            }
            yield ok(out);
          }
        },

        /**
         * The bank's closing balance of each day of the window that has bookings (the
         * `postTransactionBalance` of the day's last booked item, by booking date), and today's
         * booking balance from getAccount when today lies in the window.
         *
         * The account's details (getAccount) are what its balance stands on: when they came
         * back but the bank refused the done list for this account (an account-scope refusal,
         * not one to retry), today's balance alone is given — the seed's "accounts fetched,
         * transactions not": the account stays active, its transactions fail on their own.
         */
        async *balances(grant, { bankAccountId, window }): PageStream<DailyBalance> {
          const info = await accountInfo(grant, bankAccountId);
          if (!info.ok) {
            yield info;
            return;
          }
          const currencyCode = parseCurrencyCode(info.value.currency.toUpperCase());
          if (currencyCode._tag !== 'Success') {
            yield err(unexpected('getAccount', 'unknown currency'));
            return;
          }
          const accountCurrency: CurrencyCode = currencyCode.success;
          const today = dateInZone(clock.now(), timeZone);
          // Per booking day, the balances at its latest booking instant: the first and the last
          // seen there (same-instant bookings are ordered by the bank's list order).
          const closing = new Map<CalendarDate, { at: number; first: bigint; last: bigint }>();
          let firstAt: number | undefined;
          let lastAt: number | undefined;
          if (window.from <= today) {
            const filters = Object.freeze({ accountNumber: bankAccountId, ...dateFilter('bookingDate', window), perPage: pageSize });
            for await (const page of listing(grant, 'getTransactionsDone', 'transactions', filters, bankAccountId, new Set())) {
              if (!page.ok) {
                if (errorOutcome(page.error).scope !== 'account' || isRetryable(page.error)) {
                  yield page;
                  return;
                }
                closing.clear();
                firstAt = undefined;
                lastAt = undefined;
                break;
              }
              for (const item of page.value) {
                if (item.bookingDate === undefined || item.postTransactionBalance === undefined) continue;
                const t = record(toTransaction(item, 'booked', { readDate, currency: accountCurrency }), 'getTransactionsDone');
                if (!t.ok) {
                  yield t;
                  return;
                }
                const day = t.value.bookingDate;
                const balance = t.value.balanceAfterMinor;
                if (day === undefined || balance === undefined || !isInWindow(window, day)) continue;
                const at = Date.parse(item.bookingDate);
                firstAt ??= at;
                lastAt = at;
                const seen = closing.get(day);
                if (seen === undefined || at > seen.at) closing.set(day, { at, first: balance, last: balance });
                else if (at === seen.at) seen.last = balance;
              }
            }
          }
          // Lists are newest first unless the timestamps show otherwise.
          const newestFirst = firstAt === undefined || lastAt === undefined || firstAt >= lastAt;
          const balances: DailyBalance[] = [...closing.entries()].map(([date, c]) => ({ date, balanceMinor: newestFirst ? c.first : c.last, currency: accountCurrency }));
          if (isInWindow(window, today) && info.value.bookingBalance !== undefined) {
            const booking = amountMinor(info.value.bookingBalance, accountCurrency, true);
            if (booking instanceof RecordError) {
              yield err(unexpected('getAccount', booking.message));
              return;
            }
            const rest = balances.filter((b) => b.date !== today);
            rest.push({ date: today, balanceMinor: booking, currency: accountCurrency });
            balances.splice(0, balances.length, ...rest);
          }
          balances.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
          yield ok(balances);
        },
      };
    },
  });
}

/** The generic PolishAPI connector (id `polish-api`): give the bank's hosts with `extraAllowedHosts`, or define one per bank. */
export const polishApi: Connector = definePolishApiConnector();
