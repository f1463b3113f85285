/**
 * Configuration of the 銀行共通API sandbox: banks, their registered client, their users
 * and accounts, and their options. Everything has a default except what identifies a
 * bank (its code), its client and its users.
 */
import { assertTimeZone, dayNumber, isIsoDate } from '../calendar';
import type { FaultSettings } from '../faults';
import { displayBankName, zenginBank } from '../zengin';
import { DEFAULT_TOKEN_LIFETIMES, type RefreshReusePolicy, type TokenLifetimes } from './tokens';

/** The kinds of account a user can hold. */
export type AccountKind = 'ordinary' | 'current' | 'general' | 'time' | 'credit-card';

/** One account of a user. */
export interface SandboxAccountConfig {
  /** 普通 (ordinary, default), 当座 (current), 総合 (general), 定期 (time) or a credit card (account_type1 `cc`). */
  readonly kind?: AccountKind;
  /** Listed transactions over the history (0 to millions); default: the user's `transactionsPerAccount`. */
  readonly transactions?: number;
  /** Days of history before the anchor date; default: the user's `historyDays`. */
  readonly historyDays?: number;
  /** Balance before the first transaction, in whole yen; default: generated from the seed. */
  readonly openingBalance?: number;
  /** Whether new transactions keep appearing day by day as the clock passes the anchor date (default true). */
  readonly ongoing?: boolean;
  /**
   * An exact layout instead of a generated spread: listed transactions per date
   * (`{ '2026-01-10': 3, '2026-01-12': 1 }`). The history starts on the earliest date; days
   * not named have none, and none are added after the last date. Excludes `transactions`,
   * `historyDays` and `ongoing`.
   */
  readonly transactionsByDate?: Readonly<Record<string, number>>;
}

/** An end user of a bank. */
export interface SandboxUserConfig {
  /** Login id. */
  readonly id: string;
  /** Login password. */
  readonly password: string;
  /** When set, the login page asks for this one-time password after the password (POST /auth/login takes password + otp concatenated). */
  readonly otp?: string;
  /** `p` (個人, default) or `c` (法人). */
  readonly ownerType?: 'p' | 'c';
  /** Number of accounts (kinds chosen for the owner type) or each account's settings; default 1. */
  readonly accounts?: number | readonly SandboxAccountConfig[];
  /** Default number of transactions per account (default 300). */
  readonly transactionsPerAccount?: number;
  /** Default history length in days (default 365). */
  readonly historyDays?: number;
  /** What the bank does to this user besides serving its data (the personas of `pnpm start`); default nothing. */
  readonly behaviour?: SandboxUserBehaviour;
}

/** How the bank treats one user (a persona). Account positions are 0-based in `accounts`. */
export interface SandboxUserBehaviour {
  /** Accounts GET /accounts lists once — the user's first listing — and never again: later their calls answer 400 unknown account_id. */
  readonly accountsGoneAfterFirstListing?: readonly number[];
  /** Accounts whose GET /transactions answers 500 (server_error). */
  readonly failingTransactions?: readonly number[];
  /**
   * The user's tokens are short-lived: access tokens live `accessTokenSeconds`, and the
   * refresh token dies `refreshTokenSeconds` after the user's login — a refresh does not
   * extend it. Afterwards the bank answers 401 until the user logs in again.
   */
  readonly shortTokens?: { readonly accessTokenSeconds: number; readonly refreshTokenSeconds: number };
}

/** The client (AP) registered at the bank: the connector's credentials. */
export interface BankCommonApiClientConfig {
  /** API key. */
  readonly apiKey: string;
  /** Client password (sent with the API key). */
  readonly password: string;
  /** Host names a redirect_uri may point to (compared with the URI's host, case-insensitive, port ignored). */
  readonly redirectDomains: readonly string[];
}

/** One bank of the sandbox. */
export interface BankCommonApiBankConfig {
  /** Real bank code known to zengin-code, e.g. `0001` (みずほ). */
  readonly bankCode: string;
  /** Overrides the name from zengin-code. */
  readonly bankName?: string;
  /** The bank's name in Latin script, for English (and Polish) pages, e.g. `Mizuho Bank`; default: `bankName`. */
  readonly englishName?: string;
  /** The registered client. */
  readonly client: BankCommonApiClientConfig;
  /** End users. */
  readonly users: readonly SandboxUserConfig[];
  /** Whether POST /auth/login is offered (404 when not); default true. */
  readonly passwordLogin?: boolean;
  /** Items per page of every list (spec: 200). */
  readonly pageSize?: number;
  /** The bank's time zone (default Asia/Tokyo). */
  readonly timeZone?: string;
  /** Order of /transactions: oldest first (default; new transactions go to the last page) or newest first. */
  readonly transactionOrder?: 'oldest-first' | 'newest-first';
  /**
   * Format of a transaction's `date`: an ISO 8601 date-time with offset (default; the spec's
   * description and example) or a plain date (the spec's `format: date`).
   */
  readonly transactionDateFormat?: 'date-time' | 'date';
  /** Masks account numbers with `*` except the last three digits (the spec allows masking). */
  readonly maskAccountNumbers?: boolean;
  /** What happens when a rotated refresh token is used again (default `reject`: 401 only). */
  readonly refreshTokenReuse?: RefreshReusePolicy;
  /** Token lifetimes in seconds (defaults: the spec's recommendations). */
  readonly tokenLifetimes?: Partial<TokenLifetimes>;
  /** Fault settings at start. */
  readonly faults?: Partial<FaultSettings>;
  /** Port to listen on (default 0: a random free port). */
  readonly port?: number;
}

/** A bank config with every default filled in and every value checked. */
export interface NormalisedBankConfig {
  readonly bankCode: string;
  readonly bankName: string;
  readonly englishName: string;
  readonly client: BankCommonApiClientConfig;
  readonly users: readonly NormalisedUser[];
  readonly passwordLogin: boolean;
  readonly pageSize: number;
  readonly timeZone: string;
  readonly transactionOrder: 'oldest-first' | 'newest-first';
  readonly transactionDateFormat: 'date-time' | 'date';
  readonly maskAccountNumbers: boolean;
  readonly refreshTokenReuse: RefreshReusePolicy;
  readonly tokenLifetimes: TokenLifetimes;
  readonly faults: Partial<FaultSettings>;
  readonly port: number;
}

/** A user with its accounts spelled out. */
export interface NormalisedUser {
  readonly id: string;
  readonly password: string;
  readonly otp: string | undefined;
  readonly ownerType: 'p' | 'c';
  readonly accounts: readonly NormalisedAccount[];
  readonly behaviour: SandboxUserBehaviour;
}

/** An account config with defaults filled in (the opening balance stays optional: it comes from the seed). */
export interface NormalisedAccount {
  readonly kind: AccountKind;
  readonly transactions: number;
  readonly historyDays: number;
  readonly ongoing: boolean;
  readonly openingBalance: number | undefined;
  /** Listed transactions per day number, for a laid-out history (see {@link SandboxAccountConfig.transactionsByDate}). */
  readonly layout: ReadonlyMap<number, number> | undefined;
}

const MAX_TRANSACTIONS = 10_000_000;
const MAX_HISTORY_DAYS = 36_500;

/** Fills in defaults and checks a bank config; throws a descriptive error when it is wrong. */
export function normaliseBankConfig(config: BankCommonApiBankConfig): NormalisedBankConfig {
  const where = `bank ${config.bankCode}`;
  const zengin = zenginBank(config.bankCode);
  if (!/^\d{4}$/.test(config.bankCode) || !zengin) throw new Error(`${where}: not a bank code known to zengin-code`);
  const { client } = config;
  if (!client.apiKey || !client.password) throw new Error(`${where}: client apiKey and password are required`);
  if (client.redirectDomains.length === 0) throw new Error(`${where}: at least one redirect domain is required`);
  const pageSize = config.pageSize ?? 200;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000) throw new Error(`${where}: pageSize must be an integer in 1..10000`);
  const timeZone = config.timeZone ?? 'Asia/Tokyo';
  assertTimeZone(timeZone);
  const port = config.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${where}: invalid port`);
  const tokenLifetimes = { ...DEFAULT_TOKEN_LIFETIMES, ...config.tokenLifetimes };
  checkLifetimes(tokenLifetimes, where);
  const ids = new Set<string>();
  const users = config.users.map((u): NormalisedUser => {
    if (!u.id || !u.password) throw new Error(`${where}: users need an id and a password`);
    if (ids.has(u.id)) throw new Error(`${where}: duplicate user id ${u.id}`);
    ids.add(u.id);
    if (u.otp !== undefined && u.otp === '') throw new Error(`${where}: user ${u.id}: empty otp`);
    const ownerType = u.ownerType ?? 'p';
    const perAccount = u.transactionsPerAccount ?? 300;
    const historyDays = u.historyDays ?? 365;
    const list = typeof u.accounts === 'number' || u.accounts === undefined ? defaultAccounts(u.accounts ?? 1, ownerType) : u.accounts;
    const accounts = list.map((a): NormalisedAccount => {
      if (a.transactionsByDate !== undefined) return laidOutAccount(a, `${where}: user ${u.id}`);
      const transactions = a.transactions ?? perAccount;
      const days = a.historyDays ?? historyDays;
      if (!Number.isInteger(transactions) || transactions < 0 || transactions > MAX_TRANSACTIONS) {
        throw new Error(`${where}: user ${u.id}: transactions must be an integer in 0..${MAX_TRANSACTIONS}`);
      }
      if (!Number.isInteger(days) || days < 0 || days > MAX_HISTORY_DAYS) throw new Error(`${where}: user ${u.id}: historyDays must be an integer in 0..${MAX_HISTORY_DAYS}`);
      if (transactions > 0 && days === 0) throw new Error(`${where}: user ${u.id}: transactions need historyDays ≥ 1`);
      if (a.openingBalance !== undefined && !Number.isSafeInteger(a.openingBalance)) throw new Error(`${where}: user ${u.id}: openingBalance must be an integer`);
      return { kind: a.kind ?? 'ordinary', transactions, historyDays: days, ongoing: a.ongoing ?? true, openingBalance: a.openingBalance, layout: undefined };
    });
    return { id: u.id, password: u.password, otp: u.otp, ownerType, accounts, behaviour: checkBehaviour(u.behaviour ?? {}, accounts.length, `${where}: user ${u.id}`) };
  });
  const bankName = config.bankName ?? displayBankName(zengin);
  return {
    bankCode: config.bankCode,
    bankName,
    englishName: config.englishName ?? bankName,
    client: { ...client, redirectDomains: client.redirectDomains.map((d) => d.toLowerCase()) },
    users,
    passwordLogin: config.passwordLogin ?? true,
    pageSize,
    timeZone,
    transactionOrder: config.transactionOrder ?? 'oldest-first',
    transactionDateFormat: config.transactionDateFormat ?? 'date-time',
    maskAccountNumbers: config.maskAccountNumbers ?? false,
    refreshTokenReuse: config.refreshTokenReuse ?? 'reject',
    tokenLifetimes,
    faults: config.faults ?? {},
    port,
  };
}

/** Checks a user's behaviour against its accounts; returns it unchanged or throws naming the field. */
function checkBehaviour(b: SandboxUserBehaviour, accounts: number, where: string): SandboxUserBehaviour {
  for (const [name, list] of [['accountsGoneAfterFirstListing', b.accountsGoneAfterFirstListing], ['failingTransactions', b.failingTransactions]] as const) {
    for (const i of list ?? []) if (!Number.isInteger(i) || i < 0 || i >= accounts) throw new Error(`${where}: behaviour.${name}: ${i} is not an account position in 0..${accounts - 1}`);
  }
  if (b.shortTokens !== undefined) {
    const { accessTokenSeconds: a, refreshTokenSeconds: r } = b.shortTokens;
    if (!(a > 0) || !(r > 0) || !Number.isFinite(a) || !Number.isFinite(r)) throw new Error(`${where}: behaviour.shortTokens: lifetimes must be positive numbers of seconds`);
  }
  return b;
}

/** Checks an account with `transactionsByDate` and turns its dates into day numbers. */
function laidOutAccount(a: SandboxAccountConfig, where: string): NormalisedAccount {
  if (a.transactions !== undefined || a.historyDays !== undefined || a.ongoing === true) {
    throw new Error(`${where}: transactionsByDate excludes transactions, historyDays and ongoing`);
  }
  if (a.openingBalance !== undefined && !Number.isSafeInteger(a.openingBalance)) throw new Error(`${where}: openingBalance must be an integer`);
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
  const days = [...layout.keys()];
  return {
    kind: a.kind ?? 'ordinary',
    transactions: total,
    historyDays: Math.max(...days) - Math.min(...days) + 1,
    ongoing: false,
    openingBalance: a.openingBalance,
    layout,
  };
}

/** Throws unless every lifetime is a positive number of seconds. */
export function checkLifetimes(lifetimes: TokenLifetimes, where = 'tokenLifetimes'): void {
  for (const [name, seconds] of Object.entries(lifetimes)) {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) throw new Error(`${where}: ${name} must be a positive number of seconds`);
  }
}

function defaultAccounts(count: number, ownerType: 'p' | 'c'): SandboxAccountConfig[] {
  if (!Number.isInteger(count) || count < 0 || count > 10_000) throw new Error('accounts must be an integer in 0..10000');
  const cycle: AccountKind[] = ownerType === 'p' ? ['ordinary', 'time', 'credit-card', 'general'] : ['ordinary', 'current', 'time'];
  return Array.from({ length: count }, (_, i) => ({ kind: cycle[i % cycle.length] as AccountKind }));
}
