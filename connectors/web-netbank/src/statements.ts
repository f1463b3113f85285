/**
 * The data pages: the account list (口座一覧) and an account's statement (入出金明細 /
 * ご利用明細), read cell by cell through their `data-field` markers into the SDK's types.
 * Any cell that cannot be read exactly stops the page (PermanentError): a guessed amount
 * or date would be stored as truth.
 */
import { createHash } from 'node:crypto';
import { ConnectorErrors, type Account, type AccountType, type ConnectorError, type FetchWindow, type Transaction } from '@kinko/connector-sdk';
import { TransactionId, type CalendarDate, type CurrencyCode } from '@kinko/domain';
import { unrecognised, type BankPage } from './pages';
import { cellText, parseBankAmount, parseBankDate } from './text';

/** What the account list says: the accounts whose data the bank shows online, and how many it lists in all. */
export interface AccountList {
  readonly readable: readonly Account[];
  readonly listed: number;
}

// A balance the bank does not show (外貨預金, 投資信託: "not available online").
const NOT_SHOWN = /^(?:[-‐‑–—―－ー]+|照会不可|-)$/;

/** The bank's account type word → the SDK's account type. */
export function accountTypeOf(label: string): AccountType {
  if (/カード/.test(label)) return 'creditCard';
  if (/定期/.test(label)) return 'timeDeposit';
  if (/貯蓄/.test(label)) return 'savings';
  if (/投資|投信/.test(label)) return 'investment';
  if (/ローン|融資|貸付/.test(label)) return 'loan';
  if (/普通|当座|総合/.test(label)) return 'current';
  return 'other';
}

/** Reads the account list page. */
export function parseAccountList(page: BankPage, currency: CurrencyCode): AccountList | ConnectorError {
  const $ = page.$;
  const table = $('table[data-table="accounts"]');
  if (page.marker !== 'accounts' || !page.complete || table.length !== 1) return unrecognised(page, 'account list');
  const readable: Account[] = [];
  let listed = 0;
  let problem: ConnectorError | undefined;
  table.find('tr[data-account-id]').each((_, el) => {
    const row = $(el);
    const cell = (name: string): string => cellText(row.find(`[data-field="${name}"]`).first().text());
    const id = row.attr('data-account-id') ?? '';
    const label = cell('type');
    const number = cell('number');
    const balance = cell('balance');
    listed += 1;
    if (id === '' || label === '' || number === '') {
      problem = ConnectorErrors.permanent({ code: 'unrecognised_data', message: 'account list: a row lacks its id, type or number' });
      return false;
    }
    if (NOT_SHOWN.test(balance)) return undefined; // listed, but not readable online
    if (parseBankAmount(balance, currency) === undefined) {
      problem = ConnectorErrors.permanent({ code: 'unrecognised_data', message: `account list: unreadable balance of account ${id}` });
      return false;
    }
    const branchCode = cell('branch-code');
    const branchName = cell('branch-name');
    const hasBranch = /^\d+$/.test(branchCode.normalize('NFKC'));
    readable.push({
      bankAccountId: id,
      number,
      name: label,
      type: accountTypeOf(label),
      currency,
      bankAccountType: label,
      ...(hasBranch ? { branch: { code: branchCode.normalize('NFKC'), ...(branchName === '' ? {} : { name: branchName }) } } : {}),
    });
    return undefined;
  });
  return problem ?? { readable, listed };
}

/** One statement row, read exactly. */
export interface StatementRow {
  readonly date: CalendarDate;
  readonly description: string;
  readonly amountMinor: bigint;
  readonly balanceAfterMinor: bigint | undefined;
}

/** One page of a statement. */
export interface StatementPage {
  readonly rows: readonly StatementRow[];
  /** The page `a[rel=next]` points to, if any. */
  readonly nextPage: number | undefined;
}

/** Reads one statement page of `bankAccountId` for `window`. */
export function parseStatementPage(page: BankPage, bankAccountId: string, window: FetchWindow, currency: CurrencyCode): StatementPage | ConnectorError {
  const $ = page.$;
  const body = $('body');
  const table = $('table[data-table="transactions"]');
  if (page.marker !== 'account-detail' || !page.complete || table.length !== 1) return unrecognised(page, 'statement');
  if (body.attr('data-account-id') !== bankAccountId) {
    return ConnectorErrors.permanent({ code: 'unexpected_page', message: `statement: the bank showed another account than ${bankAccountId}` });
  }
  // The bank moves a start date beyond its online history up, and says so: returning that
  // shorter window as the asked one would hide the missing days.
  const period = $('[data-period-from][data-period-to]').first();
  const shownFrom = period.attr('data-period-from');
  if ($('[data-notice="period-clamped"]').length > 0 || (shownFrom !== undefined && shownFrom > window.from)) {
    return ConnectorErrors.unsupported({ message: `the bank shows this statement online only from ${shownFrom ?? 'a later date'}, not from ${window.from}` });
  }
  if (shownFrom !== window.from) {
    return ConnectorErrors.permanent({ code: 'unexpected_page', message: `statement: the bank showed the period from ${shownFrom ?? '(none)'} instead of ${window.from}` });
  }
  const rows: StatementRow[] = [];
  let problem: ConnectorError | undefined;
  table.find('tr[data-row="transaction"]').each((i, el) => {
    const row = $(el);
    const cell = (name: string): string | undefined => {
      const found = row.find(`[data-field="${name}"]`).first();
      return found.length === 0 ? undefined : cellText(found.text());
    };
    const date = parseBankDate(cell('date') ?? '');
    const amountMinor = parseBankAmount(cell('amount') ?? '', currency);
    const balanceText = cell('balance');
    const balanceAfterMinor = balanceText === undefined || balanceText === '' ? undefined : parseBankAmount(balanceText, currency);
    const description = cell('description');
    if (date === undefined || amountMinor === undefined || description === undefined || (balanceText !== undefined && balanceText !== '' && balanceAfterMinor === undefined)) {
      problem = ConnectorErrors.permanent({ code: 'unrecognised_data', message: `statement of ${bankAccountId}: row ${i + 1} has an unreadable date, amount or balance` });
      return false;
    }
    if (date < window.from || date > window.to) {
      problem = ConnectorErrors.permanent({ code: 'unexpected_page', message: `statement of ${bankAccountId}: a row dated ${date} lies outside ${window.from}..${window.to}` });
      return false;
    }
    rows.push({ date, description, amountMinor, balanceAfterMinor });
    return undefined;
  });
  if (problem) return problem;
  const next = $('a[rel="next"]');
  if (next.length === 0) return { rows, nextPage: undefined };
  const nextPage = pageNumberOf(next.first().attr('href'));
  if (nextPage === undefined) return ConnectorErrors.permanent({ code: 'unrecognised_data', message: `statement of ${bankAccountId}: unreadable next-page link` });
  return { rows, nextPage };
}

function pageNumberOf(href: string | undefined): number | undefined {
  if (href === undefined) return undefined;
  try {
    const page = new URL(href, 'http://page.invalid').searchParams.get('page');
    return page !== null && /^[1-9]\d{0,8}$/.test(page) ? Number(page) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds transactions with stable ids from a statement's rows. The pages carry no ids, so
 * an id is a hash of what identifies a row — date, amount, balance after, description — and
 * its position among identical rows of that day. Pages list a day's rows in the bank's
 * order, and a window always holds whole days, so two reads of the same days (a full read,
 * an incremental one overlapping it) give every row the same id. Create one per fetch.
 */
export function transactionBuilder(currency: CurrencyCode): (row: StatementRow) => Transaction {
  const seen = new Map<string, number>();
  return (row) => {
    const key = [row.date, row.amountMinor.toString(), row.balanceAfterMinor?.toString() ?? '', row.description].join('\u001f');
    const ordinal = seen.get(key) ?? 0;
    seen.set(key, ordinal + 1);
    const hash = createHash('sha256').update(key).update('\u001f').update(String(ordinal)).digest('base64url').slice(0, 32);
    return {
      bankTransactionId: TransactionId.make(`nb1-${hash}`),
      kind: 'booked',
      transactionDate: row.date,
      amountMinor: row.amountMinor,
      currency,
      description: row.description,
      ...(row.balanceAfterMinor === undefined ? {} : { balanceAfterMinor: row.balanceAfterMinor }),
    };
  };
}
