// The UK Open Banking sandbox's authorisation server and consent resource over loopback: the
// FAPI details it enforces (an exact registered redirect URI, state, nonce, PKCE S256, the
// redirect URI repeated at the token call), the nonce signed into the id_token, the consent's
// statuses, x-fapi-interaction-id echoed (or made), OBErrorResponse1 errors.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { startUkOpenBankingSandbox, ukOpenBankingPersonaUsers, UK_OPEN_BANKING_BASE_PATH, type UkOpenBankingSandbox } from '../src';

const redirectUri = 'https://kinko.invalid/api/v2/connect/callback';
const basic = `Basic ${Buffer.from('kinko:secret').toString('base64')}`;
let bank: UkOpenBankingSandbox;

beforeAll(async () => {
  bank = await startUkOpenBankingSandbox({ clientId: 'kinko', clientSecret: 'secret', users: ukOpenBankingPersonaUsers('2026-12-01'), redirectUris: [redirectUri] });
});
afterAll(async () => bank?.close());

async function token(form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${bank.baseUrl}/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
async function consent(headers: Record<string, string> = {}): Promise<{ res: Response; body: { Data: { ConsentId: string; Status: string } } }> {
  const cc = (await token({ grant_type: 'client_credentials', scope: 'accounts' })).body.access_token as string;
  const res = await fetch(`${bank.baseUrl}${UK_OPEN_BANKING_BASE_PATH}/account-access-consents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cc}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ Data: { Permissions: ['ReadAccountsDetail', 'ReadTransactionsDetail'], ExpirationDateTime: new Date(Date.now() + 86_400_000).toISOString() }, Risk: {} }),
  });
  return { res, body: (await res.json()) as { Data: { ConsentId: string; Status: string } } };
}
function authorizeUrl(consentId: string, params: Record<string, string | undefined>): string {
  const url = new URL(`${bank.baseUrl}/authorize`);
  const all = { response_type: 'code', client_id: 'kinko', redirect_uri: redirectUri, state: 's-1', nonce: 'n-1', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', openbanking_intent_id: consentId, ...params };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

it('creates a consent AWAU, echoing the TPP’s x-fapi-interaction-id (or making one)', async () => {
  const given = await consent({ 'x-fapi-interaction-id': '93bac548-d2de-4546-b106-880a5018460d' });
  expect(given.res.status).toBe(201);
  expect(given.res.headers.get('x-fapi-interaction-id')).toBe('93bac548-d2de-4546-b106-880a5018460d');
  expect(given.body.Data.Status).toBe('AWAU');
  const made = await consent();
  expect(made.res.headers.get('x-fapi-interaction-id')).toMatch(/^[0-9a-f-]{36}$/);
});

it('refuses a consent without known Permissions with an OBErrorResponse1 (400)', async () => {
  const cc = (await token({ grant_type: 'client_credentials' })).body.access_token as string;
  const res = await fetch(`${bank.baseUrl}${UK_OPEN_BANKING_BASE_PATH}/account-access-consents`, { method: 'POST', headers: { authorization: `Bearer ${cc}` }, body: JSON.stringify({ Data: { Permissions: ['ReadEverything'] }, Risk: {} }) });
  expect(res.status).toBe(400);
  expect(await res.json()).toEqual(expect.objectContaining({ Errors: [expect.objectContaining({ ErrorCode: 'U002', Path: 'Data.Permissions' })] }));
});

it.each([
  ['a redirect URI not registered for the client', { redirect_uri: 'https://kinko.invalid/api/v2/connect/callback/' }],
  ['no state', { state: undefined }],
  ['no nonce', { nonce: undefined }],
  ['no PKCE S256', { code_challenge_method: 'plain' }],
])('the login page refuses %s with a 400 page, never a redirect', async (_what, params) => {
  const { body } = await consent();
  const res = await fetch(authorizeUrl(body.Data.ConsentId, params), { redirect: 'manual' });
  expect(res.status).toBe(400);
  expect(res.headers.get('location')).toBeNull();
});

it('issues the code for the exact redirect URI and verifier; the id_token carries the nonce and consent, signed HS256 with the client secret', async () => {
  const { body } = await consent();
  const consentId = body.Data.ConsentId;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const form = new URLSearchParams({ username: 'oliver', password: 'sandbox', decision: 'allow', redirect_uri: redirectUri, state: 's-9', nonce: 'n-9', code_challenge: challenge, openbanking_intent_id: consentId });
  const login = async () => new URL((await fetch(`${bank.baseUrl}/authorize`, { method: 'POST', body: form, redirect: 'manual' })).headers.get('location') ?? '').searchParams;
  const back = await login();
  expect(back.get('state')).toBe('s-9');
  expect(bank.consentStatus(consentId)).toBe('AUTH');
  // Another redirect URI or verifier at the token call: invalid_grant (and the code is spent).
  expect((await token({ grant_type: 'authorization_code', code: back.get('code') ?? '', code_verifier: verifier, redirect_uri: `${redirectUri}?x=1` })).body.error).toBe('invalid_grant');
  const again = await fetch(`${bank.baseUrl}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  expect(again.status).toBe(400); // the consent is no longer awaiting authorisation
  const { body: second } = await consent();
  form.set('openbanking_intent_id', second.Data.ConsentId);
  const code = (await login()).get('code') ?? '';
  expect((await token({ grant_type: 'authorization_code', code, code_verifier: 'wrong', redirect_uri: redirectUri })).body.error).toBe('invalid_grant');
  const { body: third } = await consent();
  form.set('openbanking_intent_id', third.Data.ConsentId);
  const ok = await token({ grant_type: 'authorization_code', code: (await login()).get('code') ?? '', code_verifier: verifier, redirect_uri: redirectUri });
  expect(ok.status).toBe(200);
  const [head, payload, signature] = String(ok.body.id_token).split('.');
  expect(createHmac('sha256', 'secret').update(`${head}.${payload}`).digest('base64url')).toBe(signature);
  expect(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString())).toEqual(expect.objectContaining({ aud: 'kinko', nonce: 'n-9', openbanking_intent_id: third.Data.ConsentId }));
});

it('takes a registered loopback redirect URI at any port (RFC 8252 §7.3), and only its path', async () => {
  const loopback = await startUkOpenBankingSandbox({ clientId: 'kinko', clientSecret: 'secret', users: [], redirectUris: ['http://127.0.0.1/api/v2/connect/callback'] });
  try {
    const cc = (await (await fetch(`${loopback.baseUrl}/token`, { method: 'POST', headers: { authorization: basic }, body: new URLSearchParams({ grant_type: 'client_credentials' }) })).json()) as { access_token: string };
    const consentOf = async () =>
      ((await (await fetch(`${loopback.baseUrl}${UK_OPEN_BANKING_BASE_PATH}/account-access-consents`, { method: 'POST', headers: { authorization: `Bearer ${cc.access_token}` }, body: JSON.stringify({ Data: { Permissions: ['ReadAccountsBasic'] }, Risk: {} }) })).json()) as { Data: { ConsentId: string } }).Data.ConsentId;
    const page = async (redirect: string) => (await fetch(`${loopback.baseUrl}/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'kinko', redirect_uri: redirect, state: 's', nonce: 'n', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', openbanking_intent_id: await consentOf() })}`)).status;
    expect(await page('http://127.0.0.1:43127/api/v2/connect/callback')).toBe(200);
    expect(await page('http://127.0.0.1:43127/api/v2/connect/other')).toBe(400);
    expect(await page('http://10.0.0.1:43127/api/v2/connect/callback')).toBe(400);
  } finally {
    await loopback.close();
  }
});
