import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { DevelopmentBanksProvider } from '@kinko/api';

// The development banks the launcher plugs into the app: the real sandbox on loopback, and
// what happens when a part of it cannot start.
const CALLBACKS = ['http://127.0.0.1/api/v2/connect/callback', 'http://localhost/api/v2/connect/callback'];

/** The provider, loaded after any mock of @kinko/sandbox-bank. */
const provider = (): DevelopmentBanksProvider => (jest.requireActual('../src/sandbox-banks') as { startSandboxBanks: DevelopmentBanksProvider }).startSandboxBanks;

describe('startSandboxBanks (the launcher’s development banks)', () => {
  afterEach(() => {
    jest.resetModules();
    jest.dontMock('@kinko/sandbox-bank');
  });

  it('starts the 銀行共通API banks, the net bank, the PolishAPI bank, the Berlin Group bank and the GMO Aozora bank on loopback, even for an API on all interfaces; close stops them', async () => {
    const warnings: string[] = [];
    const sandbox = await provider()({ host: '0.0.0.0', callbackUris: CALLBACKS, warn: (m) => warnings.push(m) });
    if (!sandbox) throw new Error(`nothing started: ${warnings.join('; ')}`);
    try {
      expect(warnings).toEqual([]);
      const urls = [...sandbox.banks.map((b) => b.url), sandbox.netbank?.url, sandbox.polish?.url, sandbox.berlinGroup?.url, sandbox.gmoAozora?.url];
      expect(urls.every((u) => typeof u === 'string' && u.startsWith('http://127.0.0.1:'))).toBe(true);
      expect(sandbox.banks.some((b) => b.client !== undefined)).toBe(true);
      expect(sandbox.demoLogin?.id).toBe('demo');
      expect(sandbox.personas?.length).toBeGreaterThan(0);
      expect(sandbox.polish?.personas.length).toBeGreaterThan(0);
      expect(sandbox.berlinGroup?.personas.map((p) => p.login)).toEqual(['lena', 'max']);
      // The Berlin Group bank's OAuth server (the consent's scaOAuth link) answers.
      expect((await fetch(`${sandbox.berlinGroup?.url}/.well-known/oauth-authorization-server`)).status).toBe(200);
      // GMO Aozora (in place of the 銀行共通API's 0310): its persona, and its Open API asking for the access token.
      expect(sandbox.banks.map((b) => b.bankCode)).not.toContain('0310');
      expect(sandbox.gmoAozora?.personas.map((p) => p.login)).toEqual(['hanako', 'taro', 'yuki', 'jiro', 'isogashi']);
      // The English (and Polish) pages' names of the Japanese banks are in Latin script (the app adds "(sandbox)").
      expect([...sandbox.banks.map((b) => b.englishName), sandbox.gmoAozora?.englishName]).toEqual(['Mizuho Bank', 'MUFG Bank', 'Sumitomo Mitsui Banking Corporation', 'GMO Aozora Net Bank']);
      // Each persona it lists logs in at the bank's login page with the password it shows (a code comes back).
      for (const p of sandbox.gmoAozora?.personas ?? []) {
        const form = new URLSearchParams({ username: p.login, password: p.password, redirect_uri: 'http://127.0.0.1:9/cb', state: 's', code_challenge: 'c'.repeat(43), decision: 'allow' });
        const back = await fetch(`${sandbox.gmoAozora?.url}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
        expect([p.login, new URL(back.headers.get('location') ?? '').searchParams.has('code')]).toEqual([p.login, true]);
      }
      const noToken = await fetch(`${sandbox.gmoAozora?.url}/ganb/api/personal/v1/accounts`);
      expect([noToken.status, await noToken.json()]).toEqual([401, expect.objectContaining({ errorCode: expect.any(String), errorMessage: expect.any(String) })]);
      for (const url of urls) expect((await fetch(url as string)).status).toBeLessThan(500);
    } finally {
      await sandbox.close();
    }
    const refused = await Promise.all([sandbox.banks[0]?.url, sandbox.netbank?.url, sandbox.polish?.url, sandbox.berlinGroup?.url, sandbox.gmoAozora?.url].map((u) => fetch(u as string).then(() => false, () => true)));
    expect(refused).toEqual([true, true, true, true, true]);
  }, 60_000);

  it('starts nothing, with a warning, when the 銀行共通API banks fail to start', async () => {
    jest.doMock('@kinko/sandbox-bank', () => ({
      ...(jest.requireActual('@kinko/sandbox-bank') as object),
      startBankCommonApiSandbox: async () => {
        throw new Error('port in use');
      },
    }));
    const warnings: string[] = [];
    expect(await provider()({ host: '127.0.0.1', callbackUris: CALLBACKS, warn: (m) => warnings.push(m) })).toBeUndefined();
    expect(warnings).toEqual(['sandbox banks not started: port in use']);
  });

  it('keeps the other banks, with a warning, when the PolishAPI bank fails; passes it the callback URIs', async () => {
    const calls: unknown[] = [];
    jest.doMock('@kinko/sandbox-bank', () => ({
      ...(jest.requireActual('@kinko/sandbox-bank') as object),
      startPolishApiPersonaBank: async (options: unknown) => {
        calls.push(options);
        throw new Error('no key');
      },
    }));
    const warnings: string[] = [];
    const sandbox = await provider()({ host: '127.0.0.1', callbackUris: CALLBACKS, warn: (m) => warnings.push(m) });
    try {
      expect(calls).toEqual([{ host: '127.0.0.1', redirectUris: CALLBACKS }]);
      expect(warnings).toEqual(['the sandbox PolishAPI bank was not started: no key']);
      expect(sandbox?.polish).toBeUndefined();
      expect(sandbox?.netbank).toBeDefined();
      expect(sandbox?.banks.length).toBeGreaterThan(0);
    } finally {
      await sandbox?.close();
    }
  }, 60_000);
});
