import type { ConsentFacts, CreateConnectorOptions, Grant } from '@kinko/connector-sdk';
import { DEFAULT_POOL_SIZE } from '../database/measured-pool';
import type { SyncClock } from './sync-clock';

/** How the app creates one connector's client: its config (client credentials…), extra hosts, HTTP tuning. */
export interface ConnectorSetup {
  /** Decoded with the connector's config schema (secrets may be plain strings). */
  readonly config: unknown;
  /** Hosts allowed besides the manifest's (a sandbox bank on loopback). */
  readonly extraAllowedHosts?: readonly string[];
  readonly http?: CreateConnectorOptions['http'];
  /** Reads the consent's facts out of the connector's grant, for connectors whose grant carries them. */
  readonly consentFacts?: ConsentFactsReader;
}

/**
 * What a grant says about its consent, as the bank confirmed it (the SDK's contract v2 type:
 * validUntil, frequencyPerDay, last SCA, history). Any may be absent.
 */
export type { ConsentFacts } from '@kinko/connector-sdk';

/** A connector package's reader of {@link ConsentFacts}; undefined for a grant it does not know. */
export type ConsentFactsReader = (grant: Grant) => ConsentFacts | undefined;

/** Tuning of the sync worker, scheduler and watchdog (defaults in {@link DEFAULT_SYNC_SETTINGS}). */
export interface SyncSettings {
  /** pg-boss schema holding the job queue (in the app's own database). */
  readonly queueSchema: string;
  /**
   * Sessions one worker process runs at once: more than a bank allows requests in flight (the
   * limiter, across processes, keeps the manifest's `maxConcurrency`), since a session's
   * requests mostly depend on one another. It costs no database connection per session (the
   * run locks share one connection; the queue is polled once per interval per process).
   */
  readonly concurrency: number;
  /** Accounts of one session fetched in parallel (the bank's limits still cap the requests). */
  readonly accountConcurrency: number;
  /** Retries of a session whose bank kept failing with retryable errors, before the dead letter. */
  readonly retryLimit: number;
  /** First retry delay; doubled per retry (pg-boss retryBackoff). */
  readonly retryDelaySeconds: number;
  /** pg-boss expiry of a running job (a backstop: crashed workers are found by the watchdog much sooner). */
  readonly expireInSeconds: number;
  /** How often a worker looks for sessions whose worker died or whose job is gone. */
  readonly watchdogIntervalMs: number;
  /** A job must be this old before the watchdog may declare its worker dead. */
  readonly orphanGraceMs: number;
  /** How often an idle worker polls the queue. */
  readonly pollingIntervalSeconds: number;
  /** How often the scheduler plans background refreshes; 0 = no scheduler in this process. */
  readonly schedulerIntervalMs: number;
  /** Wanted time between two background refreshes of a connection (within the unattended budget). */
  readonly refreshIntervalMinutes: number;
  /** The most due connections one scheduler round takes (planned in batches of 500, each in one transaction); the rest wait for the next round. */
  readonly schedulerRoundLimit: number;
  /** A grant expiring within this margin is refreshed before the first bank call. */
  readonly grantRefreshMarginMs: number;
  /** How long a worker waits for a bank request slot before giving up the attempt (retried later). */
  readonly slotWaitMs: number;
  /**
   * A session's overall deadline, from its first attempt's start, retries included: a bank
   * that hangs or keeps failing cannot keep the connection in `running.*` longer. Past it,
   * the call under way is abandoned and the session ends (`error.temporary`). A bank's
   * Retry-After longer than what is left of it ends the session at once (the honest status)
   * and schedules the next session after the wait.
   */
  readonly sessionDeadlineMs: number;
  /** Days the change feed's log keeps a change (transactions/feed-retention.ts; pruned by the scheduler's round). */
  readonly feedRetentionDays: number;
  /**
   * Minutes a finished session keeps the user's IP address and user agent (`parameters.psu`,
   * session-psu.ts; erased by the scheduler's round). 0: erased at the first round after it finished.
   */
  readonly psuRetentionMinutes: number;
}

/** Defaults of {@link SyncSettings}. */
export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
  queueSchema: 'pgboss',
  // 20: a session's 7 requests (20 ms each, 3 at a time) fill 140 ms of slot time in about
  // 170 ms of session (its database work lies between them), so 10 sessions ask for about 8 of
  // the bank's 10 slots at best (71% used in the daily refresh); 20 ask for 16 and keep them
  // full while some sessions do database work. The process's database pool has a connection
  // per session (sessionPoolSize; no session holds one while it waits for another: the collapse
  // at 40 on 2026-12-07 was the session end's report on a second connection, fixed).
  concurrency: 20,
  accountConcurrency: 3,
  retryLimit: 4,
  retryDelaySeconds: 10,
  expireInSeconds: 4 * 3600,
  watchdogIntervalMs: 15_000,
  orphanGraceMs: 10_000,
  pollingIntervalSeconds: 1,
  schedulerIntervalMs: 60_000,
  refreshIntervalMinutes: 6 * 60,
  schedulerRoundLimit: 5_000,
  grantRefreshMarginMs: 120_000,
  slotWaitMs: 120_000,
  sessionDeadlineMs: 5 * 60_000,
  feedRetentionDays: 90,
  psuRetentionMinutes: 0,
};

/**
 * The database pool of a process that runs sync sessions (`worker`, or `serve` with its
 * worker): a connection per session it runs at once ({@link SyncSettings.concurrency}), never
 * fewer than the app's default. A session holds at most one pooled connection at a time, so
 * with fewer connections than sessions they queue for one between their bank requests. The
 * daily-refresh bench (20 sessions, pool 10, the connector's per-start spacing gone): 81-93 ms
 * per session waiting for a connection, 6-7 of its 13 checkouts, with 8.2 of the 10 checked out
 * on average; with 20: ~1 ms, none waited, 7-8 checked out on average (PostgreSQL opens the
 * backends only as they are needed).
 */
export function sessionPoolSize(tuning: Partial<SyncSettings> | Readonly<Record<string, number>>): number {
  return Math.max(DEFAULT_POOL_SIZE, tuning.concurrency ?? DEFAULT_SYNC_SETTINGS.concurrency);
}

/** What the sync module is built from. */
export interface SyncModuleOptions {
  /** The app's database (pg-boss and the lock pool connect to it too). */
  readonly databaseUrl: string;
  /** Per connector id: how to create its client. A registered connector without a setup cannot be synced. */
  readonly connectorSetups?: Readonly<Record<string, ConnectorSetup>>;
  /** Fix "now" (tests); default the system clock. */
  readonly clock?: SyncClock;
  readonly settings?: Partial<SyncSettings>;
}

/** Injection token of the resolved {@link SyncSettings}. */
export const SYNC_SETTINGS = Symbol('kinko.sync-settings');
/** Injection token of the {@link SyncModuleOptions}. */
export const SYNC_OPTIONS = Symbol('kinko.sync-options');

/** Thrown at start for a sync setting that does not exist or has the wrong type. */
export class InvalidSyncSettingsError extends Error {
  override readonly name = 'InvalidSyncSettingsError';
}

/** The defaults overridden by `partial`; unknown names and wrong types are refused (a typo must not pass silently). */
export function resolveSyncSettings(partial: Partial<SyncSettings> = {}): SyncSettings {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(partial)) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_SYNC_SETTINGS)) problems.push(`unknown sync setting "${key}"`);
    else if (typeof value !== typeof DEFAULT_SYNC_SETTINGS[key as keyof SyncSettings]) problems.push(`sync setting "${key}" must be a ${typeof DEFAULT_SYNC_SETTINGS[key as keyof SyncSettings]}`);
  }
  if (problems.length > 0) throw new InvalidSyncSettingsError(problems.join('; '));
  const merged = { ...DEFAULT_SYNC_SETTINGS, ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) } as SyncSettings;
  if (merged.concurrency < 1 || merged.accountConcurrency < 1) throw new InvalidSyncSettingsError('concurrency and accountConcurrency must be at least 1');
  if (merged.sessionDeadlineMs < 1_000) throw new InvalidSyncSettingsError('sessionDeadlineMs must be at least 1000');
  if (!(merged.feedRetentionDays >= 1)) throw new InvalidSyncSettingsError('feedRetentionDays must be at least 1');
  if (!(merged.psuRetentionMinutes >= 0)) throw new InvalidSyncSettingsError('psuRetentionMinutes must be at least 0');
  if (!(merged.schedulerRoundLimit >= 1)) throw new InvalidSyncSettingsError('schedulerRoundLimit must be at least 1');
  if (merged.pollingIntervalSeconds < 0.5) throw new InvalidSyncSettingsError('pollingIntervalSeconds must be at least 0.5 (pg-boss)');
  return merged;
}
