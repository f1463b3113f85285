/**
 * The handles tests hold on a PolishAPI bank: its run-time knobs, its test hooks (the PSU's
 * part without HTML, consent inspection, time) and its truth API (expected answers).
 */
import type { JWK } from 'jose';
import type { IsoDate } from '../calendar';
import type { FaultInjector } from '../faults';
import type { ItemKind, NewCancelledItem, NewDoneItem, NewHoldItem, NewPendingItem, NewRejectedItem, NewScheduledItem } from './activity';
import type { PolishApiBankSettings, PolishApiTokenLifetimes } from './config';
import type { ConsentRedirect, PolishApiConsentView } from './consents';
import type { Iban } from './iban';
import type { Json } from './render';

/** Run-time knobs of one bank. Amounts are signed minor units (bigint); account numbers as the API writes them. */
export interface PolishApiKnobs {
  /** Latency, error rates, queued failures, 429, hangs, malformed bodies, dropped connections. */
  readonly faults: FaultInjector;
  /** The current settings. */
  settings(): PolishApiBankSettings;
  /** Changes some settings (paging, order, history limits, SCA freshness, token lifetimes…); throws on invalid values. */
  set(patch: Partial<Omit<PolishApiBankSettings, 'tokenLifetimes'>> & { readonly tokenLifetimes?: Partial<PolishApiTokenLifetimes> }): void;
  /** Makes an account disappear: no longer listed; its operations answer 403 ACCOUNT_UNAVAILABLE (or 400). */
  removeAccount(accountNumber: string, options?: { readonly status?: 400 | 403 }): void;
  /** Brings a removed account back. */
  restoreAccount(accountNumber: string): void;
  /** Books a transaction now (or on `date`) and returns it as getTransactionsDone lists it. */
  insertTransaction(accountNumber: string, tx: NewDoneItem): Json;
  /** Books `tx` right after page `page` (1 = first) of the account's getTransactionsDone has been served. */
  insertTransactionAfterPage(accountNumber: string, page: number, tx: NewDoneItem): void;
  /** Adds a pending transfer (optionally booking on `bookOn`); returns it as getTransactionsPending lists it. */
  addPending(accountNumber: string, item: NewPendingItem): Json;
  /** Books every pending transfer of the account today (same itemId, trade date kept); returns how many. */
  bookPending(accountNumber: string): number;
  /** Adds a card hold (optionally settling on `settleOn`); returns it as getHolds lists it. */
  addHold(accountNumber: string, item: NewHoldItem): Json;
  /** Adds a scheduled payment; returns it as getTransactionsScheduled lists it. */
  addScheduled(accountNumber: string, item: NewScheduledItem): Json;
  /** Adds a rejected payment; returns it as getTransactionsRejected lists it. */
  addRejected(accountNumber: string, item: NewRejectedItem): Json;
  /** Adds a cancelled payment; returns it as getTransactionsCancelled lists it. */
  addCancelled(accountNumber: string, item: NewCancelledItem): Json;
  /**
   * Sends `Retry-After: value` with every injected `status` fault of this status (e.g. a 503
   * maintenance answer, or a 429 with an HTTP date); undefined removes it.
   */
  setRetryAfter(status: number, value: string | undefined): void;
  /** Makes a pending, hold or scheduled item disappear now (as a released hold does). */
  removeItem(accountNumber: string, itemId: string): void;
  /** Invalidates every access and refresh token (the bank forces every PSU through SCA again). */
  revokeAllTokens(): void;
  /**
   * Puts another public key on file for a TPP (its certificate was replaced at the bank):
   * requests signed with the client's own key are refused with INVALID_SIGNATURE until
   * {@link reset}.
   */
  replaceClientKey(clientId: string, publicJwk: JWK): void;
  /** Back to the configured settings and faults; client keys as configured, removed accounts restored, queued inserts dropped, Retry-After values cleared. */
  reset(): void;
}

/** Shortcuts for tests: the PSU's part of the authorization without HTML, consent inspection, time. */
export interface PolishApiTestHooks {
  /**
   * Does what the PSU does on the bank's pages — logs in as `user`, passes SCA and approves
   * (for `accounts`, default all of the user's) — and returns the redirect to the TPP.
   * `aspspRedirectUri` is the URI POST /authorize returned (or just its flow id).
   */
  approveConsent(aspspRedirectUri: string, options: { readonly user: string; readonly accounts?: readonly string[] }): ConsentRedirect;
  /** The PSU rejects: the redirect carries `error=access_denied`. */
  rejectConsent(aspspRedirectUri: string): ConsentRedirect;
  /** A consent by id (`clientId` needed only when two clients used the same id). */
  consent(consentId: string, clientId?: string): PolishApiConsentView | undefined;
  /** Every consent. */
  consents(): PolishApiConsentView[];
  /** Ends a consent now, as if its scopeTimeLimit had come. */
  expireConsent(consentId: string, clientId?: string): void;
  /** The PSU withdraws the consent at the bank itself (not through the TPP): its tokens stop working, AIS calls answer 401 CONSENT_REVOKED. */
  deleteConsent(consentId: string, clientId?: string): void;
  /** Moves a `manualClock()` forward by whole days (throws for other clocks); items evolve on the next request. */
  advance(days: number): void;
  /** Today in the bank's zone. */
  today(): IsoDate;
}

/** One account as the truth API reports it. */
export interface PolishApiTruthAccount {
  readonly accountNumber: Iban;
  readonly login: string;
  readonly kind: string;
  readonly currency: string;
  readonly bookingBalance: string;
  readonly availableBalance: string;
  readonly removed: boolean;
}

/** Filters of {@link PolishApiTruth.items}: the request's, as `YYYY-MM-DD` strings. */
export interface PolishApiTruthFilter {
  readonly transactionDateFrom?: IsoDate;
  readonly transactionDateTo?: IsoDate;
  readonly bookingDateFrom?: IsoDate;
  readonly bookingDateTo?: IsoDate;
}

/** What the bank holds, without HTTP, consents or limits: the expected answers of tests. */
export interface PolishApiTruth {
  /** Today in the bank's zone. */
  today(): IsoDate;
  /** Every account (of one PSU when `login` is given). */
  accounts(login?: string): PolishApiTruthAccount[];
  /** Every item of a list, in the bank's order and spec shape, exactly as the paged API would return them all. */
  items(accountNumber: string, kind: ItemKind, filter?: PolishApiTruthFilter): Json[];
}

/** The public part of the bank's response-signing key. */
export interface BankSigningKey {
  /** Public JWK (with `kid` and `alg`). */
  readonly publicJwk: JWK;
  /** Signs a response body (detached JWS). */
  sign(body: string): Promise<string>;
}
