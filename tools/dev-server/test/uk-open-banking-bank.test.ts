import { describe, expect, it, jest } from '@jest/globals';
import type { DevelopmentBanksProvider } from '@kinko/api';

// The launcher's UK Open Banking bank: started on loopback with its personas, Kinko's callback
// registered there (any port on loopback), each persona it lists able to authorise a consent
// at its page with the password it shows; stopped with the rest.
const CALLBACKS = ['http://127.0.0.1/api/v2/connect/callback', 'http://localhost/api/v2/connect/callback'];
const provider = (): DevelopmentBanksProvider => (jest.requireActual('../src/sandbox-banks') as { startSandboxBanks: DevelopmentBanksProvider }).startSandboxBanks;

describe('startSandboxBanks: the UK Open Banking bank', () => {
  it('is started on loopback with its personas; each authorises a consent for Kinko’s loopback callback (rachel rejects it); close stops it', async () => {
    const warnings: string[] = [];
    const sandbox = await provider()({ host: '0.0.0.0', callbackUris: CALLBACKS, warn: (m) => warnings.push(m) });
    if (!sandbox) throw new Error(`nothing started: ${warnings.join('; ')}`);
    const uk = sandbox.ukOpenBanking;
    try {
      expect(warnings).toEqual([]);
      if (!uk) throw new Error('no UK Open Banking bank');
      expect(uk.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(uk.personas.map((p) => p.login)).toEqual(['oliver', 'rachel', 'victor', 'edith', 'fiona']);
      const basic = `Basic ${Buffer.from(`${uk.clientId}:${uk.clientSecret}`).toString('base64')}`;
      const cc = ((await (await fetch(`${uk.url}/token`, { method: 'POST', headers: { authorization: basic }, body: new URLSearchParams({ grant_type: 'client_credentials' }) })).json()) as { access_token: string }).access_token;
      const consent = async () =>
        ((await (await fetch(`${uk.url}/open-banking/v4.0/aisp/account-access-consents`, { method: 'POST', headers: { authorization: `Bearer ${cc}` }, body: JSON.stringify({ Data: { Permissions: ['ReadAccountsDetail'] }, Risk: {} }) })).json()) as { Data: { ConsentId: string } }).Data.ConsentId;
      const callback = 'http://127.0.0.1:3917/api/v2/connect/callback';
      const page = async (redirectUri: string) =>
        (await fetch(`${uk.url}/authorize?${new URLSearchParams({ response_type: 'code', client_id: uk.clientId, redirect_uri: redirectUri, state: 's', nonce: 'n', code_challenge: 'c'.repeat(43), code_challenge_method: 'S256', openbanking_intent_id: await consent() })}`)).status;
      expect(await page(callback)).toBe(200);
      expect(await page('http://127.0.0.1:3917/elsewhere')).toBe(400);
      for (const p of uk.personas) {
        const form = new URLSearchParams({ username: p.login, password: p.password, decision: 'allow', redirect_uri: callback, state: 's', nonce: 'n', code_challenge: 'c'.repeat(43), openbanking_intent_id: await consent() });
        const back = new URL((await fetch(`${uk.url}/authorize`, { method: 'POST', body: form, redirect: 'manual' })).headers.get('location') ?? '').searchParams;
        expect([p.login, back.has('code') ? 'code' : back.get('error')]).toEqual([p.login, p.login === 'rachel' ? 'access_denied' : 'code']);
      }
      const noToken = await fetch(`${uk.url}/open-banking/v4.0/aisp/accounts`);
      expect([noToken.status, noToken.headers.get('x-fapi-interaction-id')]).toEqual([401, expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    } finally {
      await sandbox.close();
    }
    expect(await fetch(uk?.url as string).then(() => 'answered', () => 'refused')).toBe('refused');
  }, 60_000);
});
