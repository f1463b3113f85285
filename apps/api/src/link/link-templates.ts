import { Eta } from 'eta';

/**
 * The Link pages' markup: Eta templates (https://eta.js.org) with auto-escaping. Every
 * `<%= … %>` is escaped by Eta (`& < > " '`); the only raw output, `<%~ … %>`, prints a
 * {@link Html} fragment another template of this file rendered (`.html`), or an `include`.
 * The pages' code builds plain data (texts already in the page's language, URLs, flags)
 * and never writes markup itself.
 */

/** A fragment of HTML rendered by one of these templates; templates print it as it is. */
export class Html {
  /** Only {@link render} makes one: a fragment cannot come from anywhere else. */
  private constructor(readonly html: string) {}

  /** @internal */
  static of(html: string): Html {
    return new Html(html);
  }
}

/** A button in a form of its own, posting to `action` with the CSRF token. */
const BUTTON_FORM = `<form method="post" action="<%= it.action %>" class="inline"><%~ include('@csrf', { csrf: it.csrf }) %><button type="submit" class="<%= it.kind %>"><%= it.label %></button></form>`;

const CSRF = `<input type="hidden" name="_csrf" value="<%= it.csrf %>">`;

const PAGE = `<!doctype html>
<html lang="<%= it.lang %>"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title><%= it.title %> — <%= it.t.title %></title><link rel="stylesheet" href="<%= it.assets %>/link.css"><% if (it.themed) { %><link rel="stylesheet" href="<%= it.assets %>/theme.css"><% } %><% if (it.refreshSeconds) { %><noscript><meta http-equiv="refresh" content="<%= it.refreshSeconds %>"></noscript><% } %><script src="<%= it.assets %>/link.js" defer></script></head>
<body<% if (it.pollUrl) { %> data-poll="<%= it.pollUrl %>"<% } %>>
<header><p class="brand"><% if (it.brand && it.brand.logoUrl) { %><img class="logo" src="<%= it.brand.logoUrl %>" alt="" width="32" height="32" referrerpolicy="no-referrer"> <% } %><%= it.brand ? it.brand.appName : it.t.title %></p>
<% if (it.cancelUrl) { %><p class="cancel"><a href="<%= it.cancelUrl %>" data-action="cancel"><%= it.t.cancel %></a></p><% } %>
<% if (it.languages.length > 0) { %><nav class="languages" aria-label="<%= it.t.language %>"><ul><% it.languages.forEach(function (l) { %><li><% if (l.current) { %><span aria-current="true" lang="<%= l.lang %>"><%= l.name %></span><% } else { %><a href="<%= l.href %>" lang="<%= l.lang %>" hreflang="<%= l.lang %>"><%= l.name %></a><% } %></li><% }) %></ul></nav><% } %></header>
<main><% if (it.status) { %><%~ it.status.html %><% } %><h1><%= it.title %></h1>
<%~ it.body.html %>
</main>
<% if (it.brand) { %><footer><p class="hint"><%= it.t.poweredBy %></p></footer><% } %>
</body></html>`;

const CREDENTIAL_FIELDS = `<% it.fields.forEach(function (f) { %><p class="field"><label for="<%= f.id %>"><%= f.label %></label><input id="<%= f.id %>" name="<%= f.name %>" type="<%= f.type %>"<% if (f.numeric) { %> inputmode="numeric"<% } %> autocomplete="<%= f.autocomplete %>" maxlength="512"<% if (f.required) { %> required<% } %>></p>
<% }) %>`;

const CHALLENGE = `<section class="challenge" data-challenge-kind="<%= it.kind %>"><h2><%= it.t.challengeHeading %></h2><form method="post" action="<%= it.action %>"><%~ include('@csrf', { csrf: it.csrf }) %>
<% if (it.kind === 'otp') { %><p class="prompt" id="challenge-prompt"><%= it.prompt %></p><p class="field"><label for="answer"><%= it.t.otpLabel %><% if (it.digits) { %> <span class="hint">(<%= it.digits %>)</span><% } %></label><input id="answer" name="answer" type="text" inputmode="numeric" autocomplete="one-time-code" required aria-describedby="challenge-prompt"<% if (it.maxLength) { %> maxlength="<%= it.maxLength %>"<% } %> autofocus></p>
<% } else if (it.kind === 'captcha') { %><p class="prompt" id="challenge-prompt"><%= it.prompt %></p><% if (it.image) { %><p><img src="<%= it.image %>" alt="<%= it.t.captchaAlt %>" data-challenge-image="captcha"></p><% } %><p class="field"><label for="answer"><%= it.t.captchaLabel %></label><input id="answer" name="answer" type="text" autocomplete="off" autocapitalize="off" spellcheck="false" required aria-describedby="challenge-prompt" autofocus></p>
<% } else if (it.kind === 'security') { %><p class="field"><label for="answer"><span class="question" data-question><%= it.prompt %></span><span class="visually-hidden"> — <%= it.t.securityLabel %></span></label><input id="answer" name="answer" type="text" autocomplete="off" required autofocus></p>
<% } else { %><p class="prompt" id="challenge-prompt"><%= it.t.puzzleHint %></p><% if (it.image) { %><p><img src="<%= it.image %>" alt="<%= it.t.puzzleAlt %>" data-challenge-image="puzzle"></p><% } %><p class="field"><label for="answer"><%= it.t.puzzleLabel %></label><input id="answer" name="answer" type="number" inputmode="numeric" min="0" max="2000" step="1" required aria-describedby="challenge-prompt" autofocus></p>
<% } %><p class="expires"><%= it.expires %></p><p><button type="submit" class="primary"><%= it.t.answerButton %></button></p></form>
<% if (it.newImageAction) { %><%~ include('@buttonForm', { action: it.newImageAction, label: it.t.captchaNewImage, csrf: it.csrf, kind: 'secondary' }) %><% } %></section>`;

const PROGRESS = `<section class="progress" aria-live="polite"><h2><%= it.t.progressHeading %></h2><ol><% it.steps.forEach(function (s) { %><li data-step="<%= s.step %>" class="<%= s.state %>"<% if (s.state === 'current') { %> aria-current="step"<% } %>><%= s.label %></li><% }) %></ol><p class="hint"><%= it.t.progressHint %></p></section>`;

const PROBLEM = `<div class="problem" role="alert"><p><strong><%= it.title %></strong></p><p><%= it.text %></p></div>`;

const NOTICE = `<p class="notice" role="status"><%= it.text %></p>`;

/** The actions of a connection: `it.items`, each a text, a link or a one-button form. */
const ACTIONS = `<div class="actions" data-next-action="<%= it.nextAction %>"><span class="visually-hidden"><%= it.t.nextAction %>:</span><% it.items.forEach(function (a) { %><% if (a.kind === 'form') { %><%~ include('@buttonForm', { action: a.action, label: a.label, csrf: it.csrf, kind: a.style }) %><% } else if (a.kind === 'link') { %><a<% if (a.style) { %> class="<%= a.style %>"<% } %> href="<%= a.href %>"<% if (a.external) { %> rel="noopener" target="_blank"<% } %><% if (a.dataAction) { %> data-action="<%= a.dataAction %>"<% } %>><%= a.label %></a><% } else { %><span<% if (a.style) { %> class="<%= a.style %>"<% } %>><%= a.label %></span><% } %><% }) %></div>`;

const EXPIRY = `<div class="expiry-warning" role="status" data-days-until-expiry="<%= it.days %>"><p><%= it.text %></p><% if (it.href) { %><a class="button primary" href="<%= it.href %>" data-action="reauthorise"><%= it.label %></a><% } else { %><%~ include('@buttonForm', { action: it.action, label: it.label, csrf: it.csrf, kind: 'primary' }) %><% } %></div>`;

const ACCOUNTS = `<table class="accounts"><caption class="visually-hidden"><%= it.t.accountsCaption %></caption><thead><tr><th scope="col"><%= it.t.accountColumn %></th><th scope="col"><%= it.t.balanceColumn %></th></tr></thead><tbody>
<% it.accounts.forEach(function (a) { %><tr data-account-id="<%= a.id %>"><td><span class="account-name"><%= a.name %></span><br><span class="hint"><%= a.details %></span></td><td class="balance"><% if (a.amount) { %><span class="amount"><%= a.amount %></span><br><span class="hint"><%= a.asOf %></span><% } else { %><span class="hint"><%= it.t.noBalance %></span><% } %></td></tr>
<% }) %></tbody></table>`;

const VAULT_ROW = `<li class="connection group-<%= it.group %>" data-connection-id="<%= it.id %>" data-status="<%= it.status %>"><h2><a href="<%= it.href %>"><%= it.name %><% if (it.numbers) { %> <span class="numbers"><%= it.numbers %></span><% } %></a></h2><p class="status"><%= it.label %></p><% if (it.since) { %><p class="since"><%= it.since %></p><% } %>
<% if (it.expiry) { %><%~ it.expiry.html %><% } %><% if (it.consentUntil) { %><p class="hint consent-expiry"><%= it.consentUntil %></p><% } %>
<% if (it.accounts) { %><%~ it.accounts.html %><% } %><% if (it.nextRefresh) { %><p class="hint next-refresh"><%= it.nextRefresh %></p><% } %><%~ it.actions.html %></li>
`;

const VAULT = `<% if (it.notice) { %><%~ include('@notice', { text: it.notice }) %><% } %><% if (it.rows.length === 0) { %><p><%= it.t.vaultEmpty %></p><% } else { %><ul class="connections">
<% it.rows.forEach(function (r) { %><%~ r.html %><% }) %></ul><% } %>
<p><a class="button primary" href="<%= it.banksUrl %>"><%= it.t.addBank %></a></p>`;

const BANKS = `<form method="get" action="<%= it.banksUrl %>" role="search"><p class="field"><label for="q"><%= it.t.searchLabel %></label><input id="q" name="q" type="search" value="<%= it.query %>" placeholder="<%= it.t.searchHint %>"></p><p><button type="submit"><%= it.t.searchButton %></button></p></form>
<% if (it.banks.length === 0) { %><p><%= it.t.noBanks %></p><% } else { %><ul class="banks">
<% it.banks.forEach(function (b) { %><li><a href="<%= b.href %>"><%= b.name %></a><% if (b.bankCode) { %> <span class="hint"><%= it.t.bankCode %> <%= b.bankCode %></span><% } %> <span class="hint">— <%= b.flow %></span></li>
<% }) %></ul><% } %>
<p><a href="<%= it.vaultUrl %>"><%= it.t.backToVault %></a></p>`;

const CONSENT = `<section class="consent" aria-labelledby="consent-heading"><h2 id="consent-heading"><%= it.heading %></h2><ul><li data-consent="accounts"><%= it.t.consentAccounts %></li><li data-consent="balances"><%= it.t.consentBalances %></li><li data-consent="transactions"><%= it.transactions %></li></ul><p data-consent="validity"><%= it.validity %></p><p data-consent="withdraw"><%= it.t.consentWithdraw %> <a href="<%= it.vaultUrl %>"><%= it.t.consentWithdrawLink %></a></p><p class="hint"><%= it.t.consentAgree %></p></section>`;

const BANK = `<% if (it.usesKinko) { %><p class="uses-kinko"><%= it.usesKinko %></p><% } %><%~ it.consent.html %>
<% if (it.credentials) { %><p><%= it.t.credentialsIntro %></p><% if (it.alternative) { %><p class="hint"><%= it.t.credentialsAlternative %></p><% } %>
<form method="post" action="<%= it.credentials.action %>" autocomplete="on"><%~ include('@csrf', { csrf: it.csrf }) %>
<%~ it.credentials.fields.html %><p><button type="submit" class="primary"><%= it.t.connectButton %></button></p></form>
<% } else { %><p><%= it.redirectIntro %></p><p><a class="button primary" href="<%= it.redirectUrl %>"><%= it.t.redirectButton %></a></p>
<% } %><p><a href="<%= it.banksUrl %>"><%= it.t.backToBanks %></a></p>`;

const CONNECTION = `<div class="connection group-<%= it.group %>" data-connection-id="<%= it.id %>" data-status="<%= it.status %>"><p class="status" aria-live="polite"><%= it.label %></p><% if (it.since) { %><p class="since"><%= it.since %></p><% } %></div>
<% it.sections.forEach(function (s) { %><%~ s.html %>
<% }) %><% if (it.reenter) { %><section id="reenter"><h2><%= it.t.reenterHeading %></h2><form method="post" action="<%= it.reenter.action %>"><%~ include('@csrf', { csrf: it.csrf }) %>
<%~ it.reenter.fields.html %><p><button type="submit" class="primary"><%= it.t.actionReenter %></button></p></form></section>
<% } %><% if (it.returnLabel) { %><p><a class="button" href="<%= it.returnUrl %>" data-action="return"><%= it.returnLabel %></a></p>
<% } %><p><a href="<%= it.vaultUrl %>"><%= it.t.backToVault %></a></p>`;

const DISCONNECT = `<p><%= it.question %></p><div class="actions"><%~ include('@buttonForm', { action: it.action, label: it.t.disconnectConfirm, csrf: it.csrf, kind: 'danger' }) %><a class="button" href="<%= it.cancelUrl %>"><%= it.t.disconnectCancel %></a></div>`;

const MESSAGE = `<p><%= it.text %></p>`;

/** Fragments one after the other. */
const FRAGMENTS = `<% it.parts.forEach(function (p) { %><%~ p.html %><% }) %>`;

const TEMPLATES = {
  '@page': PAGE,
  '@csrf': CSRF,
  '@buttonForm': BUTTON_FORM,
  '@credentialFields': CREDENTIAL_FIELDS,
  '@challenge': CHALLENGE,
  '@progress': PROGRESS,
  '@problem': PROBLEM,
  '@notice': NOTICE,
  '@actions': ACTIONS,
  '@expiry': EXPIRY,
  '@accounts': ACCOUNTS,
  '@vaultRow': VAULT_ROW,
  '@vault': VAULT,
  '@banks': BANKS,
  '@consent': CONSENT,
  '@bank': BANK,
  '@connection': CONNECTION,
  '@disconnect': DISCONNECT,
  '@message': MESSAGE,
  '@fragments': FRAGMENTS,
} as const;

/** The name of one of the Link pages' templates. */
export type TemplateName = keyof typeof TEMPLATES;

/** Auto-escaping on (Eta's default, set here so no one turns it off by accident); templates compiled once. */
const eta = new Eta({ autoEscape: true, cache: true });
for (const [name, source] of Object.entries(TEMPLATES)) eta.loadTemplate(name, source);

/** Renders a template with its data (`it` in the template). */
export function render(name: TemplateName, data: object): Html {
  return Html.of(eta.render(name, data));
}
