import type { CredentialField } from '@kinko/connector-sdk';
import { type Language, statusLabels } from '@kinko/domain';
import type { PendingChallenge } from '../challenges/credential-login.service';
import { LINK_PATHS } from './link-paths';
import { type Html, render } from './link-templates';
import { LANGUAGE_NAMES, LINK_TEXTS, type LinkTexts } from './link-texts';

export type { Html } from './link-templates';

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
  /** False on a page that cannot be asked for again (the bank's single-use callback): no language switcher. */
  readonly languageSwitch?: false;
}

/** The tenant's app on the Link pages. */
export interface Brand {
  readonly appName: string;
  readonly logoUrl: string | null;
  /** Whether the tenant set an accent colour (the session's theme stylesheet carries it). */
  readonly themed: boolean;
}

/**
 * The Link pages' Content-Security-Policy: nothing but this origin — scripts, styles (no
 * inline), forms — and images from here, data: URLs (challenge pictures) and, when given,
 * exactly the origin of the tenant's logo.
 */
export const linkContentSecurityPolicy = (logoOrigin?: string): string =>
  `default-src 'self';base-uri 'self';font-src 'self';form-action 'self';frame-ancestors 'self';img-src 'self' data:${logoOrigin ? ` ${logoOrigin}` : ''};object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self'`;

/** The texts of a language. */
export const textsOf = (lang: Language): LinkTexts => LINK_TEXTS[lang];

/** The language switcher's links: the current page in each language. */
function languages(ctx: PageContext): Array<{ lang: Language; name: string; href: string; current: boolean }> {
  const url = new URL(ctx.path, 'http://link.invalid');
  return (['ja', 'en', 'pl'] as const).map((l) => {
    url.searchParams.set('lang', l);
    return { lang: l, name: LANGUAGE_NAMES[l], href: `${url.pathname}${url.search}`, current: l === ctx.lang };
  });
}

/** A whole page. */
export function page(ctx: PageContext, title: string, body: Html, status?: Html): string {
  return render('@page', {
    lang: ctx.lang,
    t: textsOf(ctx.lang),
    title,
    assets: LINK_PATHS.assets,
    themed: ctx.brand?.themed ?? false,
    refreshSeconds: ctx.refreshSeconds,
    pollUrl: ctx.pollUrl,
    brand: ctx.brand,
    cancelUrl: ctx.cancelUrl,
    languages: ctx.languageSwitch === false ? [] : languages(ctx),
    status,
    body,
  }).html;
}

/** A form with one button posting to `action`. */
export function buttonForm(action: string, label: string, csrf: string, kind: 'primary' | 'secondary' | 'danger' = 'secondary'): Html {
  return render('@buttonForm', { action, label, csrf, kind });
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
  return render('@credentialFields', {
    fields: fields.map((f, i) => ({
      id: `cred-${f.name}`,
      name: f.name,
      label: f.label[lang],
      type: f.secret ? 'password' : 'text',
      numeric: f.inputMode === 'numeric',
      autocomplete: f.secret ? 'current-password' : i === 0 ? 'username' : 'off',
      required: required.has(f.name),
    })),
  });
}

/**
 * The form answering a pending challenge: OTP input, CAPTCHA image + input, secret question,
 * or puzzle picture + offset. The puzzle's instruction is the form's own: the bank's text
 * speaks of its slider and button, which this form does not have. A CAPTCHA too hard to read
 * offers a new image (a new login with the stored details).
 */
export function challengeForm(challenge: PendingChallenge, action: string, csrf: string, lang: Language, time: string, newImageAction?: string): Html {
  const t = textsOf(lang);
  return render('@challenge', {
    t,
    kind: challenge.kind,
    prompt: challenge.prompt,
    image: challenge.image ? `data:${challenge.image.mediaType};base64,${challenge.image.base64}` : undefined,
    digits: challenge.kind === 'otp' && challenge.length ? t.otpDigits(challenge.length) : undefined,
    maxLength: challenge.kind === 'otp' && challenge.length ? challenge.length * 2 : undefined,
    action,
    csrf,
    expires: t.challengeExpires(time),
    newImageAction: challenge.kind === 'captcha' ? newImageAction : undefined,
  });
}

/** The steps of a run, the current one marked (labels from the domain's table). */
export function progress(status: string, lang: Language): Html {
  const steps = ['running.auth', 'running.data', 'running.intelligence'] as const;
  const at = steps.indexOf(status as (typeof steps)[number]);
  return render('@progress', {
    t: textsOf(lang),
    steps: steps.map((s, i) => ({ step: s, state: i < at ? 'done' : i === at ? 'current' : 'todo', label: statusLabels[s][lang] })),
  });
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
 * and a page with nothing moving has nothing to poll. Once a form of the page is sent (an
 * answer, a new CAPTCHA image, a login…), the page is being left for the server's answer: it
 * polls no more and never reloads — a reload would cut that request off in the browser (the
 * server still carries it out) and show the status of its middle, e.g. the CAPTCHA given up
 * before the new login, a settled status that nothing would reload again. The pages work
 * without it (a <noscript> meta refresh during runs).
 */
export const LINK_JS = `(function(){
  var body=document.body, url=body&&body.getAttribute('data-poll');
  if(!url||!window.fetch) return;
  var shown={}, leaving=false;
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
      if(leaving) return;
      if(!j||!j.connections){ clearInterval(timer); return; }
      for(var i=0;i<j.connections.length;i++){
        var c=j.connections[i], e=shown[c.id];
        if(!e||e.getAttribute('data-status')===c.status) continue;
        var running=/^running\\./.test(c.status)&&/^running\\./.test(e.getAttribute('data-status'));
        if(!(running&&step(e,c.status))){ clearInterval(timer); location.reload(); return; }
      }
    }).catch(function(){});
  },2000);
  document.addEventListener('submit',function(ev){ if(!ev.defaultPrevented){ leaving=true; clearInterval(timer); } });
})();
`;
