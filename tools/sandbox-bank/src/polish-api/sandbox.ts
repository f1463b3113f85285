/**
 * Starting the PolishAPI sandbox: one HTTP server per bank on a loopback port, a shared
 * request log, each bank's knobs, test hooks and truth API, and close().
 */
import type { SpecAnswer } from '../answer-log';
import { CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose';
import { dateInZone, isIsoDate, type IsoDate } from '../calendar';
import { systemClock, type Clock } from '../clock';
import { RequestLog, type RequestLogFilter } from '../request-log';
import { PolishApiBank } from './bank';
import type { BankSigningKey, PolishApiKnobs, PolishApiTestHooks, PolishApiTruth } from './knobs';
import { normalisePolishBank, type PolishApiBankConfig, type PolishApiBankOptions, type PolishApiClientConfig, type PolishApiUserConfig } from './config';
import { startPolishApiServer, type PolishApiRequestLogEntry, type PolishApiServer } from './http';
import { PolishBankModel } from './model';

/** Options of {@link startPolishApiSandbox}. For one bank give `clients` and `users` (and bank options); for several, `banks`. */
export interface PolishApiSandboxOptions extends PolishApiBankOptions {
  /** TPPs registered at the (single) bank. */
  readonly clients?: readonly PolishApiClientConfig[];
  /** PSUs of the (single) bank. */
  readonly users?: readonly PolishApiUserConfig[];
  /** Several banks, each on its own port (instead of `clients` and `users`). */
  readonly banks?: readonly PolishApiBankConfig[];
  /** Seed of all generated data (default `kinko`). The same seed, config and anchor date give the same data. */
  readonly seed?: string | number;
  /** "Now" (default: the real time). A `manualClock('2020-06-01T10:00:00+02:00')` makes today 2020-06-01. */
  readonly clock?: Clock;
  /** The day after the last day of generated history (default: today in the bank's zone at start). */
  readonly anchorDate?: IsoDate;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** A request log to share with other sandboxes (default: a new one). */
  readonly requestLog?: RequestLog;
  /** Entries kept by a new request log (default 10,000). */
  readonly requestLogLimit?: number;
}

/** One running PolishAPI bank. */
export interface PolishApiSandboxBank {
  /** 3-digit bank code. */
  readonly bankCode: string;
  /** Bank name. */
  readonly bankName: string;
  /** Base URL; the spec's paths go under it (see `POLISH_API_PATHS`). */
  readonly url: string;
  /** Registered TPPs. */
  readonly clients: readonly PolishApiClientConfig[];
  /** PSUs as configured. */
  readonly users: readonly PolishApiUserConfig[];
  /** The public key that signs the bank's 200 answers (their X-JWS-SIGNATURE). */
  readonly signingKey: JWK;
  /** Run-time knobs. */
  readonly knobs: PolishApiKnobs;
  /** Test shortcuts (approve a consent without HTML, expire a consent, advance a manual clock). */
  readonly testHooks: PolishApiTestHooks;
  /** What the bank holds, without HTTP. */
  readonly truth: PolishApiTruth;
  /** This bank's request log entries, with body parameters. */
  requests(filter?: Omit<RequestLogFilter, 'bank'>): PolishApiRequestLogEntry[];
  /** The bank's answers of the spec's paths so far (bodies included: tests only), for checking against the published spec. */
  answers(): readonly SpecAnswer[];
}

/** A running PolishAPI sandbox. The top-level fields are the first bank's. */
export interface PolishApiSandbox extends PolishApiSandboxBank {
  /** Every bank, in configuration order. */
  readonly banks: readonly PolishApiSandboxBank[];
  /** A bank by code; throws when absent. */
  bank(bankCode: string): PolishApiSandboxBank;
  /** The request log (shared by every bank of this sandbox, and with others when passed in). */
  readonly requestLog: RequestLog;
  /** Stops every server. */
  close(): Promise<void>;
}

/** Starts the sandbox: each bank listening on its own loopback port (random unless configured). */
export async function startPolishApiSandbox(options: PolishApiSandboxOptions): Promise<PolishApiSandbox> {
  const clock = options.clock ?? systemClock;
  const seed = String(options.seed ?? 'kinko');
  if (options.anchorDate !== undefined && !isIsoDate(options.anchorDate)) throw new Error(`anchorDate must be YYYY-MM-DD, got ${options.anchorDate}`);
  const configs = bankConfigs(options);
  const log = options.requestLog ?? new RequestLog(options.requestLogLimit ?? 10_000);
  const seen = new Set<string>();
  const banks: PolishApiBank[] = [];
  for (const raw of configs) {
    const config = normalisePolishBank(raw);
    if (seen.has(config.bankCode)) throw new Error(`PolishAPI bank ${config.bankCode} is configured twice`);
    seen.add(config.bankCode);
    const anchor = options.anchorDate ?? dateInZone(clock(), config.timeZone);
    banks.push(new PolishApiBank(new PolishBankModel(config, seed, anchor), clock, await bankSigningKey(config.bankCode)));
  }
  const servers: PolishApiServer[] = [];
  const handles: PolishApiSandboxBank[] = [];
  try {
    for (const [i, bank] of banks.entries()) {
      const server = await startPolishApiServer(bank, { host: options.host ?? '127.0.0.1', port: bank.model.config.port, log, clock });
      servers.push(server);
      handles.push(handleOf(bank, server, configs[i] as PolishApiBankConfig, log));
    }
  } catch (e) {
    await Promise.all(servers.map((s) => s.close()));
    throw e;
  }
  const first = handles[0];
  if (!first) throw new Error('no bank configured');
  const byCode = new Map(handles.map((h) => [h.bankCode, h]));
  let closed = false;
  return {
    ...first,
    requests: first.requests,
    answers: first.answers,
    banks: handles,
    bank: (code) => {
      const h = byCode.get(code);
      if (!h) throw new Error(`no PolishAPI bank ${code} in this sandbox`);
      return h;
    },
    requestLog: log,
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

function bankConfigs(options: PolishApiSandboxOptions): readonly PolishApiBankConfig[] {
  if (options.banks !== undefined) {
    if (options.clients !== undefined || options.users !== undefined) throw new Error('give either banks, or clients and users, not both');
    if (options.banks.length === 0) throw new Error('banks is empty');
    return options.banks;
  }
  if (options.clients === undefined || options.users === undefined) throw new Error('clients and users are required (or banks)');
  const { banks: _banks, seed: _seed, clock: _clock, anchorDate: _anchor, host: _host, requestLog: _log, requestLogLimit: _limit, ...bank } = options;
  return [{ ...bank, clients: options.clients, users: options.users }];
}

/** A fresh ES256 key the bank signs its answers with. */
async function bankSigningKey(bankCode: string): Promise<BankSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `polish-api-bank-${bankCode}`;
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return {
    publicJwk,
    sign: async (body) => {
      const compact = await new CompactSign(new TextEncoder().encode(body)).setProtectedHeader({ alg: 'ES256', kid }).sign(privateKey);
      const [h, , s] = compact.split('.');
      return `${h}..${s}`;
    },
  };
}

function handleOf(bank: PolishApiBank, server: PolishApiServer, config: PolishApiBankConfig, log: RequestLog): PolishApiSandboxBank {
  return {
    bankCode: bank.bankCode,
    bankName: bank.model.config.bankName,
    url: server.url,
    answers: () => server.answers(),
    clients: config.clients,
    users: config.users,
    signingKey: bank.signingKey.publicJwk,
    knobs: bank.knobs,
    testHooks: bank.testHooks,
    truth: bank.truth,
    requests: (filter = {}) => log.entries({ ...filter, bank: bank.bankCode }) as PolishApiRequestLogEntry[],
  };
}
