import type { CredentialField } from '@kinko/connector-sdk';
import { type Language, statusLabels } from '@kinko/domain';
import type { PendingChallenge } from '../challenges/credential-login.service';
import { LINK_PATHS } from './link-paths';
import { LANGUAGE_NAMES, LINK_TEXTS, type LinkTexts } from './link-texts';

/** Escapes text for HTML content and attribute values. */
export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** Marks a string as already-safe HTML. */
export interface Html {
  readonly html: string;
}

/** Tagged template: interpolated strings are escaped, {@link Html} values and arrays of them are inserted as they are. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return { html: out };
}

function render(v: unknown): string {
  if (v === undefined || v === null || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (typeof v === 'object' && 'html' in v) return (v as Html).html;
  return escapeHtml(String(v));
}

/** What every page needs to be laid out. */
export interface PageContext {
  readonly lang: Language;
  /** The current path and query (for the language switcher). */
  readonly path: string;
  /** Set when the page shows something that is still moving: the polling script's status URL. */
  readonly pollUrl?: string;
  /** Reload every N seconds without JavaScript (a run under way). */
  readonly refreshSeconds?: number;
  /** The tenant's app as the pages name it (its display name and logo), once the session is known. */
  readonly brand?: Brand;
  /** Set when the tenant passed a return URL: every page offers to cancel and go back to the app. */
  readonly cancelUrl?: string;
}

/** The tenant's app on the Link pages. */
export interface Brand {
  readonly appName: string;
  readonly logoUrl: string | null;
  /** Whether the tenant set an accent colour (the session's theme stylesheet carries it). */
  readonly themed: boolean;
}

/** The texts of a language. */
export const textsOf = (lang: Language): LinkTexts => LINK_TEXTS[lang];

function languageSwitcher(ctx: PageContext): Html {
  const t = textsOf(ctx.lang);
  const url = new URL(ctx.path, 'http://link.invalid');
  const links = (['ja', 'en', 'pl'] as const).map((l) => {
    url.searchParams.set('lang', l);
    const href = `${url.pathname}${url.search}`;
    return l === ctx.lang
      ? html`<li><span aria-current="true" lang="${l}">${LANGUAGE_NAMES[l]}</span></li>`
      : html`<li><a href="${href}" lang="${l}" hreflang="${l}">${LANGUAGE_NAMES[l]}</a></li>`;
  });
  return html`<nav class="languages" aria-label="${t.language}"><ul>${links}</ul></nav>`;
}

/** A whole page. */
export function page(ctx: PageContext, title: string, body: Html, status?: Html): string {
  const t = textsOf(ctx.lang);
  const refresh = ctx.refreshSeconds ? html`<noscript><meta http-equiv="refresh" content="${String(ctx.refreshSeconds)}"></noscript>` : '';
  return `<!doctype html>${
    html`<html lang="${ctx.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} — ${t.title}</title><link rel="stylesheet" href="${LINK_PATHS.assets}/link.css">${ctx.brand?.themed ? html`<link rel="stylesheet" href="${LINK_PATHS.assets}/theme.css">` : ''}${refresh}<script src="${LINK_PATHS.assets}/link.js" defer></script></head><body${
      ctx.pollUrl ? html` data-poll="${ctx.pollUrl}"` : ''
    }><header><p class="brand">${ctx.brand?.logoUrl ? html`<img class="logo" src="${ctx.brand.logoUrl}" alt="" width="32" height="32"> ` : ''}${ctx.brand ? ctx.brand.appName : t.title}</p>${
      ctx.cancelUrl ? html`<p class="cancel"><a href="${ctx.cancelUrl}" data-action="cancel">${t.cancel}</a></p>` : ''
    }${languageSwitcher(ctx)}</header><main>${status ?? ''}<h1>${title}</h1>${body}</main>${
      ctx.brand ? html`<footer><p class="hint">${t.poweredBy}</p></footer>` : ''
    }</body></html>`.html
  }`;
}

/** A hidden CSRF field. */
export const csrfField = (csrf: string): Html => html`<input type="hidden" name="_csrf" value="${csrf}">`;

/** A form with one button posting to `action`. */
export function buttonForm(action: string, label: string, csrf: string, kind: 'primary' | 'secondary' | 'danger' = 'secondary'): Html {
  return html`<form method="post" action="${action}" class="inline">${csrfField(csrf)}<button type="submit" class="${kind}">${label}</button></form>`;
}

/**
 * The fields a login form cannot go without: the secret ones (the password), and every
 * field when the bank offers no alternative login (branch code and account number instead
 * of the login ID). The browser (`required`) and the server check the same list.
 */
export function requiredFields(fields: readonly CredentialField[]): CredentialField[] {
  const alternative = fields.some((f) => f.name === 'branchCode');
  return fields.filter((f) => f.secret || !alternative);
}

/** The fields of a bank's login form (labels in the page's language). */
export function credentialFields(fields: readonly CredentialField[], lang: Language): Html {
  const required = new Set(requiredFields(fields).map((f) => f.name));
  return html`${fields.map((f, i) => {
    const id = `cred-${f.name}`;
    const autocomplete = f.secret ? 'current-password' : i === 0 ? 'username' : 'off';
    return html`<p class="field"><label for="${id}">${f.label[lang]}</label><input id="${id}" name="${f.name}" type="${f.secret ? 'password' : 'text'}"${
      f.inputMode === 'numeric' ? html` inputmode="numeric"` : ''
    } autocomplete="${autocomplete}" maxlength="512"${required.has(f.name) ? html` required` : ''}></p>`;
  })}`;
}

/** The form answering a pending challenge: OTP input, CAPTCHA image + input, secret question, or puzzle picture + offset. */
export function challengeForm(challenge: PendingChallenge, action: string, csrf: string, lang: Language, time: string, newImageAction?: string): Html {
  const t = textsOf(lang);
  const image = challenge.image ? `data:${challenge.image.mediaType};base64,${challenge.image.base64}` : undefined;
  let field: Html;
  switch (challenge.kind) {
    case 'otp':
      field = html`<p class="prompt" id="challenge-prompt">${challenge.prompt}</p><p class="field"><label for="answer">${t.otpLabel}${
        challenge.length ? html` <span class="hint">(${t.otpDigits(challenge.length)})</span>` : ''
      }</label><input id="answer" name="answer" type="text" inputmode="numeric" autocomplete="one-time-code" required aria-describedby="challenge-prompt"${
        challenge.length ? html` maxlength="${String(challenge.length * 2)}"` : ''
      } autofocus></p>`;
      break;
    case 'captcha':
      field = html`<p class="prompt" id="challenge-prompt">${challenge.prompt}</p>${
        image ? html`<p><img src="${image}" alt="${t.captchaAlt}" data-challenge-image="captcha"></p>` : ''
      }<p class="field"><label for="answer">${t.captchaLabel}</label><input id="answer" name="answer" type="text" autocomplete="off" autocapitalize="off" spellcheck="false" required aria-describedby="challenge-prompt" autofocus></p>`;
      break;
    case 'security':
      field = html`<p class="field"><label for="answer"><span class="question" data-question>${challenge.prompt}</span><span class="visually-hidden"> — ${t.securityLabel}</span></label><input id="answer" name="answer" type="text" autocomplete="off" required autofocus></p>`;
      break;
    case 'puzzle':
      // The bank's own text speaks of its slider and button, which this form does not have: the instruction is the form's own.
      field = html`<p class="prompt" id="challenge-prompt">${t.puzzleHint}</p>${
        image ? html`<p><img src="${image}" alt="${t.puzzleAlt}" data-challenge-image="puzzle"></p>` : ''
      }<p class="field"><label for="answer">${t.puzzleLabel}</label><input id="answer" name="answer" type="number" inputmode="numeric" min="0" max="2000" step="1" required aria-describedby="challenge-prompt" autofocus></p>`;
      break;
  }
  return html`<section class="challenge" data-challenge-kind="${challenge.kind}"><h2>${t.challengeHeading}</h2><form method="post" action="${action}">${csrfField(
    csrf,
  )}${field}<p class="expires">${t.challengeExpires(time)}</p><p><button type="submit" class="primary">${t.answerButton}</button></p></form>${
    // A CAPTCHA too hard to read: a new image (a new login with the stored details).
    challenge.kind === 'captcha' && newImageAction ? buttonForm(newImageAction, t.captchaNewImage, csrf) : ''
  }</section>`;
}

/** The steps of a run, the current one marked (labels from the domain's table). */
export function progress(status: string, lang: Language): Html {
  const t = textsOf(lang);
  const steps = ['running.auth', 'running.data', 'running.intelligence'] as const;
  const at = steps.indexOf(status as (typeof steps)[number]);
  return html`<section class="progress" aria-live="polite"><h2>${t.progressHeading}</h2><ol>${steps.map((s, i) =>
    html`<li data-step="${s}" class="${i < at ? 'done' : i === at ? 'current' : 'todo'}"${i === at ? html` aria-current="step"` : ''}>${statusLabels[s][lang]}</li>`,
  )}</ol><p class="hint">${t.progressHint}</p></section>`;
}

/** The stylesheet of the Link pages. */
export const LINK_CSS = `
:root{color-scheme:light;font-family:system-ui,"Hiragino Sans","Noto Sans CJK JP","Noto Sans JP",sans-serif;line-height:1.6}
body{margin:0;background:#f5f6f8;color:#1b1f24}
header{display:flex;flex-wrap:wrap;gap:.5rem;justify-content:space-between;align-items:center;padding:.5rem 1rem;background:#123;color:#fff;border-bottom:4px solid var(--accent,#0969da)}
header .cancel{margin:0}.logo{vertical-align:middle;border-radius:.25rem;background:#fff}
footer{max-width:44rem;margin:0 auto;padding:0 1rem 1rem}
header a{color:#cde}
.brand{margin:0;font-weight:600}
.languages ul{display:flex;gap:.75rem;list-style:none;margin:0;padding:0}
main{max-width:44rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem}
.connections{list-style:none;padding:0}
.connection{background:#fff;border:1px solid #d0d7de;border-radius:.5rem;padding:1rem;margin:0 0 1rem}
.connection h2{font-size:1.1rem;margin:0 0 .25rem}
.status{font-weight:600}
.group-ok .status{color:#116329}.group-running .status,.group-waiting .status{color:#0a3069}
.group-auth-error .status,.group-error .status,.group-intervention-required .status{color:#a40e26}.group-inactive .status{color:#57606a}
.since,.hint{color:#57606a;font-size:.9rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin-top:.5rem}
form.inline{display:inline}
button,.button{font:inherit;padding:.4rem .9rem;border-radius:.4rem;border:1px solid #8c959f;background:#fff;color:#1b1f24;cursor:pointer;text-decoration:none;display:inline-block}
button.primary,.button.primary{background:var(--accent,#0969da);border-color:var(--accent,#0969da);color:#fff}
button.danger{border-color:#a40e26;color:#a40e26}
.field{display:flex;flex-direction:column;gap:.25rem}
.field input{font:inherit;padding:.4rem;border:1px solid #8c959f;border-radius:.3rem;max-width:24rem}
.progress ol{padding-left:1.25rem}.progress .current{font-weight:700}.progress .done{color:#57606a}
.notice{background:#ddf4ff;border:1px solid #54aeff;padding:.5rem 1rem;border-radius:.4rem}
.problem{background:#ffebe9;border:1px solid #ff8182;padding:.5rem 1rem;border-radius:.4rem}
.banks{list-style:none;padding:0}.banks li{margin:.25rem 0}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.numbers{font-weight:400;color:#57606a;font-size:.95rem}
table.accounts{width:100%;border-collapse:collapse;margin:.5rem 0}
table.accounts th{text-align:left;font-size:.85rem;color:#57606a;border-bottom:1px solid #d0d7de;padding:.25rem 0}
table.accounts td{padding:.4rem 0;border-bottom:1px solid #eaeef2;vertical-align:top}
table.accounts .balance,table.accounts th:last-child{text-align:right}
.amount{font-weight:600;font-variant-numeric:tabular-nums}
.consent{background:#fff;border:1px solid #d0d7de;border-radius:.5rem;padding:.5rem 1rem;margin:0 0 1rem}
.consent h2{font-size:1.1rem}
img[data-challenge-image]{border:1px solid #d0d7de;max-width:100%}
`;

/**
 * The one script of the Link pages: while something is moving (a run, a waiting question),
 * it polls the status endpoint. A run moving on to its next stage (running.auth → running.data
 * → running.intelligence) is shown in place — the progress list and the status label — with
 * no reload; any other change (a question to answer, the run's end) reloads the page once,
 * and a page with nothing moving has nothing to poll. The pages work without it (a
 * <noscript> meta refresh during runs).
 */
export const LINK_JS = `(function(){
  var body=document.body, url=body&&body.getAttribute('data-poll');
  if(!url||!window.fetch) return;
  var shown={};
  document.querySelectorAll('[data-connection-id][data-status]').forEach(function(e){shown[e.getAttribute('data-connection-id')]=e;});
  function step(e,status){
    var steps=document.querySelectorAll('.progress li[data-step]'), at=-1, i;
    for(i=0;i<steps.length;i++){ if(steps[i].getAttribute('data-step')===status) at=i; }
    if(at<0) return false;
    for(i=0;i<steps.length;i++){
      steps[i].className=i<at?'done':i===at?'current':'todo';
      if(i===at) steps[i].setAttribute('aria-current','step'); else steps[i].removeAttribute('aria-current');
    }
    e.setAttribute('data-status',status);
    var label=e.querySelector('.status'); if(label) label.textContent=steps[at].textContent;
    return true;
  }
  var timer=setInterval(function(){
    fetch(url,{credentials:'same-origin',headers:{accept:'application/json'}}).then(function(r){return r.ok?r.json():null;}).then(function(j){
      if(!j||!j.connections){ clearInterval(timer); return; }
      for(var i=0;i<j.connections.length;i++){
        var c=j.connections[i], e=shown[c.id];
        if(!e||e.getAttribute('data-status')===c.status) continue;
        var running=/^running\\./.test(c.status)&&/^running\\./.test(e.getAttribute('data-status'));
        if(!(running&&step(e,c.status))){ clearInterval(timer); location.reload(); return; }
      }
    }).catch(function(){});
  },2000);
})();
`;
