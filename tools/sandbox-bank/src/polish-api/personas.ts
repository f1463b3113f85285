/**
 * The PolishAPI personas `pnpm start` offers: PSUs of one sandbox bank, each reaching one
 * outcome of the refresh document (seeds/ais-refresh-mechanism.pl.txt, SEEDS.md §3) through
 * the ordinary API and the Link pages — log in at the bank's page as the persona, approve,
 * then sync. Every persona's password is {@link DEMO_POLISH_API_PASSWORD}, its SCA code
 * {@link DEFAULT_SCA_CODE}.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { JWK } from 'jose';
import { DEFAULT_SCA_CODE, type PolishApiAccountConfig, type PolishApiBankConfig, type PolishApiUserConfig } from './config';
import { DEMO_POLISH_API_PASSWORD } from './demo';
import { startPolishApiSandbox } from './sandbox';

/** One persona: its login at the bank, what it does and what the user then sees in Kinko. */
export interface PolishApiPersona {
  readonly login: string;
  readonly password: string;
  /** The SCA step's one-time code. */
  readonly scaCode: string;
  /** The outcome, as the API shows it. */
  readonly summary: string;
  readonly user: PolishApiUserConfig;
}

// Small accounts: quick first syncs on a development machine.
const small = (name: string): PolishApiAccountConfig => ({ name, transactions: 150, historyDays: 120 });

const persona = (login: string, summary: string, user: Omit<PolishApiUserConfig, 'login' | 'password'>): PolishApiPersona => ({
  login,
  password: DEMO_POLISH_API_PASSWORD,
  scaCode: DEFAULT_SCA_CODE,
  summary,
  user: { login, password: DEMO_POLISH_API_PASSWORD, ...user },
});

/** The personas, in the order the start banner prints them. */
export const POLISH_API_PERSONAS: readonly PolishApiPersona[] = [
  persona('jan', 'every sync completes (two accounts); withdraw with DELETE /api/v2/consents/{id} → DEAUTHORIZED, its accounts inactive and no longer listed', {
    name: 'Jan Kowalski',
    accounts: [small('Konto osobiste'), { ...small('Oszczędności'), kind: 'savings' }],
  }),
  persona('znika', 'ERROR missingAccount: the third account is listed by the first sync only; the next sync marks it failed, missingAccount', {
    accounts: [small('Pierwsze'), small('Drugie'), small('Znikające')],
    behaviour: { accountsGoneAfterFirstListing: [2] },
  }),
  persona('blad', 'ERROR aspspResponse: one of three accounts, its booked transactions list answers 400 (status and content in syncError); the other two complete', {
    accounts: [small('Pierwsze'), small('Z błędem'), small('Trzecie')],
    behaviour: { failingLists: { kinds: ['done'], accounts: [1], status: 400 } },
  }),
  persona('czesc', 'ERROR partiallyFailed: the holds list answers 400 on every account; the other kinds come', {
    accounts: [small('Konto')],
    behaviour: { failingLists: { kinds: ['hold'], status: 400 } },
  }),
  persona('awaria', 'ERROR failed: every transaction list answers 500', {
    accounts: [small('Konto')],
    behaviour: { failingLists: { kinds: ['done', 'pending', 'rejected', 'cancelled', 'scheduled', 'hold'], status: 500 } },
  }),
  persona('podpis', 'ERROR signature: after the first sync the bank refuses the app’s signature (422 INVALID_SIGNATURE); the next sync fails every account with signature', {
    accounts: [small('Konto')],
    behaviour: { refuseSignaturesAfterFirstListing: true },
  }),
  persona('wygasa', 'EXPIRED: the bank grants the consent for 5 minutes (its scopeTimeLimit); after that the consent is expired, no bank call', {
    accounts: [small('Konto')],
    behaviour: { consentMinutes: 5 },
  }),
  persona('konczy', 'EXPIRED: the bank ends the consent 2 minutes after it is given, before its scopeTimeLimit; the next sync shows it expired', {
    accounts: [small('Konto')],
    behaviour: { bankEndsConsentAfterMinutes: 2 },
  }),
  persona('zmiany', 'pending, hold and scheduled items change between syncs: the first sync lists a pending transfer, a card hold and two scheduled payments (in 7 and 14 days); at the next sync the pending has booked, the hold is gone, one payment executed (booked, its scheduled row linked to it) and the other was cancelled (deleted)', {
    accounts: [{ ...small('Konto'), activity: false }],
    behaviour: { changingItemsOnAccount: 0 },
  }),
];

/** A PolishAPI bank whose PSUs are the personas, with one registered TPP. */
export function polishApiPersonaBank(client: { readonly clientId: string; readonly publicJwk: JWK; readonly redirectUris: readonly string[] }): PolishApiBankConfig {
  return {
    bankCode: '114',
    clients: [{ clientId: client.clientId, name: 'Kinko', publicJwk: client.publicJwk, redirectUris: client.redirectUris, loopbackRedirectAnyPort: true }],
    users: POLISH_API_PERSONAS.map((p) => p.user),
  };
}

/** The persona bank, running, with what an app needs to connect it as the TPP. */
export interface RunningPolishApiPersonaBank {
  readonly bankCode: string;
  readonly bankName: string;
  readonly url: string;
  /** The TPP's client id at the bank. */
  readonly clientId: string;
  /** The TPP's private signing key (JWK JSON, made at start; a secret of this process). */
  readonly signingKey: string;
  /** The bank's public key its answers are signed with (JWK JSON). */
  readonly bankSigningKey: string;
  readonly personas: readonly PolishApiPersona[];
  close(): Promise<void>;
}

/**
 * Starts the persona bank on loopback for one TPP (`clientId`, a fresh ES256 key) that may
 * redirect to `redirectUris` (loopback ones on any port).
 */
export async function startPolishApiPersonaBank(options: { readonly host?: string; readonly clientId?: string; readonly redirectUris: readonly string[] }): Promise<RunningPolishApiPersonaBank> {
  const clientId = options.clientId ?? 'kinko';
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicJwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid: clientId };
  const sandbox = await startPolishApiSandbox({ ...polishApiPersonaBank({ clientId, publicJwk, redirectUris: options.redirectUris }), host: options.host ?? '127.0.0.1' });
  return {
    bankCode: sandbox.bankCode,
    bankName: sandbox.bankName,
    url: sandbox.url,
    clientId,
    signingKey: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: clientId }),
    bankSigningKey: JSON.stringify(sandbox.signingKey),
    personas: POLISH_API_PERSONAS,
    close: () => sandbox.close(),
  };
}
