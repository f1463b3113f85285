import type { Clock } from '@kinko/connector-sdk';
import { EXPIRY_WARNING_DAYS, LOCALES, type Language, parseAggregationStatus, traitsOf } from '@kinko/domain';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CredentialLoginService, type PendingChallenge } from '../challenges/credential-login.service';
import { InjectClock } from '../common/clock';
import { NotFoundError } from '../common/errors';
import type { ConnectionView } from '../connections/connection.dto';
import { ConnectionsService } from '../connections/connections.service';
import { BankDirectory, type RegisteredBank } from '../connectors/bank-directory';
import type { UserScope } from '../database/scoped-data';
import { SecretsService } from '../secrets/secrets.service';
import { LINK_PATHS } from './link-paths';
import type { LinkSession } from './link-session';
import { type Html, render } from './link-templates';
import { type PageContext, challengeForm, credentialFields, page, progress, textsOf } from './link-views';

/** Where a bank's users log in themselves (bank entry option `directLoginUrl`), by bankId. */
export type DirectLoginUrls = ReadonlyMap<string, string>;

const conn = (id: string): string => `${LINK_PATHS.connection}/${id}`;

/** Holds the direct-login URLs (a class, so Nest can inject it; provided as a value). */
export class DirectLoginUrlsHolder {
  constructor(readonly urls: DirectLoginUrls) {}
}

/**
 * Builds the Link pages (HTML strings) from the user's connections, the bank list and the
 * pending challenges: the vault, the bank list, the connect forms, a connection's page.
 * Status labels and next actions are the domain's (via ConnectionsService.describe).
 */
@Injectable()
export class LinkPages {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly logins: CredentialLoginService,
    private readonly banks: BankDirectory,
    private readonly secrets: SecretsService,
    @InjectClock() private readonly clock: Clock,
    private readonly directLogins: DirectLoginUrlsHolder,
    private readonly dataSource: DataSource,
  ) {}

  /** The vault: every connection with its status label, last success and next action. */
  async vault(session: LinkSession, ctx: PageContext, notice?: string): Promise<string> {
    const t = textsOf(ctx.lang);
    const views = await this.connections.describe(session, await this.connections.list(session), ctx.lang);
    const moving = views.some((v) => isMoving(v.aggregationStatus));
    const accounts = await this.accountsOf(session);
    const rows = await Promise.all(views.map((v) => this.vaultRow(session, v, ctx.lang, accounts.get(v.id) ?? [])));
    // "Fetching your accounts" only while something is still moving: never after the sync has ended.
    const body = render('@vault', { t, notice: notice && (moving || notice !== t.connectedNotice) ? notice : undefined, rows, banksUrl: LINK_PATHS.banks });
    return page({ ...ctx, ...(moving ? { pollUrl: `${LINK_PATHS.vault}/status`, ...(views.some((v) => isRunning(v.aggregationStatus)) ? { refreshSeconds: 3 } : {}) } : {}) }, t.vaultHeading, body);
  }

  /** The statuses the polling script compares with what a page shows. */
  async statuses(scope: UserScope): Promise<Array<{ id: string; status: string }>> {
    return (await this.connections.list(scope)).map((c) => ({ id: c.id, status: c.aggregationStatus }));
  }

  /** The bank list, filtered by name (any language) or bank code. */
  banksPage(ctx: PageContext, query: string): string {
    const t = textsOf(ctx.lang);
    const q = query.normalize('NFKC').trim().toLowerCase();
    const matches = this.banks.list().filter((b) => q === '' || matchesBank(b, q));
    const banks = matches.map((b) => ({
      href: `${LINK_PATHS.banks}/${b.bankId}`,
      name: b.manifest.displayName[ctx.lang],
      bankCode: b.bankCode,
      flow: b.manifest.authFlow === 'credentials' ? t.flowCredentials : t.flowRedirect,
    }));
    return page(ctx, t.banksHeading, render('@banks', { t, query, banks, banksUrl: LINK_PATHS.banks, vaultUrl: LINK_PATHS.vault }));
  }

  /** One bank: the credential form, or the way to the bank's own login (redirect flow). */
  async bankPage(session: LinkSession, ctx: PageContext, bankId: string, problem?: string): Promise<string> {
    const t = textsOf(ctx.lang);
    const bank = this.banks.require(bankId);
    const name = bank.manifest.displayName[ctx.lang];
    const app = ctx.brand?.appName ?? t.title;
    const form = bank.manifest.authFlow === 'credentials' ? await this.logins.credentialForm(bankId) : undefined;
    const body = render('@bank', {
      t,
      csrf: session.csrf,
      usesKinko: ctx.brand ? t.usesKinko(ctx.brand.appName, name) : undefined,
      consent: this.consentSection(bank, app, ctx.lang),
      credentials: form ? { action: `${LINK_PATHS.banks}/${bankId}/credentials`, fields: credentialFields(form.fields, ctx.lang) } : undefined,
      alternative: form?.fields.some((f) => f.name === 'branchCode') ?? false,
      redirectIntro: t.redirectIntro(name),
      redirectUrl: `${LINK_PATHS.banks}/${bankId}/redirect`,
      banksUrl: LINK_PATHS.banks,
    });
    return page(ctx, t.connectHeading(name), body, problem ? problemBox(t.problemHeading, problem) : undefined);
  }

  /**
   * The consent screen, before the bank: which data (accounts, balances, transactions and
   * how far back), for how long (the bank's consent period from its
   * manifest, and the date it ends), and how to withdraw it later.
   */
  private consentSection(bank: RegisteredBank, app: string, lang: Language): Html {
    const t = textsOf(lang);
    const limits = bank.manifest.limits;
    const until = new Date(this.clock.now().getTime() + limits.scaValidityDays * 86_400_000);
    // Balances are listed: daily balances are kept for every account (the bank's, or computed from its transactions).
    return render('@consent', {
      t,
      heading: t.consentHeading(app),
      transactions: t.consentTransactions(limits.maxHistoryDays),
      validity: t.consentValidity(limits.scaValidityDays, this.date(until, lang)),
      vaultUrl: LINK_PATHS.vault,
    });
  }

  /** One connection: its status, progress while running, the challenge form while waiting, and the actions. */
  async connectionPage(session: LinkSession, ctx: PageContext, connectionId: string, notice?: string, problem?: string): Promise<string> {
    const t = textsOf(ctx.lang);
    const view = await this.describe(session, connectionId, ctx.lang);
    const bank = this.bankOf(view);
    const name = view.bankName?.[ctx.lang] ?? view.bankId ?? view.connectorId;
    const status = view.aggregationStatus;
    const group = view.aggregationStatusGroup;
    const sections: Html[] = [];
    const expiry = this.expiryNotice(session, view, ctx.lang);
    if (expiry) sections.push(expiry);
    if (isRunning(status)) sections.push(progress(status, ctx.lang));
    const pending = group === 'waiting' ? await this.pending(session, connectionId) : undefined;
    if (pending) {
      sections.push(challengeForm(pending, `${conn(connectionId)}/challenge`, session.csrf, ctx.lang, this.time(pending.expiresAt, ctx.lang), `${conn(connectionId)}/new-image`));
    } else if (group === 'waiting') {
      sections.push(render('@message', { text: t.noChallenge }));
    }
    sections.push(await this.actions(session, view, bank, ctx.lang, true));
    const reenter =
      bank?.manifest.authFlow === 'credentials' && REENTER_ACTIONS.has(view.nextAction)
        ? { action: `${conn(connectionId)}/credentials`, fields: credentialFields((await this.logins.credentialForm(bank.bankId)).fields, ctx.lang) }
        : undefined;
    // A flow the tenant will hear the end of: a failure offers the way back to its app.
    const returnLabel = session.returnUri && ctx.brand && FAILED_GROUPS.has(group) ? t.returnToApp(ctx.brand.appName) : undefined;
    const wrongAnswer = view.nextAction === 're-answer-challenge' || view.nextAction === 're-answer-at-link-page';
    const statusBlock = statusParts([
      notice ? render('@notice', { text: notice }) : undefined,
      problem ? problemBox(t.problemHeading, problem) : undefined,
      wrongAnswer && !problem ? problemBox(t.answerWrong, t.answerAgainHint) : undefined,
    ]);
    const body = render('@connection', {
      t,
      csrf: session.csrf,
      group,
      id: view.id,
      status,
      label: view.aggregationStatusLabel,
      since: sinceLine(view, this.clock.now(), ctx.lang),
      sections,
      reenter,
      returnLabel,
      returnUrl: `${LINK_PATHS.root}/return?connection=${view.id}`,
      vaultUrl: LINK_PATHS.vault,
    });
    const moving = isMoving(status);
    return page({ ...ctx, ...(moving ? { pollUrl: `${LINK_PATHS.vault}/status`, ...(isRunning(status) ? { refreshSeconds: 3 } : {}) } : {}) }, name, body, statusBlock);
  }

  /** Asks to confirm disconnecting: what it does (revoked at the bank, login details deleted) and that the data stays. */
  async disconnectPage(session: LinkSession, ctx: PageContext, connectionId: string): Promise<string> {
    const t = textsOf(ctx.lang);
    const view = await this.describe(session, connectionId, ctx.lang);
    const name = view.bankName?.[ctx.lang] ?? view.bankId ?? view.connectorId;
    const body = render('@disconnect', { t, question: t.disconnectQuestion(name), action: `${conn(view.id)}/disconnect`, csrf: session.csrf, cancelUrl: conn(view.id) });
    return page(ctx, t.disconnectHeading, body);
  }

  /** A small page saying what went wrong (expired session, unknown page…). */
  message(ctx: PageContext, title: string, text: string): string {
    return page(ctx, title, render('@message', { text }));
  }

  /** The connection as the API describes it (status label, group, next action in `lang`). */
  async describe(scope: UserScope, connectionId: string, lang: Language): Promise<ConnectionView> {
    const [view] = await this.connections.describe(scope, [await this.connections.get(scope, connectionId)], lang);
    if (!view) throw new NotFoundError('Connection');
    return view;
  }

  /** The bank of a connection, when still offered. */
  bankOf(view: Pick<ConnectionView, 'bankId' | 'connectorId'>): RegisteredBank | undefined {
    return this.banks.get(view.bankId ?? view.connectorId);
  }

  private async pending(scope: UserScope, connectionId: string): Promise<PendingChallenge | undefined> {
    try {
      return await this.logins.pendingChallenge(scope, connectionId);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  private async vaultRow(session: LinkSession, view: ConnectionView, lang: Language, accounts: readonly VaultAccount[]): Promise<Html> {
    const t = textsOf(lang);
    const name = view.bankName?.[lang] ?? view.bankId ?? view.connectorId;
    // Several connections to one bank: the accounts' masked numbers tell the rows apart.
    const numbers = accounts.map((a) => maskNumber(a.number)).filter((n) => n !== '');
    return render('@vaultRow', {
      group: view.aggregationStatusGroup,
      id: view.id,
      status: view.aggregationStatus,
      href: conn(view.id),
      name,
      numbers: numbers.join(', '),
      label: view.aggregationStatusLabel,
      since: sinceLine(view, this.clock.now(), lang),
      expiry: this.expiryNotice(session, view, lang),
      consentUntil: view.consent?.expirationDate ? t.consentUntil(this.date(new Date(view.consent.expirationDate), lang)) : undefined,
      accounts: accounts.length > 0 ? accountsTable(accounts, lang) : undefined,
      // A bank no longer configured here has no next refresh.
      nextRefresh: view.nextRefreshPossibleAt && this.bankOf(view) ? t.nextRefresh(this.dateTime(new Date(view.nextRefreshPossibleAt), lang)) : undefined,
      actions: await this.actions(session, view, this.bankOf(view), lang, false),
    });
  }

  /** The user's active accounts by connection, each with its latest daily balance. */
  private async accountsOf(scope: UserScope): Promise<Map<string, VaultAccount[]>> {
    const rows = (await this.dataSource.query(
      `SELECT a.id, a.connection_id, a.name, a.type, a.type_name, a.currency_code, COALESCE(a.account_number, a.iban) AS number,
              b.balance_minor::text AS balance_minor, b.currency_code AS balance_currency, b.date::text AS balance_date
         FROM bank_accounts a
         LEFT JOIN LATERAL (SELECT d.balance_minor, d.currency_code, d.date FROM daily_balances d
                             WHERE d.tenant_id = a.tenant_id AND d.user_id = a.user_id AND d.account_id = a.id
                             ORDER BY d.date DESC LIMIT 1) b ON true
        WHERE a.tenant_id = $1 AND a.user_id = $2 AND a.is_active
        ORDER BY a.created_at, a.id`,
      [scope.tenantId, scope.userId],
    )) as Array<{ id: string; connection_id: string; name: string | null; type: string | null; type_name: string | null; currency_code: string; number: string | null; balance_minor: string | null; balance_currency: string | null; balance_date: string | null }>;
    const out = new Map<string, VaultAccount[]>();
    for (const r of rows) {
      const list = out.get(r.connection_id) ?? [];
      list.push({
        id: r.id,
        name: r.name,
        type: r.type_name ?? r.type,
        currency: r.currency_code,
        number: r.number,
        balance: r.balance_minor === null ? null : { minor: BigInt(r.balance_minor), currency: r.balance_currency ?? r.currency_code, date: r.balance_date as string },
      });
      out.set(r.connection_id, list);
    }
    return out;
  }

  private dateTime(at: Date, lang: Language): string {
    return new Intl.DateTimeFormat(localeOf(lang), { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Tokyo' }).format(at);
  }

  /**
   * Within 14 days of its consent's expiry (and before it), a connection shows when it
   * expires and a one-click re-authorisation that renews the consent at the bank for the same
   * connection and accounts: a redirect bank's redirect flow (a link), a credentials bank's
   * new login (a POST with the CSRF token).
   */
  private expiryNotice(session: LinkSession, view: ConnectionView, lang: Language): Html | undefined {
    const consent = view.consent;
    const days = consent?.daysUntilExpiry;
    if (!consent || consent.status !== 'valid' || consent.expiresAt === null || days === null || days === undefined || days < 1 || days > EXPIRY_WARNING_DAYS[0]) return undefined;
    const t = textsOf(lang);
    const bank = this.bankOf(view);
    // A redirect bank: a link into its redirect flow for this connection. A form could not get
    // there: the pages' CSP (form-action 'self') stops a form's POST redirected to the bank.
    const href = bank && bank.manifest.authFlow !== 'credentials' ? `${LINK_PATHS.banks}/${bank.bankId}/redirect?connection=${view.id}` : undefined;
    return render('@expiry', { days, text: t.expiryWarning(days, this.date(new Date(consent.expiresAt), lang)), href, action: `${conn(view.id)}/reauthorise`, label: t.actionReauthorise, csrf: session.csrf });
  }

  /** The next action the user can take right there, from the domain's `action` for the status. */
  private async actions(session: LinkSession, view: ConnectionView, bank: RegisteredBank | undefined, lang: Language, detailed: boolean): Promise<Html> {
    const t = textsOf(lang);
    const id = view.id;
    const credentials = bank?.manifest.authFlow === 'credentials';
    const refresh: ActionItem = { kind: 'form', action: `${conn(id)}/refresh`, label: t.actionRefresh, style: 'primary' };
    const loginAgain: ActionItem | undefined = credentials ? { kind: 'form', action: `${conn(id)}/login`, label: t.actionLoginAgain, style: 'primary' } : undefined;
    const reconnect: ActionItem | undefined = bank && !credentials ? { kind: 'link', href: `${LINK_PATHS.banks}/${bank.bankId}/redirect?connection=${id}`, label: t.actionReconnect, style: 'button primary' } : undefined;
    const reenter: ActionItem | undefined = credentials ? { kind: 'link', href: `${conn(id)}#reenter`, label: t.actionReenter, style: 'button primary' } : reconnect;
    const disconnect: ActionItem = { kind: 'link', href: `${conn(id)}/disconnect`, label: t.actionDisconnect, style: 'button danger' };
    const details: ActionItem = { kind: 'link', href: conn(id), label: t.actionDetails };
    const text = (label: string, style?: string): ActionItem => ({ kind: 'text', label, ...(style ? { style } : {}) });
    const items: ActionItem[] = [];
    const action = view.nextAction;
    if (!bank) {
      // The bank is no longer configured here: nothing to refresh or log in to.
      items.push(text(t.bankUnavailable, 'unavailable'), detailed ? disconnect : details);
      return render('@actions', { t, csrf: session.csrf, nextAction: 'unavailable', items });
    }
    switch (action) {
      case 'wait':
        items.push(text(t.actionWait));
        break;
      case 'answer-challenge':
      case 'answer-at-link-page':
        // On the connection's own page the question's form is right above.
        if (!detailed) items.push({ kind: 'link', href: conn(id), label: t.actionAnswer, style: 'button primary' });
        if (!(await this.hasPending(session, id)) && loginAgain) items.push(loginAgain);
        break;
      case 're-answer-challenge':
      case 're-answer-at-link-page':
        // The bank asks a new question at the next login: answering again needs no password.
        if (credentials) items.push({ kind: 'form', action: `${conn(id)}/login`, label: t.actionAnswerAgain, style: 'primary' });
        break;
      case 're-enter-credentials':
      case 'reconnect':
        if (reenter && !detailed) items.push(reenter);
        // The stored details are the wrong ones: logging in with them again cannot help.
        if (view.aggregationStatus !== 'auth.creds.invalid' && credentials && (await this.secrets.has(session, id, 'credentials')) && loginAgain) items.push(loginAgain);
        if (detailed && reconnect) items.push(reconnect);
        break;
      case 'contact-bank-then-reenter':
        items.push(text(t.actionContactBank));
        if (reenter && !detailed) items.push(reenter);
        break;
      case 'login-at-bank': {
        const direct = this.directLogins.urls.get(bank.bankId);
        items.push(direct ? { kind: 'link', href: direct, label: t.actionLoginAtBank, style: 'button', external: true, dataAction: 'login-at-bank' } : text(t.actionLoginAtBank));
        items.push(text(t.loginAtBankHint, 'hint'), refresh);
        break;
      }
      case 'log-out-elsewhere':
        items.push(text(t.actionLogOutElsewhere), refresh);
        break;
      case 'retry-later':
        items.push(text(t.actionRetryLater), refresh);
        break;
      case 'retry':
        items.push(refresh);
        break;
      case 'reactivate':
        items.push({ kind: 'form', action: `${conn(id)}/reactivate`, label: t.actionReactivate, style: 'primary' });
        break;
      default:
        if (view.aggregationStatus === 'success') items.push(refresh);
        else if (!detailed) items.push(text(t.nothingToDo, 'hint'));
    }
    if (detailed) {
      const settled = !isMoving(view.aggregationStatus);
      if (settled && view.aggregationStatus !== 'inactive') items.push({ kind: 'form', action: `${conn(id)}/deactivate`, label: t.actionDeactivate, style: 'secondary' });
      items.push(disconnect);
    } else {
      items.push(details);
    }
    return render('@actions', { t, csrf: session.csrf, nextAction: action, items });
  }

  private async hasPending(scope: UserScope, connectionId: string): Promise<boolean> {
    return (await this.pending(scope, connectionId)) !== undefined;
  }

  private date(at: Date, lang: Language): string {
    return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'long', timeZone: 'Asia/Tokyo' }).format(at);
  }

  private time(at: Date, lang: Language): string {
    return new Intl.DateTimeFormat(LOCALES[lang], { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: 'Asia/Tokyo', timeZoneName: 'short' }).format(at);
  }
}


/** Next actions for which re-entering the login details is what helps. */
const REENTER_ACTIONS: ReadonlySet<string> = new Set(['re-enter-credentials', 'reconnect', 'contact-bank-then-reenter']);
/** One thing the user can do (or is told to do) about a connection: a one-button form, a link, or a sentence. */
type ActionItem =
  | { readonly kind: 'form'; readonly action: string; readonly label: string; readonly style: 'primary' | 'secondary' | 'danger' }
  | { readonly kind: 'link'; readonly href: string; readonly label: string; readonly style?: string; readonly external?: boolean; readonly dataAction?: string }
  | { readonly kind: 'text'; readonly label: string; readonly style?: string };

/** Groups in which the flow has failed (the way back to the tenant's app is offered). */
const FAILED_GROUPS: ReadonlySet<string> = new Set(['auth-error', 'error', 'intervention-required']);

/** An account as the vault lists it. */
interface VaultAccount {
  readonly id: string;
  readonly name: string | null;
  readonly type: string | null;
  readonly currency: string;
  readonly number: string | null;
  /** The latest daily balance: integer minor units, its currency and its calendar date at the bank. */
  readonly balance: { readonly minor: bigint; readonly currency: string; readonly date: string } | null;
}

const localeOf = (lang: Language): string => LOCALES[lang];

/** An account number shown masked: its last 4 characters only (`••••0030`). */
export function maskNumber(number: string | null): string {
  if (!number) return '';
  const plain = number.replace(/[\s-]/g, '');
  return `••••${plain.slice(-4)}`;
}

/** Integer minor units in the currency's own decimals (JPY 0, EUR/PLN 2), in the page's language. */
export function formatMoney(minor: bigint, currency: string, lang: Language): string {
  const format = new Intl.NumberFormat(localeOf(lang), { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 0;
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const scale = 10n ** BigInt(digits);
  const whole = abs / scale;
  const fraction = abs % scale;
  // Through a decimal string: no float rounding of large amounts.
  const text = `${negative ? '-' : ''}${whole}${digits > 0 ? `.${fraction.toString().padStart(digits, '0')}` : ''}`;
  return format.format(text as unknown as number);
}

/** "5 minutes ago", "5分前" (Intl.RelativeTimeFormat), in the largest whole unit. */
export function relativeTime(at: Date, now: Date, lang: Language): string {
  const seconds = Math.round((at.getTime() - now.getTime()) / 1000);
  const format = new Intl.RelativeTimeFormat(localeOf(lang), { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return format.format(0, 'minute');
  if (abs < 3600) return format.format(Math.trunc(seconds / 60), 'minute');
  if (abs < 86_400) return format.format(Math.trunc(seconds / 3600), 'hour');
  return format.format(Math.trunc(seconds / 86_400), 'day');
}

/** A bank date (YYYY-MM-DD, the bank's calendar) in the page's language, not moved by any time zone. */
function bankDate(date: string, lang: Language): string {
  return new Intl.DateTimeFormat(localeOf(lang), { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

function accountsTable(accounts: readonly VaultAccount[], lang: Language): Html {
  const t = textsOf(lang);
  return render('@accounts', {
    t,
    accounts: accounts.map((a) => ({
      id: a.id,
      name: a.name ?? t.accountUnnamed,
      details: [a.type, maskNumber(a.number), a.currency].filter((x) => x).join(' · '),
      amount: a.balance ? formatMoney(a.balance.minor, a.balance.currency, lang) : undefined,
      asOf: a.balance ? t.balanceAsOf(bankDate(a.balance.date, lang)) : undefined,
    })),
  });
}

function problemBox(title: string, text: string): Html {
  return render('@problem', { title, text });
}

/** The page's status block: its notice and problem boxes, in order (undefined when there is none). */
function statusParts(parts: ReadonlyArray<Html | undefined>): Html | undefined {
  const present = parts.filter((p): p is Html => p !== undefined);
  return present.length === 0 ? undefined : render('@fragments', { parts: present });
}

/** "Last update: 5 minutes ago" under a status other than `success`, whose label itself is the relative time ("3分前に更新されました", the seed's wording). */
function sinceLine(view: ConnectionView, now: Date, lang: Language): string | undefined {
  const t = textsOf(lang);
  if (view.aggregationStatus === 'success') return undefined;
  return view.lastSuccessAt ? t.lastSuccess(relativeTime(new Date(view.lastSuccessAt), now, lang)) : t.neverUpdated;
}

function matchesBank(bank: RegisteredBank, q: string): boolean {
  const names = Object.values(bank.manifest.displayName).map((n) => n.normalize('NFKC').toLowerCase());
  return names.some((n) => n.includes(q)) || (bank.bankCode ?? '').startsWith(q) || bank.bankId.toLowerCase().includes(q);
}

/** Running or waiting: the page should follow it. */
export const isMoving = (status: string): boolean => {
  const group = traitsOf(parseAggregationStatus(status)).group;
  return group === 'running' || group === 'waiting';
};

/** A run under way (not waiting for the user). */
export const isRunning = (status: string): boolean => traitsOf(parseAggregationStatus(status)).group === 'running';
