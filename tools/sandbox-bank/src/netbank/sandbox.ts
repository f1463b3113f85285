/**
 * Starting the net bank sandbox programmatically: data built from the seed, the server on
 * a loopback port, and a handle with the personas, knobs, test hooks and close().
 */
import type { KnownAggregationStatus } from '@kinko/domain';
import { dateInZone, isIsoDate, type IsoDate } from '../calendar';
import { systemClock, type Clock } from '../clock';
import type { LedgerEntry } from '../generator/ledger';
import { RequestLog, type RequestLogEntry, type RequestLogFilter } from '../request-log';
import { NetbankBank, type NetbankKnobs } from './bank';
import { normaliseNetbankBank, type NetbankAccountKind, type NetbankBankConfig, type NetbankChallengeStep, type NetbankPersonaConfig, type NetbankSecretQuestion } from './config';
import { startNetbankServer } from './http';
import { NetbankModel, type NetbankAccount } from './model';
import { DEFAULT_NETBANK_PERSONAS } from './personas';

/** Options of {@link startNetbankSandbox}. */
export interface NetbankSandboxOptions extends NetbankBankConfig {
  /** Seed of all generated data (default `kinko`): same seed, personas and anchor date → same transactions. */
  readonly seed?: string | number;
  /** "Now" for the sandbox (default: the real time): maintenance hours, lockouts, sessions, today's date. */
  readonly clock?: Clock;
  /** The day after the last day of generated history (default: today in the bank's zone at start). */
  readonly anchorDate?: IsoDate;
  /** The test users (default {@link DEFAULT_NETBANK_PERSONAS}). */
  readonly personas?: readonly NetbankPersonaConfig[];
  /** Enables `captchaAnswer`/`puzzleAnswer` and the admin API under `/__sandbox` (default false). */
  readonly testHooks?: boolean;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Port (default 0: a random free port). */
  readonly port?: number;
  /** A request log to share with other sandboxes (default: a new one). */
  readonly requestLog?: RequestLog;
  /** This bank's name in the request log (default `netbank`). */
  readonly logName?: string;
}

/** An account as the handle describes it. */
export interface NetbankAccountInfo {
  /** Id in the bank's URLs (`/accounts/{id}`). */
  readonly id: string;
  /** Configured kind. */
  readonly kind: NetbankAccountKind;
  /** The bank's name for the kind (普通預金…). */
  readonly typeLabel: string;
  /** Branch code ("" for cards). */
  readonly branchCode: string;
  /** Branch name ("" for cards). */
  readonly branchName: string;
  /** Account number, or the full card number. */
  readonly number: string;
  /** The number as the pages show it. */
  readonly displayNumber: string;
  /** Whether its transactions can be read online. */
  readonly supported: boolean;
}

/** A persona as the handle describes it (the configuration, spelled out). */
export interface NetbankPersonaInfo {
  /** Login id. */
  readonly id: string;
  /** Password at start (the `setPassword` knob may change it). */
  readonly password: string;
  /** What the persona is for. */
  readonly summary: string;
  /** The aggregation status the persona exists to produce. */
  readonly produces: KnownAggregationStatus | undefined;
  /** Account holder (full-width katakana). */
  readonly holderName: string;
  /** Branch code for the "branch + account number" login (undefined without a bank account). */
  readonly branchCode: string | undefined;
  /** Account number for that login. */
  readonly accountNumber: string | undefined;
  /** Steps after the password. */
  readonly challenges: readonly NetbankChallengeStep[];
  /** Its secret questions and answers. */
  readonly secretQuestions: readonly NetbankSecretQuestion[];
  /** Its one-time password. */
  readonly otpCode: string;
  /** Its accounts. */
  readonly accounts: readonly NetbankAccountInfo[];
}

/** What the bank holds, read without HTTP (for tests comparing pages with the generator). */
export interface NetbankTruth {
  /** Today in the bank's zone. */
  today(): IsoDate;
  /** An account's balance today. */
  balance(accountId: string): number;
  /** An account's transactions in an inclusive window, oldest first, as the pages list them. */
  transactions(accountId: string, from: IsoDate, to: IsoDate): LedgerEntry[];
  /** First day of an account's history. */
  firstDate(accountId: string): IsoDate;
}

/** A running net bank sandbox. */
export interface NetbankSandbox {
  /** Base URL, e.g. `http://127.0.0.1:41234` (login page at `/login`, people's entrance at `/direct/login`). */
  readonly url: string;
  /** Bank code (zengin). */
  readonly bankCode: string;
  /** Bank name as the pages show it. */
  readonly bankName: string;
  /** Bank name in Latin script (e.g. The Bank of Yokohama), for English and Polish pages. */
  readonly englishName: string;
  /** The personas. */
  readonly personas: readonly NetbankPersonaInfo[];
  /** A persona by id; throws when unknown. */
  persona(id: string): NetbankPersonaInfo;
  /** Run-time knobs. */
  readonly knobs: NetbankKnobs;
  /** Request log (shared when one was given). */
  readonly requestLog: RequestLog;
  /** This bank's entries of the request log. */
  requests(filter?: Omit<RequestLogFilter, 'bank'>): RequestLogEntry[];
  /** What the bank holds. */
  readonly truth: NetbankTruth;
  /** Test hook: the CAPTCHA text a session (value of the `NBSESSIONID` cookie) is asked; throws without test hooks. */
  captchaAnswer(sessionId: string): string | undefined;
  /** Test hook: the slider offset that solves a session's puzzle; throws without test hooks. */
  puzzleAnswer(sessionId: string): number | undefined;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Starts the net bank sandbox on a loopback port (random unless `port` is given). */
export async function startNetbankSandbox(options: NetbankSandboxOptions = {}): Promise<NetbankSandbox> {
  const clock = options.clock ?? systemClock;
  const bankConfig = normaliseNetbankBank(options);
  if (options.anchorDate !== undefined && !isIsoDate(options.anchorDate)) throw new Error(`anchorDate must be YYYY-MM-DD, got ${options.anchorDate}`);
  const anchor = options.anchorDate ?? dateInZone(clock(), bankConfig.timeZone);
  const model = new NetbankModel(bankConfig, options.personas ?? DEFAULT_NETBANK_PERSONAS, String(options.seed ?? 'kinko'), anchor);
  const bank = new NetbankBank(model, clock);
  const log = options.requestLog ?? new RequestLog();
  const logBank = options.logName ?? 'netbank';
  const testHooks = options.testHooks ?? false;
  const server = await startNetbankServer(bank, { host: options.host ?? '127.0.0.1', port: options.port ?? 0, log, logBank, clock, testHooks });
  const personas = [...model.personas.values()].map((p): NetbankPersonaInfo => ({
    id: p.id,
    password: p.password,
    summary: p.summary,
    produces: p.produces,
    holderName: p.holderName,
    branchCode: p.loginAccount?.branchCode,
    accountNumber: p.loginAccount?.number,
    challenges: p.challenges,
    secretQuestions: p.secretQuestions,
    otpCode: p.otpCode,
    accounts: p.accounts.map(accountInfo),
  }));
  const byId = new Map(personas.map((p) => [p.id, p]));
  const hook = <T>(f: () => T): T => {
    if (!testHooks) throw new Error('test hooks are disabled: start the sandbox with testHooks: true');
    return f();
  };
  let closed = false;
  return {
    url: server.url,
    bankCode: bankConfig.bankCode,
    bankName: model.bankName,
    englishName: model.englishName,
    personas,
    persona: (id) => {
      const p = byId.get(id);
      if (!p) throw new Error(`net bank: no persona ${id}`);
      return p;
    },
    knobs: bank.knobs,
    requestLog: log,
    requests: (filter = {}) => log.entries({ ...filter, bank: logBank }),
    truth: {
      today: () => bank.today(),
      balance: (accountId) => bank.balanceToday(model.account(accountId)),
      transactions: (accountId, from, to) => bank.transactions(accountId, from, to),
      firstDate: (accountId) => {
        const ledger = model.account(accountId).ledger;
        if (!ledger) throw new Error(`account ${accountId} has no transactions online`);
        return ledger.firstDate();
      },
    },
    captchaAnswer: (sessionId) => hook(() => bank.captchaAnswer(sessionId)),
    puzzleAnswer: (sessionId) => hook(() => bank.puzzleAnswer(sessionId)),
    close: async () => {
      if (closed) return;
      closed = true;
      await server.close();
    },
  };
}

function accountInfo(a: NetbankAccount): NetbankAccountInfo {
  return {
    id: a.id,
    kind: a.kind,
    typeLabel: a.typeLabel,
    branchCode: a.branchCode,
    branchName: a.branchName,
    number: a.number,
    displayNumber: a.displayNumber,
    supported: a.supported,
  };
}
