import { randomBytes } from 'node:crypto';
import type { BankEntry } from '../config/settings';
import { CONNECT_CALLBACK_PATH } from '../connections/connect.service';

/** A bank the sandbox serves, as printed at start. */
export interface RunningSandboxBank {
  readonly bankCode: string;
  readonly bankName: string;
  /** The name in Latin script for the English and Polish pages (e.g. Mizuho Bank); `bankName` when absent. */
  readonly englishName?: string;
  readonly url: string;
  /** The client Kinko is registered as at the bank (development credentials). */
  readonly client?: { readonly apiKey: string; readonly password: string };
}

/** The sandbox banks started with the app. */
export interface RunningSandbox {
  readonly banks: readonly RunningSandboxBank[];
  /** The demo end user's login at the sandbox banks, when the sandbox says. */
  readonly demoLogin?: { readonly id: string; readonly password: string };
  /** The HTML net bank (credential logins with challenges), when the sandbox offers it. */
  readonly netbank?: RunningNetbank;
  /** The PolishAPI 2.1.2 bank (redirect flow) and its personas, when the sandbox offers it. */
  readonly polish?: RunningPolishBank;
  /** The Berlin Group NextGenPSD2 1.3.12 bank (redirect flow, OAuth SCA) and its personas, when the sandbox offers it. */
  readonly berlinGroup?: RunningBerlinGroupBank;
  /** The GMO Aozora Net Bank personal Open API bank (redirect flow, OAuth PKCE) and its personas, when the sandbox offers it. */
  readonly gmoAozora?: RunningGmoAozoraBank;
  /** The UK Open Banking Read/Write 4.0 AIS bank (redirect flow: consent, OIDC + PKCE) and its personas, when the sandbox offers it. */
  readonly ukOpenBanking?: RunningUkOpenBankingBank;
  /** Personas of the first 銀行共通API bank (login id / password and what each does), when the sandbox says. */
  readonly personas?: readonly SandboxPersona[];
  close(): Promise<void>;
}

/** A login at a sandbox bank and the outcome it leads to. */
export interface SandboxPersona {
  readonly id: string;
  readonly password: string;
  readonly summary: string;
}

/** The sandbox's PolishAPI bank: Kinko is its TPP (a key made at start), users log in at its pages as a persona. */
export interface RunningPolishBank {
  readonly bankCode: string;
  readonly bankName: string;
  readonly url: string;
  readonly clientId: string;
  /** The TPP's private signing key (JWK JSON): a secret of this process, never printed. */
  readonly signingKey: string;
  /** The bank's public key (JWK JSON). */
  readonly bankSigningKey: string;
  readonly personas: ReadonlyArray<{ readonly login: string; readonly password: string; readonly scaCode: string; readonly summary: string }>;
  close(): Promise<void>;
}

/** A sandbox bank Kinko is the OAuth client (`clientId`) of: users log in at the bank's own page as a persona. */
export interface RunningOAuthBank {
  readonly bankName: string;
  /** The name in Latin script for the English and Polish pages, when `bankName` is not (GMO Aozora's). */
  readonly englishName?: string;
  readonly url: string;
  readonly clientId: string;
  readonly personas: ReadonlyArray<{ readonly login: string; readonly password: string; readonly summary: string }>;
  close(): Promise<void>;
}

/** A sandbox OAuth bank whose client also has a secret (`clientSecret`, made at start, never printed). */
export interface RunningOAuthBankWithSecret extends RunningOAuthBank {
  readonly clientSecret: string;
}

/** The sandbox's Berlin Group bank: Kinko is its TPP (OAuth client `clientId`), users log in at its SCA page as a persona. */
export type RunningBerlinGroupBank = RunningOAuthBank;

/** The bankId of the sandbox's Berlin Group bank. */
export const SANDBOX_BERLIN_GROUP_BANK_ID = 'sandbox-berlin-group';

/** The sandbox's GMO Aozora Net Bank: Kinko is its OAuth client (`clientId`, `clientSecret` made at start, never printed), users log in at its page as a persona. */
export type RunningGmoAozoraBank = RunningOAuthBankWithSecret;

/** The bankId of the sandbox's GMO Aozora Net Bank (in place of the 銀行共通API's sandbox-0310 under its bank code). */
export const SANDBOX_GMO_AOZORA_BANK_ID = 'sandbox-gmo-aozora';

/** The sandbox's UK Open Banking bank: Kinko is its OAuth client (`clientId`, `clientSecret` made at start, never printed), users authorise the consent at its page as a persona. */
export type RunningUkOpenBankingBank = RunningOAuthBankWithSecret;

/** The bankId of the sandbox's UK Open Banking bank. */
export const SANDBOX_UK_OPEN_BANKING_BANK_ID = 'sandbox-uk-open-banking';

/** The sandbox's HTML net bank: connected with a login and password through the Link pages. */
export interface RunningNetbank {
  readonly bankCode: string;
  readonly bankName: string;
  /** The name in Latin script for the English and Polish pages (e.g. The Bank of Yokohama); `bankName` when absent. */
  readonly englishName?: string;
  readonly url: string;
  /** A persona to log in with (login id / password) and what it does. */
  readonly personas: ReadonlyArray<{ readonly id: string; readonly password: string; readonly summary: string; readonly otpCode?: string }>;
  close(): Promise<void>;
}

/**
 * What starts the development banks (the sandbox) for {@link startKinko}'s `developmentBanks`
 * hook. The app does not depend on the sandbox: the development launcher (tools/dev-server,
 * what the root `pnpm start` runs) passes one; a production start has none. `host` is where
 * the API listens (banks listen on loopback); `callbackUris` Kinko's connect callback on
 * loopback and at KINKO_PUBLIC_URL when set ({@link polishRedirectUris}), where a sandbox bank
 * may send users back. Undefined when nothing was started (the reason passed to `warn`).
 */
export type DevelopmentBanksProvider = (options: {
  readonly host: string;
  readonly callbackUris: readonly string[];
  readonly warn: (message: string) => void;
}) => Promise<RunningSandbox | undefined>;

/** The bankId of the sandbox's PolishAPI bank. */
export const sandboxPolishBankId = (bankCode: string): string => `sandbox-pl-${bankCode}`;

/** The bankId of the sandbox's net bank. */
export const sandboxNetbankId = (bankCode: string): string => `sandbox-netbank-${bankCode}`;

// Seals the login a pending net bank challenge carries; a development process makes its own.
const DEV_NETBANK_STATE_KEY = randomBytes(24).toString('base64url');

/** The bankId a sandbox bank gets in the bank list: `sandbox-<bank code>`. */
export const sandboxBankId = (bankCode: string): string => `sandbox-${bankCode}`;

/**
 * The sandbox's banks as bank entries of the 銀行共通API package (development: added to the
 * configured banks at start, so the demo user can connect them).
 */
export function sandboxBankEntries(sandbox: RunningSandbox): BankEntry[] {
  return sandbox.banks
    .filter((b) => b.client !== undefined)
    .map((b): BankEntry => ({
      bankId: sandboxBankId(b.bankCode),
      connector: 'bank-common-api',
      options: {
        bankCode: b.bankCode,
        bankName: sandboxBankName({ ja: b.bankName, latin: b.englishName ?? b.bankName }),
        baseUrl: b.url,
        apiKey: b.client?.apiKey,
        password: b.client?.password,
      },
    }))
    .concat(sandbox.netbank ? [netbankEntry(sandbox.netbank)] : [])
    .concat(sandbox.polish ? [polishEntry(sandbox.polish)] : [])
    .concat(sandbox.berlinGroup ? [berlinGroupEntry(sandbox.berlinGroup)] : [])
    .concat(sandbox.gmoAozora ? [gmoAozoraEntry(sandbox.gmoAozora)] : [])
    .concat(sandbox.ukOpenBanking ? [ukOpenBankingEntry(sandbox.ukOpenBanking)] : []);
}

/**
 * A sandbox bank's name in the Link pages' languages, marked as the sandbox's, with the kind of
 * bank (`note`: one text for every language, or one per language). `name`: one for every
 * language, or the Japanese one and the one in Latin script (English and Polish pages).
 */
function sandboxBankName(name: string | { readonly ja: string; readonly latin: string }, note?: string | { readonly ja: string; readonly en: string; readonly pl: string }): { ja: string; en: string; pl: string } {
  const n = typeof note === 'string' ? { ja: note, en: note, pl: note } : note;
  const { ja, latin } = typeof name === 'string' ? { ja: name, latin: name } : name;
  return {
    ja: n ? `${ja}（サンドボックス・${n.ja}）` : `${ja}（サンドボックス）`,
    en: n ? `${latin} (sandbox, ${n.en})` : `${latin} (sandbox)`,
    pl: n ? `${latin} (piaskownica, ${n.pl})` : `${latin} (piaskownica)`,
  };
}

function ukOpenBankingEntry(bank: RunningUkOpenBankingBank): BankEntry {
  return {
    bankId: SANDBOX_UK_OPEN_BANKING_BANK_ID,
    connector: 'uk-open-banking',
    options: { baseUrl: bank.url, clientId: bank.clientId, clientSecret: bank.clientSecret, bankName: sandboxBankName(bank.bankName, 'UK Open Banking') },
  };
}

function gmoAozoraEntry(bank: RunningGmoAozoraBank): BankEntry {
  return {
    bankId: SANDBOX_GMO_AOZORA_BANK_ID,
    connector: 'gmo-aozora',
    options: {
      baseUrl: bank.url,
      clientId: bank.clientId,
      clientSecret: bank.clientSecret,
      bankName: sandboxBankName({ ja: bank.bankName, latin: bank.englishName ?? bank.bankName }, 'Open API'),
    },
  };
}

function berlinGroupEntry(bank: RunningBerlinGroupBank): BankEntry {
  return {
    bankId: SANDBOX_BERLIN_GROUP_BANK_ID,
    connector: 'berlin-group',
    options: {
      baseUrl: bank.url,
      clientId: bank.clientId,
      bankName: sandboxBankName(bank.bankName, 'Berlin Group'),
    },
  };
}

function polishEntry(bank: RunningPolishBank): BankEntry {
  return {
    bankId: sandboxPolishBankId(bank.bankCode),
    connector: 'polish-api',
    options: {
      baseUrl: bank.url,
      clientId: bank.clientId,
      signingKey: bank.signingKey,
      bankSigningKey: bank.bankSigningKey,
      bankName: sandboxBankName(bank.bankName, 'PolishAPI'),
    },
  };
}

/**
 * Where the PolishAPI sandbox lets Kinko redirect to: the callback on loopback (any port:
 * PORT may be 0) and at KINKO_PUBLIC_URL when set.
 */
export function polishRedirectUris(publicUrl: string | undefined): string[] {
  return ['http://127.0.0.1', 'http://localhost', ...(publicUrl ? [publicUrl] : [])].map((origin) => `${origin}${CONNECT_CALLBACK_PATH}`);
}

function netbankEntry(netbank: RunningNetbank): BankEntry {
  return {
    bankId: sandboxNetbankId(netbank.bankCode),
    connector: 'web-netbank',
    options: {
      bankCode: netbank.bankCode,
      bankName: sandboxBankName({ ja: netbank.bankName, latin: netbank.englishName ?? netbank.bankName }, { ja: 'ログイン情報', en: 'login details', pl: 'dane logowania' }),
      baseUrl: netbank.url,
      stateKey: DEV_NETBANK_STATE_KEY,
      directLoginUrl: `${netbank.url}/direct/login`,
    },
  };
}
