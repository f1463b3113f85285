import type { Clock } from '@kinko/connector-sdk';
import { EXPIRY_WARNING_DAYS, type Language, parseAggregationStatus, traitsOf } from '@kinko/domain';
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
import { type Html, type PageContext, buttonForm, challengeForm, credentialFields, html, page, progress, textsOf } from './link-views';

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
    const body = html`${notice && (moving || notice !== t.connectedNotice) ? html`<p class="notice" role="status">${notice}</p>` : ''}${
      views.length === 0 ? html`<p>${t.vaultEmpty}</p>` : html`<ul class="connections">${rows}</ul>`
    }<p><a class="button primary" href="${LINK_PATHS.banks}">${t.addBank}</a></p>`;
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
    const list = matches.map(
      (b) =>
        html`<li><a href="${LINK_PATHS.banks}/${b.bankId}">${b.manifest.displayName[ctx.lang]}</a>${
          b.bankCode ? html` <span class="hint">${t.bankCode} ${b.bankCode}</span>` : ''
        } <span class="hint">— ${b.manifest.authFlow === 'credentials' ? t.flowCredentials : t.flowRedirect}</span></li>`,
    );
    const body = html`<form method="get" action="${LINK_PATHS.banks}" role="search"><p class="field"><label for="q">${t.searchLabel}</label><input id="q" name="q" type="search" value="${query}" placeholder="${t.searchHint}"></p><p><button type="submit">${t.searchButton}</button></p></form>${
      matches.length === 0 ? html`<p>${t.noBanks}</p>` : html`<ul class="banks">${list}</ul>`
    }<p><a href="${LINK_PATHS.vault}">${t.backToVault}</a></p>`;
    return page(ctx, t.banksHeading, body);
  }

  /** One bank: the credential form, or the way to the bank's own login (redirect flow). */
  async bankPage(session: LinkSession, ctx: PageContext, bankId: string, problem?: string): Promise<string> {
    const t = textsOf(ctx.lang);
    const bank = this.banks.require(bankId);
    const name = bank.manifest.displayName[ctx.lang];
    const app = ctx.brand?.appName ?? t.title;
    let body: Html = html`${ctx.brand ? html`<p class="uses-kinko">${t.usesKinko(ctx.brand.appName, name)}</p>` : ''}${this.consentSection(bank, app, ctx.lang)}`;
    if (bank.manifest.authFlow === 'credentials') {
      const form = await this.logins.credentialForm(bankId);
      body = html`${body}<p>${t.credentialsIntro}</p>${
        form.fields.some((f) => f.name === 'branchCode') ? html`<p class="hint">${t.credentialsAlternative}</p>` : ''
      }<form method="post" action="${LINK_PATHS.banks}/${bankId}/credentials" autocomplete="on"><input type="hidden" name="_csrf" value="${session.csrf}">${credentialFields(
        form.fields,
        ctx.lang,
      )}<p><button type="submit" class="primary">${t.connectButton}</button></p></form>`;
    } else {
      body = html`${body}<p>${t.redirectIntro(name)}</p><p><a class="button primary" href="${LINK_PATHS.banks}/${bankId}/redirect">${t.redirectButton}</a></p>`;
    }
    return page(ctx, t.connectHeading(name), html`${body}<p><a href="${LINK_PATHS.banks}">${t.backToBanks}</a></p>`, problem ? problemBox(t.problemHeading, problem) : undefined);
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
    return html`<section class="consent" aria-labelledby="consent-heading"><h2 id="consent-heading">${t.consentHeading(app)}</h2><ul>${[
      html`<li data-consent="accounts">${t.consentAccounts}</li>`,
      // Daily balances are kept for every account (the bank's, or computed from its transactions).
      html`<li data-consent="balances">${t.consentBalances}</li>`,
      html`<li data-consent="transactions">${t.consentTransactions(limits.maxHistoryDays)}</li>`,
    ]}</ul><p data-consent="validity">${t.consentValidity(limits.scaValidityDays, this.date(until, lang))}</p><p data-consent="withdraw">${t.consentWithdraw} <a href="${LINK_PATHS.vault}">${
      t.consentWithdrawLink
    }</a></p><p class="hint">${t.consentAgree}</p></section>`;
  }

  /** One connection: its status, progress while running, the challenge form while waiting, and the actions. */
  async connectionPage(session: LinkSession, ctx: PageContext, connectionId: string, notice?: string, problem?: string): Promise<string> {
    const t = textsOf(ctx.lang);
    const view = await this.describe(session, connectionId, ctx.lang);
    const bank = this.bankOf(view);
    const name = view.bankName?.[ctx.lang] ?? view.bankId ?? view.connectorId;
    const status = view.aggregationStatus;
    const group = view.aggregationStatusGroup;
    const sections: Html[] = [this.expiryNotice(session, view, ctx.lang)];
    if (isRunning(status)) sections.push(progress(status, ctx.lang));
    const pending = group === 'waiting' ? await this.pending(session, connectionId) : undefined;
    if (pending) {
      sections.push(challengeForm(pending, `${conn(connectionId)}/challenge`, session.csrf, ctx.lang, this.time(pending.expiresAt, ctx.lang), `${conn(connectionId)}/new-image`));
    } else if (group === 'waiting') {
      sections.push(html`<p>${t.noChallenge}</p>`);
    }
    sections.push(await this.actions(session, view, bank, ctx.lang, true));
    if (bank?.manifest.authFlow === 'credentials' && REENTER_ACTIONS.has(view.nextAction)) {
      const form = await this.logins.credentialForm(bank.bankId);
      sections.push(
        html`<section id="reenter"><h2>${t.reenterHeading}</h2><form method="post" action="${conn(connectionId)}/credentials"><input type="hidden" name="_csrf" value="${session.csrf}">${credentialFields(
          form.fields,
          ctx.lang,
        )}<p><button type="submit" class="primary">${t.actionReenter}</button></p></form></section>`,
      );
    }
    // A flow the tenant will hear the end of: a failure offers the way back to its app.
    if (session.returnUri && ctx.brand && FAILED_GROUPS.has(group)) {
      sections.push(html`<p><a class="button" href="${LINK_PATHS.root}/return?connection=${view.id}" data-action="return">${t.returnToApp(ctx.brand.appName)}</a></p>`);
    }
    const wrongAnswer = view.nextAction === 're-answer-challenge' || view.nextAction === 're-answer-at-link-page';
    const statusBlock = html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}${problem ? problemBox(t.problemHeading, problem) : ''}${
      wrongAnswer && !problem ? problemBox(t.answerWrong, t.answerAgainHint) : ''
    }`;
    const body = html`<div class="connection group-${group}" data-connection-id="${view.id}" data-status="${status}"><p class="status" aria-live="polite">${view.aggregationStatusLabel}</p>${sinceLine(view, this.clock.now(), ctx.lang)}</div>${sections}<p><a href="${LINK_PATHS.vault}">${t.backToVault}</a></p>`;
    const moving = isMoving(status);
    return page({ ...ctx, ...(moving ? { pollUrl: `${LINK_PATHS.vault}/status`, ...(isRunning(status) ? { refreshSeconds: 3 } : {}) } : {}) }, name, body, statusBlock);
  }

  /** Asks to confirm disconnecting: what it does (revoked at the bank, login details deleted) and that the data stays. */
  async disconnectPage(session: LinkSession, ctx: PageContext, connectionId: string): Promise<string> {
    const t = textsOf(ctx.lang);
    const view = await this.describe(session, connectionId, ctx.lang);
    const name = view.bankName?.[ctx.lang] ?? view.bankId ?? view.connectorId;
    const body = html`<p>${t.disconnectQuestion(name)}</p><div class="actions">${buttonForm(`${conn(view.id)}/disconnect`, t.disconnectConfirm, session.csrf, 'danger')}<a class="button" href="${conn(
      view.id,
    )}">${t.disconnectCancel}</a></div>`;
    return page(ctx, t.disconnectHeading, body);
  }

  /** A small page saying what went wrong (expired session, unknown page…). */
  message(ctx: PageContext, title: string, text: string): string {
    return page(ctx, title, html`<p>${text}</p>`);
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
    const next = view.nextRefreshPossibleAt && this.bankOf(view) ? html`<p class="hint next-refresh">${t.nextRefresh(this.dateTime(new Date(view.nextRefreshPossibleAt), lang))}</p>` : '';
    return html`<li class="connection group-${view.aggregationStatusGroup}" data-connection-id="${view.id}" data-status="${view.aggregationStatus}"><h2><a href="${conn(view.id)}">${name}${
      numbers.length > 0 ? html` <span class="numbers">${numbers.join(', ')}</span>` : ''
    }</a></h2><p class="status">${view.aggregationStatusLabel}</p>${sinceLine(view, this.clock.now(), lang)}${this.expiryNotice(session, view, lang)}${
      view.consent?.expirationDate ? html`<p class="hint consent-expiry">${t.consentUntil(this.date(new Date(view.consent.expirationDate), lang))}</p>` : ''
    }${accounts.length > 0 ? accountsTable(accounts, lang) : ''}${next}${await this.actions(session, view, this.bankOf(view), lang, false)}</li>`;
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
   * expires and a one-click re-authorisation (a POST with the CSRF token) that renews the
   * consent at the bank for the same connection and accounts.
   */
  private expiryNotice(session: LinkSession, view: ConnectionView, lang: Language): Html {
    const consent = view.consent;
    const days = consent?.daysUntilExpiry;
    if (!consent || consent.status !== 'valid' || consent.expiresAt === null || days === null || days === undefined || days < 1 || days > EXPIRY_WARNING_DAYS[0]) return html``;
    const t = textsOf(lang);
    return html`<div class="expiry-warning" role="status" data-days-until-expiry="${String(days)}"><p>${t.expiryWarning(days, this.date(new Date(consent.expiresAt), lang))}</p>${buttonForm(
      `${conn(view.id)}/reauthorise`,
      t.actionReauthorise,
      session.csrf,
      'primary',
    )}</div>`;
  }

  /** The next action the user can take right there, from the domain's `action` for the status. */
  private async actions(session: LinkSession, view: ConnectionView, bank: RegisteredBank | undefined, lang: Language, detailed: boolean): Promise<Html> {
    const t = textsOf(lang);
    const id = view.id;
    const credentials = bank?.manifest.authFlow === 'credentials';
    const refresh = buttonForm(`${conn(id)}/refresh`, t.actionRefresh, session.csrf, 'primary');
    const loginAgain = credentials ? buttonForm(`${conn(id)}/login`, t.actionLoginAgain, session.csrf, 'primary') : undefined;
    const reconnect = bank && !credentials ? html`<a class="button primary" href="${LINK_PATHS.banks}/${bank.bankId}/redirect?connection=${id}">${t.actionReconnect}</a>` : undefined;
    const reenter = credentials ? html`<a class="button primary" href="${conn(id)}#reenter">${t.actionReenter}</a>` : reconnect;
    const parts: Html[] = [];
    const action = view.nextAction;
    if (!bank) {
      // The bank is no longer configured here: nothing to refresh or log in to.
      parts.push(html`<span class="unavailable">${t.bankUnavailable}</span>`);
      parts.push(detailed ? html`<a class="button danger" href="${conn(id)}/disconnect">${t.actionDisconnect}</a>` : html`<a href="${conn(id)}">${t.actionDetails}</a>`);
      return html`<div class="actions" data-next-action="unavailable"><span class="visually-hidden">${t.nextAction}:</span>${parts}</div>`;
    }
    switch (action) {
      case 'wait':
        parts.push(html`<span>${t.actionWait}</span>`);
        break;
      case 'answer-challenge':
      case 'answer-at-link-page':
        // On the connection's own page the question's form is right above.
        if (!detailed) parts.push(html`<a class="button primary" href="${conn(id)}">${t.actionAnswer}</a>`);
        if (!(await this.hasPending(session, id)) && loginAgain) parts.push(loginAgain);
        break;
      case 're-answer-challenge':
      case 're-answer-at-link-page':
        // The bank asks a new question at the next login: answering again needs no password.
        if (credentials) parts.push(buttonForm(`${conn(id)}/login`, t.actionAnswerAgain, session.csrf, 'primary'));
        break;
      case 're-enter-credentials':
      case 'reconnect':
        if (reenter && !detailed) parts.push(reenter);
        // The stored details are the wrong ones: logging in with them again cannot help.
        if (view.aggregationStatus !== 'auth.creds.invalid' && credentials && (await this.secrets.has(session, id, 'credentials')) && loginAgain) parts.push(loginAgain);
        if (detailed && reconnect) parts.push(reconnect);
        break;
      case 'contact-bank-then-reenter':
        parts.push(html`<span>${t.actionContactBank}</span>`);
        if (reenter && !detailed) parts.push(reenter);
        break;
      case 'login-at-bank': {
        const direct = this.directLogins.urls.get(bank?.bankId ?? '');
        if (direct) parts.push(html`<a class="button" href="${direct}" rel="noopener" target="_blank" data-action="login-at-bank">${t.actionLoginAtBank}</a>`);
        else parts.push(html`<span>${t.actionLoginAtBank}</span>`);
        parts.push(html`<span class="hint">${t.loginAtBankHint}</span>`, refresh);
        break;
      }
      case 'log-out-elsewhere':
        parts.push(html`<span>${t.actionLogOutElsewhere}</span>`, refresh);
        break;
      case 'retry-later':
        parts.push(html`<span>${t.actionRetryLater}</span>`, refresh);
        break;
      case 'retry':
        parts.push(refresh);
        break;
      case 'reactivate':
        parts.push(buttonForm(`${conn(id)}/reactivate`, t.actionReactivate, session.csrf, 'primary'));
        break;
      default:
        if (view.aggregationStatus === 'success') parts.push(refresh);
        else if (!detailed) parts.push(html`<span class="hint">${t.nothingToDo}</span>`);
    }
    if (detailed) {
      const settled = !isMoving(view.aggregationStatus);
      if (settled && view.aggregationStatus !== 'inactive') parts.push(buttonForm(`${conn(id)}/deactivate`, t.actionDeactivate, session.csrf));
      parts.push(html`<a class="button danger" href="${conn(id)}/disconnect">${t.actionDisconnect}</a>`);
    } else {
      parts.push(html`<a href="${conn(id)}">${t.actionDetails}</a>`);
    }
    return html`<div class="actions" data-next-action="${action}"><span class="visually-hidden">${t.nextAction}:</span>${parts}</div>`;
  }

  private async hasPending(scope: UserScope, connectionId: string): Promise<boolean> {
    return (await this.pending(scope, connectionId)) !== undefined;
  }

  private date(at: Date, lang: Language): string {
    const locale = lang === 'ja' ? 'ja-JP' : lang === 'pl' ? 'pl-PL' : 'en-GB';
    return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'Asia/Tokyo' }).format(at);
  }

  private time(at: Date, lang: Language): string {
    const locale = lang === 'ja' ? 'ja-JP' : lang === 'pl' ? 'pl-PL' : 'en-GB';
    return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: 'Asia/Tokyo', timeZoneName: 'short' }).format(at);
  }
}


/** Next actions for which re-entering the login details is what helps. */
const REENTER_ACTIONS: ReadonlySet<string> = new Set(['re-enter-credentials', 'reconnect', 'contact-bank-then-reenter']);
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

const localeOf = (lang: Language): string => (lang === 'ja' ? 'ja-JP' : lang === 'pl' ? 'pl-PL' : 'en-GB');

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
  return html`<table class="accounts"><caption class="visually-hidden">${t.accountsCaption}</caption><thead><tr><th scope="col">${t.accountColumn}</th><th scope="col">${t.balanceColumn}</th></tr></thead><tbody>${accounts.map(
    (a) =>
      html`<tr data-account-id="${a.id}"><td><span class="account-name">${a.name ?? t.accountUnnamed}</span><br><span class="hint">${[a.type, maskNumber(a.number), a.currency].filter((x) => x).join(' · ')}</span></td><td class="balance">${
        a.balance ? html`<span class="amount">${formatMoney(a.balance.minor, a.balance.currency, lang)}</span><br><span class="hint">${t.balanceAsOf(bankDate(a.balance.date, lang))}</span>` : html`<span class="hint">${t.noBalance}</span>`
      }</td></tr>`,
  )}</tbody></table>`;
}

function problemBox(title: string, text: string): Html {
  return html`<div class="problem" role="alert"><p><strong>${title}</strong></p><p>${text}</p></div>`;
}

function sinceLine(view: ConnectionView, now: Date, lang: Language): Html {
  const t = textsOf(lang);
  // For `success` the label itself is the relative time ("3分前に更新されました", the seed's wording).
  if (view.aggregationStatus === 'success') return html``;
  return html`<p class="since">${view.lastSuccessAt ? t.lastSuccess(relativeTime(new Date(view.lastSuccessAt), now, lang)) : t.neverUpdated}</p>`;
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
