/**
 * The net bank's behaviour, free of HTTP: each page is a function from a request
 * (query, form fields, cookies) to a response (a page, a redirect, a PNG, or a fault:
 * slow or cut off). Holds the sessions, each user's login state (wrong-password count,
 * locks, OTP switch, pending terms, "logged in elsewhere"), remembered devices, and the
 * run-time knobs.
 */
import { randomBytes } from 'node:crypto';
import { addDays, dateInZone, dayNumber, isIsoDate, secondsOfDayInZone, type IsoDate } from '../calendar';
import type { Clock } from '../clock';
import { FaultInjector } from '../faults';
import type { LedgerEntry } from '../generator/ledger';
import { Prng, hash32, unit } from '../generator/prng';
import { checkRapidRule, checkWindow, type NetbankMaintenance, type NetbankRapidLoginRule } from './config';
import { foldAnswer } from './format';
import { CAPTCHA_ALPHABET } from './glyphs';
import { puzzleGeometry, renderCaptcha, renderPuzzleBackground, renderPuzzlePiece } from './images';
import { formatInstant, maintenanceAt } from './maintenance';
import type { NetbankAccount, NetbankModel, NetbankPersona } from './model';
import { accountDetailPage, accountUnavailablePage, accountsPage, redesignedAccountsPage, settingsPage, type AccountRow } from './pages/accounts';
import { captchaPage, loginErrorPage, loginPage, otpPage, puzzlePage, securityPage, type Channel } from './pages/login';
import {
  doubleLoginPage,
  inputErrorPage,
  lockedPermanentPage,
  lockedTemporaryPage,
  logoutPage,
  maintenancePage,
  notFoundPage,
  sessionExpiredPage,
  systemErrorPage,
  termsPage,
} from './pages/notices';
import { SessionStore, type NetbankSession, type PendingChallenge } from './sessions';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'NBSESSIONID';
/** Name of the long-lived cookie that marks a browser as a known device. */
export const DEVICE_COOKIE = 'NBDEVICE';
/** How long the device cookie lives (one year). */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 365 * 86_400;
/** How far a puzzle answer may be off, in pixels. */
export const PUZZLE_TOLERANCE = 4;

/** A cookie to set (or clear) with the response. */
export interface CookieChange {
  readonly name: string;
  /** The value; empty together with `maxAgeSeconds: 0` clears the cookie. */
  readonly value: string;
  /** Lifetime; absent for a browser-session cookie. */
  readonly maxAgeSeconds?: number;
}

/** What the bank answers. */
export type NetbankResponse =
  | { readonly kind: 'html'; readonly status: number; readonly html: string; readonly cookies?: readonly CookieChange[]; readonly headers?: Readonly<Record<string, string>> }
  | { readonly kind: 'redirect'; readonly location: string; readonly cookies?: readonly CookieChange[] }
  | { readonly kind: 'png'; readonly body: Buffer }
  /** Answer `then`, but only after `delayMs` (a page slower than the client's timeout). */
  | { readonly kind: 'slow'; readonly delayMs: number; readonly then: NetbankResponse }
  /** Start answering `html` and destroy the connection halfway. */
  | { readonly kind: 'drop'; readonly html: string };

/** The parts of a request the bank reads. */
export interface NetbankRequest {
  /** Query parameters. */
  readonly query: Readonly<Record<string, unknown>>;
  /** Form fields (urlencoded body); empty for GET. */
  readonly form: Readonly<Record<string, unknown>>;
  /** Cookies sent. */
  readonly cookies: Readonly<Record<string, string | undefined>>;
}

/** A transaction added through a knob. */
export interface NetbankNewTransaction {
  /** Signed amount in whole yen (positive in, negative out). */
  readonly amount: number;
  /** Description (default `振込 カ）キンコテスト`). */
  readonly description?: string;
  /** Booking date (default today in the bank's zone). */
  readonly date?: IsoDate;
}

/** Run-time knobs of the net bank. Persona ids and account ids must exist (else they throw). */
export interface NetbankKnobs {
  /** Shared fault knobs: latency, error rates, queued failures, 429 + Retry-After, hangs, truncated bodies, dropped connections. */
  readonly faults: FaultInjector;
  /** Current maintenance settings. */
  maintenance(): Required<NetbankMaintenance>;
  /** Changes maintenance (given fields only): `forced` now, or daily `windows` in the bank's zone. */
  setMaintenance(settings: NetbankMaintenance): void;
  /** Switches a persona's `when-enabled` OTP on or off (as the user would on the settings page). */
  setOtpEnabled(personaId: string, enabled: boolean): void;
  /** Makes new terms wait for (or no longer wait for) the persona's acceptance. */
  setTermsPending(personaId: string, pending: boolean): void;
  /** Says the persona is (or no longer is) logged in elsewhere. */
  setLoggedInElsewhere(personaId: string, elsewhere: boolean): void;
  /** Puts the persona's services in (or out of) maintenance. */
  setPersonaMaintenance(personaId: string, on: boolean): void;
  /** Changes the persona's password at the bank (stored credentials become wrong). */
  setPassword(personaId: string, password: string): void;
  /** Locks a persona: `temporary` for `seconds` (default the bank's temporary-lock time), or `permanent`. */
  lock(personaId: string, kind: 'temporary' | 'permanent', seconds?: number): void;
  /** Lifts every lock and resets the wrong-password count and recent logins. */
  unlock(personaId: string): void;
  /** Changes a persona's rapid-login rule (null: none). */
  setRapidLoginRule(personaId: string, rule: NetbankRapidLoginRule | null): void;
  /** Forgets remembered devices (of one persona, or of all). */
  forgetDevices(personaId?: string): void;
  /** Ends sessions (of one persona, or all). */
  endSessions(personaId?: string): void;
  /** Transactions per page of the detail table. */
  setPageSize(size: number): void;
  /** How long `slow` pages take. */
  setSlowMs(ms: number): void;
  /** Idle time after which sessions end (the net bank's "token lifetime"). */
  setSessionIdleSeconds(seconds: number): void;
  /** Time to answer a challenge. */
  setChallengeTimeoutSeconds(seconds: number): void;
  /** Wrong passwords in a row that lock permanently (null: never). */
  setMaxWrongPasswords(count: number | null): void;
  /** What a second login does while a session is live. */
  setConcurrentLogin(policy: 'replace' | 'reject'): void;
  /** Hides an account: gone from the list, its detail page answers "not found". */
  removeAccount(accountId: string): void;
  /** Brings a hidden account back. */
  restoreAccount(accountId: string): void;
  /** Books a transaction now; returns it as the detail page will list it. */
  insertTransaction(accountId: string, tx: NetbankNewTransaction): LedgerEntry;
  /** Books `tx` right after page `page` of the account's detail table has been served. */
  insertTransactionAfterPage(accountId: string, page: number, tx: NetbankNewTransaction): void;
  /** Every knob and every user's state back to the configuration; sessions end and devices are forgotten (inserted transactions stay). */
  reset(): void;
}

interface UserState {
  password: string;
  wrongPasswords: number;
  lockedPermanently: boolean;
  lockedUntil: number | null;
  recentLogins: number[];
  rapidLoginRule: NetbankRapidLoginRule | null;
  otpEnabled: boolean;
  termsPending: boolean;
  loggedInElsewhere: boolean;
  maintenance: boolean;
  logins: number;
}

interface Settings {
  pageSize: number;
  slowMs: number;
  sessionIdleSeconds: number;
  challengeTimeoutSeconds: number;
  maxWrongPasswords: number | null;
  concurrentLogin: 'replace' | 'reject';
  maintenance: Required<NetbankMaintenance>;
}

const DEFAULT_DESCRIPTION = '振込　カ）キンコテスト';
const CAPTCHA_LENGTH = 5;

/** The net bank. */
export class NetbankBank {
  /** Run-time knobs. */
  readonly knobs: NetbankKnobs;
  private readonly sessions: SessionStore;
  private users = new Map<string, UserState>();
  private devices = new Map<string, Set<string>>();
  private removed = new Set<string>();
  private pendingInserts: Array<{ accountId: string; page: number; tx: NetbankNewTransaction }> = [];
  private settings: Settings;
  private challengeSeq = 0;

  /** Creates the bank over its model; `clock` gives "now". */
  constructor(
    readonly model: NetbankModel,
    private readonly clock: Clock,
  ) {
    this.settings = this.initialSettings();
    this.resetUsers();
    this.sessions = new SessionStore(clock, () => this.settings.sessionIdleSeconds * 1000);
    const bank = model.bank;
    const faults = new FaultInjector(hash32(model.seed, bank.bankCode, 'netbank-faults'), bank.faults);
    const positive = (v: number, name: string): number => {
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
      return v;
    };
    this.knobs = {
      faults,
      maintenance: () => this.settings.maintenance,
      setMaintenance: (m) => {
        const next = { forced: m.forced ?? this.settings.maintenance.forced, windows: m.windows ?? this.settings.maintenance.windows };
        next.windows.forEach(checkWindow);
        this.settings.maintenance = next;
      },
      setOtpEnabled: (id, enabled) => {
        this.user(id).otpEnabled = enabled;
      },
      setTermsPending: (id, pending) => {
        this.user(id).termsPending = pending;
      },
      setLoggedInElsewhere: (id, elsewhere) => {
        this.user(id).loggedInElsewhere = elsewhere;
      },
      setPersonaMaintenance: (id, on) => {
        this.user(id).maintenance = on;
      },
      setPassword: (id, password) => {
        if (!password) throw new Error('password must not be empty');
        this.user(id).password = password;
      },
      lock: (id, kind, seconds) => {
        const u = this.user(id);
        if (kind === 'permanent') u.lockedPermanently = true;
        else u.lockedUntil = this.now() + positive(seconds ?? bank.temporaryLockSeconds, 'seconds') * 1000;
      },
      unlock: (id) => {
        const u = this.user(id);
        u.lockedPermanently = false;
        u.lockedUntil = null;
        u.wrongPasswords = 0;
        u.recentLogins = [];
      },
      setRapidLoginRule: (id, rule) => {
        if (rule) checkRapidRule(rule);
        this.user(id).rapidLoginRule = rule;
      },
      forgetDevices: (id) => {
        if (id === undefined) this.devices.clear();
        else {
          this.user(id);
          for (const users of this.devices.values()) users.delete(id);
        }
      },
      endSessions: (id) => {
        if (id !== undefined) this.user(id);
        this.sessions.endAll(id);
      },
      setPageSize: (size) => {
        if (!Number.isInteger(size) || size < 1 || size > 1000) throw new Error('page size must be an integer in 1..1000');
        this.settings.pageSize = size;
      },
      setSlowMs: (ms) => {
        if (!Number.isFinite(ms) || ms < 0) throw new Error('slowMs must be ≥ 0');
        this.settings.slowMs = ms;
      },
      setSessionIdleSeconds: (s) => {
        this.settings.sessionIdleSeconds = positive(s, 'sessionIdleSeconds');
      },
      setChallengeTimeoutSeconds: (s) => {
        this.settings.challengeTimeoutSeconds = positive(s, 'challengeTimeoutSeconds');
      },
      setMaxWrongPasswords: (count) => {
        if (count !== null && (!Number.isInteger(count) || count < 1)) throw new Error('maxWrongPasswords must be a positive integer or null');
        this.settings.maxWrongPasswords = count;
      },
      setConcurrentLogin: (policy) => {
        if (policy !== 'replace' && policy !== 'reject') throw new Error('concurrentLogin must be replace or reject');
        this.settings.concurrentLogin = policy;
      },
      removeAccount: (accountId) => {
        this.model.account(accountId);
        this.removed.add(accountId);
      },
      restoreAccount: (accountId) => {
        this.model.account(accountId);
        this.removed.delete(accountId);
      },
      insertTransaction: (accountId, tx) => this.insert(accountId, tx),
      insertTransactionAfterPage: (accountId, page, tx) => {
        this.ledgerOf(accountId);
        if (!Number.isInteger(page) || page < 1) throw new Error('page must be a positive integer');
        this.pendingInserts.push({ accountId, page, tx });
      },
      reset: () => {
        faults.reset();
        faults.set(bank.faults);
        this.settings = this.initialSettings();
        this.resetUsers();
        this.devices.clear();
        this.removed.clear();
        this.pendingInserts = [];
        this.sessions.endAll();
      },
    };
  }

  /** Today in the bank's zone. */
  today(): IsoDate {
    return dateInZone(this.clock(), this.model.bank.timeZone);
  }

  /** The balance of an account today (after every visible transaction). */
  balanceToday(account: NetbankAccount): number {
    const ledger = account.ledger;
    if (!ledger) throw new Error(`account ${account.id} has no transactions online`);
    const today = dayNumber(this.today());
    return ledger.summary(ledger.plan(ledger.spec.firstDay, today, today)).balanceAfter;
  }

  /** Transactions of an account in an inclusive window, as the detail pages list them. */
  transactions(accountId: string, from: IsoDate, to: IsoDate): LedgerEntry[] {
    const ledger = this.ledgerOf(accountId);
    const plan = ledger.plan(dayNumber(from), dayNumber(to), dayNumber(this.today()));
    return ledger.slice(plan, 0, plan.total);
  }

  /** Test hook: the text of the CAPTCHA a session is being asked, if any. */
  captchaAnswer(sessionId: string): string | undefined {
    const c = this.sessions.peek(sessionId)?.challenges[0];
    return c?.kind === 'captcha' ? c.answer : undefined;
  }

  /** Test hook: the slider position that solves the puzzle a session is being asked, if any. */
  puzzleAnswer(sessionId: string): number | undefined {
    const c = this.sessions.peek(sessionId)?.challenges[0];
    return c?.kind === 'puzzle' ? c.geometry.x : undefined;
  }

  // --- pages ---------------------------------------------------------------------------

  /** Bank-wide maintenance: the page every request gets while it lasts, else undefined. */
  maintenanceGate(): NetbankResponse | undefined {
    const state = maintenanceAt(this.settings.maintenance, this.clock(), this.model.bank.timeZone);
    if (!state.active) return undefined;
    return this.maintenanceResponse(state.until);
  }

  /** GET /login and /direct/login: a new anonymous session and the login form. */
  loginForm(channel: Channel): NetbankResponse {
    const s = this.sessions.create(channel);
    return html(200, loginPage({ bankName: this.bankName, token: s.token, channel }), [sessionCookie(s.id)]);
  }

  /** POST /login and /direct/login. */
  login(req: NetbankRequest, channel: Channel): NetbankResponse {
    const s = this.sessions.use(req.cookies[SESSION_COOKIE]);
    if (!s || s.token !== field(req.form, 'token')) return html(200, sessionExpiredPage({ bankName: this.bankName, channel }));
    this.sessions.restart(s);
    s.channel = channel;
    const persona = this.resolvePersona(req.form);
    const fault = persona?.fault?.at === 'login' ? persona.fault.kind : undefined;
    if (fault === 'system-error') return html(500, systemErrorPage({ bankName: this.bankName, channel }));
    const result = this.checkLogin(s, persona, req);
    if (fault === 'slow') return { kind: 'slow', delayMs: this.settings.slowMs, then: result };
    if (fault === 'drop-connection') return { kind: 'drop', html: result.kind === 'html' ? result.html : systemErrorPage({ bankName: this.bankName }) };
    return result;
  }

  /** POST /login/{security,otp,captcha,puzzle}: the answer to the challenge on screen. */
  answer(req: NetbankRequest, kind: PendingChallenge['kind']): NetbankResponse {
    const s = this.sessions.use(req.cookies[SESSION_COOKIE]);
    if (!s || s.token !== field(req.form, 'token') || s.stage !== 'challenge' || s.userId === undefined) {
      return html(200, sessionExpiredPage({ bankName: this.bankName, channel: s?.channel ?? 'web' }));
    }
    const current = s.challenges[0];
    if (!current || current.kind !== kind) {
      return html(400, inputErrorPage({ bankName: this.bankName, message: '不正な画面遷移です。最初からやり直してください。' }));
    }
    const persona = this.model.persona(s.userId);
    const fail = (timedOut: boolean): NetbankResponse => {
      const channel = s.channel;
      this.sessions.restart(s);
      return html(200, loginErrorPage({ bankName: this.bankName, channel, failure: kind, timedOut }));
    };
    if (this.now() - s.challengeShownAt > this.settings.challengeTimeoutSeconds * 1000) return fail(true);
    if (!this.isRightAnswer(current, req.form, persona)) return fail(false);
    s.challenges.shift();
    if (s.challenges.length > 0) {
      s.challengeShownAt = this.now();
      return this.challengePage(s, persona);
    }
    return this.complete(s, persona, req);
  }

  /** GET /login/captcha.png */
  captchaImage(req: NetbankRequest): NetbankResponse {
    const c = this.currentChallenge(req);
    if (c?.kind !== 'captcha') return html(404, notFoundPage({ bankName: this.bankName }));
    return { kind: 'png', body: renderCaptcha(c.answer, c.noiseSeed) };
  }

  /** GET /login/puzzle.png and /login/puzzle-piece.png */
  puzzleImage(req: NetbankRequest, part: 'picture' | 'piece'): NetbankResponse {
    const c = this.currentChallenge(req);
    if (c?.kind !== 'puzzle') return html(404, notFoundPage({ bankName: this.bankName }));
    return { kind: 'png', body: part === 'picture' ? renderPuzzleBackground(c.geometry, c.pictureSeed) : renderPuzzlePiece(c.geometry, c.pictureSeed) };
  }

  /** GET /accounts — the account list. */
  accounts(req: NetbankRequest): NetbankResponse {
    const gate = this.loggedIn(req);
    if ('response' in gate) return gate.response;
    const { persona } = gate;
    const fault = persona.fault?.at === 'accounts' ? persona.fault.kind : undefined;
    if (fault === 'system-error') return html(500, systemErrorPage({ bankName: this.bankName }));
    const rows: AccountRow[] = persona.accounts
      .filter((a) => !this.removed.has(a.id))
      .map((account) => ({ account, balance: account.ledger ? this.balanceToday(account) : null }));
    const view = { bankName: this.bankName, holderName: persona.holderName, asOf: this.today(), rows };
    const page = html(200, persona.layout === 'changed' ? redesignedAccountsPage(view) : accountsPage(view));
    if (fault === 'slow') return { kind: 'slow', delayMs: this.settings.slowMs, then: page };
    if (fault === 'drop-connection') return { kind: 'drop', html: page.html };
    return page;
  }

  /** GET /accounts/:id — one page of an account's transactions (`from`, `to`, `page`). */
  accountDetail(req: NetbankRequest, accountId: string): NetbankResponse {
    const gate = this.loggedIn(req);
    if ('response' in gate) return gate.response;
    const { persona } = gate;
    const account = this.model.accounts.get(accountId);
    if (!account || account.personaId !== persona.id || this.removed.has(accountId)) return html(404, notFoundPage({ bankName: this.bankName }));
    const customer = { bankName: this.bankName, holderName: persona.holderName };
    if (!account.ledger) return html(200, accountUnavailablePage({ ...customer, account }));
    const bad = (message: string): NetbankResponse => html(400, inputErrorPage({ bankName: this.bankName, message, customer: { holderName: persona.holderName } }));
    const today = this.today();
    const fromParam = param(req.query, 'from');
    const toParam = param(req.query, 'to');
    const pageParam = param(req.query, 'page');
    if (fromParam !== undefined && !isIsoDate(fromParam)) return bad('照会開始日の形式が正しくありません（YYYY-MM-DD）。');
    if (toParam !== undefined && !isIsoDate(toParam)) return bad('照会終了日の形式が正しくありません（YYYY-MM-DD）。');
    if (pageParam !== undefined && !/^[1-9]\d{0,6}$/.test(pageParam)) return bad('ページ番号が正しくありません。');
    let to = toParam ?? today;
    if (to > today) to = today;
    let from = fromParam ?? addDays(to, -(this.model.bank.defaultPeriodDays - 1));
    if (from > to) return bad('照会開始日が照会終了日より後になっています。');
    const earliest = addDays(today, -this.model.bank.onlineHistoryDays);
    let clampedFrom: IsoDate | undefined;
    if (from < earliest) {
      from = earliest;
      clampedFrom = earliest;
      if (from > to) return bad('照会できる期間を過ぎています。');
    }
    const page = pageParam === undefined ? 1 : Number(pageParam);
    const size = this.settings.pageSize;
    const ledger = account.ledger;
    const plan = ledger.plan(dayNumber(from), dayNumber(to), dayNumber(today));
    const entries = ledger.slice(plan, (page - 1) * size, page * size);
    const result = html(
      200,
      accountDetailPage({ ...customer, account, balance: this.balanceToday(account), from, to, clampedFrom, entries, page, total: plan.total, pageSize: size }),
    );
    this.firePendingInserts(accountId, page);
    return result;
  }

  /** POST /terms/accept — only through "log in directly". */
  acceptTerms(req: NetbankRequest): NetbankResponse {
    const s = this.sessions.use(req.cookies[SESSION_COOKIE]);
    if (!s || s.userId === undefined || s.stage !== 'terms' || s.token !== field(req.form, 'token')) return html(200, sessionExpiredPage({ bankName: this.bankName }));
    if (s.channel !== 'direct') return html(403, termsPage({ bankName: this.bankName, channel: s.channel, token: s.token, refused: true }));
    if (field(req.form, 'agree') !== 'yes') return html(200, termsPage({ bankName: this.bankName, channel: s.channel, token: s.token }));
    this.user(s.userId).termsPending = false;
    s.stage = 'authenticated';
    return { kind: 'redirect', location: '/accounts' };
  }

  /** GET /settings */
  settingsForm(req: NetbankRequest, saved = false): NetbankResponse {
    const gate = this.loggedIn(req);
    if ('response' in gate) return gate.response;
    const { persona, session } = gate;
    return html(
      200,
      settingsPage({
        bankName: this.bankName,
        holderName: persona.holderName,
        token: session.token,
        otpSwitchable: persona.challenges.some((c) => c.kind === 'otp' && c.when === 'when-enabled'),
        otpEnabled: this.user(persona.id).otpEnabled,
        saved,
      }),
    );
  }

  /** POST /settings/otp — the user switches the one-time password on or off. */
  saveOtpSetting(req: NetbankRequest): NetbankResponse {
    const gate = this.loggedIn(req);
    if ('response' in gate) return gate.response;
    const { persona, session } = gate;
    const value = field(req.form, 'otp');
    const switchable = persona.challenges.some((c) => c.kind === 'otp' && c.when === 'when-enabled');
    if (session.token !== field(req.form, 'token') || !switchable || (value !== 'on' && value !== 'off')) {
      return html(400, inputErrorPage({ bankName: this.bankName, message: '設定を変更できませんでした。', customer: { holderName: persona.holderName } }));
    }
    this.user(persona.id).otpEnabled = value === 'on';
    return this.settingsForm(req, true);
  }

  /** GET or POST /logout */
  logout(req: NetbankRequest): NetbankResponse {
    const id = req.cookies[SESSION_COOKIE];
    if (id !== undefined) this.sessions.end(id);
    return html(200, logoutPage({ bankName: this.bankName }), [{ name: SESSION_COOKIE, value: '', maxAgeSeconds: 0 }]);
  }

  /** Any other path. */
  notFound(): NetbankResponse {
    return html(404, notFoundPage({ bankName: this.bankName }));
  }

  // --- login steps -----------------------------------------------------------------------

  private checkLogin(s: NetbankSession, persona: NetbankPersona | undefined, req: NetbankRequest): NetbankResponse {
    const channel = s.channel;
    const base = { bankName: this.bankName, channel };
    if (!persona) return html(200, loginErrorPage({ ...base, failure: 'credentials', timedOut: false }));
    const u = this.user(persona.id);
    const now = this.now();
    if (u.lockedPermanently) return html(200, lockedPermanentPage(base));
    if (u.lockedUntil !== null && now < u.lockedUntil) return this.lockedTemporary(u.lockedUntil, channel);
    if (u.maintenance) return this.maintenanceResponse(null, channel);
    if (field(req.form, 'password') !== u.password) {
      u.wrongPasswords += 1;
      const max = this.settings.maxWrongPasswords;
      if (max !== null && u.wrongPasswords >= max) {
        u.lockedPermanently = true;
        return html(200, lockedPermanentPage(base));
      }
      return html(200, loginErrorPage({ ...base, failure: 'credentials', timedOut: false, attemptsLeft: max === null ? undefined : max - u.wrongPasswords }));
    }
    u.wrongPasswords = 0;
    const rule = u.rapidLoginRule;
    if (rule) {
      u.recentLogins = u.recentLogins.filter((t) => now - t < rule.withinSeconds * 1000);
      u.recentLogins.push(now);
      if (u.recentLogins.length > rule.maxLogins) {
        u.recentLogins = [];
        u.lockedUntil = now + rule.lockSeconds * 1000;
        return this.lockedTemporary(u.lockedUntil, channel);
      }
    }
    if (u.loggedInElsewhere || (this.settings.concurrentLogin === 'reject' && this.sessions.liveFor(persona.id).length > 0)) {
      return html(200, doubleLoginPage(base));
    }
    u.logins += 1;
    s.userId = persona.id;
    const known = this.isKnownDevice(req.cookies[DEVICE_COOKIE], persona.id);
    const used = new Set<number>();
    for (const [k, step] of persona.challenges.entries()) {
      const when = 'when' in step ? (step.when ?? 'always') : 'always';
      if (when === 'new-device' && known) continue;
      if (when === 'when-enabled' && !u.otpEnabled) continue;
      if (when === 'new-device') s.riskBased = true;
      s.challenges.push(this.pendingChallenge(step.kind, persona, u.logins, k, used));
    }
    if (s.challenges.length === 0) return this.complete(s, persona, req);
    s.stage = 'challenge';
    s.challengeShownAt = now;
    return this.challengePage(s, persona);
  }

  private pendingChallenge(kind: PendingChallenge['kind'], persona: NetbankPersona, login: number, step: number, used: Set<number>): PendingChallenge {
    const seed = this.model.seed;
    switch (kind) {
      case 'security': {
        // A different question for each secret-question step of the same login.
        const free = persona.secretQuestions.map((_, i) => i).filter((i) => !used.has(i));
        const index = free[Math.floor(unit(seed, persona.id, 'security', login, step) * free.length)] ?? 0;
        used.add(index);
        return { kind, questionIndex: index };
      }
      case 'otp':
        return { kind };
      case 'captcha': {
        this.challengeSeq += 1;
        const rng = new Prng(hash32(seed, 'netbank-captcha', this.challengeSeq));
        const answer = Array.from({ length: CAPTCHA_LENGTH }, () => CAPTCHA_ALPHABET[rng.int(0, CAPTCHA_ALPHABET.length - 1)] as string).join('');
        return { kind, answer, noiseSeed: hash32(seed, 'netbank-captcha-noise', this.challengeSeq) };
      }
      case 'puzzle': {
        this.challengeSeq += 1;
        const rng = new Prng(hash32(seed, 'netbank-puzzle', this.challengeSeq));
        return { kind, geometry: puzzleGeometry(rng), pictureSeed: hash32(seed, 'netbank-puzzle-picture', this.challengeSeq) };
      }
    }
  }

  private challengePage(s: NetbankSession, persona: NetbankPersona): NetbankResponse {
    const c = s.challenges[0];
    const base = { bankName: this.bankName, token: s.token, channel: s.channel };
    switch (c?.kind) {
      case 'security':
        return html(200, securityPage({ ...base, question: persona.secretQuestions[c.questionIndex]?.question ?? '' }));
      case 'otp':
        return html(200, otpPage(base));
      case 'captcha':
        return html(200, captchaPage({ ...base, imageUrl: `/login/captcha.png?t=${s.challengeShownAt}` }));
      case 'puzzle':
        return html(200, puzzlePage({ ...base, pictureUrl: `/login/puzzle.png?t=${s.challengeShownAt}`, pieceUrl: `/login/puzzle-piece.png?t=${s.challengeShownAt}`, pieceTop: c.geometry.y }));
      case undefined:
        throw new Error('no challenge to show');
    }
  }

  private isRightAnswer(c: PendingChallenge, form: NetbankRequest['form'], persona: NetbankPersona): boolean {
    switch (c.kind) {
      case 'security': {
        const q = persona.secretQuestions[c.questionIndex];
        return q !== undefined && foldAnswer(field(form, 'answer')) === foldAnswer(q.answer);
      }
      case 'otp':
        return foldAnswer(field(form, 'otp')) === foldAnswer(persona.otpCode);
      case 'captcha':
        return foldAnswer(field(form, 'captcha')).replace(/\s+/g, '') === c.answer.toLowerCase();
      case 'puzzle': {
        const v = foldAnswer(field(form, 'offset'));
        return /^\d{1,4}$/.test(v) && Math.abs(Number(v) - c.geometry.x) <= PUZZLE_TOLERANCE;
      }
    }
  }

  /** Every step passed: a fresh session id, the device remembered if asked, on to the account list. */
  private complete(s: NetbankSession, persona: NetbankPersona, req: NetbankRequest): NetbankResponse {
    const cookies: CookieChange[] = [];
    if (s.riskBased) {
      let device = req.cookies[DEVICE_COOKIE];
      if (device === undefined || !this.devices.has(device)) device = randomBytes(24).toString('base64url');
      const users = this.devices.get(device) ?? new Set<string>();
      users.add(persona.id);
      this.devices.set(device, users);
      cookies.push({ name: DEVICE_COOKIE, value: device, maxAgeSeconds: DEVICE_COOKIE_MAX_AGE_SECONDS });
    }
    if (this.settings.concurrentLogin === 'replace') this.sessions.endAll(persona.id, s);
    s.challenges = [];
    s.riskBased = false;
    s.stage = this.user(persona.id).termsPending ? 'terms' : 'authenticated';
    const next = this.sessions.rotate(s);
    cookies.push({ name: SESSION_COOKIE, value: next.id });
    return { kind: 'redirect', location: '/accounts', cookies };
  }

  // --- helpers -----------------------------------------------------------------------------

  private get bankName(): string {
    return this.model.bankName;
  }

  private now(): number {
    return this.clock().getTime();
  }

  private initialSettings(): Settings {
    const b = this.model.bank;
    return {
      pageSize: b.pageSize,
      slowMs: b.slowMs,
      sessionIdleSeconds: b.sessionIdleSeconds,
      challengeTimeoutSeconds: b.challengeTimeoutSeconds,
      maxWrongPasswords: b.maxWrongPasswords,
      concurrentLogin: b.concurrentLogin,
      maintenance: { forced: b.maintenance.forced, windows: [...b.maintenance.windows] },
    };
  }

  private resetUsers(): void {
    const now = this.now();
    this.users = new Map(
      [...this.model.personas.values()].map((p): [string, UserState] => [
        p.id,
        {
          password: p.password,
          wrongPasswords: 0,
          lockedPermanently: p.locked === 'permanent',
          lockedUntil: p.locked === 'temporary' ? now + this.model.bank.temporaryLockSeconds * 1000 : null,
          recentLogins: [],
          rapidLoginRule: p.rapidLoginRule,
          otpEnabled: p.otpEnabled,
          termsPending: p.termsPending,
          loggedInElsewhere: p.loggedInElsewhere,
          maintenance: p.maintenance,
          logins: 0,
        },
      ]),
    );
  }

  private user(personaId: string): UserState {
    const u = this.users.get(personaId);
    if (!u) throw new Error(`net bank: no persona ${personaId}`);
    return u;
  }

  private resolvePersona(form: NetbankRequest['form']): NetbankPersona | undefined {
    const userId = field(form, 'userId').trim();
    const branch = foldAnswer(field(form, 'branchCode'));
    const number = foldAnswer(field(form, 'accountNumber'));
    const type = field(form, 'loginType');
    if (type === 'account' || (userId === '' && branch !== '')) return this.model.personaByAccount(branch, number);
    return this.model.personas.get(userId);
  }

  private isKnownDevice(device: string | undefined, personaId: string): boolean {
    return device !== undefined && (this.devices.get(device)?.has(personaId) ?? false);
  }

  private currentChallenge(req: NetbankRequest): PendingChallenge | undefined {
    const s = this.sessions.use(req.cookies[SESSION_COOKIE]);
    return s?.stage === 'challenge' ? s.challenges[0] : undefined;
  }

  private loggedIn(req: NetbankRequest): { persona: NetbankPersona; session: NetbankSession } | { response: NetbankResponse } {
    const s = this.sessions.use(req.cookies[SESSION_COOKIE]);
    if (!s || s.userId === undefined) return { response: html(200, sessionExpiredPage({ bankName: this.bankName })) };
    if (s.stage === 'terms') return { response: html(200, termsPage({ bankName: this.bankName, channel: s.channel, token: s.token })) };
    if (s.stage !== 'authenticated') return { response: html(200, sessionExpiredPage({ bankName: this.bankName, channel: s.channel })) };
    return { persona: this.model.persona(s.userId), session: s };
  }

  private lockedTemporary(until: number, channel: Channel): NetbankResponse {
    const d = new Date(until);
    return html(200, lockedTemporaryPage({ bankName: this.bankName, channel, until: formatInstant(d, this.model.bank.timeZone), untilIso: d.toISOString() }));
  }

  private maintenanceResponse(until: Date | null, channel: Channel = 'web'): NetbankResponse {
    const headers: Record<string, string> = {};
    if (until) headers['retry-after'] = String(Math.max(1, Math.ceil((until.getTime() - this.now()) / 1000)));
    return {
      kind: 'html',
      status: 503,
      html: maintenancePage({ bankName: this.bankName, channel, until: until ? formatInstant(until, this.model.bank.timeZone) : undefined }),
      headers,
    };
  }

  private ledgerOf(accountId: string) {
    const ledger = this.model.account(accountId).ledger;
    if (!ledger) throw new Error(`account ${accountId} has no transactions online`);
    return ledger;
  }

  private insert(accountId: string, tx: NetbankNewTransaction): LedgerEntry {
    const ledger = this.ledgerOf(accountId);
    const today = this.today();
    const date = tx.date ?? today;
    if (!isIsoDate(date)) throw new Error(`invalid date ${date}`);
    const secondsOfDay = date === today ? secondsOfDayInZone(this.clock(), this.model.bank.timeZone) : 86_399;
    return ledger.insert({ date, secondsOfDay, amount: tx.amount, description: tx.description ?? DEFAULT_DESCRIPTION }, dayNumber(today));
  }

  private firePendingInserts(accountId: string, page: number): void {
    const due = this.pendingInserts.filter((p) => p.accountId === accountId && p.page === page);
    if (due.length === 0) return;
    this.pendingInserts = this.pendingInserts.filter((p) => !due.includes(p));
    for (const p of due) this.insert(p.accountId, p.tx);
  }
}

function html(status: number, page: string, cookies?: readonly CookieChange[]): Extract<NetbankResponse, { kind: 'html' }> {
  return cookies ? { kind: 'html', status, html: page, cookies } : { kind: 'html', status, html: page };
}

function sessionCookie(id: string): CookieChange {
  return { name: SESSION_COOKIE, value: id };
}

function field(form: Readonly<Record<string, unknown>>, name: string): string {
  const v = form[name];
  return typeof v === 'string' ? v : '';
}

function param(query: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const v = query[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
