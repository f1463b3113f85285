/**
 * Configuration of the PolishAPI sandbox: the bank (ASPSP) it plays, the TPP clients
 * registered there (client id, public signing key, redirect URIs), the PSUs and their
 * accounts, and the bank's behaviour settings (paging, history limits, SCA freshness,
 * token lifetimes). Everything has a default except clients and users.
 */
import type { JWK } from 'jose';
import { assertTimeZone, dayNumber, isIsoDate } from '../calendar';
import type { FaultSettings } from '../faults';
import type { ItemKind } from './activity';
import { polishBank } from './banks';

/** The kinds of account a PSU can hold. */
export type PolishAccountKind = 'personal' | 'savings' | 'business';

/** One account of a PSU. */
export interface PolishApiAccountConfig {
  /** Personal current account (ROR, default for individuals), savings, or business (default for corporations). */
  readonly kind?: PolishAccountKind;
  /** ISO 4217 currency with two decimals (default PLN). */
  readonly currency?: string;
  /** Booked transactions over the history (0 to millions); default: the user's `transactionsPerAccount`. */
  readonly transactions?: number;
  /** Days of booked history before the anchor date; default: the user's `historyDays`. */
  readonly historyDays?: number;
  /** Balance before the first transaction, in minor units (grosze); default: generated from the seed. */
  readonly openingBalance?: bigint;
  /** Whether booked transactions keep appearing day by day as the clock passes the anchor date (default true). */
  readonly ongoing?: boolean;
  /** Whether pending, hold, scheduled, rejected and cancelled items are generated (default true). */
  readonly activity?: boolean;
  /** The name the PSU gave the account (`accountNameClient`, ≤ 32 characters). */
  readonly name?: string;
  /**
   * An exact layout of the booked history instead of a generated spread: booked transactions
   * per booking date (`{ '2020-05-01': 3, '2020-05-04': 1 }`). The history starts on the
   * earliest date; days not named have none, and none are added after the last date.
   * Excludes `transactions`, `historyDays` and `ongoing`. With kind `savings` every trade
   * date equals its booking date (the savings profile has no card payments).
   */
  readonly transactionsByDate?: Readonly<Record<string, number>>;
}

/** A PSU (end user) of the bank. */
export interface PolishApiUserConfig {
  /** Login (the PSU identifier on the bank's login page and in {@link PolishApiTestHooks.approveConsent}). */
  readonly login: string;
  /** Password on the bank's login page. */
  readonly password: string;
  /** The one-time code of the strong authentication step (default `123456`). */
  readonly scaCode?: string;
  /** Full name (individual) or company name; default generated from the seed. */
  readonly name?: string;
  /** Address lines (street, `postcode city`); default generated from the seed. */
  readonly address?: readonly string[];
  /** `individual` (default) or `corporation`. */
  readonly holderType?: 'individual' | 'corporation';
  /** Number of accounts (kinds chosen for the holder type) or each account's settings; default 1. */
  readonly accounts?: number | readonly PolishApiAccountConfig[];
  /** Default number of booked transactions per account (default 1,500). */
  readonly transactionsPerAccount?: number;
  /** Default history length in days (default 1,460: the longest history a consent may grant). */
  readonly historyDays?: number;
  /** What the bank does to this PSU besides serving its data (the personas of `pnpm start`); default nothing. */
  readonly behaviour?: PolishApiUserBehaviour;
}

/**
 * How the bank treats one PSU (a persona): each field is one of the refresh document's
 * outcomes, reached through the ordinary API. Account positions are 0-based in `accounts`.
 */
export interface PolishApiUserBehaviour {
  /**
   * Accounts the bank lists once — in the PSU's first getAccounts listing — and never again:
   * later listings omit them and their operations answer 403 ACCOUNT_UNAVAILABLE. (A listing
   * is a getAccounts first page; each sync makes one.)
   */
  readonly accountsGoneAfterFirstListing?: readonly number[];
  /** Lists the bank refuses for this PSU: which kinds, on which accounts (default every one), with which status. */
  readonly failingLists?: { readonly kinds: readonly ItemKind[]; readonly accounts?: readonly number[]; readonly status: 400 | 500 | 503 };
  /**
   * From the PSU's second getAccounts listing on (the next sync after the first), every
   * account-information request on its consents is refused as badly signed (422
   * INVALID_SIGNATURE), as when the TPP's key on file changed.
   */
  readonly refuseSignaturesAfterFirstListing?: boolean;
  /** The bank grants the consent for this many minutes only: its scopeTimeLimit (in the token's scope_details) is that long after approval. */
  readonly consentMinutes?: number;
  /** The bank ends the consent this many minutes after approval, before its scopeTimeLimit: requests then answer 401 CONSENT_EXPIRED. */
  readonly bankEndsConsentAfterMinutes?: number;
  /**
   * Pending, hold and scheduled items that change between syncs, on the account at this
   * position: the PSU's first account listing (its first sync) finds a pending transfer, a
   * card hold and two scheduled payments (executing in 7 and 14 days); from the second
   * listing (the next sync) on, the pending has booked, the hold has disappeared, the first
   * scheduled payment has executed (booked today) and the second is cancelled (it lists as
   * cancelled). See `AccountActivity.changeBetweenSyncs`.
   */
  readonly changingItemsOnAccount?: number;
}

/** A TPP registered at the bank: how the sandbox recognises and verifies its requests. */
export interface PolishApiClientConfig {
  /** `client_id` of the TPP. */
  readonly clientId: string;
  /** Display name on the consent page (default: the client id). */
  readonly name?: string;
  /**
   * The public key the TPP signs requests with (X-JWS-SIGNATURE). The JWS header's `kid`
   * must equal the key's `kid`, or the client id when the key has none.
   */
  readonly publicJwk: JWK;
  /** Redirect URIs the TPP registered; `redirect_uri` must equal one of them exactly. */
  readonly redirectUris: readonly string[];
  /**
   * Loopback redirect URIs (`http://127.0.0.1/…`, `http://localhost/…`) match on any port, as
   * RFC 8252 §7.3 has it for native apps (default false: exact match). For a TPP on a port
   * chosen at start, like `pnpm start` with PORT=0.
   */
  readonly loopbackRedirectAnyPort?: boolean;
}

/** Lifetimes of what the authorization server issues. */
export interface PolishApiTokenLifetimes {
  /** Access token, in seconds (default 3,600). */
  readonly accessTokenSeconds: number;
  /** Refresh token, in seconds; null (default) means until the consent's `scopeTimeLimit`. */
  readonly refreshTokenSeconds: number | null;
  /** Authorization code, in seconds (default 300). */
  readonly authorizationCodeSeconds: number;
  /** The PSU's login/approval pages after POST /authorize, in seconds (default 900). */
  readonly authorizationFlowSeconds: number;
}

/** Default token lifetimes. */
export const DEFAULT_POLISH_API_TOKEN_LIFETIMES: PolishApiTokenLifetimes = {
  accessTokenSeconds: 3_600,
  refreshTokenSeconds: null,
  authorizationCodeSeconds: 300,
  authorizationFlowSeconds: 900,
};

/** Behaviour of the bank that tests may change at run time (see {@link PolishApiKnobs.set}). */
export interface PolishApiBankSettings {
  /** Items per page when the request gives no `perPage` (default 50). */
  readonly defaultPerPage: number;
  /** Largest page; a bigger `perPage` is served as this (default 500). */
  readonly maxPerPage: number;
  /** Order of every list: newest first (default, as statements are) or oldest first. */
  readonly order: 'newest-first' | 'oldest-first';
  /**
   * How date-time fields are written: with the zone offset (default; RFC 3339, as
   * `format: date-time` requires) or as local time `YYYY-MM-DDThh:mm:ss` (the spec's descriptions).
   */
  readonly dateTimeFormat: 'offset' | 'local';
  /** Masks account numbers in getAccounts (the spec allows "partly masked"); default false. */
  readonly maskAccountNumbers: boolean;
  /** Token lifetimes. */
  readonly tokenLifetimes: PolishApiTokenLifetimes;
  /** How long an access token from the authorization-code grant counts as fresh SCA, in minutes (default 60). */
  readonly scaFreshnessMinutes: number;
  /** How many days back the bank answers without fresh SCA (default 90, PSD2 RTS art. 10). */
  readonly unattendedHistoryDays: number;
  /** A request reaching further back than allowed is refused with 403 (default) or silently clamped. */
  readonly historyLimitMode: 'refuse' | 'clamp';
  /** Accesses per account per day without the PSU present (`isDirectPsu` false) before 429; null (default) means unlimited. */
  readonly unattendedAccessesPerDay: number | null;
  /** A refresh returns a new refresh token and retires the old one (default true). */
  readonly refreshTokenRotation: boolean;
  /** A refresh also revokes the access token issued with the refresh token it spends (default false: it lives until it expires). */
  readonly refreshRevokesAccessToken: boolean;
}

/** Default bank settings. */
export const DEFAULT_POLISH_API_SETTINGS: PolishApiBankSettings = {
  defaultPerPage: 50,
  maxPerPage: 500,
  order: 'newest-first',
  dateTimeFormat: 'offset',
  maskAccountNumbers: false,
  tokenLifetimes: DEFAULT_POLISH_API_TOKEN_LIFETIMES,
  scaFreshnessMinutes: 60,
  unattendedHistoryDays: 90,
  historyLimitMode: 'refuse',
  unattendedAccessesPerDay: null,
  refreshTokenRotation: true,
  refreshRevokesAccessToken: false,
};

/** Options of one bank besides its clients and users. */
export interface PolishApiBankOptions extends Partial<Omit<PolishApiBankSettings, 'tokenLifetimes'>> {
  /** 3-digit bank code of the settlement numbers (default `105`); known codes give the real name and BIC. */
  readonly bankCode?: string;
  /** Overrides the bank's name. */
  readonly bankName?: string;
  /** Overrides the bank's BIC (8 characters). */
  readonly bic?: string;
  /** Token lifetimes (defaults: {@link DEFAULT_POLISH_API_TOKEN_LIFETIMES}). */
  readonly tokenLifetimes?: Partial<PolishApiTokenLifetimes>;
  /** The bank's time zone (default Europe/Warsaw): "today", and the dates of every item. */
  readonly timeZone?: string;
  /** Fault settings at start. */
  readonly faults?: Partial<FaultSettings>;
  /** Port to listen on (default 0: a random free port). */
  readonly port?: number;
}

/** One bank of the sandbox. */
export interface PolishApiBankConfig extends PolishApiBankOptions {
  /** Registered TPPs. */
  readonly clients: readonly PolishApiClientConfig[];
  /** PSUs. */
  readonly users: readonly PolishApiUserConfig[];
}

/** An account config with defaults filled in. */
export interface NormalisedPolishAccount {
  readonly kind: PolishAccountKind;
  readonly currency: string;
  readonly transactions: number;
  readonly historyDays: number;
  readonly openingBalance: number | undefined;
  readonly ongoing: boolean;
  readonly activity: boolean;
  readonly name: string | undefined;
  /** Booked transactions per day number, for a laid-out history (see {@link PolishApiAccountConfig.transactionsByDate}). */
  readonly layout: ReadonlyMap<number, number> | undefined;
}

/** A user config with defaults filled in (name and address stay optional: they come from the seed). */
export interface NormalisedPolishUser {
  readonly login: string;
  readonly password: string;
  readonly scaCode: string;
  readonly name: string | undefined;
  readonly address: readonly string[] | undefined;
  readonly holderType: 'individual' | 'corporation';
  readonly accounts: readonly NormalisedPolishAccount[];
  readonly behaviour: PolishApiUserBehaviour;
}

/** A bank config with every default filled in and every value checked. */
export interface NormalisedPolishBank {
  readonly bankCode: string;
  readonly bankName: string;
  readonly bic: string;
  readonly bankAddress: readonly string[];
  readonly timeZone: string;
  readonly clients: readonly PolishApiClientConfig[];
  readonly users: readonly NormalisedPolishUser[];
  readonly settings: PolishApiBankSettings;
  readonly faults: Partial<FaultSettings>;
  readonly port: number;
}

/** The default `scaCode` of users that set none. */
export const DEFAULT_SCA_CODE = '123456';

const MAX_TRANSACTIONS = 10_000_000;
const MAX_HISTORY_DAYS = 36_500;

/** Fills in defaults and checks a bank config; throws a descriptive error when it is wrong. */
export function normalisePolishBank(config: PolishApiBankConfig): NormalisedPolishBank {
  const bankCode = config.bankCode ?? '105';
  const where = `PolishAPI bank ${bankCode}`;
  if (!/^\d{3}$/.test(bankCode)) throw new Error(`${where}: bankCode must be 3 digits`);
  const known = polishBank(bankCode);
  const bic = config.bic ?? known?.bic ?? `KNKO${bankCode}0`.slice(0, 8);
  if (!/^[A-Z0-9]{8}$/.test(bic)) throw new Error(`${where}: bic must be 8 letters or digits`);
  const timeZone = config.timeZone ?? 'Europe/Warsaw';
  assertTimeZone(timeZone);
  const port = config.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${where}: invalid port`);
  const clientIds = new Set<string>();
  for (const c of config.clients) {
    if (!c.clientId) throw new Error(`${where}: clients need a clientId`);
    if (clientIds.has(c.clientId)) throw new Error(`${where}: duplicate client ${c.clientId}`);
    clientIds.add(c.clientId);
    if (typeof c.publicJwk !== 'object' || c.publicJwk === null || typeof c.publicJwk.kty !== 'string') throw new Error(`${where}: client ${c.clientId}: publicJwk must be a JWK`);
    if ('d' in c.publicJwk && c.publicJwk.d !== undefined) throw new Error(`${where}: client ${c.clientId}: publicJwk must be a public key (it has "d")`);
    if (c.redirectUris.length === 0) throw new Error(`${where}: client ${c.clientId}: at least one redirect URI is required`);
    for (const uri of c.redirectUris) {
      let url: URL;
      try {
        url = new URL(uri);
      } catch {
        throw new Error(`${where}: client ${c.clientId}: redirect URI "${uri}" is not absolute`);
      }
      if ((url.protocol !== 'https:' && url.protocol !== 'http:') || uri.includes('#')) throw new Error(`${where}: client ${c.clientId}: redirect URI "${uri}" must be http(s) without a fragment`);
    }
  }
  const logins = new Set<string>();
  const users = config.users.map((u): NormalisedPolishUser => {
    if (!u.login || !u.password) throw new Error(`${where}: users need a login and a password`);
    if (logins.has(u.login)) throw new Error(`${where}: duplicate user ${u.login}`);
    logins.add(u.login);
    const scaCode = u.scaCode ?? DEFAULT_SCA_CODE;
    if (scaCode === '') throw new Error(`${where}: user ${u.login}: empty scaCode`);
    const holderType = u.holderType ?? 'individual';
    const perAccount = u.transactionsPerAccount ?? 1_500;
    const historyDays = u.historyDays ?? 1_460;
    const list = typeof u.accounts === 'number' || u.accounts === undefined ? defaultAccounts(u.accounts ?? 1, holderType) : u.accounts;
    const accounts = list.map((a): NormalisedPolishAccount => {
      if (a.transactionsByDate !== undefined) return laidOutAccount(a, holderType, `${where}: user ${u.login}`);
      const transactions = a.transactions ?? perAccount;
      const days = a.historyDays ?? historyDays;
      if (!Number.isInteger(transactions) || transactions < 0 || transactions > MAX_TRANSACTIONS) throw new Error(`${where}: user ${u.login}: transactions must be an integer in 0..${MAX_TRANSACTIONS}`);
      if (!Number.isInteger(days) || days < 0 || days > MAX_HISTORY_DAYS) throw new Error(`${where}: user ${u.login}: historyDays must be an integer in 0..${MAX_HISTORY_DAYS}`);
      if (transactions > 0 && days === 0) throw new Error(`${where}: user ${u.login}: transactions need historyDays ≥ 1`);
      const currency = a.currency ?? 'PLN';
      if (!/^[A-Z]{3}$/.test(currency)) throw new Error(`${where}: user ${u.login}: currency must be an ISO 4217 code`);
      let openingBalance: number | undefined;
      if (a.openingBalance !== undefined) {
        if (a.openingBalance < BigInt(Number.MIN_SAFE_INTEGER) || a.openingBalance > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${where}: user ${u.login}: openingBalance out of range`);
        openingBalance = Number(a.openingBalance);
      }
      if (a.name !== undefined && a.name.length > 32) throw new Error(`${where}: user ${u.login}: account name longer than 32 characters`);
      return {
        kind: a.kind ?? (holderType === 'corporation' ? 'business' : 'personal'),
        currency,
        transactions,
        historyDays: days,
        openingBalance,
        ongoing: a.ongoing ?? true,
        activity: a.activity ?? true,
        name: a.name,
        layout: undefined,
      };
    });
    const behaviour = checkBehaviour(u.behaviour ?? {}, accounts.length, `${where}: user ${u.login}`);
    return { login: u.login, password: u.password, scaCode, name: u.name, address: u.address, holderType, accounts, behaviour };
  });
  const settings = checkSettings({
    ...DEFAULT_POLISH_API_SETTINGS,
    ...definedOnly({
      defaultPerPage: config.defaultPerPage,
      maxPerPage: config.maxPerPage,
      order: config.order,
      dateTimeFormat: config.dateTimeFormat,
      maskAccountNumbers: config.maskAccountNumbers,
      scaFreshnessMinutes: config.scaFreshnessMinutes,
      unattendedHistoryDays: config.unattendedHistoryDays,
      historyLimitMode: config.historyLimitMode,
      unattendedAccessesPerDay: config.unattendedAccessesPerDay,
      refreshTokenRotation: config.refreshTokenRotation,
      refreshRevokesAccessToken: config.refreshRevokesAccessToken,
    }),
    tokenLifetimes: { ...DEFAULT_POLISH_API_TOKEN_LIFETIMES, ...config.tokenLifetimes },
  });
  return {
    bankCode,
    bankName: config.bankName ?? known?.name ?? `Bank ${bankCode}`,
    bic,
    bankAddress: known?.address ?? ['ul. Przykładowa 1', '00-001 Warszawa'],
    timeZone,
    clients: config.clients,
    users,
    settings,
    faults: config.faults ?? {},
    port,
  };
}

/** Checks every setting; returns them unchanged or throws a descriptive error. */
export function checkSettings(s: PolishApiBankSettings): PolishApiBankSettings {
  const positiveInt = (name: string, v: number, max: number): void => {
    if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`${name} must be an integer in 1..${max}`);
  };
  positiveInt('defaultPerPage', s.defaultPerPage, 100_000);
  positiveInt('maxPerPage', s.maxPerPage, 100_000);
  if (s.defaultPerPage > s.maxPerPage) throw new Error('defaultPerPage must not exceed maxPerPage');
  if (s.order !== 'newest-first' && s.order !== 'oldest-first') throw new Error('order must be newest-first or oldest-first');
  if (s.dateTimeFormat !== 'offset' && s.dateTimeFormat !== 'local') throw new Error('dateTimeFormat must be offset or local');
  if (!Number.isFinite(s.scaFreshnessMinutes) || s.scaFreshnessMinutes < 0) throw new Error('scaFreshnessMinutes must be ≥ 0');
  if (!Number.isInteger(s.unattendedHistoryDays) || s.unattendedHistoryDays < 0 || s.unattendedHistoryDays > 1460) throw new Error('unattendedHistoryDays must be an integer in 0..1460');
  if (s.historyLimitMode !== 'refuse' && s.historyLimitMode !== 'clamp') throw new Error('historyLimitMode must be refuse or clamp');
  if (s.unattendedAccessesPerDay !== null) positiveInt('unattendedAccessesPerDay', s.unattendedAccessesPerDay, 1_000_000);
  if (typeof s.refreshTokenRotation !== 'boolean' || typeof s.refreshRevokesAccessToken !== 'boolean') throw new Error('refreshTokenRotation and refreshRevokesAccessToken must be booleans');
  const t = s.tokenLifetimes;
  for (const [name, v] of Object.entries(t)) {
    if (name === 'refreshTokenSeconds' && v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`tokenLifetimes.${name} must be a positive number of seconds`);
  }
  return s;
}

/** Checks a PSU's behaviour against its accounts; returns it unchanged or throws naming the field. */
function checkBehaviour(b: PolishApiUserBehaviour, accounts: number, where: string): PolishApiUserBehaviour {
  const positions = (name: string, list: readonly number[] | undefined): void => {
    for (const i of list ?? []) if (!Number.isInteger(i) || i < 0 || i >= accounts) throw new Error(`${where}: behaviour.${name}: ${i} is not an account position in 0..${accounts - 1}`);
  };
  positions('accountsGoneAfterFirstListing', b.accountsGoneAfterFirstListing);
  positions('changingItemsOnAccount', b.changingItemsOnAccount === undefined ? undefined : [b.changingItemsOnAccount]);
  if (b.failingLists !== undefined) {
    positions('failingLists.accounts', b.failingLists.accounts);
    if (b.failingLists.kinds.length === 0) throw new Error(`${where}: behaviour.failingLists.kinds is empty`);
    if (![400, 500, 503].includes(b.failingLists.status)) throw new Error(`${where}: behaviour.failingLists.status must be 400, 500 or 503`);
  }
  for (const name of ['consentMinutes', 'bankEndsConsentAfterMinutes'] as const) {
    const v = b[name];
    if (v !== undefined && (!Number.isFinite(v) || v <= 0)) throw new Error(`${where}: behaviour.${name} must be a positive number of minutes`);
  }
  return b;
}

/** Checks an account with `transactionsByDate` and turns its dates into day numbers. */
function laidOutAccount(a: PolishApiAccountConfig, holderType: 'individual' | 'corporation', where: string): NormalisedPolishAccount {
  if (a.transactions !== undefined || a.historyDays !== undefined || a.ongoing === true) {
    throw new Error(`${where}: transactionsByDate excludes transactions, historyDays and ongoing`);
  }
  const layout = new Map<number, number>();
  let total = 0;
  for (const [date, count] of Object.entries(a.transactionsByDate ?? {})) {
    if (!isIsoDate(date)) throw new Error(`${where}: transactionsByDate: ${date} is not a date YYYY-MM-DD`);
    if (!Number.isInteger(count) || count < 0) throw new Error(`${where}: transactionsByDate: ${date} needs an integer count ≥ 0`);
    layout.set(dayNumber(date), count);
    total += count;
  }
  if (layout.size === 0) throw new Error(`${where}: transactionsByDate names no date`);
  if (total > MAX_TRANSACTIONS) throw new Error(`${where}: transactionsByDate holds more than ${MAX_TRANSACTIONS} transactions`);
  const currency = a.currency ?? 'PLN';
  if (!/^[A-Z]{3}$/.test(currency)) throw new Error(`${where}: currency must be an ISO 4217 code`);
  if (a.openingBalance !== undefined && (a.openingBalance < BigInt(Number.MIN_SAFE_INTEGER) || a.openingBalance > BigInt(Number.MAX_SAFE_INTEGER))) {
    throw new Error(`${where}: openingBalance out of range`);
  }
  if (a.name !== undefined && a.name.length > 32) throw new Error(`${where}: account name longer than 32 characters`);
  const days = [...layout.keys()];
  return {
    kind: a.kind ?? (holderType === 'corporation' ? 'business' : 'personal'),
    currency,
    transactions: total,
    historyDays: Math.max(...days) - Math.min(...days) + 1,
    openingBalance: a.openingBalance === undefined ? undefined : Number(a.openingBalance),
    ongoing: false,
    activity: a.activity ?? true,
    name: a.name,
    layout,
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function defaultAccounts(count: number, holderType: 'individual' | 'corporation'): PolishApiAccountConfig[] {
  if (!Number.isInteger(count) || count < 0 || count > 10_000) throw new Error('accounts must be an integer in 0..10000');
  const cycle: PolishAccountKind[] = holderType === 'individual' ? ['personal', 'savings'] : ['business'];
  return Array.from({ length: count }, (_, i) => ({ kind: cycle[i % cycle.length] as PolishAccountKind }));
}
