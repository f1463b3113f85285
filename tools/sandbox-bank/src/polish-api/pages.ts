/**
 * The bank's own pages the PSU sees between POST /authorize and the redirect back to the
 * TPP: login, strong authentication (a one-time SMS code), and the consent screen where the
 * PSU picks accounts and approves or rejects. Server-rendered, no JavaScript; every form
 * posts to {@link PSU_FORM_PATH} with the hidden `flow` and `stage` fields.
 */

/** GET: the page `aspspRedirectUri` points to (`?flow=…`). */
export const PSU_PAGE_PATH = '/psu/authorize';
/** POST (application/x-www-form-urlencoded): every form of the flow. */
export const PSU_FORM_PATH = '/psu/authorize';

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** What the consent screen shows. */
export interface ConsentScreen {
  readonly clientName: string;
  readonly scope: string;
  /** Requested privileges with their history, for people. */
  readonly privileges: readonly string[];
  readonly validUntil: string;
  /** The PSU's accounts: number, type name, whether requested. */
  readonly accounts: ReadonlyArray<{ readonly iban: string; readonly label: string; readonly checked: boolean }>;
}

/** One page of the flow. */
export type PsuPage =
  | { readonly stage: 'login'; readonly error?: string }
  | { readonly stage: 'sca'; readonly error?: string }
  | { readonly stage: 'consent'; readonly screen: ConsentScreen };

/** Renders a page of the flow for `bankName`. */
export function renderPsuPage(bankName: string, flowId: string, page: PsuPage): string {
  const hidden = `<input type="hidden" name="flow" value="${escape(flowId)}"><input type="hidden" name="stage" value="${page.stage}">`;
  const error = 'error' in page && page.error ? `<p class="error" role="alert">${escape(page.error)}</p>` : '';
  let body: string;
  switch (page.stage) {
    case 'login':
      body = `<h2>Logowanie / Log in</h2>${error}
<form method="post" action="${PSU_FORM_PATH}">${hidden}
<label>Login <input name="login" autocomplete="username" required></label>
<label>Hasło / Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit" name="action" value="login">Zaloguj / Log in</button>
<button type="submit" name="action" value="cancel" formnovalidate>Anuluj / Cancel</button>
</form>`;
      break;
    case 'sca':
      body = `<h2>Silne uwierzytelnienie / Strong authentication</h2>${error}
<p>Wpisz kod SMS wysłany na Twój telefon. / Enter the SMS code sent to your phone.</p>
<form method="post" action="${PSU_FORM_PATH}">${hidden}
<label>Kod SMS / SMS code <input name="code" inputmode="numeric" autocomplete="one-time-code" required></label>
<button type="submit" name="action" value="sca">Potwierdź / Confirm</button>
<button type="submit" name="action" value="cancel" formnovalidate>Anuluj / Cancel</button>
</form>`;
      break;
    case 'consent': {
      const s = page.screen;
      const accounts = s.accounts
        .map((a) => `<li><label><input type="checkbox" name="account" value="${escape(a.iban)}"${a.checked ? ' checked' : ''}> ${escape(a.label)} — ${escape(a.iban)}</label></li>`)
        .join('\n');
      body = `<h2>Zgoda / Consent</h2>
<p><strong>${escape(s.clientName)}</strong> prosi o dostęp (${escape(s.scope)}) do Twoich rachunków do ${escape(s.validUntil)}.
/ asks for access (${escape(s.scope)}) to your accounts until ${escape(s.validUntil)}.</p>
<ul>${s.privileges.map((p) => `<li>${escape(p)}</li>`).join('')}</ul>
<form method="post" action="${PSU_FORM_PATH}">${hidden}
<fieldset><legend>Rachunki / Accounts</legend><ul>
${accounts}
</ul></fieldset>
<button type="submit" name="action" value="approve">Akceptuję / Approve</button>
<button type="submit" name="action" value="reject">Odrzucam / Reject</button>
</form>`;
      break;
    }
  }
  return page_(bankName, body);
}

/** A page saying the flow cannot go on (unknown or expired). */
export function renderPsuError(bankName: string, message: string): string {
  return page_(bankName, `<h2>Błąd / Error</h2><p class="error" role="alert">${escape(message)}</p>`);
}

function page_(bankName: string, body: string): string {
  return `<!doctype html>
<html lang="pl"><head><meta charset="utf-8"><title>${escape(bankName)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.5rem 0}.error{color:#b00}</style>
</head><body><h1>${escape(bankName)}</h1>
${body}
</body></html>`;
}
