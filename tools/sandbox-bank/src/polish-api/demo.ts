/**
 * The PolishAPI bank `pnpm sandbox` starts: ING's bank code, a demo TPP whose signing key is
 * derived from a public string (a demo key anyone can rebuild — never use it for anything
 * real), a personal PSU with a current and a savings account over four years, and a
 * business PSU with a 50,000-transaction account.
 */
import { createECDH, createHash } from 'node:crypto';
import type { JWK } from 'jose';
import type { PolishApiBankConfig } from './config';

/** The demo TPP's client id. */
export const DEMO_POLISH_API_CLIENT_ID = 'kinko-demo';
/** Password of the demo PSUs. */
export const DEMO_POLISH_API_PASSWORD = 'demo-haslo';

/** The demo TPP's ES256 key pair, derived from `material` (default: the public string `kinko-demo-tpp`). */
export function demoPolishApiTppKey(material = 'kinko-demo-tpp'): { readonly privateJwk: JWK; readonly publicJwk: JWK } {
  const d = createHash('sha256').update(material).digest();
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey();
  const publicJwk: JWK = { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url'), kid: DEMO_POLISH_API_CLIENT_ID, alg: 'ES256' };
  return { publicJwk, privateJwk: { ...publicJwk, d: d.toString('base64url') } };
}

/** The demo bank; the demo TPP may redirect to `/callback` and `/link/callback` on each host, on ports 80 and 3000. */
export function demoPolishApiBank(redirectHosts: readonly string[] = ['localhost', '127.0.0.1']): PolishApiBankConfig {
  const redirectUris = redirectHosts.flatMap((host) => [`http://${host}/callback`, `http://${host}:3000/callback`, `http://${host}:3000/link/callback`]);
  return {
    bankCode: '105',
    clients: [{ clientId: DEMO_POLISH_API_CLIENT_ID, name: 'Kinko (demo)', publicJwk: demoPolishApiTppKey().publicJwk, redirectUris }],
    users: [
      { login: 'demo', password: DEMO_POLISH_API_PASSWORD, name: 'Agata Nowak', address: ['ul. Astrów 12/1', '40-748 Katowice'], accounts: 2, transactionsPerAccount: 2_500, historyDays: 1_460 },
      { login: 'firma', password: DEMO_POLISH_API_PASSWORD, holderType: 'corporation', accounts: [{ kind: 'business', transactions: 50_000, historyDays: 1_460 }] },
    ],
  };
}
