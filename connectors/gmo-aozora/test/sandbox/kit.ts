// The sandbox as the conformance kit sees it: each scenario becomes users and accounts.
import { addDays, calendarDate } from '@kinko/domain';
import type { Connector } from '@kinko/connector-sdk';
import type { ConformanceIdentities, Identity, SandboxHandle, SandboxScenario } from '@kinko/connector-sdk/testkit';
import { existsSync } from 'node:fs';
import { startSandboxBank, type SandboxAccount, type SandboxTransaction } from './bank';
import { GMO_AOZORA_SPEC, gmoAozoraSpecChecker } from '@kinko/sandbox-bank/spec';
import { sharedFile } from '../../../../tools/jest/shared-files';

/** The published spec the sandbox's answers are checked against: ../shared beside the repository (absent in a public clone). */
export const SPEC_FILE = sharedFile(GMO_AOZORA_SPEC).path;

const client = { clientId: 'kinko', clientSecret: 'sandbox-client-secret' };

/** The users every scenario has. */
export const kitIdentities = {
  valid: { credentials: { username: 'alice', password: 'correct-horse' } },
  wrongPassword: { credentials: { username: 'alice', password: 'wrong-horse' } },
} satisfies ConformanceIdentities;

/** `count` 出金 items from `from` to `to` (the first on `from`, the last on `to`), plus one the day before and one the day after; itemKeys ascend with the order. */
function spread(count: number, from: string, to: string): SandboxTransaction[] {
  const days = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
  let balance = 10_000_000 + (count + 2) * 1200;
  const item = (date: string, seq: number): SandboxTransaction => {
    balance -= 1200;
    return { itemKey: `${date.replaceAll('-', '')}${String(seq).padStart(10, '0')}`, transactionDate: date, valueDate: date, transactionType: '2', amount: '1200', balance: String(balance), remarks: `振込 アオゾラ ${seq}` };
  };
  const out = [item(addDays(calendarDate(from), -1), 0)];
  for (let i = 0; i < count; i += 1) {
    const offset = count === 1 ? days : Math.round((i * days) / (count - 1));
    out.push(item(addDays(calendarDate(from), offset), i + 1));
  }
  out.push(item(addDays(calendarDate(to), 1), count + 1));
  return out;
}

/** Starts the sandbox for one scenario of the kit. */
export async function startKitSandbox(scenario: SandboxScenario, connector: Connector): Promise<SandboxHandle> {
  const currency = connector.manifest.currency;
  const account = (accountId: string, accountNumber: string, currencyCode: string, transactions: SandboxTransaction[]): SandboxAccount => ({
    accountId,
    branchCode: '101',
    branchName: 'ほうじちゃ支店',
    accountNumber,
    accountName: 'アオゾラ　ハナコ',
    currencyCode,
    balance: '10000000',
    withdrawableAmount: '9800000',
    transactions,
  });
  const accounts = [account('101011234567', '1234567', currency, [])];
  if (scenario.type === 'transactions') {
    accounts.push(account('101011234568', '1234568', scenario.currency ?? currency, spread(scenario.count, scenario.window.from, scenario.window.to)));
  }
  const bank = await startSandboxBank({
    ...client,
    users: [{ username: 'alice', password: 'correct-horse', accounts }],
    ...(scenario.type === 'transactions' && scenario.bankPageSize !== undefined ? { maxPageSize: scenario.bankPageSize } : {}),
  });
  // The published spec, when ../shared is there (the kit's sandbox-matches-spec says so when not).
  const checker = existsSync(SPEC_FILE) ? await gmoAozoraSpecChecker(SPEC_FILE) : undefined;
  return {
    config: { baseUrl: bank.baseUrl, ...client },
    ...(checker === undefined ? {} : { specProblems: () => bank.answers.flatMap((a) => checker.problems(a)) }),
    allowedHosts: [bank.host],
    ...(scenario.type === 'transactions' ? { bankAccountId: '101011234568' } : {}),
    knobs: { setFault: async (fault) => bank.setFault(fault) },
    requests: () => bank.requests,
    endConsentAtBank: async (identity: Identity) => bank.revokeAtBank(identity.credentials.username ?? ''),
    // The user's browser at the bank: post the login form, read the redirect back.
    async completeRedirect(url: string, identity: Identity) {
      const asked = new URL(url).searchParams;
      const form = new URLSearchParams({
        username: identity.credentials.username ?? '',
        password: identity.credentials.password ?? '',
        redirect_uri: asked.get('redirect_uri') ?? '',
        state: asked.get('state') ?? '',
        code_challenge: asked.get('code_challenge') ?? '',
      });
      const res = await fetch(`${bank.baseUrl}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status !== 302 || location === null) throw new Error(`the sandbox answered ${res.status} without a redirect`);
      return Object.fromEntries(new URL(location).searchParams);
    },
    close: () => bank.close(),
  };
}
