// Deterministic Japanese demo data for this package's own tests, and a login through the
// sandbox as the app does it (begin → the bank's login form → complete, PKCE S256).
import { addDays, calendarDate, type CalendarDate } from '@kinko/domain';
import { createPkcePair, createState, type ConnectorClient, type Grant } from '@kinko/connector-sdk';
import type { SandboxAccount, SandboxBank, SandboxTransaction, SandboxUser } from './bank';

/** What a day of the demo history holds: 給与 (salary, in) on the 25th, rent out on the 27th, daily card and transfer items. */
const ITEMS: ReadonlyArray<{ type: '1' | '2'; amount: number; remarks: string }> = [
  { type: '2', amount: 1_280, remarks: 'デビット セブンイレブン' },
  { type: '2', amount: 3_450, remarks: 'デビット ヨドバシカメラ' },
  { type: '1', amount: 5_000, remarks: '振込 ヤマダ タロウ' },
];

/** `days` days of history ending on `today`, oldest first, with a running balance. */
export function demoTransactions(today: CalendarDate, days: number, opening = 1_000_000): SandboxTransaction[] {
  const out: SandboxTransaction[] = [];
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
export function demoUser(today: CalendarDate): SandboxUser {
  const transactions = demoTransactions(today, 200);
  const last = transactions[transactions.length - 1]?.balance ?? '0';
  const main: SandboxAccount = {
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
  const spare: SandboxAccount = { ...main, accountId: '102011047569', branchCode: '102', branchName: 'ゆず支店', accountNumber: '1047569', balance: '0', withdrawableAmount: '0', transactions: [] };
  return { username: 'hanako', password: 'sakura-2026', accounts: [main, spare] };
}

export const demoToday = calendarDate('2026-11-30');

/** Logs `user` in through the connector and the sandbox's login form; the grant. */
export async function loginThroughSandbox(client: ConnectorClient, bank: SandboxBank, user: { username: string; password: string }): Promise<Grant> {
  const redirectUri = 'https://kinko.invalid/api/v2/connect/callback';
  const pkce = createPkcePair();
  const begun = await client.auth.begin({ redirectUri, state: createState(), codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', psu: { userPresent: true } });
  if (!begun.ok || begun.value.type !== 'redirect') throw new Error('begin failed');
  const asked = new URL(begun.value.url).searchParams;
  const form = new URLSearchParams({ ...user, redirect_uri: asked.get('redirect_uri') ?? '', state: asked.get('state') ?? '', code_challenge: asked.get('code_challenge') ?? '' });
  const res = await fetch(`${bank.baseUrl}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  const back = Object.fromEntries(new URL(res.headers.get('location') ?? '').searchParams);
  const done = await client.auth.complete({ type: 'redirect', callbackParams: back, redirectUri, codeVerifier: pkce.verifier });
  if (!done.ok || done.value.type !== 'granted') throw new Error('complete failed');
  return done.value.grant;
}
