/** The PolishAPI persona bank `pnpm start` runs: its TPP registration and the personas' checks. */
import { exportJWK, generateKeyPair } from 'jose';
import { POLISH_API_PERSONAS, startPolishApiPersonaBank, startPolishApiSandbox } from '../src';
import { redirectUriRegistered } from '../src/polish-api/bank';

describe('loopback redirect URIs on any port (RFC 8252 §7.3), only when the client asks for it', () => {
  const client = (loopbackRedirectAnyPort?: boolean) => ({
    clientId: 'kinko',
    publicJwk: { kty: 'EC' },
    redirectUris: ['http://127.0.0.1/api/v2/connect/callback', 'https://kinko.example/api/v2/connect/callback'],
    ...(loopbackRedirectAnyPort !== undefined ? { loopbackRedirectAnyPort } : {}),
  });

  it('matches a loopback URI on another port, the same path only', () => {
    expect(redirectUriRegistered(client(true), 'http://127.0.0.1:41234/api/v2/connect/callback')).toBe(true);
    expect(redirectUriRegistered(client(true), 'http://127.0.0.1:41234/api/v2/connect/other')).toBe(false);
    expect(redirectUriRegistered(client(true), 'http://localhost:41234/api/v2/connect/callback')).toBe(false);
  });

  it('keeps exact matching for other hosts, and everywhere without the flag', () => {
    expect(redirectUriRegistered(client(true), 'https://kinko.example:8443/api/v2/connect/callback')).toBe(false);
    expect(redirectUriRegistered(client(true), 'https://kinko.example/api/v2/connect/callback')).toBe(true);
    expect(redirectUriRegistered(client(), 'http://127.0.0.1:41234/api/v2/connect/callback')).toBe(false);
    expect(redirectUriRegistered(client(false), 'http://127.0.0.1/api/v2/connect/callback')).toBe(true);
  });
});

describe('the persona bank', () => {
  it('starts on loopback with every persona, a fresh TPP key pair and the bank’s public key', async () => {
    const bank = await startPolishApiPersonaBank({ redirectUris: ['http://127.0.0.1/api/v2/connect/callback'] });
    try {
      expect(new URL(bank.url).hostname).toBe('127.0.0.1');
      expect(bank.personas.map((p) => p.login)).toEqual(POLISH_API_PERSONAS.map((p) => p.login));
      expect(JSON.parse(bank.signingKey)).toMatchObject({ kty: 'EC', crv: 'P-256', kid: bank.clientId, d: expect.any(String) });
      expect(JSON.parse(bank.bankSigningKey)).not.toHaveProperty('d');
    } finally {
      await bank.close();
    }
  });

  it('refuses a persona behaviour naming an account the PSU does not have, naming the field', async () => {
    const { publicKey } = await generateKeyPair('ES256');
    const publicJwk = await exportJWK(publicKey);
    await expect(
      startPolishApiSandbox({
        clients: [{ clientId: 'c', publicJwk, redirectUris: ['https://tpp.example/cb'] }],
        users: [{ login: 'x', password: 'p', accounts: 2, behaviour: { accountsGoneAfterFirstListing: [2] } }],
      }),
    ).rejects.toThrow('user x: behaviour.accountsGoneAfterFirstListing: 2 is not an account position in 0..1');
  });
});
