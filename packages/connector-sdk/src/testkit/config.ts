import type { TransactionKind } from '@kinko/domain';
import type { Connector } from '../connector';
import type { HttpTimeouts } from '../http/client';
import type { RetryPolicy } from '../http/retry';
import type { FetchWindow } from '../model';

/** A user at the sandbox bank. */
export interface Identity {
  /** Credential connectors: the form values by field name. Redirect connectors: what `completeRedirect` types into the bank's login. */
  readonly credentials: Readonly<Record<string, string>>;
  /** Answers to the challenges this user gets, in order. */
  readonly challengeAnswers?: readonly string[];
  /** An answer the bank rejects (default: derived from the first right answer). */
  readonly wrongChallengeAnswer?: string;
}

/** The users the kit logs in with. */
export interface ConformanceIdentities {
  /** Logs in without trouble and owns the scenario's account. */
  readonly valid: Identity;
  /** A known user with a wrong password. */
  readonly wrongPassword: Identity;
  /** A user the bank challenges (required when the manifest declares challenges). */
  readonly withChallenge?: Identity;
}

/**
 * What the kit asks the sandbox for.
 * - `basic`: the identities exist; `valid` has at least one account.
 * - `transactions`: additionally, `valid` owns the account `bankAccountId` holding exactly
 *   `count` transactions of `kind` whose date (by the manifest's date field for that kind)
 *   lies within `window` — when count ≥ 2, one dated exactly `window.from` and one exactly
 *   `window.to` — plus exactly one more dated the day before `from` and one the day after
 *   `to` (outside the window, not counted). Balances, when supported, cover the window.
 */
export type SandboxScenario =
  | { readonly type: 'basic' }
  | {
      readonly type: 'transactions';
      readonly kind: TransactionKind;
      readonly window: FetchWindow;
      readonly count: number;
      /** The scenario account and its transactions are in this currency (default: the manifest's). */
      readonly currency?: string;
      /** The bank sends at most this many items per page, whatever page size the connector asks for. */
      readonly bankPageSize?: number;
    };

/**
 * A fault the sandbox injects into its data endpoints (accounts, transactions, balances,
 * branches — never the auth endpoints) until cleared, or for the next `times` requests.
 */
export type SandboxFault = (
  | { readonly type: 'latency'; readonly delayMs: number }
  | { readonly type: 'status'; readonly status: number; readonly retryAfter?: string }
  | { readonly type: 'malformedBody' }
  | { readonly type: 'dropConnection' }
  /** The answer is normal, but its link to the next page points back to the page itself. */
  | { readonly type: 'loopingNext' }
  /** The answer is normal, but its link to the next page is malformed (not a link the bank could serve). */
  | { readonly type: 'malformedNext' }
) & {
  readonly times?: number;
  /** The first `afterRequests` data requests are answered normally (a fault in the middle of a stream). */
  readonly afterRequests?: number;
};

/** One data request the sandbox received, as {@link SandboxHandle.requests} records it. */
export interface RecordedBankRequest {
  readonly method: string;
  /** The path without the query. */
  readonly path: string;
  /** The query parameters (the last value of a repeated name). */
  readonly query: Readonly<Record<string, string>>;
}

/** Controls of a running sandbox. */
export interface SandboxKnobs {
  /** Sets (or with undefined clears) the fault. */
  setFault(fault: SandboxFault | undefined): Promise<void>;
}

/** A running sandbox bank for one scenario. */
export interface SandboxHandle {
  /** The connector config pointing at this sandbox. */
  readonly config: unknown;
  /** Host entries of the sandbox (e.g. `127.0.0.1:43127`), added to the manifest's. */
  readonly allowedHosts: readonly string[];
  readonly knobs: SandboxKnobs;
  /** Per-scenario identities, overriding the config's. */
  readonly identities?: Partial<ConformanceIdentities>;
  /** The scenario account's bank id (required for `transactions` scenarios). */
  readonly bankAccountId?: string;
  /**
   * Redirect connectors: performs the bank-side login over HTTP for `identity` at the
   * authorisation `url` and returns the query parameters the bank's redirect carries back
   * (for a wrong password, whatever the bank sends back, e.g. `error=access_denied`).
   */
  readonly completeRedirect?: (url: string, identity: Identity) => Promise<Readonly<Record<string, string>>>;
  /** Every data request received so far, in order (the request checks need it). */
  readonly requests?: () => readonly RecordedBankRequest[];
  /** Ends the identity's consent at the bank, as the user withdrawing it there would (the consent check needs it). */
  readonly endConsentAtBank?: (identity: Identity) => Promise<void>;
  /** Books every pending transaction of the account, as the bank does when they settle (the pending-to-booked check needs it). */
  readonly bookPending?: (bankAccountId: string) => Promise<void>;
  /**
   * The hook of `sandbox-matches-spec`: what the sandbox found wrong in the answers it gave so
   * far, each validated against the published spec (`ConformanceConfig.spec.file`); empty when all conform.
   */
  readonly specProblems?: () => readonly string[];
  close(): Promise<void>;
}

/** The names of the kit's checks. */
export const conformanceCheckNames = [
  'manifest',
  'auth-happy-path',
  'wrong-credentials',
  'challenge-round-trip',
  'challenge-wrong-answer',
  'refresh-rotates',
  'revoke',
  'pagination',
  'pagination-large',
  'date-bounds-inclusive',
  'repeatable-read',
  'incremental-read',
  'every-kind',
  'balances',
  'branches',
  'fault-timeout',
  'fault-5xx',
  'fault-503-retry-after',
  'fault-429-retry-after-too-long',
  'fault-429-retry-after-honoured',
  'fault-malformed-body',
  'fault-dropped-connection',
  'requests-repeat-window',
  'fault-mid-stream',
  'next-link-looping',
  'next-link-malformed',
  'consent-ended-at-bank',
  'other-currency',
  'bank-page-size',
  'previous-versions',
  'pending-to-booked',
  'sandbox-matches-spec',
] as const;
/** The name of one check. */
export type CheckName = (typeof conformanceCheckNames)[number];

/** The per-connector configuration of the kit. */
export interface ConformanceConfig {
  readonly connector: Connector;
  readonly startSandbox: (scenario: SandboxScenario) => Promise<SandboxHandle>;
  readonly identities: ConformanceIdentities;
  /** Checks not run, each with a written reason (an empty reason fails the suite). */
  readonly skips?: Readonly<Partial<Record<CheckName, string>>>;
  /** Transactions in `pagination-large` (default 100 000). */
  readonly largeCount?: number;
  /** HTTP settings of the connector under test (defaults: 1 s connect, 2 s total, 2 attempts, 1.5 s max delay). */
  readonly http?: { readonly timeouts?: Partial<HttpTimeouts>; readonly retry?: Partial<RetryPolicy> };
  /**
   * Query parameters that move from page to page (e.g. `page`, `cursor`) when the connector
   * builds page requests itself; every other parameter of a fetch's first request must come
   * back unchanged on every page (`requests-repeat-window`). Default: none.
   */
  readonly pagingParameters?: readonly string[];
  /**
   * The published API spec the sandbox speaks (e.g. `../shared/specs/….yaml`). When the file is
   * present, `sandbox-matches-spec` asks the sandbox (`SandboxHandle.specProblems`) whether every
   * answer it gave conformed; when it is absent (a public clone has no ../shared) the check is
   * skipped, naming the file.
   */
  readonly spec?: { readonly file: string };
  /** Added to every time bound (default 2000 ms; a correctness bound, not a benchmark). */
  readonly slackMs?: number;
  /** The redirect URI passed to `auth.begin` (default `https://kinko.invalid/link/callback`). */
  readonly redirectUri?: string;
  /**
   * Grants and challenge states as earlier versions of the connector serialised them
   * (committed fixture files' text): each must still decode, or stored connections break on upgrade.
   */
  readonly previousVersions?: { readonly grants?: readonly string[]; readonly challengeStates?: readonly string[] };
}

/** Thrown when the kit's configuration is unusable (e.g. a skip without a reason). */
export class ConformanceConfigError extends Error {
  override readonly name = 'ConformanceConfigError';
}

/** Thrown by a check that found the connector non-conformant. */
export class ConformanceFailure extends Error {
  override readonly name = 'ConformanceFailure';
}

/** Validates the configuration; throws {@link ConformanceConfigError} listing every problem. */
export function validateConformanceConfig(config: ConformanceConfig): void {
  const problems: string[] = [];
  const known = new Set<string>(conformanceCheckNames);
  for (const [name, reason] of Object.entries(config.skips ?? {})) {
    if (!known.has(name)) problems.push(`skips.${name}: there is no such check`);
    if (typeof reason !== 'string' || reason.trim() === '') problems.push(`skips.${name}: a skipped check needs a written reason`);
  }
  if (config.identities?.valid === undefined) problems.push('identities.valid is required');
  if (config.identities?.wrongPassword === undefined) problems.push('identities.wrongPassword is required');
  if (config.largeCount !== undefined && !(Number.isInteger(config.largeCount) && config.largeCount > 0)) problems.push('largeCount must be a positive integer');
  if (problems.length > 0) throw new ConformanceConfigError(`invalid conformance config: ${problems.join('; ')}`);
}
