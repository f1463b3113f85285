// Deterministic Japanese demo data for this package's own tests, and a login through the
// sandbox as the app does it (begin → the bank's login form → complete, PKCE S256).
import { calendarDate, type CalendarDate } from '@kinko/domain';
import { createPkcePair, createState, type ConnectorClient, type Grant } from '@kinko/connector-sdk';
import { gmoAozoraPersonaUser } from '@kinko/sandbox-bank';
import type { SandboxBank, SandboxUser } from './bank';

/** はなこ (tools/sandbox-bank's persona): two 普通預金, 200 days of history (over 600 items: two pages of 500). */
export const demoUser = (today: CalendarDate): SandboxUser => gmoAozoraPersonaUser(today);

export const demoToday = calendarDate('2026-11-30');

/** Logs `user` in through the connector and the sandbox's login form; the grant. */
export async function loginThroughSandbox(client: ConnectorClient, bank: SandboxBank, user: { username: string; password: string }): Promise<Grant> {
  const redirectUri = 'https://kinko.invalid/api/v2/connect/callback';
  const pkce = createPkcePair();
  const begun = await client.auth.begin({ redirectUri, state: createState(), codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', psu: { userPresent: true } });
  if (!begun.ok || begun.value.type !== 'redirect') throw new Error('begin failed');
  const asked = new URL(begun.value.url).searchParams;
  const form = new URLSearchParams({ ...user, redirect_uri: asked.get('redirect_uri') ?? '', state: asked.get('state') ?? '', code_challenge: asked.get('code_challenge') ?? '' });
  const res = await fetch(`${bank.baseUrl}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  const back = Object.fromEntries(new URL(res.headers.get('location') ?? '').searchParams);
  const done = await client.auth.complete({ type: 'redirect', callbackParams: back, redirectUri, codeVerifier: pkce.verifier });
  if (!done.ok || done.value.type !== 'granted') throw new Error('complete failed');
  return done.value.grant;
}
