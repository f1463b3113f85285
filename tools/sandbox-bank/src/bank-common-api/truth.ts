/**
 * The sandbox's truth, without HTTP: which accounts a user has, and for any date window
 * how many transactions there are, their sums and the balances — computed from the
 * ledger index, so end-to-end tests can compare what Kinko stored with what the bank
 * holds even for accounts with millions of transactions.
 */
import { dayNumber, isIsoDate, type IsoDate } from '../calendar';
import type { AccountItem, BalanceItem, BankCommonApiBank, TransactionItem } from './bank';
import { createBanks, type BankCommonApiDataOptions } from './world';

/** An inclusive window of calendar dates. */
export interface DateWindow {
  /** First day (inclusive). */
  readonly from: IsoDate;
  /** Last day (inclusive). */
  readonly to: IsoDate;
}

/** An account as the bank holds it. */
export interface ExpectedAccount {
  /** Bank code. */
  readonly bankCode: string;
  /** The owning user's login id. */
  readonly userId: string;
  /** Account id (`account_id`). */
  readonly accountId: string;
  /** The account as GET /accounts lists it. */
  readonly item: AccountItem;
  /** False while the account is hidden by the `removeAccount` knob. */
  readonly listed: boolean;
  /** First day of the account's history. */
  readonly firstDate: IsoDate;
}

/** What an account holds over a window, as of today. */
export interface ExpectedWindow {
  /** Bank code. */
  readonly bankCode: string;
  /** Account id. */
  readonly accountId: string;
  /** The window asked for. */
  readonly window: DateWindow;
  /** Transactions /transactions lists for the window. */
  readonly count: number;
  /** Transactions the bank cancelled in the window (never listed). */
  readonly cancelled: number;
  /** Sum of positive amounts, in yen. */
  readonly inflow: bigint;
  /** Sum of negative amounts (≤ 0), in yen. */
  readonly outflow: bigint;
  /** inflow + outflow. */
  readonly net: bigint;
  /** Balance at the end of the day before the window (the opening balance when the window starts at or before the first day). */
  readonly balanceBefore: bigint;
  /** Balance at the end of the window's last day (or today's, when the window reaches past today). */
  readonly balanceAfter: bigint;
  /** Days /balances lists for the window. */
  readonly days: number;
  /** Date of the first listed transaction. */
  readonly firstDate: IsoDate | undefined;
  /** Date of the last listed transaction. */
  readonly lastDate: IsoDate | undefined;
}

/** Read-only access to the data of every bank of a sandbox. */
export interface BankCommonApiTruth {
  /** Today in the bank's zone, by the sandbox clock. */
  today(bankCode: string): IsoDate;
  /** The day after the last day of the generated base history. */
  anchorDate(bankCode: string): IsoDate;
  /** A user's accounts, in the order /accounts lists them (removed ones included, marked). */
  accounts(bankCode: string, userId: string): ExpectedAccount[];
  /** One account. */
  account(bankCode: string, accountId: string): ExpectedAccount;
  /** Counts, sums and balances over a window. */
  summary(bankCode: string, accountId: string, window: DateWindow): ExpectedWindow;
  /** The window's transactions, oldest first, exactly as /transactions lists them; streamed. */
  transactions(bankCode: string, accountId: string, window: DateWindow): Generator<TransactionItem>;
  /** The window's daily balances, as /balances lists them; streamed. */
  dailyBalances(bankCode: string, accountId: string, window: DateWindow): Generator<BalanceItem>;
}

const CHUNK = 1000;

/** The truth over running banks (used by the sandbox, so knob changes are included). */
export function truthOf(banks: readonly BankCommonApiBank[]): BankCommonApiTruth {
  const byCode = new Map(banks.map((b) => [b.bankCode, b]));
  const bankOf = (code: string): BankCommonApiBank => {
    const b = byCode.get(code);
    if (!b) throw new Error(`no bank ${code} in this sandbox`);
    return b;
  };
  const expected = (bank: BankCommonApiBank, accountId: string): ExpectedAccount => {
    const a = bank.account(accountId);
    return { bankCode: bank.bankCode, userId: a.userId, accountId: a.id, item: bank.accountItem(a), listed: !bank.isRemoved(a.id), firstDate: a.ledger.firstDate() };
  };
  const planOf = (bank: BankCommonApiBank, accountId: string, window: DateWindow) => {
    if (!isIsoDate(window.from) || !isIsoDate(window.to)) throw new Error('window dates must be YYYY-MM-DD');
    const ledger = bank.account(accountId).ledger;
    return { ledger, plan: ledger.plan(dayNumber(window.from), dayNumber(window.to), dayNumber(bank.today())) };
  };
  return {
    today: (code) => bankOf(code).today(),
    anchorDate: (code) => bankOf(code).model.anchorDate,
    accounts: (code, userId) => {
      const bank = bankOf(code);
      return bank.model.accountsOf(userId).map((a) => expected(bank, a.id));
    },
    account: (code, accountId) => expected(bankOf(code), accountId),
    summary: (code, accountId, window) => {
      const bank = bankOf(code);
      const { ledger, plan } = planOf(bank, accountId, window);
      const s = ledger.summary(plan);
      return {
        bankCode: code,
        accountId,
        window: { from: window.from, to: window.to },
        count: s.count,
        cancelled: s.cancelled,
        inflow: BigInt(s.inflow),
        outflow: BigInt(s.outflow),
        net: BigInt(s.inflow + s.outflow),
        balanceBefore: BigInt(s.balanceBefore),
        balanceAfter: BigInt(s.balanceAfter),
        days: plan.days,
        firstDate: s.firstDate,
        lastDate: s.lastDate,
      };
    },
    transactions: function* (code, accountId, window) {
      const bank = bankOf(code);
      const { ledger, plan } = planOf(bank, accountId, window);
      for (let lo = 0; lo < plan.total; lo += CHUNK) {
        for (const e of ledger.slice(plan, lo, lo + CHUNK)) yield bank.transactionItem(e);
      }
    },
    dailyBalances: function* (code, accountId, window) {
      const bank = bankOf(code);
      const { ledger, plan } = planOf(bank, accountId, window);
      for (let lo = 0; lo < plan.days; lo += CHUNK) {
        for (const b of ledger.dailyBalances(plan, lo, lo + CHUNK)) yield bank.balanceItem(b);
      }
    },
  };
}

/**
 * The truth for a configuration without starting any server: the same options (seed,
 * clock, anchor date) give exactly the data a sandbox started with them serves.
 */
export function createBankCommonApiTruth(options: BankCommonApiDataOptions): BankCommonApiTruth {
  return truthOf(createBanks(options));
}
