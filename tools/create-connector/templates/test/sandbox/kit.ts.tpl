// The sandbox as the conformance kit sees it: each scenario becomes users and accounts.
import { addDays, calendarDate } from '@kinko/domain';
import type { Connector } from '@kinko/connector-sdk';
import type { ConformanceIdentities, Identity, SandboxHandle, SandboxScenario } from '@kinko/connector-sdk/testkit';
import { existsSync } from 'node:fs';
import { startSandboxBank, type SandboxAccount, type SandboxTransaction } from './bank';
import { SPEC_FILE, loadSpec } from './spec';

const client = { clientId: 'kinko', clientSecret: 'sandbox-client-secret' };

/** The users every scenario has. */
export const kitIdentities = {
  valid: { credentials: { username: 'alice', password: 'correct-horse' } },
  wrongPassword: { credentials: { username: 'alice', password: 'wrong-horse' } },
} satisfies ConformanceIdentities;

/** `count` items of `status` from `from` to `to` (the first on `from`, the last on `to`), plus one the day before and one the day after. */
function spread(status: 'booked' | 'pending', count: number, from: string, to: string, currency: string): SandboxTransaction[] {
  const days = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
  const item = (date: string, id: string): SandboxTransaction => ({ id, status, date, amountMinor: '-1200', currency, description: `Payment ${id}`, reference: `REF-${id}` });
  const out = [item(addDays(calendarDate(from), -1), 'tx-before')];
  for (let i = 0; i < count; i += 1) {
    const offset = count === 1 ? days : Math.round((i * days) / (count - 1));
    out.push(item(addDays(calendarDate(from), offset), `tx-${String(i).padStart(7, '0')}`));
  }
  out.push(item(addDays(calendarDate(to), 1), 'tx-after'));
  return out.sort((a, b) => (a.date === b.date ? (a.id < b.id ? -1 : 1) : a.date < b.date ? -1 : 1));
}

/** Starts the sandbox for one scenario of the kit. */
export async function startKitSandbox(scenario: SandboxScenario, connector: Connector): Promise<SandboxHandle> {
  const currency = connector.manifest.currency;
  const main: SandboxAccount = { id: 'acc-main', number: '****1234', name: 'Current account', currency, transactions: [] };
  const accounts = [main];
  if (scenario.type === 'transactions') {
    const kind = scenario.kind === 'pending' ? 'pending' : 'booked';
    const scenarioCurrency = scenario.currency ?? currency;
    const transactions = spread(kind, scenario.count, scenario.window.from, scenario.window.to, scenarioCurrency);
    accounts.push({ id: 'acc-scenario', number: '****5678', name: 'Scenario account', currency: scenarioCurrency, transactions });
  }
  const bank = await startSandboxBank({
    ...client,
    users: [{ username: 'alice', password: 'correct-horse', accounts }],
    ...(scenario.type === 'transactions' && scenario.bankPageSize !== undefined ? { maxPageSize: scenario.bankPageSize } : {}),
  });
  // The spec, when its file is there (the kit's sandbox-matches-spec names it when not).
  const checker = existsSync(SPEC_FILE) ? await loadSpec(SPEC_FILE) : undefined;
  return {
    config: { baseUrl: bank.baseUrl, ...client },
    ...(checker === undefined ? {} : { specProblems: () => bank.answers.flatMap((a) => checker.problems(a)) }),
    allowedHosts: [bank.host],
    ...(scenario.type === 'transactions' ? { bankAccountId: 'acc-scenario' } : {}),
    knobs: { setFault: async (fault) => bank.setFault(fault) },
    requests: () => bank.requests,
    endConsentAtBank: async (identity: Identity) => bank.revokeAtBank(identity.credentials.username ?? ''),
    bookPending: async (bankAccountId: string) => bank.bookPending(bankAccountId),
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
