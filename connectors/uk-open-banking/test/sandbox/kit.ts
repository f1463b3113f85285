// The sandbox as the conformance kit sees it: each scenario becomes users and accounts.
import { existsSync } from 'node:fs';
import { addDays, calendarDate } from '@kinko/domain';
import type { Connector } from '@kinko/connector-sdk';
import type { ConformanceIdentities, Identity, SandboxHandle, SandboxScenario } from '@kinko/connector-sdk/testkit';
import { startSandboxBank, type SandboxAccount, type SandboxScheduledPayment, type SandboxTransaction } from './bank';
import { UK_OPEN_BANKING_SPEC, ukOpenBankingSpecChecker } from '@kinko/sandbox-bank/spec';
import { sharedFile } from '../../../../tools/jest/shared-files';

/** The published spec the sandbox's answers are checked against: ../shared beside the repository (absent in a public clone). */
export const SPEC_FILE = sharedFile(UK_OPEN_BANKING_SPEC).path;

const client = { clientId: 'kinko', clientSecret: 'sandbox-client-secret' };

/** The users every scenario has. */
export const kitIdentities = {
  valid: { credentials: { username: 'alice', password: 'correct-horse' } },
  wrongPassword: { credentials: { username: 'alice', password: 'wrong-horse' } },
} satisfies ConformanceIdentities;

/** The dates of `count` items from `from` to `to` (the first on `from`, the last on `to`), plus one the day before and one the day after. */
function spreadDates(count: number, from: string, to: string): string[] {
  const days = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
  const out = [addDays(calendarDate(from), -1)];
  for (let i = 0; i < count; i += 1) out.push(addDays(calendarDate(from), count === 1 ? days : Math.round((i * days) / (count - 1))));
  out.push(addDays(calendarDate(to), 1));
  return out;
}

/** The user's browser at the bank: open the login page the connector sent it to, post the form, read the redirect back. */
export async function browserAtBank(url: string, username: string, password: string, decision: 'allow' | 'deny' = 'allow'): Promise<Record<string, string>> {
  const page = await fetch(url);
  if (page.status !== 200) throw new Error(`the bank's login page answered ${page.status}: ${await page.text()}`);
  const html = await page.text();
  const form = new URLSearchParams({ username, password, decision });
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(m[1] ?? '', (m[2] ?? '').replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))));
  }
  const res = await fetch(new URL('/authorize', url), { method: 'POST', body: form, redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || location === null) throw new Error(`the sandbox answered ${res.status} without a redirect`);
  return Object.fromEntries(new URL(location).searchParams);
}

/** Starts the sandbox for one scenario of the kit. */
export async function startKitSandbox(scenario: SandboxScenario, connector: Connector): Promise<SandboxHandle> {
  const currency = connector.manifest.currency;
  const account = (accountId: string, c: string, transactions: SandboxTransaction[], scheduledPayments: SandboxScheduledPayment[]): SandboxAccount => ({
    accountId,
    currency: c,
    nickname: 'Current Account',
    accountTypeCode: 'CACC',
    sortCodeAccountNumber: accountId === 'acc-main' ? '40400411112222' : '40400433334444',
    holderName: 'Alice Sandbox',
    bookedBalanceMinor: 1_234_56,
    availableBalanceMinor: 1_200_00,
    transactions,
    scheduledPayments,
  });
  const accounts = [account('acc-main', currency, [], [])];
  if (scenario.type === 'transactions') {
    const c = scenario.currency ?? currency;
    const dates = spreadDates(scenario.count, scenario.window.from, scenario.window.to);
    if (scenario.kind === 'scheduled') {
      accounts.push(account('acc-scenario', c, [], dates.map((date, i) => ({ scheduledPaymentId: `sp-${String(i).padStart(7, '0')}`, date, amountMinor: 1200, currency: c, reference: `SP${i}`, creditorName: 'Payee Ltd' }))));
    } else {
      const status = scenario.kind === 'pending' ? 'PDNG' : 'BOOK';
      const transactions = dates.map((date, i): SandboxTransaction => ({ transactionId: `tx-${String(i).padStart(7, '0')}`, status, bookingDate: date, amountMinor: -1200, currency: c, information: `Payment ${i}`, reference: `REF-${i}` }));
      accounts.push(account('acc-scenario', c, transactions, []));
    }
  }
  const bank = await startSandboxBank({
    ...client,
    users: [{ username: 'alice', password: 'correct-horse', accounts }],
    ...(scenario.type === 'transactions' && scenario.bankPageSize !== undefined ? { maxPageSize: scenario.bankPageSize } : {}),
  });
  // The published spec, when ../shared is there (the kit's sandbox-matches-spec says so when not).
  const checker = existsSync(SPEC_FILE) ? await ukOpenBankingSpecChecker(SPEC_FILE) : undefined;
  return {
    config: { baseUrl: bank.baseUrl, ...client },
    ...(checker === undefined ? {} : { specProblems: () => bank.answers.flatMap((a) => checker.problems(a)) }),
    allowedHosts: [bank.host],
    ...(scenario.type === 'transactions' ? { bankAccountId: 'acc-scenario' } : {}),
    knobs: { setFault: async (fault) => bank.setFault(fault) },
    requests: () => bank.requests,
    endConsentAtBank: async (identity: Identity) => bank.revokeAtBank(identity.credentials.username ?? ''),
    bookPending: async (bankAccountId: string) => bank.bookPending(bankAccountId),
    completeRedirect: (url: string, identity: Identity) => browserAtBank(url, identity.credentials.username ?? '', identity.credentials.password ?? ''),
    close: () => bank.close(),
  };
}
