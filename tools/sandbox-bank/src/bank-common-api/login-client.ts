/**
 * A scripted end user at the bank's login page, for connector and end-to-end tests:
 * given the authorisation URL a connector built (GET /auth/login?api_key&redirect_uri&grants),
 * it loads the page, submits the form (and the one-time password when asked) and
 * returns where the bank redirects — without following the redirect.
 */
import { LOGIN_FORM_PATH } from './login-page';

/** The user's credentials at the bank. */
export interface BankLoginCredentials {
  /** Login id. */
  readonly id: string;
  /** Password. */
  readonly password: string;
  /** One-time password, for users configured with one. */
  readonly otp?: string;
}

/** How the login ended. */
export type BankLoginResult =
  /** The bank redirected (with auth_token, or error=access_denied when cancelled) to this URL. */
  | { readonly outcome: 'redirected'; readonly location: string }
  /** The bank answered with a page instead (bad request, unknown client, foreign redirect domain, wrong credentials…). */
  | { readonly outcome: 'rejected'; readonly status: number; readonly page: string };

/** Logs in at the bank's page; `cancel` presses Cancel instead of logging in. */
export async function loginAtBankPage(loginUrl: string, user: BankLoginCredentials, options: { readonly cancel?: boolean } = {}): Promise<BankLoginResult> {
  const page = await fetch(loginUrl, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) return { outcome: 'rejected', status: page.status, page: html };
  const flow = /name="flow" value="([^"]+)"/.exec(html)?.[1];
  if (flow === undefined) return { outcome: 'rejected', status: page.status, page: html };
  const post = (fields: Record<string, string>) =>
    fetch(new URL(LOGIN_FORM_PATH, loginUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ flow, ...fields }).toString(),
      redirect: 'manual',
    });
  let res = await post(options.cancel ? { action: 'cancel' } : { id: user.id, password: user.password, action: 'login' });
  if (res.status === 200 && user.otp !== undefined) {
    const otpPage = await res.text();
    if (!otpPage.includes('name="otp"')) return { outcome: 'rejected', status: res.status, page: otpPage };
    res = await post({ otp: user.otp, action: 'login' });
  }
  const location = res.headers.get('location');
  if (res.status === 302 && location !== null) {
    await res.arrayBuffer();
    return { outcome: 'redirected', location };
  }
  return { outcome: 'rejected', status: res.status, page: await res.text() };
}
