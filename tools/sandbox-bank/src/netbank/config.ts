/**
 * Configuration of the net bank sandbox: the bank, its rules (lockouts, maintenance
 * hours, session lifetime) and its personas — test users, each a plain record whose
 * fields switch on one situation of the aggregation-status seed.
 */
import type { KnownAggregationStatus } from '@kinko/domain';
import { assertTimeZone } from '../calendar';
import type { FaultSettings } from '../faults';

/** Kinds of account a persona can hold. The last two are shown but cannot be read online. */
export type NetbankAccountKind = 'ordinary' | 'current' | 'general' | 'time' | 'credit-card' | 'foreign-currency' | 'investment-trust';

/** How signed amounts are written: `¥1,234` / `−¥1,234`, or `1,234` / `▲1,234`. */
export type NetbankAmountStyle = 'yen-sign' | 'triangle';

/** How dates are written: `2026/11/21`, or `2026年11月21日`. */
export type NetbankDateStyle = 'slash' | 'kanji';

/** One account of a persona. */
export interface NetbankAccountConfig {
  /** Account kind (default `ordinary`, 普通預金). */
  readonly kind?: NetbankAccountKind;
  /** Account number: seven digits (default: derived from the seed). Ignored for cards (they get a card number). */
  readonly number?: string;
  /** Listed transactions over the history (default depends on the kind). */
  readonly transactions?: number;
  /** Days of history before the anchor date (default 180). */
  readonly historyDays?: number;
  /** Balance before the first transaction, in whole yen (default: generated from the seed). */
  readonly openingBalance?: number;
  /** How the detail page writes amounts (default: `yen-sign` for 普通/当座/総合, `triangle` for 定期 and cards). */
  readonly amountStyle?: NetbankAmountStyle;
  /** How the detail page writes dates (default: `slash` for 普通/当座/総合, `kanji` for 定期 and cards). */
  readonly dateStyle?: NetbankDateStyle;
}

/** When a challenge is asked. */
export type NetbankChallengeWhen =
  /** At every login. */
  | 'always'
  /** Only from a browser without the bank's device cookie (risk-based: asked once, then remembered). */
  | 'new-device'
  /** Only once the user switched it on (knob `setOtpEnabled`, or the settings page). OTP only. */
  | 'when-enabled';

/** One step after the password, in order. */
export type NetbankChallengeStep =
  /** A secret question (合言葉) picked at random (seeded) from the persona's questions; a second one in the same login is a different question. */
  | { readonly kind: 'security' }
  /** A one-time password (the persona's `otpCode`). */
  | { readonly kind: 'otp'; readonly when?: NetbankChallengeWhen }
  /** An image CAPTCHA (a PNG of noisy letters and digits). */
  | { readonly kind: 'captcha'; readonly when?: Exclude<NetbankChallengeWhen, 'when-enabled'> }
  /** A slider puzzle: move the piece into the gap of a picture. A person can; a connector cannot. */
  | { readonly kind: 'puzzle' };

/** A secret question and its answer. */
export interface NetbankSecretQuestion {
  /** The question as the bank shows it, e.g. 母親の旧姓は？ */
  readonly question: string;
  /** The answer (compared after NFKC normalisation, trimmed, case-insensitive). */
  readonly answer: string;
}

/** Temporary lockout after too many logins in a short time. */
export interface NetbankRapidLoginRule {
  /** Logins (correct password) allowed within the window; one more locks. */
  readonly maxLogins: number;
  /** Window length in seconds. */
  readonly withinSeconds: number;
  /** How long the lock lasts, in seconds. */
  readonly lockSeconds: number;
}

/** A page that goes wrong for a persona. */
export interface NetbankPersonaFault {
  /** Where: the answer to the login form, or the account list after login. */
  readonly at: 'login' | 'accounts';
  /** What: a 500 system-error page, a page slower than any client timeout, or a connection destroyed mid-response. */
  readonly kind: 'system-error' | 'slow' | 'drop-connection';
}

/** A test user of the net bank. Every field but `id` and `password` is optional. */
export interface NetbankPersonaConfig {
  /** Login id (ログインID); also the persona's name in tests and docs. */
  readonly id: string;
  /** Login password. */
  readonly password: string;
  /** One line saying what the persona is for (shown by `pnpm sandbox` and in the persona list). */
  readonly summary?: string;
  /** The aggregation status a first refresh with the right credentials (and no answers) ends in. */
  readonly produces?: KnownAggregationStatus;
  /** Account holder's name in full-width katakana (default ヤマダ タロウ). */
  readonly holderName?: string;
  /** Branch code of the persona's bank accounts (default: a real branch of the bank, from the seed). */
  readonly branchCode?: string;
  /** Accounts (default: one ordinary account). The first bank account is the one "branch + account number" logs in with. */
  readonly accounts?: readonly NetbankAccountConfig[];
  /** Steps after the password, in order (default none). */
  readonly challenges?: readonly NetbankChallengeStep[];
  /** Secret questions to pick from (default: four built-in ones; see the README). */
  readonly secretQuestions?: readonly NetbankSecretQuestion[];
  /** The one-time password (default `123456`). */
  readonly otpCode?: string;
  /** Whether an OTP step with `when: 'when-enabled'` is switched on at start (default false). */
  readonly otpEnabled?: boolean;
  /** New terms wait for acceptance after login (default false). */
  readonly termsPending?: boolean;
  /** The user is logged in elsewhere (another PC): every login gets the 二重ログイン page until this is cleared. */
  readonly loggedInElsewhere?: boolean;
  /** The bank is in maintenance for this user's services (default false). */
  readonly maintenance?: boolean;
  /** Locked at start: `temporary` (for the bank's temporary-lock time) or `permanent`. */
  readonly locked?: 'temporary' | 'permanent';
  /** Temporary lockout after rapid logins (default: the bank's `rapidLoginRule`, off unless set). */
  readonly rapidLoginRule?: NetbankRapidLoginRule | null;
  /** A page that goes wrong. */
  readonly fault?: NetbankPersonaFault;
  /** `changed`: the account list uses a redesigned markup without the stable markers (default `standard`). */
  readonly layout?: 'standard' | 'changed';
}

/** A daily maintenance window in the bank's zone; `to` before `from` spans midnight. */
export interface NetbankMaintenanceWindow {
  /** Start, `HH:MM` (inclusive). */
  readonly from: string;
  /** End, `HH:MM` (exclusive). */
  readonly to: string;
  /** Days of the week the window starts on, 0 Sunday … 6 Saturday (default every day). */
  readonly days?: readonly number[];
}

/** Maintenance settings. */
export interface NetbankMaintenance {
  /** Maintenance now, whatever the time (default false). */
  readonly forced?: boolean;
  /** Daily windows (default none). */
  readonly windows?: readonly NetbankMaintenanceWindow[];
}

/** The bank and its rules. */
export interface NetbankBankConfig {
  /** A real bank code known to zengin-code; branches come from it (default `0138`). */
  readonly bankCode?: string;
  /** Name shown on the pages (default: the zengin-code name, e.g. 横浜銀行). */
  readonly bankName?: string;
  /**
   * The name in Latin script, for apps showing the bank in English or Polish (default: the
   * English name of the default bank, {@link DEFAULT_NETBANK_BANK}, when neither the code nor
   * the name is changed; else `bankName`).
   */
  readonly englishName?: string;
  /** The bank's time zone (default Asia/Tokyo). */
  readonly timeZone?: string;
  /** Transactions per page of the detail table (default 50). */
  readonly pageSize?: number;
  /** Days of history the detail page can show; earlier `from` dates are moved up (default 400). */
  readonly onlineHistoryDays?: number;
  /** Default period of the detail page, in days ending today (default 31). */
  readonly defaultPeriodDays?: number;
  /** Idle time after which a session ends, in seconds (default 600). */
  readonly sessionIdleSeconds?: number;
  /** Time to answer a challenge, in seconds (default 300). */
  readonly challengeTimeoutSeconds?: number;
  /** Wrong passwords in a row that lock a user permanently (default 5; null: never). */
  readonly maxWrongPasswords?: number | null;
  /** Rapid-login rule for personas that do not set their own (default null: off). */
  readonly rapidLoginRule?: NetbankRapidLoginRule | null;
  /** Length of a temporary lock given at start (`locked: 'temporary'`), in seconds (default 1800). */
  readonly temporaryLockSeconds?: number;
  /** A second login while a session is live: `replace` ends the old session (default), `reject` shows 二重ログイン. */
  readonly concurrentLogin?: 'replace' | 'reject';
  /** How long a `slow` page takes, in milliseconds (default 120000). */
  readonly slowMs?: number;
  /** Maintenance at start. */
  readonly maintenance?: NetbankMaintenance;
  /** Fault knobs at start. */
  readonly faults?: Partial<FaultSettings>;
}

/** The bank with defaults filled in and values checked. */
export interface NormalisedNetbankBank {
  readonly bankCode: string;
  readonly bankName: string | undefined;
  readonly englishName: string | undefined;
  readonly timeZone: string;
  readonly pageSize: number;
  readonly onlineHistoryDays: number;
  readonly defaultPeriodDays: number;
  readonly sessionIdleSeconds: number;
  readonly challengeTimeoutSeconds: number;
  readonly maxWrongPasswords: number | null;
  readonly rapidLoginRule: NetbankRapidLoginRule | null;
  readonly temporaryLockSeconds: number;
  readonly concurrentLogin: 'replace' | 'reject';
  readonly slowMs: number;
  readonly maintenance: Required<NetbankMaintenance>;
  readonly faults: Partial<FaultSettings>;
}

/** The built-in secret questions (answers documented in the README). */
export const DEFAULT_SECRET_QUESTIONS: readonly NetbankSecretQuestion[] = [
  { question: '母親の旧姓は？', answer: 'スズキ' },
  { question: '最初に飼ったペットの名前は？', answer: 'ポチ' },
  { question: '出身小学校の名前は？', answer: 'さくら小学校' },
  { question: '子どもの頃のあだ名は？', answer: 'たっくん' },
];

/** The default one-time password. */
export const DEFAULT_OTP_CODE = '123456';

/** The bank the sandbox is by default: 横浜銀行 (zengin-code has no names in Latin script). */
export const DEFAULT_NETBANK_BANK = { bankCode: '0138', englishName: 'The Bank of Yokohama' } as const;

/** Fills in the bank's defaults; throws a descriptive error on invalid values. */
export function normaliseNetbankBank(config: NetbankBankConfig): NormalisedNetbankBank {
  const timeZone = config.timeZone ?? 'Asia/Tokyo';
  assertTimeZone(timeZone);
  const maintenance = { forced: config.maintenance?.forced ?? false, windows: config.maintenance?.windows ?? [] };
  maintenance.windows.forEach(checkWindow);
  const rule = config.rapidLoginRule ?? null;
  if (rule) checkRapidRule(rule);
  const maxWrong = config.maxWrongPasswords === undefined ? 5 : config.maxWrongPasswords;
  if (maxWrong !== null) positiveInt(maxWrong, 'maxWrongPasswords');
  return {
    bankCode: config.bankCode ?? DEFAULT_NETBANK_BANK.bankCode,
    bankName: config.bankName,
    englishName: config.englishName ?? ((config.bankCode ?? DEFAULT_NETBANK_BANK.bankCode) === DEFAULT_NETBANK_BANK.bankCode && config.bankName === undefined ? DEFAULT_NETBANK_BANK.englishName : undefined),
    timeZone,
    pageSize: positiveInt(config.pageSize ?? 50, 'pageSize', 1000),
    onlineHistoryDays: positiveInt(config.onlineHistoryDays ?? 400, 'onlineHistoryDays'),
    defaultPeriodDays: positiveInt(config.defaultPeriodDays ?? 31, 'defaultPeriodDays'),
    sessionIdleSeconds: positiveNumber(config.sessionIdleSeconds ?? 600, 'sessionIdleSeconds'),
    challengeTimeoutSeconds: positiveNumber(config.challengeTimeoutSeconds ?? 300, 'challengeTimeoutSeconds'),
    maxWrongPasswords: maxWrong,
    rapidLoginRule: rule,
    temporaryLockSeconds: positiveNumber(config.temporaryLockSeconds ?? 1800, 'temporaryLockSeconds'),
    concurrentLogin: config.concurrentLogin ?? 'replace',
    slowMs: nonNegative(config.slowMs ?? 120_000, 'slowMs'),
    maintenance,
    faults: config.faults ?? {},
  };
}

/** Throws unless `w` is a valid maintenance window. */
export function checkWindow(w: NetbankMaintenanceWindow): void {
  minutesOf(w.from);
  minutesOf(w.to);
  if (w.from === w.to) throw new Error(`maintenance window ${w.from}–${w.to} is empty`);
  for (const d of w.days ?? []) if (!Number.isInteger(d) || d < 0 || d > 6) throw new Error(`maintenance window day ${d} is not 0..6`);
}

/** Minutes since midnight of `HH:MM`; throws on anything else. */
export function minutesOf(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new Error(`expected a time HH:MM, got "${hhmm}"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Throws unless the rule's numbers are positive. */
export function checkRapidRule(rule: NetbankRapidLoginRule): void {
  positiveInt(rule.maxLogins, 'rapidLoginRule.maxLogins');
  positiveNumber(rule.withinSeconds, 'rapidLoginRule.withinSeconds');
  positiveNumber(rule.lockSeconds, 'rapidLoginRule.lockSeconds');
}

function positiveInt(v: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`${name} must be an integer in 1..${max}`);
  return v;
}

function positiveNumber(v: number, name: string): number {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
}

function nonNegative(v: number, name: string): number {
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be ≥ 0`);
  return v;
}
