/**
 * The bank's login screen (GET /auth/login): a plain HTML form, Japanese first with
 * English beside it, that works without JavaScript for a person and for a test that
 * fetches it, fills it in and posts it.
 */

/** What the page shows. */
export interface LoginPageView {
  /** The bank's name. */
  readonly bankName: string;
  /** The login flow the form belongs to (hidden field). */
  readonly flowId: string;
  /** Which step: id + password, or the one-time password. */
  readonly stage: 'credentials' | 'otp';
  /** The permissions the client asks for (as given in `grants`). */
  readonly grants: string;
  /** An error to show above the form (both languages). */
  readonly error?: { readonly ja: string; readonly en: string };
}

/** Where the form posts. */
export const LOGIN_FORM_PATH = '/auth/login/web';

/** Renders the login page. */
export function renderLoginPage(view: LoginPageView): string {
  const fields =
    view.stage === 'credentials'
      ? `
      <p>
        <label for="login-id">ログインID / Login ID</label><br>
        <input id="login-id" name="id" type="text" autocomplete="username" required autofocus>
      </p>
      <p>
        <label for="login-password">ログインパスワード / Password</label><br>
        <input id="login-password" name="password" type="password" autocomplete="current-password" required>
      </p>`
      : `
      <p>ワンタイムパスワードを入力してください。<br>Enter your one-time password.</p>
      <p>
        <label for="login-otp">ワンタイムパスワード / One-time password</label><br>
        <input id="login-otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus>
      </p>`;
  const error = view.error
    ? `<p role="alert" class="error">${escapeHtml(view.error.ja)}<br>${escapeHtml(view.error.en)}</p>`
    : '';
  return page(
    `${view.bankName} ログイン / Log in`,
    `
    <h1>${escapeHtml(view.bankName)}</h1>
    <h2>ログイン / Log in</h2>
    <p>外部サービスが口座情報の参照を求めています（権限: ${escapeHtml(view.grants || '*')}）。<br>
       An external service asks to read your account information (grants: ${escapeHtml(view.grants || '*')}).</p>
    ${error}
    <form method="post" action="${LOGIN_FORM_PATH}">
      <input type="hidden" name="flow" value="${escapeHtml(view.flowId)}">
      ${fields}
      <p>
        <button type="submit" name="action" value="login">${view.stage === 'credentials' ? 'ログイン / Log in' : '認証 / Verify'}</button>
        <button type="submit" name="action" value="cancel" formnovalidate>キャンセル / Cancel</button>
      </p>
    </form>`,
  );
}

/** A page that only says what went wrong (bad request, unknown client, expired flow). */
export function renderErrorPage(bankName: string, message: { readonly ja: string; readonly en: string }): string {
  return page(`${bankName} エラー / Error`, `<h1>${escapeHtml(bankName)}</h1><p role="alert">${escapeHtml(message.ja)}<br>${escapeHtml(message.en)}</p>`);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="ja">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}</title>
  <style>
    body { font-family: system-ui, sans-serif; max-width: 30rem; margin: 2rem auto; padding: 0 1rem; }
    input { width: 100%; padding: .4rem; font-size: 1rem; box-sizing: border-box; }
    button { padding: .4rem 1rem; font-size: 1rem; margin-right: .5rem; }
    .error { color: #b00020; }
  </style>
</head>
<body>${body}
</body>
</html>
`;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
