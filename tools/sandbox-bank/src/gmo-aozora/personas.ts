// The GMO Aozora sandbox's persona: deterministic Japanese data (the same every run for a given day).
import { addDays, dateInZone, type CalendarDate } from '@kinko/domain';
import type { GmoAozoraAccount, GmoAozoraTransaction, GmoAozoraUser } from './sandbox';

/** What a day of the demo history holds: 給与 (salary, in) on the 25th, rent out on the 27th, daily card and transfer items. */
const ITEMS: ReadonlyArray<{ type: '1' | '2'; amount: number; remarks: string }> = [
  { type: '2', amount: 1_280, remarks: 'デビット セブンイレブン' },
  { type: '2', amount: 3_450, remarks: 'デビット ヨドバシカメラ' },
  { type: '1', amount: 5_000, remarks: '振込 ヤマダ タロウ' },
];

/** `days` days of history ending on `today`, oldest first, with a running balance. */
export function gmoAozoraDemoTransactions(today: CalendarDate, days: number, opening = 1_000_000): GmoAozoraTransaction[] {
  const out: GmoAozoraTransaction[] = [];
  let balance = opening;
  for (let d = days - 1; d >= 0; d -= 1) {
    const date = addDays(today, -d);
    const day = Number(date.slice(8, 10));
    const items = [...ITEMS];
    if (day === 25) items.push({ type: '1', amount: 285_000, remarks: '給与 カ）キンコ' });
    if (day === 27) items.push({ type: '2', amount: 98_000, remarks: '振込 アオゾラ フドウサン' });
    items.forEach((item, i) => {
      balance += item.type === '1' ? item.amount : -item.amount;
      out.push({
        itemKey: `${date.replaceAll('-', '')}0900${String(i).padStart(6, '0')}`,
        transactionDate: date,
        valueDate: date,
        transactionType: item.type,
        amount: String(item.amount),
        balance: String(balance),
        remarks: item.remarks,
      });
    });
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

/** The personas `pnpm start` lists: login / password and what each shows. */
export const GMO_AOZORA_PERSONAS: ReadonlyArray<{ readonly login: string; readonly password: string; readonly description: string }> = [
  { login: 'hanako', password: 'sakura-2026', description: '普通預金 two accounts, 200 days of 給与・家賃・デビット (over 600 items: two pages of 500)' },
];
