/**
 * A scripted PSU at the PolishAPI bank's pages, for end-to-end tests of `pnpm start`: given
 * the `aspspRedirectUri` a TPP was sent to, it logs in, passes SCA, approves the accounts the
 * consent screen ticks, and returns where the bank redirects — without following it.
 */
import { PSU_FORM_PATH } from './pages';

/** The PSU's login at the bank. */
export interface PolishPsuCredentials {
  readonly login: string;
  readonly password: string;
  /** The SCA step's one-time code. */
  readonly scaCode: string;
}

/** How the flow ended: redirected to the TPP, or a page instead (bad credentials, expired flow…). */
export type PolishPsuResult = { readonly outcome: 'redirected'; readonly location: string } | { readonly outcome: 'rejected'; readonly status: number; readonly page: string };

/** Walks login → SCA → consent (approve) at the bank's pages. */
export async function approveAtPolishBankPages(aspspRedirectUri: string, psu: PolishPsuCredentials): Promise<PolishPsuResult> {
  const first = await fetch(aspspRedirectUri, { redirect: 'manual' });
  const html = await first.text();
  const flow = /name="flow" value="([^"]+)"/.exec(html)?.[1];
  if (first.status !== 200 || flow === undefined) return { outcome: 'rejected', status: first.status, page: html };
  const post = (fields: Array<[string, string]>) =>
    fetch(new URL(PSU_FORM_PATH, aspspRedirectUri), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([['flow', flow], ...fields]).toString(),
      redirect: 'manual',
    });
  const sca = await post([['stage', 'login'], ['action', 'login'], ['login', psu.login], ['password', psu.password]]);
  if (sca.status !== 200) return { outcome: 'rejected', status: sca.status, page: await sca.text() };
  await sca.arrayBuffer();
  const consent = await post([['stage', 'sca'], ['action', 'sca'], ['code', psu.scaCode]]);
  const screen = await consent.text();
  if (consent.status !== 200) return { outcome: 'rejected', status: consent.status, page: screen };
  const ticked = [...screen.matchAll(/<input type="checkbox" name="account" value="([^"]+)" checked>/g)].map((m): [string, string] => ['account', m[1] as string]);
  const back = await post([['stage', 'consent'], ['action', 'approve'], ...ticked]);
  const location = back.headers.get('location');
  if (back.status === 302 && location !== null) {
    await back.arrayBuffer();
    return { outcome: 'redirected', location };
  }
  return { outcome: 'rejected', status: back.status, page: await back.text() };
}
