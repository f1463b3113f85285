/**
 * Readers of the bank's JSON bodies. Hand-written rather than schema-decoded: a full sync
 * reads millions of transactions, and a type check per field is all the work an item may
 * cost. A reader returns the value, or a string naming the first problem (never quoting a
 * value: bodies may hold tokens).
 */
import type { CalendarDate, CurrencyCode, TransactionId, TransactionKind } from '@kinko/domain';
import type { Account, AccountType, Branch, DailyBalance, FetchWindow, Transaction } from '@kinko/connector-sdk';
import type { BankDateReader } from './dates';

/** A problem with a body, described for operators. */
export type Problem = string;

type Json = Record<string, unknown>;

/** True for a JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : v === undefined || v === null ? '' : undefined);
const optionalText = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A user token pair of POST/PUT /auth/token. */
export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** expired_at − created_at: the access token's lifetime, independent of clock skew between us and the bank. */
  readonly lifetimeMs: number;
}

/** A system token of POST /auth/system_token. */
export interface SystemToken {
  readonly accessToken: string;
  readonly lifetimeMs: number;
}

function lifetimeOf(body: Json): number | Problem {
  const { created_at: created, expired_at: expires } = body;
  if (!Number.isSafeInteger(created) || !Number.isSafeInteger(expires)) return 'created_at and expired_at must be unix times';
  return Math.max(0, ((expires as number) - (created as number)) * 1000);
}

/** Reads `{ access_token, created_at, expired_at }`. */
export function readSystemToken(body: unknown): SystemToken | Problem {
  if (!isObject(body)) return 'not a JSON object';
  if (typeof body.access_token !== 'string' || body.access_token === '') return 'access_token is missing';
  const lifetimeMs = lifetimeOf(body);
  return typeof lifetimeMs === 'string' ? lifetimeMs : { accessToken: body.access_token, lifetimeMs };
}

/** Reads `{ access_token, created_at, expired_at, refresh_token }`. */
export function readTokenPair(body: unknown): TokenPair | Problem {
  const system = readSystemToken(body);
  if (typeof system === 'string') return system;
  const refresh = (body as Json).refresh_token;
  if (typeof refresh !== 'string' || refresh === '') return 'refresh_token is missing';
  return { accessToken: system.accessToken, refreshToken: refresh, lifetimeMs: system.lifetimeMs };
}

/** `params.next_page`: 0 when there is none, else a later page than `page` (so paging always ends). */
export function readNextPage(body: Json, page: number): number | Problem {
  const params = body.params;
  if (!isObject(params)) return 'params is missing';
  const next = params.next_page;
  if (!Number.isSafeInteger(next) || (next as number) < 0) return 'params.next_page is not a page number';
  if (next !== 0 && (next as number) <= page) return `params.next_page ${String(next)} does not follow page ${page}`;
  return next as number;
}

function listOf(body: Json, name: string): readonly unknown[] | Problem {
  const list = body[name];
  return Array.isArray(list) ? list : `${name} is not a list`;
}

/**
 * The SDK's account type for account_type1 (bank | cc) and account_type2 (普通, 当座, 総合,
 * 定期… or anything the bank chooses). 普通 and 総合 (普通 with a 定期 attached) are savings
 * in the sense of the zengin account types (1 普通, 2 当座, 4 貯蓄), as Japanese banks label
 * them in English; 当座 is a current account.
 */
export function accountTypeOf(type1: string, type2: string): AccountType {
  if (type1 === 'cc') return 'creditCard';
  const t = type2.trim();
  if (/投資|投信|信託|証券|債/.test(t)) return 'investment';
  if (/定期|積立|定額/.test(t)) return 'timeDeposit';
  if (t.startsWith('当座')) return 'current';
  if (/^(普通|総合|貯蓄)/.test(t)) return 'savings';
  if (/ローン|融資|貸付|借入/.test(t)) return 'loan';
  if (/カード/.test(t)) return 'creditCard';
  return 'other';
}

/** Reads the accounts of a GET /accounts page. Numbers are kept as given (masked ones stay masked). */
export function readAccounts(body: Json, currency: CurrencyCode): Account[] | Problem {
  const list = listOf(body, 'accounts');
  if (typeof list === 'string') return list;
  const out: Account[] = [];
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    if (!isObject(a)) return `accounts[${i}] is not an object`;
    if (typeof a.id !== 'string' || a.id === '') return `accounts[${i}].id is missing`;
    const number = text(a.account_number);
    const type1 = text(a.account_type1);
    const type2 = text(a.account_type2);
    const branchCode = text(a.branch_code);
    const branchName = text(a.branch_name);
    if (number === undefined || type1 === undefined || type2 === undefined || branchCode === undefined || branchName === undefined) {
      return `accounts[${i}] has a field that is not text`;
    }
    const account: Account = {
      bankAccountId: a.id,
      number,
      // The API has no account name: the branch and the type are what a passbook shows.
      name: [branchName, type2].filter((s) => s !== '').join(' ') || number,
      type: accountTypeOf(type1, type2),
      currency,
      ...(type2 !== '' ? { bankAccountType: type2 } : {}),
      ...(a.owner_type === 'p' ? { ownerType: 'personal' as const } : a.owner_type === 'c' ? { ownerType: 'business' as const } : {}),
      ...(branchCode !== '' ? { branch: branchName !== '' ? { code: branchCode, name: branchName } : { code: branchCode } } : {}),
    };
    out.push(account);
  }
  return out;
}

/**
 * Reads the transactions of a GET /transactions page: integer yen only (a fraction or an
 * unsafe integer is an error, never rounded), dates as calendar dates in the bank's zone.
 * Items whose local date falls outside the window are left out: the bank filtered by
 * another reading of the date, and the fetch covering that date returns them.
 */
export function readTransactions(body: Json, kind: TransactionKind, window: FetchWindow, currency: CurrencyCode, readDate: BankDateReader): Transaction[] | Problem {
  const list = listOf(body, 'transactions');
  if (typeof list === 'string') return list;
  const out: Transaction[] = [];
  for (let i = 0; i < list.length; i++) {
    const t = list[i];
    if (!isObject(t)) return `transactions[${i}] is not an object`;
    const { id, date, amount, balance } = t;
    if (typeof id !== 'string' || id === '') return `transactions[${i}].id is missing`;
    const day = typeof date === 'string' ? readDate(date) : undefined;
    if (day === undefined) return `transactions[${i}].date is not an ISO 8601 date`;
    if (!Number.isSafeInteger(amount)) return `transactions[${i}].amount is not a whole number of yen`;
    const hasBalance = balance !== undefined && balance !== null;
    if (hasBalance && !Number.isSafeInteger(balance)) return `transactions[${i}].balance is not a whole number of yen`;
    const description = text(t.description);
    if (description === undefined) return `transactions[${i}].description is not text`;
    if (day < window.from || day > window.to) continue;
    // A brand, not a check: the id was checked above. Two literals rather than a spread: no
    // temporary object per item.
    const bankTransactionId = id as TransactionId;
    const amountMinor = BigInt(amount as number);
    out.push(
      hasBalance
        ? { bankTransactionId, kind, transactionDate: day, amountMinor, currency, description, balanceAfterMinor: BigInt(balance as number) }
        : { bankTransactionId, kind, transactionDate: day, amountMinor, currency, description },
    );
  }
  return out;
}

/** Reads the daily balances of a GET /balances page (days outside the window left out, as for transactions). */
export function readBalances(body: Json, window: FetchWindow, currency: CurrencyCode, readDate: BankDateReader): DailyBalance[] | Problem {
  const list = listOf(body, 'balances');
  if (typeof list === 'string') return list;
  const out: DailyBalance[] = [];
  for (let i = 0; i < list.length; i++) {
    const b = list[i];
    if (!isObject(b)) return `balances[${i}] is not an object`;
    const day: CalendarDate | undefined = typeof b.date === 'string' ? readDate(b.date) : undefined;
    if (day === undefined) return `balances[${i}].date is not an ISO 8601 date`;
    if (!Number.isSafeInteger(b.balance)) return `balances[${i}].balance is not a whole number of yen`;
    if (day < window.from || day > window.to) continue;
    out.push({ date: day, balanceMinor: BigInt(b.balance as number), currency });
  }
  return out;
}

/** Reads the branches of a GET /branches page. */
export function readBranches(body: Json): Branch[] | Problem {
  const list = listOf(body, 'branches');
  if (typeof list === 'string') return list;
  const out: Branch[] = [];
  for (let i = 0; i < list.length; i++) {
    const b = list[i];
    if (!isObject(b)) return `branches[${i}] is not an object`;
    if (typeof b.id !== 'string' || b.id === '') return `branches[${i}].id is missing`;
    const code = text(b.branch_code);
    const name = text(b.branch_name);
    if (code === undefined || name === undefined) return `branches[${i}] has a field that is not text`;
    const nameKana = optionalText(b.branch_name_kana);
    const addressCode = optionalText(b.address_code);
    const phone = optionalText(b.tel);
    out.push({
      bankBranchId: b.id,
      code,
      name,
      ...(nameKana !== undefined ? { nameKana } : {}),
      ...(addressCode !== undefined ? { addressCode } : {}),
      ...(phone !== undefined ? { phone } : {}),
    });
  }
  return out;
}
