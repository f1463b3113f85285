/**
 * Starting the 銀行共通API sandbox: one HTTP server per bank on a loopback port, one
 * shared request log, the truth API, and close().
 */
import type { SpecAnswer } from '../answer-log';
import { systemClock } from '../clock';
import { RequestLog, type RequestLogEntry, type RequestLogFilter } from '../request-log';
import type { BankCommonApiBank, BankCommonApiKnobs } from './bank';
import type { BankCommonApiClientConfig, SandboxUserConfig } from './config';
import { startBankServer, type BankServer } from './http';
import { truthOf, type BankCommonApiTruth } from './truth';
import { createBanks, type BankCommonApiDataOptions } from './world';

/** Options of {@link startBankCommonApiSandbox}. */
export interface BankCommonApiSandboxOptions extends BankCommonApiDataOptions {
  /** Mount the test-only admin API under `/__sandbox` on every bank (default false). */
  readonly admin?: boolean;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Request log entries kept (default 10,000). */
  readonly requestLogLimit?: number;
  /**
   * Answers kept per bank for {@link SandboxBank.answers} (default 10,000, the last ones). Each
   * holds its body: a load run (the bench) sets 0, so the bank neither copies nor retains them.
   */
  readonly answerLimit?: number;
}

/** One running bank. */
export interface SandboxBank {
  /** Bank code. */
  readonly bankCode: string;
  /** Bank name as the API reports it. */
  readonly bankName: string;
  /** The name in Latin script (English and Polish pages). */
  readonly englishName: string;
  /** Base URL of the bank's API, e.g. `http://127.0.0.1:41234` (paths as in the spec: `/auth/login`, `/accounts`…). */
  readonly url: string;
  /** The registered client (api_key, password, redirect domains). */
  readonly client: BankCommonApiClientConfig;
  /** The bank's users as configured. */
  readonly users: readonly SandboxUserConfig[];
  /** Run-time knobs. */
  readonly knobs: BankCommonApiKnobs;
  /** This bank's entries of the request log. */
  requests(filter?: Omit<RequestLogFilter, 'bank'>): RequestLogEntry[];
  /** The bank's answers so far (bodies included: tests only), for checking against the published spec; none with `answerLimit: 0`. */
  answers(): readonly SpecAnswer[];
}

/** A running 銀行共通API sandbox. */
export interface BankCommonApiSandbox {
  /** The banks, in configuration order. */
  readonly banks: readonly SandboxBank[];
  /** A bank by code; throws when absent. */
  bank(bankCode: string): SandboxBank;
  /** A bank's base URL. */
  url(bankCode: string): string;
  /** Every request to every bank (not the admin API). */
  readonly requestLog: RequestLog;
  /** What the banks hold, without HTTP. */
  readonly truth: BankCommonApiTruth;
  /** Stops every server. */
  close(): Promise<void>;
}

/** Starts the sandbox: every bank listening on its own port (random unless configured). */
export async function startBankCommonApiSandbox(options: BankCommonApiSandboxOptions): Promise<BankCommonApiSandbox> {
  const clock = options.clock ?? systemClock;
  const banks = createBanks({ ...options, clock });
  const log = new RequestLog(options.requestLogLimit ?? 10_000);
  const servers: BankServer[] = [];
  const handles: SandboxBank[] = [];
  const configs = new Map(options.banks.map((c) => [c.bankCode, c]));
  try {
    for (const bank of banks) {
      const server = await startBankServer(bank, { host: options.host ?? '127.0.0.1', port: bank.model.config.port, log, clock, admin: options.admin ?? false, answerLimit: options.answerLimit ?? 10_000 });
      servers.push(server);
      handles.push(handleOf(bank, server, configs.get(bank.bankCode)?.users ?? [], log));
    }
  } catch (e) {
    await Promise.all(servers.map((s) => s.close()));
    throw e;
  }
  const byCode = new Map(handles.map((h) => [h.bankCode, h]));
  const bankOf = (code: string): SandboxBank => {
    const h = byCode.get(code);
    if (!h) throw new Error(`no bank ${code} in this sandbox`);
    return h;
  };
  let closed = false;
  return {
    banks: handles,
    bank: bankOf,
    url: (code) => bankOf(code).url,
    requestLog: log,
    truth: truthOf(banks),
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

function handleOf(bank: BankCommonApiBank, server: BankServer, users: readonly SandboxUserConfig[], log: RequestLog): SandboxBank {
  return {
    bankCode: bank.bankCode,
    bankName: bank.model.config.bankName,
    englishName: bank.model.config.englishName,
    url: server.url,
    answers: () => server.answers(),
    client: bank.model.config.client,
    users,
    knobs: bank.knobs,
    requests: (filter = {}) => log.entries({ ...filter, bank: bank.bankCode }),
  };
}
