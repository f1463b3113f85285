/** The GMO Aozora sandbox's login page: what the user's browser sees at the bank in `pnpm start`. */
import { createHash } from 'node:crypto';
import { gmoAozoraPersonaUser, startGmoAozoraSandbox, type GmoAozoraSandbox } from '../src';

let bank: GmoAozoraSandbox;
beforeAll(async () => {
  bank = await startGmoAozoraSandbox({ clientId: 'kinko', clientSecret: 'secret', users: [gmoAozoraPersonaUser()] });
});
afterAll(() => bank.close());

it('serves a login form carrying the authorisation request, whose post sends the user back with a code the token endpoint takes with the PKCE verifier', async () => {
  const verifier = 'v'.repeat(43);
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = 'http://127.0.0.1:9/api/v2/connect/callback';
  const page = await fetch(`${bank.baseUrl}/authorize?${new URLSearchParams({ client_id: 'kinko', redirect_uri: redirectUri, state: 's<1>', code_challenge: challenge, code_challenge_method: 'S256' })}`);
  expect(page.status).toBe(200);
  const html = await page.text();
  const fields = Object.fromEntries([...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], (m[2] ?? '').replace(/&#(\d+);/g, (_x, c: string) => String.fromCharCode(Number(c)))]));
  expect(fields).toEqual({ redirect_uri: redirectUri, state: 's<1>', code_challenge: challenge });
  expect(html).toContain('name="password"');

  const posted = await fetch(`${bank.baseUrl}/authorize`, { method: 'POST', body: new URLSearchParams({ ...fields, username: 'hanako', password: 'sakura-2026' }), redirect: 'manual' });
  const back = new URL(posted.headers.get('location') ?? '');
  expect(back.searchParams.get('state')).toBe('s<1>');
  const token = await fetch(`${bank.baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'kinko', client_secret: 'secret', grant_type: 'authorization_code', code: back.searchParams.get('code'), code_verifier: verifier, redirect_uri: redirectUri }),
  });
  expect(token.status).toBe(200);
});

it('refuses an authorisation request without PKCE S256 or from another client', async () => {
  const base = { client_id: 'kinko', redirect_uri: 'http://127.0.0.1:9/cb', state: 's', code_challenge: 'c'.repeat(43), code_challenge_method: 'S256' };
  expect((await fetch(`${bank.baseUrl}/authorize?${new URLSearchParams({ ...base, code_challenge_method: 'plain' })}`)).status).toBe(400);
  expect((await fetch(`${bank.baseUrl}/authorize?${new URLSearchParams({ ...base, client_id: 'other' })}`)).status).toBe(400);
});
