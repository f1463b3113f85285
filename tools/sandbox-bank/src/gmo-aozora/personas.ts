// The GMO Aozora sandbox's persona: deterministic Japanese data (the same every run for a given day).
import { addDays, dateInZone, type CalendarDate } from '@kinko/domain';
import type { GmoAozoraAccount, GmoAozoraArrival, GmoAozoraSpAccount, GmoAozoraTransaction, GmoAozoraUser } from './sandbox';

/** What a day of the demo history holds: 給与 (salary, in) on the 25th, rent out on the 27th, daily card and transfer items. */
const ITEMS: readonly DayItem[] = [
  { type: '2', amount: 1_280, remarks: 'デビット セブンイレブン' },
  { type: '2', amount: 3_450, remarks: 'デビット ヨドバシカメラ' },
  { type: '1', amount: 5_000, remarks: '振込 ヤマダ タロウ' },
];

/** One item of a day: 1 in, 2 out (the bank's transactionType), its amount, remarks and, for a 振込入金, who sent it. */
interface DayItem {
  readonly type: '1' | '2';
  readonly amount: number;
  readonly remarks: string;
  readonly arrival?: GmoAozoraArrival;
}

/** A day's items as the bank's transactions (item keys `<yyyymmdd><time><index>`), the balance running on from `opening`; the rows and the day's closing balance. */
function dayTransactions(date: CalendarDate, time: string, items: readonly DayItem[], opening: number): { rows: GmoAozoraTransaction[]; balance: number } {
  let balance = opening;
  const rows = items.map((item, i): GmoAozoraTransaction => {
    balance += item.type === '1' ? item.amount : -item.amount;
    return {
      itemKey: `${date.replaceAll('-', '')}${time}${String(i).padStart(6, '0')}`,
      transactionDate: date,
      valueDate: date,
      transactionType: item.type,
      amount: String(item.amount),
      balance: String(balance),
      remarks: item.remarks,
      ...(item.arrival === undefined ? {} : { arrival: item.arrival }),
    };
  });
  return { rows, balance };
}

/** `days` days of history ending on `today`, oldest first, with a running balance. */
export function gmoAozoraDemoTransactions(today: CalendarDate, days: number, opening = 1_000_000, outgoingOnly = false): GmoAozoraTransaction[] {
  const out: GmoAozoraTransaction[] = [];
  let balance = opening;
  for (let d = days - 1; d >= 0; d -= 1) {
    const date = addDays(today, -d);
    const day = Number(date.slice(8, 10));
    const items = ITEMS.filter((item) => !outgoingOnly || item.type === '2');
    if (day === 25 && !outgoingOnly) items.push({ type: '1', amount: 285_000, remarks: '給与 カ）キンコ' });
    if (day === 27) items.push({ type: '2', amount: 98_000, remarks: '振込 アオゾラ フドウサン' });
    const booked = dayTransactions(date, '0900', items, balance);
    out.push(...booked.rows);
    balance = booked.balance;
  }
  return out;
}

/** はなこ: a 普通預金 with 200 days of history (over 600 items: two pages of 500) and one without items. */
export function gmoAozoraPersonaUser(today: CalendarDate = dateInZone(new Date(), 'Asia/Tokyo')): GmoAozoraUser {
  const transactions = gmoAozoraDemoTransactions(today, 200);
  const last = transactions[transactions.length - 1]?.balance ?? '0';
  const main: GmoAozoraAccount = {
    accountId: '101011234567',
    branchCode: '101',
    branchName: 'ほうじちゃ支店',
    accountNumber: '1234567',
    accountName: 'アオゾラ　ハナコ',
    currencyCode: 'JPY',
    balance: last,
    withdrawableAmount: String(Number(last) - 20_000),
    transactions,
  };
  const spare: GmoAozoraAccount = { ...main, accountId: '102011047569', branchCode: '102', branchName: 'ゆず支店', accountNumber: '1047569', balance: '0', withdrawableAmount: '0', transactions: [] };
  return { username: 'hanako', password: 'sakura-2026', accounts: [main, spare] };
}

/** The customers who pay あおぞら商店 by transfer: who, from which bank, with which EDI reference. */
const PAYERS: ReadonlyArray<{ amount: number; arrival: GmoAozoraArrival }> = [
  { amount: 55_000, arrival: { applicantName: 'ｶ)ｻｸﾗｼﾖｳｼﾞ', paymentBankName: 'ｻｸﾗｷﾞﾝｺｳ', paymentBranchName: 'ﾎﾝﾃﾝ', ediInfo: 'INV-2026-0101' } },
  { amount: 12_100, arrival: { applicantName: 'ﾔﾏﾀﾞ ﾊﾅｺ', paymentBankName: 'ﾐﾄﾞﾘｼﾝｷﾝ', paymentBranchName: 'ｴｷﾏｴ' } },
];

/**
 * たろう, a 個人事業主 (あおぞら商店): a 普通預金 whose 振込入金 items carry the sender (GET
 * /accounts/deposit-transactions answers for them), 60 days; and its つかいわけ口座 — the 親口座 of
 * that account and a 子口座 「納税用」 with its own branch and number, a balance and a monthly 振替.
 */
export function gmoAozoraSoleProprietorUser(today: CalendarDate = dateInZone(new Date(), 'Asia/Tokyo')): GmoAozoraUser {
  const transactions: GmoAozoraTransaction[] = [];
  const savings: GmoAozoraTransaction[] = [];
  let balance = 2_400_000;
  let saved = 150_000;
  for (let d = 59; d >= 0; d -= 1) {
    const date = addDays(today, -d);
    const stamp = date.replaceAll('-', '');
    const day = Number(date.slice(8, 10));
    const payer = PAYERS[d % PAYERS.length];
    const items: DayItem[] = [{ type: '2', amount: 2_200, remarks: 'デビット アスクル' }];
    if (d % 3 === 0 && payer !== undefined) items.push({ type: '1', amount: payer.amount, remarks: `振込 ${payer.arrival.applicantName}`, arrival: payer.arrival });
    if (day === 10) items.push({ type: '2', amount: 30_000, remarks: 'つかいわけ口座へ振替 納税用' });
    const booked = dayTransactions(date, '1000', items, balance);
    transactions.push(...booked.rows);
    balance = booked.balance;
    if (day === 10) {
      saved += 30_000;
      savings.push({ itemKey: `${stamp}1000900000`, transactionDate: date, valueDate: date, transactionType: '1', amount: '30000', balance: String(saved), remarks: '振替 代表口座から' });
    }
  }
  const main: GmoAozoraAccount = {
    accountId: '301011234568',
    branchCode: '301',
    branchName: 'うみ支店',
    accountNumber: '1234568',
    accountName: 'アオゾラ　タロウ',
    currencyCode: 'JPY',
    balance: String(balance),
    withdrawableAmount: String(balance),
    transactions,
  };
  const parent: GmoAozoraSpAccount = { accountId: `SP${main.accountId}`, spAccountTypeCode: '1', spAccountName: 'あおぞら商店', odBalance: String(balance), transactions: [] };
  const tax: GmoAozoraSpAccount = {
    accountId: 'SP502011047570',
    spAccountTypeCode: '2',
    spAccountName: '納税用',
    branchCode: '502',
    branchName: 'あじさい支店',
    accountNumber: '1047570',
    odBalance: String(saved),
    transactions: savings,
  };
  return { username: 'taro', password: 'ume-2026', accounts: [main], spAccounts: [parent, tax], soleProprietor: true };
}

/** A 普通預金 with 30 days of the demo history (出金 only: no 入金 whose sender to look up), for the failure personas. */
function shortAccount(today: CalendarDate, accountId: string, accountNumber: string, accountName: string, outgoingOnly = false): GmoAozoraAccount {
  const transactions = gmoAozoraDemoTransactions(today, 30, 1_000_000, outgoingOnly);
  const last = transactions[transactions.length - 1]?.balance ?? '0';
  return { accountId, branchCode: '101', branchName: 'ほうじちゃ支店', accountNumber, accountName, currencyCode: 'JPY', balance: last, withdrawableAmount: last, transactions };
}

/**
 * The failure personas (password sakura-2026 for each), each reaching its outcome through the API
 * with no knob turned: ゆき's second account is 凍結 (frozen: 403 for its balance and items, the
 * first syncs); じろう withdraws the consent at the bank right after the first sync's read (the next
 * sync finds the token and the refresh token dead); いそがし is throttled: the bank answers his
 * first three data requests 429 with Retry-After 1 s, and a client that waits as told gets through. Declining at the login page (許可しない) works for every persona.
 */
export function gmoAozoraFailureUsers(today: CalendarDate = dateInZone(new Date(), 'Asia/Tokyo')): GmoAozoraUser[] {
  return [
    {
      username: 'yuki',
      password: 'sakura-2026',
      accounts: [shortAccount(today, '101011300001', '1300001', 'アオゾラ　ユキ'), { ...shortAccount(today, '101011300002', '1300002', 'アオゾラ　ユキ'), frozen: true }],
    },
    { username: 'jiro', password: 'sakura-2026', accounts: [shortAccount(today, '101011300003', '1300003', 'アオゾラ　ジロウ', true)], revokesAfterFirstRead: true },
    { username: 'isogashi', password: 'sakura-2026', accounts: [shortAccount(today, '101011300004', '1300004', 'アオゾラ　イソガシ')], rateLimited: { times: 3, seconds: 1 } },
  ];
}

/** The personas `pnpm start` lists: login / password and what each shows. */
export const GMO_AOZORA_PERSONAS: ReadonlyArray<{ readonly login: string; readonly password: string; readonly description: string }> = [
  { login: 'hanako', password: 'sakura-2026', description: '普通預金 two accounts, 200 days of 給与・家賃・デビット (over 600 items: two pages of 500)' },
  { login: 'taro', password: 'ume-2026', description: '個人事業主: 普通預金 whose 振込入金 name the sender, and a つかいわけ口座 「納税用」' },
  { login: 'yuki', password: 'sakura-2026', description: 'two 普通預金, the second 凍結 (frozen): it fails (403), the first syncs' },
  { login: 'jiro', password: 'sakura-2026', description: 'withdraws the consent at the bank right after the first sync: the next one ends 認証切れ (consent expired)' },
  { login: 'isogashi', password: 'sakura-2026', description: 'the bank throttles the first three requests (429, Retry-After 1 s): the sync waits as told and completes' },
];

/** Every persona's user, as `pnpm start` starts the sandbox with them. */
export const gmoAozoraPersonaUsers = (today: CalendarDate = dateInZone(new Date(), 'Asia/Tokyo')): GmoAozoraUser[] => [
  gmoAozoraPersonaUser(today),
  gmoAozoraSoleProprietorUser(today),
  ...gmoAozoraFailureUsers(today),
];
